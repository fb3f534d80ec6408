"""Shipments without a tracking number: the order fulfillment feed, its processing report, and
reconciliation after a crash or a lost answer, against the twin served on a real socket."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import httpx
import pytest

from ordersync.connectors.amazon.fulfillment import (
    FULFILLMENT_FEED_TYPE,
    XML_CONTENT_TYPE,
    FeedInFlight,
    fulfillment_feed,
    report_errors,
)
from ordersync.http import RetriableError, UncertainWrite
from ordersync.orders import Shipment, ShipmentLine
from ordersync.sandbox.amazon import SELLER_ID
from tests.amazon.helpers import fault, make_connector, stats

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def no_code(twin, order_id: str, **kw) -> Shipment:
    """Every line of the order, shipped without a tracking number."""
    lines = tuple(ShipmentLine(i["OrderItemId"], i["QuantityOrdered"])
                  for i in twin.state.orders[order_id].items)
    return Shipment(lines, NOW, **kw)


def fulfillment_feeds(twin) -> list:
    return [f for f in twin.state.feeds.values() if f.feed_type == FULFILLMENT_FEED_TYPE]


def settle(connector, ref: str, rounds: int = 10):
    """process_status until the feed is no longer pending (as the loop's polls do)."""
    for _ in range(rounds):
        try:
            result = connector.process_status(ref)
        except RetriableError:
            continue
        if result.state != "pending":
            return result
    raise AssertionError(f"feed {ref} still pending after {rounds} polls")


def drive(connector, order_id: str, shipment: Shipment, rounds: int = 12):
    """The loop's protocol for one order: write; after a failed attempt look on Amazon
    first (``is_shipped``), never writing while that is unsure; then follow the feed."""
    for attempt in range(1, rounds + 1):
        try:
            if attempt > 1 and connector.is_shipped(order_id):
                return "reconciled"
            receipt = connector.confirm_shipment(order_id, shipment)
        except RetriableError:  # incl. FeedInFlight and UncertainWrite: released, retried
            continue
        return settle(connector, receipt.ref).state
    raise AssertionError("never settled")


# -- the feed document ------------------------------------------------------------------

def test_feed_document_without_tracking_or_carrier() -> None:
    xml = fulfillment_feed(SELLER_ID, "402-1-1", Shipment(
        (ShipmentLine("11", 2), ShipmentLine("12", 1)), NOW))
    root = ET.fromstring(xml)
    assert root.tag == "AmazonEnvelope" and root.findtext("MessageType") == "OrderFulfillment"
    assert root.findtext("Header/MerchantIdentifier") == SELLER_ID
    body = root.find("Message/OrderFulfillment")
    assert root.findtext("Message/MessageID") == "1"
    assert body.findtext("AmazonOrderID") == "402-1-1"
    assert body.findtext("FulfillmentDate") == "2024-05-01T12:00:00Z"
    assert body.findtext("MerchantFulfillmentID").isdigit()
    assert body.find("FulfillmentData") is None  # no carrier, no code: nothing to say
    assert [(i.findtext("AmazonOrderItemCode"), i.findtext("Quantity"))
            for i in body.findall("Item")] == [("11", "2"), ("12", "1")]


@pytest.mark.parametrize(("code", "name", "expected"), [
    ("PostNL", None, ("CarrierCode", "PostNL")),
    ("Other", "Trunkrs & Co <NL>", ("CarrierName", "Trunkrs & Co <NL>")),
    (None, "Eigen bezorging", ("CarrierName", "Eigen bezorging")),
])
def test_feed_document_names_a_known_carrier(code, name, expected) -> None:
    xml = fulfillment_feed(SELLER_ID, "402-1-1", Shipment(
        (ShipmentLine("11", 1),), NOW, carrier_code=code, carrier_name=name))
    data = ET.fromstring(xml).find("Message/OrderFulfillment/FulfillmentData")
    assert [(e.tag, e.text) for e in data] == [expected]


def test_report_errors_reads_results_and_rejects_garbage() -> None:
    assert report_errors(b"""<?xml version="1.0"?><AmazonEnvelope><Message><MessageID>1
        </MessageID><ProcessingReport><StatusCode>Complete</StatusCode>
        <Result><MessageID>2</MessageID><ResultCode>Warning</ResultCode></Result>
        <Result><MessageID>1</MessageID><ResultCode>Error</ResultCode>
        <ResultMessageCode>18028</ResultMessageCode><ResultDescription>bad</ResultDescription>
        </Result></ProcessingReport></Message></AmazonEnvelope>""") == {"1": "18028: bad"}
    for garbage in (b"{}", b"<AmazonEnvelope/>"):
        with pytest.raises(ValueError):
            report_errors(garbage)


# -- connector + twin ---------------------------------------------------------------------

def test_confirm_without_tracking_submits_a_feed_followed_to_shipped(connector, twin,
                                                                      served) -> None:
    order_id = twin.place_order([{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}])
    receipt = connector.confirm_shipment(order_id, no_code(twin, order_id))

    assert receipt.done is False and receipt.ref
    assert twin.status_of(order_id) == "Unshipped" and twin.confirmations_of(order_id) == []
    assert "POST /orders/v0/orders/{order_id}/shipmentConfirmation" not in stats(served.url)
    (feed,) = fulfillment_feeds(twin)
    assert feed.feed_id == receipt.ref
    document = twin.state.documents[feed.document_id]
    assert document["contentType"] == XML_CONTENT_TYPE
    assert b"<AmazonOrderID>" + order_id.encode() in document["content"]
    states = [connector.process_status(receipt.ref).state for _ in range(3)]
    assert states == ["pending", "pending", "success"]
    (confirmation,) = twin.confirmations_of(order_id)
    assert confirmation["via"] == FULFILLMENT_FEED_TYPE and confirmation["feedId"] == feed.feed_id
    assert confirmation["trackingNumber"] is None and confirmation["carrierCode"] is None
    assert confirmation["shipDate"] == "2024-05-01T12:00:00Z"
    items = twin.state.orders[order_id].items
    assert confirmation["orderItems"] == [
        {"orderItemId": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in items]
    assert twin.status_of(order_id) == "Shipped" and connector.is_shipped(order_id)
    assert all(i["QuantityShipped"] == i["QuantityOrdered"] for i in items)
    listed = httpx.get(f"{served.url}/_sandbox/amazon/confirmations",
                       params={"AmazonOrderId": order_id}).json()["confirmations"]
    assert listed == [confirmation]


def test_confirm_with_tracking_still_uses_confirm_shipment(connector, twin) -> None:
    order_id = twin.place_order()
    receipt = connector.confirm_shipment(order_id, no_code(
        twin, order_id, tracking_number="3SABCD1234567", carrier_code="PostNL"))
    assert receipt.done and fulfillment_feeds(twin) == []
    (confirmation,) = twin.confirmations_of(order_id)
    assert confirmation["via"] == "confirmShipment"
    assert (confirmation["carrierCode"], confirmation["trackingNumber"]) == (
        "PostNL", "3SABCD1234567")


def test_feed_refused_for_a_shipped_order_fails_with_the_reports_message(connector,
                                                                         twin) -> None:
    order_id = twin.place_order()
    connector.confirm_shipment(order_id, no_code(twin, order_id, tracking_number="1Z9",
                                                  carrier_code="UPS"))
    receipt = connector.confirm_shipment(order_id, no_code(twin, order_id))
    result = settle(connector, receipt.ref)
    assert result.state == "failure"
    assert f"order {order_id} is Shipped; it cannot be shipped" in result.message
    assert len(twin.confirmations_of(order_id)) == 1


@pytest.mark.parametrize("case", ["unknown order", "pending order", "unknown item"])
def test_feed_refusals(connector, twin, case) -> None:
    order_id = twin.place_order(pending=case == "pending order")
    shipment = no_code(twin, order_id)
    if case == "unknown order":
        order_id = "404-0000000-0000000"
    if case == "unknown item":
        shipment = Shipment((ShipmentLine("999", 1),), NOW)
    result = settle(connector, connector.confirm_shipment(order_id, shipment).ref)
    assert result.state == "failure" and "18028" in result.message
    assert twin.confirmations_of() == []


def _submit_raw(connector, content: bytes) -> str:
    created = connector._call("POST", "/feeds/2021-06-30/documents",
                              body={"contentType": XML_CONTENT_TYPE})
    httpx.put(created["url"], content=content,
              headers={"Content-Type": XML_CONTENT_TYPE}).raise_for_status()
    return connector._call("POST", "/feeds/2021-06-30/feeds", body={
        "feedType": FULFILLMENT_FEED_TYPE, "marketplaceIds": [connector.marketplace_id],
        "inputFeedDocumentId": created["feedDocumentId"]})["feedId"]


def test_twin_reports_per_message_and_an_ill_formed_document(connector, twin) -> None:
    good, shipped = twin.place_order(), twin.place_order()
    twin.state.orders[shipped].status = "Shipped"
    messages = "".join(
        f"<Message><MessageID>{n}</MessageID><OrderFulfillment><AmazonOrderID>{order}"
        "</AmazonOrderID><FulfillmentDate>2024-05-01T12:00:00+02:00</FulfillmentDate>"
        "<FulfillmentData><CarrierName>Eigen bezorging</CarrierName></FulfillmentData>"
        "</OrderFulfillment></Message>" for n, order in ((1, good), (2, shipped)))
    envelope = (f"<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>"
                f"<MerchantIdentifier>{SELLER_ID}</MerchantIdentifier></Header>"
                f"<MessageType>OrderFulfillment</MessageType>{messages}</AmazonEnvelope>")
    feed_id = _submit_raw(connector, envelope.encode())
    twin.process_feeds()
    report = connector.document_content(connector.feed(feed_id)["resultFeedDocumentId"])
    assert list(report_errors(report)) == ["2"]
    root = ET.fromstring(report)
    assert root.findtext("Message/ProcessingReport/ProcessingSummary/MessagesSuccessful") == "1"
    assert root.findtext("Message/ProcessingReport/Result/AdditionalInfo/AmazonOrderID") == \
        shipped
    (confirmation,) = twin.confirmations_of()
    assert confirmation["AmazonOrderId"] == good and confirmation["carrierName"] == \
        "Eigen bezorging" and confirmation["shipDate"] == "2024-05-01T10:00:00Z"

    broken = _submit_raw(connector, envelope.encode()[:-20])
    other = _submit_raw(connector, envelope.replace(SELLER_ID, "SOMEONE").encode())
    for feed in (broken, other):
        result = settle(connector, feed)
        assert result.state == "failure" and "5001" in result.message
    assert "ill-formed" in settle(connector, broken).message
    assert len(twin.confirmations_of()) == 1


# -- exactly once through crashes, lost answers and faults ---------------------------------

def test_crash_after_create_feed_reconciles_without_a_second_feed(served, twin, clock) -> None:
    order_id = twin.place_order()
    shipment = no_code(twin, order_id)
    with make_connector(served.url, clock) as dying:
        dying.confirm_shipment(order_id, shipment)  # the feed id never reaches the hub
    with make_connector(served.url, clock) as fresh:  # the next process
        outcomes = []
        for _ in range(5):
            try:
                outcomes.append(fresh.is_shipped(order_id))
            except FeedInFlight:
                outcomes.append("in flight")
            if outcomes[-1] is True:
                break
    assert outcomes == ["in flight", "in flight", True]  # never False: no second feed
    assert len(fulfillment_feeds(twin)) == 1 and len(twin.confirmations_of(order_id)) == 1


def test_feed_failed_for_the_order_is_sent_again_only_then(served, twin, clock) -> None:
    order_id = twin.place_order(pending=True)  # Amazon refuses to ship it
    with make_connector(served.url, clock) as dying:
        dying.confirm_shipment(order_id, no_code(twin, order_id))
    twin.process_feeds()  # processed with an error for the order
    twin.pay(order_id)
    with make_connector(served.url, clock) as fresh:
        assert fresh.is_shipped(order_id) is False  # nothing pending: writing again is safe
        assert drive(fresh, order_id, no_code(twin, order_id)) == "success"
    assert len(fulfillment_feeds(twin)) == 2 and len(twin.confirmations_of(order_id)) == 1


def test_own_feeds_do_not_hold_other_orders_back(connector, twin) -> None:
    first, second = twin.place_order(), twin.place_order()
    connector.confirm_shipment(first, no_code(twin, first))
    assert connector.is_shipped(second) is False  # the in-flight feed is known to be first's


FAULTS = {
    "createFeedDocument 503": [dict(method="POST", path="/documents$", status=503)],
    "createFeedDocument 429": [dict(method="POST", path="/documents$", status=429)],
    "upload 503": [dict(method="PUT", path="^/_feed-documents/", status=503)],
    "upload 500 after storing": [dict(method="PUT", path="^/_feed-documents/", status=500,
                                      after_handling=True)],
    "createFeed 429": [dict(method="POST", path="/feeds$", status=429)],
    "createFeed 503": [dict(method="POST", path="/feeds$", status=503)],
    "createFeed answer lost": [dict(method="POST", path="/feeds$", status=503,
                                    after_handling=True)],
    "lost answer, then getFeeds and getOrder 503": [
        dict(method="POST", path="/feeds$", status=503, after_handling=True),
        dict(method="GET", path="/feeds$", status=503, count=5),
        dict(method="GET", path="^/orders/v0/orders/[^/]+$", status=503, count=5)],
    "getFeed 503": [dict(method="GET", path="/feeds/[^/]+$", status=503, count=6)],
    "getFeed 429": [dict(method="GET", path="/feeds/[^/]+$", status=429)],
    "getFeedDocument 429": [dict(method="GET", path="/documents/[^/]+$", status=429)],
    "report download 503": [dict(method="GET", path="^/_feed-documents/", status=503,
                                 count=5)],
}


@pytest.mark.parametrize("faults", FAULTS.values(), ids=FAULTS.keys())
def test_faults_on_every_call_confirm_exactly_once(connector, twin, served, faults) -> None:
    order_id = twin.place_order()
    for spec in faults:
        fault(served.url, **spec)
    outcome = drive(connector, order_id, no_code(twin, order_id))
    assert outcome in ("success", "reconciled")
    assert twin.controls.faults == []  # every fault was hit
    (confirmation,) = twin.confirmations_of(order_id)
    assert confirmation["via"] == FULFILLMENT_FEED_TYPE
    assert twin.status_of(order_id) == "Shipped"
    assert len(fulfillment_feeds(twin)) <= 2  # a second feed only when the first never was


def test_lost_create_feed_answer_is_an_uncertain_write(connector, twin, served) -> None:
    order_id = twin.place_order()
    fault(served.url, method="POST", path="/feeds$", status=503, after_handling=True)
    with pytest.raises(UncertainWrite):
        connector.confirm_shipment(order_id, no_code(twin, order_id))
    with pytest.raises(FeedInFlight):
        connector.is_shipped(order_id)


def test_own_feed_for_the_same_order_still_counts_as_in_flight(connector, twin) -> None:
    """The same connector, the hub having failed to record the feed: no second feed."""
    order_id = twin.place_order()
    connector.confirm_shipment(order_id, no_code(twin, order_id))
    with pytest.raises(FeedInFlight):
        connector.is_shipped(order_id)
