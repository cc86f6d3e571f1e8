"""Drawing barcodes and labels of issued numbers.

``symbols`` turns a domain ``Barcode`` into bars (zint), ``images`` draws
one barcode as SVG or PNG, ``zpl`` writes ZPL II labels for thermal
printers and ``pdf`` streams PDF labels for laser printers, one 4x6 label a
page or several on an A4 or Letter sheet (``LAYOUTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracking.domain.barcodes import Barcode

CONTENT_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "zpl": "application/zpl",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Label:
    """What one label shows besides the bars."""

    barcode: Barcode
    series_name: str
    reference: str
    issued: date
