"""What a number's barcode encodes and the line printed under it.

Each scheme names its symbology and builds a ``Barcode`` from one of its
numbers (``Scheme.barcode``), so labels follow the same rules that issue the
numbers. Drawing the bars is not done here (see ``tracking.labels``).
"""

from __future__ import annotations

from dataclasses import dataclass

CODE128 = "code128"
GS1_128 = "gs1-128"

# FNC1 as a scanner transmits it between GS1 element strings: ASCII GS.
GS = "\x1d"
# Application identifiers whose data length GS1 predefines (General
# Specifications, figure 5.10.1-1): no FNC1 separator follows them.
_PREDEFINED_LENGTH_AI_PREFIXES = frozenset(
    {"00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17"}
    | {"18", "19", "20", "31", "32", "33", "34", "35", "36", "41"}
)


@dataclass(frozen=True)
class Barcode:
    """A barcode's content: symbology, data and human-readable text.

    ``elements`` holds one ``("", data)`` pair for plain Code 128 and one
    ``(ai, value)`` pair per GS1 element string for GS1-128.
    """

    symbology: str
    elements: tuple[tuple[str, str], ...]
    text: str

    @property
    def bracketed(self) -> str:
        """Return the data with each AI in square brackets (GS1), or as is.

        >>> Barcode(GS1_128, (("00", "106141411234567897"),), "").bracketed
        '[00]106141411234567897'
        """
        if self.symbology != GS1_128:
            return self.elements[0][1]
        return "".join(f"[{ai}]{value}" for ai, value in self.elements)

    @property
    def element_string(self) -> str:
        """Return what a scanner transmits after the symbology identifier.

        For GS1-128 that is the AIs and their values, with GS (FNC1) after
        each element whose AI has no predefined length, except the last.

        >>> Barcode(GS1_128, (("420", "12345"), ("92", "123")), "").element_string
        '42012345\\x1d92123'
        """
        if self.symbology != GS1_128:
            return self.elements[0][1]
        parts = []
        last = len(self.elements) - 1
        for index, (ai, value) in enumerate(self.elements):
            parts.append(ai + value)
            if index < last and ai[:2] not in _PREDEFINED_LENGTH_AI_PREFIXES:
                parts.append(GS)
        return "".join(parts)

    @property
    def symbology_identifier(self) -> str:
        """Return the AIM identifier a scanner prefixes: ]C1 GS1, ]C0 plain."""
        return "]C1" if self.symbology == GS1_128 else "]C0"


def code128(data: str, text: str | None = None) -> Barcode:
    """Return a plain Code 128 barcode; the text defaults to the data."""
    return Barcode(CODE128, (("", data),), data if text is None else text)


def gs1_128(elements: tuple[tuple[str, str], ...], text: str) -> Barcode:
    """Return a GS1-128 barcode of ``(ai, value)`` element strings."""
    return Barcode(GS1_128, elements, text)


def grouped(digits: str, size: int) -> str:
    """Return ``digits`` in groups of ``size`` separated by spaces.

    >>> grouped("9400111899223197428490", 4)
    '9400 1118 9922 3197 4284 90'
    """
    return " ".join(digits[i : i + size] for i in range(0, len(digits), size))
