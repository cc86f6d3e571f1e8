"""Read back what the product prints: a real decoder and a ZPL reader.

Images and PDF pages are decoded with zxing-cpp; PDF pages are rendered
with poppler's pdftoppm first, as a laser printer's driver would rasterize
them. ZPL has no renderer here, so ``zpl_barcodes`` reads the ^BC field
data the way the ZPL II guide says a printer does (invocation codes).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

PDFTOPPM = shutil.which("pdftoppm")
PDFINFO = shutil.which("pdfinfo")
NO_POPPLER = (
    "pdftoppm and pdfinfo are missing: install Debian's poppler-utils "
    "(scripts/test-deps.sh does)."
)


def decode_image(image: Image.Image) -> list[tuple[str, bytes]]:
    """Return (AIM symbology identifier, data) of every barcode found."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    return [(result.symbology_identifier, result.bytes) for result in found]


def decode_png(png: bytes) -> list[tuple[str, bytes]]:
    return decode_image(Image.open(io.BytesIO(png)))


def decode_svg(svg: bytes | str) -> list[tuple[str, bytes]]:
    """Draw the rectangles of the bars' path as a viewer would, then decode."""
    root = ET.fromstring(svg)  # noqa: S314 - the product's own output
    ns = {"svg": "http://www.w3.org/2000/svg"}
    image = Image.new("L", (int(root.get("width")), int(root.get("height"))), 255)
    draw = ImageDraw.Draw(image)
    path = root.find("svg:path", ns).get("d")
    for x, y, w, h in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\d+z", path):
        x, y, w, h = map(int, (x, y, w, h))
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=0)
    return decode_image(image)


def _poppler() -> None:
    if not (PDFTOPPM and PDFINFO):
        pytest.fail(NO_POPPLER)


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    """Return the page count poppler reads, failing on any warning."""
    _poppler()
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        [PDFINFO, str(path)], capture_output=True, text=True, check=True
    )
    assert info.stderr == "", info.stderr
    return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M)[1])


def decode_pdf_page(
    pdf: bytes, tmp_path: Path, page: int = 1, dpi: int = 200
) -> list[tuple[str, bytes]]:
    """Render one page at ``dpi`` and decode every barcode on it."""
    _poppler()
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    rendered = subprocess.run(
        [
            *(PDFTOPPM, "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page)),
            *("-singlefile", str(path), str(tmp_path / "page")),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert rendered.stderr == "", rendered.stderr
    return decode_image(Image.open(tmp_path / "page.pgm"))


_FIELD = re.compile(r"\^BC([^^]*)\^FD(.*?)\^FS")


def zpl_barcodes(zpl: str) -> list[tuple[str, bytes]]:
    """Return (symbology identifier, data) of each ^BC field, as scanned.

    The field must open with a start code (>: B, >; C); in subset C every
    character is a digit pair. FNC1 right after the start makes the symbol
    GS1-128 (]C1); any later FNC1 is transmitted as GS.
    """
    found = []
    for params, data in _FIELD.findall(zpl):
        assert params.split(",")[5:] in ([], ["N"]), params  # mode N: as given
        assert data[:2] in (">:", ">;"), data
        subset = "B" if data[:2] == ">:" else "C"
        out: list[str] = []
        gs1 = False
        i = 2
        while i < len(data):
            if data[i] == ">":
                code = data[i + 1]
                i += 2
                if code == "8":
                    if i == 4:
                        gs1 = True
                    else:
                        out.append("\x1d")
                elif code in "56":
                    subset = "C" if code == "5" else "B"
                else:
                    raise AssertionError(f"unexpected invocation code >{code}")
            elif subset == "C":
                pair = data[i : i + 2]
                assert re.fullmatch("[0-9]{2}", pair), f"subset C pair {pair!r}"
                out.append(pair)
                i += 2
            else:
                assert data[i] not in "^~", data
                out.append(data[i])
                i += 1
        found.append(("]C1" if gs1 else "]C0", "".join(out).encode()))
    return found


def zpl_labels(zpl: str) -> list[str]:
    """Split a ZPL stream into labels, checking each is one ^XA ... ^XZ."""
    labels = re.findall(r"\^XA.*?\^XZ", zpl, re.S)
    assert "".join(labels).replace("\n", "") == zpl.replace("\n", ""), "stray text"
    return labels
