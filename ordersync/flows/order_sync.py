"""The 5-minute order loop and the delayed tracking-timeout sub-flow, as Prefect flows.

Thin orchestration: each task runs one batch-wise step of ``ordersync.order_loop`` for the whole
connection (never one task per order), retries only transient platform errors. After each
step the flow reads the order event log back (``flows.order_events``): a log line and a Prefect
event per order change, the connection's "needing attention" artifact, and a run state named
"Needs attention" when orders need the merchant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.exceptions import MissingContextError, ObjectNotFound
from prefect.runtime import flow_run as flow_run_runtime
from prefect.states import State

from ordersync import order_loop as sync
from ordersync.flows.attention import final_state, publish_attention, slug
from ordersync.flows.order_events import RunWatch
from ordersync.flows.run_summary import summary_rows
from ordersync.flows.runtime import open_context, store_for
from ordersync.http import RetriableError
from ordersync.order_loop.cancellations import cancel_from_marketplace
from ordersync.order_loop.returns import sync_returns
from ordersync.order_loop.test_orders import cleanup_test_orders
from ordersync.orders.attention import Thresholds
from ordersync.store import OrderRecord
from ordersync.store.order_feed import OrderFeed

TRACKING_TIMEOUT_DEPLOYMENT = "tracking_timeout/tracking-timeout"


def _transient(task, task_run, state) -> bool:
    """Retry a task only when it failed on a transient platform error."""
    try:
        state.result()
    except RetriableError:
        return True
    except Exception:
        return False
    return False


def _step(name: str, fn: Callable[[sync.SyncContext], sync.StepResult]):
    @task(
        name=name,
        retries=2,
        retry_delay_seconds=[10, 60],
        retry_condition_fn=_transient,
        cache_policy=NO_CACHE,
    )
    def run(ctx: sync.SyncContext) -> sync.StepResult:
        result = fn(ctx)
        get_run_logger().info("%s: %s", name, result.counts or "nothing to do")
        return result

    return run


import_orders_task = _step("import-orders", sync.import_orders)
create_in_webshop_task = _step("create-in-webshop", sync.create_in_webshop)
detect_changes_task = _step("detect-webshop-changes", sync.detect_webshop_changes)
sweep_waiting_task = _step("sweep-waiting", sync.sweep_waiting)
push_task = _step("push-to-marketplace", sync.push_to_marketplace)
cleanup_task = _step("cleanup-test-orders", cleanup_test_orders)
returns_task = _step("returns", sync_returns)  # import, register in the webshop, handle
cancel_task = _step("cancel-from-marketplace", cancel_from_marketplace)


@task(name="schedule-tracking-timeouts", cache_policy=NO_CACHE)
def schedule_tracking_timeouts(
    connection: str, waiting: list[tuple[int, datetime]], wait_seconds: float
) -> int:
    """One delayed run per newly waiting order, idempotent per order and wait.

    Each run is linked to this order-sync run as a subflow (Prefect records a task run here
    that mirrors the scheduled run's state), named ``wait-<marketplace order id>``, and takes
    the connection and the marketplace order id as its parameters.
    """
    logger = get_run_logger()
    store = store_for()
    scheduled = 0
    for order_id, since in waiting:
        external_id = store.get(order_id).external_id
        try:
            run = run_deployment(
                TRACKING_TIMEOUT_DEPLOYMENT,
                parameters={"connection": connection, "marketplace_order_id": external_id},
                scheduled_time=since + timedelta(seconds=wait_seconds),
                flow_run_name=wait_run_name(external_id),
                idempotency_key=(
                    f"tracking-timeout:{connection}:{external_id}:{since.isoformat()}"
                ),
                timeout=0,
                as_subflow=True,
            )
        except ObjectNotFound:
            logger.warning(
                "deployment %s not found: the 5-minute sweep ships waiting orders "
                "when their wait is over",
                TRACKING_TIMEOUT_DEPLOYMENT,
            )
            break
        scheduled += 1
        logger.info(
            "order %s waits for track & trace: run %s scheduled for %s",
            external_id,
            run.name,
            since + timedelta(seconds=wait_seconds),
        )
    return scheduled


def wait_run_name(marketplace_order_id: str) -> str:
    """The tracking-wait run's name, after the marketplace order it waits for."""
    return f"wait-{marketplace_order_id}"


@flow(name="order_sync", log_prints=True)
def order_sync(
    connection: str = "sandbox", not_shipped_alert_hours: float = 48.0
) -> dict[str, int] | State:
    """Import open marketplace orders, create them in the webshop, pick up completions and
    cancellations, push shipments back to the marketplace, and delete finished test orders
    in the webshop.

    Every order that lands in error or manual, ships with an unclear carrier or stays waiting /
    not shipped too long gets a log line naming it and a Prefect event; the run then ends in a
    Completed state named "Needs attention" and the ``attention-<connection>`` artifact lists
    every order of the connection that needs the merchant."""
    logger = _logger()
    with open_context(connection) as ctx:
        mp = ctx.marketplace
        feed = OrderFeed(ctx.store)
        watch = RunWatch.start(feed, connection, mp.platform, mp.account, logger)
        totals = sync.StepResult()
        steps = {}
        for name, step in (
            ("import", import_orders_task),
            ("cancel", cancel_task),
            ("create", create_in_webshop_task),
            ("detect", detect_changes_task),
            ("sweep", sweep_waiting_task),
            ("push", push_task),
            ("cleanup", cleanup_task),
            ("returns", returns_task),
        ):
            steps[name] = step(ctx)
            totals.merge(steps[name])
            watch.collect()
        if totals.waiting and FlowRunContext.get() is not None:
            schedule_tracking_timeouts(
                connection, totals.waiting, ctx.settings.tracking_wait.total_seconds()
            )
        thresholds = Thresholds.for_wait(
            ctx.settings.tracking_wait, not_shipped=timedelta(hours=not_shipped_alert_hours)
        )
        feed.record_overdue(mp.platform, mp.account, now=ctx.clock(), thresholds=thresholds)
        watch.collect()
        attention_total, _ = publish_attention(
            feed, connection, mp.platform, mp.account, now=ctx.clock(), thresholds=thresholds
        )
    logger.info(
        "order events: %d (%s); orders needing attention: %d",
        watch.changed,
        ", ".join(f"{k} {n}" for k, n in sorted(watch.outcomes.items())) or "none",
        attention_total,
    )
    _summary_artifact(connection, steps)
    _changes_artifact(connection, watch)
    return final_state(connection, totals.counts, watch.problems, attention_total)


def _tracking_timeout_run_name() -> str:
    params = flow_run_runtime.parameters
    if params.get("marketplace_order_id"):
        return wait_run_name(params["marketplace_order_id"])
    return f"wait-order-{params.get('order_id')}"


@flow(name="tracking_timeout", log_prints=True, flow_run_name=_tracking_timeout_run_name)
def tracking_timeout(
    connection: str,
    marketplace_order_id: str | None = None,
    order_id: int | None = None,
) -> dict[str, int] | State:
    """Runs ``tracking_wait`` after an order started waiting: ship it without tracking if no
    code arrived, then push it to the marketplace.

    connection: the order connection (block name).
    marketplace_order_id: the order's id on the marketplace, e.g. 402-0000001-0007919.
    order_id: the hub's row id; only for runs scheduled before marketplace_order_id existed.
    """
    logger = _logger()
    with open_context(connection) as ctx:
        mp = ctx.marketplace
        feed = OrderFeed(ctx.store)
        watch = RunWatch.start(feed, connection, mp.platform, mp.account, logger)
        record = _waiting_record(ctx, connection, marketplace_order_id, order_id)
        result = sync.tracking_timeout(ctx, record.id)
        if result.counts.get("skipped"):
            logger.info(
                "order %s (webshop order %s): nothing to do, it is %s%s",
                record.external_id,
                record.webshop_order_id or "-",
                record.status,
                " and its wait is not over" if record.status == "waiting" else "",
            )
            return result.counts
        after = ctx.store.get(record.id)
        if result.counts.get("shipped_with_tracking"):
            logger.info(
                "order %s (webshop order %s): track & trace %s found, carrier %s; shipped",
                after.external_id,
                after.webshop_order_id,
                after.tracking_number,
                after.carrier or after.carrier_name or "unknown",
            )
        else:
            logger.info(
                "order %s (webshop order %s): no track & trace within %s; shipped without code",
                after.external_id,
                after.webshop_order_id,
                ctx.settings.tracking_wait,
            )
        result.merge(sync.push_to_marketplace(ctx))
        logger.info("pushed to %s: %s", ctx.marketplace.platform, result.counts)
        watch.collect()  # a refused shipment names its order, emits its event, alerts
        attention_total = 0
        if watch.problems:
            attention_total, _ = publish_attention(
                feed, connection, mp.platform, mp.account, now=ctx.clock(),
                thresholds=Thresholds.for_wait(ctx.settings.tracking_wait),
            )
    return final_state(connection, result.counts, watch.problems, attention_total)


def _waiting_record(
    ctx: sync.SyncContext, connection: str, marketplace_order_id: str | None, order_id: int | None
) -> OrderRecord:
    if marketplace_order_id:
        mp = ctx.marketplace
        record = ctx.store.find(mp.platform, mp.account, marketplace_order_id)
        if record is None:
            raise ValueError(
                f"connection {connection!r} has no {mp.platform} order {marketplace_order_id!r}"
            )
        return record
    if order_id is None:
        raise ValueError("give marketplace_order_id (or order_id, the hub's row id)")
    return ctx.store.get(order_id)


def _summary_artifact(connection: str, steps: dict[str, sync.StepResult]) -> None:
    """Every outcome each step can produce, with its count (zeros too)."""
    create_table_artifact(
        key=f"order-sync-{slug(connection)}",
        table=summary_rows({name: result.counts for name, result in steps.items()}),
        description=f"Order sync of connection {connection}: what each step did",
    )


def _changes_artifact(connection: str, watch: RunWatch) -> None:
    """The orders this run changed, one row per change (bounded)."""
    shown = len(watch.rows)
    more = f"; the first {shown} are shown" if watch.changed > shown else ""
    create_table_artifact(
        key=f"order-changes-{slug(connection)}",
        table=watch.rows,
        description=f"Orders changed by this order sync of {connection}: {watch.changed} "
        f"changes{more}, {len(watch.problems)} needing attention",
    )


_slug = slug  # stock_sync and shop_import name their artifacts with it


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:  # called as a plain function (order_sync.fn)
        return logging.getLogger("ordersync.flows")
