"""bol.com client-credentials token: ``POST {login_url}/token?grant_type=client_credentials``."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable

import httpx

from ordersync.http import CachedTokenAuth, RateLimiter, Unlimited


class BolcomAuth(CachedTokenAuth):
    """Fetches a bearer token with HTTP Basic client credentials, caches it until
    ``expires_in`` (minus the base margin) and refreshes it once on a 401."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        login_url: str = "https://login.bol.com",
        clock: Callable[[], float] = time.time,
        limiter: RateLimiter | Unlimited | None = None,
    ) -> None:
        super().__init__(platform="bolcom", clock=clock, limiter=limiter)
        self._login_url = login_url.rstrip("/")
        raw = f"{client_id}:{client_secret}".encode()
        self._basic = "Basic " + base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:  # never show the credentials
        return f"BolcomAuth(login_url={self._login_url!r})"

    def build_token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            f"{self._login_url}/token",
            params={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic, "Accept": "application/json"},
        )
