"""The client's address behind trusted proxies (django-axes' lockouts).

Behind a load balancer every request comes from the balancer's address, so
axes would lock everyone out at once after a few failed logins. With
DJANGO_CLIENT_IP_HEADER (e.g. ``X-Forwarded-For``) and DJANGO_TRUSTED_PROXIES
(how many proxies append to it), the client is the address that many hops
from the right: the left-most entries are whatever the client sent and
cannot be trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    header = settings.CLIENT_IP_HEADER
    if not header:
        return request.META.get("REMOTE_ADDR")
    hops = [h.strip() for h in request.headers.get(header, "").split(",") if h.strip()]
    if len(hops) < settings.TRUSTED_PROXIES:
        return request.META.get("REMOTE_ADDR")
    return hops[-settings.TRUSTED_PROXIES]
