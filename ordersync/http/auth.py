"""Token authentication as an httpx.Auth flow: fetch, cache until expiry, refresh on 401."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator

import httpx

from ordersync.http.errors import AuthError, RetriableError


class CachedTokenAuth(httpx.Auth, ABC):
    """Base for access tokens obtained from a token endpoint (bol.com client credentials,
    Amazon Login-with-Amazon refresh tokens). Subclasses build the token request and say how
    the token is attached; the flow caches the token until ``expires_in`` minus a margin and
    refreshes it once when the API answers 401."""

    requires_response_body = True
    margin_seconds = 60.0
    refresh_statuses: tuple[int, ...] = (401,)  # answers that mean "token no longer valid"

    def __init__(self, *, platform: str, clock: Callable[[], float] = time.time) -> None:
        self.platform = platform
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    @abstractmethod
    def build_token_request(self) -> httpx.Request:
        """The request to the platform's token endpoint."""

    def attach(self, request: httpx.Request, token: str) -> None:
        request.headers["Authorization"] = f"Bearer {token}"

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at - self.margin_seconds

    def _store(self, response: httpx.Response) -> None:
        if response.status_code == 429 or response.status_code >= 500:
            raise RetriableError(
                "token endpoint unavailable", platform=self.platform, status=response.status_code
            )
        if response.status_code != 200:
            raise AuthError(
                "token request refused", platform=self.platform, status=response.status_code
            )
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 300))
        self.tokens_fetched += 1

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if not self._valid():
                self._store((yield self.build_token_request()))
            token = self._token
        assert token is not None
        self.attach(request, token)
        response = yield request
        if response.status_code in self.refresh_statuses:
            with self._lock:
                if self._token == token:  # nobody refreshed it meanwhile
                    self._store((yield self.build_token_request()))
                token = self._token
            assert token is not None
            self.attach(request, token)
            yield request
