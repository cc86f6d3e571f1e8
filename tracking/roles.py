"""The portal's roles: Django groups and the permissions each one holds.

``roles_sync`` is idempotent: migration 0004 runs it, and so does every
``migrate`` (post_migrate), so the groups always match this table.
"""

from __future__ import annotations

VIEWER = "Viewer"
OPERATOR = "Operator"
ADMINISTRATOR = "Administrator"

_VIEW = [
    "tracking.view_trackingnumber",
    "tracking.view_series",
    "tracking.view_batch",
    "tracking.view_exportjob",
    "tracking.export_trackingnumber",
    "tracking.add_exportjob",
    "tracking.view_schedule",
]
_OPERATE = [
    "tracking.issue_series",
    "tracking.void_trackingnumber",
    "tracking.use_trackingnumber",
    "tracking.add_batch",
    "tracking.change_batch",
]
_ADMINISTER = [
    "tracking.add_series",
    "tracking.change_series",
    "tracking.view_apiclient",
    "tracking.add_apiclient",
    "tracking.change_apiclient",
    "tracking.delete_apiclient",
    "tracking.import_trackingnumber",
    "tracking.add_trackingnumber",
    "tracking.add_schedule",
    "tracking.change_schedule",
    "tracking.delete_schedule",
    "django_celery_beat.view_periodictask",
    "django_celery_beat.add_periodictask",
    "django_celery_beat.change_periodictask",
    "django_celery_beat.delete_periodictask",
    "django_celery_beat.view_crontabschedule",
    "django_celery_beat.add_crontabschedule",
    "django_celery_beat.change_crontabschedule",
    "django_celery_beat.view_intervalschedule",
    "django_celery_beat.add_intervalschedule",
    "django_celery_beat.change_intervalschedule",
]

ROLES: dict[str, list[str]] = {
    VIEWER: _VIEW,
    OPERATOR: _VIEW + _OPERATE,
    ADMINISTRATOR: _VIEW + _OPERATE + _ADMINISTER,
}


def roles_sync(apps) -> None:
    """Create the role groups and give each exactly its permissions.

    ``apps`` is a migration's historical registry or the real one.
    Permissions missing from the database are skipped, not invented.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
