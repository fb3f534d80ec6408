"""The bol.com twin's push subscriptions (retailer.json shapes), ``register_bolcom`` against it,
and its deliveries: signed, asynchronous, retried, the subscription disabled after the last
failure; end to end into the receiver, which emits for the connection once a shipment the
connector sent has settled (no Prefect: the emit is a fake)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ordersync.connectors.bolcom import BolcomConnector
from ordersync.orders import Shipment, ShipmentLine
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp
from ordersync.webhooks import bolcom
from ordersync.webhooks.receiver import BolcomAccounts, Receiver
from ordersync.webhooks.register import register_bolcom
from tests.bolcom.conftest import CLIENT_ID, SECRET
from tests.spec_validation import spec_validator

SPECS = Path(os.environ.get("ORDERSYNC_SPECS")
             or Path(__file__).resolve().parents[2].parent / "shared" / "specs") / "bolcom"
MEDIA = "application/vnd.retailer.v10+json"
CONNECTION = "bol-shop"


def wait_for(predicate, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return value


class Inbox:
    """A receiving endpoint that answers the given statuses in turn (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict, bytes]] = []
        self.lock = threading.Lock()
        self.served = ServedApp(Starlette(routes=[Route("/hook", self._hook,
                                                         methods=["POST"])]))
        self.url = self.served.url + "/hook"

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        with self.lock:
            self.received.append((dict(request.headers), body))
            status = self.statuses.pop(0) if self.statuses else 200
        return JSONResponse({}, status_code=status)


@pytest.fixture
def twin() -> Iterator[BolcomTwin]:
    twin = BolcomTwin(clients={CLIENT_ID: SECRET}, rate_limits=False, process_delay_polls=50,
                      process_delay_seconds=0.2, push_retry_window=0.5)
    served = ServedApp(twin.app).start()
    twin.url = served.url  # type: ignore[attr-defined]
    yield twin
    twin.push.stop()
    served.stop()


@pytest.fixture
def connector(twin) -> Iterator[BolcomConnector]:
    conn = BolcomConnector(client_id=CLIENT_ID, client_secret=SECRET, account="shop-nl",
                           api_url=twin.url, login_url=twin.url, rate_limits=False,
                           sleep=lambda s: None)
    yield conn
    conn.close()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    box.served.start()
    yield box
    box.served.stop()


@pytest.fixture
def api(twin) -> Iterator[httpx.Client]:
    token = httpx.post(f"{twin.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA, "Content-Type": MEDIA}
    with httpx.Client(base_url=twin.url, headers=headers) as client:
        yield client


def settle(api: httpx.Client, answer: httpx.Response) -> dict:
    assert answer.status_code == 202, answer.text
    pid = answer.json()["processStatusId"]
    return wait_for(lambda: (p := api.get(f"/shared/process-status/{pid}").json())["status"]
                    != "PENDING" and p, "the process to settle")


@pytest.mark.skipif(not (SPECS / "retailer.json").exists(), reason="bol.com spec not found")
def test_subscription_endpoints_match_the_spec(api, twin):
    validate = spec_validator({n: SPECS / f"{n}.json" for n in ("retailer", "shared")},
                              draft=7, prefix="/components/schemas/", default_doc="retailer")
    request = {"resources": ["PROCESS_STATUS"], "url": "http://127.0.0.1:9/hook",
               "subscriptionType": "WEBHOOK", "enabled": True}
    validate(request, "SubscriptionRequest")
    made = api.post("/retailer/subscriptions", json=request)
    validate(made.json(), "ProcessStatus")
    assert made.json()["eventType"] == "CREATE_SUBSCRIPTION"
    done = settle(api, made)
    assert done["status"] == "SUCCESS"
    ident = done["entityId"]
    listed = api.get("/retailer/subscriptions").json()
    validate(listed, "SubscriptionsResponse")
    assert [s["id"] for s in listed["subscriptions"]] == [ident]
    one = api.get(f"/retailer/subscriptions/{ident}").json()
    validate(one, "SubscriptionResponse")
    assert one == {"id": ident, "resources": ["PROCESS_STATUS"], "url": request["url"],
                   "subscriptionType": "WEBHOOK", "enabled": True}
    changed = api.put(f"/retailer/subscriptions/{ident}",
                      json={**request, "resources": ["SHIPMENT", "PROCESS_STATUS"]})
    validate(changed.json(), "ProcessStatus")
    assert settle(api, changed)["status"] == "SUCCESS"
    assert api.get(f"/retailer/subscriptions/{ident}").json()["resources"] == [
        "SHIPMENT", "PROCESS_STATUS"]
    tested = api.post(f"/retailer/subscriptions/test/{ident}")
    validate(tested.json(), "ProcessStatus")
    keys = api.get("/retailer/subscriptions/signature-keys").json()
    validate(keys, "KeySetResponse")
    assert list(bolcom.key_set(keys)) == ["0"]
    gone = api.delete(f"/retailer/subscriptions/{ident}")
    validate(gone.json(), "ProcessStatus")
    assert settle(api, gone)["status"] == "SUCCESS"
    missing = api.get(f"/retailer/subscriptions/{ident}")
    assert missing.status_code == 404
    validate(missing.json(), "Problem")
    bad = api.post("/retailer/subscriptions", json={"resources": ["NOPE"], "url": ""})
    assert bad.status_code == 400
    validate(bad.json(), "Problem")
    assert {v["name"] for v in bad.json()["violations"]} == {
        "resources", "url", "subscriptionType"}
    unknown = api.put("/retailer/subscriptions/999", json=request)
    assert settle(api, unknown)["status"] == "FAILURE"


def test_register_is_idempotent(connector, twin):
    address = "http://127.0.0.1:9/webhooks/bolcom/bol-shop"
    assert register_bolcom(connector, address, pause=0.05) == "subscribed"
    again = register_bolcom(connector, address, pause=0.05)
    assert again.startswith("already subscribed")
    [only] = connector.subscriptions()
    assert only["url"] == address and only["resources"] == ["PROCESS_STATUS"]


def test_register_adds_process_status_to_a_subscription_of_the_url(connector, twin):
    address = "http://127.0.0.1:9/hook"
    ref = connector.subscribe(address, ["SHIPMENT"])
    assert connector.settled(ref, pause=0.05).state == "success"
    done = register_bolcom(connector, address, pause=0.05)
    assert done.startswith("updated subscription")
    [only] = connector.subscriptions()
    assert only["resources"] == ["SHIPMENT", "PROCESS_STATUS"] and only["enabled"]


def test_a_settled_process_is_pushed_signed(connector, twin, inbox, api):
    register_bolcom(connector, inbox.url, pause=0.05)
    wait_for(lambda: twin.push.delivered, "the subscription's own process pushed")
    inbox.received.clear()
    order_id = twin.place_order()
    item = twin.stored_order(order_id)["orderItems"][0]["orderItemId"]
    receipt = connector.confirm_shipment(order_id, Shipment(
        (ShipmentLine(item, 1),), datetime.now(UTC), "3SABC", "TNT"))
    assert not receipt.done
    [(headers, body)] = wait_for(lambda: list(inbox.received), "the push")
    keys = bolcom.key_set(api.get("/retailer/subscriptions/signature-keys").json())
    assert bolcom.verify(body, headers["signature"], keys)
    note = bolcom.notification(json.loads(body))
    assert note is not None and note.process_id == receipt.ref
    assert note.topic == "PROCESS_STATUS/SUCCESS"


def test_a_failed_delivery_is_retried(connector, twin, inbox):
    inbox.statuses = [503, 500]
    ref = connector.subscribe(inbox.url)
    wait_for(lambda: twin.push.delivered, "the delivery")
    [delivery] = twin.push.delivered
    assert delivery.event["resourceId"] == ref
    assert delivery.attempts == [503, 500, 200]
    assert len({body for _, body in inbox.received}) == 1


def test_the_subscription_is_disabled_after_the_last_failure(connector, twin, inbox, api):
    inbox.statuses = [500] * 20
    connector.subscribe(inbox.url)
    [failed] = wait_for(lambda: twin.push.failed, "the delivery to fail")
    assert failed.attempts == [500] * 10
    [subscription] = connector.subscriptions()
    assert subscription["enabled"] is False
    pushes = httpx.get(f"{twin.url}/_sandbox/bolcom/pushes").json()
    assert [p["attempts"] for p in pushes["failed"]] == [[500] * 10]
    assert pushes["delivered"] == []
    order_id = twin.place_order()  # nothing is pushed to a disabled subscription
    item = twin.stored_order(order_id)["orderItems"][0]["orderItemId"]
    settle(api, api.post("/retailer/shipments", json={"orderItems": [{"orderItemId": item}]}))
    time.sleep(0.2)
    assert len(inbox.received) == 10 and twin.push.pending() == 0
    assert register_bolcom(connector, inbox.url, pause=0.05).startswith("updated")
    assert connector.subscriptions()[0]["enabled"] is True


def test_a_process_settles_in_time_without_polls(twin, api):
    order_id = twin.place_order()
    item = twin.stored_order(order_id)["orderItems"][0]["orderItemId"]
    answer = api.post("/retailer/shipments", json={"orderItems": [{"orderItemId": item}]})
    pid = answer.json()["processStatusId"]
    assert twin.state.processes[pid].status == "PENDING"
    wait_for(lambda: twin.state.processes[pid].status == "SUCCESS", "the timer")


def test_processes_still_settle_by_polls_only_by_default():
    twin = BolcomTwin(rate_limits=False)
    assert twin.state.process_delay_seconds is None
    order_id = twin.place_order()
    item = twin.stored_order(order_id)["orderItems"][0]["orderItemId"]
    process = twin.state.ship([{"orderItemId": item}], None, None)
    time.sleep(0.3)
    assert process.status == "PENDING"
    twin.state.poll(process.id)
    twin.state.poll(process.id)
    assert process.status == "SUCCESS"


# -- end to end into the receiver ---------------------------------------------------------


class Receiving:
    """A served ``Receiver`` for the twin's account with a fake emit."""

    def __init__(self, connector: BolcomConnector, keys=None) -> None:
        self.emitted: list = []
        fetch = keys or (lambda connection: bolcom.key_set(connector.signature_keys()))
        self.receiver = Receiver([], lambda c, n: self.emitted.append((c, n)),
                                 bolcom=BolcomAccounts({CONNECTION}, fetch))
        self.served = ServedApp(self.receiver.app).start()
        self.url = f"{self.served.url}/webhooks/bolcom/{CONNECTION}"

    def close(self) -> None:
        self.served.stop()
        self.receiver.close()


def test_a_settled_shipment_emits_for_the_connection(connector, twin):
    receiving = Receiving(connector)
    try:
        register_bolcom(connector, receiving.url, pause=0.05)
        order_id = twin.place_order()
        item = twin.stored_order(order_id)["orderItems"][0]["orderItemId"]
        receipt = connector.confirm_shipment(order_id, Shipment(
            (ShipmentLine(item, 1),), datetime.now(UTC), "3SABC", "TNT"))
        assert receipt.ref
        wait_for(lambda: any(n.process_id == receipt.ref for _, n in receiving.emitted),
                 "the receiver to emit for the shipment")
        assert {c for c, _ in receiving.emitted} == {CONNECTION}
        assert all(n.event == bolcom.SETTLED for _, n in receiving.emitted)
        assert twin.shipments_of(order_id)
    finally:
        receiving.close()


def test_a_push_with_a_bad_signature_is_refused_and_not_emitted(connector, twin):
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    receiving = Receiving(connector, keys=lambda connection: {"0": other})
    try:
        connector.subscribe(receiving.url)
        [failed] = wait_for(lambda: twin.push.failed, "the deliveries to be refused")
        assert set(failed.attempts) == {401}
        assert receiving.emitted == []
        assert receiving.receiver.counts["rejected"] == 10
    finally:
        receiving.close()


def test_routes_fetch_each_bolcom_connections_keys_with_its_credentials(twin):
    from ordersync.blocks.connection import OrderConnection
    from ordersync.blocks.credentials import (
        AmazonCredentials,
        BolcomCredentials,
        ShopifyCredentials,
    )
    from ordersync.webhooks.routes import bolcom_accounts

    shop = ShopifyCredentials(shop="sandbox", access_token="shpat_x")
    market = BolcomCredentials(client_id=CLIENT_ID, client_secret=SECRET, api_url=twin.url,
                               login_url=twin.url, rate_limits=False)
    amazon = AmazonCredentials(client_id="a", client_secret="b", refresh_token="c",
                               seller_id="d")
    accounts = bolcom_accounts({
        CONNECTION: OrderConnection(marketplace=market, webshop=shop),
        "amazon-shop": OrderConnection(marketplace=amazon, webshop=shop)})
    assert accounts is not None and accounts.connections == {CONNECTION}
    keys = accounts.keys(CONNECTION)
    signed = b'{"event": {}}'
    assert list(keys) == ["0"]
    assert bolcom.verify(signed, twin.push.sign(signed), keys)
    assert bolcom_accounts({"amazon-shop": OrderConnection(marketplace=amazon,
                                                           webshop=shop)}) is None
