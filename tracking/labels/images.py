"""One barcode as an SVG or PNG image, with its human-readable line."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from tracking.domain.barcodes import Barcode
from tracking.labels.symbols import QUIET_ZONE, Bars, bars

# Text height in modules; smaller when a long line would overflow.
_TEXT_SIZE = 9
# Average glyph advance of a monospaced font, in ems.
_MONO_ADVANCE = 0.6


@dataclass(frozen=True)
class _Geometry:
    bars: Bars
    scale: int
    width: int
    bar_top: int
    bar_height: int
    text: str
    text_size: int
    text_baseline: int
    height: int


def _geometry(barcode: Barcode, *, scale: int, height: int, text: bool) -> _Geometry:
    """Place bars and text in pixels: ``scale`` pixels a module."""
    drawn = bars(barcode)
    width_modules = drawn.modules + 2 * QUIET_ZONE
    margin = 2 * scale
    bar_height = height * scale
    text_size = 0
    if text:
        fit = width_modules / (_MONO_ADVANCE * max(1, len(barcode.text)))
        text_size = int(min(_TEXT_SIZE, fit) * scale)
    baseline = margin + bar_height + text_size + scale
    return _Geometry(
        bars=drawn,
        scale=scale,
        width=width_modules * scale,
        bar_top=margin,
        bar_height=bar_height,
        text=barcode.text if text else "",
        text_size=text_size,
        text_baseline=baseline,
        height=baseline + (margin + scale if text else 0),
    )


def barcode_svg(barcode: Barcode, *, scale: int, height: int, text: bool) -> bytes:
    """Return the barcode as an SVG document (one path for the bars)."""
    g = _geometry(barcode, scale=scale, height=height, text=text)
    left = QUIET_ZONE * scale
    path = "".join(
        f"M{left + start * scale} {g.bar_top}h{width * scale}v{g.bar_height}"
        f"h-{width * scale}z"
        for start, width in g.bars.runs
    )
    label = ""
    if g.text:
        label = (
            f'<text x="{g.width / 2:g}" y="{g.text_baseline}" '
            f'text-anchor="middle" font-family="monospace" '
            f'font-size="{g.text_size}">{escape(g.text)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{g.width}" '
        f'height="{g.height}" viewBox="0 0 {g.width} {g.height}">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/>{label}</svg>'
    ).encode()


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def barcode_png(barcode: Barcode, *, scale: int, height: int, text: bool) -> bytes:
    """Return the barcode as a greyscale PNG, bars on whole pixels."""
    g = _geometry(barcode, scale=scale, height=height, text=text)
    image = Image.new("L", (g.width, g.height), 255)
    draw = ImageDraw.Draw(image)
    left = QUIET_ZONE * scale
    bottom = g.bar_top + g.bar_height - 1
    for start, width in g.bars.runs:
        x = left + start * scale
        draw.rectangle((x, g.bar_top, x + width * scale - 1, bottom), fill=0)
    if g.text:
        draw.text(
            (g.width / 2, g.text_baseline),
            g.text,
            fill=0,
            font=_font(g.text_size),
            anchor="ms",
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
