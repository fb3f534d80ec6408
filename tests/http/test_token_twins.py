"""Token calls against the served twins' token endpoints (bol.com ``/token``, Amazon LWA
``/auth/o2/token``) with injected faults: a hang is cut by the client's timeout, 5xx and
processed-then-failed answers are retried, a 429 waits for Retry-After (injected sleep, no
wall clock), and an endpoint that stays down is a retriable error naming the platform."""

from __future__ import annotations

import threading

import httpx
import pytest

from ordersync.http import RetriableError, UncertainWrite
from ordersync.sandbox.stack import AMZ_CLIENT_SECRET, BOL_CLIENT_SECRET, SandboxStack

TOKEN_PATHS = {"bolcom": "^/token$", "amazon": "^/auth/o2/token$"}
SECRETS = (BOL_CLIENT_SECRET, AMZ_CLIENT_SECRET)


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon")) as s:
        yield s


@pytest.fixture(params=["bolcom", "amazon"])
def platform(request, stack):
    for twin in (stack.bolcom, stack.amazon):
        twin.reset()
        twin.controls.clear()
    return request.param


def twin_of(stack, platform):
    return getattr(stack, platform)


def inject(stack, platform, **fault) -> None:
    body = {"method": "POST", "path": TOKEN_PATHS[platform], **fault}
    httpx.post(f"{stack.url(platform)}/_sandbox/faults", json=body).raise_for_status()


def token_requests(stack, platform) -> int:
    by_path = httpx.get(f"{stack.url(platform)}/_sandbox/stats").json()["by_path"]
    return sum(n for key, n in by_path.items() if "token" in key)


def connector(stack, platform, sleeps: list[float]):
    return stack.marketplace(platform, sleep=sleeps.append)


def place(stack, platform) -> str:
    return twin_of(stack, platform).place_order()


def test_hung_token_endpoint_is_cut_by_the_client_timeout(stack, platform):
    """Before the fix the token request had no timeout: this call stayed blocked."""
    order_id = place(stack, platform)
    inject(stack, platform, status=0, count=1)  # the first token request never answers
    conn = connector(stack, platform, [])
    conn.client.timeout = 0.5
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(conn.is_shipped(order_id)),
                              daemon=True)
    worker.start()
    worker.join(timeout=20)  # a bound on a hang, not a timing assertion
    assert not worker.is_alive(), "the token request hung past the client's timeout"
    assert outcome == [False]
    assert token_requests(stack, platform) == 2 and twin_of(stack, platform).tokens_issued == 1


@pytest.mark.parametrize("after_handling", [False, True], ids=["5xx", "processed-then-5xx"])
def test_token_endpoint_5xx_is_retried(stack, platform, after_handling):
    order_id = place(stack, platform)
    inject(stack, platform, status=503, count=2, after_handling=after_handling)
    sleeps: list[float] = []
    assert connector(stack, platform, sleeps).is_shipped(order_id) is False
    assert token_requests(stack, platform) == 3 and len(sleeps) == 2


def test_token_endpoint_429_waits_for_retry_after(stack, platform):
    order_id = place(stack, platform)
    inject(stack, platform, status=429, retry_after=4, count=1)
    sleeps: list[float] = []
    conn = connector(stack, platform, sleeps)
    assert conn.is_shipped(order_id) is False
    assert sleeps == [4.0] and conn.client.rate_limited == 1


def test_token_endpoint_down_is_a_retriable_error_naming_the_platform(stack, platform):
    order_id = place(stack, platform)
    inject(stack, platform, status=502, count=50)
    conn = connector(stack, platform, [])
    with pytest.raises(RetriableError) as info:
        conn.is_shipped(order_id)
    message = str(info.value)
    assert not isinstance(info.value, UncertainWrite)
    assert message.startswith(f"{platform}: token endpoint unavailable")
    assert not any(secret in message for secret in SECRETS)
    assert token_requests(stack, platform) == conn.client.retry.max_attempts
