"""One Redis client (one connection pool) per URL for the whole process.

``redis.Redis.from_url`` builds a new pool each call: a health probe or a
batch creation that called it would open, and leave behind, a TCP
connection every time. A client kept per URL reuses its pooled connections
across requests and threads; redis-py resets the pool after a fork.
"""

from __future__ import annotations

from functools import lru_cache

import redis


@lru_cache(maxsize=8)
def redis_client(url: str, *, timeout: float = 1.0) -> redis.Redis:
    """The process' client for ``url``; connect and reads time out after ``timeout``."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout
    )
