"""In-memory state of the Amazon twin: orders, listings, feed documents and feeds, and the
ledger of shipment confirmations (``confirmations``: how each order was confirmed)."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordersync.sandbox.amazon.fulfillment import FULFILLMENT_FEED, apply_fulfillment_feed

PLACEHOLDER_EMAIL = "pending-order@marketplace.amazon.invalid"
DEFAULT_ADDRESS = {"Name": "Jan de Vries", "AddressLine1": "Kerkstraat 12 A",
                   "City": "Utrecht", "PostalCode": "3511 AB", "CountryCode": "NL",
                   "Phone": "+31 30 123 4567", "AddressType": "Residential"}
FEED_STATES = ("IN_QUEUE", "IN_PROGRESS")  # over the first polls; then DONE (or FATAL)
LISTINGS_FEED = "JSON_LISTINGS_FEED"
VIA_API = "confirmShipment"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": f"{amount:.2f}"}


@dataclass
class OrderRecord:
    order_id: str
    marketplace_id: str
    purchased: datetime
    updated: datetime
    status: str
    currency: str
    address: dict[str, Any]
    email: str
    items: list[dict[str, Any]]  # {OrderItemId, ASIN, SellerSKU, Title, QuantityOrdered,
    #                               QuantityShipped, unit (Decimal)}
    shipments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return self.status == "Pending"

    def public(self) -> dict[str, Any]:
        """The Order JSON as getOrders/getOrder return it."""
        shipped = sum(i["QuantityShipped"] for i in self.items)
        ordered = sum(i["QuantityOrdered"] for i in self.items)
        order: dict[str, Any] = {
            "AmazonOrderId": self.order_id,
            "PurchaseDate": iso(self.purchased),
            "LastUpdateDate": iso(self.updated),
            "OrderStatus": self.status,
            "FulfillmentChannel": "MFN",
            "SalesChannel": "Amazon.nl",
            "ShipServiceLevel": "Std NL Dom_1",
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": 0 if self.status == "Canceled" else ordered - shipped,
            "PaymentMethod": "Other",
            "MarketplaceId": self.marketplace_id,
            "ShipmentServiceLevelCategory": "Standard",
            "OrderType": "StandardOrder",
            "IsBusinessOrder": False,
            "IsPrime": False,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "BuyerInfo": {"BuyerEmail": PLACEHOLDER_EMAIL if self.pending else self.email},
        }
        if not self.pending:
            total = sum((i["unit"] * i["QuantityOrdered"] for i in self.items), Decimal("0"))
            order["OrderTotal"] = money(total, self.currency)
            if self.status != "Canceled":
                order["ShippingAddress"] = dict(self.address)
        return order

    def public_items(self) -> list[dict[str, Any]]:
        out = []
        for item in self.items:
            row = {k: v for k, v in item.items() if k != "unit"}
            row.update(IsGift="false", ConditionId="New", IsTransparency=False,
                       SerialNumberRequired=False, ProductInfo={"NumberOfItems": "1"})
            if not self.pending:
                row["ItemPrice"] = money(item["unit"] * item["QuantityOrdered"], self.currency)
                row["ItemTax"] = money(Decimal("0"), self.currency)
            out.append(row)
        return out


@dataclass
class Feed:
    feed_id: str
    document_id: str
    marketplace_ids: list[str]
    created: datetime
    polls: int = 0
    status: str = "IN_QUEUE"
    started: datetime | None = None
    ended: datetime | None = None
    errors: list[str] = field(default_factory=list)
    result_document_id: str | None = None  # the processing report, once DONE or FATAL
    feed_type: str = LISTINGS_FEED

    def public(self) -> dict[str, Any]:
        body: dict[str, Any] = {"feedId": self.feed_id, "feedType": self.feed_type,
                                "marketplaceIds": self.marketplace_ids,
                                "createdTime": iso(self.created),
                                "processingStatus": self.status}
        if self.started:
            body["processingStartTime"] = iso(self.started)
        if self.ended:
            body["processingEndTime"] = iso(self.ended)
        if self.result_document_id:
            body["resultFeedDocumentId"] = self.result_document_id
        return body


class AmazonState:
    """Everything the twin holds; methods are called under ``lock``."""

    def __init__(self, *, now: Callable[[], datetime], seller_id: str, marketplace_id: str,
                 feed_delay_polls: int = 2) -> None:
        self.now, self.seller_id, self.marketplace_id = now, seller_id, marketplace_id
        self.feed_delay_polls = feed_delay_polls
        self.lock = threading.RLock()
        self.orders: dict[str, OrderRecord] = {}
        self.listings: dict[str, dict[str, Any]] = {}  # sku -> {quantity, productType}
        self.documents: dict[str, dict[str, Any]] = {}  # id -> {contentType, content}
        self.feeds: dict[str, Feed] = {}
        self.page_tokens: dict[str, tuple[list[str], int]] = {}
        self.refused_skus: set[str] = set()  # feed messages for these SKUs get an ERROR issue
        self.confirmations: list[dict[str, Any]] = []  # every accepted shipment confirmation
        self._ids = itertools.count(1)

    def _next(self) -> int:
        return next(self._ids)

    # -- orders -----------------------------------------------------------------------

    def place_order(self, spec: dict[str, Any]) -> OrderRecord:
        n = self._next()
        order_id = spec.get("AmazonOrderId") or f"402-{n:07d}-{(n * 7919) % 10**7:07d}"
        if order_id in self.orders:
            raise ValueError(f"order {order_id} exists")
        items = []
        for i, raw in enumerate(spec.get("items") or [{}]):
            quantity = int(raw.get("quantity", 1))
            if quantity < 1:
                raise ValueError("quantity must be >= 1")
            sku = raw.get("sku", "SANDBOX-MUG")
            items.append({
                "ASIN": raw.get("asin", "B000SANDBOX"),
                "SellerSKU": sku,
                "OrderItemId": raw.get("orderItemId") or f"{n:08d}{i + 1:06d}",
                "Title": raw.get("title", "Sandbox mug"),
                "QuantityOrdered": quantity,
                "QuantityShipped": 0,
                "unit": Decimal(str(raw.get("unitPrice", "12.99"))),
            })
            if sku in self.listings:  # Amazon books the ordered quantity off at once
                listing = self.listings[sku]
                listing["quantity"] = max(0, listing["quantity"] - quantity)
        now = self.now()
        placed = spec.get("PurchaseDate")
        record = OrderRecord(
            order_id=order_id, marketplace_id=self.marketplace_id,
            purchased=datetime.fromisoformat(placed.replace("Z", "+00:00")) if placed else now,
            updated=now, status="Pending" if spec.get("pending") else "Unshipped",
            currency=spec.get("currency", "EUR"),
            address={**DEFAULT_ADDRESS, **(spec.get("address") or {})},
            email=spec.get("email", f"buyer{n}@marketplace.amazon.nl"), items=items,
        )
        self.orders[order_id] = record
        return record

    def _touch(self, record: OrderRecord) -> None:
        record.updated = self.now()

    def pay(self, order_id: str) -> OrderRecord:
        record = self.orders[order_id]
        if record.status != "Pending":
            raise ValueError(f"order {order_id} is {record.status}, not Pending")
        record.status = "Unshipped"
        self._touch(record)
        return record

    def fraud_cancel(self, order_id: str) -> OrderRecord:
        record = self.orders[order_id]
        if record.status != "Pending":
            raise ValueError(f"order {order_id} is {record.status}, not Pending")
        record.status = "Canceled"
        for item in record.items:
            listing = self.listings.get(item["SellerSKU"])
            if listing is not None:
                listing["quantity"] += item["QuantityOrdered"]
        self._touch(record)
        return record

    def buyer_cancel(self, order_id: str) -> OrderRecord:
        """The buyer cancels before the seller shipped (Amazon cancels the order at once):
        Unshipped -> Canceled, quantity back on the listing."""
        record = self.orders[order_id]
        if record.status != "Unshipped":
            raise ValueError(f"order {order_id} is {record.status}, not Unshipped")
        record.status = "Canceled"
        for item in record.items:
            listing = self.listings.get(item["SellerSKU"])
            if listing is not None:
                listing["quantity"] += item["QuantityOrdered"]
        self._touch(record)
        return record

    def request_cancellation(self, order_id: str, item_ids: list[str] | None = None,
                             reason: str = "Ordered by mistake") -> OrderRecord:
        """The buyer asks the seller to cancel (``BuyerRequestedCancel`` on the items, all or
        the listed ones); the order stays Unshipped until the seller acts."""
        record = self.orders[order_id]
        if record.status not in ("Unshipped", "PartiallyShipped"):
            raise ValueError(f"order {order_id} is {record.status}: nothing to cancel")
        for item in record.items:
            if not item_ids or item["OrderItemId"] in item_ids:
                item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true",
                                                "BuyerCancelReason": reason}
        self._touch(record)
        return record

    def ship(self, record: OrderRecord, detail: dict[str, Any], *, via: str = VIA_API,
             feed_id: str | None = None) -> None:
        """Ship the package ``detail`` (a confirmShipment PackageDetail, or the same fields
        read from a fulfillment feed message) and record the confirmation in the ledger."""
        fields = {key: detail.get(key) for key in (
            "packageReferenceId", "carrierCode", "carrierName", "shippingMethod",
            "trackingNumber", "shipDate")}
        for line in detail["orderItems"]:
            item = next(i for i in record.items if i["OrderItemId"] == line["orderItemId"])
            item["QuantityShipped"] += line["quantity"]
            record.shipments.append({**fields, "orderItemId": line["orderItemId"],
                                     "quantity": line["quantity"], "via": via})
        self.confirmations.append({
            "AmazonOrderId": record.order_id, "via": via, "feedId": feed_id, **fields,
            "orderItems": [dict(line) for line in detail["orderItems"]]})
        done = all(i["QuantityShipped"] >= i["QuantityOrdered"] for i in record.items)
        record.status = "Shipped" if done else "PartiallyShipped"
        self._touch(record)

    def new_page_token(self, ids: list[str], offset: int) -> str:
        token = f"nt-{self._next()}-{offset}"
        self.page_tokens[token] = (ids, offset)
        return token

    # -- listings and feeds -----------------------------------------------------------

    def set_quantity(self, sku: str, quantity: int, product_type: str = "PRODUCT") -> None:
        listing = self.listings.setdefault(sku, {"productType": product_type, "quantity": 0})
        listing["quantity"] = quantity

    def new_document(self, content_type: str) -> str:
        doc_id = f"amzn1.tortuga.4.eu.{self._next():08d}"
        self.documents[doc_id] = {"contentType": content_type, "content": None}
        return doc_id

    def new_feed(self, document_id: str, marketplace_ids: list[str],
                 feed_type: str = LISTINGS_FEED) -> Feed:
        feed = Feed(str(50000 + self._next()), document_id, marketplace_ids, self.now(),
                    feed_type=feed_type)
        self.feeds[feed.feed_id] = feed
        return feed

    def poll(self, feed: Feed) -> Feed:
        """Each poll moves the feed on: IN_QUEUE, IN_PROGRESS, ..., then DONE (applied)."""
        if feed.status in ("DONE", "FATAL", "CANCELLED"):
            return feed
        feed.polls += 1
        if feed.polls <= self.feed_delay_polls:
            feed.status = FEED_STATES[min(feed.polls - 1, len(FEED_STATES) - 1)]
            if feed.status == "IN_PROGRESS":
                feed.started = feed.started or self.now()
            return feed
        feed.started = feed.started or self.now()
        self._apply(feed)
        feed.ended = self.now()
        return feed

    def _apply(self, feed: Feed) -> None:
        content = self.documents.get(feed.document_id, {}).get("content")
        if feed.feed_type == FULFILLMENT_FEED:
            apply_fulfillment_feed(self, feed, content)
            return
        try:
            document = json.loads(content or b"")
            header, messages = document["header"], document["messages"]
            if header.get("sellerId") != self.seller_id or header.get("version") != "2.0":
                raise ValueError("header sellerId/version wrong")
        except (ValueError, KeyError, TypeError) as exc:
            feed.status, feed.errors = "FATAL", [f"feed document unreadable: {exc}"]
            self._report(feed, [{"code": "FATAL", "severity": "ERROR",
                                 "message": feed.errors[0]}], 0)
            return
        issues = []
        for message in messages:
            problem = self._message_problem(message)
            if problem:
                issues.append({"messageId": message.get("messageId") if isinstance(
                    message, dict) else None, "code": "4000001", "severity": "ERROR",
                    "message": problem})
                continue
            for patch in message.get("patches") or []:
                if patch.get("path") != "/attributes/fulfillment_availability":
                    continue
                for value in patch.get("value") or []:
                    if isinstance(value.get("quantity"), int):
                        self.set_quantity(message["sku"], value["quantity"],
                                          message.get("productType", "PRODUCT"))
        feed.status = "DONE"
        self._report(feed, issues, len(messages))

    def _message_problem(self, message: Any) -> str | None:
        if not isinstance(message, dict) or not isinstance(message.get("sku"), str):
            return "message has no sku"
        if message.get("operationType") not in ("PATCH", "PARTIAL_UPDATE"):
            return f"operationType {message.get('operationType')!r} is not supported here"
        if message["sku"] in self.refused_skus:
            return f"SKU {message['sku']} cannot be updated in this marketplace"
        for patch in message.get("patches") or []:
            for value in (patch.get("value") or []) if isinstance(patch, dict) else []:
                quantity = value.get("quantity") if isinstance(value, dict) else None
                if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                    return "quantity must be a whole number >= 0"
        return None

    def _report(self, feed: Feed, issues: list[dict[str, Any]], processed: int) -> None:
        """The processing report (JSON listings feed) as the feed's result document."""
        invalid = len({i.get("messageId") for i in issues if i.get("messageId") is not None})
        report = {"header": {"sellerId": self.seller_id, "version": "2.0",
                             "feedId": feed.feed_id},
                  "issues": issues,
                  "summary": {"errors": len(issues), "warnings": 0,
                              "messagesProcessed": processed,
                              "messagesAccepted": processed - invalid,
                              "messagesInvalid": invalid}}
        doc_id = self.new_document("application/json")
        self.documents[doc_id]["content"] = json.dumps(report).encode()
        feed.result_document_id = doc_id
