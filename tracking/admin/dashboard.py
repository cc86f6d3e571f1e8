"""The admin index as the dashboard: KPIs, capacity and a 30-day chart."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tracking import selectors


def _chart(daily: list[tuple[Any, int]]) -> dict[str, Any]:
    """Geometry of the 30-day bar chart, drawn as inline SVG (no library)."""
    width, height, top, bottom, pad = 720, 180, 12, 24, 24
    peak = max((n for _, n in daily), default=0) or 1
    slot = (width - 2 * pad) / max(len(daily), 1)
    bars = []
    for i, (day, n) in enumerate(daily):
        h = round((height - top - bottom) * n / peak, 1)
        bars.append(
            {
                "x": round(pad + i * slot + slot * 0.15, 1),
                "y": round(height - bottom - h, 1),
                "w": round(slot * 0.7, 1),
                "h": h,
                "day": day,
                "count": n,
                "label": day.strftime("%d %b") if i % 5 == 4 or i == 0 else "",
                "label_x": round(pad + i * slot + slot / 2, 1),
            }
        )
    return {
        "width": width,
        "height": height,
        "baseline": height - bottom,
        "label_y": height - 6,
        "peak": peak,
        "empty": all(n == 0 for _, n in daily),
        "bars": bars,
    }


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    """UNFOLD["DASHBOARD_CALLBACK"]: the admin index becomes the dashboard.

    What it reads (see tracking.selectors.portal_dashboard): allocated and
    voided per series from the allocators and counters (O(1) each, no row
    counts), today's numbers by a range count on the created_at index, and
    past days of the chart from the cache, so a view costs the same with
    10 million rows as with ten.
    """
    if not request.user.has_perm("tracking.view_trackingnumber"):
        return context
    data = selectors.portal_dashboard()
    context.update(data)
    context["chart"] = _chart(data["daily"])
    context["dashboard"] = True
    context["can_issue"] = request.user.has_perm("tracking.issue_series")
    return context
