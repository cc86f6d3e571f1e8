"""Benchmarks: production settings on loopback, plus the baseline views."""

from __future__ import annotations

from .production import *  # noqa: F403
from .production import INSTALLED_APPS, env

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
TRACKING_DEFAULT_RATE = env("TRACKING_DEFAULT_RATE", default="1000000/second")
LOGGING = {"version": 1, "disable_existing_loggers": False}
