"""The webshop order import as Prefect flows: ``shop_import`` every 5 minutes and the
``backfill`` triggered by hand.

Thin orchestration over ``ordersync.shop_import.steps``: batch tasks (the whole poll, or
``batch_pages`` pages of the backfill per task run - never one task per order), retries only
on transient platform errors, a progress artifact updated per page and summary artifacts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from ordersync.connectors.base import ShopOrderPage
from ordersync.flows.order_sync import _slug, _transient
from ordersync.flows.runtime import store_for
from ordersync.shop_import import steps as shop_sync
from ordersync.shop_import.steps import ShopImportContext
from ordersync.store.shop_repository import BackfillState


@contextmanager
def open_shop_context(connection: str) -> Iterator[ShopImportContext]:
    from ordersync.blocks import ShopImportConnection

    try:
        block = ShopImportConnection.load(connection)
    except ValueError as exc:
        raise ValueError(
            f"no shop import connection named {connection!r}: create a "
            f"'shop-import-connection' block with that name (Prefect UI > Blocks)"
        ) from exc
    ctx = ShopImportContext(store=store_for(), source=block.shop.get_client(),
                            settings=block.settings(connection))
    try:
        yield ctx
    finally:
        ctx.close()


@task(name="import-changed-shop-orders", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=_transient, cache_policy=NO_CACHE)
def import_changed_task(ctx: ShopImportContext) -> dict[str, int]:
    counts = shop_sync.import_changed_orders(ctx)
    get_run_logger().info("changed orders: %s", dict(counts) or "nothing new")
    return dict(counts)


@task(name="push-write-offs", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=_transient, cache_policy=NO_CACHE)
def push_write_offs_task(ctx: ShopImportContext) -> dict[str, int]:
    counts = shop_sync.push_write_offs(ctx)
    if counts:
        get_run_logger().info("write-offs: %s", dict(counts))
    return dict(counts)


@flow(name="shop_import", log_prints=True)
def shop_import(connection: str) -> dict[str, int]:
    """Import the shop's new and changed orders (watermark minus overlap), then send the
    platform status of written-off orders (WooCommerce: completed)."""
    with open_shop_context(connection) as ctx:
        counts = Counter(import_changed_task(ctx))
        counts.update({f"write-off:{k}": v for k, v in push_write_offs_task(ctx).items()})
    figures = shop_sync.summary(counts)
    create_table_artifact(key=f"shop-import-{_slug(connection)}",
                          table=[_row(connection, figures)],
                          description=f"Shop import of connection {connection}")
    return dict(counts)


# ---- backfill ---------------------------------------------------------------------------

def _progress(state: BackfillState, page: ShopOrderPage, now: datetime) -> float:
    """How far through the window the newest order of the page is, in percent."""
    if state.done:
        return 100.0
    if not page.orders:
        return 0.0
    end = state.until or now
    span = (end - state.since).total_seconds()
    newest = max(o.created_at for o in page.orders)
    return max(0.0, min(99.9, 100 * (newest - state.since).total_seconds() / span)) \
        if span > 0 else 99.9


@task(name="backfill-pages", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=_transient, cache_policy=NO_CACHE)
def backfill_pages_task(ctx: ShopImportContext, state: BackfillState,
                        progress_id: UUID | None) -> BackfillState:
    """``batch_pages`` pages from the committed cursor; progress updated per page."""

    def on_page(now_state: BackfillState, page: ShopOrderPage, counts: Counter[str]) -> None:
        if progress_id is not None:
            imported = now_state.counts.get("imported", 0)
            update_progress_artifact(
                progress_id, _progress(now_state, page, ctx.clock()),
                description=f"Backfill of {ctx.settings.name}: page {now_state.pages}, "
                            f"{imported} orders imported")

    state = shop_sync.backfill_pages(ctx, state, ctx.settings.pages_per_task, on_page)
    get_run_logger().info("backfill: %s pages committed, %s", state.pages,
                          "done" if state.done else "more to come")
    return state


@flow(name="backfill", log_prints=True)
def backfill(connection: str, since: datetime | None = None,
             until: datetime | None = None) -> dict[str, object]:
    """Import every order of the window (since: two months ago by default) except the
    platform's finished statuses, page by page; a run after a crash with the same parameters
    resumes from the last committed page."""
    with open_shop_context(connection) as ctx:
        since = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
        until = until.replace(tzinfo=UTC) if until and until.tzinfo is None else until
        state = shop_sync.start_backfill(ctx, since, until)
        if state.pages:
            get_run_logger().info("resuming backfill %s after %s committed pages",
                                  state.key, state.pages)
        slug = _slug(connection)
        progress_id = create_progress_artifact(
            progress=0.0, key=f"backfill-progress-{slug}",
            description=f"Backfill of {connection} since {state.since:%Y-%m-%d %H:%M}")
        while not state.done:
            state = backfill_pages_task(ctx, state, progress_id)
        update_progress_artifact(progress_id, 100.0,
                                 description=f"Backfill of {connection}: done, "
                                             f"{state.pages} pages")
    figures = shop_sync.summary(state.counts)
    create_table_artifact(key=f"backfill-{slug}", table=[_row(connection, figures)],
                          description=f"Backfill of {connection} since {state.since:%Y-%m-%d}"
                                      f" ({state.pages} pages)")
    return figures


def _row(connection: str, figures: dict[str, object]) -> dict[str, object]:
    """One flat table row: nested per-rule and per-reason figures as ``a: n`` text."""
    row: dict[str, object] = {"connection": connection}
    for key, value in figures.items():
        if isinstance(value, dict):
            if key in ("products", "customers"):
                for sub, n in value.items():
                    row[f"{key} {sub}"] = n
            else:
                row[key] = sum(value.values())
                row[f"{key} by rule" if key == "skipped" else f"{key} by reason"] = \
                    ", ".join(f"{k}: {n}" for k, n in value.items()) or "-"
        else:
            row[key] = value
    return row
