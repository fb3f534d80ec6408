"""bol.com twin vs retailer.json / shared.json, for every operation the connector uses."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ordersync.sandbox.bolcom import BolcomTwin
from tests.spec.conformance import (
    FAST_EXAMPLES,
    SLOW_EXAMPLES,
    Operation,
    Overlay,
    check_operation,
    load,
    require,
)

MEDIA = "application/vnd.retailer.v10+json"
CSV = "application/vnd.retailer.v10+csv"
PROBLEM_400 = {"description": "Bad request", "content": {MEDIA: {"schema": {
    "$ref": "#/components/schemas/Problem"}}}}
OVERLAYS = {"retailer.json": [
    Overlay("/retailer/orders", "get", "400", PROBLEM_400,
            "invalid query values are a 400 Problem, as on the 60 operations that list it"),
]}


class Seeded:
    """A fresh twin with orders, offers, a process and an offers export, and its ids."""

    def __init__(self) -> None:
        self.twin = BolcomTwin(rate_limits=False, process_delay_polls=0)
        twin = self.twin
        self.order_ids = [
            twin.place_order(),
            twin.place_order([{"ean": "8712345678913", "title": "Plate", "quantity": 3,
                               "unitPrice": 4.5, "distributionParty": "BOL"}]),
            twin.place_order([{"ean": "8712345678920", "title": "Bowl", "quantity": 1,
                               "unitPrice": 7, "fulfilmentMethod": "FBB"}]),
        ]
        self.item_ids = [i["orderItemId"] for o in self.order_ids
                         for i in twin.stored_order(o)["orderItems"]]
        self.offer_id = twin.add_offer("MUG-1", amount=5)
        twin.stored_order(self.order_ids[1])["orderItems"][0]["quantityShipped"] = 3
        returned = twin.create_return(self.order_ids[1])
        self.return_id, self.rma_id = returned["returnId"], returned["returnItems"][0]["rmaId"]
        with TestClient(twin.app) as client:
            token = client.post("/token", params={"grant_type": "client_credentials"},
                                auth=("sandbox-client", "sandbox-secret")).json()
            self.headers = {"Authorization": f"Bearer {token['access_token']}",
                            "Accept": MEDIA}
            export = client.post("/retailer/offers/export", json={"format": "CSV"},
                                 headers={**self.headers, "Content-Type": MEDIA}).json()
            subscription = client.post("/retailer/subscriptions", json={  # no deliveries
                "resources": ["PROCESS_STATUS"], "url": "projects/p/topics/t",
                "subscriptionType": "GCP_PUBSUB"}, headers={**self.headers,
                                                             "Content-Type": MEDIA}).json()
        self.report_id = export["entityId"]
        self.process_id = export["processStatusId"]
        self.subscription_id = subscription["entityId"]

    def point_items(self, case: Any) -> None:
        """Point generated order items at known ones (every other case)."""
        items = case.body.get("orderItems") if isinstance(case.body, dict) else None
        if isinstance(items, list) and len(repr(case.body)) % 2:
            for n, item in enumerate(items):
                if isinstance(item, dict):
                    item["orderItemId"] = self.item_ids[n % len(self.item_ids)]

    def point_processes(self, case: Any) -> None:
        queries = (case.body.get("processStatusQueries") if isinstance(case.body, dict)
                   else None)
        if isinstance(queries, list) and len(repr(case.body)) % 2:
            for query in queries:
                if isinstance(query, dict):
                    query["processStatusId"] = self.process_id

    def operation(self, doc: str, path: str, method: str) -> Operation:
        """The operation with the explicit parts and patches that reach this twin's data."""
        extra: dict[str, Any] = {
            "/retailer/orders": {"explicit": [{"query": {"page": 1}},
                                              {"query": {"status": "ALL"}}]},
            "/retailer/orders/{order-id}": {"explicit": [
                {"path_parameters": {"order-id": i}} for i in self.order_ids]},
            "/retailer/shipments": {"patch": self.point_items},
            "/retailer/orders/cancellation": {"patch": self.point_items},
            "/retailer/offers/export/{report-id}": {
                "explicit": [{"path_parameters": {"report-id": self.report_id}}],
                "headers": {"Accept": CSV}},
            "/retailer/offers/{offer-id}/stock": {"explicit": [
                {"path_parameters": {"offer-id": self.offer_id}}]},
            "/shared/process-status/{process-status-id}": {"explicit": [
                {"path_parameters": {"process-status-id": self.process_id}}]},
            "/retailer/returns": {"explicit": [{"query": {"handled": "false"}}]},
            "/retailer/returns/{return-id}": {"explicit": [
                {"path_parameters": {"return-id": self.return_id}}]},
            "/retailer/returns/{rma-id}": {"explicit": [
                {"path_parameters": {"rma-id": int(self.rma_id)}}]},
        }.get(path, {})
        if path.endswith("{subscription-id}"):
            extra = {"explicit": [{"path_parameters": {
                "subscription-id": self.subscription_id}}]}
        if (path, method) == ("/shared/process-status", "POST"):
            extra = {"patch": self.point_processes}
        return Operation(doc, path, method, **extra)


# Every bol.com operation the connector (ordersync/connectors/bolcom) calls.
OPERATIONS = [
    ("retailer.json", "/retailer/orders", "GET"),
    ("retailer.json", "/retailer/orders/{order-id}", "GET"),
    ("retailer.json", "/retailer/shipments", "POST"),
    ("retailer.json", "/retailer/orders/cancellation", "PUT"),
    ("retailer.json", "/retailer/offers/export", "POST"),
    ("retailer.json", "/retailer/offers/export/{report-id}", "GET"),
    ("retailer.json", "/retailer/offers/{offer-id}/stock", "PUT"),
    ("retailer.json", "/retailer/returns", "GET"),
    ("retailer.json", "/retailer/returns/{return-id}", "GET"),
    ("retailer.json", "/retailer/returns/{rma-id}", "PUT"),
    ("shared.json", "/shared/process-status/{process-status-id}", "GET"),
    ("shared.json", "/shared/process-status", "GET"),
    ("shared.json", "/shared/process-status", "POST"),
    ("retailer.json", "/retailer/subscriptions", "GET"),
    ("retailer.json", "/retailer/subscriptions", "POST"),
    ("retailer.json", "/retailer/subscriptions/{subscription-id}", "GET"),
    ("retailer.json", "/retailer/subscriptions/{subscription-id}", "PUT"),
    ("retailer.json", "/retailer/subscriptions/{subscription-id}", "DELETE"),
    ("retailer.json", "/retailer/subscriptions/test/{subscription-id}", "POST"),
    ("retailer.json", "/retailer/subscriptions/signature-keys", "GET"),
]
IDS = [f"{method} {path}" for _, path, method in OPERATIONS]
# Only a free path string: nothing the spec forbids to send (negative generation finds none).
UNBREAKABLE = {
    "GET /retailer/orders/{order-id}",
    "GET /retailer/offers/export/{report-id}",
    "GET /shared/process-status/{process-status-id}",
    "GET /retailer/returns/{return-id}",
    "GET /retailer/subscriptions",
    "GET /retailer/subscriptions/{subscription-id}",
    "DELETE /retailer/subscriptions/{subscription-id}",
    "POST /retailer/subscriptions/test/{subscription-id}",
    "GET /retailer/subscriptions/signature-keys",
}
BREAKABLE = [op for op, name in zip(OPERATIONS, IDS, strict=True) if name not in UNBREAKABLE]


def _run(where: tuple[str, str, str], examples: int, derandomize: bool,
         negative: bool = False) -> None:
    specs = require("bolcom/retailer.json", "bolcom/shared.json")
    seeded = Seeded()
    operation = seeded.operation(*where)
    schema = load(specs / "bolcom" / operation.doc, OVERLAYS.get(operation.doc, ()),
                  seeded.twin.app)
    calls = check_operation(schema, operation, seeded.headers, examples=examples,
                            derandomize=derandomize, negative=negative)
    assert calls >= min(examples, 5) or negative


@pytest.mark.parametrize("where", OPERATIONS, ids=IDS)
def test_bolcom_twin_conforms(where: tuple[str, str, str]) -> None:
    _run(where, FAST_EXAMPLES, derandomize=True)


@pytest.mark.parametrize("where", BREAKABLE, ids=[i for i in IDS if i not in UNBREAKABLE])
def test_bolcom_twin_survives_requests_that_break_the_spec(where: tuple[str, str, str]) -> None:
    _run(where, FAST_EXAMPLES, derandomize=True, negative=True)


@pytest.mark.slow
@pytest.mark.parametrize("where", OPERATIONS, ids=IDS)
@pytest.mark.parametrize("negative", [False, True], ids=["valid", "invalid"])
def test_bolcom_twin_conforms_thoroughly(where: tuple[str, str, str], negative: bool) -> None:
    _run(where, SLOW_EXAMPLES, derandomize=False, negative=negative)


def test_the_suite_fails_a_twin_that_breaks_the_spec() -> None:
    specs = require("bolcom/retailer.json")
    seeded = Seeded()
    seeded.twin.put_order({"orderId": "BROKEN", "orderItems": "not a list"})
    operation = Operation("retailer.json", "/retailer/orders/{order-id}", "GET",
                          explicit=[{"path_parameters": {"order-id": "BROKEN"}}])
    schema = load(specs / "bolcom" / "retailer.json", app=seeded.twin.app)
    with pytest.raises(BaseExceptionGroup) as failed:
        check_operation(schema, operation, seeded.headers, examples=FAST_EXAMPLES,
                        derandomize=True)
    assert any("violates schema" in str(e) for e in failed.value.exceptions)
