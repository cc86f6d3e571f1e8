"""Test settings: PostgreSQL and Redis on this machine unless told otherwise."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-secret-key-not-for-production-0000")
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tracking"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = DATABASE_OPTIONS  # noqa: F405
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_PGBOUNCER  # noqa: F405
DATABASES["default"]["TEST"] = {
    "NAME": env("TEST_DATABASE_NAME", default="test_tracking")
}
TRACKING_SCRAMBLE_KEY = "test-scramble-key-0123456789abcdef0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TRACKING_DEFAULT_RATE = env("TRACKING_DEFAULT_RATE", default="100000/second")
# In-process Celery unless a test gives its processes a broker.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
TRACKING_TASKS_IN_PROCESS = False
AXES_ENABLED = False
WHITENOISE_AUTOREFRESH = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405
TRACKING_AUTH_CACHE_SECONDS = 0
LOGGING["handlers"]["console"]["formatter"] = env(  # noqa: F405
    "DJANGO_LOG_FORMAT", default="plain"
)
