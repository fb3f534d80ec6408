"""Amazon SP-API JSON (Orders v0, Feeds, Listings) <-> domain objects. Pure functions, no I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
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
from ordersync.orders.limits import MAX_QUANTITY, printable

PLATFORM = "amazon"
PENDING = "Pending"
SHIPPED_STATUSES = frozenset({"Shipped", "InvoiceUnconfirmed"})
CANCELED = "Canceled"
OTHER_CARRIER = "Other"
FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
PRODUCT_TYPE = "PRODUCT"  # Amazon's generic product type, enough for quantity-only patches
FULFILLMENT_CHANNEL = "DEFAULT"  # merchant-fulfilled quantity
MARKETPLACE_CURRENCY = {  # used only when a (pending) order carries no money at all
    "A1805IZSGTT6HS": "EUR", "A1PA6795UKMFR9": "EUR", "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR", "A1RKKUPIHCS9HS": "EUR", "AMEN7PMS3EDWL": "EUR",
    "A1F83G8C2ARO7P": "GBP", "A2NODRKZP88ZB9": "SEK", "A1C3SOZRARQ6R3": "PLN",
    "ATVPDKIKX0DER": "USD",
}
_FEED_STATES = {"DONE": "success", "IN_QUEUE": "pending", "IN_PROGRESS": "pending",
                "CANCELLED": "failure", "FATAL": "failure"}
_STREET = re.compile(r"^(?P<street>.*?\D)\s*(?P<number>\d+)\s*[-/]?\s*(?P<ext>[A-Za-z0-9]{0,6})$")
_CENT = Decimal("0.01")




def parse_datetime(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise MappingError(ErrorReason.VALIDATION, f"{what} missing")
    return parse_moment(value, what)


def parse_money(value: Any, what: str) -> tuple[Decimal, str | None]:
    """A Money object -> (amount, currency); PRICING when absent or not a price, VALUE_LIMIT
    when beyond what the store holds."""
    if not isinstance(value, Mapping) or value.get("Amount") in (None, ""):
        raise MappingError(ErrorReason.PRICING, f"{what} missing")
    amount = money_value(value["Amount"], f"{what}.Amount")
    return amount, _text(value.get("CurrencyCode"))


def split_name(name: str) -> tuple[str | None, str]:
    """'Jan de Vries' -> ('Jan', 'de Vries'); a single word is the last name."""
    parts = name.split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (None, name)


def parse_address(data: Any, email: str | None) -> Address:
    """ShippingAddress -> Address; ADDRESS_PARSING when incomplete."""
    if not isinstance(data, Mapping):
        raise MappingError(ErrorReason.ADDRESS_PARSING, "ShippingAddress missing")
    line1, line2 = _text(data.get("AddressLine1")), _text(data.get("AddressLine2"))
    if not line1 and line2:
        line1, line2 = line2, None
    fields = {"Name": _text(data.get("Name")), "AddressLine1": line1,
              "PostalCode": _text(data.get("PostalCode")), "City": _text(data.get("City")),
              "CountryCode": _text(data.get("CountryCode"))}
    missing = [key for key, value in fields.items() if not value]
    if missing:
        raise MappingError(ErrorReason.ADDRESS_PARSING,
                           f"ShippingAddress lacks {', '.join(missing)}")
    country = fields["CountryCode"] or ""
    if len(country) != 2 or not country.isalpha():
        raise MappingError(ErrorReason.ADDRESS_PARSING, f"CountryCode {country!r} invalid")
    first, last = split_name(fields["Name"] or "")
    street, number, ext = line1, None, None
    match = _STREET.match(line1 or "")
    if match:
        street, number, ext = match["street"].strip(" ,"), match["number"], match["ext"] or None
    return Address(
        first_name=first, last_name=last, company=_text(data.get("CompanyName")),
        street=street, house_number=number, house_number_extension=ext,
        extra_address_info=" ".join(p for p in (line2, _text(data.get("AddressLine3"))) if p)
        or None,
        postal_code=fields["PostalCode"], city=fields["City"], country=country.upper(),
        email=email, phone=_text(data.get("Phone")),
    )


def parse_line(item: Any, index: int, pending: bool) -> tuple[OrderLine, str | None] | None:
    """OrderItem -> (OrderLine, currency); None for an item with nothing ordered."""
    what = f"OrderItems[{index}]"
    if not isinstance(item, Mapping):
        raise MappingError(ErrorReason.VALIDATION, f"{what} is not an object")
    line_id = _text(item.get("OrderItemId"))
    if not line_id:
        raise MappingError(ErrorReason.VALIDATION, f"{what}.OrderItemId missing")
    quantity = item.get("QuantityOrdered")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise MappingError(ErrorReason.VALIDATION, f"{what}.QuantityOrdered {quantity!r}")
    if quantity == 0:
        return None
    if quantity > MAX_QUANTITY:
        raise MappingError(ErrorReason.VALUE_LIMIT, f"{what}.QuantityOrdered {quantity} "
                           f"is out of range (at most {MAX_QUANTITY})")
    currency = None
    if pending and not isinstance(item.get("ItemPrice"), Mapping):
        unit = Decimal("0")
    else:  # ItemPrice is the price of the whole quantity
        total, currency = parse_money(item.get("ItemPrice"), f"{what}.ItemPrice")
        unit = (total / quantity).quantize(_CENT, ROUND_HALF_UP)
    line = OrderLine(line_id=line_id, quantity=quantity, unit_price=unit,
                     sku=_text(item.get("SellerSKU")), title=_text(item.get("Title")),
                     offer_id=_text(item.get("ASIN")))
    return line, currency


def to_order(order: Mapping[str, Any], items: Sequence[Any], account: str) -> MarketplaceOrder:
    """An Order (getOrders/getOrder) and its OrderItems -> MarketplaceOrder, or MappingError.
    A Pending order maps with ``pending=True``, an empty address and zero prices."""
    order_id = _text(order.get("AmazonOrderId"))
    if not order_id:
        raise MappingError(ErrorReason.VALIDATION, "AmazonOrderId missing")
    pending = order.get("OrderStatus") == PENDING
    parsed = [p for i, item in enumerate(items) if (p := parse_line(item, i, pending))]
    if not parsed:
        raise MappingError(ErrorReason.VALIDATION, "order has no OrderItems")
    currencies = {c for _, c in parsed if c}
    total = order.get("OrderTotal")
    if isinstance(total, Mapping) and _text(total.get("CurrencyCode")):
        currencies.add(str(total["CurrencyCode"]).strip())
    if len(currencies) > 1:
        raise MappingError(ErrorReason.CURRENCY_MISMATCH,
                           f"several currencies: {', '.join(sorted(currencies))}")
    currency = next(iter(currencies), None) or MARKETPLACE_CURRENCY.get(
        str(order.get("MarketplaceId")), "EUR")
    buyer = order.get("BuyerInfo") if isinstance(order.get("BuyerInfo"), Mapping) else {}
    address = Address() if pending else parse_address(
        order.get("ShippingAddress"), _text(buyer.get("BuyerEmail")))
    return within_limits(MarketplaceOrder(
        platform=PLATFORM, account=account, external_id=order_id,
        placed_at=parse_datetime(order.get("PurchaseDate"), "PurchaseDate"),
        currency=currency, lines=tuple(line for line, _ in parsed),
        shipping_address=address, pending=pending,
    ))


def order_or_quarantine(order: Any, items: Sequence[Any], account: str,
                        order_id: str | None = None) -> MarketplaceOrder | Quarantined:
    """Map, turning any mapping problem into a Quarantined record (never raises)."""
    raw = dict(order) if isinstance(order, Mapping) else {"payload": order}
    try:
        if not isinstance(order, Mapping):
            raise MappingError(ErrorReason.VALIDATION, "order payload is not an object")
        return to_order(order, items, account)
    except MappingError as exc:
        reason, problem = exc.reason, str(exc)
    except Exception as exc:  # one odd payload must never stop the page
        reason, problem = ErrorReason.VALIDATION, f"unreadable ({type(exc).__name__}: {exc})"
    ext = _text(raw.get("AmazonOrderId")) or order_id
    return Quarantined(ext, reason, printable(f"Amazon order {ext}: {problem}"),
                       {**raw, "OrderItems": list(items)})


def package_reference(order_id: str, shipment: Shipment) -> str:
    """A stable positive number for the package (the spec allows positive numerics only)."""
    key = "|".join([order_id, shipment.tracking_number or ""]
                   + [f"{line.line_id}:{line.quantity}" for line in shipment.lines])
    return str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**9 + 1)


def shipment_body(order_id: str, shipment: Shipment, marketplace_id: str) -> dict[str, Any]:
    """ConfirmShipmentRequest. carrierCode "Other" needs carrierName; trackingNumber is
    required by the spec."""
    if not shipment.lines:
        raise ValueError(f"Amazon order {order_id}: shipment without lines")
    if not shipment.tracking_number:
        raise ValueError(f"Amazon order {order_id}: confirmShipment needs a tracking number")
    code = shipment.carrier_code or OTHER_CARRIER
    detail: dict[str, Any] = {
        "packageReferenceId": package_reference(order_id, shipment),
        "carrierCode": code,
        "trackingNumber": shipment.tracking_number,
        "shipDate": shipment.shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "orderItems": [{"orderItemId": line.line_id, "quantity": line.quantity}
                       for line in shipment.lines],
    }
    if code == OTHER_CARRIER:
        if not shipment.carrier_name:
            raise ValueError(f"Amazon order {order_id}: carrierName required for carrier Other")
        detail["carrierName"] = shipment.carrier_name
    elif shipment.carrier_name:
        detail["carrierName"] = shipment.carrier_name
    return {"marketplaceId": marketplace_id, "packageDetail": detail}


def quantity_patch(quantity: int) -> dict[str, Any]:
    """The JSON Patch that sets the merchant-fulfilled quantity of a listing."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise ValueError(f"quantity {quantity!r} must be a whole number >= 0")
    return {"op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": FULFILLMENT_CHANNEL, "quantity": quantity}]}


def listings_patch_body(quantity: int, product_type: str = PRODUCT_TYPE) -> dict[str, Any]:
    """ListingsItemPatchRequest for a quantity update."""
    return {"productType": product_type, "patches": [quantity_patch(quantity)]}


def quantities_feed(seller_id: str, quantities: Mapping[str, int],
                    product_type: str = PRODUCT_TYPE) -> dict[str, Any]:
    """A JSON_LISTINGS_FEED document (listings-feed-schema-v2): one PATCH message per SKU."""
    if not quantities:
        raise ValueError("no quantities to send")
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {"messageId": n, "sku": sku, "operationType": "PATCH", "productType": product_type,
             "patches": [quantity_patch(quantity)]}
            for n, (sku, quantity) in enumerate(quantities.items(), start=1)
        ],
    }


def feed_result(feed: Mapping[str, Any]) -> ProcessResult:
    """getFeed Feed -> ProcessResult (DONE success, IN_QUEUE/IN_PROGRESS pending, else failure)."""
    status = str(feed.get("processingStatus", ""))
    state = _FEED_STATES.get(status, "pending")
    return ProcessResult(state, None if state != "failure" else f"feed {status}")


def buyer_requests(order_id: str, items: Sequence[Any]) -> list[MarketplaceCancellation]:
    """The buyer's cancellation request on these OrderItems (``BuyerRequestedCancel.
    IsBuyerRequestedCancel`` "true"): the requested items, nothing left of them."""
    asked, reasons = [], []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        request = item.get("BuyerRequestedCancel")
        if not isinstance(request, Mapping):
            continue
        if str(request.get("IsBuyerRequestedCancel", "")).lower() != "true":
            continue
        line_id = _text(item.get("OrderItemId"))
        if line_id:
            asked.append((line_id, 0))
            if _text(request.get("BuyerCancelReason")):
                reasons.append(str(request["BuyerCancelReason"]))
    if not asked:
        return []
    reason = "buyer requested cancellation on Amazon"
    if reasons:
        reason += f": {printable(reasons[0], 200)}"
    return [MarketplaceCancellation(order_id, tuple(asked), requested=True, reason=reason)]
