"""Shipment confirmation without a tracking number: the order fulfillment feed.

confirmShipment (Orders v0, specs/amazon-sp-api/ordersV0.json ``PackageDetail``) requires a
``trackingNumber``; a seller who ships without one confirms the order with a
``POST_ORDER_FULFILLMENT_DATA`` feed instead. The Feeds API calls (createFeedDocument, upload
to the presigned url, createFeed, getFeed, getFeeds, getFeedDocument) are in
specs/amazon-sp-api/feeds_2021-06-30.json, where ``feedType`` is a free string; the feed's
content, an ``AmazonEnvelope`` of ``OrderFulfillment`` messages, and its XML processing report
are *not* in the stored specs: they follow Amazon's ``OrderFulfillment.xsd`` (release_1_9: a
choice of AmazonOrderID/MerchantOrderID, optional MerchantFulfillmentID, FulfillmentDate,
optional FulfillmentData = CarrierCode|CarrierName + optional ShippingMethod and
ShipperTrackingNumber, Items of AmazonOrderItemCode + Quantity) and ``amzn-envelope.xsd``
(*unverified* here: kept in the constants and builders of this module).

Exactly once: one feed per order (the loop hands the connector one order at a time and
records one receipt per order, so a shared feed would not fit it cleanly); ``createFeed`` is not
idempotent and getFeed's ``Feed`` does not name its input document, so after a lost answer
or a crash the reconciliation (``fulfillment_in_flight``) waits until no fulfillment feed that
may be the order's (any but this connector's own feeds for other orders) is still queued or
processing; then the order's status says whether it shipped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ordersync.connectors.amazon.feeds import FEEDS
from ordersync.connectors.amazon.mapping import OTHER_CARRIER, package_reference
from ordersync.http import ApiClient, RetriableError, UncertainWrite
from ordersync.http.paging import Page, paginate
from ordersync.orders import ProcessResult, Shipment

FULFILLMENT_FEED_TYPE = "POST_ORDER_FULFILLMENT_DATA"
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
DOCUMENT_VERSION = "1.01"  # amzn-envelope.xsd Header/DocumentVersion (*unverified*)
IN_FLIGHT = ("IN_QUEUE", "IN_PROGRESS")
FEED_LOOKBACK = timedelta(days=30)
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


class FeedInFlight(RetriableError):
    """A fulfillment feed that may concern the order is still being processed: look again
    later instead of writing again."""


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def fulfillment_feed(seller_id: str, order_id: str, shipment: Shipment) -> bytes:
    """A POST_ORDER_FULFILLMENT_DATA document: one OrderFulfillment message for the order,
    its lines as Items; FulfillmentData only when a carrier is known."""
    if not shipment.lines:
        raise ValueError(f"Amazon order {order_id}: shipment without lines")
    root = ET.Element("AmazonEnvelope", {f"{{{_XSI}}}noNamespaceSchemaLocation":
                                         "amzn-envelope.xsd"})
    header = _sub(root, "Header")
    _sub(header, "DocumentVersion", DOCUMENT_VERSION)
    _sub(header, "MerchantIdentifier", seller_id)
    _sub(root, "MessageType", "OrderFulfillment")
    message = _sub(root, "Message")
    _sub(message, "MessageID", "1")
    body = _sub(message, "OrderFulfillment")
    _sub(body, "AmazonOrderID", order_id)
    _sub(body, "MerchantFulfillmentID", package_reference(order_id, shipment))
    _sub(body, "FulfillmentDate",
         shipment.shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    code, name = shipment.carrier_code, shipment.carrier_name
    if (code and code != OTHER_CARRIER) or name or shipment.tracking_number:
        data = _sub(body, "FulfillmentData")
        if code and code != OTHER_CARRIER:
            _sub(data, "CarrierCode", code)
        else:
            _sub(data, "CarrierName", name or OTHER_CARRIER)
        if shipment.tracking_number:
            _sub(data, "ShipperTrackingNumber", shipment.tracking_number)
    for line in shipment.lines:
        item = _sub(body, "Item")
        _sub(item, "AmazonOrderItemCode", line.line_id)
        _sub(item, "Quantity", str(line.quantity))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def report_errors(report: bytes) -> dict[str, str]:
    """MessageID -> "code: description" of every Error Result in an XML processing report
    (MessageID "0" for errors about the whole document). ValueError when unreadable."""
    try:
        root = ET.fromstring(report)
    except ET.ParseError as exc:
        raise ValueError(f"processing report is not XML: {exc}") from None
    if root.find("Message/ProcessingReport") is None:
        raise ValueError("processing report has no ProcessingReport")
    errors: dict[str, str] = {}
    for result in root.iterfind("Message/ProcessingReport/Result"):
        if (result.findtext("ResultCode") or "").strip() != "Error":
            continue
        message_id = (result.findtext("MessageID") or "0").strip()
        text = (f"{(result.findtext('ResultMessageCode') or '').strip()}: "
                f"{(result.findtext('ResultDescription') or '').strip()}")
        errors[message_id] = f"{errors[message_id]}; {text}" if message_id in errors else text
    return errors


class FulfillmentOps:
    """Needs ``client``, ``_uploads``, ``_call``, ``_iso``, ``_now``, ``platform``,
    ``seller_id``, ``marketplace_id`` (from AmazonConnector)."""

    platform: str
    seller_id: str
    marketplace_id: str
    client: ApiClient
    _uploads: ApiClient
    _call: Callable[..., dict[str, Any]]
    _iso: Callable[[datetime], str]
    _now: Callable[[], datetime]
    _own_feeds: dict[str, str]  # feedId -> AmazonOrderId of the feeds this instance sent
    document_content: Callable[[str], bytes]

    def submit_fulfillment(self, order_id: str, shipment: Shipment) -> str:
        """createFeedDocument, upload, createFeed of the order's fulfillment feed; the feedId.
        A lost createFeed answer raises UncertainWrite (reconcile with ``is_shipped``)."""
        content = fulfillment_feed(self.seller_id, order_id, shipment)
        created = self._call("POST", f"{FEEDS}/documents",
                             body={"contentType": XML_CONTENT_TYPE})
        doc_id, url = created.get("feedDocumentId"), created.get("url")
        if not doc_id or not url:
            raise RetriableError("createFeedDocument: no feedDocumentId/url",
                                 platform=self.platform)
        self._uploads.request("PUT", str(url), content=content,
                              headers={"Content-Type": XML_CONTENT_TYPE}, idempotent=True)
        feed = self._call("POST", f"{FEEDS}/feeds", body={
            "feedType": FULFILLMENT_FEED_TYPE, "marketplaceIds": [self.marketplace_id],
            "inputFeedDocumentId": str(doc_id)})
        if not feed.get("feedId"):
            raise UncertainWrite("createFeed: no feedId", platform=self.platform)
        self._own_feeds[str(feed["feedId"])] = order_id
        return str(feed["feedId"])

    def fulfillment_in_flight(self, order_id: str) -> list[str]:
        """Ids of fulfillment feeds still IN_QUEUE/IN_PROGRESS (getFeeds) that may concern
        the order: all but those this connector submitted itself for other orders."""
        params: dict[str, Any] = {
            "feedTypes": FULFILLMENT_FEED_TYPE, "marketplaceIds": self.marketplace_id,
            "processingStatuses": ",".join(IN_FLIGHT),
            "createdSince": self._iso(self._now() - FEED_LOOKBACK), "pageSize": 100}

        def fetch(token: str | None) -> Page[dict[str, Any], str]:
            query = params if token is None else {"nextToken": token}
            answer = self._call("GET", f"{FEEDS}/feeds", params=query)
            return Page([f for f in answer.get("feeds") or [] if isinstance(f, dict)],
                        answer.get("nextToken") or None)

        return [str(f.get("feedId"))
                for page in paginate(fetch, None, platform=self.platform, listing="getFeeds")
                for f in page
                if f.get("processingStatus") in IN_FLIGHT
                and self._own_feeds.get(str(f.get("feedId")), order_id) == order_id]

    def fulfillment_result(self, feed: Mapping[str, Any]) -> ProcessResult:
        """A fulfillment feed -> pending while queued/processing; success when DONE and its
        processing report lists no error; failure with the report's messages otherwise."""
        status = str(feed.get("processingStatus", ""))
        if status in IN_FLIGHT or not status:
            return ProcessResult("pending")
        what = f"fulfillment feed {feed.get('feedId')}"
        errors: dict[str, str] = {}
        doc_id = feed.get("resultFeedDocumentId")
        if doc_id:
            try:
                errors = report_errors(self.document_content(str(doc_id)))
            except ValueError as exc:
                return ProcessResult("failure", f"{what} {status}: {exc}")
        if status == "DONE" and not errors:
            return ProcessResult("success")
        detail = "; ".join(errors.values()) or "no processing report"
        return ProcessResult("failure", f"{what} {status}: {detail}")
