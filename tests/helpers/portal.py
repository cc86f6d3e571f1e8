"""What the portal's forms post, as a browser fills them in."""

from __future__ import annotations


def series_form(**fields: str) -> dict[str, str]:
    """The series add form: the fields a test names over what the form starts
    with (sequential, digits, no check character, from serial 0)."""
    return {
        "mode": "sequential",
        "alphabet": "digits",
        "check_char": "none",
        "start": "0",
        **fields,
    }
