"""Per-operation rate limits: the connector's limiters, the twin's buckets (fake clock), 429s."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ordersync.connectors.amazon import RATE_LIMITS, operation_of
from ordersync.http import RateLimiter, Unlimited
from ordersync.sandbox.amazon import MARKETPLACE_ID, AmazonTwin
from ordersync.sandbox.common import ServedApp
from tests.amazon.helpers import CLIENT_ID, REFRESH, SECRET, FakeClock, fault, make_connector

ORDERS = {"MarketplaceIds": MARKETPLACE_ID, "CreatedAfter": "2000-01-01T00:00:00Z"}


def test_table_holds_the_documented_rates() -> None:
    assert RATE_LIMITS["getOrders"] == (0.0167, 20)
    assert RATE_LIMITS["getOrder"] == RATE_LIMITS["getOrderItems"] == (0.5, 30)
    assert RATE_LIMITS["confirmShipment"] == (2.0, 10)
    assert RATE_LIMITS["createFeed"] == (0.0083, 15)
    assert RATE_LIMITS["getFeed"] == (2.0, 15)
    assert RATE_LIMITS["createFeedDocument"] == (0.5, 15)
    assert RATE_LIMITS["patchListingsItem"] == (5.0, 5)


@pytest.mark.parametrize(("method", "path", "op"), [
    ("GET", "/orders/v0/orders", "getOrders"),
    ("GET", "/orders/v0/orders/402-1-2", "getOrder"),
    ("GET", "/orders/v0/orders/402-1-2/orderItems", "getOrderItems"),
    ("POST", "/orders/v0/orders/402-1-2/shipmentConfirmation", "confirmShipment"),
    ("POST", "/feeds/2021-06-30/documents", "createFeedDocument"),
    ("POST", "/feeds/2021-06-30/feeds", "createFeed"),
    ("GET", "/feeds/2021-06-30/feeds/5001", "getFeed"),
    ("PATCH", "/listings/2021-08-01/items/S/SKU", "patchListingsItem"),
    ("DELETE", "/listings/2021-08-01/items/S/SKU", None),
])
def test_operation_of(method, path, op) -> None:
    assert operation_of(method, path) == op


def test_one_limiter_per_seller_and_operation() -> None:
    seller = f"S{uuid.uuid4().hex[:8]}"
    conn = make_connector("http://127.0.0.1:9", seller_id=seller, rate_limits=True)
    other = make_connector("http://127.0.0.1:9", seller_id=seller, rate_limits=True)
    try:
        for op, (rate, burst) in RATE_LIMITS.items():
            limiter = conn.limiters[op]
            assert isinstance(limiter, RateLimiter) and (limiter.rate, limiter.burst) == (
                rate, burst)
            assert other.limiters[op] is limiter  # shared by every client of the seller
        assert conn.limiters["getOrders"] is not conn.limiters["getOrder"]
    finally:
        conn.close()
        other.close()
    off = make_connector("http://127.0.0.1:9")
    assert all(isinstance(x, Unlimited) for x in off.limiters.values())
    off.close()


@pytest.fixture(scope="module")
def fake_served():
    """A second twin, rate limited, on a clock that moves only when a test says."""
    clock = FakeClock()
    twin = AmazonTwin(clients={CLIENT_ID: (SECRET, REFRESH)}, clock=clock)
    with ServedApp(twin.app) as app:
        yield twin, clock, app


@pytest.fixture
def limited(fake_served):
    twin, clock, app = fake_served
    twin.reset()
    twin.controls.rate_limits = True
    token = httpx.post(f"{app.url}/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]
    with httpx.Client(base_url=app.url) as client:
        yield twin, clock, client, {"x-amz-access-token": token}


def test_twin_enforces_burst_and_rate_per_operation(limited) -> None:
    twin, clock, client, auth = limited
    order_id = twin.place_order()
    answers = [client.get("/orders/v0/orders", params=ORDERS, headers=auth)
               for _ in range(21)]
    assert [a.status_code for a in answers] == [200] * 20 + [429]
    assert answers[0].headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert answers[-1].json()["errors"][0]["code"] == "QuotaExceeded"
    # another operation has its own bucket
    assert client.get(f"/orders/v0/orders/{order_id}", headers=auth).status_code == 200
    clock.advance(59)
    assert client.get("/orders/v0/orders", params=ORDERS, headers=auth).status_code == 429
    clock.advance(2)  # one token per ~60 s
    assert client.get("/orders/v0/orders", params=ORDERS, headers=auth).status_code == 200
    assert twin.controls.stats()["throttled"] == 2


def test_twin_limits_can_be_switched_off(limited) -> None:
    twin, clock, client, auth = limited
    client.put("/_sandbox/rate-limits", json={"enabled": False})
    answers = [client.get("/orders/v0/orders", params=ORDERS, headers=auth)
               for _ in range(25)]
    assert {a.status_code for a in answers} == {200}


def test_twin_requires_the_access_token(limited) -> None:
    twin, clock, client, auth = limited
    missing = client.get("/orders/v0/orders", params=ORDERS)
    bearer = client.get("/orders/v0/orders", params=ORDERS,
                        headers={"Authorization": "Bearer " + auth["x-amz-access-token"]})
    assert missing.status_code == bearer.status_code == 403
    assert missing.json()["errors"][0]["code"] == "Unauthorized"
    clock.advance(3601)
    expired = client.get("/orders/v0/orders", params=ORDERS, headers=auth)
    assert expired.status_code == 403 and "expired" in expired.json()["errors"][0]["details"]


def test_connector_retries_a_429(connector, twin, served) -> None:
    twin.place_order()
    fault(served.url, method="GET", path="^/orders/v0/orders$", status=429, retry_after=0)
    batches = list(connector.fetch_open_orders(lambda ids: set()))
    assert len(batches[0].orders) == 1 and connector.client.rate_limited == 1


def test_connector_follows_a_lower_live_rate(served, twin, monkeypatch) -> None:
    twin.controls.rate_limits = True
    monkeypatch.setattr(twin, "rates", {**twin.rates, "getOrder": (0.25, 30)})
    seller = f"S{uuid.uuid4().hex[:8]}"
    conn = make_connector(served.url, seller_id=seller, rate_limits=True)
    try:
        conn.is_shipped(twin.place_order())
        limiter = conn.limiters["getOrder"]
        assert isinstance(limiter, RateLimiter) and limiter.rate == 0.25
    finally:
        conn.close()


def test_twin_answers_429_with_amazon_errors_when_limited(served, twin) -> None:
    twin.controls.rate_limits = True
    token = httpx.post(f"{served.url}/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]
    with httpx.Client(base_url=served.url, headers={"x-amz-access-token": token}) as client:
        codes = [client.post("/feeds/2021-06-30/feeds", json={}).status_code
                 for _ in range(16)]
    assert codes[:15] == [400] * 15 and codes[15] == 429
