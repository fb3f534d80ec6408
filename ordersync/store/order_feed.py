"""Read side of the order event log for monitoring: what changed for a connection's orders
since an event id, and which of its orders need the merchant now.

The store writes an event row for every transition (``repository._event``); this module only
reads them (plus the one ``overdue_*`` event it records so an overdue order is reported once).
Event ids only grow, so "since the run started" is a primary-key range joined to the order's
natural key; the standing list uses the (platform, account, status) index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select

from ordersync.orders import OrderStatus
from ordersync.orders.attention import Problem, Thresholds
from ordersync.store.cancellations import ANSWER_REQUEST
from ordersync.store.repository import Action, Store
from ordersync.store.tables import OrderEventRow, OrderRow

S = OrderStatus

# Event kind -> what happened to the order (its new status where the kind is a transition).
_KIND_OUTCOMES = {
    "imported": "imported",
    "repaired": "imported",
    "paid": "paid",
    "quarantined": "error",
    "cancellation_request": "cancellation_request",
    "webshop_created": "created",
    "waiting": "waiting",
    "shipped": "shipped",
    "cancelled": "cancelled",
    "overdue_waiting": "overdue",
    "overdue_not_shipped": "overdue",
    "pending_cancellation": "pending_cancellation",  # cancelled on the marketplace
    "lines_cancelled": "partial",
    "cancelled_too_late": "manual",  # cancelled on the marketplace after it shipped
    "cancellation_manual": "manual",  # the webshop could not (or no longer) cancel it
    "cancellation_request_lapsed": "cancellation_request",  # shipped before the request
}
_WRITE_KINDS = frozenset({Action.CONFIRM_SHIPMENT, Action.CANCEL_ON_MARKETPLACE,
                          Action.CANCEL_IN_WEBSHOP, ANSWER_REQUEST})
OVERDUE_KINDS = {S.WAITING: Problem.OVERDUE_WAITING, S.NOT_SHIPPED: Problem.OVERDUE_NOT_SHIPPED}


def outcome(kind: str, level: str) -> str:
    """What an event did to its order: ``error``, ``manual``, ``confirmed``, or the status /
    milestone of the kind (``imported``, ``created``, ``waiting``, ``shipped``, ...)."""
    if level == "error":
        return "error"
    if kind in _WRITE_KINDS:  # a write that succeeded, or was handed over to the merchant
        return "manual" if level == "warning" else "confirmed"
    return _KIND_OUTCOMES.get(kind, kind)


def problem_of(kind: str, level: str) -> Problem | None:
    """The problem an event reports, if it is one the merchant must see."""
    done = outcome(kind, level)
    if done == "error":
        return Problem.ERROR
    if done == "manual":
        return Problem.MANUAL
    if done == "shipped" and level == "warning":  # sent with the generic carrier code
        return Problem.CARRIER_UNCLEAR
    if kind in (Problem.OVERDUE_WAITING, Problem.OVERDUE_NOT_SHIPPED):
        return Problem(kind)
    return None


@dataclass(frozen=True, slots=True)
class OrderRef:
    """An order as monitoring shows it: both ids and where it stands now."""

    order_id: int
    platform: str
    account: str
    external_id: str
    webshop_platform: str | None
    webshop_account: str | None
    webshop_order_id: str | None
    status: str
    error_reason: str | None
    error_message: str | None


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One event of the order log, with the order it belongs to."""

    event_id: int
    at: datetime
    level: str
    kind: str
    message: str
    order: OrderRef

    @property
    def outcome(self) -> str:
        return outcome(self.kind, self.level)

    @property
    def problem(self) -> Problem | None:
        return problem_of(self.kind, self.level)


@dataclass(frozen=True, slots=True)
class AttentionOrder:
    """An order needing the merchant now, and since when."""

    order: OrderRef
    problem: Problem
    since: datetime | None


_REF_COLUMNS = (OrderRow.id, OrderRow.platform, OrderRow.account, OrderRow.external_id,
                OrderRow.webshop_platform, OrderRow.webshop_account, OrderRow.webshop_order_id,
                OrderRow.status, OrderRow.error_reason, OrderRow.error_message)


def _ref(row: Sequence[Any]) -> OrderRef:
    return OrderRef(*row[: len(_REF_COLUMNS)])


class OrderFeed:
    def __init__(self, store: Store) -> None:
        self.store = store

    def last_event_id(self) -> int:
        """The newest event id now (0 when there is none): the start of a run's window."""
        with self.store.session() as s:
            return s.scalar(select(func.max(OrderEventRow.id))) or 0

    def changes_since(self, platform: str, account: str, after_id: int,
                      limit: int | None = None) -> list[OrderChange]:
        """Events after ``after_id`` of the account's orders, oldest first."""
        query = (
            select(OrderEventRow.id, OrderEventRow.at, OrderEventRow.level, OrderEventRow.kind,
                   OrderEventRow.message, *_REF_COLUMNS)
            .join(OrderRow, OrderRow.id == OrderEventRow.order_id)
            .where(OrderEventRow.id > after_id, OrderRow.platform == platform,
                   OrderRow.account == account)
            .order_by(OrderEventRow.id)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.store.session() as s:
            rows = s.execute(query).all()
        return [OrderChange(r[0], r[1], r[2], r[3], r[4], _ref(r[5:])) for r in rows]

    def needing_attention(self, platform: str, account: str, *, now: datetime,
                          thresholds: Thresholds, limit: int = 500
                          ) -> tuple[list[AttentionOrder], int]:
        """The account's orders in error or manual, or waiting / not shipped past the
        thresholds: the newest ``limit`` (by since when) and how many there are in all."""
        since = _since()
        condition = and_(
            OrderRow.platform == platform,
            OrderRow.account == account,
            or_(
                OrderRow.status.in_([S.ERROR, S.MANUAL]),
                and_(OrderRow.status == S.WAITING,
                     OrderRow.waiting_since <= now - thresholds.waiting),
                and_(OrderRow.status == S.NOT_SHIPPED,
                     func.coalesce(OrderRow.placed_at, OrderRow.created_at)
                     <= now - thresholds.not_shipped),
            ),
        )
        with self.store.session() as s:
            total = s.scalar(select(func.count()).select_from(OrderRow).where(condition)) or 0
            rows = s.execute(select(*_REF_COLUMNS, since).where(condition)
                             .order_by(since.desc(), OrderRow.id.desc()).limit(limit))
            return [AttentionOrder(_ref(r), _problem(r[7]), r[-1]) for r in rows], total

    def record_overdue(self, platform: str, account: str, *, now: datetime,
                       thresholds: Thresholds, limit: int = 100) -> int:
        """Log an ``overdue_waiting`` / ``overdue_not_shipped`` warning on each order that
        passed its threshold and has none yet for this stay in its status (at most ``limit``
        per call, oldest first). Returns how many were recorded."""
        recorded = 0
        with self.store.session() as s:
            for status, problem in OVERDUE_KINDS.items():
                since = (OrderRow.waiting_since if status == S.WAITING
                         else func.coalesce(OrderRow.placed_at, OrderRow.created_at))
                cutoff = now - (thresholds.waiting if status == S.WAITING
                                else thresholds.not_shipped)
                seen = exists().where(OrderEventRow.order_id == OrderRow.id,
                                      OrderEventRow.kind == str(problem),
                                      OrderEventRow.at >= since)
                rows = s.execute(
                    select(OrderRow.id, since)
                    .where(OrderRow.platform == platform, OrderRow.account == account,
                           OrderRow.status == status, since <= cutoff, ~seen)
                    .order_by(since, OrderRow.id).limit(limit - recorded)
                ).all()
                for order_id, began in rows:
                    hours = (now - began).total_seconds() / 3600
                    s.add(OrderEventRow(
                        order_id=order_id, at=now, level="warning", kind=str(problem),
                        message=f"{status} for {hours:.1f} h (since {began:%Y-%m-%d %H:%M} UTC)",
                        data={"since": began.isoformat()},
                    ))
                recorded += len(rows)
                if recorded >= limit:
                    break
        return recorded


def _since():
    """Since when an order needs attention: its wait, its order date, or its last change."""
    return case(
        (OrderRow.status == S.WAITING, OrderRow.waiting_since),
        (OrderRow.status == S.NOT_SHIPPED,
         func.coalesce(OrderRow.placed_at, OrderRow.created_at)),
        else_=OrderRow.updated_at,
    ).label("since")


def _problem(status: str) -> Problem:
    return {S.ERROR: Problem.ERROR, S.MANUAL: Problem.MANUAL, S.WAITING: Problem.OVERDUE_WAITING,
            S.NOT_SHIPPED: Problem.OVERDUE_NOT_SHIPPED}[S(status)]
