"""The "orders needing attention" artifact of a connection and the run's final state.

The artifact (key ``attention-<connection>``) lists ALL the connection's orders that need the
merchant now - error, manual, waiting or not shipped past a threshold - the newest
``MAX_ATTENTION_ROWS`` of them with the count of the rest. A run that left new problems ends in
a Completed state named "Needs attention", so it stands out in the runs list without failing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prefect.artifacts import create_table_artifact
from prefect.states import Completed, State

from ordersync.orders.attention import Problem, Thresholds, advice
from ordersync.store.order_feed import AttentionOrder, OrderChange, OrderFeed

MAX_ATTENTION_ROWS = 500
NEEDS_ATTENTION = "Needs attention"
MAX_REASON = 300


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def attention_key(connection: str) -> str:
    return f"attention-{slug(connection)}"


def attention_rows(items: list[AttentionOrder]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        order = item.order
        tip = advice(item.problem, order.error_reason)
        reason = tip.reason
        if item.problem in (Problem.ERROR, Problem.MANUAL) and order.error_message:
            reason = f"{reason}: {order.error_message}"
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 3] + "..."
        rows.append({
            "marketplace order": f"{order.platform} {order.external_id}",
            "webshop order": (f"{order.webshop_platform} {order.webshop_order_id}"
                              if order.webshop_order_id else ""),
            "status": order.status if item.problem in (Problem.ERROR, Problem.MANUAL)
            else f"{order.status} (overdue)",
            "reason": (f"{order.error_reason}: {reason}"
                       if item.problem == Problem.ERROR and order.error_reason else reason),
            "since": item.since.isoformat(timespec="seconds") if item.since else "",
            "what to do": tip.action,
            "hub id": order.order_id,
        })
    return rows


def publish_attention(feed: OrderFeed, connection: str, platform: str, account: str, *,
                      now: datetime, thresholds: Thresholds,
                      limit: int = MAX_ATTENTION_ROWS) -> tuple[int, int]:
    """Create the connection's attention artifact; returns (orders needing attention, size of
    the table in bytes as JSON)."""
    items, total = feed.needing_attention(platform, account, now=now, thresholds=thresholds,
                                          limit=limit)
    rows = attention_rows(items)
    description = attention_description(connection, total, len(rows), thresholds)
    create_table_artifact(key=attention_key(connection), table=rows, description=description)
    return total, len(json.dumps(rows, default=str))


def attention_description(connection: str, total: int, shown: int,
                          thresholds: Thresholds) -> str:
    if not total:
        head = f"No order of connection {connection} needs attention."
    else:
        head = f"Orders of connection {connection} needing attention: {total}"
        head += (f"; the newest {shown} are shown, {total - shown} more: "
                 f"`ordersync orders --status error` / `--status manual`." if total > shown
                 else ".")
    return (f"{head} Errors and manual orders, orders waiting for track & trace longer than "
            f"{_hours(thresholds.waiting)} and orders not shipped "
            f"{_hours(thresholds.not_shipped)} after they were placed.")


def _orders(n: int) -> str:
    return f"{n} order" if n == 1 else f"{n} orders"


def _hours(delta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"


def final_state(connection: str, counts: Mapping[str, int], problems: list[OrderChange],
                attention_total: int) -> State | dict[str, int]:
    """"Needs attention" (Completed) when the run left new problems, else the counts."""
    if not problems:
        return dict(counts)
    kinds = Counter(str(p.problem) for p in problems)
    orders = len({p.order.order_id for p in problems})
    detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return Completed(
        name=NEEDS_ATTENTION,
        message=(f"new problems: {_orders(orders)} ({detail}); orders of {connection} needing "
                 f"attention in all: {attention_total} (artifact {attention_key(connection)})"),
        data=dict(counts),
    )
