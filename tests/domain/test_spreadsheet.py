"""One spreadsheet-safe rule for every exported text cell."""

from __future__ import annotations

import pytest

from tracking.domain.spreadsheet import spreadsheet_safe


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("==HYPERLINK(1)", "'==HYPERLINK(1)"),
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=b", "a=b"),
        ("R-1", "R-1"),
        (" =1", " =1"),
        ("'=1", "'=1"),
        ("", ""),
    ],
)
def test_it_quotes_text_a_spreadsheet_would_run(value, safe):
    assert spreadsheet_safe(value) == safe
