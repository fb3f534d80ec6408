"""The 5-minute order loop and the delayed tracking-timeout sub-flow, as Prefect flows.

Thin orchestration: each task runs one batch-wise step of ``ordersync.sync`` for the whole
connection (never one task per order), retries only transient platform errors, and the flow
ends with a table artifact of what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run as flow_run_runtime

from ordersync import sync
from ordersync.flows.runtime import open_context, store_for
from ordersync.http import RetriableError
from ordersync.store import OrderRecord

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
def order_sync(connection: str = "sandbox") -> dict[str, int]:
    """Import open marketplace orders, create them in the webshop, pick up completions and
    cancellations, and push shipments back to the marketplace."""
    with open_context(connection) as ctx:
        totals = sync.StepResult()
        steps = {}
        for name, step in (
            ("import", import_orders_task),
            ("create", create_in_webshop_task),
            ("detect", detect_changes_task),
            ("sweep", sweep_waiting_task),
            ("push", push_task),
        ):
            steps[name] = step(ctx)
            totals.merge(steps[name])
        if totals.waiting and FlowRunContext.get() is not None:
            schedule_tracking_timeouts(
                connection, totals.waiting, ctx.settings.tracking_wait.total_seconds()
            )
    _summary_artifact(connection, steps)
    return totals.counts


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
) -> dict[str, int]:
    """Runs ``tracking_wait`` after an order started waiting: ship it without tracking if no
    code arrived, then push it to the marketplace.

    connection: the order connection (block name).
    marketplace_order_id: the order's id on the marketplace, e.g. 402-0000001-0007919.
    order_id: the hub's row id; only for runs scheduled before marketplace_order_id existed.
    """
    logger = get_run_logger()
    with open_context(connection) as ctx:
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
    return result.counts


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
    imported, created = steps["import"].counts, steps["create"].counts
    detected, swept, pushed = steps["detect"].counts, steps["sweep"].counts, steps["push"].counts
    row = {
        "connection": connection,
        "imported": imported.get("imported", 0),
        "quarantined": imported.get("quarantined", 0),
        "created": created.get("created", 0) + created.get("reconciled", 0),
        "shipped": detected.get("shipped", 0)
        + swept.get("shipped_with_tracking", 0)
        + swept.get("shipped_without_tracking", 0),
        "waiting": detected.get("waiting", 0),
        "cancelled": detected.get("cancelled", 0),
        "pushed": pushed.get("pushed", 0) + pushed.get("reconciled", 0),
        "deferred": created.get("deferred", 0) + pushed.get("deferred", 0),
        "errors": sum(step.counts.get("errors", 0) for step in steps.values())
        + imported.get("quarantined", 0),
    }
    create_table_artifact(
        key=f"order-sync-{_slug(connection)}",
        table=[row],
        description=f"Order sync of connection {connection}",
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())
