"""``GET orders.json`` of the twin: its filters evaluated over the store's orders and the seeded
batches together, in id order, one page at a time; only the orders returned are rendered.

Filters (Shopify REST Order list): ``status`` open|closed|cancelled|any (default open),
``created_at_min/max``, ``updated_at_min/max`` (inclusive), ``since_id``, ``ids``,
``financial_status`` (authorized, pending, paid, partially_paid, refunded, voided,
partially_refunded, unpaid, any) and ``fulfillment_status`` (shipped, partial, unshipped,
unfulfilled, any)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ordersync.sandbox.shopify.seeding import Batch
from ordersync.sandbox.shopify.shopper import CLOSED, FINANCIAL, FULFILLMENT

if TYPE_CHECKING:
    from ordersync.sandbox.shopify.store import ShopStore

Json = dict[str, Any]
FILTERS = ("status", "created_at_min", "created_at_max", "updated_at_min", "updated_at_max",
           "since_id", "ids", "financial_status", "fulfillment_status")
FINANCIAL_VALUES = {"authorized", "pending", "paid", "partially_paid", "refunded", "voided",
                    "partially_refunded", "any", "unpaid"}
FULFILLMENT_VALUES = {"shipped": {"fulfilled"}, "partial": {"partial"}, "unshipped": {None},
                      "unfulfilled": {None, "partial"}, "any": None}


@dataclass(frozen=True, slots=True)
class Facts:
    created: float
    updated: float
    closed: bool
    cancelled: bool
    financial: str | None
    fulfillment: str | None


@dataclass(frozen=True, slots=True)
class Query:
    status: str
    times: dict[str, float]
    since_id: int | None
    ids: frozenset[int] | None
    financial: frozenset[str] | None
    fulfillment: frozenset[str | None] | None

    def keep(self, order_id: int, facts: Facts) -> bool:
        if self.since_id is not None and order_id <= self.since_id:
            return False
        if self.ids is not None and order_id not in self.ids:
            return False
        if self.status == "open" and (facts.closed or facts.cancelled):
            return False
        if (self.status == "closed" and not facts.closed) or (
                self.status == "cancelled" and not facts.cancelled):
            return False
        t = self.times
        if ("created_at_min" in t and facts.created < t["created_at_min"]) or (
                "created_at_max" in t and facts.created > t["created_at_max"]) or (
                "updated_at_min" in t and facts.updated < t["updated_at_min"]) or (
                "updated_at_max" in t and facts.updated > t["updated_at_max"]):
            return False
        if self.financial is not None and facts.financial not in self.financial:
            return False
        return self.fulfillment is None or facts.fulfillment in self.fulfillment


def parse(filters: Json, tz: tzinfo) -> Query:
    """The list filters as a Query; ShopError 400 for an invalid value."""
    from ordersync.sandbox.shopify.store import ShopError

    def invalid(key: str) -> ShopError:
        return ShopError(400, {"errors": {key: "Invalid value."}})

    status = filters.get("status", "open")
    if status not in ("open", "closed", "cancelled", "any"):
        raise invalid("status")
    times: dict[str, float] = {}
    for key in ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max"):
        if filters.get(key):
            try:
                moment = datetime.fromisoformat(str(filters[key]).replace("Z", "+00:00"))
            except ValueError:
                raise invalid(key) from None
            times[key] = (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    raw_since = str(filters.get("since_id", ""))
    since_id = int(raw_since) if raw_since.isdigit() else None
    ids = None
    if filters.get("ids"):
        ids = frozenset(int(i) for i in str(filters["ids"]).split(",") if i.strip().isdigit())
    financial = None
    if filters.get("financial_status") not in (None, "", "any"):
        value = str(filters["financial_status"])
        if value not in FINANCIAL_VALUES:
            raise invalid("financial_status")
        financial = frozenset({"authorized", "partially_paid", "pending"}
                              if value == "unpaid" else {value})
    fulfillment = None
    if filters.get("fulfillment_status") not in (None, ""):
        value = str(filters["fulfillment_status"])
        if value not in FULFILLMENT_VALUES:
            raise invalid("fulfillment_status")
        allowed = FULFILLMENT_VALUES[value]
        fulfillment = frozenset(allowed) if allowed is not None else None
    return Query(status, times, since_id, ids, financial, fulfillment)


def _dict_facts(order: Json) -> Facts:
    return Facts(created=datetime.fromisoformat(order["created_at"]).timestamp(),
                 updated=datetime.fromisoformat(order["updated_at"]).timestamp(),
                 closed=bool(order.get("closed_at")), cancelled=bool(order.get("cancelled_at")),
                 financial=order.get("financial_status"),
                 fulfillment=order.get("fulfillment_status"))


def _seed_facts(batch: Batch, i: int) -> Facts:
    status = batch.status(i)
    return Facts(created=batch.created(i), updated=batch.updated(i), closed=status in CLOSED,
                 cancelled=status == "cancelled", financial=FINANCIAL[status],
                 fulfillment=FULFILLMENT[status])


def _facts(store: ShopStore, order_id: int) -> Facts:
    found = store.seeded.locate(order_id)
    if found is not None:
        return _seed_facts(*found)
    return _dict_facts(store.orders[order_id])


def _candidates(store: ShopStore, q: Query, after: int | None, before: int | None
                ) -> Iterator[int]:
    """Ids that may match, ascending from ``after`` (or descending below ``before``)."""
    created_min = q.times.get("created_at_min")
    created_max = q.times.get("created_at_max")
    lo = max(x for x in (after, q.since_id, -1) if x is not None)
    if before is None:
        own = sorted(i for i in store.orders if i > lo)
        seeded = store.seeded.ids_from(lo if lo >= 0 else None,
                                       None if created_min is None else int(-(-created_min // 1)),
                                       None if created_max is None else int(created_max))
        return heapq.merge(own, seeded)
    own = sorted((i for i in store.orders if lo < i < before), reverse=True)
    seeded = (i for i in store.seeded.ids_before(before) if i > lo)
    return heapq.merge(own, seeded, reverse=True)


def page(store: ShopStore, filters: Json, *, limit: int, after: int | None = None,
         before: int | None = None) -> tuple[list[int], bool, bool]:
    """(ids of the page, another match follows it, another match precedes it)."""
    q = parse(filters, store.tz)
    found: list[int] = []
    more = False
    for order_id in _candidates(store, q, after, before):
        if q.keep(order_id, _facts(store, order_id)):
            if len(found) == limit:
                more = True
                break
            found.append(order_id)
    if before is not None:
        found.reverse()
        return found, True, more
    earlier = bool(found) and after is not None and any(
        q.keep(i, _facts(store, i)) for i in _candidates(store, q, None, found[0]))
    return found, more, earlier


def all_ids(store: ShopStore, filters: Json) -> list[int]:
    """Every matching id (tests and control routes; renders nothing)."""
    q = parse(filters, store.tz)
    return [i for i in _candidates(store, q, None, None) if q.keep(i, _facts(store, i))]
