"""Rate limits, retries, uncertain writes and reconciliation against the served twin."""

from __future__ import annotations

import logging

import httpx
import pytest
from shopify_helpers import TOKEN, make_order

from ordersync.connectors.shopify import API_VERSION, ShopifyConnector
from ordersync.connectors.shopify.connector import observe_call_limit
from ordersync.http import (
    ApiError,
    RateLimiter,
    RetriableError,
    UncertainWrite,
    Unlimited,
)

API = f"/admin/api/{API_VERSION}"


def _connector(served, clock, limiter=None, **kw) -> ShopifyConnector:
    return ShopifyConnector(
        shop="sandbox", access_token=TOKEN, base_url=served.url, sleep=clock.sleep,
        limiter=limiter or RateLimiter(2.0, 40, clock=clock, sleep=clock.sleep), **kw,
    )


def _fault(served, **fault) -> None:
    assert httpx.post(f"{served.url}/_sandbox/faults", json=fault).status_code == 201


def test_a_client_ignoring_the_bucket_gets_429s(served, twin, clock):
    twin.controls.rate_limits = True
    order_id = twin.create_order({"order": {"line_items": [{"title": "x", "quantity": 1}]}})["id"]
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as http:
        answers = [http.get(f"{API}/orders/{order_id}.json") for _ in range(60)]
        assert [r.status_code for r in answers] == [200] * 40 + [429] * 20
        assert answers[0].headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
        assert answers[39].headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
        throttled = answers[-1]
        assert throttled.headers["Retry-After"] == "2.0"
        assert throttled.json()["errors"].startswith("Exceeded 2 calls per second")
        clock.advance(1.0)  # leaks 2 requests
        assert [http.get(f"{API}/orders/{order_id}.json").status_code for _ in range(3)] == [
            200, 200, 429]
    assert twin.controls.stats()["throttled"] == 21


def test_the_connector_limiter_avoids_429s(served, twin, clock):
    twin.controls.rate_limits = True
    webshop_id = str(twin.create_order({"order": {"line_items": [{"title": "x", "quantity": 1}]}})[
        "id"])
    conn = _connector(served, clock)
    slept = clock.slept
    for _ in range(60):
        conn.get_order(webshop_id)
    assert twin.controls.stats()["throttled"] == 0
    assert conn.client.rate_limited == 0
    assert clock.slept - slept >= 9.9  # 20 requests over the burst at 2/s
    conn.close()


@pytest.mark.parametrize("observing", [True, False])
def test_call_limit_header_feeds_the_limiter(served, twin, clock, observing):
    """Another app on the same shop used 30 calls: only the header tells our limiter."""
    twin.controls.rate_limits = True
    webshop_id = str(twin.create_order({"order": {"line_items": [{"title": "x", "quantity": 1}]}})[
        "id"])
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as http:
        for _ in range(30):
            assert http.get(f"{API}/orders/{webshop_id}.json").status_code == 200
    limiter = RateLimiter(2.0, 40, clock=clock, sleep=clock.sleep)
    if not observing:
        limiter.observe = lambda used, capacity: None  # type: ignore[method-assign]
    conn = _connector(served, clock, limiter)
    for _ in range(30):
        conn.get_order(webshop_id)  # retried after 429s when not observing: still succeeds
    throttled = twin.controls.stats()["throttled"]
    if observing:
        assert throttled == 0 and conn.client.rate_limited == 0
    else:
        assert throttled > 0 and conn.client.rate_limited == throttled
    conn.close()


def test_observe_hook_reads_the_header():
    seen = []

    class Spy(Unlimited):
        def observe(self, used, capacity):
            seen.append((used, capacity))

    hook = observe_call_limit(Spy())
    hook(httpx.Response(200, headers={"X-Shopify-Shop-Api-Call-Limit": "32/40"}))
    hook(httpx.Response(200, headers={"X-Shopify-Shop-Api-Call-Limit": "garbage"}))
    hook(httpx.Response(200))
    assert seen == [(32.0, 40.0)]


def test_one_limiter_per_shop():
    a = ShopifyConnector(shop="limiter-shop", access_token="t1")
    b = ShopifyConnector(shop="limiter-shop", access_token="t2")
    c = ShopifyConnector(shop="other-shop", access_token="t1")
    off = ShopifyConnector(shop="limiter-shop", access_token="t1", rate_limits=False)
    assert a.limiter is b.limiter and a.limiter is not c.limiter
    assert isinstance(a.limiter, RateLimiter) and (a.limiter.rate, a.limiter.burst) == (2.0, 40)
    assert isinstance(off.limiter, Unlimited)
    for conn in (a, b, c, off):
        conn.close()


def test_429_with_retry_after_is_retried(served, twin, clock):
    webshop_id = str(twin.create_order({"order": {"line_items": [{"title": "x", "quantity": 1}]}})[
        "id"])
    _fault(served, method="GET", path=r"/orders/\d+\.json$", status=429, retry_after=2.0)
    conn = _connector(served, clock)
    slept = clock.slept
    assert conn.get_order(webshop_id).webshop_id == webshop_id
    assert conn.client.rate_limited == 1 and conn.client.requests_made == 2
    assert clock.slept - slept >= 2.0  # the limiter held back for Retry-After
    conn.close()


def test_503_on_get_is_retried(served, twin, clock):
    webshop_id = str(twin.create_order({"order": {"line_items": [{"title": "x", "quantity": 1}]}})[
        "id"])
    _fault(served, method="GET", path=r"/orders/\d+\.json$", status=503, count=2)
    conn = _connector(served, clock)
    assert conn.get_order(webshop_id).webshop_id == webshop_id
    assert conn.client.requests_made == 3
    _fault(served, method="GET", path=r"/orders/\d+\.json$", status=503, count=9)
    with pytest.raises(RetriableError) as err:
        conn.get_order(webshop_id)
    assert err.value.status == 503
    conn.close()


def test_503_on_create_is_uncertain_and_nothing_was_created(served, twin, clock, connector):
    _fault(served, method="POST", path=r"/orders\.json$", status=503)
    created_after = clock.datetime()
    order = make_order("U-1")
    with pytest.raises(UncertainWrite):
        connector.create_order(order)
    # one catalogue read (SKU -> variant), then the POST, never retried blindly
    assert connector.client.requests_made == 2
    assert connector.find_order(order, created_after) is None
    assert twin.orders_with_reference("bolcom:U-1") == []


def test_uncertain_create_is_reconciled_with_find_order(served, twin, clock, connector):
    _fault(served, method="POST", path=r"/orders\.json$", status=503, after_handling=True)
    created_after = clock.datetime()
    order = make_order("U-2")
    with pytest.raises(UncertainWrite):
        connector.create_order(order)
    [stored] = twin.orders_with_reference("bolcom:U-2")
    assert connector.find_order(order, created_after) == str(stored["id"])


def test_timeout_on_create_is_uncertain(served, twin, clock):
    conn = ShopifyConnector(
        shop="sandbox", access_token=TOKEN, base_url=served.url, rate_limits=False,
        transport=httpx.HTTPTransport(),
    )
    conn.client._http.timeout = httpx.Timeout(0.3)
    _fault(served, method="POST", path=r"/orders\.json$", status=0, delay=1.0)
    with pytest.raises(UncertainWrite):
        conn.create_order(make_order("U-3"))
    conn.close()


def test_the_token_never_shows(served, twin, clock, caplog):
    caplog.set_level(logging.DEBUG)
    conn = _connector(served, clock, limiter=Unlimited())
    errors: list[ApiError] = []
    _fault(served, method="POST", path=r"/orders\.json$", status=503)
    _fault(served, method="GET", path=r"/orders/\d+\.json$", status=500, count=9)
    for action in (
        lambda: conn.create_order(make_order("S-1")),
        lambda: conn.get_order("1"),
        lambda: conn.get_order("2"),  # 404 now that the faults are used up
        lambda: conn.create_order(make_order("S-2", lines=0)),
        lambda: ShopifyConnector(shop="sandbox", access_token=TOKEN + "x", base_url=served.url,
                                 rate_limits=False).get_order("1"),
    ):
        with pytest.raises(ApiError) as err:
            action()
        errors.append(err.value)
    assert [e.status for e in errors] == [503, 500, 404, 422, 401]
    for error in errors:
        assert TOKEN not in str(error) and TOKEN not in repr(error)
        assert TOKEN not in repr(error.args) and TOKEN not in error.detail
    assert TOKEN not in caplog.text and TOKEN not in repr(conn)
    conn.close()
