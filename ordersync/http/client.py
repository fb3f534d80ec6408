"""The HTTP client every connector uses: rate limited per credential, retrying what is worth
retrying (429 honouring Retry-After, 5xx, timeouts) with capped exponential backoff and full
jitter, and never retrying other 4xx or a write whose outcome is unknown."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ordersync.http.auth import CachedTokenAuth
from ordersync.http.errors import (
    Action,
    AuthError,
    FatalError,
    RateLimited,
    RetriableError,
    UncertainWrite,
    action_for,
    error_for,
)
from ordersync.http.limiter import RateLimiter, Unlimited

log = logging.getLogger("ordersync.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Full-jitter exponential backoff for attempt 1, 2, ..."""
        return rng() * min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: the platforms' APIs authenticate every request by
    token, key or signature, so a cookie a platform (or its load balancer) sets must not ride
    along on the next call, and reading every response's Set-Cookie costs a request object
    per response for nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _CookielessClient(httpx.Client):
    """``httpx.Client`` whose cookie jar stays empty (see :class:`_NoCookies`)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, value: object) -> None:
        if value:
            raise ValueError("an API client keeps no cookies")


_NO_COOKIES = _NoCookies()


class ApiClient:
    """A thin wrapper over ``httpx.Client``; one per connector instance. It keeps no cookies
    and builds each request from its base URL directly (httpx's ``build_request`` parses and
    merges the URL twice per request)."""

    def __init__(
        self,
        base_url: str,
        *,
        platform: str,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        limiter: RateLimiter | Unlimited | None = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_response: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self.platform = platform
        self.limiter = limiter or Unlimited()
        self.retry = retry
        self._sleep = sleep
        self._on_response = on_response
        self.requests_made = 0
        self.rate_limited = 0
        self._http = _CookielessClient(
            base_url=base_url,
            auth=auth.bound(self._fetch_token) if isinstance(auth, CachedTokenAuth) else auth,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=transport,
        )
        # ends with "/" like the base httpx merges a path onto ("https://a.example" has path "/")
        self._base = str(self._http.base_url).rstrip("/") + "/"

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeout of every request, token requests included."""
        return self._http.timeout

    @timeout.setter
    def timeout(self, value: float | httpx.Timeout) -> None:
        self._http.timeout = httpx.Timeout(value) if not isinstance(value, httpx.Timeout) \
            else value

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        limiter: RateLimiter | Unlimited | None = None,
        idempotent: bool | None = None,
        expect: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send a request; return the response (2xx, or a status listed in ``expect``).

        Non-idempotent writes (POST, PATCH) are retried only when the platform certainly did
        not act on them: a 429, or a connection that never opened. A timeout or 5xx after
        sending raises UncertainWrite so the caller reconciles before writing again.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS

        def send() -> httpx.Response:
            return self._http.send(self._build(method, path, params, json, headers, content))

        return self._send(
            send, f"{method} {path}", idempotent=idempotent, bucket=limiter or self.limiter,
            expect=expect,
        )

    def _build(
        self, method: str, path: str, params: Mapping[str, Any] | None, json: Any,
        headers: Mapping[str, str] | None, content: bytes | None,
    ) -> httpx.Request:
        """The request ``httpx.Client.request`` would build: a path relative to the base URL
        (``/x`` and ``x`` alike) or an absolute URL, the client's headers under the call's,
        the client's timeout."""
        url = path if path.startswith(("https://", "http://")) else self._base + path.lstrip("/")
        merged = self._http.headers
        if headers:
            merged = httpx.Headers(merged)
            merged.update(headers)
        return httpx.Request(
            method, url, params=params, json=json, headers=merged, content=content,
            extensions={"timeout": self._http.timeout.as_dict()},
        )

    def _fetch_token(self, auth: CachedTokenAuth) -> httpx.Response:
        """Send ``auth``'s token request like every other call: the client's timeout,
        retries and a limiter (a token request is safe to repeat). A token endpoint that
        keeps failing raises RetriableError naming the platform (never the credentials)."""

        def send() -> httpx.Response:
            request = auth.build_token_request()
            request.extensions.setdefault("timeout", self._http.timeout.as_dict())
            return self._http.send(request, auth=None)

        what = f"token request {auth.build_token_request().url.path}"  # no query, no body
        bucket = auth.limiter or self.limiter
        try:
            return self._send(send, what, idempotent=True, bucket=bucket, observe=False)
        except RetriableError as exc:
            raise RetriableError(
                "token endpoint unavailable", platform=auth.platform, status=exc.status,
                detail=str(exc).removeprefix(f"{self.platform}: "),
            ) from exc
        except FatalError as exc:
            raise AuthError(
                "token request refused", platform=auth.platform, status=exc.status,
                detail=exc.detail,
            ) from exc

    def _send(
        self,
        send: Callable[[], httpx.Response],
        what: str,
        *,
        idempotent: bool,
        bucket: RateLimiter | Unlimited,
        expect: tuple[int, ...] = (),
        observe: bool = True,
    ) -> httpx.Response:
        """The retry loop of ``request`` around one ``send``."""
        attempt = 0
        while True:
            attempt += 1
            bucket.acquire()
            try:
                self.requests_made += 1
                response = send()
            except httpx.ConnectError as exc:
                error: RetriableError = RetriableError(
                    f"{what}: cannot connect", platform=self.platform, detail=type(exc).__name__
                )
            except httpx.TransportError as exc:  # timeouts, broken connections
                cls = RetriableError if idempotent else UncertainWrite
                error = cls(f"{what}: {type(exc).__name__}", platform=self.platform)
            else:
                if observe and self._on_response is not None:
                    self._on_response(response)
                status = response.status_code
                if status in expect or action_for(status) is Action.OK:
                    return response
                detail = _problem_detail(response)
                if action_for(status) is Action.FAIL:
                    raise error_for(status, what, platform=self.platform, detail=detail)
                wait = retry_after_seconds(response)
                if status == 429:
                    self.rate_limited += 1
                    self._hold(bucket, wait if wait is not None else self.retry.backoff(attempt))
                    error = RateLimited(
                        what, platform=self.platform, status=429, retry_after=wait, detail=detail
                    )
                elif not idempotent:
                    raise UncertainWrite(what, platform=self.platform, status=status, detail=detail)
                else:
                    error = error_for(status, what, platform=self.platform, detail=detail)
                    assert isinstance(error, RetriableError)
                    if wait is not None:
                        self._hold(bucket, wait)
            if isinstance(error, UncertainWrite) or attempt >= self.retry.max_attempts:
                raise error
            delay = 0.0 if isinstance(error, RateLimited) else self.retry.backoff(attempt)
            log.info("%s: %s, retry %d in %.2fs", self.platform, error, attempt, delay)
            if delay:
                self._sleep(delay)

    def _hold(self, bucket: RateLimiter | Unlimited, seconds: float) -> None:
        """Wait ``seconds`` before the next request: the limiter holds every caller back; with
        limits off (Unlimited) this client sleeps itself, capped at the policy's max delay."""
        if isinstance(bucket, Unlimited):
            seconds = min(seconds, self.retry.max_delay)
            if seconds > 0:
                self._sleep(seconds)
        else:
            bucket.pause(seconds)


def _error_object(error: dict) -> str:
    """One error object as "code: text (details)"."""
    text = error.get("detail") or error.get("title") or error.get("message")
    details = error.get("details")
    more = f" ({details})" if details and details != text else ""
    return f"{error.get('code') or error.get('status')}: {text}{more}"


def _problem_detail(response: httpx.Response) -> str:
    """A short, secret-free description of an error body (RFC 7807 problem or plain JSON)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
            # JSON:API error objects (Shopware: detail/title) and SP-API errors (Amazon:
            # message): "code: text" each
            return "; ".join(_error_object(e) for e in errors)[:500]
        parts = [str(body[k]) for k in ("title", "detail", "errors", "message") if body.get(k)]
        violations = body.get("violations")
        if violations:
            parts.append("; ".join(f"{v.get('name')}: {v.get('reason')}" for v in violations))
        return " - ".join(parts)[:500]
    return str(body)[:200]
