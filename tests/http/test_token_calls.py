"""Token requests are sent like every other call (issue 10.3): the client's timeout, retries
(429 after Retry-After, 5xx and timeouts with backoff) and limiter; a token endpoint that keeps
failing is a retriable error naming the platform, never the secret. Over MockTransport."""

from __future__ import annotations

import httpx
import pytest

from ordersync.connectors.amazon.auth import AmazonAuth
from ordersync.connectors.bolcom.auth import BolcomAuth
from ordersync.http import (
    ApiClient,
    AuthError,
    RateLimiter,
    RetriableError,
    RetryPolicy,
    UncertainWrite,
)

SECRET = "s3cr3t-never-in-errors-91b2"
TOKEN_OK = {"access_token": "tok", "expires_in": 3600}


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Platform:
    """A MockTransport platform: token answers scripted in order, then 200; records calls."""

    def __init__(self, *token_answers: int | tuple[int, dict] | Exception) -> None:
        self.token_answers = list(token_answers)
        self.token_calls: list[httpx.Request] = []
        self.api_calls: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path in ("/token", "/auth/o2/token"):
            self.token_calls.append(request)
            answer = self.token_answers.pop(0) if self.token_answers else 200
            if isinstance(answer, Exception):
                raise answer
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            body = TOKEN_OK if status == 200 else {"error": "server_error"}
            return httpx.Response(status, headers=headers, json=body)
        self.api_calls.append(request)
        return httpx.Response(200, json={"ok": True})


def make_client(platform: Platform, auth, t: FakeTime | None = None, **kw) -> ApiClient:
    t = t or FakeTime()
    return ApiClient("https://api.example", platform=auth.platform, auth=auth,
                     transport=platform.transport, timeout=2.0, sleep=t.sleep,
                     retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0), **kw)


def bol_auth(**kw) -> BolcomAuth:
    return BolcomAuth("client-1", SECRET, login_url="https://login.example", **kw)


def amazon_auth(**kw) -> AmazonAuth:
    return AmazonAuth("amzn1.client", SECRET, "Atzr|refresh",
                      token_url="https://api.example/auth/o2/token", **kw)


AUTHS = [pytest.param(bol_auth, id="bolcom"), pytest.param(amazon_auth, id="amazon")]


@pytest.mark.parametrize("make_auth", AUTHS)
def test_token_request_carries_the_client_timeout(make_auth):
    platform = Platform()
    make_client(platform, make_auth()).request("GET", "/orders")
    [token] = platform.token_calls
    assert token.extensions["timeout"] == httpx.Timeout(2.0).as_dict()


@pytest.mark.parametrize("make_auth", AUTHS)
def test_token_endpoint_timeout_is_retried_and_a_post_is_sent_once(make_auth):
    platform = Platform(httpx.ReadTimeout("hung"))
    t = FakeTime()
    response = make_client(platform, make_auth(), t).request("POST", "/shipments", json={})
    assert response.status_code == 200
    assert len(platform.token_calls) == 2 and len(platform.api_calls) == 1
    assert len(t.slept) == 1 and 0 <= t.slept[0] <= 0.5  # capped backoff, injected sleep


@pytest.mark.parametrize("make_auth", AUTHS)
def test_token_endpoint_5xx_is_retried_with_backoff(make_auth):
    platform = Platform(503, 502)
    t = FakeTime()
    assert make_client(platform, make_auth(), t).request("GET", "/orders").status_code == 200
    assert len(platform.token_calls) == 3 and len(t.slept) == 2
    assert all(0 <= s <= 4.0 for s in t.slept)


@pytest.mark.parametrize("make_auth", AUTHS)
def test_token_endpoint_429_waits_for_retry_after_on_the_limiter(make_auth):
    platform = Platform((429, {"Retry-After": "7"}))
    t = FakeTime()
    limiter = RateLimiter(rate=10.0, burst=10, clock=t, sleep=t.sleep)
    client = make_client(platform, make_auth(limiter=limiter), t)
    assert client.request("GET", "/orders").status_code == 200
    assert len(platform.token_calls) == 2 and client.rate_limited == 1
    assert t.now >= 7.0  # the second token request waited for Retry-After


@pytest.mark.parametrize("make_auth", AUTHS)
def test_token_endpoint_429_waits_for_retry_after_with_limits_off(make_auth):
    platform = Platform((429, {"Retry-After": "3"}))
    t = FakeTime()
    assert make_client(platform, make_auth(), t).request("GET", "/orders").status_code == 200
    assert t.slept == [3.0]


@pytest.mark.parametrize("make_auth", AUTHS)
def test_token_endpoint_that_keeps_failing_is_a_clear_retriable_error(make_auth):
    platform = Platform(*[503] * 10)
    auth = make_auth()
    with pytest.raises(RetriableError) as info:
        make_client(platform, auth).request("POST", "/shipments", json={})
    error = info.value
    assert not isinstance(error, UncertainWrite)  # nothing was written
    assert error.platform == auth.platform and str(error).startswith(f"{auth.platform}: ")
    assert "token endpoint unavailable" in str(error) and error.status == 503
    assert SECRET not in str(error) and SECRET not in repr(error.__cause__)
    assert len(platform.token_calls) == 4 and platform.api_calls == []


@pytest.mark.parametrize("make_auth", AUTHS)
def test_refused_credentials_are_an_auth_error_and_not_retried(make_auth):
    platform = Platform(401)
    with pytest.raises(AuthError) as info:
        make_client(platform, make_auth()).request("GET", "/orders")
    assert len(platform.token_calls) == 1 and SECRET not in str(info.value)


def test_refresh_after_401_goes_through_the_retries_too():
    calls = {"token": 0, "api": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            calls["token"] += 1
            if calls["token"] == 2:  # the refresh hits a 503 once
                return httpx.Response(503, json={})
            return httpx.Response(200, json={"access_token": f"t{calls['token']}",
                                             "expires_in": 3600})
        calls["api"] += 1
        status = 401 if request.headers["Authorization"] == "Bearer t1" else 200
        return httpx.Response(status, json={})

    t = FakeTime()
    client = ApiClient("https://api.example", platform="bolcom", auth=bol_auth(),
                       transport=httpx.MockTransport(handle), sleep=t.sleep,
                       retry=RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=1.0))
    assert client.request("GET", "/orders").status_code == 200
    assert calls == {"token": 3, "api": 2}


def test_token_requests_count_as_requests_and_use_the_auth_limiter():
    platform = Platform()
    t = FakeTime()
    limiter = RateLimiter(rate=1.0, burst=1, clock=t, sleep=t.sleep)
    client = make_client(platform, bol_auth(limiter=limiter), t)
    client.request("GET", "/orders")
    assert client.requests_made == 2
    limiter.acquire()  # the token request took the bucket's only token
    assert t.now == pytest.approx(1.0)


def test_limiter_does_not_spin_on_float_residue_of_a_fake_clock():
    """0.1 s after 7.0 refills 0.99999... tokens; the missing 4e-15 s cannot advance a float
    clock at 7.1, so acquire used to loop forever with an injected clock."""
    t = FakeTime()
    limiter = RateLimiter(rate=10.0, burst=10, clock=t, sleep=t.sleep)
    limiter.pause(7)
    limiter.acquire()
    limiter.acquire()
    assert t.now == pytest.approx(7.2)  # the bucket was emptied: 0.1 s per token
