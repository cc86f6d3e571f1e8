"""PDF labels, streamed page by page in constant memory.

PDF libraries (reportlab, fpdf2) hold the whole document until it is saved,
which a 100,000-label file cannot afford; the few objects a label page needs
are written here directly (PDF 1.4, ISO 32000-1): the catalog and fonts
first, then each page's content and page object as it is drawn, then the
page tree, the cross-reference table and the trailer. Pages are objects
``FIRST_PAGE + 2k`` (content) and ``FIRST_PAGE + 2k + 1`` (page), so the
page tree is written from the page count alone.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracking.labels import Label
from tracking.labels.symbols import QUIET_ZONE, bars

_MM = 72 / 25.4
_IN = 72.0


@dataclass(frozen=True)
class Layout:
    """A page size and the label cells on it, ``(left, top, width, height)``.

    Points from the page's top-left corner, in reading order.
    """

    name: str
    width: float
    height: float
    cells: tuple[tuple[float, float, float, float], ...]


def _sheet(
    name: str,
    page: tuple[float, float],
    grid: tuple[int, int],
    *,
    first: tuple[float, float],
    size: tuple[float, float],
    pitch: tuple[float, float],
) -> Layout:
    """A sheet of ``grid`` (columns, rows) labels; lengths in millimetres."""
    columns, rows = grid
    cells = tuple(
        (
            (first[0] + c * pitch[0]) * _MM,
            (first[1] + r * pitch[1]) * _MM,
            size[0] * _MM,
            size[1] * _MM,
        )
        for r in range(rows)
        for c in range(columns)
    )
    return Layout(name, page[0] * _MM, page[1] * _MM, cells)


_IN_MM = 25.4
LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout("4x6", 4 * _IN, 6 * _IN, ((0, 0, 4 * _IN, 6 * _IN),)),
        # 8 labels of 99.1 x 67.7 mm (Avery L7165 and its equivalents).
        _sheet(
            "a4",
            (210, 297),
            (2, 4),
            first=(4.65, 13.1),
            size=(99.1, 67.7),
            pitch=(101.6, 67.7),
        ),
        # 10 labels of 4 x 2 in (Avery 5163 and its equivalents).
        _sheet(
            "letter",
            (8.5 * _IN_MM, 11 * _IN_MM),
            (2, 5),
            first=(0.156 * _IN_MM, 0.5 * _IN_MM),
            size=(4 * _IN_MM, 2 * _IN_MM),
            pitch=(4.188 * _IN_MM, 2 * _IN_MM),
        ),
    )
}

_FONTS = (b"Helvetica-Bold", b"Helvetica", b"Courier")  # /F1 /F2 /F3
_CATALOG, _PAGES, _FIRST_FONT = 1, 2, 3
FIRST_PAGE = _FIRST_FONT + len(_FONTS)
_COURIER_ADVANCE = 0.6  # em
_HELVETICA_ADVANCE = 0.6  # em, generous: long names are cut, not overflowed
_MAX_X = 2.0  # largest module width, points
_CHUNK_BYTES = 1 << 16


def _pdf_text(value: str) -> bytes:
    """Return ``value`` as a PDF literal string in WinAnsiEncoding."""
    raw = value.encode("cp1252", errors="replace")
    return (
        b"("
        + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        + b")"
    )


def _fit(value: str, width: float, size: float, advance: float) -> str:
    most = int(width / (size * advance))
    return value if len(value) <= most else value[: max(0, most - 1)] + "\u2026"


def _text(font: int, size: float, x: float, y: float, value: str) -> bytes:
    return b"BT /F%d %.2f Tf %.2f %.2f Td %s Tj ET\n" % (
        font,
        size,
        x,
        y,
        _pdf_text(value),
    )


def _draw_label(label: Label, cell: tuple, page_height: float) -> bytes:
    """Return the content-stream operators of one label in its cell."""
    left, top, w, h = cell
    bottom = page_height - top - h
    margin = max(6.0, min(w, h) * 0.06)
    inner = w - 2 * margin
    title = min(16.0, max(7.0, h / 24))
    small = title * 0.8
    y = bottom + h - margin - title
    ops = [
        b"q %.2f %.2f %.2f %.2f re W n\n" % (left, bottom, w, h),
        _text(
            1,
            title,
            left + margin,
            y,
            _fit(label.series_name, inner, title, _HELVETICA_ADVANCE),
        ),
    ]
    y -= small * 1.3
    if label.reference:
        ref = _fit(f"Ref: {label.reference}", inner, small, _HELVETICA_ADVANCE)
        ops.append(_text(2, small, left + margin, y, ref))
    y -= small * 1.3
    ops.append(_text(2, small, left + margin, y, f"Issued: {label.issued.isoformat()}"))
    text = label.barcode.text
    text_size = min(title * 1.2, inner / (_COURIER_ADVANCE * max(1, len(text))))
    text_width = text_size * _COURIER_ADVANCE * len(text)
    drawn = bars(label.barcode)
    # The quiet zones may take the text margins: the bars get the full width.
    x = min(_MAX_X, w / (drawn.modules + 2 * QUIET_ZONE))
    # The bars with their line beneath, centred in the room under the header.
    under = text_size * 1.6
    room = y - small - bottom - margin
    bar_height = min(room - under, w * 0.5)
    baseline = bottom + margin + (room - bar_height - under) / 2
    ops.append(_text(3, text_size, left + (w - text_width) / 2, baseline, text))
    bar_bottom = baseline + under
    x0 = left + (w - drawn.modules * x) / 2
    ops.extend(
        b"%.3f %.2f %.3f %.2f re\n"
        % (x0 + start * x, bar_bottom, width * x, bar_height)
        for start, width in drawn.runs
    )
    ops.append(b"f Q\n")
    return b"".join(ops)


class _Writer:
    """Numbered objects and where each starts, for the cross-reference."""

    def __init__(self) -> None:
        self.offset = 0
        # Slot 0 is the free-list head; object n starts at offsets[n].
        self.offsets = array("Q", [0] * FIRST_PAGE)

    def raw(self, data: bytes) -> bytes:
        self.offset += len(data)
        return data

    def obj(self, number: int, body: bytes) -> bytes:
        if number < len(self.offsets):
            self.offsets[number] = self.offset
        else:
            self.offsets.append(self.offset)
        return self.raw(b"%d 0 obj\n%s\nendobj\n" % (number, body))


def labels_pdf(labels: Iterable[Label], layout: Layout) -> Iterator[bytes]:
    """Yield a PDF of the labels, at most ``len(layout.cells)`` a page."""
    out = _Writer()
    chunk = [
        out.raw(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        out.obj(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % _PAGES),
    ]
    for index, font in enumerate(_FONTS):
        chunk.append(
            out.obj(
                _FIRST_FONT + index,
                b"<< /Type /Font /Subtype /Type1 /BaseFont /%s "
                b"/Encoding /WinAnsiEncoding >>" % font,
            )
        )
    fonts = b" ".join(
        b"/F%d %d 0 R" % (i + 1, _FIRST_FONT + i) for i in range(len(_FONTS))
    )
    page_object = (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
        b"/Resources << /Font << %s >> >> /Contents %%d 0 R >>"
        % (_PAGES, layout.width, layout.height, fonts)
    )
    pages = 0
    size = sum(map(len, chunk))
    cells: list[bytes] = []

    def page() -> Iterator[bytes]:
        nonlocal pages, size
        content = zlib.compress(b"".join(cells))
        number = FIRST_PAGE + 2 * pages
        yield out.obj(
            number,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
            % (len(content), content),
        )
        yield out.obj(number + 1, page_object % number)
        pages += 1
        cells.clear()

    for label in labels:
        cells.append(_draw_label(label, layout.cells[len(cells)], layout.height))
        if len(cells) == len(layout.cells):
            for part in page():
                chunk.append(part)
                size += len(part)
        if size >= _CHUNK_BYTES:
            yield b"".join(chunk)
            chunk.clear()
            size = 0
    if cells or not pages:
        chunk.extend(page())
    kids = b" ".join(b"%d 0 R" % (FIRST_PAGE + 2 * k + 1) for k in range(pages))
    chunk.append(
        out.obj(_PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
    )
    xref_at = out.offset
    count = len(out.offsets)
    chunk.append(b"xref\n0 %d\n0000000000 65535 f \n" % count)
    chunk.append(b"".join(b"%010d 00000 n \n" % o for o in out.offsets[1:]))
    chunk.append(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (count, _CATALOG, xref_at)
    )
    yield b"".join(chunk)
