"""The Shopify twin's webhooks: subscriptions as the REST API documents them, and deliveries
(signed, asynchronous, same webhook id on every retry, given up after the retries)."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.sandbox.shopify.webhooks import sign
from ordersync.webhooks import shopify

SECRET = "shpss_test"
API = "/admin/api/2025-01"


class Inbox:
    """A receiving endpoint that answers the given statuses in turn (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict, bytes]] = []
        self.arrived = threading.Condition()
        self.served = ServedApp(Starlette(routes=[Route("/hook", self._hook,
                                                         methods=["POST"])]))

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        with self.arrived:
            self.received.append((dict(request.headers), body))
            self.arrived.notify_all()
        return JSONResponse({}, status_code=self.statuses.pop(0) if self.statuses else 200)

    def wait(self, count: int, timeout: float = 10.0) -> list[tuple[dict, bytes]]:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.received)} deliveries, expected {count}"
                self.arrived.wait(left)
            return list(self.received)


@pytest.fixture
def twin():
    shop = ShopifyTwin(rate_limits=False, webhook_secret=SECRET,
                       webhook_retry_delays=(0.05, 0.05, 0.05))
    served = ServedApp(shop.app).start()
    shop.url = served.url
    yield shop
    shop.webhooks.stop()
    served.stop()


@pytest.fixture
def inbox():
    box = Inbox()
    box.served.start()
    yield box
    box.served.stop()


def api(twin) -> httpx.Client:
    return httpx.Client(base_url=twin.url, headers={"X-Shopify-Access-Token": "shpat_sandbox"})


def subscribe(twin, topic: str, address: str) -> httpx.Response:
    with api(twin) as client:
        return client.post(f"{API}/webhooks.json",
                           json={"webhook": {"topic": topic, "address": address,
                                             "format": "json"}})


def order(twin) -> int:
    return twin.create_order({"order": {"line_items": [{"title": "x", "quantity": 1}],
                                        "source_identifier": "bolcom:A1"}})["id"]


def test_subscriptions_are_created_listed_counted_and_deleted(twin):
    made = subscribe(twin, "orders/cancelled", "http://127.0.0.1:1/hook")
    assert made.status_code == 201
    hook = made.json()["webhook"]
    assert hook["topic"] == "orders/cancelled" and hook["format"] == "json"
    again = subscribe(twin, "orders/cancelled", "http://127.0.0.1:1/hook")
    assert again.status_code == 422
    assert again.json() == {"errors": {"address": ["for this topic has already been taken"]}}
    assert subscribe(twin, "orders/nonsense", "http://x/hook").status_code == 422
    assert subscribe(twin, "", "http://x/hook").json()["errors"]["topic"] == ["can't be blank"]
    with api(twin) as client:
        listed = client.get(f"{API}/webhooks.json", params={"topic": "orders/cancelled"})
        assert [h["id"] for h in listed.json()["webhooks"]] == [hook["id"]]
        assert client.get(f"{API}/webhooks/count.json").json() == {"count": 1}
        assert client.get(f"{API}/webhooks/{hook['id']}.json").json()["webhook"] == hook
        assert client.delete(f"{API}/webhooks/{hook['id']}.json").status_code == 200
        assert client.get(f"{API}/webhooks/{hook['id']}.json").status_code == 404
        assert client.get(f"{API}/webhooks.json").json() == {"webhooks": []}


def test_webhooks_need_the_access_token(twin):
    with httpx.Client(base_url=twin.url) as client:
        assert client.get(f"{API}/webhooks.json").status_code == 401


def test_a_fulfilment_is_delivered_signed_with_its_topics(twin, inbox):
    address = inbox.served.url + "/hook"
    for topic in ("fulfillments/create", "orders/fulfilled", "orders/cancelled"):
        assert subscribe(twin, topic, address).status_code == 201
    order_id = order(twin)
    twin.complete(order_id, "3SABCD1234567", "PostNL")
    received = inbox.wait(2)
    topics = {h["x-shopify-topic"]: (h, body) for h, body in received}
    assert set(topics) == {"fulfillments/create", "orders/fulfilled"}
    for headers, body in topics.values():
        assert shopify.verify(body, headers["x-shopify-hmac-sha256"], SECRET)
        assert headers["x-shopify-hmac-sha256"] == sign(body, SECRET)
        assert headers["x-shopify-shop-domain"] == "sandbox.myshopify.com"
        assert headers["x-shopify-webhook-id"] and headers["x-shopify-triggered-at"]
    assert json.loads(topics["fulfillments/create"][1])["order_id"] == order_id
    fulfilled = json.loads(topics["orders/fulfilled"][1])
    assert fulfilled["id"] == order_id and fulfilled["source_identifier"] == "bolcom:A1"


def test_a_cancellation_is_delivered(twin, inbox):
    subscribe(twin, "orders/cancelled", inbox.served.url + "/hook")
    order_id = order(twin)
    twin.cancel(order_id)
    [(headers, body)] = inbox.wait(1)
    assert headers["x-shopify-topic"] == "orders/cancelled"
    assert json.loads(body)["cancelled_at"]


def test_a_failed_delivery_is_retried_with_the_same_id_and_body(twin, inbox):
    inbox.statuses = [500, 503]
    subscribe(twin, "orders/cancelled", inbox.served.url + "/hook")
    twin.cancel(order(twin))
    received = inbox.wait(3)
    assert len({h["x-shopify-webhook-id"] for h, _ in received}) == 1
    assert len({body for _, body in received}) == 1
    deadline = time.monotonic() + 5
    while not twin.webhooks.delivered and time.monotonic() < deadline:
        time.sleep(0.02)
    [delivery] = twin.webhooks.delivered
    assert delivery.attempts == [500, 503, 200]


def test_a_delivery_is_given_up_after_the_retries(twin, inbox):
    inbox.statuses = [500] * 10
    subscribe(twin, "orders/cancelled", inbox.served.url + "/hook")
    twin.cancel(order(twin))
    inbox.wait(4)  # the first attempt and the three retries of the fixture
    deadline = time.monotonic() + 5
    while not twin.webhooks.failed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [d.attempts for d in twin.webhooks.failed] == [[500] * 4]
    time.sleep(0.3)
    assert len(inbox.received) == 4


def test_an_unreachable_receiver_is_retried_too(twin, inbox):
    subscribe(twin, "orders/cancelled", "http://127.0.0.1:9/hook")  # nothing listens
    twin.cancel(order(twin))
    deadline = time.monotonic() + 10
    while not twin.webhooks.failed and time.monotonic() < deadline:
        time.sleep(0.05)
    [failed] = twin.webhooks.failed
    assert len(failed.attempts) == 4 and all(isinstance(a, str) for a in failed.attempts)
