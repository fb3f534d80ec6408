"""A Shopify shop's own orders and products as the hub's neutral ``ShopOrder`` /
``ShopProduct`` (PRODUCT.md section 3). Pure functions.

Status (``ShopOrder.status``), first match wins: ``cancelled`` (``cancelled_at`` set, or every
line restocked), ``refunded`` (financial status refunded), ``fulfilled``, then the open ones:
``partially_fulfilled`` and ``unfulfilled``. The backfill leaves out ``FINISHED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ordersync.connectors.parsing import MappingError, amount, text
from ordersync.connectors.shop_pages import plain_text
from ordersync.connectors.shopify.mapping import parse_time
from ordersync.orders import Address, ErrorReason
from ordersync.orders.shop import ShopCustomer, ShopLine, ShopOrder, ShopProduct, ShopShipping

FINISHED = frozenset({"fulfilled", "cancelled", "refunded"})
OPEN = frozenset({"unfulfilled", "partially_fulfilled"})
ORDER_FIELDS = ("id,name,order_number,created_at,updated_at,cancelled_at,financial_status,"
                "fulfillment_status,currency,total_price,current_total_price,email,phone,"
                "customer,line_items,shipping_lines,shipping_address,source_name,source_identifier")
"""The ``fields`` the import reads (smaller pages than whole orders)."""
PRODUCT_FIELDS = "id,title,body_html,product_type,variants"
CENT = Decimal("0.01")
Json = Mapping[str, Any]


def status_of(order: Json) -> str:
    if order.get("cancelled_at") or order.get("fulfillment_status") == "restocked":
        return "cancelled"
    if order.get("financial_status") == "refunded":
        return "refunded"
    fulfillment = order.get("fulfillment_status")
    if fulfillment == "fulfilled":
        return "fulfilled"
    return "partially_fulfilled" if fulfillment == "partial" else "unfulfilled"


def address_of(data: Any) -> Address | None:
    """A Shopify address (order or customer default address); None when empty."""
    if not isinstance(data, Mapping):
        return None
    street = " ".join(p for p in (text(data.get("address1")), text(data.get("address2"))) if p)
    found = Address(
        first_name=text(data.get("first_name")), last_name=text(data.get("last_name")),
        company=text(data.get("company")), street=street or None,
        postal_code=text(data.get("zip")), city=text(data.get("city")),
        country=text(data.get("country_code")), phone=text(data.get("phone")),
    )
    return found if any((found.street, found.city, found.postal_code, found.country,
                          found.last_name)) else None


def customer_of(order: Json) -> ShopCustomer | None:
    """The order's customer with their default address; None without one (a Basic-plan shop
    hides customer data from apps, a POS sale may have none)."""
    data = order.get("customer")
    if not isinstance(data, Mapping):
        return None
    home = data.get("default_address") if isinstance(data.get("default_address"), Mapping) \
        else {}
    first = text(data.get("first_name")) or text(home.get("first_name"))
    last = text(data.get("last_name")) or text(home.get("last_name"))
    email = text(data.get("email")) or text(order.get("email"))
    phone = text(data.get("phone")) or text(home.get("phone")) or text(order.get("phone"))
    if not any((first, last, email, phone)):
        return None
    return ShopCustomer(first_name=first, last_name=last, phone=phone, email=email,
                        address=address_of(home))


def line_of(item: Json, index: int) -> ShopLine | None:
    """A line item with its quantity after order edits (``current_quantity``) and its unit
    price after the discounts allocated to it; None for a line edited away."""
    what = f"line_items[{index}]"
    if not isinstance(item, Mapping) or item.get("id") in (None, ""):
        raise MappingError(ErrorReason.VALIDATION, f"{what}.id missing")
    ordered = int(item["quantity"])
    current = item.get("current_quantity")
    quantity = int(current) if current is not None else ordered
    if quantity <= 0:
        return None
    price = amount(item.get("price"), f"{what}.price")
    allocations = item.get("discount_allocations") or []
    discount = sum((amount(a.get("amount"), f"{what}.discount") for a in allocations),
                   Decimal("0")) if allocations else amount(item.get("total_discount"),
                                                            f"{what}.total_discount")
    unit = (price - discount / ordered).quantize(CENT) if ordered else price
    product = item.get("product_id")
    return ShopLine(product_id=str(product) if product else None, sku=text(item.get("sku")),
                    name=text(item.get("name")) or text(item.get("title")) or "",
                    quantity=quantity, price=unit, line_id=str(item["id"]))


def shop_order(order: Json) -> ShopOrder:
    """A ``GET orders.json`` item (whole, or with ``ORDER_FIELDS``) as a ``ShopOrder``."""
    if order.get("id") in (None, ""):
        raise MappingError(ErrorReason.VALIDATION, "id missing")
    if not order.get("created_at"):
        raise MappingError(ErrorReason.VALIDATION, "created_at missing")
    try:
        created = parse_time(str(order["created_at"]))
        updated = parse_time(str(order["updated_at"])) if order.get("updated_at") else created
    except ValueError:
        raise MappingError(ErrorReason.VALIDATION, "created_at/updated_at is not ISO 8601") \
            from None
    lines = [line_of(item, i) for i, item in enumerate(order.get("line_items") or [])]
    shipping = tuple(
        ShopShipping(method=text(s.get("title")) or text(s.get("code")) or "",
                     total=amount(s.get("discounted_price", s.get("price")), "shipping_lines"))
        for s in order.get("shipping_lines") or [])
    name = text(order.get("name"))
    total = order.get("current_total_price", order.get("total_price"))
    return ShopOrder(
        id=str(order["id"]), number=name.lstrip("#") if name else str(order.get("order_number")),
        created_at=created, status=status_of(order), currency=str(order.get("currency") or ""),
        total=amount(total, "total_price"), customer=customer_of(order),
        lines=tuple(line for line in lines if line is not None), shipping=shipping,
        shipping_address=address_of(order.get("shipping_address")), updated_at=updated,
        hub_reference=hub_reference_of(order),
    )


def hub_reference_of(order: Json) -> str | None:
    """The marketplace reference of an order the hub created (``source_name``
    ``ordersync-<platform>``, reference in ``source_identifier``), else None."""
    if str(order.get("source_name") or "").startswith("ordersync"):
        return text(order.get("source_identifier"))
    return None


def product_of(product: Json) -> ShopProduct:
    """A Product as a ``ShopProduct``: ``product_type`` is a one-level category; the SKU is
    the product's only one (None when its variants have several)."""
    skus = {text(v.get("sku")) for v in product.get("variants") or []} - {None}
    kind = text(product.get("product_type"))
    return ShopProduct(id=str(product["id"]), sku=skus.pop() if len(skus) == 1 else None,
                       name=text(product.get("title")) or str(product["id"]),
                       description=plain_text(product.get("body_html")),
                       category=(kind,) if kind else ())
