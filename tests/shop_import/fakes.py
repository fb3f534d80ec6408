"""A ShopOrderSource at the protocol boundary, for the pure rules and the store (the
end-to-end rule tests run against the twins)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ordersync.connectors.base import ShopOrderPage
from ordersync.orders import Address, Quarantined, WebshopOrderState
from ordersync.orders.shop import ShopCustomer, ShopLine, ShopOrder, ShopProduct, ShopShipping

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Crash(RuntimeError):
    """Injected: the process dies here."""


def customer(n: int = 1, **kw) -> ShopCustomer:
    base = dict(first_name="Jan", last_name=f"Smit{n}", phone=f"+3160000{n:04d}",
                email=f"jan{n}@example.nl")
    base.update(kw)
    return ShopCustomer(**base)


def order(n: int, *, status: str = "open", lines: tuple[ShopLine, ...] | None = None,
          cust: ShopCustomer | None | str = "default", currency: str = "EUR",
          shipping: tuple[ShopShipping, ...] | None = None, **kw) -> ShopOrder:
    if lines is None:
        lines = (ShopLine(product_id=str(500 + n % 3), sku=f"SKU-{n % 3}", name=f"Mug {n % 3}",
                          quantity=1 + n % 2, price=Decimal("9.95"), line_id=f"L{n}-1"),)
    base = dict(
        id=str(n), number=f"#{1000 + n}", created_at=T0 + timedelta(minutes=n), status=status,
        currency=currency, total=Decimal("19.90"),
        customer=customer(n % 5) if cust == "default" else cust, lines=lines,
        shipping=shipping if shipping is not None else (ShopShipping("PostNL", Decimal("4.95")),),
        shipping_address=Address(first_name="Jan", last_name="Smit", street="Dorpsweg 3",
                                 postal_code="3511 AB", city="Utrecht", country="NL"),
        updated_at=T0 + timedelta(minutes=n),
    )
    base.update(kw)
    return ShopOrder(**base)


@dataclass
class FakeSource:
    """Orders in memory, ``page_size`` per page, cursor = index of the next order."""

    platform: str = "shopify"
    account: str = "fake"
    orders: dict[str, ShopOrder] = field(default_factory=dict)
    catalog: dict[str, ShopProduct] = field(default_factory=dict)
    finished_statuses: frozenset[str] = frozenset({"fulfilled", "cancelled", "refunded"})
    currency: str | None = "EUR"
    page_size: int = 3
    rejected: tuple[Quarantined, ...] = ()
    crash_after_pages: int | None = None
    requests: int = 0
    product_requests: list[list[str]] = field(default_factory=list)
    statuses_set: list[tuple[str, str]] = field(default_factory=list)
    clock: Callable[[], datetime] | None = None  # "now" of changes made on the platform

    def add(self, *orders: ShopOrder) -> None:
        for o in orders:
            self.orders[o.id] = o

    def change(self, order_id: str, **kw) -> None:
        o = self.orders[order_id]
        when = self.clock() if self.clock else (o.updated_at or o.created_at) + timedelta(hours=1)
        self.orders[order_id] = replace(o, updated_at=when, **kw)

    def shop_currency(self) -> str | None:
        self.requests += 1
        return self.currency

    def _pages(self, items: list[ShopOrder], cursor: str | None) -> Iterator[ShopOrderPage]:
        start, served = int(cursor or 0), 0
        while True:
            if self.crash_after_pages is not None and served >= self.crash_after_pages:
                raise Crash(f"crashed after {served} pages")
            self.requests += 1
            chunk = tuple(items[start:start + self.page_size])
            start += len(chunk)
            last = start >= len(items)
            rejected = self.rejected if served == 0 and not cursor else ()
            served += 1
            yield ShopOrderPage(chunk, None if last else str(start), rejected)
            if last:
                return

    def order_pages(self, *, created_since: datetime, created_until: datetime | None = None,
                    cursor: str | None = None) -> Iterator[ShopOrderPage]:
        items = sorted((o for o in self.orders.values() if o.created_at >= created_since
                        and (created_until is None or o.created_at < created_until)),
                       key=lambda o: (o.created_at, o.id))
        return self._pages(items, cursor)

    def updated_order_pages(self, *, updated_since: datetime,
                            cursor: str | None = None) -> Iterator[ShopOrderPage]:
        items = sorted((o for o in self.orders.values()
                        if (o.updated_at or o.created_at) >= updated_since),
                       key=lambda o: (o.updated_at or o.created_at, o.id))
        return self._pages(items, cursor)

    def products(self, ids: Collection[str]) -> dict[str, ShopProduct]:
        self.requests += 1
        self.product_requests.append(sorted(ids))
        return {i: self.catalog[i] for i in ids if i in self.catalog}

    def set_status(self, order_id: str, status: str) -> None:
        self.requests += 1
        self.statuses_set.append((order_id, status))
        self.change(order_id, status=status)

    def get_order(self, order_id: str) -> WebshopOrderState:
        o = self.orders[order_id]
        return WebshopOrderState(webshop_id=o.id, reference=None,
                                 updated_at=o.updated_at or o.created_at,
                                 completed=o.status == "completed", cancelled=False)

    def close(self) -> None:
        pass
