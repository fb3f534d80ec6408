"""Shopware 6 Admin API OAuth2: an integration's access key id and secret (client
credentials) exchanged at ``POST /api/oauth/token`` for a bearer token (600 s), cached and
renewed by ``CachedTokenAuth`` - one token request per ~9 minutes per integration."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from ordersync.http import CachedTokenAuth, RateLimiter, Unlimited

TOKEN_PATH = "/api/oauth/token"


class ShopwareAuth(CachedTokenAuth):
    """``{"grant_type": "client_credentials", "client_id", "client_secret"}`` as JSON (the body
    adminapi.json documents as ``OAuthClientCredentialsGrant``)."""

    def __init__(self, base_url: str, client_id: str, client_secret: str, *,
                 clock: Callable[[], float] = time.time,
                 limiter: RateLimiter | Unlimited | None = None) -> None:
        super().__init__(platform="shopware", clock=clock, limiter=limiter)
        self._url = f"{base_url.rstrip('/')}{TOKEN_PATH}"
        self._client_id, self._secret = client_id, client_secret

    def __repr__(self) -> str:  # never the secret
        return f"ShopwareAuth(client_id={self._client_id!r})"

    def build_token_request(self) -> httpx.Request:
        body = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._secret}
        return httpx.Request("POST", self._url, content=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json",
                                      "Accept": "application/json"})
