"""Production: every secret comes from the environment, boot fails without it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL, env

SECRET_KEY = env("DJANGO_SECRET_KEY")
TRACKING_SCRAMBLE_KEY = env("TRACKING_SCRAMBLE_KEY")
if len(TRACKING_SCRAMBLE_KEY) < 32:
    raise ImproperlyConfigured("TRACKING_SCRAMBLE_KEY must be at least 32 characters.")

# Without a broker tasks run inside the web request (a 10M batch included);
# with a per-process cache every gunicorn worker keeps its own rate limits;
# with the cache in the broker's Redis database a cache clear drops queued
# tasks. Refuse each at boot.
NO_BROKER = (
    "CELERY_BROKER_URL is not set: production runs tasks on a Celery worker, "
    "e.g. CELERY_BROKER_URL=redis://redis:6379/1."
)
PER_PROCESS_CACHE = (
    "REDIS_URL is not set: production needs a shared cache so that rate "
    "limits hold across processes, e.g. REDIS_URL=redis://redis:6379/0."
)
SHARED_REDIS_DATABASE = (
    "REDIS_URL and CELERY_BROKER_URL are the same Redis database: give the "
    "cache and the broker separate databases (e.g. /0 and /1)."
)
# No fallback to REDIS_URL here, unlike base: that would share its database.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = False
if not CELERY_BROKER_URL:
    raise ImproperlyConfigured(NO_BROKER)
if not REDIS_URL or "locmem" in CACHES["default"]["BACKEND"]:
    raise ImproperlyConfigured(PER_PROCESS_CACHE)


def _redis_database(url: str) -> tuple:
    parts = urlsplit(url)
    db = parse_qs(parts.query).get("db", [parts.path.strip("/") or "0"])[0]
    return parts.hostname, parts.port or 6379, int(db)


if _redis_database(CELERY_BROKER_URL) == _redis_database(REDIS_URL):
    raise ImproperlyConfigured(SHARED_REDIS_DATABASE)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# SECURITY
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes and Prometheus scrape over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# STATIC
# ------------------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
