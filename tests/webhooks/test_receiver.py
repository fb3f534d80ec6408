"""The receiver: Shopify signatures (good, bad, missing, unknown shop), dedup by webhook id,
which connections a notification concerns, and a failed emit answered so Shopify retries."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from ordersync.sandbox.shopify.webhooks import sign
from ordersync.webhooks.receiver import Receiver, SeenIds, ShopRoute
from ordersync.webhooks.shopify import CANCELLED, FULFILLED, notification, verify

SECRET = "shpss_receiver_test"
DOMAIN = "my-shop.myshopify.com"
CONNECTIONS = {"bol-shop": "bolcom", "amazon-shop": "amazon"}


@pytest.fixture
def emitted():
    return []


@pytest.fixture
def receiver(emitted):
    route = ShopRoute(DOMAIN, SecretStr(SECRET), CONNECTIONS)
    return Receiver([route], lambda connection, note: emitted.append((connection, note)))


def deliver(client: TestClient, topic: str, payload: dict, *, webhook_id: str = "w-1",
            signature: str | None = "sign", domain: str = DOMAIN, secret: str = SECRET):
    body = json.dumps(payload).encode()
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": domain,
               "X-Shopify-Webhook-Id": webhook_id, "Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Shopify-Hmac-Sha256"] = sign(body, secret)
    elif signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return client.post("/webhooks/shopify", content=body, headers=headers)


ORDER = {"id": 42, "source_identifier": "bolcom:A1", "fulfillment_status": "fulfilled"}


def test_verify_accepts_only_the_right_signature():
    body = b'{"id": 1}'
    assert verify(body, sign(body, SECRET), SECRET)
    assert not verify(body, sign(body, "other"), SECRET)
    assert not verify(body + b" ", sign(body, SECRET), SECRET)
    assert not verify(body, None, SECRET)
    assert not verify(body, "", SECRET)
    assert not verify(body, sign(body, ""), "")


def test_a_signed_notification_is_emitted_for_its_connection(receiver, emitted):
    with TestClient(receiver.app) as client:
        answer = deliver(client, "orders/fulfilled", ORDER)
    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted", "connections": ["bol-shop"]}
    [(connection, note)] = emitted
    assert connection == "bol-shop"
    assert (note.event, note.order_id, note.marketplace) == (FULFILLED, "42", "bolcom")


@pytest.mark.parametrize("signature", [None, "", "bm90IHRoZSBzaWduYXR1cmU=", "garbage"])
def test_a_missing_or_bad_signature_is_401_and_emits_nothing(receiver, emitted, signature):
    with TestClient(receiver.app) as client:
        answer = deliver(client, "orders/fulfilled", ORDER, signature=signature)
    assert answer.status_code == 401
    assert emitted == [] and receiver.counts["rejected"] == 1


def test_another_shops_secret_or_an_unknown_shop_is_401(receiver, emitted):
    with TestClient(receiver.app) as client:
        assert deliver(client, "orders/fulfilled", ORDER, secret="x").status_code == 401
        assert deliver(client, "orders/fulfilled", ORDER,
                       domain="other.myshopify.com").status_code == 401
    assert emitted == []


def test_the_secret_is_never_logged(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    with TestClient(receiver.app) as client:
        deliver(client, "orders/fulfilled", ORDER, secret="x")
        deliver(client, "orders/fulfilled", ORDER)
    assert caplog.records and SECRET not in caplog.text


def test_a_retried_delivery_is_emitted_once(receiver, emitted):
    with TestClient(receiver.app) as client:
        first = deliver(client, "orders/fulfilled", ORDER, webhook_id="w-7")
        again = deliver(client, "orders/fulfilled", ORDER, webhook_id="w-7")
        other = deliver(client, "orders/fulfilled", ORDER, webhook_id="w-8")
    assert [first.status_code, again.status_code, other.status_code] == [200, 200, 200]
    assert again.json() == {"status": "duplicate"}
    assert len(emitted) == 2


def test_a_fulfillment_without_marketplace_concerns_every_connection_of_the_shop(
        receiver, emitted):
    with TestClient(receiver.app) as client:
        deliver(client, "fulfillments/create", {"id": 9, "order_id": 42})
    assert sorted(c for c, _ in emitted) == ["amazon-shop", "bol-shop"]
    assert {n.order_id for _, n in emitted} == {"42"}


def test_a_cancellation_maps_to_its_marketplace(receiver, emitted):
    with TestClient(receiver.app) as client:
        deliver(client, "orders/cancelled", {"id": 5, "source_identifier": "amazon:402-1"})
    [(connection, note)] = emitted
    assert connection == "amazon-shop" and note.event == CANCELLED


def test_the_shops_own_orders_and_other_topics_are_ignored(receiver, emitted):
    with TestClient(receiver.app) as client:
        own = deliver(client, "orders/cancelled", {"id": 6, "source_identifier": None},
                      webhook_id="a")
        other = deliver(client, "orders/create", ORDER, webhook_id="b")
    assert own.json() == other.json() == {"status": "ignored"}
    assert emitted == []


def test_a_failed_emit_is_503_and_the_retry_goes_through(emitted):
    calls = []

    def flaky(connection, note):
        calls.append(connection)
        if len(calls) == 1:
            raise RuntimeError("events API down")
        emitted.append((connection, note))

    receiver = Receiver([ShopRoute(DOMAIN, SecretStr(SECRET), CONNECTIONS)], flaky)
    with TestClient(receiver.app) as client:
        assert deliver(client, "orders/fulfilled", ORDER).status_code == 503
        assert deliver(client, "orders/fulfilled", ORDER).status_code == 200
    assert [c for c, _ in emitted] == ["bol-shop"]


def test_notification_reads_the_order_id_of_each_topic():
    assert notification("fulfillments/update", {"id": 1, "order_id": 7}).order_id == "7"
    assert notification("orders/partially_fulfilled", ORDER).event == FULFILLED
    assert notification("orders/updated", ORDER) is None
    assert notification("orders/fulfilled", ["not", "an", "object"]) is None


def test_seen_ids_forget_the_oldest_beyond_their_size():
    seen = SeenIds(size=2)
    for ident in ("a", "b", "c"):
        seen.add(ident)
    assert "a" not in seen and "b" in seen and "c" in seen
