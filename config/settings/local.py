"""Embedded defaults for one laptop: SQLite, tasks in-process, DEBUG on."""

from __future__ import annotations

import hashlib

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# base.py set it from its own DEBUG (False): serve static files as they change.
WHITENOISE_AUTOREFRESH = DEBUG
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
