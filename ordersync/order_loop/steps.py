"""The steps of the order loop, as plain functions over a SyncContext.

Each step works in batches, commits per batch, and catches errors per order so one bad order
never stops the rest. Remote writes follow one protocol: claim the intent (committed), and if
an earlier attempt may have written, look the order up on the platform before writing again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ordersync.carriers import detect, marketplace_carrier
from ordersync.connectors.capabilities import ProcessStatusReader
from ordersync.http import AuthError, FatalError, RetriableError, UnsupportedOperation
from ordersync.order_loop import parcel_push, parcels
from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.guard import ConnectionAuthFailed, auth_failed, order_failed
from ordersync.order_loop.pending import PendingImport
from ordersync.order_loop.results import StepResult
from ordersync.orders import (
    ErrorReason,
    OrderStatus,
    ProcessResult,
    Shipment,
    ShipmentLine,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.lifecycle import WEBSHOP_STATE_MOVES, on_webshop_state
from ordersync.store import Action, OrderRecord
from ordersync.store.cancellations import CancelStore
from ordersync.store.page_writes import PageWrites
from ordersync.store.parcels import ParcelStore
from ordersync.store.pending import PendingStore
from ordersync.store.writes import Transition

log = logging.getLogger("ordersync.order_loop")
WEBSHOP_STREAM = "webshop_orders"
_WHAT = {Action.CONFIRM_SHIPMENT: "shipment", Action.CANCEL_ON_MARKETPLACE: "cancellation"}


# ---- 1. import --------------------------------------------------------------------------


def import_orders(ctx: SyncContext) -> StepResult:
    """Fetch open marketplace orders and store the new ones (and the quarantined ones);
    pending orders are imported as pending or reserved (``ordersync.order_loop.pending``)."""
    mp, store, result = ctx.marketplace, ctx.store, StepResult()
    pending = PendingImport(ctx)
    try:
        for batch in mp.fetch_open_orders(pending.known):
            batch = pending.sort(batch)
            saved = store.save_batch(
                batch, platform=mp.platform, account=mp.account, now=ctx.clock()
            )
            pending.saved(batch)
            result.add("imported", saved.created + saved.repaired)
            result.add("quarantined", saved.quarantined)
            result.add("cancellation_requests", saved.cancellation_requests)
            for outcome, n in CancelStore(store).record(
                    batch.cancellations, platform=mp.platform, account=mp.account,
                    now=ctx.clock()).items():
                result.add(outcome, n)
        return result.merge(pending.finish())
    except AuthError as exc:
        raise auth_failed(ctx, exc) from None


# ---- 2. create in the webshop -----------------------------------------------------------


def create_in_webshop(ctx: SyncContext) -> StepResult:
    """Create every imported order in the webshop exactly once (each page's outcomes are
    written in one transaction: ``ordersync.store.page_writes``)."""
    mp, store, result = ctx.marketplace, ctx.store, StepResult()
    after = 0
    with ctx.page_writes() as done:
        while True:
            records = store.orders_needing_webshop(
                mp.platform, mp.account, ctx.settings.batch_size, after_id=after
            )
            if not records:
                return result
            after = records[-1].id
            claims = store.claim_writes(
                Action.CREATE_IN_WEBSHOP,
                [r.id for r in records],
                owner=ctx.owner,
                now=ctx.clock(),
                lease=ctx.settings.lease,
            )
            if len(claims) < len(records):
                result.add("busy", len(records) - len(claims))
            for record in records:
                claim = claims.get(record.id)
                if claim is not None:
                    _create_one(ctx, done, record, claim.attempts, claim.created_at, result)
                    done.flush_if_due()
            done.flush()


def _create_one(
    ctx: SyncContext, done: PageWrites, record: OrderRecord, attempts: int,
    intent_at: datetime, result: StepResult,
) -> None:
    try:
        _create(ctx, done, record, attempts, intent_at, result)
    except ConnectionAuthFailed:
        raise
    except Exception as exc:  # this order only; the intent stays for a look-up first
        order_failed(ctx, record.id, record.external_id, Action.CREATE_IN_WEBSHOP, exc)
        result.add("errors")


def _create(
    ctx: SyncContext, done: PageWrites, record: OrderRecord, attempts: int,
    intent_at: datetime, result: StepResult,
) -> None:
    shop, store = ctx.webshop, ctx.store
    order = record.to_marketplace_order()
    try:
        if attempts > 1:  # an earlier attempt may have created it: look before writing
            existing = shop.find_order(order, created_after=intent_at)
            if existing is not None:
                done.created(
                    record.id,
                    webshop_platform=shop.platform,
                    webshop_account=shop.account,
                    webshop_id=existing,
                    now=ctx.clock(),
                    reconciled=True,
                )
                result.add("reconciled")
                return
        webshop_id = shop.create_order(order)
    except AuthError as exc:  # the connection is broken, not the order: stop the run
        store.release_write(record.id, Action.CREATE_IN_WEBSHOP, error=str(exc), now=ctx.clock())
        raise auth_failed(ctx, exc) from None
    except FatalError as exc:
        store.fail_write(
            record.id,
            Action.CREATE_IN_WEBSHOP,
            reason=ErrorReason.WEBSHOP_REJECTED,
            message=str(exc),
            now=ctx.clock(),
        )
        result.add("errors")
        return
    except RetriableError as exc:
        done.released(record.id, Action.CREATE_IN_WEBSHOP, error=str(exc), now=ctx.clock())
        result.add("deferred")
        return
    done.created(
        record.id,
        webshop_platform=shop.platform,
        webshop_account=shop.account,
        webshop_id=webshop_id,
        now=ctx.clock(),
    )
    result.add("created")


# ---- 3. webshop completions and cancellations --------------------------------------------


def detect_webshop_changes(ctx: SyncContext) -> StepResult:
    """Read orders changed in the webshop since the watermark (minus overlap) and apply them
    to this connection's own orders (a webshop may serve several connections).

    The watermark never passes the first attempt of a create whose outcome is unknown: the
    shop may hold that order already (and the merchant may ship it at once) while the hub
    cannot recognise it until the create is reconciled; the next reads still cover it."""
    mp, shop, store, settings = ctx.marketplace, ctx.webshop, ctx.store, ctx.settings
    result, run_start = StepResult(), ctx.clock()
    mark = store.watermark(settings.name, WEBSHOP_STREAM)
    since = (mark - settings.poll_overlap) if mark else run_start - settings.initial_lookback
    try:
        for page in shop.changed_orders(since):
            # the poll's overlap reads most orders again; settled ones need not be loaded
            records = store.orders_by_webshop_ids(
                shop.platform,
                shop.account,
                [s.webshop_id for s in page],
                platform=mp.platform,
                account=mp.account,
                statuses=WEBSHOP_STATE_MOVES,
            )
            known = ParcelStore(store).of_orders([r.id for r in records.values()])
            changes: list[_Change] = []
            for state in page:
                record = records.get(state.webshop_id)
                if record is not None:  # else another connection's, or settled
                    _apply_state(ctx, record, state, result, known, changes)
            _apply_changes(ctx, changes, result)
    except AuthError as exc:
        raise auth_failed(ctx, exc) from None
    store.set_watermark(settings.name, WEBSHOP_STREAM, _held(ctx, run_start, result),
                        now=ctx.clock())
    return result


def _held(ctx: SyncContext, run_start: datetime, result: StepResult) -> datetime:
    """How far the watermark may move: not past the first attempt of an unresolved create,
    and never further back than ``initial_lookback`` (a create stuck that long is logged)."""
    mp, settings = ctx.marketplace, ctx.settings
    unresolved = ctx.store.first_unresolved_create(mp.platform, mp.account)
    if unresolved is None or unresolved >= run_start:
        return run_start
    result.add("watermark_held")
    floor = run_start - settings.initial_lookback
    if unresolved < floor:
        log.warning(
            "connection %s: a webshop create has been unresolved since %s; webshop changes "
            "are read back %s at most",
            settings.name,
            unresolved.isoformat(),
            settings.initial_lookback,
        )
        return floor
    return unresolved


@dataclass(frozen=True)
class _Change:
    """A status change decided for one order of a page, with what to count once it moved."""

    transition: Transition
    record: OrderRecord
    counted: str | None = None  # counted whether or not it moved (as before batching)
    if_moved: str | None = None  # counted only when it moved


def _apply_state(
    ctx: SyncContext, record: OrderRecord, state: WebshopOrderState, result: StepResult,
    known: Mapping[int, list] | None = None, changes: list[_Change] | None = None,
) -> None:
    """Decide what the webshop's state means for one order. Order-level changes go to
    ``changes`` (written for the whole page by ``_apply_changes``), or at once without it."""
    try:
        if parcels.apply_state(ctx, record, state, result, known):  # partial / parcels
            return
        change = on_webshop_state(record.status, state)
        if change is None:
            return
        decided = _decide(ctx, record, change.status, change.tracking, change.reason)
        if decided is None:
            return
        if changes is None:
            _apply_changes(ctx, [decided], result)
        else:
            changes.append(decided)
    except Exception as exc:  # this order only
        order_failed(ctx, record.id, record.external_id, None, exc)
        result.add("errors")


def _apply_changes(ctx: SyncContext, changes: list[_Change], result: StepResult) -> None:
    """Write a page's status changes in one transaction; count them as ``_apply`` did."""
    if not changes:
        return
    moved, refused = ctx.store.transition_many([c.transition for c in changes],
                                               now=ctx.clock())
    for change in changes:
        order_id = change.record.id
        if order_id in refused:
            order_failed(ctx, order_id, change.record.external_id, None, refused[order_id])
            result.add("errors")
            continue
        if change.counted:
            result.add(change.counted)
        if change.if_moved and order_id in moved:
            result.add(change.if_moved)
            if change.transition.new == OrderStatus.WAITING:
                waiting_since = change.transition.fields["waiting_since"]
                result.waiting.append((order_id, waiting_since))


def _decide(
    ctx: SyncContext,
    record: OrderRecord,
    status: OrderStatus,
    tracking: Tracking | None,
    reason: str,
) -> _Change | None:
    now = ctx.clock()
    if status == OrderStatus.SHIPPED:
        return _Change(_shipment(ctx, record, tracking, reason), record, counted="shipped")
    if status == OrderStatus.WAITING:
        return _Change(Transition(
            record.id, status, kind="waiting", expected=record.status,
            message=f"{reason}; waiting up to {ctx.settings.tracking_wait} for a code",
            fields={"waiting_since": now}), record, if_moved="waiting")
    if status == OrderStatus.CANCELLED:
        return _Change(Transition(record.id, status, kind="cancelled", message=reason,
                                  expected=record.status), record, counted="cancelled")
    if status == OrderStatus.ERROR:  # the webshop gave values the hub cannot use
        return _Change(Transition(
            record.id, status, kind=str(ErrorReason.WEBSHOP_INVALID), message=reason,
            level="error", expected=record.status,
            fields={"error_reason": str(ErrorReason.WEBSHOP_INVALID),
                    "error_message": reason}), record, counted="errors")
    return None


def _ship(
    ctx: SyncContext, record: OrderRecord, tracking: Tracking | None, reason: str, now: datetime
) -> None:
    """Mark one order shipped now (the 3-hour wait's path)."""
    change = _shipment(ctx, record, tracking, reason, now)
    ctx.store.transition(change.order_id, change.new, now=now, kind=change.kind,
                         message=change.message, level=change.level,
                         expected=change.expected, **change.fields)


def _shipment(
    ctx: SyncContext, record: OrderRecord, tracking: Tracking | None, reason: str,
    now: datetime | None = None,
) -> Transition:
    """The change to shipped; derive the carrier from the code (stored as detected: the
    marketplace's code is chosen when the shipment is sent, for the marketplace the order
    belongs to)."""
    settings = ctx.settings
    now = now or ctx.clock()
    ship_to = record.shipping_address.country if record.shipping_address else None
    carrier = guess = None
    level, note = "info", reason
    if tracking is not None:
        found = detect(
            tracking.number,
            ship_from=settings.ship_from,
            ship_to=ship_to,
            configured=settings.configured_carriers,
            named=tracking.company,
        )
        if found.carrier and not found.ambiguous:
            carrier = found.carrier
            note = f"{reason}: {tracking.number} read as {carrier} ({found.confidence:.2f})"
        else:
            level = "warning"
            guess = found.candidates[0].name if found.candidates else None
            options = ", ".join(c.carrier for c in found.candidates[:3]) or "no known format"
            note = f"{reason}: carrier of {tracking.number} is unclear ({options}); sent as other"
    # Unclear carrier: keep the webshop's carrier name, or our best guess, to send with the
    # generic code to marketplaces that take a name with "other" (Amazon's carrierName).
    name = (tracking.company or guess) if tracking is not None and carrier is None else None
    return Transition(
        record.id,
        OrderStatus.SHIPPED,
        kind="shipped",
        message=note,
        level=level,
        expected=record.status,
        fields={
            "shipped_at": now,
            "waiting_since": None,
            "tracking_number": tracking.number if tracking else None,
            "carrier": carrier,
            "carrier_code": None,
            "carrier_name": name,
        },
    )


# ---- 4. the 3-hour wait -----------------------------------------------------------------


def expire_waiting(ctx: SyncContext, records: Iterable[OrderRecord]) -> StepResult:
    """Orders whose wait ran out: one last look for a code, else shipped without tracking."""
    result = StepResult()
    for record in records:
        if record.status != OrderStatus.WAITING or record.webshop_order_id is None:
            continue
        try:
            _expire(ctx, record, result)
        except AuthError as exc:
            raise auth_failed(ctx, exc) from None
        except Exception as exc:  # this order only
            order_failed(ctx, record.id, record.external_id, None, exc)
            result.add("errors")
    return result


def _expire(ctx: SyncContext, record: OrderRecord, result: StepResult) -> None:
    assert record.webshop_order_id is not None
    if parcels.expire(ctx, record, result):  # an order shipped in parcels
        return
    try:
        state = ctx.webshop.get_order(record.webshop_order_id)
        tracking = state.tracking[0] if state.tracking else None
    except RetriableError as exc:
        log.warning(
            "order %s: webshop unavailable (%s); shipping without tracking",
            record.external_id,
            exc,
        )
        tracking = None
    reason = (
        "track & trace arrived"
        if tracking
        else (f"no track & trace within {ctx.settings.tracking_wait}; shipped without tracking")
    )
    _ship(ctx, record, tracking, reason, ctx.clock())
    result.add("shipped_with_tracking" if tracking else "shipped_without_tracking")


def sweep_waiting(ctx: SyncContext) -> StepResult:
    """Every cycle: expire overdue waiting orders, so a lost delayed run strands nothing."""
    mp = ctx.marketplace
    cutoff = ctx.clock() - ctx.settings.tracking_wait
    return expire_waiting(ctx, ctx.store.overdue_waiting(mp.platform, mp.account, cutoff))


EARLY_START = timedelta(seconds=60)
"""How early a delayed tracking-timeout run may start and still do its work, after waiting out
the rest: Prefect's worker submits a scheduled run up to its prefetch (10 s by default) before
its time, and the machine that scheduled it may run a little ahead of the worker's."""


def tracking_timeout(ctx: SyncContext, order_id: int) -> StepResult:
    """The delayed sub-flow's work for one order: a no-op unless it is still waiting and due
    (within ``EARLY_START`` of its deadline, the run waits for it first)."""
    record, mp = ctx.store.get(order_id), ctx.marketplace
    if (record.platform, record.account) != (mp.platform, mp.account):
        log.warning("order %s is not an order of connection %s", order_id, ctx.settings.name)
        return StepResult({"skipped": 1})
    if record.status != OrderStatus.WAITING or record.waiting_since is None:
        return StepResult({"skipped": 1})
    left = record.waiting_since + ctx.settings.tracking_wait - ctx.clock()
    if left > EARLY_START:
        return StepResult({"skipped": 1})
    if left > timedelta(0):
        ctx.sleep(left.total_seconds())
        record = ctx.store.get(order_id)  # a cycle may have moved it meanwhile
    return expire_waiting(ctx, [record])


# ---- 5. push to the marketplace ---------------------------------------------------------


def push_to_marketplace(ctx: SyncContext) -> StepResult:
    """Confirm shipments and seller cancellations on the marketplace, exactly once each."""
    mp, store, settings = ctx.marketplace, ctx.store, ctx.settings
    result = StepResult()
    parcel_push.push(ctx, result)  # each parcel and line cancellation on its own
    result.merge(_poll_submitted(ctx, Action.CONFIRM_SHIPMENT))
    result.merge(_poll_submitted(ctx, Action.CANCEL_ON_MARKETPLACE))
    submitted = 0  # each _push_batch writes its page's outcomes before the next query
    for action, query, write, check in (
        (Action.CONFIRM_SHIPMENT, store.orders_to_confirm, _confirm, mp.is_shipped),
        (
            Action.CANCEL_ON_MARKETPLACE,
            store.orders_to_cancel_on_marketplace,
            _cancel,
            mp.is_cancelled,
        ),
    ):
        after = 0
        while records := query(mp.platform, mp.account, settings.batch_size, after_id=after):
            after = records[-1].id
            submitted += _push_batch(ctx, action, records, write, check, result)
    for _ in range(settings.process_poll_rounds if submitted else 0):
        ctx.sleep(settings.process_poll_interval)
        polled = _poll_submitted(ctx, Action.CONFIRM_SHIPMENT)
        polled.merge(_poll_submitted(ctx, Action.CANCEL_ON_MARKETPLACE))
        result.merge(polled)
        if not polled.counts.get("still_processing"):
            break
    return result


def push_orders(ctx: SyncContext, action: str, records: list[OrderRecord],
                result: StepResult) -> int:
    """Push ``action`` (shipment or cancellation) for these orders with the push step's
    protocol (claim, look up before a retry, hand over what the marketplace cannot do);
    returns how many were accepted asynchronously and are still to be followed."""
    mp = ctx.marketplace
    write, check = ((_confirm, mp.is_shipped) if action == Action.CONFIRM_SHIPMENT
                    else (_cancel, mp.is_cancelled))
    return _push_batch(ctx, action, records, write, check, result)


def _push_batch(
    ctx: SyncContext,
    action: str,
    records: list[OrderRecord],
    write: Callable,
    check: Callable[[str], bool],
    result: StepResult,
) -> int:
    store, submitted = ctx.store, 0
    in_parcels = ParcelStore(store).orders_with_parcels([r.id for r in records])
    live = [r for r in records if not r.test and r.id not in in_parcels]
    for record in records:
        if record.test:
            store.mark_confirmed(
                record.id,
                action,
                now=ctx.clock(),
                message=f"test order: {_WHAT.get(action, action)} not sent to "
                        f"{ctx.marketplace.platform}",
            )
            result.add("test_orders")
    claims = store.claim_writes(
        action, [r.id for r in live], owner=ctx.owner, now=ctx.clock(), lease=ctx.settings.lease
    )
    with ctx.page_writes() as done:
        for record in live:
            claim = claims.get(record.id)
            if claim is None or claim.state == "submitted":
                continue  # held by another run, or accepted and still processing
            try:
                submitted += _push_one(ctx, done, action, record, claim.attempts, write, check,
                                       result)
            except ConnectionAuthFailed:
                raise
            except Exception as exc:  # this order only; the intent stays for a look-up first
                order_failed(ctx, record.id, record.external_id, action, exc)
                result.add("errors")
            done.flush_if_due()
    return submitted


def _push_one(
    ctx: SyncContext,
    done: PageWrites,
    action: str,
    record: OrderRecord,
    attempts: int,
    write: Callable,
    check: Callable[[str], bool],
    result: StepResult,
) -> int:
    """One order's write under its claimed intent; 1 when it was accepted asynchronously."""
    store = ctx.store
    try:
        if attempts > 1 and check(record.external_id):
            done.confirmed(
                record.id,
                action,
                now=ctx.clock(),
                message=f"{action}: already done on the marketplace",
            )
            result.add("reconciled")
            return 0
        receipt = write(ctx, done, record)
    except AuthError as exc:  # the connection is broken, not the order: stop the run
        store.release_write(record.id, action, error=str(exc), now=ctx.clock())
        raise auth_failed(ctx, exc) from None
    except UnsupportedOperation as exc:  # e.g. Amazon has no seller-cancellation API
        done.flush()  # the hand-over reads the order as this page left it
        _hand_over(ctx, record, action, exc)
        result.add("manual")
        return 0
    except FatalError as exc:
        done.flush()
        store.fail_write(
            record.id, action, reason=_refusal(action), message=str(exc), now=ctx.clock()
        )
        result.add("errors")
        return 0
    except RetriableError as exc:
        done.released(record.id, action, error=str(exc), now=ctx.clock())
        result.add("deferred")
        return 0
    if receipt.done:
        done.confirmed(
            record.id,
            action,
            now=ctx.clock(),
            ref=receipt.ref,
            message=f"{action}: accepted by {ctx.marketplace.platform}",
        )
        result.add("pushed")
        return 0
    done.submitted(record.id, action, ref=receipt.ref, now=ctx.clock())
    return 1


def _refusal(action: str) -> ErrorReason:
    return (
        ErrorReason.SHIPMENT_FAILURE
        if action == Action.CONFIRM_SHIPMENT
        else ErrorReason.CANCELLATION_FAILURE
    )


def _hand_over(ctx: SyncContext, record: OrderRecord, action: str, exc: Exception) -> None:
    """The marketplace cannot do it by API: the order goes to ``manual`` with the reason and
    a warning telling the merchant what to do there."""
    message = f"{exc}; the order is now manual: the hub no longer acts on it"
    PendingStore(ctx.store).hand_over(record.id, action, expected=record.status,
                                      reason=str(_refusal(action)), message=message,
                                      now=ctx.clock())


def _confirm(ctx: SyncContext, done: PageWrites, record: OrderRecord):
    """Send the shipment with the carrier code of the order's own marketplace, chosen now
    from the carrier detected when it shipped."""
    settings, platform = ctx.settings, record.platform
    code = name = None
    if record.tracking_number:
        ship_to = record.shipping_address.country if record.shipping_address else None
        mapped = marketplace_carrier(
            record.carrier, platform, overrides=settings.carrier_overrides, ship_to=ship_to
        )
        code = mapped.code
        name = (record.carrier_name if record.carrier is None else None) or mapped.name
        if (code, name) != (record.carrier_code, record.carrier_name):
            done.carrier_code(record.id, code=code, name=name, now=ctx.clock())
    shipment = Shipment(
        lines=tuple(ShipmentLine(line.line_id, line.quantity) for line in record.lines),
        shipped_at=record.shipped_at or ctx.clock(),
        tracking_number=record.tracking_number,
        carrier_code=code,
        carrier_name=name,
    )
    return ctx.marketplace.confirm_shipment(record.external_id, shipment)


def _cancel(ctx: SyncContext, done: PageWrites, record: OrderRecord):
    """A seller cancellation; REQUESTED_BY_CUSTOMER when it answers the buyer's request."""
    reason = CancelStore(ctx.store).marketplace_reason(record.id) or ctx.settings.cancel_reason
    return ctx.marketplace.cancel_order(
        record.external_id, [line.line_id for line in record.lines], reason
    )


def _poll_submitted(ctx: SyncContext, action: str) -> StepResult:
    """Follow asynchronous writes (bol.com process status) to their end, order by order: one
    order's failure or conflict never stops the others."""
    mp, store, result = ctx.marketplace, ctx.store, StepResult()
    check = mp.is_shipped if action == Action.CONFIRM_SHIPMENT else mp.is_cancelled
    submitted = store.submitted_writes(action, mp.platform, mp.account)
    known = _statuses_in_bulk(ctx, [ref for _, _, ref in submitted])
    with ctx.page_writes() as done:
        for order_id, external_id, ref in submitted:
            try:
                _poll_one(ctx, done, action, order_id, external_id, ref, check, result, known)
            except AuthError as exc:
                raise auth_failed(ctx, exc) from None
            except Exception as exc:  # this order only; still submitted, polled again later
                order_failed(ctx, order_id, external_id, action, exc)
                result.add("errors")
            done.flush_if_due()
    return result


def _statuses_in_bulk(ctx: SyncContext, refs: list[str]) -> dict[str, ProcessResult]:
    """The process statuses of every submitted write in as few requests as the marketplace
    allows (bol.com: 1000 a request); {} where it has no bulk read or it failed (each order
    is then polled on its own)."""
    mp = ctx.marketplace
    parts = [p.strip() for ref in refs for p in ref.split(",") if p.strip()]
    if not parts or not isinstance(mp, ProcessStatusReader):
        return {}
    try:
        return mp.process_statuses(parts)
    except RetriableError as exc:
        log.info("bulk process status unavailable (%s); polling order by order", exc)
        return {}


def _status_of(ctx: SyncContext, ref: str, known: Mapping[str, ProcessResult]
               ) -> ProcessResult:
    """One write's state: from the bulk answer when it has every part, else by its own
    request (a part the bulk answer left out may no longer be kept by the marketplace)."""
    parts = [p.strip() for p in ref.split(",") if p.strip()]
    if parts and all(p in known for p in parts):
        return ProcessResult.combined([known[p] for p in parts])
    return ctx.marketplace.process_status(ref)


def _poll_one(
    ctx: SyncContext,
    done: PageWrites,
    action: str,
    order_id: int,
    external_id: str,
    ref: str,
    check: Callable[[str], bool],
    result: StepResult,
    known: Mapping[str, ProcessResult] | None = None,
) -> None:
    mp, store = ctx.marketplace, ctx.store
    try:
        status = _status_of(ctx, ref, known or {})
    except RetriableError:
        result.add("still_processing")
        return
    if status.state == "success":
        done.confirmed(
            order_id, action, now=ctx.clock(), ref=ref,
            message=f"{action}: processed by {mp.platform}",
        )
        result.add("pushed")
    elif status.state == "failure":
        # A part refused because it was done already (e.g. an item cancelled by an earlier
        # attempt whose answer was lost) is no failure: look at the order before failing it.
        if check(external_id):
            done.confirmed(
                order_id, action, now=ctx.clock(), ref=ref,
                message=f"{action}: done on {mp.platform} "
                f"({status.message or 'a part was refused as already done'})",
            )
            result.add("pushed")
            return
        done.flush()
        store.fail_write(
            order_id, action, reason=_refusal(action),
            message=status.message or "refused by the marketplace", now=ctx.clock(),
        )
        result.add("errors")
    else:
        result.add("still_processing")
