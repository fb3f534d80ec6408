"""Twin responses and connector request bodies validated against the SP-API models (Swagger 2
``definitions``) and the JSON listings feed schema v2.

Object schemas are made strict (no properties beyond the spec's) so a typo in the twin fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.amazon import fulfillment, mapping
from ordersync.orders import Shipment, ShipmentLine
from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID
from tests.amazon.helpers import CLIENT_ID, REFRESH, SECRET
from tests.spec_validation import spec_validator

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "amazon-sp-api"
MODELS = {"orders": "ordersV0.json", "feeds": "feeds_2021-06-30.json",
          "listings": "listingsItems_2021-08-01.json"}
pytestmark = pytest.mark.skipif(
    not all((SPECS / name).exists() for name in MODELS.values()),
    reason=f"Amazon SP-API specs not found at {SPECS}",
)


@pytest.fixture(scope="module")
def validate():
    return spec_validator({doc: SPECS / name for doc, name in MODELS.items()}, draft=4,
                          prefix="/definitions/")


@pytest.fixture
def api(served):
    token = httpx.post(f"{served.url}/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH, "client_id": CLIENT_ID,
        "client_secret": SECRET}).json()["access_token"]
    with httpx.Client(base_url=served.url, headers={"x-amz-access-token": token}) as client:
        yield client


def test_validator_catches_a_bad_payload(validate) -> None:
    with pytest.raises(AssertionError):
        validate({"payload": {"Orders": [{"AmazonOrderId": 1}]}}, "GetOrdersResponse", "orders")


def test_orders_and_items(validate, api, twin) -> None:
    twin.items_page_size = 1
    paid = twin.place_order([{"sku": "A", "quantity": 2, "unitPrice": 3},
                             {"sku": "B", "quantity": 1, "unitPrice": 4}])
    pending = twin.place_order(pending=True)
    cancelled = twin.place_order(pending=True)
    twin.fraud_cancel(cancelled)
    page = api.get("/orders/v0/orders", params={
        "MarketplaceIds": MARKETPLACE_ID, "CreatedAfter": "2000-01-01T00:00:00Z",
        "MaxResultsPerPage": 2})
    validate(page.json(), "GetOrdersResponse", "orders")
    assert page.json()["payload"]["NextToken"]
    for order_id in (paid, pending, cancelled):
        validate(api.get(f"/orders/v0/orders/{order_id}").json(), "GetOrderResponse", "orders")
        items = api.get(f"/orders/v0/orders/{order_id}/orderItems").json()
        validate(items, "GetOrderItemsResponse", "orders")
    items = api.get(f"/orders/v0/orders/{paid}/orderItems").json()["payload"]
    more = api.get(f"/orders/v0/orders/{paid}/orderItems",
                   params={"NextToken": items["NextToken"]}).json()
    validate(more, "GetOrderItemsResponse", "orders")


def test_order_errors(validate, api, served) -> None:
    missing = api.get("/orders/v0/orders/404-0000000-0000000")
    bad = api.get("/orders/v0/orders", params={"MarketplaceIds": MARKETPLACE_ID})
    denied = httpx.get(f"{served.url}/orders/v0/orders/1")
    assert [r.status_code for r in (missing, bad, denied)] == [404, 400, 403]
    for response in (missing, bad, denied):
        validate(response.json(), "GetOrderResponse", "orders")
        validate(response.json(), "ErrorList", "feeds")


def test_shipment_body(validate) -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    for shipment in (
        Shipment((ShipmentLine("1", 1),), now, tracking_number="3S", carrier_code="Other",
                 carrier_name="Trunkrs"),
        Shipment((ShipmentLine("1", 2), ShipmentLine("2", 1)), now, tracking_number="1Z",
                 carrier_code="UPS"),
    ):
        validate(mapping.shipment_body("402-1-1", shipment, MARKETPLACE_ID),
                 "ConfirmShipmentRequest", "orders")


def test_feeds(validate, api, twin) -> None:
    spec = {"contentType": mapping.FEED_CONTENT_TYPE}
    validate(spec, "CreateFeedDocumentSpecification", "feeds")
    document = api.post("/feeds/2021-06-30/documents", json=spec)
    assert document.status_code == 201
    validate(document.json(), "CreateFeedDocumentResponse", "feeds")
    content = json.dumps(mapping.quantities_feed(SELLER_ID, {"A": 1})).encode()
    upload = httpx.put(document.json()["url"], content=content,
                       headers={"Content-Type": mapping.FEED_CONTENT_TYPE})
    assert upload.status_code == 200
    body = {"feedType": mapping.FEED_TYPE, "marketplaceIds": [MARKETPLACE_ID],
            "inputFeedDocumentId": document.json()["feedDocumentId"]}
    validate(body, "CreateFeedSpecification", "feeds")
    created = api.post("/feeds/2021-06-30/feeds", json=body)
    assert created.status_code == 202
    validate(created.json(), "CreateFeedResponse", "feeds")
    for _ in range(3):
        validate(api.get(f"/feeds/2021-06-30/feeds/{created.json()['feedId']}").json(),
                 "Feed", "feeds")
    validate(api.get("/feeds/2021-06-30/feeds/0").json(), "ErrorList", "feeds")


def test_listings(validate, api, twin) -> None:
    body = mapping.listings_patch_body(4)
    validate(body, "ListingsItemPatchRequest", "listings")
    path = f"/listings/2021-08-01/items/{SELLER_ID}/MUG-1"
    params = {"marketplaceIds": MARKETPLACE_ID}
    patched = api.patch(path, params=params, json=body)
    validate(patched.json(), "ListingsItemSubmissionResponse", "listings")
    invalid = api.patch(path, params=params, json={"productType": "X", "patches": [
        {"op": "delete", "path": "/attributes/item_name"}]})
    assert invalid.json()["status"] == "INVALID"
    validate(invalid.json(), "ListingsItemSubmissionResponse", "listings")
    validate(api.get(path, params=params).json(), "Item", "listings")


def test_quantities_feed_matches_the_listings_feed_schema() -> None:
    schema = json.loads((SPECS / "listings-feed-schema-v2.json").read_text())
    example = json.loads((SPECS / "listings-feed-schema-v2.example.json").read_text())
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(schema)
    validator.validate(example)  # the validator is set up right
    validator.validate(mapping.quantities_feed(SELLER_ID, {"A": 1, "B/2": 0}))


def test_fulfillment_feed(validate, api, twin) -> None:
    """A shipment without tracking: the order fulfillment feed through the Feeds API."""
    order_id = twin.place_order()
    item = twin.state.orders[order_id].items[0]["OrderItemId"]
    spec = {"contentType": fulfillment.XML_CONTENT_TYPE}
    validate(spec, "CreateFeedDocumentSpecification", "feeds")
    document = api.post("/feeds/2021-06-30/documents", json=spec).json()
    content = fulfillment.fulfillment_feed(SELLER_ID, order_id, Shipment(
        (ShipmentLine(item, 1),), datetime(2024, 5, 1, tzinfo=UTC)))
    httpx.put(document["url"], content=content,
              headers={"Content-Type": fulfillment.XML_CONTENT_TYPE}).raise_for_status()
    body = {"feedType": fulfillment.FULFILLMENT_FEED_TYPE, "marketplaceIds": [MARKETPLACE_ID],
            "inputFeedDocumentId": document["feedDocumentId"]}
    validate(body, "CreateFeedSpecification", "feeds")
    created = api.post("/feeds/2021-06-30/feeds", json=body)
    assert created.status_code == 202
    feed_id = created.json()["feedId"]
    listed = api.get("/feeds/2021-06-30/feeds", params={
        "feedTypes": fulfillment.FULFILLMENT_FEED_TYPE, "processingStatuses": "IN_QUEUE"})
    validate(listed.json(), "GetFeedsResponse", "feeds")
    assert [f["feedId"] for f in listed.json()["feeds"]] == [feed_id]
    for _ in range(3):
        feed = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
        validate(feed, "Feed", "feeds")
    assert feed["processingStatus"] == "DONE" and feed["feedType"] == body["feedType"]
    report = api.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}").json()
    validate(report, "FeedDocument", "feeds")
    assert fulfillment.report_errors(httpx.get(report["url"]).content) == {}
    listings = api.get("/feeds/2021-06-30/feeds", params={"feedTypes": mapping.FEED_TYPE})
    assert listings.json()["feeds"] == []  # getFeeds filters by type
