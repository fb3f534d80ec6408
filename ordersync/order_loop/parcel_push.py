"""Pushing parcels to the marketplace (issue 12): every parcel is its own shipment (bol.com
one shipment of its items and quantities, Amazon one package, or one fulfillment feed without a
code); every line cancellation a seller cancellation once the order's shipments are confirmed.
Each write is claimed under a lease first (``order_parcels``); a retry looks the parcel up on
the marketplace (shipped quantities per line, writes still processing) before writing.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ordersync.carriers import marketplace_carrier
from ordersync.http import AuthError, FatalError, RetriableError, UnsupportedOperation
from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.guard import ConnectionAuthFailed, auth_failed, order_failed
from ordersync.order_loop.parcels import Counts, text
from ordersync.orders import ErrorReason, OrderStatus, ParcelLine, Shipment, ShipmentLine
from ordersync.orders.parcels import (
    CANCEL,
    CANCEL_PREFIX,
    SHIP,
    on_marketplace,
    remaining,
    shipped_before,
)
from ordersync.store import Action
from ordersync.store.parcels import (
    DONE,
    FAILED,
    PENDING,
    SUBMITTED,
    ParcelEntry,
    ParcelRecord,
    ParcelStore,
)
from ordersync.store.pending import PendingStore

S = OrderStatus


@runtime_checkable
class ParcelLookup(Protocol):
    """A marketplace that can say per line what it shows shipped (bol.com, Amazon)."""

    def shipped_quantities(self, order_id: str) -> tuple[dict[str, int], list[str]]:
        """(units shipped per order line, refs of shipment writes still processing)."""
        ...



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
                         "info", f"{record.status} by the merchant with {text(left)} still "
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
            message=f"{exc}; cancel {text(parcel.lines)} there; the order is now manual",
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
        return f"cancellation of {text(parcel.lines)}"
    code = parcel.tracking_number or "no tracking"
    return f"parcel {parcel.parcel_id} ({text(parcel.lines)}, {code})"


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
