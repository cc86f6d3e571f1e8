"""ZPL II labels, 4x6 in at 203 dpi, for thermal printers.

The printer draws the barcode from ``^BC`` field data, in which invocation
codes pick the Code 128 subsets: ``>;`` start C, ``>:`` start B, ``>5``
and ``>6`` switch to C and B, ``>8`` FNC1 (ZPL II Programming Guide, ^BC).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from tracking.domain.barcodes import GS, GS1_128, Barcode
from tracking.labels import Label

DPI = 203
WIDTH = 812  # 4 in
HEIGHT = 1218  # 6 in
_MARGIN = 40
_QUIET_ZONE = 10  # modules
_FNC1 = ">8"
_START = {"B": ">:", "C": ">;"}
_SWITCH = {"B": ">6", "C": ">5"}
_PARTS = re.compile(f"{GS}|[0-9]+|[^0-9{GS}]+")
_PLAIN = re.compile(f"[0-9A-Z{GS}]*")
# ^FH_ escapes the command prefixes ^ and ~, the escape _ itself, control
# characters and non-ASCII bytes; every other character stands as it is.
_NEEDS_ESCAPE = re.compile(r"[^\x20-\x5d\x60-\x7d]")
_ESCAPED = re.compile(rb"[^\x20-\x5d\x60-\x7d]")
LABELS_PER_CHUNK = 500


def code128_field(barcode: Barcode) -> tuple[str, int]:
    """Return the ^BC field data of ``barcode`` and its width in modules.

    Runs of four or more digits, or an even run at the start, go in subset
    C (an odd digit first goes in B); everything else in B. GS1-128 starts
    with FNC1 and has FNC1 wherever the element string has GS.

    >>> code128_field(Barcode("gs1-128", (("00", "106141411234567897"),), ""))
    ('>;>800106141411234567897', 156)
    >>> code128_field(Barcode("code128", (("", "RB123456785GB"),), ""))[0]
    '>:RB1>523456785>6GB'
    """
    data = barcode.element_string
    if not _PLAIN.fullmatch(data):
        raise ValueError(f"not a number's barcode data: {data!r}")
    out: list[str] = []
    codes = 0  # symbol characters between the start and the check character
    subset = ""

    def use(wanted: str) -> None:
        nonlocal subset, codes
        if subset == wanted:
            return
        if subset:
            out.append(_SWITCH[wanted])
            codes += 1
        else:
            out.append(_START[wanted])
            if barcode.symbology == GS1_128:
                out.append(_FNC1)
                codes += 1
        subset = wanted

    for part in _PARTS.findall(data):
        if part == GS:
            out.append(_FNC1)
            codes += 1
        elif part.isdigit() and (len(part) >= 4 or (not subset and len(part) % 2 == 0)):
            if len(part) % 2:
                use("B")
                out.append(part[0])
                codes += 1
                part = part[1:]
            use("C")
            out.append(part)
            codes += len(part) // 2
        else:
            use("B")
            out.append(part)
            codes += len(part)
    # Start, data, check character: 11 modules each; the stop has 13.
    return "".join(out), 11 * (codes + 2) + 13


def _text(value: str) -> str:
    """Return ``value`` as ^FH_ field data: UTF-8 with ^, ~, _ hex-escaped."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    return _ESCAPED.sub(lambda m: b"_%02X" % m[0][0], value.encode()).decode()


def label_zpl(label: Label) -> str:
    """Return one label: series, reference and date, the barcode, its text."""
    field, modules = code128_field(label.barcode)
    # The quiet zones may take the text margins: the bars get the full width.
    module = max(1, min(4, WIDTH // (modules + 2 * _QUIET_ZONE)))
    left = (WIDTH - modules * module) // 2
    width = WIDTH - 2 * _MARGIN
    return (
        f"^XA^CI28^PW{WIDTH}^LL{HEIGHT}^LH0,0\n"
        f"^FO{_MARGIN},{_MARGIN}^A0N,48,48^FB{width},1,0,L^FH_^FD"
        f"{_text(label.series_name)}^FS\n"
        f"^FO{_MARGIN},110^A0N,36,36^FB{width},1,0,L^FH_^FDRef: "
        f"{_text(label.reference)}^FS\n"
        f"^FO{_MARGIN},160^A0N,36,36^FDIssued: {label.issued.isoformat()}^FS\n"
        f"^FO{left},300^BY{module}^BCN,400,N,N,N^FD{field}^FS\n"
        f"^FO{_MARGIN},740^A0N,44,44^FB{width},1,0,C^FH_^FD"
        f"{_text(label.barcode.text)}^FS\n"
        "^XZ\n"
    )


def labels_zpl(labels: Iterable[Label]) -> Iterator[bytes]:
    """Yield the labels' ZPL, ``LABELS_PER_CHUNK`` labels a chunk."""
    chunk: list[str] = []
    for label in labels:
        chunk.append(label_zpl(label))
        if len(chunk) == LABELS_PER_CHUNK:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()
