"""The store side of partial shipments: an order's parcels and line cancellations
(``order_parcels``), recorded with the order's status change in one transaction, claimed
under a lease before their marketplace write and finished after it. Each method is one
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from ordersync.orders import OrderStatus, ParcelLine, check_transition
from ordersync.orders.parcels import SHIP, KnownParcel
from ordersync.store.parcel_tables import OrderParcelRow
from ordersync.store.repository import Action, Store, _event, _insert
from ordersync.store.tables import OrderRow, RemoteWriteRow

WAITING, PENDING, SUBMITTED, DONE, FAILED, SKIPPED = (
    "waiting", "pending", "submitted", "done", "failed", "skipped")
OPEN = (PENDING, SUBMITTED)


@dataclass(frozen=True, slots=True)
class ParcelRecord:
    id: int
    order_id: int
    external_id: str
    parcel_id: str
    kind: str
    lines: tuple[ParcelLine, ...]
    state: str
    attempts: int
    tracking_number: str | None
    carrier: str | None
    carrier_code: str | None
    carrier_name: str | None
    shipped_at: datetime | None
    remote_ref: str | None

    def known(self) -> KnownParcel:
        return KnownParcel(self.parcel_id, self.kind, self.lines, self.tracking_number,
                           self.state)


def _lines(raw: Any) -> tuple[ParcelLine, ...]:
    return tuple(ParcelLine(str(line_id), int(quantity)) for line_id, quantity in raw or ())


def _record(row: OrderParcelRow, external_id: str) -> ParcelRecord:
    return ParcelRecord(row.id, row.order_id, external_id, row.parcel_id, row.kind,
                        _lines(row.lines), row.state, row.attempts, row.tracking_number,
                        row.carrier, row.carrier_code, row.carrier_name, row.shipped_at,
                        row.remote_ref)


@dataclass(frozen=True, slots=True)
class ParcelEntry:
    """A parcel to record (lines resolved, carrier detected)."""

    parcel_id: str
    kind: str
    lines: tuple[ParcelLine, ...]
    state: str
    tracking_number: str | None = None
    carrier: str | None = None
    carrier_name: str | None = None


class ParcelStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _select(self):
        return select(OrderParcelRow, OrderRow.external_id).join(
            OrderRow, OrderRow.id == OrderParcelRow.order_id)

    def of_order(self, order_id: int) -> list[ParcelRecord]:
        with self.store.session() as s:
            rows = s.execute(self._select().where(OrderParcelRow.order_id == order_id)
                             .order_by(OrderParcelRow.id))
            return [_record(row, ext) for row, ext in rows]

    def of_orders(self, order_ids: Sequence[int]) -> dict[int, list[ParcelRecord]]:
        """``of_order`` for a page of orders in one query (orders without parcels: [])."""
        found: dict[int, list[ParcelRecord]] = {i: [] for i in order_ids}
        if not found:
            return found
        with self.store.session() as s:
            rows = s.execute(self._select().where(OrderParcelRow.order_id.in_(list(found)))
                             .order_by(OrderParcelRow.id))
            for row, ext in rows:
                found[row.order_id].append(_record(row, ext))
        return found

    def orders_with_parcels(self, order_ids: Sequence[int]) -> set[int]:
        if not order_ids:
            return set()
        with self.store.session() as s:
            return set(s.scalars(select(OrderParcelRow.order_id).where(
                OrderParcelRow.order_id.in_(list(order_ids))).distinct()))

    # -- detection ------------------------------------------------------------------------

    def record(self, order_id: int, *, expected: OrderStatus, status: OrderStatus | None,
               entries: Sequence[ParcelEntry], coded: Sequence[tuple[str, str, str | None,
                                                                     str | None]],
               messages: Sequence[tuple[str, str]], now: datetime,
               waiting_since: datetime | None = None) -> bool:
        """Record new parcels, codes that arrived (parcel id, number, carrier, name) and the
        order's next status in one transaction; False (nothing written) when the order is no
        longer ``expected`` (an overlapping run moved it)."""
        with self.store.session() as s:
            row = s.execute(select(OrderRow).where(OrderRow.id == order_id)
                            .with_for_update()).scalar_one()
            if row.status != expected:
                return False
            if entries:  # a parcel an overlapping run recorded first is left as it is
                s.execute(_insert(self.store.dialect)(OrderParcelRow).values([{
                    "order_id": order_id, "parcel_id": entry.parcel_id, "kind": entry.kind,
                    "lines": [[line.line_id, line.quantity] for line in entry.lines],
                    "tracking_number": entry.tracking_number, "carrier": entry.carrier,
                    "carrier_name": entry.carrier_name, "shipped_at": now,
                    "waiting_since": now if entry.state == WAITING else None,
                    "state": entry.state, "attempts": 0, "created_at": now, "updated_at": now,
                } for entry in entries]).on_conflict_do_nothing(
                    index_elements=["order_id", "parcel_id"]))
            for parcel_id, number, carrier, name in coded:
                s.execute(update(OrderParcelRow).where(
                    OrderParcelRow.order_id == order_id, OrderParcelRow.parcel_id == parcel_id,
                    OrderParcelRow.state == WAITING).values(
                    tracking_number=number, carrier=carrier, carrier_name=name, state=PENDING,
                    waiting_since=None, updated_at=now))
            for level, message in messages:
                _event(s, order_id, now, level, "parcel", message)
            if status is not None:
                row.status = str(check_transition(row.status, status))
                if status == OrderStatus.WAITING:
                    row.waiting_since = waiting_since or now
                elif status == OrderStatus.SHIPPED:
                    row.waiting_since, row.shipped_at = None, row.shipped_at or now
                _event(s, order_id, now, "info", str(status), f"{status}: parcels recorded")
            row.updated_at = now
            return True

    def release_waiting(self, order_id: int | None, *, cutoff: datetime, now: datetime,
                        platform: str, account: str) -> int:
        """Parcels without a code whose wait ran out go out without tracking (pending)."""
        with self.store.session() as s:
            query = update(OrderParcelRow).where(
                OrderParcelRow.state == WAITING, OrderParcelRow.waiting_since <= cutoff,
                OrderParcelRow.order_id.in_(select(OrderRow.id).where(
                    OrderRow.platform == platform, OrderRow.account == account)))
            if order_id is not None:
                query = query.where(OrderParcelRow.order_id == order_id)
            result = s.execute(query.values(state=PENDING, waiting_since=None, updated_at=now)
                               .execution_options(synchronize_session=False))
            return result.rowcount or 0

    # -- intents --------------------------------------------------------------------------

    def claim(self, platform: str, account: str, *, owner: str, now: datetime,
              lease: timedelta, limit: int, after_id: int = 0) -> list[ParcelRecord]:
        """Claim pending parcel writes of this connection that nobody holds (committed before
        any remote write). Cancellations wait until the order's every line is decided and
        its shipments are confirmed (bol.com cancels an item's every open unit)."""
        other = OrderParcelRow.__table__.alias("other")
        ship_open = exists().where(other.c.order_id == OrderParcelRow.order_id,
                                   other.c.kind == SHIP,
                                   other.c.state.in_((WAITING, PENDING, SUBMITTED)))
        mine = select(OrderParcelRow.id).join(
            OrderRow, OrderRow.id == OrderParcelRow.order_id).where(
            OrderRow.platform == platform, OrderRow.account == account,
            OrderRow.test.is_(False), OrderParcelRow.id > after_id,
            OrderParcelRow.state == PENDING,
            or_(OrderParcelRow.owner.is_(None), OrderParcelRow.lease_until < now),
            or_(OrderParcelRow.kind == SHIP,
                and_(~ship_open, OrderRow.status.in_((OrderStatus.SHIPPED,
                                                      OrderStatus.CANCELLED)))),
        ).order_by(OrderParcelRow.id).limit(limit)
        with self.store.session() as s:
            ids = list(s.scalars(mine))
            if not ids:
                return []
            s.execute(update(OrderParcelRow).where(
                OrderParcelRow.id.in_(ids), OrderParcelRow.state == PENDING,
                or_(OrderParcelRow.owner.is_(None), OrderParcelRow.lease_until < now),
            ).values(owner=owner, lease_until=now + lease,
                     attempts=OrderParcelRow.attempts + 1, updated_at=now)
                .execution_options(synchronize_session=False))
            rows = s.execute(self._select().where(OrderParcelRow.id.in_(ids),
                                                  OrderParcelRow.owner == owner,
                                                  OrderParcelRow.state == PENDING)
                             .order_by(OrderParcelRow.id))
            return [_record(row, ext) for row, ext in rows]

    def submitted(self, platform: str, account: str) -> list[ParcelRecord]:
        with self.store.session() as s:
            rows = s.execute(self._select().where(
                OrderRow.platform == platform, OrderRow.account == account,
                OrderParcelRow.state == SUBMITTED).order_by(OrderParcelRow.id))
            return [_record(row, ext) for row, ext in rows]

    def set_carrier_code(self, parcel: int, *, code: str | None, name: str | None,
                         now: datetime) -> None:
        with self.store.session() as s:
            s.execute(update(OrderParcelRow).where(OrderParcelRow.id == parcel).values(
                carrier_code=code, carrier_name=name, updated_at=now))

    def finish(self, parcel: ParcelRecord, state: str, *, now: datetime, message: str,
               level: str = "info", ref: str | None = None, error: str | None = None) -> None:
        """Done, submitted (``ref``: the process to follow), failed or released (``pending``
        again, kept for a look-up first); logs the order's event."""
        values: dict[str, Any] = {"state": state, "owner": None, "lease_until": None,
                                   "updated_at": now}
        if ref is not None:
            values["remote_ref"] = ref
        if error is not None:
            values["last_error"] = error[:2000]
        with self.store.session() as s:
            s.execute(update(OrderParcelRow).where(OrderParcelRow.id == parcel.id)
                      .values(**values))
            _event(s, parcel.order_id, now, level, f"parcel_{state}", message)

    def unconfirmed_orders(self, platform: str, account: str) -> list[int]:
        """Shipped or cancelled orders in parcels not yet confirmed on the marketplace."""
        any_parcel = exists().where(OrderParcelRow.order_id == OrderRow.id)
        with self.store.session() as s:
            return list(s.scalars(select(OrderRow.id).where(
                OrderRow.platform == platform, OrderRow.account == account,
                OrderRow.status.in_((OrderStatus.SHIPPED, OrderStatus.CANCELLED)),
                OrderRow.marketplace_confirmed_at.is_(None), OrderRow.test.is_(False),
                any_parcel).order_by(OrderRow.id)))

    def complete_orders(self, platform: str, account: str, now: datetime) -> list[int]:
        """Shipped or cancelled orders whose parcels are all settled: confirmed on the
        marketplace (``marketplace_confirmed_at`` and the order-level intent done, so the
        order-level push leaves them alone)."""
        open_parcel = exists().where(OrderParcelRow.order_id == OrderRow.id,
                                     OrderParcelRow.state.in_((WAITING, PENDING, SUBMITTED)))
        any_parcel = exists().where(OrderParcelRow.order_id == OrderRow.id)
        with self.store.session() as s:
            rows = list(s.scalars(select(OrderRow).where(
                OrderRow.platform == platform, OrderRow.account == account,
                OrderRow.status.in_((OrderStatus.SHIPPED, OrderStatus.CANCELLED)),
                OrderRow.marketplace_confirmed_at.is_(None), any_parcel, ~open_parcel,
            ).with_for_update()))
            for row in rows:
                row.marketplace_confirmed_at = row.updated_at = now
                action = (Action.CONFIRM_SHIPMENT if row.status == OrderStatus.SHIPPED
                          else Action.CANCEL_ON_MARKETPLACE)
                s.execute(update(RemoteWriteRow).where(
                    RemoteWriteRow.order_id == row.id, RemoteWriteRow.action == action
                ).values(state="done", owner=None, lease_until=None, updated_at=now))
                _event(s, row.id, now, "info", action,
                       f"{action}: every parcel settled on {platform}")
            return [row.id for row in rows]
