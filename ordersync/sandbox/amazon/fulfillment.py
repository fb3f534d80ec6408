"""The twin's order fulfillment feed (``POST_ORDER_FULFILLMENT_DATA``): how a seller confirms
a shipment without a tracking number, which confirmShipment requires.

The feed document is an XML ``AmazonEnvelope`` (Header/DocumentVersion, MerchantIdentifier =
the seller id, MessageType ``OrderFulfillment``) of Messages (MessageID + OrderFulfillment:
AmazonOrderID, optional MerchantFulfillmentID, FulfillmentDate, optional FulfillmentData =
CarrierCode|CarrierName + optional ShippingMethod and ShipperTrackingNumber, Items of
AmazonOrderItemCode + optional Quantity; no Item = every unshipped unit), after Amazon's
OrderFulfillment.xsd / amzn-envelope.xsd, which are not among the stored specs.

Processing, like the listings feed: IN_QUEUE, IN_PROGRESS over the first polls, then DONE.
Amazon processes feeds in the background; the twin moves a queued fulfillment feed one step
on every getFeed of it and on every getFeeds (``tick``), or all at once (``finish``). Each
message is applied on its own: an order that is not Unshipped/PartiallyShipped, an unknown
order or item, too many units, a bad date or carrier get an ``Error`` Result in the XML
processing report; an unreadable document gets one Error Result with MessageID 0 and
nothing applied. Result codes are *unverified* (Amazon's public lists; kept below).
Every applied message is one entry in ``state.confirmations`` with ``via`` = the feed type.

Control route (with ``FulfillmentControls``): ``GET /_sandbox/amazon/confirmations
[?AmazonOrderId=]`` -> ``{"confirmations": [{AmazonOrderId, via, feedId,
packageReferenceId, carrierCode, carrierName, shippingMethod, trackingNumber, shipDate,
orderItems}]}`` in the order they were applied.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

if TYPE_CHECKING:
    from ordersync.sandbox.amazon.state import AmazonState, Feed, OrderRecord

FULFILLMENT_FEED = "POST_ORDER_FULFILLMENT_DATA"
REPORT_CONTENT_TYPE = "text/xml; charset=UTF-8"
OPEN_FOR_SHIPPING = ("Unshipped", "PartiallyShipped")
ENVELOPE_ERROR = "5001"  # "The XML you submitted is ill-formed ..." (*unverified* code)
MESSAGE_ERROR = "18028"  # "The data you submitted is incomplete or invalid" (*unverified*)
IN_FLIGHT = ("IN_QUEUE", "IN_PROGRESS")


class MessageRefused(Exception):
    """One message cannot be applied; the text goes into the processing report."""


def _text(element: ET.Element | None, tag: str) -> str | None:
    value = element.findtext(tag) if element is not None else None
    return value.strip() if value and value.strip() else None


def envelope_problem(root: ET.Element, seller_id: str) -> str | None:
    if root.tag != "AmazonEnvelope":
        return f"root element is {root.tag}, not AmazonEnvelope"
    if _text(root, "Header/MerchantIdentifier") != seller_id:
        return "Header/MerchantIdentifier does not match the seller"
    if not _text(root, "Header/DocumentVersion"):
        return "Header/DocumentVersion is required"
    if _text(root, "MessageType") != "OrderFulfillment":
        return f"MessageType {_text(root, 'MessageType')!r} is not OrderFulfillment"
    if not root.findall("Message"):
        return "the envelope has no Message"
    return None


def _lines(record: OrderRecord, body: ET.Element) -> list[dict[str, Any]]:
    items = {i["OrderItemId"]: i for i in record.items}
    wanted: dict[str, int] = {}
    for element in body.findall("Item"):
        code = _text(element, "AmazonOrderItemCode")
        item = items.get(code or "")
        if item is None:
            raise MessageRefused(f"AmazonOrderItemCode {code!r} is not an item of order "
                                 f"{record.order_id}")
        left = item["QuantityOrdered"] - item["QuantityShipped"] - wanted.get(code, 0)
        text = _text(element, "Quantity")
        if text is not None and (not text.isdigit() or int(text) < 1):
            raise MessageRefused(f"Quantity {text!r} of item {code} must be a positive number")
        quantity = int(text) if text is not None else left
        if quantity > left or quantity < 1:
            raise MessageRefused(f"item {code}: {quantity} would ship more than ordered "
                                 f"({left} left)")
        wanted[code] = wanted.get(code, 0) + quantity  # type: ignore[index]
    if not body.findall("Item"):
        wanted = {i["OrderItemId"]: i["QuantityOrdered"] - i["QuantityShipped"]
                  for i in record.items if i["QuantityOrdered"] > i["QuantityShipped"]}
    return [{"orderItemId": code, "quantity": n} for code, n in wanted.items()]


def _package(body: ET.Element) -> dict[str, Any]:
    date = _text(body, "FulfillmentDate")
    try:
        moment = datetime.fromisoformat((date or "").replace("Z", "+00:00"))
    except ValueError:
        raise MessageRefused(f"FulfillmentDate {date!r} is not an xsd:dateTime") from None
    data = body.find("FulfillmentData")
    code, name = _text(data, "CarrierCode"), _text(data, "CarrierName")
    if data is not None and bool(code) == bool(name):
        raise MessageRefused("FulfillmentData needs exactly one of CarrierCode and CarrierName")
    reference = _text(body, "MerchantFulfillmentID")
    if reference is not None and not reference.isdigit():
        raise MessageRefused(f"MerchantFulfillmentID {reference!r} must be a number")
    return {"packageReferenceId": reference, "carrierCode": code, "carrierName": name,
            "shippingMethod": _text(data, "ShippingMethod"),
            "trackingNumber": _text(data, "ShipperTrackingNumber"),
            "shipDate": (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(
                UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _fulfil(state: AmazonState, feed: Feed, message: ET.Element) -> str | None:
    """Apply one message; the AmazonOrderID it names. MessageRefused when it cannot."""
    body = message.find("OrderFulfillment")
    if body is None:
        raise MessageRefused("the message has no OrderFulfillment")
    order_id = _text(body, "AmazonOrderID")
    if order_id is None:
        raise MessageRefused("AmazonOrderID is required (the twin does not know "
                             "MerchantOrderID)")
    record = state.orders.get(order_id)
    if record is None:
        raise MessageRefused(f"order {order_id} was not found")
    if record.status not in OPEN_FOR_SHIPPING:
        raise MessageRefused(f"order {order_id} is {record.status}; it cannot be shipped")
    package = _package(body)
    lines = _lines(record, body)
    if not lines:
        raise MessageRefused(f"order {order_id} has nothing left to ship")
    state.ship(record, {**package, "orderItems": lines}, via=FULFILLMENT_FEED,
               feed_id=feed.feed_id)
    return order_id


def apply_fulfillment_feed(state: AmazonState, feed: Feed, content: bytes | None) -> None:
    """Process a fulfillment feed document: ship what it confirms, write the report."""
    errors: list[tuple[str, str, str, str | None]] = []  # (MessageID, code, text, order)
    processed = 0
    try:
        root = ET.fromstring(content or b"")
    except ET.ParseError as exc:
        line, column = exc.position
        errors.append(("0", ENVELOPE_ERROR, "The XML you submitted is ill-formed at the "
                       f"Amazon Envelope XML level at (or near) line {line}, column {column}.",
                       None))
    else:
        problem = envelope_problem(root, state.seller_id)
        if problem:
            errors.append(("0", ENVELOPE_ERROR, problem, None))
        for message in [] if problem else root.findall("Message"):
            processed += 1
            message_id = _text(message, "MessageID") or "0"
            try:
                _fulfil(state, feed, message)
            except MessageRefused as refused:
                errors.append((message_id, MESSAGE_ERROR, str(refused),
                               _text(message, "OrderFulfillment/AmazonOrderID")))
    feed.status = "DONE"
    doc_id = state.new_document(REPORT_CONTENT_TYPE)
    state.documents[doc_id]["content"] = processing_report(
        state.seller_id, feed.feed_id, processed, errors)
    feed.result_document_id = doc_id


def processing_report(seller_id: str, feed_id: str, processed: int,
                      errors: list[tuple[str, str, str, str | None]]) -> bytes:
    """The XML ProcessingReport: summary counts and one Result per error."""
    root = ET.Element("AmazonEnvelope")
    header = ET.SubElement(root, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.02"
    ET.SubElement(header, "MerchantIdentifier").text = seller_id
    ET.SubElement(root, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(root, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = feed_id
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    failed = len({e[0] for e in errors if e[0] != "0"})
    for tag, value in (("MessagesProcessed", processed),
                       ("MessagesSuccessful", processed - failed),
                       ("MessagesWithError", failed if processed else len(errors)),
                       ("MessagesWithWarning", 0)):
        ET.SubElement(summary, tag).text = str(value)
    for message_id, code, text, order_id in errors:
        result = ET.SubElement(report, "Result")
        ET.SubElement(result, "MessageID").text = message_id
        ET.SubElement(result, "ResultCode").text = "Error"
        ET.SubElement(result, "ResultMessageCode").text = code
        ET.SubElement(result, "ResultDescription").text = text
        if order_id:
            info = ET.SubElement(result, "AdditionalInfo")
            ET.SubElement(info, "AmazonOrderID").text = order_id
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def tick(state: AmazonState) -> None:
    """Background processing: every queued fulfillment feed moves one step."""
    for feed in list(state.feeds.values()):
        if feed.feed_type == FULFILLMENT_FEED and feed.status in IN_FLIGHT:
            state.poll(feed)


def finish(state: AmazonState) -> None:
    """Process every queued fulfillment feed to its end (time passes)."""
    for feed in list(state.feeds.values()):
        while feed.feed_type == FULFILLMENT_FEED and feed.status in IN_FLIGHT:
            state.poll(feed)


class FulfillmentControls:
    """The truth about shipment confirmations, for tests and the demo checker. A mixin of
    ``AmazonTwin`` (needs ``state``)."""

    state: AmazonState

    def confirmations_of(self, order_id: str | None = None) -> list[dict[str, Any]]:
        """Confirmations Amazon applied (all, or one order's), oldest first: ``via`` is
        ``confirmShipment`` or ``POST_ORDER_FULFILLMENT_DATA``."""
        with self.state.lock:
            return [dict(c) for c in self.state.confirmations
                    if order_id is None or c["AmazonOrderId"] == order_id]

    def process_feeds(self) -> None:
        """Let Amazon finish every queued order fulfillment feed."""
        with self.state.lock:
            finish(self.state)

    def _fulfillment_routes(self) -> list[tuple[str, Any, list[str]]]:
        return [("/_sandbox/amazon/confirmations", self._ctl_confirmations, ["GET"])]

    async def _ctl_confirmations(self, request: Request) -> Response:
        order_id = request.query_params.get("AmazonOrderId")
        return JSONResponse({"confirmations": self.confirmations_of(order_id)})
