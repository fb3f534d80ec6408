"""The store side of the merchant's actions on one order (retry, resolve, ship, cancel).

Each method is one transaction over the existing tables: it locks the order, refuses while a
run holds a live claim on one of its writes, checks the status rules, moves the order, sets
its ``remote_writes`` intents so the loop's claim-and-lookup protocol applies, and leaves an
event in the order's log. No method writes to a platform.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ordersync.orders import OrderStatus, can_transition
from ordersync.store.records import OrderRecord
from ordersync.store.repository import Action, Store, _event
from ordersync.store.tables import OrderRow, RemoteWriteRow

OPEN_STATES = ("pending", "submitted")
ABANDONED = "abandoned"  # an intent the merchant took out of the hub's hands

# Where a failed write puts the order back when it is retried.
RETRY_STATUS = {
    Action.CREATE_IN_WEBSHOP: OrderStatus.NOT_SHIPPED,
    Action.CONFIRM_SHIPMENT: OrderStatus.SHIPPED,
    Action.CANCEL_ON_MARKETPLACE: OrderStatus.CANCELLED,
    Action.CANCEL_IN_WEBSHOP: OrderStatus.CANCELLED,
}


class ActionRefused(ValueError):
    """The action does not apply to the order as it stands (the message says why)."""


class ActionStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- finding the order ----------------------------------------------------------------

    def lookup(self, platform: str, account: str, ref: str) -> OrderRecord:
        """The connection's order by marketplace order id, else by the hub's row id."""
        ref = ref.strip()
        record = self.store.find(platform, account, ref)
        if record is None and ref.isdigit():
            try:
                candidate = self.store.get(int(ref))
            except KeyError:
                candidate = None
            if candidate is not None and (candidate.platform, candidate.account) == (
                platform,
                account,
            ):
                record = candidate
        if record is None:
            raise ActionRefused(f"no {platform} order {ref!r} in account {account!r}")
        return record

    # -- the actions ----------------------------------------------------------------------

    def retry(self, order_id: int, *, now: datetime, note: str = "") -> str:
        """An order in ``error`` because a write failed goes back to where it failed; the
        failed intent is pending again with its attempts kept, so the next claimant looks
        the order up on the platform before writing. Returns the write to be retried."""
        with self.store.session() as s:
            row = self._locked(s, order_id, now)
            if row.status != OrderStatus.ERROR:
                raise ActionRefused(
                    f"order {row.external_id} is {row.status}, not error: nothing to retry"
                )
            failed = s.execute(
                select(RemoteWriteRow)
                .where(RemoteWriteRow.order_id == order_id, RemoteWriteRow.state == "failed")
                .order_by(RemoteWriteRow.updated_at.desc(), RemoteWriteRow.id.desc())
            ).scalars().first()
            if failed is None or failed.action not in RETRY_STATUS:
                raise ActionRefused(
                    f"order {row.external_id} failed at import ({row.error_reason}: "
                    f"{row.error_message}); nothing to resend: fix it on {row.platform} (it is "
                    f"fetched again) or resolve it by hand"
                )
            status = RETRY_STATUS[failed.action]
            was = f"{row.error_reason}: {row.error_message}"
            failed.state, failed.owner, failed.lease_until = "pending", None, None
            failed.attempts, failed.updated_at = max(failed.attempts, 1), now
            self._move(row, status, now, error_reason=None, error_message=None)
            _event(s, order_id, now, "info", "retry",
                   _with_note(f"retried by the merchant: {failed.action} again (was {was}); "
                              f"the platform is checked before writing", note))
            return failed.action

    def resolve(self, order_id: int, *, now: datetime, note: str = "") -> None:
        """Handled by hand: the order becomes ``manual`` and the hub stops acting on it; its
        open intents are abandoned."""
        with self.store.session() as s:
            row = self._locked(s, order_id, now)
            self._check(row, OrderStatus.MANUAL)
            abandoned = self._abandon(s, order_id, now, "resolved by hand")
            self._move(row, OrderStatus.MANUAL, now)
            left = f"; abandoned: {', '.join(abandoned)}" if abandoned else ""
            _event(s, order_id, now, "info", "resolved",
                   _with_note(f"handled by hand by the merchant (was {_was(row)}); the hub no "
                              f"longer acts on it{left}", note))

    def ship(self, order_id: int, *, now: datetime, tracking_number: str, carrier: str | None,
             carrier_code: str, carrier_name: str | None, note: str = "") -> None:
        """Shipped by hand with this code: ``shipped``, to be confirmed on the marketplace
        (a failed confirmation is pending again, looked up before it is sent)."""
        with self.store.session() as s:
            row = self._locked(s, order_id, now)
            if row.status == OrderStatus.SHIPPED:
                raise ActionRefused(f"order {row.external_id} is already shipped")
            self._check(row, OrderStatus.SHIPPED)
            was = _was(row)
            self._reopen(s, order_id, Action.CONFIRM_SHIPMENT, now)
            self._abandon(s, order_id, now, "shipped by hand",
                          keep=(Action.CONFIRM_SHIPMENT,))
            self._move(row, OrderStatus.SHIPPED, now, shipped_at=now, waiting_since=None,
                       tracking_number=tracking_number, carrier=carrier,
                       carrier_code=carrier_code, carrier_name=carrier_name,
                       marketplace_confirmed_at=None, error_reason=None, error_message=None)
            name = carrier or carrier_name or "carrier unknown"
            _event(s, order_id, now, "info", "shipped_by_hand",
                   _with_note(f"shipped by the merchant with {tracking_number} ({name}, "
                              f"{row.platform} code {carrier_code}; was {was})", note))

    def cancel(self, order_id: int, *, now: datetime, note: str = "") -> None:
        """Cancelled by the merchant: ``cancelled``; the caller then tells the webshop and
        the marketplace through the intents (a failed cancellation is pending again)."""
        with self.store.session() as s:
            row = self._locked(s, order_id, now)
            if row.status == OrderStatus.CANCELLED:
                raise ActionRefused(f"order {row.external_id} is already cancelled")
            self._check(row, OrderStatus.CANCELLED)
            was = _was(row)
            for action in (Action.CANCEL_ON_MARKETPLACE, Action.CANCEL_IN_WEBSHOP):
                self._reopen(s, order_id, action, now)
            self._abandon(s, order_id, now, "cancelled by hand",
                          keep=(Action.CREATE_IN_WEBSHOP, Action.CANCEL_ON_MARKETPLACE,
                                Action.CANCEL_IN_WEBSHOP))
            self._move(row, OrderStatus.CANCELLED, now, marketplace_confirmed_at=None,
                       error_reason=None, error_message=None)
            _event(s, order_id, now, "info", "cancelled_by_hand",
                   _with_note(f"cancelled by the merchant (was {was})", note))

    # -- intents the actions read ---------------------------------------------------------

    def intent(self, order_id: int, action: str) -> dict[str, Any] | None:
        """One intent's state, attempts and reference (None when there is none)."""
        with self.store.session() as s:
            row = s.execute(select(RemoteWriteRow).where(
                RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action)
            ).scalar_one_or_none()
            if row is None:
                return None
            return {"state": row.state, "attempts": row.attempts, "ref": row.remote_ref,
                    "created_at": row.created_at, "last_error": row.last_error}

    def abandon(self, order_id: int, action: str, *, now: datetime, why: str) -> None:
        """Close one open intent that no longer applies (e.g. a create nobody made)."""
        with self.store.session() as s:
            s.execute(update(RemoteWriteRow).where(
                RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action,
                RemoteWriteRow.state.in_(OPEN_STATES),
            ).values(state=ABANDONED, owner=None, lease_until=None, last_error=why,
                     updated_at=now))

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _locked(s: Session, order_id: int, now: datetime) -> OrderRow:
        row = s.execute(
            select(OrderRow).where(OrderRow.id == order_id).with_for_update()
        ).scalar_one()
        busy = s.execute(select(RemoteWriteRow.action).where(
            RemoteWriteRow.order_id == order_id,
            RemoteWriteRow.state.in_(OPEN_STATES),
            RemoteWriteRow.owner.is_not(None),
            RemoteWriteRow.lease_until >= now,
        )).scalars().first()
        if busy is not None:
            raise ActionRefused(
                f"order {row.external_id}: a run is writing it now ({busy}); try again once "
                f"that run is over"
            )
        return row

    @staticmethod
    def _check(row: OrderRow, new: OrderStatus) -> None:
        if row.status == new or not can_transition(OrderStatus(row.status), new):
            raise ActionRefused(f"order {row.external_id} cannot go from {row.status} to {new}")

    @staticmethod
    def _move(row: OrderRow, new: OrderStatus, now: datetime, **fields: Any) -> None:
        if row.status != new and not can_transition(OrderStatus(row.status), new):
            raise ActionRefused(f"order {row.external_id} cannot go from {row.status} to {new}")
        row.status = str(new)
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = now

    @staticmethod
    def _reopen(s: Session, order_id: int, action: str, now: datetime) -> None:
        """A failed or abandoned write of this kind is pending again (attempts kept)."""
        s.execute(update(RemoteWriteRow).where(
            RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action,
            RemoteWriteRow.state.in_(("failed", ABANDONED)),
        ).values(state="pending", owner=None, lease_until=None, updated_at=now))

    @staticmethod
    def _abandon(s: Session, order_id: int, now: datetime, why: str,
                 keep: tuple[str, ...] = ()) -> list[str]:
        rows = s.execute(select(RemoteWriteRow).where(
            RemoteWriteRow.order_id == order_id, RemoteWriteRow.state.in_(OPEN_STATES),
            RemoteWriteRow.action.not_in(keep) if keep else RemoteWriteRow.id > 0,
        )).scalars().all()
        for r in rows:
            r.state, r.owner, r.lease_until, r.last_error, r.updated_at = (
                ABANDONED, None, None, why, now)
        return [r.action for r in rows]


def _was(row: OrderRow) -> str:
    if row.status == OrderStatus.ERROR:
        return f"error, {row.error_reason}: {row.error_message}"
    return str(row.status)


def _with_note(message: str, note: str) -> str:
    return f"{message}; note: {note.strip()}" if note.strip() else message


def orders_by_reference(store: Store, ref: str) -> list[OrderRecord]:
    """Orders whose marketplace order id is ``ref`` (any account), else the one whose hub row
    id it is: what the CLI's ``events`` and ``orders`` accept."""
    ref = ref.strip()
    found = store._records(OrderRow.external_id == ref, 20)
    if not found and ref.isdigit():
        found = store._records(OrderRow.id == int(ref), 1)
    return found
