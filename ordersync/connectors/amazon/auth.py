"""Login with Amazon: a refresh token exchanged for an access token (``x-amz-access-token``)."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from ordersync.http import CachedTokenAuth, RateLimiter, Unlimited

DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"


class AmazonAuth(CachedTokenAuth):
    """``POST token_url`` (form: grant_type=refresh_token, refresh_token, client_id,
    client_secret) -> access token for ``expires_in`` (3600 s), cached until then. Refreshed
    once when the API answers 401 or 403 (SP-API says 403 Unauthorized for an expired token)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        token_url: str = DEFAULT_TOKEN_URL,
        clock: Callable[[], float] = time.time,
        limiter: RateLimiter | Unlimited | None = None,
    ) -> None:
        super().__init__(platform="amazon", clock=clock, limiter=limiter)
        self.client_id = client_id
        self._secret = client_secret
        self._refresh = refresh_token
        self.token_url = token_url

    refresh_statuses = (401, 403)  # SP-API answers an expired token with 403 Unauthorized

    def __repr__(self) -> str:  # never show the credentials
        return f"AmazonAuth(client_id={self.client_id!r}, token_url={self.token_url!r})"

    def build_token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self._refresh,
                "client_id": self.client_id,
                "client_secret": self._secret,
            },
            headers={"Accept": "application/json"},
        )

    def attach(self, request: httpx.Request, token: str) -> None:
        request.headers["x-amz-access-token"] = token
