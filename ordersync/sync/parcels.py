"""Partial shipments and several parcels in the order loop (issue 12).

Detect: a webshop state with parcels the order-level path cannot express (see
``ordersync.orders.parcels``) records each new parcel (lines, first code, detected carrier)
and each line cancellation, with the order's next status, in one transaction.
Push: every parcel is its own marketplace shipment (bol.com one shipment of its items and
quantities, Amazon one package, or one fulfillment feed without a code); every line
cancellation a seller cancellation once the order's shipments are confirmed. Each write is
claimed under a lease first; a retry looks the parcel up on the marketplace before writing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from ordersync.carriers import detect, marketplace_carrier
from ordersync.http import AuthError, FatalError, RetriableError, UnsupportedOperation
from ordersync.orders import (
    ErrorReason,
    OrderStatus,
    ParcelLine,
    Shipment,
    ShipmentLine,
    Tracking,
    WebshopOrderState,
    can_transition,
)
from ordersync.orders.parcels import (
    CANCEL,
    CANCEL_PREFIX,
    SHIP,
    on_marketplace,
    plan,
    remaining,
    shipped_before,
    uses_parcels,
)
from ordersync.store import Action, OrderRecord
from ordersync.store.parcels import (
    DONE,
    FAILED,
    PENDING,
    SKIPPED,
    SUBMITTED,
    WAITING,
    ParcelEntry,
    ParcelRecord,
    ParcelStore,
)
from ordersync.store.pending import PendingStore
from ordersync.sync.context import SyncContext
from ordersync.sync.guard import ConnectionAuthFailed, auth_failed, order_failed

log = logging.getLogger("ordersync.sync.parcels")
S = OrderStatus
_OPEN = frozenset({S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL, S.WAITING})


@runtime_checkable
class ParcelLookup(Protocol):
    """A marketplace that can say per line what it shows shipped (bol.com, Amazon)."""

    def shipped_quantities(self, order_id: str) -> tuple[dict[str, int], list[str]]:
        """(units shipped per order line, refs of shipment writes still processing)."""
        ...


class Counts(Protocol):
    """The step result the loop passes in (``steps.StepResult``)."""

    waiting: list[tuple[int, datetime]]

    def add(self, key: str, n: int = 1) -> None: ...


def _text(lines: Sequence[ParcelLine]) -> str:
    return ", ".join(f"{line.quantity}x {line.line_id}" for line in lines) or "nothing open"


# ---- detect -----------------------------------------------------------------------------


def apply_state(ctx: SyncContext, record: OrderRecord, state: WebshopOrderState,
                result: Counts) -> bool:
    """Record what the webshop's parcels say; False when the order-level path applies."""
    if state.invalid:
        return False
    store = ParcelStore(ctx.store)
    maybe = state.parcels or state.cancelled_lines or record.status == S.PARTIAL
    known = [p.known() for p in store.of_order(record.id)] if maybe else []
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
                ("info", f"cancelled in the webshop: {_text(lines)}"))
    if not lines:
        code = tracking.number if tracking else "no code"
        return (ParcelEntry(parcel_id, kind, lines, SKIPPED,
                            tracking.number if tracking else None),
                ("info", f"parcel {parcel_id} ({code}): every line already shipped or "
                         "cancelled; nothing to send"))
    if tracking is None:
        return (ParcelEntry(parcel_id, kind, lines, WAITING),
                ("info", f"parcel {parcel_id}: {_text(lines)} without track & trace; waiting "
                         f"up to {ctx.settings.tracking_wait} for a code"))
    carrier, name, level, note = _carrier(ctx, record, tracking)
    if extra:
        level = "warning"
        note += (f"; the parcel has more codes ({', '.join(extra)}): a marketplace shipment "
                 "takes one, the first is sent")
    return (ParcelEntry(parcel_id, kind, lines, PENDING, tracking.number, carrier, name),
            (level, f"parcel {parcel_id}: {_text(lines)}; {note}"))


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


# ---- push -------------------------------------------------------------------------------


def push(ctx: SyncContext, result: Counts) -> None:
    """Send every parcel and line cancellation due, exactly once each; follow asynchronous
    ones; confirm orders whose parcels are all settled."""
    store, mp, settings = ParcelStore(ctx.store), ctx.marketplace, ctx.settings
    _poll(ctx, result)
    now = ctx.clock()
    store.release_waiting(None, cutoff=now - settings.tracking_wait, now=now,
                          platform=mp.platform, account=mp.account)
    _cover_rest(ctx, store)
    submitted, after = 0, 0
    while claims := store.claim(mp.platform, mp.account, owner=ctx.owner, now=ctx.clock(),
                                lease=settings.lease, limit=settings.batch_size,
                                after_id=after):
        after = claims[-1].id
        for parcel in claims:
            submitted += _push_safely(ctx, store, parcel, result)
    for _ in range(settings.process_poll_rounds if submitted else 0):
        ctx.sleep(settings.process_poll_interval)
        if not _poll(ctx, result):
            break
    store.complete_orders(mp.platform, mp.account, ctx.clock())


def _cover_rest(ctx: SyncContext, store: ParcelStore) -> None:
    """An order in parcels shipped or cancelled by the merchant's action (``ordersync ship`` /
    ``cancel``) while lines were still open: those lines become one more parcel with the
    order's code, or line cancellations, so the marketplace hears of them too."""
    mp = ctx.marketplace
    for order_id in store.unconfirmed_orders(mp.platform, mp.account):
        record = ctx.store.get(order_id)
        parcels = store.of_order(order_id)
        ordered = [ParcelLine(line.line_id, line.quantity) for line in record.lines]
        left = remaining(ordered, [line for p in parcels for line in p.lines])
        if not left:
            continue
        if record.status == S.SHIPPED:
            entries = [ParcelEntry(f"hub:{len(parcels) + 1}", SHIP, left, PENDING,
                                   record.tracking_number, record.carrier, record.carrier_name)]
        else:
            entries = [ParcelEntry(f"{CANCEL_PREFIX}{line.line_id}", CANCEL, (line,), PENDING)
                       for line in left if f"{CANCEL_PREFIX}{line.line_id}"
                       not in {p.parcel_id for p in parcels}]
        store.record(order_id, expected=OrderStatus(record.status), status=None,
                     entries=entries, coded=(), now=ctx.clock(), messages=[(
                         "info", f"{record.status} by the merchant with {_text(left)} still "
                                 "open: sent to the marketplace as well")])


def _push_safely(ctx: SyncContext, store: ParcelStore, parcel: ParcelRecord,
                 result: Counts) -> int:
    try:
        return _push_one(ctx, store, parcel, result)
    except ConnectionAuthFailed:
        raise
    except Exception as exc:  # this order only; the claim stays for a look-up first
        order_failed(ctx, parcel.order_id, parcel.external_id, None, exc)
        result.add("errors")
        return 0


def _push_one(ctx: SyncContext, store: ParcelStore, parcel: ParcelRecord,
              result: Counts) -> int:
    """One parcel's write under its claim; 1 when accepted asynchronously."""
    now, mp = ctx.clock(), ctx.marketplace
    try:
        if parcel.kind == SHIP and parcel.attempts > 1 and _looked_up(ctx, store, parcel, result):
            return 0
        receipt = (_ship(ctx, store, parcel) if parcel.kind == SHIP else mp.cancel_order(
            parcel.external_id, [line.line_id for line in parcel.lines],
            ctx.settings.cancel_reason))
    except AuthError as exc:
        store.finish(parcel, PENDING, now=now, error=str(exc), level="warning",
                     message=f"parcel {parcel.parcel_id}: connection refused; kept")
        raise auth_failed(ctx, exc) from None
    except UnsupportedOperation as exc:  # Amazon: no seller cancellation by API
        store.finish(parcel, FAILED, now=now, error=str(exc), level="warning",
                     message=f"{parcel.parcel_id}: {exc}")
        PendingStore(ctx.store).hand_over(
            parcel.order_id, Action.CANCEL_ON_MARKETPLACE,
            expected=OrderStatus(ctx.store.get(parcel.order_id).status),
            reason=str(ErrorReason.CANCELLATION_FAILURE),
            message=f"{exc}; cancel {_text(parcel.lines)} there; the order is now manual",
            now=now)
        result.add("manual")
        return 0
    except FatalError as exc:
        _fail(ctx, store, parcel, str(exc))
        result.add("errors")
        return 0
    except RetriableError as exc:
        store.finish(parcel, PENDING, now=now, error=str(exc), level="warning",
                     message=f"parcel {parcel.parcel_id}: deferred ({exc})")
        result.add("deferred")
        return 0
    if receipt.done:
        store.finish(parcel, DONE, now=ctx.clock(), ref=receipt.ref,
                     message=f"{_what(parcel)}: accepted by {mp.platform}")
        result.add("pushed")
        return 0
    store.finish(parcel, SUBMITTED, now=ctx.clock(), ref=receipt.ref,
                 message=f"{_what(parcel)}: accepted by {mp.platform}, processing")
    return 1


def _what(parcel: ParcelRecord) -> str:
    if parcel.kind == CANCEL:
        return f"cancellation of {_text(parcel.lines)}"
    code = parcel.tracking_number or "no tracking"
    return f"parcel {parcel.parcel_id} ({_text(parcel.lines)}, {code})"


def _ship(ctx: SyncContext, store: ParcelStore, parcel: ParcelRecord):
    """The parcel as a shipment, carrier mapped to the order's own marketplace now."""
    code = name = None
    if parcel.tracking_number:
        record = ctx.store.get(parcel.order_id)
        ship_to = record.shipping_address.country if record.shipping_address else None
        mapped = marketplace_carrier(parcel.carrier, record.platform,
                                     overrides=ctx.settings.carrier_overrides, ship_to=ship_to)
        code = mapped.code
        name = (parcel.carrier_name if parcel.carrier is None else None) or mapped.name
        if (code, name) != (parcel.carrier_code, parcel.carrier_name):
            store.set_carrier_code(parcel.id, code=code, name=name, now=ctx.clock())
    shipment = Shipment(
        lines=tuple(ShipmentLine(line.line_id, line.quantity) for line in parcel.lines),
        shipped_at=parcel.shipped_at or ctx.clock(), tracking_number=parcel.tracking_number,
        carrier_code=code, carrier_name=name)
    return ctx.marketplace.confirm_shipment(parcel.external_id, shipment)


def _looked_up(ctx: SyncContext, store: ParcelStore, parcel: ParcelRecord,
               result: Counts) -> bool:
    """Before a retry: is the parcel on the marketplace already, or its write in flight?
    True when settled (done, or followed as submitted, or deferred) without writing."""
    now = ctx.clock()
    others = [p for p in store.of_order(parcel.order_id) if p.id != parcel.id]
    if any(p.kind == SHIP and p.state == SUBMITTED for p in others):
        store.finish(parcel, PENDING, now=now, level="info",
                     message=f"parcel {parcel.parcel_id}: another parcel of the order is "
                             "still processing; looked up later")
        result.add("deferred")
        return True
    mp = ctx.marketplace
    if not isinstance(mp, ParcelLookup):  # order-level look-up: shipped means every parcel
        if mp.is_shipped(parcel.external_id):
            store.finish(parcel, DONE, now=now, message=f"parcel {parcel.parcel_id}: the "
                         "order shows shipped on the marketplace")
            result.add("reconciled")
            return True
        return False
    shipped, in_flight = mp.shipped_quantities(parcel.external_id)
    known_refs = {part for p in others for part in (p.remote_ref or "").split(",") if part}
    unknown = [ref for ref in in_flight if ref not in known_refs]
    if unknown:  # maybe an earlier attempt's: look again once it is processed
        store.finish(parcel, PENDING, now=now,
                     message=f"parcel {parcel.parcel_id}: a shipment write is still processing "
                             f"on the marketplace ({', '.join(unknown)}); looked up later")
        result.add("deferred")
        return True
    if on_marketplace(parcel.lines, shipped, shipped_before(p.known() for p in others)):
        store.finish(parcel, DONE, now=now,
                     message=f"parcel {parcel.parcel_id}: already on the marketplace")
        result.add("reconciled")
        return True
    return False


def _fail(ctx: SyncContext, store: ParcelStore, parcel: ParcelRecord, message: str) -> None:
    store.finish(parcel, FAILED, now=ctx.clock(), error=message, level="error",
                 message=f"{_what(parcel)}: refused: {message}")
    action, reason = ((Action.CONFIRM_SHIPMENT, ErrorReason.SHIPMENT_FAILURE)
                      if parcel.kind == SHIP
                      else (Action.CANCEL_ON_MARKETPLACE, ErrorReason.CANCELLATION_FAILURE))
    ctx.store.fail_write(parcel.order_id, action, reason=reason, message=message,
                         now=ctx.clock())


def _poll(ctx: SyncContext, result: Counts) -> int:
    """Follow accepted asynchronous parcel writes; how many are still processing."""
    store, mp, still = ParcelStore(ctx.store), ctx.marketplace, 0
    for parcel in store.submitted(mp.platform, mp.account):
        try:
            status = mp.process_status(parcel.remote_ref or "")
        except AuthError as exc:
            raise auth_failed(ctx, exc) from None
        except RetriableError:
            still += 1
            continue
        except Exception as exc:  # this order only; polled again later
            order_failed(ctx, parcel.order_id, parcel.external_id, None, exc)
            result.add("errors")
            continue
        if status.state == "success":
            store.finish(parcel, DONE, now=ctx.clock(),
                         message=f"{_what(parcel)}: processed by {mp.platform}")
            result.add("pushed")
        elif status.state == "failure":
            _fail(ctx, store, parcel, status.message or "refused by the marketplace")
            result.add("errors")
        else:
            still += 1
    if still:
        result.add("still_processing", still)
    return still
