"""A Cartum (Horoshop) order as the hub's neutral ``ShopOrder``. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ordersync.connectors.cartum import fields as f
from ordersync.connectors.parsing import MappingError, amount
from ordersync.orders import Address, ErrorReason
from ordersync.orders.shop import ShopCustomer, ShopLine, ShopOrder, ShopShipping


def status_name(value: Any) -> str:
    """A numeric status as its name (``3`` -> ``delivered``); a store's own statuses keep
    their number (``status 7``)."""
    try:
        ident = int(value)
    except (TypeError, ValueError):
        raise MappingError(ErrorReason.VALIDATION, f"status {value!r} is not a number") from None
    return f.STATUSES.get(ident, f"status {ident}")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def parse_date(value: str, utc_offset: timedelta) -> datetime:
    """A store-local ``YYYY-MM-DD HH:MM:SS`` as an aware datetime (converted to UTC)."""
    try:
        local = datetime.strptime(value, f.DATE_FORMAT)
    except (TypeError, ValueError):
        raise MappingError(ErrorReason.VALIDATION, f"date {value!r} is not "
                           f"{f.DATE_FORMAT}") from None
    return local.replace(tzinfo=timezone(utc_offset)).astimezone(UTC)


def format_date(when: datetime, utc_offset: timedelta) -> str:
    return when.astimezone(timezone(utc_offset)).strftime(f.DATE_FORMAT)


def _customer(order: Mapping[str, Any]) -> ShopCustomer | None:
    name = _text(order.get(f.NAME)) or ""
    first, _, last = name.partition(" ")
    phone, email = _text(order.get(f.PHONE)), _text(order.get(f.EMAIL))
    if not (name or phone or email):
        return None
    return ShopCustomer(first_name=first or None, last_name=last or None, phone=phone,
                        email=email)


def shop_order(order: Mapping[str, Any], utc_offset: timedelta = timedelta(hours=2)) -> ShopOrder:
    """An ``orders/get`` item as a ``ShopOrder`` (``status`` by name, see ``status_name``;
    the article is the line's SKU, product id and line id)."""
    if order.get(f.ORDER_ID) in (None, ""):
        raise MappingError(ErrorReason.VALIDATION, f"{f.ORDER_ID} missing")
    lines = tuple(
        ShopLine(product_id=_text(p.get(f.ARTICLE)), sku=_text(p.get(f.ARTICLE)),
                 name=str(p.get(f.TITLE) or ""), quantity=int(p.get(f.QUANTITY) or 0),
                 price=amount(p.get(f.PRICE)), line_id=_text(p.get(f.ARTICLE)))
        for p in order.get(f.PRODUCTS) or [] if p.get(f.QUANTITY))
    delivery = order.get(f.DELIVERY_TYPE) or {}
    price = amount(order.get(f.DELIVERY_PRICE))
    shipping = ()
    if delivery:
        shipping = (ShopShipping(str(delivery.get("title") or ""), max(price, Decimal("0"))),)
    address = None
    if _text(order.get(f.CITY)) or _text(order.get(f.ADDRESS)):
        customer = _customer(order)
        address = Address(first_name=customer.first_name if customer else None,
                          last_name=customer.last_name if customer else None,
                          street=_text(order.get(f.ADDRESS)), city=_text(order.get(f.CITY)),
                          phone=_text(order.get(f.PHONE)), email=_text(order.get(f.EMAIL)))
    return ShopOrder(
        id=str(order[f.ORDER_ID]), number=str(order[f.ORDER_ID]),
        created_at=parse_date(str(order[f.CREATED]), utc_offset),
        status=status_name(order.get(f.STATUS)), currency=str(order.get(f.CURRENCY) or ""),
        total=amount(order.get(f.TOTAL)), customer=_customer(order), lines=lines,
        shipping=shipping, shipping_address=address,
    )
