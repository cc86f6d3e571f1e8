"""Settings of the operations portal (django-unfold, django-import-export).

Part of config/settings/base.py, which imports it last.
"""

from __future__ import annotations

from django.templatetags.static import static

from config.settings import env

# PORTAL
# ------------------------------------------------------------------------------
# The operations portal is the Django admin themed by django-unfold.
# https://unfoldadmin.com/docs/configuration/settings/
UNFOLD = {
    "SITE_TITLE": "Tracking numbers",
    "SITE_HEADER": "Tracking numbers",
    "SITE_SUBHEADER": "Operations portal",
    "SITE_SYMBOL": "qr_code_2",
    "DASHBOARD_CALLBACK": "tracking.admin.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("portal/portal.css")],
    "SCRIPTS": [lambda request: static("portal/portal.js")],
    # Operations first, the libraries' pages last under Administration.
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "tracking.admin.navigation.sidebar_navigation",
    },
    "SHOW_VIEW_ON_SITE": False,
    # The portal is the site: no "Return to site" link out of it.
    "SITE_URL": None,
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "type": "image/svg+xml",
            "href": lambda request: static("portal/favicon.svg"),
        }
    ],
}
# unfold's login form carries no "next" field: land on the dashboard.
LOGIN_REDIRECT_URL = "admin:index"
# https://django-import-export.readthedocs.io/en/latest/installation.html
# Off: its rule drops one leading "=" ("==x" stays a formula). Exports are
# written by services.export_write, with tracking.domain.spreadsheet's rule.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Codenames "export_trackingnumber" / "import_trackingnumber" (tracking.roles).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
# Exports with more rows than this run in the background (ExportJob) and
# stream to a file under MEDIA_ROOT instead of being built in memory.
PORTAL_EXPORT_SYNC_MAX_ROWS = env.int("PORTAL_EXPORT_SYNC_MAX_ROWS", default=10_000)
# Background export jobs and their files are deleted after this many days.
TRACKING_EXPORT_RETENTION_DAYS = env.int("TRACKING_EXPORT_RETENTION_DAYS", default=7)
# Largest quantity of one bulk issue from the portal (a batch above 1000).
PORTAL_BULK_ISSUE_MAX = env.int("PORTAL_BULK_ISSUE_MAX", default=10_000_000)
# Largest selection one void / mark-used action may touch.
PORTAL_ACTION_MAX_ROWS = env.int("PORTAL_ACTION_MAX_ROWS", default=1000)
