"""Twin responses and connector request bodies validated against bol.com's OpenAPI spec.

Object schemas are made strict (no properties beyond the spec's) so a typo in the twin fails.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.bolcom import mapping
from ordersync.orders import Shipment, ShipmentLine
from tests.bolcom.conftest import CLIENT_ID, SECRET
from tests.spec_validation import spec_validator

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "bolcom"
pytestmark = pytest.mark.skipif(
    not (SPECS / "retailer.json").exists(), reason=f"bol.com spec not found at {SPECS}"
)
MEDIA = "application/vnd.retailer.v10+json"


@pytest.fixture(scope="module")
def validate():
    return spec_validator({name: SPECS / f"{name}.json" for name in ("retailer", "shared")},
                          draft=7, prefix="/components/schemas/", default_doc="retailer")


@pytest.fixture
def api(served):
    token = httpx.post(f"{served.url}/token", params={"grant_type": "client_credentials"},
                       auth=(CLIENT_ID, SECRET)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA, "Content-Type": MEDIA}
    with httpx.Client(base_url=served.url, headers=headers) as client:
        yield client


def test_validator_catches_a_bad_payload(validate) -> None:
    with pytest.raises(AssertionError):
        validate({"orderId": "1", "orderItems": [{"bogus": 1}]}, "Order")


def test_orders_list_and_detail(validate, api, twin) -> None:
    order_id = twin.place_order(
        [{"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 12.99,
          "offerReference": "MUG-1"}, {"ean": "8712345678913", "title": "Plate",
                                       "quantity": 1, "unitPrice": 5}])
    twin.request_cancellation(order_id)
    page = api.get("/retailer/orders").json()
    validate(page, "ReducedOrders")
    assert page["orders"][0]["orderId"] == order_id
    order = api.get(f"/retailer/orders/{order_id}")
    assert order.headers["content-type"].startswith(MEDIA)
    validate(order.json(), "Order")
    # Past the last page: the schema's required `orders`, empty.
    past = api.get("/retailer/orders", params={"page": 2}).json()
    assert past == {"orders": []}
    validate(past, "ReducedOrders")


def test_process_statuses(validate, api, twin) -> None:
    twin.place_order([{"ean": "1", "title": "a", "quantity": 1, "unitPrice": 1,
                       "offerId": "offer-1"}])
    item = api.get("/retailer/orders").json()["orders"][0]["orderItems"][0]["orderItemId"]
    shipped = api.post("/retailer/shipments", json={
        "orderItems": [{"orderItemId": item, "quantity": 1}],
        "transport": {"transporterCode": "TNT", "trackAndTrace": "3S1"}})
    assert shipped.status_code == 202
    validate(shipped.json(), "ProcessStatus")
    pid = shipped.json()["processStatusId"]
    validate(api.get(f"/shared/process-status/{pid}").json(), "ProcessStatus", "shared")
    again = api.post("/retailer/shipments", json={"orderItems": [{"orderItemId": item}]})
    api.get(f"/shared/process-status/{again.json()['processStatusId']}")
    failed = api.get(f"/shared/process-status/{again.json()['processStatusId']}").json()
    assert failed["status"] == "FAILURE" and failed["errorMessage"]
    validate(failed, "ProcessStatus", "shared")
    cancelled = api.put("/retailer/orders/cancellation", json={
        "orderItems": [{"orderItemId": item, "reasonCode": "OUT_OF_STOCK"}]})
    validate(cancelled.json(), "ProcessStatus")
    stock = api.put("/retailer/offers/offer-1/stock", json={"amount": 3,
                                                            "managedByRetailer": False})
    validate(stock.json(), "ProcessStatus")
    validate(api.get("/retailer/offers/offer-1").json(), "RetailerOffer")


def test_problems(validate, api, twin, served) -> None:
    problems = [
        api.get("/retailer/orders/404404"),
        api.get("/retailer/orders", params={"status": "NOPE"}),
        api.post("/retailer/shipments", json={"orderItems": [{"orderItemId": "0"}]}),
        api.put("/retailer/orders/cancellation",
                json={"orderItems": [{"orderItemId": "0", "reasonCode": "BORED"}]}),
        httpx.get(f"{served.url}/retailer/orders"),
    ]
    assert [p.status_code for p in problems] == [404, 400, 400, 400, 401]
    for response in problems:
        validate(response.json(), "Problem")
    assert problems[2].json()["violations"][0]["name"] == "orderItems[0].orderItemId"


def test_connector_request_bodies(validate) -> None:
    now = datetime.now(UTC)
    for shipment in (Shipment((ShipmentLine("1", 1),), now),
                     Shipment((ShipmentLine("1", 2),), now, tracking_number="3S",
                              carrier_code="DHL")):
        for body in mapping.shipment_bodies(shipment):
            validate(body, "ShipmentRequest")
    validate({"orderItems": [{"orderItemId": "1", "reasonCode": mapping.cancel_reason_code("x")}]},
             "CancellationRequest")
