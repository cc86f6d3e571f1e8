"""Small filters for the portal's templates."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def grouped(value) -> str:
    """1234567 -> "1,234,567"."""
    if value in (None, ""):
        return "—"
    return number_format(value, force_grouping=True)


@register.filter
def pct_width(value) -> str:
    """A percentage as a CSS width: at least a sliver when above zero."""
    v = float(value or 0)
    if 0 < v < 0.5:
        v = 0.5
    return f"{min(v, 100):.2f}"


@register.filter
def progress_width(value) -> str:
    """A 0..1 fraction as a CSS width in percent."""
    return f"{min(float(value or 0) * 100, 100):.2f}"
