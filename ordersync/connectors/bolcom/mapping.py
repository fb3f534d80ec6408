"""bol.com Retailer API v10 JSON <-> domain objects. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordersync.connectors.parsing import MappingError, money_value, parse_moment, within_limits
from ordersync.connectors.parsing import text as _text
from ordersync.orders import (
    Address,
    ErrorReason,
    MarketplaceCancellation,
    MarketplaceOrder,
    OrderLine,
    ProcessResult,
    Quarantined,
    Shipment,
)
from ordersync.orders.limits import printable

PLATFORM = "bolcom"
CURRENCY = "EUR"  # bol.com sells in euros only
MAX_SHIPMENT_ITEMS = 100  # ShipmentRequest.orderItems maxItems
REQUIRED_ADDRESS = ("streetName", "houseNumber", "zipCode", "city", "countryCode")
CANCEL_REASONS = frozenset({
    "OUT_OF_STOCK", "REQUESTED_BY_CUSTOMER", "BAD_CONDITION", "HIGHER_SHIPCOST",
    "INCORRECT_PRICE", "NOT_AVAIL_IN_TIME", "NO_BOL_GUARANTEE", "ORDERED_TWICE", "RETAIN_ITEM",
    "TECH_ISSUE", "UNFINDABLE_ITEM", "OTHER",
})
_REASON_WORDS = (  # first match wins
    (("customer", "buyer", "request"), "REQUESTED_BY_CUSTOMER"),
    (("stock", "sold out", "unavailable"), "OUT_OF_STOCK"),
    (("twice", "duplicate"), "ORDERED_TWICE"),
    (("price",), "INCORRECT_PRICE"),
    (("shipping cost", "shipcost"), "HIGHER_SHIPCOST"),
    (("condition", "damaged", "broken"), "BAD_CONDITION"),
    (("in time", "late", "delay"), "NOT_AVAIL_IN_TIME"),
    (("find", "lost"), "UNFINDABLE_ITEM"),
    (("technical", "error"), "TECH_ISSUE"),
)
_PROCESS_STATES = {"PENDING": "pending", "SUCCESS": "success", "FAILURE": "failure",
                   "TIMEOUT": "failure"}




def parse_address(data: Any, what: str) -> Address:
    """shipmentDetails / billingDetails -> Address; ADDRESS_PARSING when incomplete."""
    if not isinstance(data, Mapping):
        raise MappingError(ErrorReason.ADDRESS_PARSING, f"{what} missing")
    missing = [key for key in REQUIRED_ADDRESS if not _text(data.get(key))]
    if not (_text(data.get("surname")) or _text(data.get("company"))):
        missing.append("surname")
    if missing:
        raise MappingError(
            ErrorReason.ADDRESS_PARSING, f"{what} lacks {', '.join(missing)}"
        )
    country = _text(data.get("countryCode")) or ""
    if len(country) != 2 or not country.isalpha():
        raise MappingError(ErrorReason.ADDRESS_PARSING, f"{what}.countryCode {country!r} invalid")
    return Address(
        first_name=_text(data.get("firstName")),
        last_name=_text(data.get("surname")),
        company=_text(data.get("company")),
        street=_text(data.get("streetName")),
        house_number=_text(data.get("houseNumber")),
        house_number_extension=_text(data.get("houseNumberExtension")),
        extra_address_info=_text(data.get("extraAddressInformation")),
        postal_code=_text(data.get("zipCode")),
        city=_text(data.get("city")),
        country=country.upper(),
        email=_text(data.get("email")),
        phone=_text(data.get("deliveryPhoneNumber")),
    )


def parse_price(value: Any, what: str) -> Decimal:
    """A JSON number -> Decimal with cents; PRICING when absent, not a number or negative,
    VALUE_LIMIT when beyond what the store holds."""
    return money_value(value, what)


def parse_datetime(value: Any, what: str) -> datetime:
    """ISO 8601 with offset -> aware UTC datetime (a naive value is taken as UTC)."""
    if not isinstance(value, str):
        raise MappingError(ErrorReason.VALIDATION, f"{what} missing")
    return parse_moment(value, what)


def _int(value: Any, what: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MappingError(ErrorReason.VALIDATION, f"{what} {value!r} is not a quantity")
    return value


def parse_line(item: Any, index: int) -> OrderLine | None:
    """One OrderOrderItem -> OrderLine (None when nothing is left after cancellations)."""
    what = f"orderItems[{index}]"
    if not isinstance(item, Mapping):
        raise MappingError(ErrorReason.VALIDATION, f"{what} is not an object")
    line_id = _text(item.get("orderItemId"))
    if not line_id:
        raise MappingError(ErrorReason.VALIDATION, f"{what}.orderItemId missing")
    quantity = _int(item.get("quantity"), f"{what}.quantity")
    cancelled = _int(item.get("quantityCancelled"), f"{what}.quantityCancelled", 0)
    left = quantity - cancelled
    if left <= 0:
        return None
    product = item.get("product") if isinstance(item.get("product"), Mapping) else {}
    offer = item.get("offer") if isinstance(item.get("offer"), Mapping) else {}
    return OrderLine(
        line_id=line_id,
        quantity=left,
        unit_price=parse_price(item.get("unitPrice"), f"{what}.unitPrice"),
        sku=_text(offer.get("reference")),
        ean=_text(product.get("ean")) or _text(item.get("ean")),
        title=_text(product.get("title")),
        offer_id=_text(offer.get("offerId")),
    )


def to_order(data: Mapping[str, Any], account: str,
             placed_fallback: str | None = None) -> MarketplaceOrder:
    """An ``Order`` (GET /retailer/orders/{id}) -> MarketplaceOrder, or MappingError."""
    order_id = _text(data.get("orderId"))
    if not order_id:
        raise MappingError(ErrorReason.VALIDATION, "orderId missing")
    items = data.get("orderItems")
    if not isinstance(items, list) or not items:
        raise MappingError(ErrorReason.VALIDATION, "order has no orderItems")
    lines = tuple(line for i, item in enumerate(items) if (line := parse_line(item, i)))
    if not lines:
        raise MappingError(ErrorReason.VALIDATION, "every order item is cancelled")
    billing = data.get("billingDetails")
    return within_limits(MarketplaceOrder(
        platform=PLATFORM,
        account=account,
        external_id=order_id,
        placed_at=parse_datetime(
            data.get("orderPlacedDateTime") or placed_fallback, "orderPlacedDateTime"
        ),
        currency=CURRENCY,
        lines=lines,
        shipping_address=parse_address(data.get("shipmentDetails"), "shipmentDetails"),
        billing_address=parse_address(billing, "billingDetails") if billing else None,
        cancellation_requested=any(
            isinstance(item, Mapping) and item.get("cancellationRequest") is True
            for item in items
        ),
    ))


def order_or_quarantine(data: Any, account: str, order_id: str | None = None,
                        placed_fallback: str | None = None) -> MarketplaceOrder | Quarantined:
    """Map, turning any mapping problem into a Quarantined record (never raises)."""
    raw = data if isinstance(data, Mapping) else {"payload": data}
    try:
        if not isinstance(data, Mapping):
            raise MappingError(ErrorReason.VALIDATION, "order payload is not an object")
        return to_order(data, account, placed_fallback)
    except MappingError as exc:
        reason, problem = exc.reason, str(exc)
    except Exception as exc:  # one odd payload must never stop the page
        reason, problem = ErrorReason.VALIDATION, f"unreadable ({type(exc).__name__}: {exc})"
    ext = _text(raw.get("orderId")) or order_id
    return Quarantined(ext, reason, printable(f"bol.com order {ext}: {problem}"), dict(raw))


def has_cancellation_request(order: Mapping[str, Any]) -> bool:
    items = order.get("orderItems") or []
    return any(isinstance(i, Mapping) and i.get("cancellationRequest") is True for i in items)


def cancellations_of(order: Mapping[str, Any]) -> list[MarketplaceCancellation]:
    """What bol.com cancelled of an order (``quantityCancelled``) and what its buyer asked to
    cancel (``cancellationRequest`` on an item with open units), from an Order or a
    ReducedOrder: at most one of each kind."""
    order_id = _text(order.get("orderId"))
    if not order_id:
        return []
    done: list[tuple[str, int]] = []
    asked: list[tuple[str, int]] = []
    for item in items_of(order):
        line_id = _text(item.get("orderItemId"))
        quantity = item.get("quantity")
        if not line_id or isinstance(quantity, bool) or not isinstance(quantity, int):
            continue
        cancelled = item.get("quantityCancelled") or 0
        shipped = item.get("quantityShipped") or 0
        if isinstance(cancelled, int) and cancelled > 0:
            done.append((line_id, max(quantity - cancelled, 0)))
        if item.get("cancellationRequest") is True and isinstance(shipped, int) and (
                quantity - shipped - (cancelled if isinstance(cancelled, int) else 0) > 0):
            asked.append((line_id, shipped))
    found = []
    if done:
        found.append(MarketplaceCancellation(order_id, tuple(done), reason="cancelled by bol.com"))
    if asked:
        found.append(MarketplaceCancellation(order_id, tuple(asked), requested=True,
                                             reason="cancellation request on bol.com"))
    return found


def shipment_bodies(shipment: Shipment) -> list[dict[str, Any]]:
    """ShipmentRequest bodies (at most 100 items each). ``transport`` only when there is a
    carrier or tracking code; transporterCode is required in it, so tracking without a carrier
    code is sent as OTHER."""
    items = [{"orderItemId": line.line_id, "quantity": line.quantity} for line in shipment.lines]
    transport: dict[str, str] = {}
    if shipment.carrier_code or shipment.tracking_number:
        transport["transporterCode"] = shipment.carrier_code or "OTHER"
        if shipment.tracking_number:
            transport["trackAndTrace"] = shipment.tracking_number
    bodies = []
    for start in range(0, len(items), MAX_SHIPMENT_ITEMS):
        body: dict[str, Any] = {"orderItems": items[start:start + MAX_SHIPMENT_ITEMS]}
        if transport:
            body["transport"] = transport
        bodies.append(body)
    return bodies


def cancel_reason_code(reason: str | None) -> str:
    """Our free-text reason -> a CancellationRequest reasonCode (OTHER when unknown)."""
    text = (reason or "").strip()
    code = text.upper().replace(" ", "_").replace("-", "_")
    if code in CANCEL_REASONS:
        return code
    if not text:
        return "OUT_OF_STOCK"
    lowered = text.lower()
    for words, mapped in _REASON_WORDS:
        if any(word in lowered for word in words):
            return mapped
    return "OTHER"


def process_result(data: Mapping[str, Any]) -> ProcessResult:
    state = _PROCESS_STATES.get(str(data.get("status", "")).upper(), "pending")
    return ProcessResult(state, _text(data.get("errorMessage")))


def combine_results(results: Collection[ProcessResult]) -> ProcessResult:
    """One result for several process statuses: failure > pending > success."""
    return ProcessResult.combined(results)


def items_of(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = order.get("orderItems") or []
    return [i for i in items if isinstance(i, Mapping)]


def open_item_ids(order: Mapping[str, Any]) -> list[str]:
    """Items with units neither shipped nor cancelled."""
    return [
        str(i.get("orderItemId"))
        for i in items_of(order)
        if (i.get("quantityShipped") or 0) + (i.get("quantityCancelled") or 0)
        < (i.get("quantity") or 0)
    ]


def fully_shipped(order: Mapping[str, Any]) -> bool:
    """Every item shipped or cancelled, and at least one unit shipped."""
    items = items_of(order)
    done = all(
        (i.get("quantityShipped") or 0) + (i.get("quantityCancelled") or 0)
        >= (i.get("quantity") or 0)
        for i in items
    )
    return bool(items) and done and any((i.get("quantityShipped") or 0) > 0 for i in items)


def fully_cancelled(order: Mapping[str, Any]) -> bool:
    items = items_of(order)
    return bool(items) and all(
        (i.get("quantityCancelled") or 0) >= (i.get("quantity") or 0) for i in items
    )
