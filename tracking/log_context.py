"""Fields every log line of a request or task carries (structured logs).

The request middleware opens a context with the request id, the client and
the Idempotency-Key; services add the series and the batch they work on.
``ContextFilter`` copies the fields onto each log record, and the JSON
formatter writes them as keys, so one request's lines can be found by id.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar, Token
from typing import Any

_fields: ContextVar[dict[str, Any] | None] = ContextVar("log_fields", default=None)


def log_bind(**fields: Any) -> None:
    """Add ``fields`` to the current request's or task's log lines."""
    current = _fields.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v not in (None, "")})


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """A fresh set of fields for the duration of a request or task."""
    token = _fields.set({k: v for k, v in fields.items() if v not in (None, "")})
    try:
        yield _fields.get()
    finally:
        _fields.reset(token)


_task_tokens: dict[str, Token] = {}


def task_context_open(task_id=None, task=None, **kwargs) -> None:
    """Celery ``task_prerun``: a fresh set of fields for the task."""
    _task_tokens[task_id] = _fields.set({"task": task.name, "task_id": task_id})


def task_context_close(task_id=None, **kwargs) -> None:
    """Celery ``task_postrun``."""
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _fields.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_fields.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
