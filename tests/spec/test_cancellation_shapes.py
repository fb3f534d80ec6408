"""The twins' answers that carry marketplace cancellations, validated against the vendors'
specs (strict: no field the spec lacks): bol.com orders bol.com cancelled or whose buyer asked
to cancel, in every listing the connector reads, and Amazon orders the buyer cancelled or
asked to cancel (``BuyerRequestedCancel`` on the items)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.amazon import mapping as amazon_mapping
from ordersync.connectors.bolcom import mapping as bol_mapping
from ordersync.sandbox.amazon import MARKETPLACE_ID, AmazonTwin
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp
from tests.amazon.test_amazon_spec import MODELS
from tests.bolcom.test_bolcom_spec import MEDIA
from tests.spec_validation import spec_validator

ROOT = Path(os.environ.get("ORDERSYNC_SPECS")
            or Path(__file__).resolve().parents[2].parent / "shared" / "specs")
AMAZON_SPECS, BOL_SPECS = ROOT / "amazon-sp-api", ROOT / "bolcom"

BOL_ID, BOL_SECRET = "spec-client", "spec-secret"
AMZ_ID, AMZ_SECRET, AMZ_REFRESH = "amzn1.application-oa2-client.spec", "s", "Atzr|spec"


@pytest.fixture
def bolcom():
    if not (BOL_SPECS / "retailer.json").exists():
        pytest.skip(f"bol.com spec not found at {BOL_SPECS}")
    twin = BolcomTwin(clients={BOL_ID: BOL_SECRET}, rate_limits=False, process_delay_polls=0)
    with ServedApp(twin.app) as served:
        token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                           auth=(BOL_ID, BOL_SECRET)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA}
        with httpx.Client(base_url=served.url, headers=headers) as client:
            yield twin, client


@pytest.fixture
def amazon():
    if not all((AMAZON_SPECS / name).exists() for name in MODELS.values()):
        pytest.skip(f"Amazon SP-API specs not found at {AMAZON_SPECS}")
    twin = AmazonTwin(clients={AMZ_ID: (AMZ_SECRET, AMZ_REFRESH)}, rate_limits=False)
    with ServedApp(twin.app) as served:
        token = httpx.post(f"{served.url}/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": AMZ_REFRESH, "client_id": AMZ_ID,
            "client_secret": AMZ_SECRET}).json()["access_token"]
        with httpx.Client(base_url=served.url,
                          headers={"x-amz-access-token": token}) as client:
            yield twin, client


def test_bolcom_cancelled_and_requested_orders_match_the_spec(bolcom):
    twin, api = bolcom
    validate = spec_validator({n: BOL_SPECS / f"{n}.json" for n in ("retailer", "shared")},
                              draft=7, prefix="/components/schemas/", default_doc="retailer")
    whole = twin.place_order()
    part = twin.place_order([{"ean": "8712345678906", "title": "Mug", "quantity": 2,
                              "unitPrice": 3}, {"ean": "8712345678913", "title": "Plate",
                                                "quantity": 1, "unitPrice": 4}])
    asked = twin.place_order()
    twin.cancel_by_bol(whole)
    plate = twin.stored_order(part)["orderItems"][1]["orderItemId"]
    twin.cancel_by_bol(part, [plate])
    twin.request_cancellation(asked)

    changed = api.get("/retailer/orders", params={"status": "ALL",
                                                  "change-interval-minute": 10}).json()
    validate(changed, "ReducedOrders")
    assert {o["orderId"] for o in changed["orders"]} == {whole, part, asked}
    found = {c.external_id: c for o in changed["orders"]
             for c in bol_mapping.cancellations_of(o)}
    assert found[whole].remaining and not found[whole].requested
    assert dict(found[part].remaining) == {plate: 0}
    assert found[asked].requested
    for order_id in (whole, part, asked):
        validate(api.get(f"/retailer/orders/{order_id}").json(), "Order")
    open_ids = {o["orderId"] for o in api.get("/retailer/orders").json()["orders"]}
    assert whole not in open_ids and {part, asked} <= open_ids


def test_amazon_cancelled_and_requested_orders_match_the_spec(amazon):
    twin, api = amazon
    validate = spec_validator({doc: AMAZON_SPECS / name for doc, name in MODELS.items()},
                              draft=4, prefix="/definitions/")
    gone = twin.place_order([{"sku": "A", "quantity": 1, "unitPrice": 3}])
    asked = twin.place_order([{"sku": "A", "quantity": 1, "unitPrice": 3},
                              {"sku": "B", "quantity": 2, "unitPrice": 4}])
    twin.buyer_cancel(gone)
    item = twin.state.orders[asked].items[1]["OrderItemId"]
    twin.request_cancellation(asked, [item])

    page = api.get("/orders/v0/orders", params={
        "MarketplaceIds": MARKETPLACE_ID, "CreatedAfter": "2000-01-01T00:00:00Z",
        "OrderStatuses": "Unshipped,Canceled"}).json()
    validate(page, "GetOrdersResponse", "orders")
    statuses = {o["AmazonOrderId"]: o["OrderStatus"] for o in page["payload"]["Orders"]}
    assert statuses == {gone: "Canceled", asked: "Unshipped"}
    items = api.get(f"/orders/v0/orders/{asked}/orderItems").json()
    validate(items, "GetOrderItemsResponse", "orders")
    (request,) = amazon_mapping.buyer_requests(asked, items["payload"]["OrderItems"])
    assert request.requested and dict(request.remaining) == {item: 0}
    validate(api.get(f"/orders/v0/orders/{gone}").json(), "GetOrderResponse", "orders")
