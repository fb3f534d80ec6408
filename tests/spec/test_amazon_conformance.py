"""Amazon twin vs the SP-API models (Orders v0, Feeds 2021-06-30, Listings Items 2021-08-01),
for every operation the connector uses."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID, AmazonTwin
from tests.spec.conformance import (
    FAST_EXAMPLES,
    SLOW_EXAMPLES,
    Operation,
    check_operation,
    load,
    require,
)

CLIENT = ("sandbox-client", "sandbox-secret", "Atzr|sandbox")
ORDERS = "/orders/v0/orders"
FEEDS = "/feeds/2021-06-30"
LISTING = "/listings/2021-08-01/items/{sellerId}/{sku}"


class Seeded:
    """A fresh twin with orders (one pending), a listing, a feed document and a feed."""

    def __init__(self) -> None:
        self.twin = twin = AmazonTwin(rate_limits=False, items_page_size=1,
                                      feed_delay_polls=0)
        self.order_ids = [
            twin.place_order([{"sku": "MUG-1", "quantity": 2}, {"sku": "PLATE-1"}]),
            twin.place_order(pending=True),
        ]
        self.item_ids = [i["OrderItemId"] for o in self.order_ids
                         for i in twin.state.orders[o].items]
        twin.add_listing("MUG-1", 5)
        with TestClient(twin.app) as client:
            token = client.post("/auth/o2/token", data={
                "grant_type": "refresh_token", "client_id": CLIENT[0],
                "client_secret": CLIENT[1], "refresh_token": CLIENT[2]}).json()
            self.headers = {"x-amz-access-token": token["access_token"],
                            "Accept": "application/json"}
            document = client.post(f"{FEEDS}/documents", headers=self.headers,
                                   json={"contentType": "application/json"}).json()
            self.document_id = document["feedDocumentId"]
            client.put(document["url"], content=b'{"header": {}, "messages": []}')
            self.feed_id = client.post(f"{FEEDS}/feeds", headers=self.headers, json={
                "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE_ID],
                "inputFeedDocumentId": self.document_id}).json()["feedId"]

    def aim_shipment(self, case: Any) -> None:
        """Point a generated confirmation at a known order and its items (every other)."""
        body = case.body
        if not isinstance(body, dict) or not len(repr(body)) % 2:
            return
        case.path_parameters = {"orderId": self.order_ids[0]}
        body["marketplaceId"] = MARKETPLACE_ID
        detail = body.get("packageDetail")
        if isinstance(detail, dict) and isinstance(detail.get("orderItems"), list):
            for n, line in enumerate(detail["orderItems"]):
                if isinstance(line, dict):
                    line["orderItemId"] = self.item_ids[n % 2]

    def aim_feed(self, case: Any) -> None:
        if isinstance(case.body, dict) and len(repr(case.body)) % 2:
            case.body["inputFeedDocumentId"] = self.document_id

    def operation(self, doc: str, path: str, method: str) -> Operation:
        """The operation with the explicit parts and patches that reach this twin's data."""
        listing = {"sellerId": SELLER_ID, "sku": "MUG-1"}
        market = {"marketplaceIds": [MARKETPLACE_ID]}
        extra: dict[str, Any] = {
            ("GET", ORDERS): {"explicit": [
                {"query": {"MarketplaceIds": [MARKETPLACE_ID]}},
                {"query": {"MarketplaceIds": [MARKETPLACE_ID],
                           "CreatedAfter": "2000-01-01T00:00:00Z"}}]},
            ("GET", ORDERS + "/{orderId}"): {"explicit": [
                {"path_parameters": {"orderId": i}} for i in self.order_ids]},
            ("GET", ORDERS + "/{orderId}/orderItems"): {"explicit": [
                {"path_parameters": {"orderId": i}} for i in self.order_ids]},
            ("POST", ORDERS + "/{orderId}/shipmentConfirmation"): {
                "patch": self.aim_shipment, "explicit": [{
                    "path_parameters": {"orderId": self.order_ids[0]},
                    "body": {"marketplaceId": MARKETPLACE_ID, "packageDetail": {
                        "packageReferenceId": "1", "carrierCode": "UPS",
                        "trackingNumber": "1Z999AA10123456784",
                        "shipDate": "2026-01-02T10:00:00Z",
                        "orderItems": [{"orderItemId": self.item_ids[0], "quantity": 1}]}}}]},
            ("POST", FEEDS + "/feeds"): {"patch": self.aim_feed, "explicit": [{"body": {
                "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE_ID],
                "inputFeedDocumentId": self.document_id}}]},
            ("GET", FEEDS + "/feeds/{feedId}"): {"explicit": [
                {"path_parameters": {"feedId": self.feed_id}}]},
            ("GET", FEEDS + "/feeds"): {"explicit": [
                {"query": {"feedTypes": ["JSON_LISTINGS_FEED"]}}]},
            ("GET", FEEDS + "/documents/{feedDocumentId}"): {"explicit": [
                {"path_parameters": {"feedDocumentId": self.document_id}}]},
            ("GET", LISTING): {"explicit": [{"path_parameters": listing, "query": market}]},
            ("PATCH", LISTING): {"explicit": [{"path_parameters": listing, "query": market}]},
        }.get((method, path), {})
        return Operation(doc, path, method, **extra)


# Every SP-API operation the connector (ordersync/connectors/amazon) calls.
OPERATIONS = [
    ("ordersV0.json", ORDERS, "GET"),  # getOrders
    ("ordersV0.json", ORDERS + "/{orderId}", "GET"),  # getOrder
    ("ordersV0.json", ORDERS + "/{orderId}/orderItems", "GET"),  # getOrderItems
    ("ordersV0.json", ORDERS + "/{orderId}/shipmentConfirmation", "POST"),  # confirmShipment
    ("feeds_2021-06-30.json", FEEDS + "/documents", "POST"),  # createFeedDocument
    ("feeds_2021-06-30.json", FEEDS + "/feeds", "POST"),  # createFeed
    ("feeds_2021-06-30.json", FEEDS + "/feeds/{feedId}", "GET"),  # getFeed
    ("feeds_2021-06-30.json", FEEDS + "/feeds", "GET"),  # getFeeds
    ("feeds_2021-06-30.json", FEEDS + "/documents/{feedDocumentId}", "GET"),  # getFeedDocument
    ("listingsItems_2021-08-01.json", LISTING, "GET"),  # getListingsItem
    ("listingsItems_2021-08-01.json", LISTING, "PATCH"),  # patchListingsItem
]
IDS = [f"{method} {path}" for _, path, method in OPERATIONS]
# Only a free path string: nothing the spec forbids to send (negative generation finds none).
UNBREAKABLE = {
    "GET /orders/v0/orders/{orderId}",
    "GET /feeds/2021-06-30/feeds/{feedId}",
    "GET /feeds/2021-06-30/documents/{feedDocumentId}",
}
BREAKABLE = [op for op, name in zip(OPERATIONS, IDS, strict=True) if name not in UNBREAKABLE]


def _run(where: tuple[str, str, str], examples: int, derandomize: bool,
         negative: bool = False) -> None:
    specs = require(*(f"amazon-sp-api/{doc}" for doc, _, _ in OPERATIONS))
    seeded = Seeded()
    operation = seeded.operation(*where)
    schema = load(specs / "amazon-sp-api" / operation.doc, app=seeded.twin.app)
    calls = check_operation(schema, operation, seeded.headers, examples=examples,
                            derandomize=derandomize, negative=negative)
    assert calls >= min(examples, 5) or negative


@pytest.mark.parametrize("where", OPERATIONS, ids=IDS)
def test_amazon_twin_conforms(where: tuple[str, str, str]) -> None:
    _run(where, FAST_EXAMPLES, derandomize=True)


@pytest.mark.parametrize("where", BREAKABLE, ids=[i for i in IDS if i not in UNBREAKABLE])
def test_amazon_twin_survives_requests_that_break_the_spec(where: tuple[str, str, str]) -> None:
    _run(where, FAST_EXAMPLES, derandomize=True, negative=True)


@pytest.mark.slow
@pytest.mark.parametrize("where", OPERATIONS, ids=IDS)
@pytest.mark.parametrize("negative", [False, True], ids=["valid", "invalid"])
def test_amazon_twin_conforms_thoroughly(where: tuple[str, str, str], negative: bool) -> None:
    _run(where, SLOW_EXAMPLES, derandomize=False, negative=negative)
