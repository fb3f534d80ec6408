"""The webshop order import as plain Python (no Prefect): one import path for the ongoing
5-minute sync and the backfill, the backfill's resumable chunks, and write-offs.

``apply_page`` is the one function both use: plan the page (pure rules, pandas), fetch the
details of products the catalog does not know yet (one batched request), and store it all in
one transaction - with the backfill's cursor when there is one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from ordersync.connectors.base import ShopOrderPage
from ordersync.http import FatalError, RetriableError
from ordersync.shop_import.context import ShopImportContext
from ordersync.shop_import.plan import (
    CurrencyMismatch,
    check_currency,
    plan_page,
    unique_products,
)
from ordersync.shop_import.settings import ShopImportSettings
from ordersync.store.shop_repository import BackfillMark, BackfillState, ShopOrderRecord

log = logging.getLogger("ordersync.shop_import.steps")
STREAM = "shop_orders"
PageHook = Callable[[BackfillState, ShopOrderPage, Counter[str]], None]


def shop_name(ctx: ShopImportContext) -> str:
    return f"{ctx.source.platform} shop {ctx.source.account!r}"


def check_shop_currency(ctx: ShopImportContext) -> None:
    """Fail fast, before anything is imported, when the shop sells in another currency."""
    currency = ctx.source.shop_currency()
    if currency is not None and currency.upper() != ctx.settings.hub_currency:
        raise CurrencyMismatch(shop_name(ctx), currency.upper(), ctx.settings.hub_currency)


def apply_page(
    ctx: ShopImportContext, page: ShopOrderPage, *, mark: BackfillMark | None = None
) -> Counter[str]:
    """Import one page of the shop's orders (the one import path)."""
    check_currency(page.orders, ctx.settings.hub_currency, shop_name(ctx))
    pctx = ctx.page_context
    plan = plan_page(page.orders, rules=ctx.rules, identify_by=ctx.settings.identify_by,
                     source=pctx.source, finished_statuses=ctx.source.finished_statuses,
                     rejected=page.rejected, calling_code=ctx.settings.calling_code)
    existing = ctx.repo.existing_orders(pctx.platform, pctx.account,
                                        [p.order.id for p in plan.orders])
    relevant = [p for p in plan.orders
                if (p.order.id in existing and not existing[p.order.id])
                or (p.order.id not in existing and not p.finished and not p.problems
                    and not p.hub_created)]
    lines = unique_products(relevant)
    known = ctx.repo.known_product_keys([ln.product_key for ln in lines])
    wanted = sorted({ln.product_id for ln in lines
                     if ln.product_key not in known and ln.product_id})
    details = ctx.source.products(wanted) if wanted else {}
    return ctx.repo.apply_page(plan, pctx, products=details, now=ctx.clock(), mark=mark)


# ---- the ongoing 5-minute import ----------------------------------------------------------

def import_changed_orders(ctx: ShopImportContext) -> Counter[str]:
    """Orders created or changed since the watermark (minus the overlap): new ones imported,
    known ones updated by the platform's rules. The watermark only moves forward, to this
    run's start, after every page is committed."""
    store, settings = ctx.store, ctx.settings
    run_start = ctx.clock()
    mark = store.watermark(settings.name, STREAM)
    since = (mark - settings.overlap) if mark else run_start - settings.initial_lookback
    check_shop_currency(ctx)
    counts: Counter[str] = Counter()
    for page in ctx.source.updated_order_pages(updated_since=since):
        counts.update(apply_page(ctx, page))
        counts["pages"] += 1
    store.set_watermark(settings.name, STREAM, run_start, ctx.clock())
    return counts


# ---- the backfill -----------------------------------------------------------------------

def backfill_key(since: datetime | None, until: datetime | None) -> str:
    """Runs with the same parameters share progress (and so resume each other)."""
    def text(when: datetime | None, default: str) -> str:
        return when.isoformat(timespec="seconds") if when else default

    return f"{text(since, 'default')}..{text(until, 'open')}"


def start_backfill(
    ctx: ShopImportContext, since: datetime | None = None, until: datetime | None = None
) -> BackfillState:
    """Resume the unfinished backfill with these parameters, or start it. ``since`` defaults
    to two months (``backfill_window``) before now."""
    for name, when in (("since", since), ("until", until)):
        if when is not None and when.tzinfo is None:
            raise ValueError(f"backfill {name} must carry a timezone, e.g. 2026-09-01T00:00Z")
    check_shop_currency(ctx)
    now = ctx.clock()
    begin = since or now - ctx.settings.backfill_window
    if until is not None and until <= begin:
        raise ValueError(f"backfill until ({until}) must be after since ({begin})")
    return ctx.repo.start_backfill(ctx.settings.name, backfill_key(since, until),
                                   since=begin, until=until, now=now)


def backfill_pages(
    ctx: ShopImportContext, state: BackfillState, max_pages: int,
    on_page: PageHook | None = None,
) -> BackfillState:
    """Import up to ``max_pages`` pages from the backfill's committed cursor, each page in one
    transaction with its new cursor. Returns the committed state (``done`` at the end)."""
    if state.done:
        return state
    pages: Iterator[ShopOrderPage] = ctx.source.order_pages(
        created_since=state.since, created_until=state.until, cursor=state.cursor)
    done, after = 0, state.cursor
    try:
        for page in pages:
            mark = BackfillMark(ctx.settings.name, state.key, page.cursor, after)
            after = page.cursor
            counts = apply_page(ctx, page, mark=mark)
            done += 1
            fresh = ctx.repo.backfill(ctx.settings.name, state.key)
            assert fresh is not None
            state = fresh
            if on_page is not None:
                on_page(state, page, counts)
            if state.done or done >= max_pages:
                break
        else:  # the listing ended without a page saying so (e.g. no orders at all)
            state = ctx.repo.finish_backfill(ctx.settings.name, state.key, ctx.clock())
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
    return state


def summary(counts: dict[str, int]) -> dict[str, object]:
    """The backfill's figures: imported, skipped per rule, rejected per reason, products and
    customers created or matched."""
    def group(prefix: str) -> dict[str, int]:
        return {k.split(":", 1)[1]: v for k, v in sorted(counts.items())
                if k.startswith(prefix + ":")}

    return {
        "imported": counts.get("imported", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0) + counts.get("unchanged:written off", 0),
        "skipped": group("skipped"),
        "rejected": group("rejected"),
        "products": {"created": counts.get("products:created", 0),
                     "matched": counts.get("products:matched", 0)},
        "customers": {"created": counts.get("customers:created", 0),
                      "matched": counts.get("customers:matched", 0)},
    }


# ---- write-off ----------------------------------------------------------------------------

def write_off_action(ctx: ShopImportContext) -> str | None:
    status = ctx.rules.write_off_status
    return f"status:{status}" if status else None


def write_off(ctx: ShopImportContext, number: str) -> tuple[ShopOrderRecord, Counter[str]]:
    """Write off an order's products in the hub; from then on platform changes to it are
    not synced. WooCommerce then gets ``completed``, exactly once (intent first)."""
    record = ctx.repo.find(ctx.source.platform, ctx.source.account, number)
    if record is None:
        raise ValueError(f"no {ctx.source.platform} order {number!r} of "
                         f"{ctx.source.account!r} in the hub")
    counts: Counter[str] = Counter()
    if not ctx.repo.write_off(record.id, now=ctx.clock(), action=write_off_action(ctx)):
        counts["already written off"] += 1
    else:
        counts["written off"] += 1
    counts.update(push_write_offs(ctx))
    return ctx.repo.get(record.id), counts


def push_write_offs(ctx: ShopImportContext) -> Counter[str]:
    """Send the platform status of written-off orders whose intent is pending. An attempt
    after one that may have reached the platform looks first (WooCommerce: is it completed?)
    and only writes when it is not there."""
    action, status = write_off_action(ctx), ctx.rules.write_off_status
    counts: Counter[str] = Counter()
    if action is None or status is None:
        return counts
    source, repo = ctx.source, ctx.repo
    claims = repo.claim_writes(action, source.platform, source.account, owner=ctx.owner,
                               now=ctx.clock(), lease=ctx.settings.lease)
    for order_id, external_id, attempts in claims:
        try:
            if attempts > 1 and _has_status(source, external_id, status):
                repo.finish_write(order_id, action, state="done", now=ctx.clock(),
                                  message=f"{status} on {source.platform} already (reconciled)")
                counts["reconciled"] += 1
                continue
            source.set_status(external_id, status)  # type: ignore[attr-defined]
        except FatalError as exc:
            repo.finish_write(order_id, action, state="failed", now=ctx.clock(),
                              message=f"{source.platform} refused {status}: {exc}",
                              error=str(exc))
            counts["failed"] += 1
            continue
        except RetriableError as exc:
            repo.finish_write(order_id, action, state="pending", now=ctx.clock(),
                              message=f"{status} on {source.platform} deferred: {exc}",
                              error=str(exc))
            counts["deferred"] += 1
            continue
        repo.finish_write(order_id, action, state="done", now=ctx.clock(),
                          message=f"set {status} on {source.platform}")
        counts["status sent"] += 1
    return counts


def _has_status(source: object, external_id: str, status: str) -> bool:
    get_order = getattr(source, "get_order", None)
    if get_order is None:
        return False
    state = get_order(external_id)
    return bool(getattr(state, "completed", False)) if status == "completed" else False




__all__ = [
    "ShopImportContext",
    "ShopImportSettings",
    "apply_page",
    "backfill_pages",
    "check_shop_currency",
    "import_changed_orders",
    "push_write_offs",
    "start_backfill",
    "summary",
    "write_off",
]
