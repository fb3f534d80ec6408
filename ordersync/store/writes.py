"""Claims and writes: the ``remote_writes`` intents claimed under a lease before any remote
write (and finished, released or failed after it), and every change of an order's status,
each one transaction with its event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from ordersync.orders import ErrorReason, InvalidTransition, OrderStatus, check_transition
from ordersync.store.base import StoreBase, _event, _flag_error, _insert
from ordersync.store.tables import OrderEventRow, OrderRow, RemoteWriteRow


class Action:
    """Kinds of remote writes guarded by an intent."""

    CREATE_IN_WEBSHOP = "create_in_webshop"
    CONFIRM_SHIPMENT = "confirm_shipment"
    CANCEL_ON_MARKETPLACE = "cancel_on_marketplace"
    CANCEL_IN_WEBSHOP = "cancel_in_webshop"


@dataclass(frozen=True, slots=True)
class Transition:
    """One order's status change, as ``WriteStore.transition`` takes it (for a page of them)."""

    order_id: int
    new: OrderStatus
    kind: str
    message: str
    level: str = "info"
    expected: OrderStatus | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Claim:
    order_id: int
    attempts: int  # including this one; > 1 means an earlier attempt may have written
    remote_ref: str | None
    state: str
    created_at: datetime



class WriteStore(StoreBase):
    """Intents and order changes."""

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
            s.execute(  # executemany: compiled once and cached, whatever the page size
                _insert(self.dialect)(RemoteWriteRow.__table__)
                .on_conflict_do_nothing(index_elements=["order_id", "action"]),
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
                ],
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
        """The marketplace accepted the shipment or cancellation."""
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

    def transition_many(
        self, changes: Sequence[Transition], *, now: datetime
    ) -> tuple[set[int], dict[int, InvalidTransition]]:
        """``transition`` for a page of orders in one transaction: the rows are locked and
        checked together, then changed with one statement per set of fields.

        Returns the ids that moved, and the refused ones with their reason (an order no
        longer in its ``expected`` status is neither: an overlapping run moved it first)."""
        if not changes:
            return set(), {}
        orders = OrderRow.__table__
        with self.session() as s:
            current: dict[int, str] = {
                order_id: status for order_id, status in s.execute(
                    select(OrderRow.id, OrderRow.status)
                    .where(OrderRow.id.in_(sorted({c.order_id for c in changes})))
                    .with_for_update())}
            moved: set[int] = set()
            refused: dict[int, InvalidTransition] = {}
            updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            events: list[dict[str, Any]] = []
            for change in changes:
                status = current.get(change.order_id)
                if status is None or (change.expected is not None and status != change.expected):
                    continue
                try:
                    new = str(check_transition(status, change.new))
                except InvalidTransition as exc:
                    refused[change.order_id] = exc
                    continue
                current[change.order_id] = new
                values = {**change.fields, "status": new, "updated_at": now}
                updates.setdefault(tuple(sorted(values)), []).append(
                    {"_id": change.order_id, **{f"v_{k}": v for k, v in values.items()}})
                events.append({"order_id": change.order_id, "at": now, "level": change.level,
                               "kind": change.kind, "message": change.message, "data": None})
                moved.add(change.order_id)
            for columns, rows in updates.items():
                s.execute(update(orders).where(orders.c.id == bindparam("_id"))
                          .values({c: bindparam(f"v_{c}") for c in columns}), rows)
            if events:
                s.execute(insert(OrderEventRow.__table__), events)
            return moved, refused

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
