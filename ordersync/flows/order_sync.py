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

from ordersync import sync
from ordersync.flows.runtime import open_context
from ordersync.http import RetriableError

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
    """One delayed run per newly waiting order, idempotent per order and wait."""
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    logger = get_run_logger()
    scheduled = 0
    for order_id, since in waiting:
        try:
            run_deployment(
                TRACKING_TIMEOUT_DEPLOYMENT,
                parameters={"connection": connection, "order_id": order_id},
                scheduled_time=since + timedelta(seconds=wait_seconds),
                idempotency_key=f"tracking-timeout:{connection}:{order_id}:{since.isoformat()}",
                timeout=0,
                as_subflow=False,
            )
            scheduled += 1
        except ObjectNotFound:
            logger.warning(
                "deployment %s not found: the 5-minute sweep ships waiting orders "
                "when their wait is over",
                TRACKING_TIMEOUT_DEPLOYMENT,
            )
            break
    return scheduled


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


@flow(name="tracking_timeout", log_prints=True)
def tracking_timeout(connection: str, order_id: int) -> dict[str, int]:
    """Runs ``tracking_wait`` after an order started waiting: ship it without tracking if no
    code arrived, then push it to the marketplace."""
    with open_context(connection) as ctx:
        result = sync.tracking_timeout(ctx, order_id)
        if not result.counts.get("skipped"):
            result.merge(sync.push_to_marketplace(ctx))
    return result.counts


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
