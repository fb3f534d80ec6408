"""The store side of marketplace cancellations (issue 12). Each method is one transaction.

The import records what the marketplace cancelled (``record``): the order goes to
``pending_cancellation`` with a ``marketplace_cancellations`` row saying what to cancel - the
intent, committed before any webshop write - or to ``manual`` when it shipped already. The
cancel step then claims the webshop write (``remote_writes``, lease and attempts as every
write) and finishes it here: ``cancelled``, ``partial`` (lines) or ``manual``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, select, update

from ordersync.orders import (
    ErrorReason,
    MarketplaceCancellation,
    OrderLine,
    OrderStatus,
    check_transition,
)
from ordersync.orders.cancellation import REQUESTED_BY_CUSTOMER, on_marketplace_cancellation
from ordersync.store.cancel_tables import MarketplaceCancellationRow
from ordersync.store.records import OrderRecord
from ordersync.store.repository import Action, Store, _event, _insert
from ordersync.store.tables import OrderRow, RemoteWriteRow

S = OrderStatus
OPEN, DONE, MANUAL, LAPSED = "open", "done", "manual", "lapsed"
CANCEL_LINES_IN_WEBSHOP = "cancel_lines_in_webshop"  # a remote_writes action
ANSWER_REQUEST = "answer_cancel_request"  # accept a line-level request on the marketplace
# Hub statuses whose marketplace order may still be cancelled by the marketplace.
WATCHED = (S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL, S.WAITING, S.PENDING_CANCELLATION)


@dataclass(frozen=True, slots=True)
class Pending:
    """One order waiting for its webshop cancel."""

    record: OrderRecord
    cut: dict[str, int]
    whole: bool
    requested: bool
    baseline: dict[str, int] | None
    reason: str


class CancelStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the import -----------------------------------------------------------------------

    def record(self, cancellations: Iterable[MarketplaceCancellation], *, platform: str,
               account: str, now: datetime) -> dict[str, int]:
        """Apply what the marketplace cancelled to known orders; counts by outcome."""
        counts: dict[str, int] = {}
        with self.store.session() as s:
            for cancellation in cancellations:
                outcome = self._record_one(s, cancellation, platform, account, now)
                if outcome:
                    counts[outcome] = counts.get(outcome, 0) + 1
        return counts

    def _record_one(self, s, c: MarketplaceCancellation, platform: str, account: str,
                    now: datetime) -> str | None:
        row = s.execute(select(OrderRow).where(
            OrderRow.platform == platform, OrderRow.account == account,
            OrderRow.external_id == c.external_id).with_for_update()).scalar_one_or_none()
        if row is None:
            return None
        lines = _lines(row)
        decision = on_marketplace_cancellation(S(row.status), lines, c)
        if decision is None:
            return None
        intent = s.get(MarketplaceCancellationRow, row.id)
        if decision.lapsed:  # a buyer's request after the order shipped
            if intent is not None and intent.state == LAPSED:
                return None
            if intent is None:
                s.add(MarketplaceCancellationRow(
                    order_id=row.id, state=LAPSED, whole=decision.whole, requested=True,
                    cut=decision.cut, baseline=None, reason=c.reason or None, rounds=1,
                    created_at=now, updated_at=now))
            else:
                intent.state, intent.updated_at = LAPSED, now
            _event(s, row.id, now, "warning", "cancellation_request_lapsed", decision.reason)
            return "requests_lapsed"
        if decision.status == S.MANUAL:
            row.status = str(check_transition(row.status, S.MANUAL))
            row.error_reason = str(ErrorReason.CANCELLATION_FAILURE)
            row.error_message, row.updated_at = decision.reason, now
            _event(s, row.id, now, "warning", "cancelled_too_late", decision.reason)
            return "too_late"
        if intent is not None and intent.state == OPEN:  # more of the order since: merge
            cut = {k: max(int(v), decision.cut.get(k, 0)) for k, v in intent.cut.items()}
            cut |= {k: v for k, v in decision.cut.items() if k not in cut}
            if cut == intent.cut and intent.requested >= c.requested:
                return None
            intent.cut, intent.whole = cut, decision.whole or intent.whole
            intent.requested = intent.requested or c.requested
            intent.updated_at = now
        elif intent is not None and intent.state == LAPSED and c.requested:
            return None  # the buyer's request lapsed (it shipped); the listing still shows it
        elif intent is not None:  # an earlier round is over: a new one
            intent.state, intent.cut, intent.whole = OPEN, decision.cut, decision.whole
            intent.requested, intent.reason, intent.baseline = c.requested, c.reason, None
            intent.rounds, intent.updated_at = intent.rounds + 1, now
            s.execute(update(RemoteWriteRow).where(
                RemoteWriteRow.order_id == row.id,
                RemoteWriteRow.action.in_((Action.CANCEL_IN_WEBSHOP, CANCEL_LINES_IN_WEBSHOP,
                                           ANSWER_REQUEST)),
            ).values(state="pending", attempts=0, owner=None, lease_until=None,
                     remote_ref=None, updated_at=now))
        else:
            s.add(MarketplaceCancellationRow(
                order_id=row.id, state=OPEN, whole=decision.whole, requested=c.requested,
                cut=decision.cut, baseline=None, reason=c.reason or None, rounds=1,
                created_at=now, updated_at=now))
        if row.status != S.PENDING_CANCELLATION:
            row.status = str(check_transition(row.status, S.PENDING_CANCELLATION))
        row.updated_at = now
        _event(s, row.id, now, "warning" if c.requested else "info", "pending_cancellation",
               decision.reason)
        return "cancellation_requests_accepted" if c.requested else "cancelled_on_marketplace"

    # -- the cancel step ------------------------------------------------------------------

    def pending(self, platform: str, account: str, limit: int, after_id: int = 0
                ) -> list[Pending]:
        records = self.store._records(and_(
            OrderRow.id > after_id, OrderRow.platform == platform, OrderRow.account == account,
            OrderRow.status == S.PENDING_CANCELLATION), limit)
        if not records:
            return []
        with self.store.session() as s:
            rows = {r.order_id: r for r in s.scalars(select(MarketplaceCancellationRow).where(
                MarketplaceCancellationRow.order_id.in_([r.id for r in records]),
                MarketplaceCancellationRow.state == OPEN))}
        return [Pending(r, {k: int(v) for k, v in rows[r.id].cut.items()}, rows[r.id].whole,
                        rows[r.id].requested,
                        {k: int(v) for k, v in rows[r.id].baseline.items()}
                        if rows[r.id].baseline is not None else None,
                        rows[r.id].reason or "")
                for r in records if r.id in rows]

    def set_baseline(self, order_id: int, baseline: dict[str, int], now: datetime) -> None:
        """The webshop's cancelled quantities before the first line cancel (committed before
        the write, so a retry can tell whether it got through)."""
        with self.store.session() as s:
            s.execute(update(MarketplaceCancellationRow).where(
                MarketplaceCancellationRow.order_id == order_id,
                MarketplaceCancellationRow.baseline.is_(None),
            ).values(baseline=baseline, updated_at=now))

    def cancelled(self, order_id: int, action: str | None, *, now: datetime,
                  message: str) -> bool:
        """The whole order is cancelled (in the webshop, or it never reached it). A
        cancellation the marketplace made itself needs no answer: its marketplace intent is
        recorded as done; a buyer's request is answered by the push. False when the order is
        no longer pending cancellation (an overlapping run finished it)."""
        with self.store.session() as s:
            row, intent = self._locked(s, order_id)
            if row is None or intent is None:
                return False
            row.status = str(check_transition(row.status, S.CANCELLED))
            row.updated_at = now
            intent.state, intent.updated_at = DONE, now
            if action is not None:
                _finish(s, order_id, action, now)
            if not intent.requested:
                _done_intent(s, self.store.dialect, order_id, Action.CANCEL_ON_MARKETPLACE, now,
                             "cancelled by the marketplace itself: nothing to send")
            _event(s, order_id, now, "info", "cancelled", message)
            return True

    def lines_cancelled(self, order_id: int, action: str | None, *, now: datetime,
                        message: str, in_webshop: bool) -> bool:
        """Some lines are cancelled: the hub's lines drop those quantities (what ships is the
        rest); ``partial`` when the order is in the webshop, else ``not_shipped`` (it is
        created with what is left)."""
        with self.store.session() as s:
            row, intent = self._locked(s, order_id)
            if row is None or intent is None:
                return False
            cut = {k: int(v) for k, v in intent.cut.items()}
            total = Decimal("0")
            for line in list(row.lines):
                line.quantity -= min(cut.get(line.line_id, 0), line.quantity)
                if line.quantity <= 0:
                    s.delete(line)
                else:
                    total += line.unit_price * line.quantity
            row.total = total
            new = S.PARTIAL if in_webshop else S.NOT_SHIPPED
            row.status = str(check_transition(row.status, new))
            row.updated_at = now
            intent.state, intent.updated_at = DONE, now
            if action is not None:
                _finish(s, order_id, action, now)
            _event(s, order_id, now, "info", "lines_cancelled", message)
            return True

    def hand_over(self, order_id: int, action: str | None, *, now: datetime,
                  message: str) -> bool:
        """Too late or not possible in the webshop: ``manual`` with the reason."""
        with self.store.session() as s:
            row, intent = self._locked(s, order_id)
            if row is None or intent is None:
                return False
            row.status = str(check_transition(row.status, S.MANUAL))
            row.error_reason = str(ErrorReason.CANCELLATION_FAILURE)
            row.error_message, row.updated_at = message, now
            intent.state, intent.updated_at = MANUAL, now
            if action is not None:
                s.execute(update(RemoteWriteRow).where(
                    RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action,
                ).values(state="failed", owner=None, lease_until=None,
                         last_error=message[:2000], updated_at=now))
            _event(s, order_id, now, "warning", "cancellation_manual", message)
            return True

    def lapse(self, order_id: int, action: str | None, *, now: datetime,
              message: str) -> bool:
        """Only the buyer asked, and the merchant shipped first: the order goes on as a
        ``cancellation_request`` (the loop confirms its shipment); the request lapses."""
        with self.store.session() as s:
            row, intent = self._locked(s, order_id)
            if row is None or intent is None:
                return False
            row.status = str(check_transition(row.status, S.CANCELLATION_REQUEST))
            row.updated_at = now
            intent.state, intent.updated_at = LAPSED, now
            if action is not None:
                s.execute(update(RemoteWriteRow).where(
                    RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action,
                ).values(state="abandoned", owner=None, lease_until=None,
                         last_error=message[:2000], updated_at=now))
            _event(s, order_id, now, "warning", "cancellation_request_lapsed", message)
            return True

    # -- what the other steps ask ---------------------------------------------------------

    def unanswered(self, platform: str, account: str) -> list[OrderRecord]:
        """Buyer requests cancelled in the hub before they reached the webshop whose answer to
        the marketplace is still open (a run died while sending it): the push step only
        follows orders that are in the webshop."""
        with self.store.session() as s:
            ids = list(s.scalars(select(OrderRow.id).join(
                MarketplaceCancellationRow, MarketplaceCancellationRow.order_id == OrderRow.id,
            ).join(RemoteWriteRow, RemoteWriteRow.order_id == OrderRow.id).where(
                OrderRow.platform == platform, OrderRow.account == account,
                OrderRow.status == S.CANCELLED, OrderRow.webshop_order_id.is_(None),
                MarketplaceCancellationRow.requested.is_(True),
                RemoteWriteRow.action == Action.CANCEL_ON_MARKETPLACE,
                RemoteWriteRow.state == "pending")))
        return self.store._records(OrderRow.id.in_(ids), None) if ids else []

    def marketplace_reason(self, order_id: int) -> str | None:
        """REQUESTED_BY_CUSTOMER for an order cancelled because its buyer asked, else None."""
        with self.store.session() as s:
            requested = s.execute(select(MarketplaceCancellationRow.requested).where(
                MarketplaceCancellationRow.order_id == order_id)).scalar_one_or_none()
        return REQUESTED_BY_CUSTOMER if requested else None

    def watched(self, platform: str, account: str) -> dict[str, datetime]:
        """{external id: when the hub imported it} of the account's orders a marketplace
        cancellation still concerns (open, or shipped in the webshop and not confirmed)."""
        with self.store.session() as s:
            rows = s.execute(select(OrderRow.external_id, OrderRow.created_at).where(
                OrderRow.platform == platform, OrderRow.account == account,
                (OrderRow.status.in_([str(x) for x in WATCHED]))
                | ((OrderRow.status == S.SHIPPED)
                   & OrderRow.marketplace_confirmed_at.is_(None))))
            return {ext: created for ext, created in rows}

    def state(self, order_id: int) -> dict | None:
        """The order's cancellation row (tests, CLI)."""
        with self.store.session() as s:
            row = s.get(MarketplaceCancellationRow, order_id)
            if row is None:
                return None
            return {"state": row.state, "whole": row.whole, "requested": row.requested,
                    "cut": dict(row.cut), "baseline": row.baseline, "rounds": row.rounds}

    @staticmethod
    def _locked(s, order_id: int):
        row = s.execute(select(OrderRow).where(OrderRow.id == order_id)
                        .with_for_update()).scalar_one()
        intent = s.get(MarketplaceCancellationRow, order_id)
        if row.status != S.PENDING_CANCELLATION or intent is None or intent.state != OPEN:
            return None, None
        return row, intent


def _lines(row: OrderRow) -> list[OrderLine]:
    return [OrderLine(line_id=ln.line_id, quantity=ln.quantity, unit_price=ln.unit_price,
                      sku=ln.sku) for ln in row.lines]


def _finish(s, order_id: int, action: str, now: datetime) -> None:
    s.execute(update(RemoteWriteRow).where(
        RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action,
    ).values(state="done", owner=None, lease_until=None, updated_at=now))


def _done_intent(s, dialect: str, order_id: int, action: str, now: datetime, note: str) -> None:
    """An intent that needs no write (e.g. the marketplace cancelled the order itself)."""
    s.execute(_insert(dialect)(RemoteWriteRow).values(
        order_id=order_id, action=action, state="done", attempts=0, last_error=note,
        created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["order_id", "action"]))
    s.execute(update(RemoteWriteRow).where(
        RemoteWriteRow.order_id == order_id, RemoteWriteRow.action == action,
        RemoteWriteRow.state.in_(("pending", "failed")),
    ).values(state="done", owner=None, lease_until=None, last_error=note, updated_at=now))


__all__ = ["ANSWER_REQUEST", "CANCEL_LINES_IN_WEBSHOP", "CancelStore", "Pending"]
