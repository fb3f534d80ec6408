"""Bulk shopper orders for benchmarks: N orders described by a handful of numbers and rendered
on demand, so seeding 50,000 orders takes milliseconds and no memory grows with N.

Order ``i`` of a batch has id ``base + i * STRIDE`` (the ids in between are its lines, shipping
line, fulfillment and refund), is created at ``since + span * i / n`` (so ids and creation times
rise together, like a real shop's), and derives its lines, customer, status and discounts from a
hash of ``i``. An order that is changed later (cancelled, fulfilled, fetched by id) is
*materialized*: rendered once into the store's ordinary dict and served from there."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from ordersync.sandbox.shopify.shopper import CLOSED, STATUSES, Customer, Line, ShopperOrder

STRIDE = 8  # ids per order: the order, up to 3 lines, shipping line, fulfillment, refund, spare
MAX_LINES = 3
DEFAULT_MIX = {"open": 30, "partial": 5, "fulfilled": 40, "cancelled": 8, "refunded": 7,
               "pending": 10}
UPDATE_DELAY = {"open": 0, "partial": 86_400, "fulfilled": 2 * 86_400, "cancelled": 3 * 3600,
                "refunded": 5 * 86_400, "pending": 0}
SHIPPING = (("Standard", Decimal("4.95")), ("PostNL Pakket", Decimal("6.95")),
            ("DHL Express", Decimal("12.50")), ("Pickup point", Decimal("0.00")))
FIRST = ("Anna", "Bram", "Chloé", "Daan", "Emma", "Finn", "Greta", "Hugo", "Ilse", "Jens",
         "Katja", "Lars", "Mila", "Noah", "Olga", "Pieter", "Rosa", "Sem", "Tess", "Vince")
LAST = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer",
        "Bos", "Peters", "Hendriks", "Dekker", "Dubois", "Peeters", "Müller", "Schmidt")
PLACES = (("NL", "Netherlands", "Utrecht", "3511 AB"), ("NL", "Netherlands", "Amsterdam",
                                                          "1017 GA"),
          ("BE", "Belgium", "Antwerpen", "2000"), ("DE", "Germany", "Köln", "50667"))
NO_CUSTOMER_EVERY = 37  # point-of-sale style orders without a customer


@dataclass(frozen=True, slots=True)
class Product:
    product_id: int
    variant_id: int
    sku: str | None
    title: str
    price: Decimal


def _hash(i: int, salt: int) -> int:
    """A cheap, well-mixed 32-bit hash (deterministic across processes)."""
    x = (i * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    return x


@dataclass
class Batch:
    base: int
    count: int
    number_base: int
    since: int  # epoch seconds
    span: int
    currency: str
    products: Sequence[Product]
    customers: Sequence[Customer]
    statuses: Sequence[str]  # 100 slots drawn from the mix
    salt: int
    tz: timezone

    @property
    def ids(self) -> range:
        return range(self.base, self.base + self.count * STRIDE, STRIDE)

    def index(self, order_id: int) -> int | None:
        offset = order_id - self.base
        if offset < 0 or offset % STRIDE or offset // STRIDE >= self.count:
            return None
        return offset // STRIDE

    def created(self, i: int) -> int:
        return self.since + (self.span * i) // max(1, self.count)

    def status(self, i: int) -> str:
        return self.statuses[_hash(i, self.salt) % len(self.statuses)]

    def updated(self, i: int) -> int:
        created = self.created(i)
        return max(created, min(created + UPDATE_DELAY[self.status(i)], self.since + self.span))

    def first_created_at_or_after(self, moment: int) -> int:
        """Smallest i whose creation time is >= moment (creation rises with i)."""
        return bisect.bisect_left(range(self.count), moment, key=self.created)

    def first_created_after(self, moment: int) -> int:
        return bisect.bisect_right(range(self.count), moment, key=self.created)

    def build(self, i: int) -> ShopperOrder:
        h = _hash(i, self.salt)
        order_id = self.base + i * STRIDE
        lines = []
        for j in range((h % MAX_LINES) + 1):
            product = self.products[(h // 7 + j * 13 + i) % len(self.products)]
            quantity = 1 + (h >> (4 + j)) % 3
            discount = Decimal("0")
            if i % 5 == 0 and j == 0:
                discount = (product.price * quantity / 10).quantize(Decimal("0.01"))
            edited = quantity - 1 if i % 17 == 0 and j == 0 and quantity > 1 else None
            lines.append(Line(id=order_id + 1 + j, product_id=product.product_id,
                              variant_id=product.variant_id, sku=product.sku,
                              title=product.title, quantity=quantity, price=product.price,
                              discount=discount, current_quantity=edited))
        customer = None
        if self.customers and i % NO_CUSTOMER_EVERY != NO_CUSTOMER_EVERY - 1:
            customer = self.customers[(h >> 8) % len(self.customers)]
        title, price = SHIPPING[(h >> 12) % len(SHIPPING)]
        status = self.status(i)
        return ShopperOrder(
            id=order_id, number=self.number_base + i, currency=self.currency,
            created_at=_stamp(self.created(i), self.tz),
            updated_at=_stamp(self.updated(i), self.tz), lines=lines, customer=customer,
            status=status, shipping_title=title, shipping_price=price,
            discount_code="WELCOME10" if i % 5 == 0 else None,
            ids=[order_id + 4, order_id + 5, order_id + 6, order_id + 7],
        )

    def closed(self, i: int) -> bool:
        return self.status(i) in CLOSED


def _stamp(epoch: int, tz: timezone) -> str:
    return datetime.fromtimestamp(epoch, tz).isoformat()


def status_slots(mix: dict[str, int] | None) -> list[str]:
    """100 status slots in the proportions of ``mix`` (weights per STATUSES name)."""
    mix = dict(mix or DEFAULT_MIX)
    unknown = set(mix) - set(STATUSES)
    if unknown or not any(mix.values()):
        raise ValueError(f"status mix must weigh some of {', '.join(STATUSES)}")
    total = sum(mix.values())
    slots: list[str] = []
    for name, weight in mix.items():
        slots += [name] * round(100 * weight / total)
    return slots or [next(n for n, w in mix.items() if w)]


def make_customers(first_id: int, count: int, created_at: str) -> list[Customer]:
    """``count`` customers with ids ``first_id, first_id + 2, ...`` (address id in between)."""
    out = []
    for k in range(count):
        first, last = FIRST[k % len(FIRST)], LAST[(k // len(FIRST)) % len(LAST)]
        code, country, city, zipcode = PLACES[k % len(PLACES)]
        handle = f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("ü", "u")
        out.append(Customer(
            id=first_id + 2 * k, address_id=first_id + 2 * k + 1, first_name=first,
            last_name=last, email=f"{handle}.{k}@example.{code.lower()}",
            phone=f"+316{k:08d}" if k % 4 else None, address1=f"Dorpsstraat {k % 200 + 1}",
            city=city, zip=zipcode, country_code=code, country=country, created_at=created_at))
    return out


class SeededOrders:
    """Every seeded batch of a shop, plus the ids that were materialized into the store."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.materialized: set[int] = set()

    def __len__(self) -> int:
        return sum(b.count for b in self.batches)

    def locate(self, order_id: int) -> tuple[Batch, int] | None:
        if order_id in self.materialized:
            return None
        for batch in self.batches:
            i = batch.index(order_id)
            if i is not None:
                return batch, i
        return None

    def ids_from(self, after: int | None, created_min: int | None = None,
                 created_max: int | None = None) -> Iterator[int]:
        """Seeded (not materialized) ids greater than ``after``, ascending; the creation
        bounds (epoch seconds, inclusive) only skip ids that cannot match."""
        for batch in sorted(self.batches, key=lambda b: b.base):
            start = 0 if after is None else max(0, (after - batch.base) // STRIDE + 1)
            stop = batch.count
            if created_min is not None:
                start = max(start, batch.first_created_at_or_after(created_min))
            if created_max is not None:
                stop = min(stop, batch.first_created_after(created_max))
            for i in range(start, stop):
                order_id = batch.base + i * STRIDE
                if order_id not in self.materialized:
                    yield order_id

    def ids_before(self, before: int) -> Iterator[int]:
        """Seeded ids smaller than ``before``, descending."""
        for batch in sorted(self.batches, key=lambda b: b.base, reverse=True):
            stop = min(batch.count, -(-(before - batch.base) // STRIDE))
            for i in range(stop - 1, -1, -1):
                order_id = batch.base + i * STRIDE
                if order_id not in self.materialized:
                    yield order_id
