"""The twin against the stored spec (official client's endpoints, real bodies): paths,
wrapping, field names, auth, paging bounds, error bodies, the three rate-limit windows."""

from __future__ import annotations

import json
import re

import httpx

from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.lightspeed import LightspeedTwin
from ordersync.sandbox.lightspeed.merchant import LightspeedMerchant
from ordersync.sandbox.lightspeed.windows import RateWindows
from tests.lightspeed.conftest import KEY, SECRET, spec_dir

AUTH = (KEY, SECRET)


def endpoints() -> set[tuple[str, str]]:
    data = json.loads((spec_dir() / "endpoints.json").read_text())
    return {(e["method"], re.sub(r"\{[^}]+\}", "{}", e["path"])) for e in data["endpoints"]}


def fixture_keys(name: str) -> set[str]:
    body = json.loads((spec_dir() / "fixtures" / f"{name}.json").read_text())
    return set(next(iter(body.values())))


def place(client: httpx.Client, twin: LightspeedTwin) -> dict:
    variant = next(iter(twin.store.variants.values()))
    checkout = client.post("/nl/checkouts.json", json={"comment": "x"}).json()["checkout"]
    client.post(f"/nl/checkouts/{checkout['id']}/products.json",
                json={"variant_id": variant["id"], "quantity": 1}).raise_for_status()
    return client.post(f"/nl/checkouts/{checkout['id']}/order.json", json={}).json()["order"]


def test_every_twin_route_is_an_endpoint_of_the_official_client(twin):
    known = endpoints()
    for route in twin.app.app.routes:  # behind the fault middleware
        path = getattr(route, "path", "")
        if path.startswith("/_sandbox"):
            continue
        shape = re.sub(r"\{[^}]+\}", "{}", path)
        for method in route.methods - {"HEAD"}:
            assert (method, shape) in known, f"{method} {path} is not in endpoints.json"


def test_bodies_are_wrapped_and_use_the_platform_field_names(twin, url):
    with httpx.Client(base_url=url, auth=AUTH) as client:
        order = place(client, twin)
        assert set(order) <= fixture_keys("order"), set(order) - fixture_keys("order")
        listing = client.get("/nl/orders.json").json()
        assert list(listing) == ["orders"] and listing["orders"][0]["id"] == order["id"]
        shipments = client.get("/nl/shipments.json", params={"order": order["id"]}).json()
        shipment = shipments["shipments"][0]
        assert set(shipment) <= fixture_keys("shipment")
        assert shipment["order"]["resource"]["id"] == order["id"]
        products = client.get(f"/nl/shipments/{shipment['id']}/products.json").json()
        assert set(products["shipmentProducts"][0]) - {"orderProductId"} <= \
            fixture_keys("shipmentProduct")
        put = client.put(f"/nl/shipments/{shipment['id']}.json",
                         json={"shipment": {"status": "shipped", "trackingCode": "3S1"}})
        assert put.json()["shipment"]["trackingCode"] == "3S1"
        field = client.post(f"/nl/shipments/{shipment['id']}/metafields.json",
                            json={"shipmentMetafield": {"key": "carrier", "value": "UPS"}})
        assert set(field.json()["shipmentMetafield"]) == fixture_keys("shipmentMetafield")
        assert client.get(f"/nl/orders/{order['id']}.json").json()["order"]["status"] == \
            "completed_shipped"
        variant = client.get("/nl/variants.json").json()["variants"][0]
        assert set(variant) <= fixture_keys("variant")
        limits = client.get("/nl/account/ratelimit.json").json()["accountRatelimit"]
        assert set(limits) == fixture_keys("accountRatelimit")
        unwrapped = client.put(f"/nl/orders/{order['id']}.json", json={"status": "cancelled"})
        assert unwrapped.status_code == 400 and "order" in unwrapped.json()["error"]["message"]


def test_errors_are_the_platform_error_body(twin, url):
    with httpx.Client(base_url=url) as anonymous:
        refused = anonymous.get("/nl/orders.json")
        assert refused.status_code == 401 and refused.json()["error"]["message"]
    with httpx.Client(base_url=url, auth=AUTH) as client:
        for path, status in (("/nl/orders/999999.json", 404), ("/nl/nothing.json", 404),
                             ("/xx/orders.json", 404), ("/nl/orders.json?limit=251", 400),
                             ("/nl/orders.json?page=0", 400)):
            answer = client.get(path)
            assert answer.status_code == status, path
            assert set(answer.json()) == {"error"} and answer.json()["error"]["message"]
        wrong = client.delete("/nl/orders.json")
        assert wrong.status_code == 405 and "error" in wrong.json()


def test_a_checkout_becomes_one_order_only(twin, url):
    with httpx.Client(base_url=url, auth=AUTH) as client:
        order = place(client, twin)
        checkout = next(c for c in twin.store.checkouts.values() if c["order"] == order["id"])
        again = client.post(f"/nl/checkouts/{checkout['id']}/order.json", json={})
        assert again.status_code == 400 and len(twin.store.orders) == 1


def test_three_windows_in_the_headers_and_429_past_any_of_them():
    now = [0.0]
    twin = LightspeedTwin({KEY: SECRET}, windows=RateWindows((3, 5, 100), clock=lambda: now[0]))
    LightspeedMerchant(twin).stock_catalog([])
    with ServedApp(twin.app) as app, httpx.Client(base_url=app.url, auth=AUTH) as client:
        first = client.get("/nl/orders.json")
        assert first.headers["X-RateLimit-Limit"] == "3/5/100"
        assert first.headers["X-RateLimit-Remaining"] == "2/4/99"
        assert first.headers["X-RateLimit-Reset"] == "300/3600/86400"
        client.get("/nl/orders.json")
        client.get("/nl/orders.json")
        refused = client.get("/nl/orders.json")
        assert refused.status_code == 429 and refused.headers["X-RateLimit-Remaining"] == \
            "0/2/97"
        now[0] = 300.0  # the 5-minute window resets; the hour window still counts
        assert client.get("/nl/orders.json").status_code == 200
        assert client.get("/nl/orders.json").status_code == 200
        assert client.get("/nl/orders.json").status_code == 429  # the hour window: 5 used
        assert sum(twin.controls.throttled.values()) == 2


def test_rate_limits_can_be_switched_off():
    twin = LightspeedTwin({KEY: SECRET}, rate_limits=False,
                          windows=RateWindows((1, 1, 1), clock=lambda: 0.0))
    with ServedApp(twin.app) as app, httpx.Client(base_url=app.url, auth=AUTH) as client:
        assert all(client.get("/nl/orders.json").status_code == 200 for _ in range(3))
