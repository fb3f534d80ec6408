"""The merchant's actions on one order, as plain Python over a SyncContext (no Prefect).

Each action first changes the order in the store (``ActionStore``: status rules, intents, an
event in the order's log), then does the remote writes it implies through the same
intents and claims as the loop, exactly once: a write that may already have happened is
looked up on the platform before it is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordersync.carriers import detect, marketplace_carrier
from ordersync.http import FatalError, RetriableError
from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.steps import (
    StepResult,
    create_in_webshop,
    push_orders,
    push_to_marketplace,
)
from ordersync.orders import ErrorReason, OrderStatus
from ordersync.store import Action, OrderRecord
from ordersync.store.actions import ActionRefused, ActionStore

__all__ = ["ActionOutcome", "ActionRefused", "cancel", "find", "resolve", "retry", "ship"]


@dataclass
class ActionOutcome:
    """What an action did to one order (for the run's log, the CLI and tests)."""

    action: str
    marketplace_order_id: str
    webshop_order_id: str | None
    status: str
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        done = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items())) or "no writes"
        return (f"{self.action} order {self.marketplace_order_id} (webshop order "
                f"{self.webshop_order_id or '-'}): now {self.status}; {done}")


def find(ctx: SyncContext, ref: str) -> OrderRecord:
    """The connection's order by marketplace order id (or the hub's row id)."""
    mp = ctx.marketplace
    return ActionStore(ctx.store).lookup(mp.platform, mp.account, ref)


def retry(ctx: SyncContext, ref: str, note: str = "") -> ActionOutcome:
    """Resend the write that put the order in ``error``: create it in the webshop again, or
    push its shipment or cancellation to the marketplace again."""
    record = find(ctx, ref)
    action = ActionStore(ctx.store).retry(record.id, now=ctx.clock(), note=note)
    step = create_in_webshop if action == Action.CREATE_IN_WEBSHOP else push_to_marketplace
    return _outcome(ctx, "retry", record, step(ctx))


def resolve(ctx: SyncContext, ref: str, note: str = "") -> ActionOutcome:
    """Mark the order handled by hand (``manual``): the hub no longer acts on it."""
    record = find(ctx, ref)
    ActionStore(ctx.store).resolve(record.id, now=ctx.clock(), note=note)
    return _outcome(ctx, "resolve", record, StepResult())


def ship(ctx: SyncContext, ref: str, tracking_number: str, carrier: str | None = None,
         note: str = "") -> ActionOutcome:
    """Ship the order with this track & trace code (carrier detected from the code when not
    given) and confirm the shipment on the marketplace."""
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise ActionRefused("give the track & trace code")
    record = find(ctx, ref)
    settings, platform = ctx.settings, ctx.marketplace.platform
    ship_to = record.shipping_address.country if record.shipping_address else None
    canonical = carrier.strip() if carrier and carrier.strip() else None
    if canonical is None:
        found = detect(tracking_number, ship_from=settings.ship_from, ship_to=ship_to,
                       configured=settings.configured_carriers)
        canonical = found.carrier if found.carrier and not found.ambiguous else None
    mapped = marketplace_carrier(canonical, platform, overrides=settings.carrier_overrides,
                                 ship_to=ship_to)
    ActionStore(ctx.store).ship(record.id, now=ctx.clock(), tracking_number=tracking_number,
                                carrier=canonical, carrier_code=mapped.code,
                                carrier_name=mapped.name or canonical, note=note)
    return _outcome(ctx, "ship", record, push_to_marketplace(ctx))


def cancel(ctx: SyncContext, ref: str, note: str = "") -> ActionOutcome:
    """Cancel the order: in the hub, in the webshop (if it was created there) and on the
    marketplace, each write once."""
    record = find(ctx, ref)
    actions = ActionStore(ctx.store)
    actions.cancel(record.id, now=ctx.clock(), note=note)
    result = StepResult()
    webshop_id = _settle_create(ctx, record, result)
    if webshop_id is not None:
        _cancel_in_webshop(ctx, record, webshop_id, result)
    _cancel_on_marketplace(ctx, record, result)
    if result.counts.get("submitted"):
        _follow(ctx, result)
    return _outcome(ctx, "cancel", record, result)


# -- the writes of a cancellation ---------------------------------------------------------


def _settle_create(ctx: SyncContext, record: OrderRecord, result: StepResult) -> str | None:
    """The order's webshop id; an open create that may have written is looked up first."""
    if record.webshop_order_id is not None:
        return record.webshop_order_id
    actions, store, shop = ActionStore(ctx.store), ctx.store, ctx.webshop
    intent = actions.intent(record.id, Action.CREATE_IN_WEBSHOP)
    if intent is None or intent["state"] not in ("pending", "submitted"):
        return None
    if intent["attempts"] > 0:  # an earlier attempt may have created it
        found = shop.find_order(record.to_marketplace_order(), created_after=intent["created_at"])
        if found is not None:
            store.mark_created_in_webshop(record.id, webshop_platform=shop.platform,
                                          webshop_account=shop.account, webshop_id=found,
                                          now=ctx.clock(), reconciled=True)
            result.add("reconciled")
            return found
    actions.abandon(record.id, Action.CREATE_IN_WEBSHOP, now=ctx.clock(),
                    why="cancelled by hand before it was created in the webshop")
    return None


def _cancel_in_webshop(ctx: SyncContext, record: OrderRecord, webshop_id: str,
                       result: StepResult) -> None:
    store, shop, action = ctx.store, ctx.webshop, Action.CANCEL_IN_WEBSHOP
    claim = store.claim_writes(action, [record.id], owner=ctx.owner, now=ctx.clock(),
                               lease=ctx.settings.lease).get(record.id)
    if claim is None:
        return
    try:
        if claim.attempts > 1 and shop.get_order(webshop_id).cancelled:
            store.mark_confirmed(record.id, action, now=ctx.clock(),
                                 message=f"{action}: already cancelled in {shop.platform}")
            result.add("reconciled")
            return
        shop.cancel_order(webshop_id)
    except FatalError as exc:
        store.fail_write(record.id, action, reason=ErrorReason.CANCELLATION_FAILURE,
                         message=str(exc), now=ctx.clock())
        result.add("errors")
        return
    except RetriableError as exc:
        store.release_write(record.id, action, error=str(exc), now=ctx.clock())
        result.add("deferred")
        return
    store.mark_confirmed(record.id, action, now=ctx.clock(),
                         message=f"{action}: order {webshop_id} cancelled in {shop.platform}")
    result.add("cancelled_in_webshop")


def _cancel_on_marketplace(ctx: SyncContext, record: OrderRecord, result: StepResult) -> None:
    """The loop's own push of the cancellation (Amazon, without a seller-cancellation API,
    hands the order over as manual)."""
    current = ctx.store.get(record.id)
    if current.status != OrderStatus.CANCELLED:
        return  # e.g. the webshop refused: the order is in error now
    if push_orders(ctx, Action.CANCEL_ON_MARKETPLACE, [current], result):
        result.add("submitted")  # the loop's push follows the process status to its end


def _follow(ctx: SyncContext, result: StepResult) -> None:
    """Follow an accepted asynchronous write (bol.com's process status) for a few rounds, as
    the loop's push does; what is still processing then is followed by the next cycle."""
    for _ in range(ctx.settings.process_poll_rounds):
        polled = push_to_marketplace(ctx)
        result.merge(polled)
        if not polled.counts.get("still_processing"):
            return
        ctx.sleep(ctx.settings.process_poll_interval)


def _outcome(ctx: SyncContext, action: str, record: OrderRecord,
             result: StepResult) -> ActionOutcome:
    after = ctx.store.get(record.id)
    return ActionOutcome(action, after.external_id, after.webshop_order_id, str(after.status),
                         dict(result.counts))
