"""Embedded defaults for one laptop: SQLite, tasks in-process, DEBUG off.

A user of `make run` gets the product's own answers (JSON 404, clear 4xx),
never Django's debug page; DJANGO_DEBUG=True brings it back for developing.
"""

from __future__ import annotations

import hashlib

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Static files straight from the apps, as they change: no collectstatic step.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="local-insecure-3f6b0c1e8d0a4a7f9e2b5c7d1a9e8f6b4c2d0e1f",
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
)
# Derived from the secret key so a laptop needs no extra setting.
TRACKING_SCRAMBLE_KEY = env(
    "TRACKING_SCRAMBLE_KEY",
    default=hashlib.sha256(f"scramble:{SECRET_KEY}".encode()).hexdigest(),
)
LOGGING["handlers"]["console"]["formatter"] = env(  # noqa: F405
    "DJANGO_LOG_FORMAT", default="plain"
)
