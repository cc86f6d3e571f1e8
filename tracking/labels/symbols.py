"""The bars of a barcode, encoded by zint (GS1-aware Code 128)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import zint

from tracking.domain.barcodes import CODE128, GS1_128, Barcode

# Light modules each side of the bars (ISO/IEC 15417: at least 10 X).
QUIET_ZONE = 10
_SYMBOLOGY = {CODE128: zint.Symbology.CODE128, GS1_128: zint.Symbology.GS1_128}
_ROW_BYTES = 144  # zint's encoded_data rows: 1,152 modules, bit 0 first
_DARK_RUN = re.compile("1+")


@dataclass(frozen=True)
class Bars:
    """Dark bars as ``(first module, width in modules)``, left to right."""

    modules: int
    runs: tuple[tuple[int, int], ...]


def bars(barcode: Barcode) -> Bars:
    """Return the bars of ``barcode``.

    zint inserts FNC1 (first and after variable-length AIs) and refuses a
    GS1 element string whose length or check digit is wrong.
    """
    symbol = zint.Symbol()
    symbol.symbology = _SYMBOLOGY[barcode.symbology]
    if barcode.symbology == GS1_128:
        symbol.input_mode = zint.InputMode.GS1
    symbol.warn_level = zint.WarningLevel.FAIL_ALL
    symbol.encode(barcode.bracketed)
    row = symbol.encoded_data.cast("B")[:_ROW_BYTES]
    # Little-endian bytes, so bit i of the integer is module i.
    bits = f"{int.from_bytes(row, 'little'):b}"[::-1][: symbol.width]
    runs = tuple((m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(bits))
    return Bars(symbol.width, runs)
