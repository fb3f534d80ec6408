"""The returns step of the order loop (plain Python, batch-wise per page, no task per return).

1. **import** the marketplace's unhandled returns (every page) and its handled ones (pages
   until one brings nothing new), linked to the hub's orders; returns of unknown orders are
   kept with the reason and linked once the order is there; orders with returned items
   become ``returned``.
2. **register** each return in the webshop per the connection's ``returns`` setting.
3. **handle** it on the marketplace (bol.com: ``RETURN_RECEIVED`` with the returned quantity),
   following the asynchronous process status.

Exactly once: each write is preceded by its committed intent (``submitted``) on the return's
row, claimed under a lease; a write that may have got through (a crash, a timeout or 5xx
after sending) is looked up on the platform before any new attempt: the webshop by the
return's key on the order's notes / refunds, the marketplace by the return's handled flag and
its pending process statuses.
"""

from __future__ import annotations

import logging

from ordersync.connectors.returns import ReturnRegistrar, ReturnSource
from ordersync.http import AuthError, FatalError, RetriableError
from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.guard import auth_failed, safe_message
from ordersync.order_loop.steps import StepResult
from ordersync.orders.returns import (
    HandlingResult,
    ReturnMode,
    ReturnRegistration,
    return_key,
    return_note,
)
from ordersync.store.returns import (
    ACCEPTED,
    MARKETPLACE,
    SUBMITTED,
    WEBSHOP,
    ReturnClaim,
    ReturnStore,
)

log = logging.getLogger("ordersync.order_loop.returns")

MAX_HANDLED_PAGES = 10  # per cycle: handled returns are history; new ones come first

OUTCOMES: dict[str, str] = {  # the step's counts and what they mean (the run's summary)
    "returns_imported": "returned items (bol.com RMAs) imported from the marketplace",
    "returns_unknown_order": "returns of orders the hub does not have: kept with the reason",
    "returns_quarantined": "malformed return items kept with the reason",
    "returned": "orders that became returned (fully or partially)",
    "return_registered": "returns registered in the webshop (note, restock or refund)",
    "return_reconciled": "webshop returns found already written after an interruption",
    "return_deferred": "webshop unavailable: the return is registered next run",
    "return_failed": "returns the webshop refused: to register by hand",
    "handling_sent": "return handlings sent to the marketplace",
    "return_handled": "returns handled on the marketplace",
    "handling_reconciled": "handlings found already sent after an interruption",
    "handling_pending": "handlings accepted by the marketplace, still being processed",
    "handling_deferred": "marketplace unavailable: the handling is sent next run",
    "handling_failed": "handlings the marketplace refused: to handle by hand",
}


def sync_returns(ctx: SyncContext) -> StepResult:
    """Import, register and handle returns; nothing when the marketplace has no returns API."""
    result = StepResult()
    if not isinstance(ctx.marketplace, ReturnSource):
        return result
    returns = ReturnStore(ctx.store)
    try:
        import_returns(ctx, returns, result)
        if isinstance(ctx.webshop, ReturnRegistrar):
            register_returns(ctx, returns, result)
        handle_returns(ctx, returns, result)
    except AuthError as exc:  # the connection is broken, not a return: stop the run
        raise auth_failed(ctx, exc) from None
    return result


# ---- 1. import ------------------------------------------------------------------------


def import_returns(ctx: SyncContext, returns: ReturnStore, result: StepResult) -> None:
    mp = ctx.marketplace
    assert isinstance(mp, ReturnSource)
    touched: set[int] = set()
    for handled in (False, True):
        for number, page in enumerate(mp.fetch_returns(handled), start=1):
            saved = returns.save(page, mp.platform, mp.account, ctx.clock())
            touched |= saved.orders or set()
            result.add("returns_imported", saved.new)
            result.add("returns_unknown_order", saved.unknown_order)
            result.add("returns_quarantined", saved.quarantined)
            if handled and (saved.new == 0 or number >= MAX_HANDLED_PAGES):
                break
    touched |= returns.link_unknown(mp.platform, mp.account, ctx.clock())
    moved = returns.apply_status(touched, ctx.clock()) if touched else 0
    late = returns.unmarked(mp.platform, mp.account) - touched  # confirmed since
    moved += returns.apply_status(late, ctx.clock(), announce=False) if late else 0
    if moved:
        result.add("returned", moved)


# ---- 2. webshop -----------------------------------------------------------------------


def registration(claim: ReturnClaim, mode: ReturnMode, platform: str) -> ReturnRegistration:
    """The webshop write for a claimed return."""
    line = claim.line
    what = claim.title or (line.sku or line.line_id if line else None)
    note = return_note(platform=platform, rma_id=claim.rma_id, return_id=claim.return_id,
                       quantity=claim.quantity, what=what, reason=claim.reason, mode=mode)
    return ReturnRegistration(key=return_key(platform, claim.rma_id), mode=mode,
                              lines=(line,) if line is not None else (), note=note,
                              currency=claim.currency)


def register_returns(ctx: SyncContext, returns: ReturnStore, result: StepResult) -> None:
    mp, shop = ctx.marketplace, ctx.webshop
    assert isinstance(shop, ReturnRegistrar)
    mode = ReturnMode(ctx.settings.returns)
    claims = returns.claim(mp.platform, mp.account, WEBSHOP, owner=ctx.owner,
                           now=ctx.clock(), lease=ctx.settings.lease,
                           limit=ctx.settings.batch_size)
    for claim in claims:
        reg = registration(claim, mode, mp.platform)
        webshop_id = claim.webshop_id or ""
        try:
            if mode != ReturnMode.REGISTER and claim.line is None:
                returns.failed(claim, WEBSHOP, "the returned item matches no line of the "
                               "order", ctx.clock())
                result.add("return_failed")
                continue
            if claim.state == SUBMITTED:  # an earlier attempt may have got through
                found = shop.find_return(webshop_id, reg)
                if found is not None:
                    returns.registered(claim, ref=found, mode=mode, platform=shop.platform,
                                       reconciled=True, now=ctx.clock())
                    result.add("return_reconciled")
                    continue
            returns.begin(claim.id, WEBSHOP, ctx.clock())
            ref = shop.register_return(webshop_id, reg)
            returns.registered(claim, ref=ref, mode=mode, platform=shop.platform,
                               reconciled=False, now=ctx.clock())
            result.add("return_registered")
        except AuthError:
            returns.release(claim.id, "credentials refused", ctx.clock())
            raise
        except RetriableError as exc:
            returns.release(claim.id, safe_message(exc), ctx.clock())
            result.add("return_deferred")
        except FatalError as exc:
            returns.failed(claim, WEBSHOP, safe_message(exc, with_type=False), ctx.clock())
            result.add("return_failed")
        except Exception as exc:  # one return never stops the others
            log.exception("return %s: unexpected error", claim.rma_id)
            returns.failed(claim, WEBSHOP, f"internal_error: {safe_message(exc)}", ctx.clock())
            result.add("return_failed")


# ---- 3. marketplace -------------------------------------------------------------------


def handle_returns(ctx: SyncContext, returns: ReturnStore, result: StepResult) -> None:
    mp = ctx.marketplace
    assert isinstance(mp, ReturnSource)
    claims = returns.claim(mp.platform, mp.account, MARKETPLACE, owner=ctx.owner,
                           now=ctx.clock(), lease=ctx.settings.lease,
                           limit=ctx.settings.batch_size)
    processing: dict[int, tuple[ReturnClaim, str]] = {}
    for claim in claims:
        try:
            ref = _send_handling(ctx, returns, claim, result)
            if ref is not None:
                processing[claim.id] = (claim, ref)
        except AuthError:
            returns.release(claim.id, "credentials refused", ctx.clock())
            raise
        except RetriableError as exc:
            returns.release(claim.id, safe_message(exc), ctx.clock())
            result.add("handling_deferred")
        except FatalError as exc:
            returns.failed(claim, MARKETPLACE, safe_message(exc, with_type=False), ctx.clock())
            result.add("handling_failed")
        except Exception as exc:  # one return never stops the others
            log.exception("return %s: unexpected error", claim.rma_id)
            returns.failed(claim, MARKETPLACE, f"internal_error: {safe_message(exc)}",
                           ctx.clock())
            result.add("handling_failed")
    _follow(ctx, returns, processing, result)


def _send_handling(ctx: SyncContext, returns: ReturnStore, claim: ReturnClaim,
                   result: StepResult) -> str | None:
    """Send (or find) the handling; the process id to follow, or None when settled."""
    mp = ctx.marketplace
    assert isinstance(mp, ReturnSource)
    outcome = HandlingResult.RETURN_RECEIVED
    if claim.state == ACCEPTED and claim.ref:
        return claim.ref
    if claim.state == SUBMITTED:  # an earlier attempt may have got through
        found = mp.return_handling(claim.rma_id, claim.return_id)
        if found is not None and found.state == "success":
            returns.handled(claim, platform=mp.platform, result=outcome, reconciled=True,
                            now=ctx.clock())
            result.add("handling_reconciled")
            return None
        if found is not None and found.message:
            returns.accepted(claim, found.message, ctx.clock())
            result.add("handling_reconciled")
            return found.message
    returns.begin(claim.id, MARKETPLACE, ctx.clock())
    receipt = mp.handle_return(claim.rma_id, claim.quantity, outcome)
    if receipt.done or not receipt.ref:
        returns.handled(claim, platform=mp.platform, result=outcome, reconciled=False,
                        now=ctx.clock())
        result.add("return_handled")
        return None
    returns.accepted(claim, receipt.ref, ctx.clock())
    result.add("handling_sent")
    return receipt.ref


def _follow(ctx: SyncContext, returns: ReturnStore,
            processing: dict[int, tuple[ReturnClaim, str]], result: StepResult) -> None:
    """Poll the accepted handlings a few rounds; still pending ones wait for the next run."""
    mp = ctx.marketplace
    assert isinstance(mp, ReturnSource)
    for round_ in range(ctx.settings.process_poll_rounds):
        if not processing:
            return
        if round_:
            ctx.sleep(ctx.settings.process_poll_interval)
        for key, (claim, ref) in list(processing.items()):
            try:
                status = mp.process_status(ref)
            except RetriableError:
                continue
            if status.state == "pending":
                continue
            del processing[key]
            if status.state == "success" or "already been handled" in (status.message or ""):
                returns.handled(claim, platform=mp.platform,
                                result=HandlingResult.RETURN_RECEIVED, reconciled=False,
                                now=ctx.clock())
                result.add("return_handled")
            else:
                returns.failed(claim, MARKETPLACE, status.message or "refused", ctx.clock())
                result.add("handling_failed")
    for claim, _ in processing.values():
        returns.release(claim.id, "still processing", ctx.clock())
        result.add("handling_pending")
