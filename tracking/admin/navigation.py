"""The portal's sidebar: operations first, the libraries' pages last.

unfold calls ``sidebar_navigation`` per request (settings.UNFOLD); a page
is listed only to a user who may view it.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

# (group, [(label, material icon, admin URL name, permission to view)])
_GROUPS = [
    (
        "Operations",
        [
            ("Dashboard", "dashboard", "admin:index", None),
            (
                "Tracking numbers",
                "qr_code_2",
                "admin:tracking_trackingnumber_changelist",
                "tracking.view_trackingnumber",
            ),
            (
                "Batches",
                "stacks",
                "admin:tracking_batch_changelist",
                "tracking.view_batch",
            ),
            (
                "Series",
                "format_list_numbered",
                "admin:tracking_series_changelist",
                "tracking.view_series",
            ),
            (
                "Schedules",
                "event_repeat",
                "admin:tracking_schedule_changelist",
                "tracking.view_schedule",
            ),
            (
                "API clients",
                "key",
                "admin:tracking_apiclient_changelist",
                "tracking.view_apiclient",
            ),
            (
                "Exports",
                "download",
                "admin:tracking_exportjob_changelist",
                "tracking.view_exportjob",
            ),
        ],
    ),
    (
        "Administration",
        [
            ("Users", "person", "admin:auth_user_changelist", "auth.view_user"),
            ("Groups", "group", "admin:auth_group_changelist", "auth.view_group"),
            (
                "Login attempts (Axes)",
                "lock",
                "admin:axes_accessattempt_changelist",
                "axes.view_accessattempt",
            ),
            (
                "Login failures (Axes)",
                "lock_clock",
                "admin:axes_accessfailurelog_changelist",
                "axes.view_accessfailurelog",
            ),
            (
                "Access log (Axes)",
                "history",
                "admin:axes_accesslog_changelist",
                "axes.view_accesslog",
            ),
            (
                "Periodic tasks (internal)",
                "settings",
                "admin:django_celery_beat_periodictask_changelist",
                "django_celery_beat.view_periodictask",
            ),
            (
                "Crontabs (internal)",
                "schedule",
                "admin:django_celery_beat_crontabschedule_changelist",
                "django_celery_beat.view_crontabschedule",
            ),
            (
                "Intervals (internal)",
                "timer",
                "admin:django_celery_beat_intervalschedule_changelist",
                "django_celery_beat.view_intervalschedule",
            ),
        ],
    ),
]


def sidebar_navigation(request: HttpRequest) -> list[dict]:
    """unfold's SIDEBAR navigation for this user."""
    user = request.user
    groups = []
    for title, entries in _GROUPS:
        items = [
            {"title": label, "icon": icon, "link": reverse(url)}
            for label, icon, url, permission in entries
            if permission is None or user.has_perm(permission)
        ]
        if items:
            groups.append(
                {
                    "title": title,
                    "separator": title != "Operations",
                    "collapsible": title != "Operations",
                    "items": items,
                }
            )
    return groups
