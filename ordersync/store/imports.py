"""Imports: pages of marketplace orders stored exactly once (natural key, insert-or-ignore,
one savepoint per order), bad payloads quarantined with a typed reason, quarantined ones
repaired when fetched again valid, and the buyers' cancellation requests."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ordersync.orders import (
    ErrorReason,
    MarketplaceOrder,
    OrderBatch,
    OrderLine,
    OrderStatus,
    Quarantined,
    check_transition,
)
from ordersync.orders.limits import clean_json, printable, storage_key
from ordersync.store.base import StoreBase, _event, _insert, _line_rows
from ordersync.store.records import address_to_json
from ordersync.store.tables import OrderEventRow, OrderLineRow, OrderRow

# Payload problems that may be fixed on the platform: such orders are fetched again.
REFETCH_REASONS = frozenset(
    {
        ErrorReason.VALIDATION,
        ErrorReason.ADDRESS_PARSING,
        ErrorReason.PRICING,
        ErrorReason.VALUE_LIMIT,
        ErrorReason.STORAGE_REJECTED,
    }
)
# What the database (or its driver) raises for a value it cannot take.
STORE_REFUSALS = (SQLAlchemyError, ValueError, OverflowError, ArithmeticError)
log = logging.getLogger("ordersync.store")

@dataclass(frozen=True, slots=True)
class SaveResult:
    created: int = 0
    quarantined: int = 0
    repaired: int = 0
    cancellation_requests: int = 0



class ImportStore(StoreBase):
    """Stores what the marketplaces' order pages bring."""

    def known_external_ids(self, platform: str, account: str, ids: Collection[str]) -> set[str]:
        """Ids the hub has, except quarantined payloads worth fetching again. An id too long
        (or too odd) for the store is looked up under its ``storage_key``."""
        if not ids:
            return set()
        keys = {storage_key(i): i for i in ids}
        with self.session() as s:
            rows = s.execute(
                select(OrderRow.external_id, OrderRow.status, OrderRow.error_reason).where(
                    OrderRow.platform == platform,
                    OrderRow.account == account,
                    OrderRow.external_id.in_(list(keys)),
                )
            )
            return {
                keys[key]
                for key, status, reason in rows
                if not (status == OrderStatus.ERROR and reason in REFETCH_REASONS)
            }

    def save_batch(
        self,
        batch: OrderBatch,
        *,
        platform: str,
        account: str,
        now: datetime,
        initial_status: OrderStatus = OrderStatus.NOT_SHIPPED,
    ) -> SaveResult:
        """Store one page of imported orders in one transaction (insert-or-ignore).

        Each order is written under its own savepoint: one the database refuses (a value the
        mapping let through) is quarantined as ``storage_rejected`` and the rest of the page
        is saved.
        """
        created = quarantined = repaired = requests = 0
        with self.session() as s:
            ids = self._insert_page(s, batch.orders, initial_status, now)
            for order in batch.orders:
                if ids is not None and order.external_id in ids:
                    created += 1  # inserted with the page (the common case)
                    continue
                try:
                    with s.begin_nested():
                        outcome = self._save_one(s, order, initial_status, now)
                except STORE_REFUSALS as exc:
                    log.warning("%s order %s refused by the store: %s", order.platform,
                                printable(order.external_id, 200), type(exc).__name__)
                    quarantined += self._quarantine_safely(
                        s, _refused(order, exc), platform, account, now
                    )
                    continue
                created += outcome == "created"
                repaired += outcome == "repaired"
            for bad in batch.rejected:
                quarantined += self._quarantine_safely(s, bad, platform, account, now)
            for ext in batch.cancellation_requests:
                requests += self._cancellation_requested(s, platform, account, ext, now)
        return SaveResult(created, quarantined, repaired, requests)

    def _insert_page(
        self, s: Session, orders: Sequence[MarketplaceOrder], status: OrderStatus,
        now: datetime,
    ) -> dict[str, int] | None:
        """Insert a page's new orders, their lines and events with three statements under
        one savepoint; returns external id -> new row id (orders already stored are not in
        it: the caller takes them one by one, e.g. to repair a quarantined one). None when
        the database refused something: the caller then saves the page order by order, so
        only the refused order is quarantined."""
        if not orders:
            return {}
        try:
            with s.begin_nested():
                inserted = s.execute(  # executemany with RETURNING: compiled once, cached
                    _insert(self.dialect)(OrderRow.__table__)
                    .on_conflict_do_nothing(index_elements=["platform", "account", "external_id"])
                    .returning(OrderRow.id, OrderRow.external_id),
                    [_order_values(o, status, now) for o in orders],
                ).tuples().all()
                ids = {ext: new_id for new_id, ext in inserted}
                lines = [_line_values(ids[o.external_id], line) for o in orders
                         if o.external_id in ids for line in o.lines]
                if lines:
                    s.execute(insert(OrderLineRow.__table__), lines)
                events = [
                    {"order_id": new_id, "at": now, "level": "info", "kind": "imported",
                     "message": f"imported from {o.platform} as {status}", "data": None}
                    for o in orders if (new_id := ids.get(o.external_id)) is not None
                ]
                if events:
                    s.execute(insert(OrderEventRow.__table__), events)
            return ids
        except STORE_REFUSALS as exc:
            log.info("a page of %d orders was refused as a whole (%s); saving them one by one",
                     len(orders), type(exc).__name__)
            return None

    def _save_one(
        self, s: Session, order: MarketplaceOrder, status: OrderStatus, now: datetime
    ) -> str | None:
        new_id = self._insert_order(s, order, status, now)
        if new_id is not None:
            _event(s, new_id, now, "info", "imported",
                   f"imported from {order.platform} as {status}")
            s.flush()
            return "created"
        if self._repair(s, order, status, now):
            s.flush()
            return "repaired"
        return None

    def _quarantine_safely(
        self, s: Session, bad: Quarantined, platform: str, account: str, now: datetime
    ) -> int:
        """Quarantine under a savepoint; if even that is refused, once more without the raw
        payload. Logged (never raised) when the store refuses both."""
        for attempt in (bad, Quarantined(bad.external_id, bad.reason, bad.message)):
            try:
                with s.begin_nested():
                    return self._quarantine(s, attempt, platform, account, now)
            except STORE_REFUSALS as exc:
                error = exc
        log.error("%s: could not quarantine order %s: %s", platform,
                  printable(bad.external_id, 200), type(error).__name__)
        return 0

    def _insert_order(
        self, s: Session, order: MarketplaceOrder, status: OrderStatus, now: datetime
    ) -> int | None:
        values = _order_values(order, status, now)
        stmt = (
            _insert(self.dialect)(OrderRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["platform", "account", "external_id"])
            .returning(OrderRow.id)
        )
        new_id = s.execute(stmt).scalar_one_or_none()
        if new_id is not None:
            s.add_all(_line_rows(new_id, order.lines))
        return new_id

    def _repair(
        self, s: Session, order: MarketplaceOrder, status: OrderStatus, now: datetime
    ) -> bool:
        """A quarantined order whose payload is now valid goes on as a normal import."""
        row = s.execute(
            select(OrderRow).where(
                OrderRow.platform == order.platform,
                OrderRow.account == order.account,
                OrderRow.external_id == order.external_id,
                OrderRow.status == OrderStatus.ERROR,
                OrderRow.error_reason.in_([str(r) for r in REFETCH_REASONS]),
            )
        ).scalar_one_or_none()
        if row is None:
            return False
        row.status, row.error_reason, row.error_message, row.raw = str(status), None, None, None
        row.placed_at, row.currency, row.total = order.placed_at, order.currency, order.total
        row.shipping_address = address_to_json(order.shipping_address)
        row.billing_address = address_to_json(order.billing_address)
        row.updated_at = now
        row.lines.clear()
        s.flush()
        s.add_all(_line_rows(row.id, order.lines))
        _event(s, row.id, now, "info", "repaired", "payload is valid now; imported")
        return True

    def _quarantine(
        self, s: Session, bad: Quarantined, platform: str, account: str, now: datetime
    ) -> int:
        external_id = storage_key(bad.external_id) if bad.external_id else None
        external_id = external_id or unidentified_key(bad.raw)
        message = printable(bad.message)
        stmt = (
            _insert(self.dialect)(OrderRow)
            .values(
                platform=platform,
                account=account,
                external_id=external_id,
                status=str(OrderStatus.ERROR),
                error_reason=str(bad.reason),
                error_message=message,
                raw=clean_json(dict(bad.raw)),
                test=False,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["platform", "account", "external_id"])
            .returning(OrderRow.id)
        )
        new_id = s.execute(stmt).scalar_one_or_none()
        if new_id is not None:
            _event(s, new_id, now, "error", "quarantined", f"{bad.reason}: {message}")
            s.flush()
            return 1
        return 0

    def _cancellation_requested(
        self, s: Session, platform: str, account: str, ext: str, now: datetime
    ) -> int:
        row = self._row_by_external(s, platform, account, ext)
        if row is None or row.status != OrderStatus.NOT_SHIPPED:
            return 0
        row.status = check_transition(row.status, OrderStatus.CANCELLATION_REQUEST)
        row.updated_at = now
        _event(
            s,
            row.id,
            now,
            "warning",
            "cancellation_request",
            "the buyer asked to cancel; the order can still be shipped or cancelled",
        )
        return 1


def _order_values(order: MarketplaceOrder, status: OrderStatus, now: datetime) -> dict[str, Any]:
    return {
        "platform": order.platform,
        "account": order.account,
        "external_id": order.external_id,
        "status": str(status),
        "placed_at": order.placed_at,
        "currency": order.currency,
        "total": order.total,
        "test": order.test,
        "shipping_address": address_to_json(order.shipping_address),
        "billing_address": address_to_json(order.billing_address),
        "created_at": now,
        "updated_at": now,
    }


def _line_values(order_id: int, line: OrderLine) -> dict[str, Any]:
    return {"order_id": order_id, "line_id": line.line_id, "sku": line.sku, "ean": line.ean,
            "title": line.title, "offer_id": line.offer_id, "quantity": line.quantity,
            "unit_price": line.unit_price}


def _refused(order: MarketplaceOrder, exc: Exception) -> Quarantined:
    """The quarantine record of an order the database refused."""
    detail = printable(str(getattr(exc, "orig", None) or exc).splitlines()[0], 300)
    return Quarantined(
        order.external_id,
        ErrorReason.STORAGE_REJECTED,
        f"{order.platform} order {printable(order.external_id, 200)}: the store refused it "
        f"({type(exc).__name__}: {detail})",
        {"order": repr(order)[:10_000]},
    )


def unidentified_key(raw: Any) -> str:
    """A stable key for a payload without an id, the same in every process and run (Python's
    own hash() is salted per process), so the same bad payload is quarantined once."""
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return f"unidentified-{digest[:24]}"
