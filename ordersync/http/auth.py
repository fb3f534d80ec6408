"""Token authentication as an httpx.Auth flow: fetch, cache until expiry, refresh on 401.

An ``ApiClient`` binds the auth to itself (``CachedTokenAuth.bound``), so token requests go
through the client like every other call: its timeout, its retries (429 after Retry-After,
5xx and timeouts with capped backoff - a token request is safe to repeat) and a rate limiter.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator

import httpx

from ordersync.http.errors import AuthError, RetriableError
from ordersync.http.limiter import RateLimiter, Unlimited

# Sends the auth's token request (retrying as the client does); returns a 2xx response.
TokenFetcher = Callable[["CachedTokenAuth"], httpx.Response]


class CachedTokenAuth(httpx.Auth, ABC):
    """Base for access tokens obtained from a token endpoint (bol.com client credentials,
    Amazon Login-with-Amazon refresh tokens). Subclasses build the token request and say how
    the token is attached; the flow caches the token until ``expires_in`` minus a margin and
    refreshes it once when the API answers 401. ``limiter`` spaces token requests (None: the
    client's own limiter)."""

    requires_response_body = True
    margin_seconds = 60.0
    refresh_statuses: tuple[int, ...] = (401,)  # answers that mean "token no longer valid"

    def __init__(
        self,
        *,
        platform: str,
        clock: Callable[[], float] = time.time,
        limiter: RateLimiter | Unlimited | None = None,
    ) -> None:
        self.platform = platform
        self.limiter = limiter
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    @abstractmethod
    def build_token_request(self) -> httpx.Request:
        """The request to the platform's token endpoint (a fresh one per attempt)."""

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

    def token(self, fetch: TokenFetcher) -> str:
        """The cached token, fetched through ``fetch`` when missing or about to expire."""
        with self._lock:
            if not self._valid():
                self._store(fetch(self))
            assert self._token is not None
            return self._token

    def renew(self, stale: str, fetch: TokenFetcher) -> str:
        """A new token after the API refused ``stale`` (unless another caller renewed it)."""
        with self._lock:
            if self._token == stale:
                self._store(fetch(self))
            assert self._token is not None
            return self._token

    def bound(self, fetch: TokenFetcher) -> httpx.Auth:
        """This auth as an httpx.Auth whose token requests are sent through ``fetch``."""
        return BoundTokenAuth(self, fetch)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Unbound use (a plain httpx.Client): token requests without the client's retries.
        ``ApiClient`` never takes this path; it uses ``bound``."""
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


class BoundTokenAuth(httpx.Auth):
    """A CachedTokenAuth whose token requests are sent by its ApiClient (see module doc)."""

    requires_response_body = True

    def __init__(self, auth: CachedTokenAuth, fetch: TokenFetcher) -> None:
        self.auth, self._fetch = auth, fetch

    def __repr__(self) -> str:
        return f"BoundTokenAuth({self.auth!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.auth.token(self._fetch)
        self.auth.attach(request, token)
        response = yield request
        if response.status_code in self.auth.refresh_statuses:
            self.auth.attach(request, self.auth.renew(token, self._fetch))
            yield request
