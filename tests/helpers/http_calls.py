"""Requests to a server a test runs (gunicorn, the embedded run), by urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def token_call(
    url: str,
    token: str,
    *,
    method: str = "POST",
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
) -> tuple[int, bytes]:
    """(status, body) of one request with an API token; a 4xx or 5xx is an
    answer like any other, not an exception."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={
            "Authorization": f"Token {token}",
            **({"Content-Type": "application/json"} if data else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read()
