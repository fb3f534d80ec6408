"""The outcomes of one page of remote writes, kept in memory and written in one transaction.

The loop claims a page's intents (committed) before any remote write, then writes remotely
order by order. What each write's outcome changes in the hub (the order's fields, its event,
its intent finished, submitted or released) is only bookkeeping of something that already
happened on the platform, so it need not be committed order by order: ``PageWrites`` collects
it and writes the page in one short transaction with a few ``executemany`` statements. The
transaction never spans a remote call (on SQLite it holds the file's write lock).

Exactly-once is unchanged: until the outcome is committed the intent stays claimed, and a run
that claims it after the lease (this one crashed) looks the order up on the platform before
writing again, as it always did for the one order in flight; only the number of orders that
may need that look-up grows, to at most one page or ``max_age`` seconds of writes.

If the page's transaction fails, each order's outcome is retried in its own transaction, so
one bad row never costs the others their bookkeeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update

from ordersync.store.base import StoreBase
from ordersync.store.tables import OrderEventRow, OrderRow, RemoteWriteRow
from ordersync.store.writes import Action

log = logging.getLogger("ordersync.store")
_ORDERS = OrderRow.__table__
_INTENTS = RemoteWriteRow.__table__
_EVENTS = OrderEventRow.__table__
_MARKETPLACE_ACTIONS = (Action.CONFIRM_SHIPMENT, Action.CANCEL_ON_MARKETPLACE)


@dataclass
class _Outcome:
    """Everything one order's outcomes change, merged in the order they were added."""

    order: dict[str, Any] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PageWrites:
    """A buffer of write outcomes over one store, flushed as one transaction.

    ``max_orders`` and ``max_age`` (seconds since the oldest unflushed outcome) bound how
    much a crash can leave to reconcile; callers also ``flush()`` at the end of each page
    and before anything reads what they wrote (use it as a context manager: leaving the
    block flushes, also on an exception)."""

    store: StoreBase
    max_orders: int = 200
    max_age: float = 2.0
    monotonic: Callable[[], float] = time.monotonic
    _outcomes: dict[int, _Outcome] = field(default_factory=dict, init=False)
    _since: float | None = field(default=None, init=False)

    # ---- outcomes ---------------------------------------------------------------------

    def created(self, order_id: int, *, webshop_platform: str, webshop_account: str,
                webshop_id: str, now: datetime, reconciled: bool = False) -> None:
        """The order exists in the webshop (created now, or found by an earlier attempt)."""
        how = "found existing" if reconciled else "created"
        self._order(order_id, webshop_platform=webshop_platform,
                    webshop_account=webshop_account, webshop_order_id=webshop_id,
                    updated_at=now)
        self._event(order_id, now, "info", "webshop_created",
                    f"{how} order {webshop_id} in {webshop_platform}")
        self._intent(order_id, Action.CREATE_IN_WEBSHOP, now, state="done",
                     remote_ref=webshop_id)

    def confirmed(self, order_id: int, action: str, *, now: datetime, message: str,
                  ref: str | None = None) -> None:
        """The marketplace accepted the shipment or cancellation (or the write is done)."""
        fields: dict[str, Any] = {"updated_at": now}
        if action in _MARKETPLACE_ACTIONS:
            fields["marketplace_confirmed_at"] = now
        self._order(order_id, **fields)
        self._event(order_id, now, "info", action, message)
        done: dict[str, Any] = {"state": "done"}
        if ref is not None:
            done["remote_ref"] = ref
        self._intent(order_id, action, now, **done)

    def submitted(self, order_id: int, action: str, *, ref: str | None,
                  now: datetime) -> None:
        """An asynchronous write was accepted: remember the process id, unclaimed."""
        self._intent(order_id, action, now, state="submitted", remote_ref=ref)

    def released(self, order_id: int, action: str, *, error: str, now: datetime) -> None:
        """A transient failure: the intent stays for the next run (which looks up first)."""
        self._intent(order_id, action, now, last_error=error[:2000])

    def carrier_code(self, order_id: int, *, code: str | None, name: str | None,
                     now: datetime) -> None:
        """The marketplace's carrier code (and name) chosen when the shipment is sent."""
        self._order(order_id, carrier_code=code, carrier_name=name, updated_at=now)

    # ---- flushing -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._outcomes)

    def __enter__(self) -> PageWrites:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def due(self) -> bool:
        return bool(self._outcomes) and (
            len(self._outcomes) >= self.max_orders
            or self.monotonic() - (self._since or 0.0) >= self.max_age
        )

    def flush_if_due(self) -> None:
        if self.due():
            self.flush()

    def flush(self) -> None:
        """Write every buffered outcome in one transaction (per order if that fails)."""
        outcomes, self._outcomes, self._since = self._outcomes, {}, None
        if not outcomes:
            return
        try:
            self._write(outcomes)
        except Exception:
            log.warning("a page of %d outcomes failed as one transaction; writing them "
                        "order by order", len(outcomes), exc_info=True)
            for order_id, outcome in outcomes.items():
                try:
                    self._write({order_id: outcome})
                except Exception:  # left claimed: the next run looks it up before writing
                    log.exception("order %s: its outcome could not be recorded; the next "
                                  "run looks it up on the platform", order_id)

    def _write(self, outcomes: dict[int, _Outcome]) -> None:
        orders: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        intents: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        events: list[dict[str, Any]] = []
        for order_id, outcome in outcomes.items():
            if outcome.order:
                orders.setdefault(tuple(sorted(outcome.order)), []).append(
                    {"_id": order_id, **_params(outcome.order)})
            for action, values in outcome.intents.items():
                intents.setdefault(tuple(sorted(values)), []).append(
                    {"_id": order_id, "_action": action, **_params(values)})
            events.extend(outcome.events)
        with self.store.session() as s:
            for columns, rows in orders.items():
                s.execute(_order_update(columns), rows)
            for columns, rows in intents.items():
                s.execute(_intent_update(columns), rows)
            if events:
                s.execute(insert(_EVENTS), events)

    # ---- merging --------------------------------------------------------------------------

    def _outcome(self, order_id: int) -> _Outcome:
        if self._since is None:
            self._since = self.monotonic()
        return self._outcomes.setdefault(order_id, _Outcome())

    def _order(self, order_id: int, **values: Any) -> None:
        self._outcome(order_id).order.update(values)

    def _intent(self, order_id: int, action: str, now: datetime, **values: Any) -> None:
        intent = self._outcome(order_id).intents.setdefault(action, {})
        intent.update(owner=None, lease_until=None, **values, updated_at=now)

    def _event(self, order_id: int, now: datetime, level: str, kind: str,
               message: str) -> None:
        self._outcome(order_id).events.append(
            {"order_id": order_id, "at": now, "level": level, "kind": kind,
             "message": message, "data": None})


def _params(values: dict[str, Any]) -> dict[str, Any]:
    # a bound parameter may not share its column's name in an UPDATE's SET clause
    return {f"v_{c}": v for c, v in values.items()}


def _order_update(columns: tuple[str, ...]):
    return (update(_ORDERS).where(_ORDERS.c.id == bindparam("_id"))
            .values({c: bindparam(f"v_{c}") for c in columns}))


def _intent_update(columns: tuple[str, ...]):
    return (update(_INTENTS)
            .where(_INTENTS.c.order_id == bindparam("_id"),
                   _INTENTS.c.action == bindparam("_action"))
            .values({c: bindparam(f"v_{c}") for c in columns}))
