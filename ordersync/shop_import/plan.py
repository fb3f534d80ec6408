"""Turn one page of a webshop's orders into what the store applies, in bulk.

pandas pays off here: a page carries up to 250 orders with several lines each, and the keys
of every line (product match key, line key) and of every customer (normalised phone and
e-mail) are computed column-wise for the whole page at once, then de-duplicated with
``drop_duplicates`` so the store looks each product and contact up once per page.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ordersync.orders import Address, Quarantined
from ordersync.orders.shop import ShopOrder
from ordersync.shop_import.delivery import Delivery, delivery_of
from ordersync.shop_import.keys import phone_key
from ordersync.shop_import.rules import PlatformRules


class CurrencyMismatch(ValueError):
    """The shop sells in another currency than the hub's: nothing is imported."""

    def __init__(self, shop: str, currency: str, hub_currency: str) -> None:
        super().__init__(
            f"{shop} sells in {currency or 'an unknown currency'} but the hub's currency is "
            f"{hub_currency}: nothing was imported. Set the connection's hub_currency to "
            f"{currency} only if the hub really keeps its books in {currency}, or connect a "
            f"shop that sells in {hub_currency}."
        )
        self.currency, self.hub_currency = currency, hub_currency


@dataclass(frozen=True, slots=True)
class LinePlan:
    key: str  # identifies the line within its order (follows quantity changes)
    product_key: str  # catalog match key (see keys.product_key)
    product_id: str | None
    sku: str | None
    name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True)
class CustomerPlan:
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    phone_key: str | None
    email_key: str | None
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class OrderPlan:
    order: ShopOrder
    customer: CustomerPlan | None  # None: the contact "not specified"
    lines: tuple[LinePlan, ...]
    delivery: Delivery | None
    finished: bool  # in one of the platform's finished statuses
    problems: tuple[str, ...] = ()  # why a new order is not imported (strict rules)

    @property
    def hub_created(self) -> bool:
        """The hub created it in the shop for a marketplace order: not the shop's own."""
        return self.order.hub_reference is not None


@dataclass(frozen=True, slots=True)
class PagePlan:
    orders: tuple[OrderPlan, ...]
    rejected: tuple[Quarantined, ...] = ()


def check_currency(orders: Iterable[ShopOrder], hub_currency: str, shop: str) -> None:
    for order in orders:
        if (order.currency or "").upper() != hub_currency:
            raise CurrencyMismatch(shop, (order.currency or "").upper(), hub_currency)


# -- column-wise keys ----------------------------------------------------------------------

def phone_keys(phones: pd.Series, country: str | None = None) -> pd.Series:
    """``keys.phone_key`` for a whole column (None where there is no key)."""
    return phones.map(lambda p: phone_key(p if isinstance(p, str) else None, country),
                      na_action=None).astype(object)


def email_keys(emails: pd.Series) -> pd.Series:
    """``keys.email_key`` for a whole column."""
    text = emails.fillna("").astype(str).str.strip().str.lower()
    return text.where(text.str.fullmatch(r"[^@\s]+@[^@\s]*\.[^@\s]*"))


def _name_keys(names: pd.Series) -> pd.Series:
    return "name:" + names.fillna("").astype(str).str.strip() \
        .str.replace(r"\s+", " ", regex=True).str.casefold()


def _lines_frame(orders: list[ShopOrder], identify_by: str, source: str) -> pd.DataFrame:
    records = [(i, line.line_id, line.product_id, line.sku, line.name, line.quantity,
                line.price)
               for i, order in enumerate(orders) for line in order.lines]
    columns = ["order", "line_id", "product_id", "sku", "name", "quantity", "price"]
    df = pd.DataFrame.from_records(records, columns=columns).astype(
        {"line_id": object, "product_id": object, "sku": object, "name": object})
    if df.empty:
        return df.assign(key=pd.Series(dtype=object), product_key=pd.Series(dtype=object))
    sku = df["sku"].fillna("").astype(str).str.strip()
    pid = df["product_id"].fillna("").astype(str)
    by = {"sku": ("sku:" + sku).where(sku != ""),
          "id": ("id:" + source + ":" + pid).where(pid != ""),
          "name": _name_keys(df["name"])}
    chain = {"sku": ("sku", "id", "name"), "id": ("id", "sku", "name"), "name": ("name",)}
    key = by[chain[identify_by][0]]
    for kind in chain[identify_by][1:]:
        key = key.fillna(by[kind])
    df["product_key"] = key
    fallback = "p:" + pid.where(pid != "", sku.where(sku != "", df["name"].astype(str)))
    base = df["line_id"].where(df["line_id"].notna(), fallback).astype(str)
    seen = df.assign(base=base).groupby(["order", "base"]).cumcount()
    df["key"] = base.where(seen == 0, base + "#" + seen.astype(str))
    return df


def _customers_frame(orders: list[ShopOrder], calling_code: str | None) -> pd.DataFrame:
    records = [(i, o.customer.first_name, o.customer.last_name, o.customer.phone,
                o.customer.email)
               for i, o in enumerate(orders) if o.customer is not None]
    df = pd.DataFrame.from_records(
        records, columns=["order", "first_name", "last_name", "phone", "email"])
    df["phone_key"] = phone_keys(df["phone"], calling_code) if len(df) else None
    df["email_key"] = email_keys(df["email"]) if len(df) else None
    return df.set_index("order")


def _none(value):
    return None if value is None or (isinstance(value, float) and pd.isna(value)) \
        or value is pd.NA else value


def plan_page(
    orders: Collection[ShopOrder],
    *,
    rules: PlatformRules,
    identify_by: str,
    source: str,
    finished_statuses: Collection[str],
    rejected: tuple[Quarantined, ...] = (),
    calling_code: str | None = None,
) -> PagePlan:
    """Keys, customers, delivery details and rule outcomes of every order of a page."""
    orders = list(orders)
    lines = _lines_frame(orders, identify_by, source)
    customers = _customers_frame(orders, calling_code)
    by_order: dict[int, list[LinePlan]] = {}
    for row in lines.itertuples(index=False):
        by_order.setdefault(row.order, []).append(LinePlan(
            key=row.key, product_key=row.product_key, product_id=_none(row.product_id),
            sku=_none(row.sku), name=str(row.name or ""), quantity=int(row.quantity),
            price=row.price))
    plans = []
    for i, order in enumerate(orders):
        customer = None
        if order.customer is not None:
            row = customers.loc[i]
            address = order.customer.address if rules.customer_address else None
            customer = CustomerPlan(
                first_name=order.customer.first_name, last_name=order.customer.last_name,
                phone=order.customer.phone, email=order.customer.email,
                phone_key=_none(row["phone_key"]), email_key=_none(row["email_key"]),
                address=address)
            if customer.phone_key is None and customer.email_key is None \
                    and not (customer.first_name or customer.last_name):
                customer = None
        problems = tuple(order.problems()) if rules.strict_customer else ()
        plans.append(OrderPlan(
            order=order, customer=customer, lines=tuple(by_order.get(i, ())),
            delivery=delivery_of(order) if rules.delivery_comments else None,
            finished=order.status in finished_statuses, problems=problems))
    return PagePlan(orders=tuple(plans), rejected=tuple(rejected))


def unique_products(plans: Iterable[OrderPlan]) -> list[LinePlan]:
    """One line per catalog key (the first seen), over the given orders."""
    frame = pd.DataFrame([(ln.product_key, ln) for p in plans for ln in p.lines],
                         columns=["key", "line"])
    return list(frame.drop_duplicates("key")["line"]) if len(frame) else []


def unique_customers(plans: Iterable[OrderPlan]) -> list[CustomerPlan]:
    """One customer per (phone key, e-mail key) pair, over the given orders."""
    found = [p.customer for p in plans if p.customer is not None]
    if not found:
        return []
    frame = pd.DataFrame({"phone": [c.phone_key for c in found],
                          "email": [c.email_key for c in found], "plan": found})
    return list(frame.drop_duplicates(["phone", "email"])["plan"])
