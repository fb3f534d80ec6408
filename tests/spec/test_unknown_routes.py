"""Every twin answers an unknown route or a wrong method with its platform's own JSON error
(status and body), never Starlette's plain-text 404/405: a client library that reads a
plain-text 404 as an empty success must not be able to here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from ordersync.sandbox.amazon import AmazonTwin
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.cartum import CartumTwin
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.sandbox.woocommerce import WooCommerceTwin

BOL_MEDIA = "application/vnd.retailer.v10+json"
WOO_NO_ROUTE = {"code": "rest_no_route",
                "message": "No route was found matching the URL and request method.",
                "data": {"status": 404}}


def _bol_problem(status: int, path: str) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        body = response.json()
        assert body["type"] == "https://api.bol.com/problems"
        assert body["status"] == status and body["title"] and body["detail"]
        assert body["instance"].endswith(path) and body["violations"] == []
    return check


def _amazon_not_found(response: httpx.Response) -> None:
    (error,) = response.json()["errors"]
    assert error["code"] == "NotFound" and error["message"]
    assert set(error) == {"code", "message", "details"}


def _equals(expected: dict[str, Any]) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        assert response.json() == expected
    return check


def _cartum_http_error(code: int) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        body = response.json()
        assert body["status"] == "HTTP_ERROR" and body["response"]["code"] == code
    return check


# twin, method, path, status, media type, body check
CASES = [
    ("bolcom", "GET", "/retailer/nope", 404, BOL_MEDIA, _bol_problem(404, "/retailer/nope")),
    ("bolcom", "DELETE", "/retailer/orders", 405, BOL_MEDIA,
     _bol_problem(405, "/retailer/orders")),
    ("amazon", "GET", "/orders/v0/nope", 404, "application/json", _amazon_not_found),
    ("amazon", "DELETE", "/orders/v0/orders", 404, "application/json", _amazon_not_found),
    ("shopify", "GET", "/admin/api/2025-01/nope.json", 404, "application/json",
     _equals({"errors": "Not Found"})),
    ("shopify", "DELETE", "/admin/api/2025-01/orders.json", 404, "application/json",
     _equals({"errors": "Not Found"})),
    ("woocommerce", "GET", "/wp-json/wc/v3/nope", 404, "application/json",
     _equals(WOO_NO_ROUTE)),
    ("woocommerce", "DELETE", "/wp-json/wc/v3/orders", 404, "application/json",
     _equals(WOO_NO_ROUTE)),
    ("cartum", "GET", "/nope", 404, "application/json", _cartum_http_error(404)),
    ("cartum", "GET", "/api/orders/get/", 405, "application/json", _cartum_http_error(405)),
]
TWINS = {"bolcom": BolcomTwin, "amazon": AmazonTwin, "shopify": ShopifyTwin,
         "woocommerce": WooCommerceTwin, "cartum": CartumTwin}


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, str]]:
    apps = {name: ServedApp(make().app).start() for name, make in TWINS.items()}
    yield {name: app.url for name, app in apps.items()}
    for app in apps.values():
        app.stop()


@pytest.mark.parametrize(("twin", "method", "path", "status", "media", "check"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_unknown_route_or_method_is_the_platforms_json_error(
        served, twin, method, path, status, media, check) -> None:
    response = httpx.request(method, served[twin] + path)
    assert response.status_code == status
    assert response.headers["content-type"].split(";")[0] == media
    check(response)


def test_wrong_method_names_the_allowed_ones_on_bolcom(served) -> None:
    response = httpx.delete(served["bolcom"] + "/retailer/orders")
    assert "GET" in response.headers["allow"]


def test_faults_carry_the_platforms_media_type(served) -> None:
    httpx.post(served["bolcom"] + "/_sandbox/faults",
               json={"method": "GET", "path": "^/retailer/orders$", "status": 503})
    response = httpx.get(served["bolcom"] + "/retailer/orders")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(BOL_MEDIA)
    _bol_problem(503, "")(response)
