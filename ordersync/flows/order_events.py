"""What one run did to each order, read back from the hub's order event log.

The steps stay as they are: after each step the flow asks the event log what changed for the
connection's orders since the run started (``OrderFeed``), and turns it into one Prefect event
per change (``ordersync.order.<outcome>``), a WARNING/ERROR log line per order that needs the
merchant (both ids, the reason, what to do), and the rows of the run's per-order artifact.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from prefect.events import emit_event

from ordersync.orders.attention import Problem, advice
from ordersync.store.order_feed import OrderChange, OrderFeed, OrderRef

MAX_CHANGE_ROWS = 200  # rows of the per-order artifact of one run
MAX_MESSAGE = 300


def order_resource(order: OrderRef, *, connection: str, status: str) -> dict[str, str]:
    """The order as a Prefect event resource: ``ordersync.order.<platform>.<account>.<id>``."""
    resource = {
        "prefect.resource.id": f"ordersync.order.{order.platform}.{order.account}."
                               f"{order.external_id}",
        "prefect.resource.name": f"{order.platform} order {order.external_id}",
        "ordersync.marketplace": order.platform,
        "ordersync.account": order.account,
        "ordersync.external-id": order.external_id,
        "ordersync.order-id": str(order.order_id),
        "ordersync.connection": connection,
        "ordersync.status": status,
    }
    if order.webshop_order_id:
        resource["ordersync.webshop"] = order.webshop_platform or ""
        resource["ordersync.webshop-order-id"] = order.webshop_order_id
    return resource


def order_related(order: OrderRef, connection: str) -> list[dict[str, str]]:
    related = [
        {"prefect.resource.id": f"ordersync.connection.{connection}",
         "prefect.resource.role": "connection", "prefect.resource.name": connection},
        {"prefect.resource.id": f"ordersync.marketplace.{order.platform}.{order.account}",
         "prefect.resource.role": "marketplace", "prefect.resource.name": order.platform},
    ]
    if order.webshop_order_id:
        related.append({
            "prefect.resource.id": f"ordersync.webshop-order.{order.webshop_platform}."
                                   f"{order.webshop_account}.{order.webshop_order_id}",
            "prefect.resource.role": "webshop-order",
            "prefect.resource.name": f"{order.webshop_platform} order {order.webshop_order_id}",
        })
    return related


def describe(order: OrderRef) -> str:
    """Both ids of an order, as a merchant looks for it."""
    shop = (f"{order.webshop_platform} order {order.webshop_order_id}"
            if order.webshop_order_id else "not in the webshop")
    return f"{order.platform} order {order.external_id} ({shop}; hub id {order.order_id})"


def _short(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


@dataclass
class RunWatch:
    """Follows one run's order changes; call ``collect()`` after each step."""

    feed: OrderFeed
    connection: str
    platform: str
    account: str
    logger: logging.Logger | logging.LoggerAdapter
    emit: bool = True
    cursor: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[OrderChange] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    events_emitted: int = 0

    @classmethod
    def start(cls, feed: OrderFeed, connection: str, platform: str, account: str,
              logger: logging.Logger | logging.LoggerAdapter, *, emit: bool = True) -> RunWatch:
        return cls(feed, connection, platform, account, logger, emit, feed.last_event_id())

    @property
    def changed(self) -> int:
        return sum(self.outcomes.values())

    def collect(self) -> list[OrderChange]:
        """Report the changes written since the last call: log, emit, remember."""
        changes = self.feed.changes_since(self.platform, self.account, self.cursor)
        for change in changes:
            self.cursor = change.event_id
            self.outcomes[change.outcome] += 1
            if change.problem is not None:
                self.problems.append(change)
                self._log_problem(change)
            if self.emit:
                self._emit(change)
            if len(self.rows) < MAX_CHANGE_ROWS:
                self.rows.append(self._row(change))
        return changes

    def _log_problem(self, change: OrderChange) -> None:
        problem = change.problem
        assert problem is not None
        tip = advice(problem, change.order.error_reason)
        # WARNING, also for an order in error: the hub handled it (quarantined, alerted, the
        # run marked Needs attention); ERROR in a worker's log means the program failed
        self.logger.warning(
            "%s: %s - %s: %s. What to do: %s.", describe(change.order),
            change.outcome if problem != Problem.CARRIER_UNCLEAR else "carrier unclear",
            tip.reason, _short(change.message).rstrip("."), tip.action,
        )

    def _emit(self, change: OrderChange) -> None:
        order, problem = change.order, change.problem
        payload: dict[str, Any] = {
            "hub_order_id": order.order_id, "kind": change.kind, "level": change.level,
            "message": _short(change.message), "status": order.status,
            "at": change.at.isoformat(),
        }
        if problem is not None:
            tip = advice(problem, order.error_reason)
            payload.update(problem=str(problem), error_reason=order.error_reason or "",
                           reason=tip.reason, what_to_do=tip.action)
        event = emit_event(
            event=f"ordersync.order.{change.outcome}",
            resource=order_resource(order, connection=self.connection, status=order.status),
            related=order_related(order, self.connection),
            occurred=change.at,
            payload=payload,
        )
        if event is not None:
            self.events_emitted += 1

    @staticmethod
    def _row(change: OrderChange) -> dict[str, Any]:
        order = change.order
        return {
            "marketplace order": f"{order.platform} {order.external_id}",
            "webshop order": order.webshop_order_id or "",
            "change": change.outcome,
            "status now": order.status,
            "at": change.at.isoformat(timespec="seconds"),
            "level": change.level,
            "message": _short(change.message),
        }
