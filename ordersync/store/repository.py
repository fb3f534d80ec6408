"""The store: every read and write the sync steps need, each one transaction.

Exactly-once rests on three things here: the natural key (platform, account, external_id) with
insert-or-ignore, the ``remote_writes`` intents claimed under a lease before any remote write,
and watermarks that only move after their window is committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, create_engine, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ordersync.orders import (
    ErrorReason,
    MarketplaceOrder,
    OrderBatch,
    OrderLine,
    OrderStatus,
    Quarantined,
    can_transition,
    check_transition,
)
from ordersync.orders.limits import clean_json, printable, storage_key
from ordersync.store.migrate import upgrade
from ordersync.store.records import OrderRecord, address_from_json, address_to_json
from ordersync.store.tables import (
    OrderEventRow,
    OrderLineRow,
    OrderRow,
    RemoteWriteRow,
    WatermarkRow,
)

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


class Action:
    """Kinds of remote writes guarded by an intent."""

    CREATE_IN_WEBSHOP = "create_in_webshop"
    CONFIRM_SHIPMENT = "confirm_shipment"
    CANCEL_ON_MARKETPLACE = "cancel_on_marketplace"
    CANCEL_IN_WEBSHOP = "cancel_in_webshop"


@dataclass(frozen=True, slots=True)
class Claim:
    order_id: int
    attempts: int  # including this one; > 1 means an earlier attempt may have written
    remote_ref: str | None
    state: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SaveResult:
    created: int = 0
    quarantined: int = 0
    repaired: int = 0
    cancellation_requests: int = 0


def _insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class Store:
    def __init__(self, url: str, *, migrate: bool = True, echo: bool = False) -> None:
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # ---- import -------------------------------------------------------------------------

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
            for order in batch.orders:
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
        values = {
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

    # ---- intents ------------------------------------------------------------------------

    def claim_writes(
        self, action: str, order_ids: Sequence[int], *, owner: str, now: datetime, lease: timedelta
    ) -> dict[int, Claim]:
        """Record the intent for each order (if new) and claim the ones nobody holds.

        Returns the claimed intents; orders held by a live lease, or already done, are left
        out. Committed before the caller writes anything remotely.
        """
        if not order_ids:
            return {}
        ids = list(order_ids)
        with self.session() as s:
            s.execute(
                _insert(self.dialect)(RemoteWriteRow)
                .values(
                    [
                        {
                            "order_id": i,
                            "action": action,
                            "state": "pending",
                            "attempts": 0,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for i in ids
                    ]
                )
                .on_conflict_do_nothing(index_elements=["order_id", "action"])
            )
            s.execute(
                update(RemoteWriteRow)
                .where(
                    RemoteWriteRow.action == action,
                    RemoteWriteRow.order_id.in_(ids),
                    RemoteWriteRow.state.in_(("pending", "submitted")),
                    or_(RemoteWriteRow.owner.is_(None), RemoteWriteRow.lease_until < now),
                )
                .values(
                    owner=owner,
                    lease_until=now + lease,
                    attempts=RemoteWriteRow.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            rows = s.execute(
                select(RemoteWriteRow).where(
                    RemoteWriteRow.action == action,
                    RemoteWriteRow.order_id.in_(ids),
                    RemoteWriteRow.owner == owner,
                    RemoteWriteRow.state.in_(("pending", "submitted")),
                )
            ).scalars()
            return {
                r.order_id: Claim(r.order_id, r.attempts, r.remote_ref, r.state, r.created_at)
                for r in rows
            }

    def submit_write(
        self, order_id: int, action: str, *, ref: str | None, owner: str, now: datetime
    ) -> None:
        """An asynchronous write was accepted: keep it claimed, remember the process id."""
        with self.session() as s:
            s.execute(
                update(RemoteWriteRow)
                .where(RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action)
                .values(
                    state="submitted", remote_ref=ref, owner=None, lease_until=None, updated_at=now
                )
            )

    def release_write(self, order_id: int, action: str, *, error: str, now: datetime) -> None:
        """A transient failure: leave the intent for the next run (which reconciles first)."""
        with self.session() as s:
            s.execute(
                update(RemoteWriteRow)
                .where(RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action)
                .values(owner=None, lease_until=None, last_error=error[:2000], updated_at=now)
            )

    def submitted_writes(
        self, action: str, platform: str, account: str
    ) -> list[tuple[int, str, str]]:
        """(order id, external id, process ref) of accepted asynchronous writes."""
        with self.session() as s:
            rows = s.execute(
                select(RemoteWriteRow.order_id, OrderRow.external_id, RemoteWriteRow.remote_ref)
                .join(OrderRow, OrderRow.id == RemoteWriteRow.order_id)
                .where(
                    RemoteWriteRow.action == action,
                    RemoteWriteRow.state == "submitted",
                    OrderRow.platform == platform,
                    OrderRow.account == account,
                )
            )
            return [(oid, ext, ref or "") for oid, ext, ref in rows]

    def _finish(
        self,
        s: Session,
        order_id: int,
        action: str,
        state: str,
        now: datetime,
        ref: str | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "state": state,
            "owner": None,
            "lease_until": None,
            "updated_at": now,
        }
        if ref is not None:
            values["remote_ref"] = ref
        if error is not None:
            values["last_error"] = error[:2000]
        s.execute(
            update(RemoteWriteRow)
            .where(RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action)
            .values(**values)
        )

    # ---- order changes ------------------------------------------------------------------

    def mark_created_in_webshop(
        self,
        order_id: int,
        *,
        webshop_platform: str,
        webshop_account: str,
        webshop_id: str,
        now: datetime,
        reconciled: bool = False,
    ) -> None:
        with self.session() as s:
            row = s.get_one(OrderRow, order_id)
            row.webshop_platform, row.webshop_account = webshop_platform, webshop_account
            row.webshop_order_id, row.updated_at = webshop_id, now
            how = "found existing" if reconciled else "created"
            _event(
                s,
                order_id,
                now,
                "info",
                "webshop_created",
                f"{how} order {webshop_id} in {webshop_platform}",
            )
            self._finish(s, order_id, Action.CREATE_IN_WEBSHOP, "done", now, ref=webshop_id)

    def mark_confirmed(
        self, order_id: int, action: str, *, now: datetime, message: str, ref: str | None = None
    ) -> None:
        """The marketplace accepted the shipment or cancellation (either one stamps
        ``marketplace_confirmed_at``, so the push step never lists the order again)."""
        with self.session() as s:
            row = s.get_one(OrderRow, order_id)
            if action in (Action.CONFIRM_SHIPMENT, Action.CANCEL_ON_MARKETPLACE):
                row.marketplace_confirmed_at = now
            row.updated_at = now
            _event(s, order_id, now, "info", action, message)
            self._finish(s, order_id, action, "done", now, ref=ref)

    def fail_write(
        self, order_id: int, action: str, *, reason: ErrorReason, message: str, now: datetime
    ) -> OrderStatus:
        """A permanent refusal: the order goes to ERROR with the reason; the intent fails.

        An order that may not go to ERROR (e.g. cancelled in the webshop, then refused by the
        marketplace) goes to MANUAL with the reason instead, or keeps its status with the error
        logged; never raises a status conflict. Returns the order's status afterwards."""
        with self.session() as s:
            row = s.execute(
                select(OrderRow).where(OrderRow.id == order_id).with_for_update()
            ).scalar_one()
            status = _flag_error(s, row, reason, message, now, kind=action)
            self._finish(s, order_id, action, "failed", now, error=message)
            return status

    def fail_unexpected(
        self, order_id: int, action: str | None, *, message: str, now: datetime
    ) -> OrderStatus:
        """An unexpected exception while handling one order: the order goes to ERROR with
        ``internal_error`` (MANUAL, or only logged, where ERROR is not allowed). A claimed
        intent is released, not failed: the write may have happened, so whoever retries
        looks the order up on the platform first. Returns the order's status afterwards."""
        with self.session() as s:
            row = s.execute(
                select(OrderRow).where(OrderRow.id == order_id).with_for_update()
            ).scalar_one()
            status = _flag_error(s, row, ErrorReason.INTERNAL_ERROR, message, now,
                                 kind=action or "internal_error")
            if action is not None:
                s.execute(
                    update(RemoteWriteRow)
                    .where(RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action)
                    .values(owner=None, lease_until=None, last_error=message[:2000],
                            updated_at=now)
                )
            return status

    def transition(
        self,
        order_id: int,
        new: OrderStatus,
        *,
        now: datetime,
        kind: str,
        message: str,
        level: str = "info",
        expected: OrderStatus | None = None,
        **fields: Any,
    ) -> bool:
        """Move an order to ``new`` (checked), set ``fields``, log the event.

        With ``expected``, nothing happens (False) when the order is no longer in that status,
        e.g. because an overlapping run moved it first; the row is locked while checking.
        """
        with self.session() as s:
            row = s.execute(
                select(OrderRow).where(OrderRow.id == order_id).with_for_update()
            ).scalar_one()
            if expected is not None and row.status != expected:
                return False
            row.status = str(check_transition(row.status, new))
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = now
            _event(s, order_id, now, level, kind, message)
            return True

    def set_carrier_code(
        self, order_id: int, *, code: str | None, name: str | None, now: datetime
    ) -> None:
        """The marketplace's carrier code (and name) chosen when the shipment is sent."""
        with self.session() as s:
            s.execute(
                update(OrderRow)
                .where(OrderRow.id == order_id)
                .values(carrier_code=code, carrier_name=name, updated_at=now)
            )

    def add_event(
        self,
        order_id: int,
        *,
        now: datetime,
        level: str,
        kind: str,
        message: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        with self.session() as s:
            _event(s, order_id, now, level, kind, message, data)

    # ---- queries ------------------------------------------------------------------------

    def orders_needing_webshop(
        self, platform: str, account: str, limit: int, after_id: int = 0
    ) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.id > after_id,
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status.in_([OrderStatus.NOT_SHIPPED, OrderStatus.CANCELLATION_REQUEST]),
                OrderRow.webshop_order_id.is_(None),
            ),
            limit,
        )

    def orders_by_webshop_ids(
        self,
        webshop_platform: str,
        webshop_account: str,
        ids: Collection[str],
        *,
        platform: str,
        account: str,
    ) -> dict[str, OrderRecord]:
        """The orders of one marketplace account with these webshop ids: a webshop shared by
        several connections holds every connection's orders, and each acts on its own only."""
        if not ids:
            return {}
        records = self._records(
            and_(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.webshop_platform == webshop_platform,
                OrderRow.webshop_account == webshop_account,
                OrderRow.webshop_order_id.in_(list(ids)),
            ),
            None,
        )
        return {r.webshop_order_id: r for r in records if r.webshop_order_id}

    def first_unresolved_create(self, platform: str, account: str) -> datetime | None:
        """When the oldest webshop create of this marketplace account whose outcome is not
        known yet was first tried (claimed, not done, the order still without a webshop id),
        or None. The webshop may hold such an order without the hub knowing its id."""
        with self.session() as s:
            return s.execute(
                select(func.min(RemoteWriteRow.created_at))
                .join(OrderRow, OrderRow.id == RemoteWriteRow.order_id)
                .where(
                    RemoteWriteRow.action == Action.CREATE_IN_WEBSHOP,
                    RemoteWriteRow.state.in_(("pending", "submitted")),
                    RemoteWriteRow.attempts > 0,
                    OrderRow.platform == platform,
                    OrderRow.account == account,
                    OrderRow.webshop_order_id.is_(None),
                    OrderRow.status.in_(
                        [OrderStatus.NOT_SHIPPED, OrderStatus.CANCELLATION_REQUEST]
                    ),
                )
            ).scalar_one_or_none()

    def orders_to_confirm(
        self, platform: str, account: str, limit: int, after_id: int = 0
    ) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.id > after_id,
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status == OrderStatus.SHIPPED,
                OrderRow.marketplace_confirmed_at.is_(None),
            ),
            limit,
        )

    def orders_to_cancel_on_marketplace(
        self, platform: str, account: str, limit: int, after_id: int = 0
    ) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.id > after_id,
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status == OrderStatus.CANCELLED,
                OrderRow.marketplace_confirmed_at.is_(None),
                OrderRow.webshop_order_id.is_not(None),
            ),
            limit,
        )

    def overdue_waiting(self, platform: str, account: str, cutoff: datetime) -> list[OrderRecord]:
        return self._records(
            and_(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.status == OrderStatus.WAITING,
                OrderRow.waiting_since <= cutoff,
            ),
            None,
        )

    def get(self, order_id: int) -> OrderRecord:
        records = self._records(OrderRow.id == order_id, 1)
        if not records:
            raise KeyError(f"no order with id {order_id}")
        return records[0]

    def find(self, platform: str, account: str, external_id: str) -> OrderRecord | None:
        records = self._records(
            and_(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.external_id == external_id,
            ),
            1,
        )
        return records[0] if records else None

    def list_orders(self, status: OrderStatus | None = None, limit: int = 50) -> list[OrderRecord]:
        condition = OrderRow.status == status if status is not None else OrderRow.id > 0
        return self._records(condition, limit, newest_first=True)

    def count_by_status(self) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(select(OrderRow.status, func.count()).group_by(OrderRow.status))
            return {status: n for status, n in rows}

    def events(self, order_id: int) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.execute(
                select(OrderEventRow)
                .where(OrderEventRow.order_id == order_id)
                .order_by(OrderEventRow.id)
            ).scalars()
            return [
                {"at": r.at, "level": r.level, "kind": r.kind, "message": r.message} for r in rows
            ]

    def write_states(self, action: str) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(
                select(RemoteWriteRow.state, func.count())
                .where(RemoteWriteRow.action == action)
                .group_by(RemoteWriteRow.state)
            )
            return {state: n for state, n in rows}

    def _records(
        self, condition: Any, limit: int | None, newest_first: bool = False
    ) -> list[OrderRecord]:
        with self.session() as s:
            query = (
                select(OrderRow)
                .where(condition)
                .options(selectinload(OrderRow.lines))
                .order_by(OrderRow.id.desc() if newest_first else OrderRow.id)
            )
            if limit is not None:
                query = query.limit(limit)
            return [_record(row) for row in s.execute(query).scalars()]

    @staticmethod
    def _row_by_external(s: Session, platform: str, account: str, ext: str) -> OrderRow | None:
        return s.execute(
            select(OrderRow).where(
                OrderRow.platform == platform,
                OrderRow.account == account,
                OrderRow.external_id == ext,
            )
        ).scalar_one_or_none()

    # ---- watermarks ---------------------------------------------------------------------

    def watermark(self, connection: str, stream: str) -> datetime | None:
        with self.session() as s:
            row = s.get(WatermarkRow, (connection, stream))
            return row.value if row else None

    def set_watermark(self, connection: str, stream: str, value: datetime, now: datetime) -> None:
        """Advance (never rewind) a stream's watermark; atomic under overlapping runs."""
        insert = _insert(self.dialect)(WatermarkRow).values(
            connection=connection, stream=stream, value=value, updated_at=now
        )
        with self.session() as s:
            s.execute(
                insert.on_conflict_do_update(
                    index_elements=["connection", "stream"],
                    set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
                    where=WatermarkRow.value < insert.excluded.value,
                )
            )


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


def _line_rows(order_id: int, lines: Sequence[OrderLine]) -> list[OrderLineRow]:
    return [
        OrderLineRow(
            order_id=order_id,
            line_id=line.line_id,
            sku=line.sku,
            ean=line.ean,
            title=line.title,
            offer_id=line.offer_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in lines
    ]


def _flag_error(
    s: Session, row: OrderRow, reason: ErrorReason, message: str, now: datetime, *, kind: str
) -> OrderStatus:
    """Put ``row`` in ERROR with the reason; where that is not allowed (cancelled), MANUAL:
    the merchant takes over; a manual order keeps its status and gets the reason logged."""
    current = OrderStatus(row.status)
    note = ""
    if can_transition(current, OrderStatus.ERROR) and current != OrderStatus.MANUAL:
        row.status = str(OrderStatus.ERROR)
    elif current != OrderStatus.MANUAL and can_transition(current, OrderStatus.MANUAL):
        row.status = str(OrderStatus.MANUAL)
        note = f" (it was {current}; the order is manual now: handle it on the platform)"
    row.error_reason, row.error_message, row.updated_at = str(reason), message, now
    _event(s, row.id, now, "error", kind, f"{reason}: {message}{note}")
    return OrderStatus(row.status)


def _event(
    s: Session,
    order_id: int,
    now: datetime,
    level: str,
    kind: str,
    message: str,
    data: dict[str, Any] | None = None,
) -> None:
    s.add(
        OrderEventRow(order_id=order_id, at=now, level=level, kind=kind, message=message, data=data)
    )


def _record(row: OrderRow) -> OrderRecord:
    return OrderRecord(
        id=row.id,
        platform=row.platform,
        account=row.account,
        external_id=row.external_id,
        status=OrderStatus(row.status),
        error_reason=row.error_reason,
        currency=row.currency,
        total=row.total,
        placed_at=row.placed_at,
        test=row.test,
        lines=tuple(
            OrderLine(
                line_id=ln.line_id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                sku=ln.sku,
                ean=ln.ean,
                title=ln.title,
                offer_id=ln.offer_id,
            )
            for ln in row.lines
        ),
        shipping_address=address_from_json(row.shipping_address),
        billing_address=address_from_json(row.billing_address),
        webshop_order_id=row.webshop_order_id,
        waiting_since=row.waiting_since,
        shipped_at=row.shipped_at,
        tracking_number=row.tracking_number,
        carrier=row.carrier,
        carrier_code=row.carrier_code,
        carrier_name=row.carrier_name,
        marketplace_confirmed_at=row.marketplace_confirmed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event open the transaction (as BEGIN IMMEDIATE, below), so
    # overlapping runs queue for the write lock instead of failing on a stale snapshot.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
