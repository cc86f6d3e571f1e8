"""Token authentication for API clients (``Authorization: Token <key>``)."""

from __future__ import annotations

import time

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tracking.messages import TOKEN_INVALID, TOKEN_MISSING
from tracking.models import ApiClient
from tracking.selectors import api_client_series_ids
from tracking.services import api_token_hash

# token hash -> (client or None, expires at). Tokens are looked up by their
# SHA-256, never compared as plain text, and an answer is kept a few seconds
# per process so the hot path costs no query; deactivating a client takes
# effect within TRACKING_AUTH_CACHE_SECONDS. A miss (a bad token) is kept
# as well: a client retrying with a wrong key costs no query per request.
_cache: dict[str, tuple[ApiClient | None, float]] = {}


def api_client_for_token(token: str) -> ApiClient | None:
    digest = api_token_hash(token)
    ttl = settings.TRACKING_AUTH_CACHE_SECONDS
    now = time.monotonic()
    hit = _cache.get(digest)
    if hit is not None and hit[1] > now:
        return hit[0]
    client = ApiClient.objects.filter(token_hash=digest, active=True).first()
    if ttl > 0:
        if client is not None:
            api_client_series_ids(client)  # cache the grants with the client
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[digest] = (client, now + ttl)
    return client


class ApiClientTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_MISSING)
        try:
            token = header[1].decode()
        except UnicodeDecodeError as e:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID) from e
        client = api_client_for_token(token)
        if client is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        return client, client

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) with WWW-Authenticate.
        return "Token"


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token header in the OpenAPI schema."""

    target_class = ApiClientTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`, from `manage.py create_api_client`.",
        }
