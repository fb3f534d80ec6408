"""Partial shipments and several parcels in the order loop (issue 12): detection.

A webshop state with parcels the order-level path cannot express (see
``ordersync.orders.parcels``) records each new parcel (lines, first code, detected carrier)
and each line cancellation, with the order's next status, in one transaction; the tracking
wait of an order in parcels ends here too. Pushing them: ``ordersync.order_loop.parcel_push``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from ordersync.carriers import detect
from ordersync.http import RetriableError
from ordersync.order_loop.context import SyncContext
from ordersync.orders import (
    OrderStatus,
    ParcelLine,
    Tracking,
    WebshopOrderState,
    can_transition,
)
from ordersync.orders.lifecycle import WEBSHOP_STATE_MOVES
from ordersync.orders.parcels import CANCEL, SHIP, plan, uses_parcels
from ordersync.store import OrderRecord
from ordersync.store.parcels import PENDING, SKIPPED, WAITING, ParcelEntry, ParcelStore

log = logging.getLogger("ordersync.order_loop.parcels")
S = OrderStatus
_OPEN = WEBSHOP_STATE_MOVES


class Counts(Protocol):
    """The step result the loop passes in (``steps.StepResult``)."""

    waiting: list[tuple[int, datetime]]

    def add(self, key: str, n: int = 1) -> None: ...


def text(lines: Sequence[ParcelLine]) -> str:
    """``2x 123, 1x 456`` for events."""
    return ", ".join(f"{line.quantity}x {line.line_id}" for line in lines) or "nothing open"


# ---- detect -----------------------------------------------------------------------------


def apply_state(ctx: SyncContext, record: OrderRecord, state: WebshopOrderState,
                result: Counts, known_parcels: Mapping[int, list] | None = None) -> bool:
    """Record what the webshop's parcels say; False when the order-level path applies.
    ``known_parcels`` (order id -> its parcels) saves a query per order for a page."""
    if state.invalid:
        return False
    store = ParcelStore(ctx.store)
    maybe = state.parcels or state.cancelled_lines or record.status == S.PARTIAL
    if not maybe:
        known = []
    elif known_parcels is not None and record.id in known_parcels:
        known = [p.known() for p in known_parcels[record.id]]
    else:
        known = [p.known() for p in store.of_order(record.id)]
    ordered = [ParcelLine(line.line_id, line.quantity) for line in record.lines]
    if not known and (record.status not in _OPEN or not uses_parcels(ordered, state, known)):
        return False
    if record.status not in _OPEN:
        return True  # settled: later webshop changes no longer move it
    decided = plan(record.status, ordered, state, known)
    status = decided.status
    if status is not None and not can_transition(record.status, status):
        log.warning("order %s: %s -> %s not allowed; parcels recorded, status kept",
                    record.external_id, record.status, status)
        status = None
    if not decided.new and not decided.coded and status is None:
        return True
    entries, messages = [], []
    for parcel in decided.new:
        entry, note = _entry(ctx, record, parcel.parcel_id, parcel.kind, parcel.lines,
                             parcel.tracking, parcel.extra_codes)
        entries.append(entry)
        messages.append(note)
    coded = []
    for parcel_id, tracking in decided.coded:
        carrier, name, level, note = _carrier(ctx, record, tracking)
        coded.append((parcel_id, tracking.number, carrier, name))
        messages.append((level, f"parcel {parcel_id}: track & trace arrived; {note}"))
    now = ctx.clock()
    if not store.record(record.id, expected=record.status, status=status, entries=entries,
                        coded=coded, messages=messages, now=now):
        return True  # an overlapping run moved the order first
    for key, kind in (("parcels", SHIP), ("lines_cancelled", CANCEL)):
        if n := sum(1 for e in entries if e.kind == kind):
            result.add(key, n)
    if status is not None:
        result.add({S.PARTIAL: "partial", S.SHIPPED: "shipped", S.WAITING: "waiting",
                    S.CANCELLED: "cancelled"}.get(status, str(status)))
        if status == S.WAITING:
            result.waiting.append((record.id, now))
    return True


def _entry(ctx: SyncContext, record: OrderRecord, parcel_id: str, kind: str,
           lines: tuple[ParcelLine, ...], tracking: Tracking | None,
           extra: tuple[str, ...]) -> tuple[ParcelEntry, tuple[str, str]]:
    """The row to record and its event (level, message); the carrier detected from the code
    as the order-level path does (the marketplace's code is chosen when it is sent)."""
    if kind == CANCEL:
        return (ParcelEntry(parcel_id, kind, lines, PENDING),
                ("info", f"cancelled in the webshop: {text(lines)}"))
    if not lines:
        code = tracking.number if tracking else "no code"
        return (ParcelEntry(parcel_id, kind, lines, SKIPPED,
                            tracking.number if tracking else None),
                ("info", f"parcel {parcel_id} ({code}): every line already shipped or "
                         "cancelled; nothing to send"))
    if tracking is None:
        return (ParcelEntry(parcel_id, kind, lines, WAITING),
                ("info", f"parcel {parcel_id}: {text(lines)} without track & trace; waiting "
                         f"up to {ctx.settings.tracking_wait} for a code"))
    carrier, name, level, note = _carrier(ctx, record, tracking)
    if extra:
        level = "warning"
        note += (f"; the parcel has more codes ({', '.join(extra)}): a marketplace shipment "
                 "takes one, the first is sent")
    return (ParcelEntry(parcel_id, kind, lines, PENDING, tracking.number, carrier, name),
            (level, f"parcel {parcel_id}: {text(lines)}; {note}"))


def _carrier(ctx: SyncContext, record: OrderRecord,
             tracking: Tracking) -> tuple[str | None, str | None, str, str]:
    """(carrier, name to send with "other", event level, note) detected from the code."""
    settings = ctx.settings
    ship_to = record.shipping_address.country if record.shipping_address else None
    found = detect(tracking.number, ship_from=settings.ship_from, ship_to=ship_to,
                   configured=settings.configured_carriers, named=tracking.company)
    if found.carrier and not found.ambiguous:
        return found.carrier, None, "info", f"{tracking.number} read as {found.carrier}"
    name = tracking.company or (found.candidates[0].name if found.candidates else None)
    return None, name, "warning", f"carrier of {tracking.number} is unclear; sent as other"


def expire(ctx: SyncContext, record: OrderRecord, result: Counts) -> bool:
    """The tracking wait of an order in parcels ran out: one last look for codes, then its
    parcels without a code go out without tracking; False when the order has no parcels."""
    store = ParcelStore(ctx.store)
    if not store.orders_with_parcels([record.id]):
        return False
    assert record.webshop_order_id is not None
    try:
        apply_state(ctx, record, ctx.webshop.get_order(record.webshop_order_id), result)
    except RetriableError as exc:
        log.warning("order %s: webshop unavailable (%s); shipping the parcels without a "
                    "code without tracking", record.external_id, exc)
    now, mp = ctx.clock(), ctx.marketplace
    released = store.release_waiting(record.id, cutoff=now, now=now, platform=mp.platform,
                                     account=mp.account)
    if ctx.store.transition(record.id, S.SHIPPED, now=now, kind="shipped", expected=S.WAITING,
                            message=f"no track & trace within {ctx.settings.tracking_wait}; "
                                    f"{released} parcel(s) shipped without tracking",
                            waiting_since=None, shipped_at=now):
        result.add("shipped_without_tracking")
    return True
