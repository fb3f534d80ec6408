"""The shared HTTP layer: what is retried, what is not, and how limits are kept."""

import httpx
import pytest

from ordersync.http import (
    ApiClient,
    AuthError,
    CachedTokenAuth,
    RateLimited,
    RateLimiter,
    RetriableError,
    RetryPolicy,
    UncertainWrite,
    ValidationError,
)


def scripted(*responses):
    """A MockTransport answering with the given (status, headers) in order; records calls."""
    calls = []
    queue = list(responses)

    def handler(request):
        calls.append(request)
        item = queue.pop(0) if queue else (200, {})
        if isinstance(item, Exception):
            raise item
        status, headers = item
        return httpx.Response(status, headers=headers, json={"title": "t", "status": status})

    return httpx.MockTransport(handler), calls


def client(transport, **kw):
    sleeps = []
    c = ApiClient(
        "https://api.example",
        platform="test",
        transport=transport,
        retry=RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
        sleep=sleeps.append,
        **kw,
    )
    return c, sleeps


def test_429_is_retried_after_the_time_the_platform_asked_for():
    transport, calls = scripted((429, {"Retry-After": "0"}), (200, {}))
    c, _ = client(transport)
    assert c.request("GET", "/x").status_code == 200
    assert len(calls) == 2 and c.rate_limited == 1


def test_5xx_on_get_is_retried_with_backoff_then_gives_up():
    transport, calls = scripted(*[(503, {})] * 4)
    c, sleeps = client(transport)
    with pytest.raises(RetriableError):
        c.request("GET", "/x")
    assert len(calls) == 4 and len(sleeps) == 3 and all(0 <= s <= 0.05 for s in sleeps)


def test_other_4xx_is_not_retried():
    transport, calls = scripted((422, {}))
    c, _ = client(transport)
    with pytest.raises(ValidationError):
        c.request("GET", "/x")
    assert len(calls) == 1


def test_unauthorized_is_an_auth_error():
    transport, _ = scripted((403, {}))
    c, _ = client(transport)
    with pytest.raises(AuthError):
        c.request("GET", "/x")


def test_post_5xx_is_an_uncertain_write_and_not_retried():
    transport, calls = scripted((502, {}))
    c, _ = client(transport)
    with pytest.raises(UncertainWrite):
        c.request("POST", "/orders", json={})
    assert len(calls) == 1


def test_post_timeout_is_uncertain_but_refused_connection_is_retried():
    transport, calls = scripted(httpx.ReadTimeout("slow"))
    c, _ = client(transport)
    with pytest.raises(UncertainWrite):
        c.request("POST", "/orders", json={})
    transport, calls = scripted(httpx.ConnectError("refused"), (201, {}))
    c, _ = client(transport)
    assert c.request("POST", "/orders", json={}).status_code == 201 and len(calls) == 2


def test_post_429_is_retried_because_nothing_was_written():
    transport, calls = scripted((429, {"Retry-After": "0"}), (201, {}))
    c, _ = client(transport)
    assert c.request("POST", "/orders", json={}).status_code == 201


def test_rate_limited_error_keeps_retry_after():
    transport, _ = scripted(*[(429, {"Retry-After": "0"})] * 4)
    c, _ = client(transport)
    with pytest.raises(RateLimited) as info:
        c.request("GET", "/x")
    assert info.value.retry_after == 0


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_token_bucket_spaces_requests_at_the_rate():
    t = FakeTime()
    limiter = RateLimiter(rate=2.0, burst=4, clock=t, sleep=t.sleep)
    for _ in range(4):
        assert limiter.acquire() == 0  # the burst is free
    for _ in range(6):
        limiter.acquire()
    assert t.now == pytest.approx(3.0)  # 6 more at 2/s


def test_pause_holds_everyone_back_and_observe_trusts_the_platform():
    t = FakeTime()
    limiter = RateLimiter(rate=2.0, burst=40, clock=t, sleep=t.sleep)
    limiter.pause(5)
    limiter.acquire()
    assert t.now >= 5
    t2 = FakeTime()
    limiter = RateLimiter(rate=2.0, burst=40, clock=t2, sleep=t2.sleep)
    limiter.observe(used=40, capacity=40)  # the shop's bucket is full (another app used it)
    limiter.acquire()
    assert t2.now == pytest.approx(0.5)


class TokenAuth(CachedTokenAuth):
    def build_token_request(self):
        return httpx.Request("POST", "https://login.example/token")


def test_token_is_cached_and_refreshed_once_on_401():
    issued = []

    def handler(request):
        if request.url.path == "/token":
            issued.append(1)
            return httpx.Response(
                200, json={"access_token": f"tok{len(issued)}", "expires_in": 3600}
            )
        if (
            request.headers["Authorization"] == "Bearer tok1"
            and len(issued) == 1
            and request.url.path == "/expire"
        ):
            return httpx.Response(401, json={})
        return httpx.Response(200, json={"auth": request.headers["Authorization"]})

    auth = TokenAuth(platform="test")
    c, _ = client(httpx.MockTransport(handler), auth=auth)
    c.request("GET", "/a")
    c.request("GET", "/b")
    assert len(issued) == 1
    assert c.request("GET", "/expire").json()["auth"] == "Bearer tok2"
    assert len(issued) == 2


def test_expired_token_is_renewed_before_use():
    t = FakeTime()
    issued = []

    def handler(request):
        if request.url.path == "/token":
            issued.append(1)
            return httpx.Response(200, json={"access_token": "t", "expires_in": 300})
        return httpx.Response(200, json={})

    auth = TokenAuth(platform="test", clock=t)
    c, _ = client(httpx.MockTransport(handler), auth=auth)
    c.request("GET", "/a")
    t.now += 250  # within the safety margin of expiry
    c.request("GET", "/a")
    assert len(issued) == 2
