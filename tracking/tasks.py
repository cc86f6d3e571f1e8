"""Celery tasks: thin wrappers that fetch by id and call a service.

Arguments are ids and primitives (JSON). Services enqueue these after commit.
"""

from __future__ import annotations

from celery import shared_task  # noqa: F401
