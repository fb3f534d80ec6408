"""The CCV Shop twin served over HTTP and the connector against it: request signing both
ways, the platform's error bodies, offset pages, the per-resource and total rate limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.ccvshop import CcvShopConnector
from ordersync.connectors.ccvshop.auth import CcvAuth
from ordersync.http import AuthError, RateLimiter
from ordersync.sandbox.ccvshop import CcvShopTwin
from ordersync.sandbox.ccvshop.merchant import CcvShopMerchant
from ordersync.sandbox.common import Fault, ServedApp
from ordersync.sandbox.merchant import CatalogItem
from tests.ccvshop.test_ccvshop_mapping import order

PUBLIC, SECRET = "pub", "sec"
API = "/api/rest/v1"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[CcvShopTwin, str]]:
    twin = CcvShopTwin({PUBLIC: SECRET})
    with ServedApp(twin.app) as app:
        yield twin, app.url


@pytest.fixture
def shop(served):
    twin, url = served
    twin.reset()
    twin.controls.clear()
    CcvShopMerchant(twin).stock_catalog([CatalogItem("MUG", "Mug", Decimal("12.5"), 9)])
    return twin, url


def signed(url: str, secret: str = SECRET) -> httpx.Client:
    return httpx.Client(base_url=url, auth=CcvAuth(PUBLIC, secret))


def test_a_signed_request_is_answered_with_a_signed_response(shop):
    twin, url = shop
    auth = CcvAuth(PUBLIC, SECRET)
    with httpx.Client(base_url=url, auth=auth) as client:
        response = client.get(f"{API}/products/", params={"productnumber": "MUG"})
    assert response.status_code == 200 and auth.verify(response) is None
    body = response.json()
    assert body["items"][0]["productnumber"] == "MUG" and body["next"] is None


@pytest.mark.parametrize("how", ["wrong secret", "no headers"])
def test_a_bad_signature_is_401_in_ccvs_error_shape(shop, how):
    _, url = shop
    client = signed(url, "other") if how == "wrong secret" else httpx.Client(base_url=url)
    with client:
        response = client.get(f"{API}/orders/")
    assert response.status_code == 401
    assert response.json()["code"] == "401.10" and response.json()["status"] == 401


def test_unknown_routes_and_methods_get_ccvs_codes(shop):
    _, url = shop
    with signed(url) as client:
        assert client.get(f"{API}/nothing/").json()["code"] == "404.20"
        assert client.delete(f"{API}/orders/").json()["code"] == "405.10"
        assert client.get(f"{API}/orders/999/").json()["code"] == "404.10"


def test_a_tampered_response_is_refused_by_the_connector(shop):
    _, url = shop

    class Tamper(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = self.inner.handle_request(request)
            response.read()
            headers = dict(response.headers) | {"x-hash": "0" * 128}
            return httpx.Response(response.status_code, headers=headers,
                                  content=response.content)

    connector = CcvShopConnector(url=url, public_key=PUBLIC, secret_key=SECRET,
                                 rate_limits=False, transport=Tamper())
    with connector, pytest.raises(AuthError, match="x-hash"):
        connector.read_stock()


def test_offset_pages_follow_next_until_null(shop):
    twin, url = shop
    connector = CcvShopConnector(url=url, public_key=PUBLIC, secret_key=SECRET,
                                 rate_limits=False)
    with connector:
        made = [connector.create_order(order()) for _ in range(5)]
        connector.page_size = 2
        since = datetime.now(UTC) - timedelta(minutes=1)
        pages = list(connector.changed_orders(since))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [s.webshop_id for p in pages for s in p] == made
    listed = [k for k in twin.controls.requests if k.startswith("GET /api/rest/v1/orders/")]
    assert listed and twin.controls.requests["GET /api/rest/v1/orders/"] == 3


def test_the_per_resource_limit_is_429_10_and_the_total_429_11():
    twin = CcvShopTwin({PUBLIC: SECRET}, clock=lambda: 1_800_000_000.0)  # a frozen minute
    with ServedApp(twin.app) as app, signed(app.url) as client:
        statuses = [client.get(f"{API}/orders/").status_code for _ in range(150)]
        refused = client.get(f"{API}/orders/")
        assert set(statuses) == {200} and refused.status_code == 429
        assert refused.json()["code"] == "429.10"
        assert refused.headers["X-RateLimit-Limit"] == "150"
        assert float(refused.headers["Retry-After"]) >= 1
        for _ in range(100):  # another resource's budget, up to the total of 250
            assert client.get(f"{API}/products/").status_code == 200
        total = client.get(f"{API}/products/")
    assert total.status_code == 429 and total.json()["code"] == "429.11"
    assert sum(twin.controls.throttled.values()) == 2


def test_the_connector_waits_as_long_as_a_429_says(shop):
    twin, url = shop
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(1000, 1000, clock=lambda: now[0], sleep=sleep)
    connector = CcvShopConnector(url=url, public_key=PUBLIC, secret_key=SECRET, limiter=limiter)
    with connector:
        shop_id = connector.create_order(order())
        twin.controls.faults.append(Fault(method="GET", path=re.compile("/orders/"),
                                          status=429, retry_after=2))
        assert connector.get_order(shop_id).webshop_id == shop_id
    assert sum(slept) >= 2, slept  # held back as long as the platform said (fake clock)
