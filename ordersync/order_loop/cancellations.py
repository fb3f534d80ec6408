"""Marketplace -> webshop cancellations (issue 12), a step of the order loop after the import.

1. **Detect.** The import's own listing brings most cancellations with its pages
   (``OrderBatch.cancellations``, recorded by the import step). A connector that can see more
   (``CancellationSource``: bol.com orders gone from the open listing, Amazon buyer requests on
   orders changed since the last run) is asked here for the hub's watched orders.
2. **Cancel in the webshop.** Each order in ``pending_cancellation`` (the intent, committed
   with what to cancel when it was detected) is claimed like every remote write; the webshop
   order is read first - the look-up that makes a retry safe, and the check that it has not
   shipped - then cancelled (whole order, stock given back) or its lines cancelled (where the
   webshop can: ``LineCanceller``). Shipped meanwhile, or not possible: ``manual`` with the
   reason.
3. **Answer the marketplace.** A buyer's request is answered once the webshop cancelled: the
   whole order through the push's own protocol (bol.com: seller cancellation with reasonCode
   REQUESTED_BY_CUSTOMER; Amazon has no seller cancellation in Orders v0: the order is handed
   over as ``manual`` with a note to cancel it in Seller Central). What the marketplace
   cancelled itself needs no answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from ordersync.connectors.capabilities import LineCanceller
from ordersync.http import AuthError, FatalError, RetriableError, UnsupportedOperation
from ordersync.order_loop.context import OVERLAP_MARGIN, SyncContext
from ordersync.order_loop.guard import ConnectionAuthFailed, auth_failed, order_failed
from ordersync.order_loop.steps import StepResult, push_orders
from ordersync.orders import ErrorReason, MarketplaceCancellation
from ordersync.orders.cancellation import (
    REQUESTED_BY_CUSTOMER,
    cancelled_quantities,
    lapsed,
    too_late,
    webshop_outcome,
)
from ordersync.store import Action, OrderRecord
from ordersync.store.actions import ActionStore
from ordersync.store.cancellations import ANSWER_REQUEST, CANCEL_LINES_IN_WEBSHOP, CancelStore
from ordersync.store.cancellations import Pending as PendingCancel
from ordersync.store.pending import PendingStore

log = logging.getLogger("ordersync.order_loop.cancellations")
STREAM = "marketplace_cancellations"


@runtime_checkable
class CancellationSource(Protocol):
    """A marketplace connector that finds cancellations its open-order listing cannot show."""

    def cancellations(self, watched: Mapping[str, datetime],
                      since: datetime | None) -> list[MarketplaceCancellation]:
        """Cancellations of the ``watched`` orders (the hub's open ones: external id -> when
        the hub imported it) the open listing cannot show, changed after ``since`` (and after
        their import)."""
        ...


def cancel_from_marketplace(ctx: SyncContext) -> StepResult:
    """Detect what the listing could not show, then cancel every pending cancellation in the
    webshop exactly once (see the module docstring)."""
    result = StepResult()
    try:
        _detect(ctx, result)
    except AuthError as exc:
        raise auth_failed(ctx, exc) from None
    mp, cancels, after = ctx.marketplace, CancelStore(ctx.store), 0
    while batch := cancels.pending(mp.platform, mp.account, ctx.settings.batch_size, after):
        after = batch[-1].record.id
        for pending in batch:
            try:
                _cancel_one(ctx, pending, result)
            except ConnectionAuthFailed:
                raise
            except Exception as exc:  # this order only; its intent stays for a look-up
                order_failed(ctx, pending.record.id, pending.record.external_id,
                             _action(pending), exc)
                result.add("errors")
    unanswered = cancels.unanswered(mp.platform, mp.account)
    if unanswered and push_orders(ctx, Action.CANCEL_ON_MARKETPLACE, unanswered, result):
        result.add("answer_submitted")
    return result


def _detect(ctx: SyncContext, result: StepResult) -> None:
    mp, settings = ctx.marketplace, ctx.settings
    if not isinstance(mp, CancellationSource):
        return
    run_start, cancels = ctx.clock(), CancelStore(ctx.store)
    mark = ctx.store.watermark(settings.name, STREAM)
    # Each change is to be read once, not every cycle: the margin covers clock skew only
    # (no run holds what this reads, so the lease's overlap is not needed).
    since = (mark - OVERLAP_MARGIN) if mark else run_start - settings.initial_lookback
    watched = cancels.watched(mp.platform, mp.account)
    try:
        found = mp.cancellations(watched, since) if watched else []
    except RetriableError as exc:
        log.warning("%s: cancellations not read this run (%s)", mp.platform, exc)
        result.add("deferred")
        return
    for outcome, n in cancels.record(found, platform=mp.platform, account=mp.account,
                                     now=ctx.clock()).items():
        result.add(outcome, n)
    ctx.store.set_watermark(settings.name, STREAM, run_start, now=ctx.clock())


def _action(pending: PendingCancel) -> str:
    return Action.CANCEL_IN_WEBSHOP if pending.whole else CANCEL_LINES_IN_WEBSHOP


def _cancel_one(ctx: SyncContext, pending: PendingCancel, result: StepResult) -> None:
    record, cancels = pending.record, CancelStore(ctx.store)
    webshop_id = record.webshop_order_id or _settle_create(ctx, record, result)
    if webshop_id is None:  # never reached the webshop: nothing to cancel there
        note = "it never reached the webshop"
        if pending.whole:
            if cancels.cancelled(record.id, None, now=ctx.clock(),
                                 message=f"cancelled in the hub; {note}"):
                result.add("cancelled")
                _answer(ctx, pending, result)
        elif _answer_lines(ctx, pending, result) and cancels.lines_cancelled(
                record.id, None, now=ctx.clock(), in_webshop=False,
                message=f"lines {_lines(pending)} cancelled; {note}"):
            result.add("lines_cancelled_before_webshop")
        return
    action, store, shop = _action(pending), ctx.store, ctx.webshop
    claim = store.claim_writes(action, [record.id], owner=ctx.owner, now=ctx.clock(),
                               lease=ctx.settings.lease).get(record.id)
    if claim is None:
        result.add("busy")
        return
    try:
        state = shop.get_order(webshop_id)  # the look-up before any (re)try
        outcome = webshop_outcome(state, pending.cut, pending.whole, pending.baseline)
        if outcome == "cancel":
            if pending.whole:
                shop.cancel_order(webshop_id)
            elif isinstance(shop, LineCanceller):
                cancels.set_baseline(record.id, cancelled_quantities(state), now=ctx.clock())
                shop.cancel_lines(webshop_id, pending.cut)
            else:
                _hand_over(ctx, pending, action, result,
                           f"{_who(pending)}: lines {_lines(pending)}; {shop.platform} cannot "
                           f"cancel single lines through its API: cancel them in order "
                           f"{webshop_id} by hand (refund with restock) and ship the rest")
                return
    except AuthError as exc:
        store.release_write(record.id, action, error=str(exc), now=ctx.clock())
        raise auth_failed(ctx, exc) from None
    except FatalError as exc:
        _hand_over(ctx, pending, action, result,
                   f"{_who(pending)}, but {shop.platform} refused to cancel order {webshop_id} "
                   f"({exc}); cancel it there by hand")
        return
    except RetriableError as exc:
        store.release_write(record.id, action, error=str(exc), now=ctx.clock())
        result.add("deferred")
        return
    if outcome == "shipped":
        what = "the order" if pending.whole else f"lines {_lines(pending)}"
        note = f" ({pending.reason})" if pending.reason else ""
        if pending.requested:  # only asked: it ships as the merchant decided
            if cancels.lapse(record.id, action, now=ctx.clock(),
                             message=lapsed("shipped", what, note)):
                result.add("requests_lapsed")
            return
        _hand_over(ctx, pending, action, result, too_late("shipped", _who(pending), what, note))
        return
    how = "found cancelled" if outcome == "done" else "cancelled"
    if outcome == "done":
        result.add("reconciled")
    if pending.whole:
        if cancels.cancelled(record.id, action, now=ctx.clock(),
                             message=f"{how} order {webshop_id} in {shop.platform} "
                                     f"(stock given back)"):
            result.add("cancelled_in_webshop")
            _answer(ctx, pending, result)
    elif _answer_lines(ctx, pending, result) and cancels.lines_cancelled(
            record.id, action, now=ctx.clock(), in_webshop=True,
            message=f"{how} lines {_lines(pending)} of order {webshop_id} in {shop.platform} "
                    f"(stock given back)"):
        result.add("lines_cancelled_in_webshop")


def _settle_create(ctx: SyncContext, record: OrderRecord, result: StepResult) -> str | None:
    """An open create that may have written is looked up first; else it is abandoned."""
    actions, shop = ActionStore(ctx.store), ctx.webshop
    intent = actions.intent(record.id, Action.CREATE_IN_WEBSHOP)
    if intent is None or intent["state"] not in ("pending", "submitted"):
        return None
    if intent["attempts"] > 0:
        found = shop.find_order(record.to_marketplace_order(), created_after=intent["created_at"])
        if found is not None:
            ctx.store.mark_created_in_webshop(record.id, webshop_platform=shop.platform,
                                              webshop_account=shop.account, webshop_id=found,
                                              now=ctx.clock(), reconciled=True)
            result.add("reconciled")
            return found
    actions.abandon(record.id, Action.CREATE_IN_WEBSHOP, now=ctx.clock(),
                    why="cancelled on the marketplace before it was created in the webshop")
    return None


def _answer(ctx: SyncContext, pending: PendingCancel, result: StepResult) -> None:
    """A buyer's request for the whole order: the push's seller cancellation, now."""
    if not pending.requested:
        return
    current = ctx.store.get(pending.record.id)
    if push_orders(ctx, Action.CANCEL_ON_MARKETPLACE, [current], result):
        result.add("answer_submitted")  # the push step follows the process status


def _answer_lines(ctx: SyncContext, pending: PendingCancel, result: StepResult) -> bool:
    """A buyer's request for some lines: accept it for those lines (bol.com's cancellation is
    resumable per item: items cancelled or under way are never sent again).

    Runs before the lines are recorded as cancelled, so a crash in between leaves the
    cancellation pending and the next run answers again (the webshop read finds the lines
    already cancelled). True when the lines may be recorded: answered, nothing to answer, or
    handed over / failed for good; False: answer again next run."""
    if not pending.requested:
        return True
    record, store, mp = pending.record, ctx.store, ctx.marketplace
    claim = store.claim_writes(ANSWER_REQUEST, [record.id], owner=ctx.owner, now=ctx.clock(),
                               lease=ctx.settings.lease).get(record.id)
    if claim is None:  # answered by an earlier run (killed before recording), or busy now
        intent = ActionStore(store).intent(record.id, ANSWER_REQUEST)
        return intent is not None and intent["state"] in ("done", "failed", "abandoned")
    try:
        receipt = mp.cancel_order(record.external_id, list(pending.cut), REQUESTED_BY_CUSTOMER)
    except UnsupportedOperation as exc:  # Amazon: the merchant cancels them in Seller Central
        message = (f"{exc}; the buyer asked to cancel lines {_lines(pending)} (taken off the "
                   f"order in the hub and the webshop): cancel them there by hand; the order "
                   f"is now manual")
        if PendingStore(store).hand_over(record.id, ANSWER_REQUEST,
                                         expected=store.get(record.id).status,
                                         reason=str(_refusal()), message=message,
                                         now=ctx.clock()):
            result.add("manual")
        return True
    except FatalError as exc:
        store.fail_write(record.id, ANSWER_REQUEST, reason=_refusal(), message=str(exc),
                         now=ctx.clock())
        result.add("errors")
        return True
    except RetriableError as exc:
        store.release_write(record.id, ANSWER_REQUEST, error=str(exc), now=ctx.clock())
        result.add("deferred")
        return False
    store.mark_confirmed(record.id, ANSWER_REQUEST, now=ctx.clock(), ref=receipt.ref,
                         message=f"cancellation request of lines {_lines(pending)} accepted "
                                 f"on {mp.platform}")
    result.add("requests_answered")
    return True


def _refusal() -> ErrorReason:
    return ErrorReason.CANCELLATION_FAILURE


def _hand_over(ctx: SyncContext, pending: PendingCancel, action: str, result: StepResult,
               message: str) -> None:
    if CancelStore(ctx.store).hand_over(pending.record.id, action, now=ctx.clock(),
                                        message=message):
        result.add("manual")


def _who(pending: PendingCancel) -> str:
    return ("the buyer asked to cancel" if pending.requested
            else "cancelled on the marketplace")


def _lines(pending: PendingCancel) -> str:
    return ", ".join(f"{k} x{q}" for k, q in sorted(pending.cut.items()))
