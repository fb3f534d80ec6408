"""CCV Shop request signing (C1 ``BaseEndpoint``): ``x-public``, ``x-date`` and ``x-hash`` =
hex HMAC-SHA512(secret, public|METHOD|URI|BODY|x-date); responses carry their own ``x-date``
and ``x-hash`` over public|METHOD|URI|responseBody|x-date, checked as C1 does."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Generator
from datetime import UTC, datetime

import httpx


def signature(secret: str, public: str, method: str, uri: str, body: str, date: str) -> str:
    """The ``x-hash`` of one request or response."""
    message = "|".join((public, method.upper(), uri, body, date))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CcvAuth(httpx.Auth):
    """Signs each request; ``verify`` checks a response's hash (None: it matches)."""

    def __init__(self, public: str, secret: str, clock: Callable[[], str] = iso_now) -> None:
        self.public, self._secret, self._clock = public, secret, clock

    def __repr__(self) -> str:  # never the secret
        return f"CcvAuth(public={self.public!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        date = self._clock()
        body = request.content.decode() if request.content else ""
        request.headers["x-public"] = self.public
        request.headers["x-date"] = date
        request.headers["x-hash"] = signature(self._secret, self.public, request.method,
                                              request.url.raw_path.decode(), body, date)
        yield request

    def verify(self, response: httpx.Response) -> str | None:
        """Why a 2xx response fails C1's check (missing or wrong hash), or None."""
        date, got = response.headers.get("x-date"), response.headers.get("x-hash")
        if not date or not got:
            return "response carries no x-date/x-hash"
        request = response.request
        want = signature(self._secret, self.public, request.method,
                         request.url.raw_path.decode(), response.text, date)
        return None if hmac.compare_digest(want, got) else "response x-hash does not match"
