"""The one rule that keeps exported text from running as a spreadsheet formula.

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``,
``-`` or ``@`` as a formula, and tab or carriage return can hide such a start
(OWASP "CSV injection"). References and void reasons are free text set by
API clients, so every file written for people (CSV, XLSX, JSON) passes its
text through ``spreadsheet_safe``; SQL that writes those files uses
``spreadsheet_safe_sql``, built from the same characters.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would read as a formula.

    The quote makes the cell plain text and shows the original value;
    stripping characters instead would let ``==x`` through as ``=x``.

    >>> spreadsheet_safe("==HYPERLINK(1)")
    "'==HYPERLINK(1)"
    >>> spreadsheet_safe("a=b")
    'a=b'
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def spreadsheet_safe_sql(column: str) -> str:
    """``spreadsheet_safe`` as a PostgreSQL expression over ``column``.

    ``column`` is an SQL identifier or expression written by the caller,
    never input.
    """
    starts = ", ".join("'" + c.replace("'", "''") + "'" for c in FORMULA_START)
    return (
        f"CASE WHEN left({column}, 1) IN ({starts}) "
        f"THEN '''' || {column} ELSE {column} END"
    )
