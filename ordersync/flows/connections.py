"""``ordersync connections``: every order-sync deployment with its connection, schedule,
last run and health, read from the Prefect API (deployments of ``ordersync connect`` and of
prefect.yaml alike).

Health: ``failed`` (the last run failed or crashed), ``needs attention`` (the last run left
orders for the merchant), ``late`` (no run for two intervals), ``paused``, ``never ran``
(and not yet due), else ``ok``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.sorting import FlowRunSort

from ordersync.blocks.connection import OrderConnection
from ordersync.flows.connect import MARKETPLACES, WEBSHOPS

NOT_YET = [StateType.SCHEDULED, StateType.PENDING]
NEEDS_ATTENTION = "Needs attention"


@dataclass(frozen=True)
class ConnectionStatus:
    connection: str
    route: str  # "bolcom -> shopify"
    deployment: str
    schedule: str
    last_run: str  # state name, or "-"
    last_run_at: str  # ISO time, or "-"
    health: str


def interval_of(deployment) -> timedelta | None:
    """The first active interval schedule's interval."""
    for schedule in deployment.schedules or []:
        interval = getattr(schedule.schedule, "interval", None)
        if schedule.active and interval is not None:
            return interval
    return None


def describe_schedule(deployment) -> str:
    parts = []
    for schedule in deployment.schedules or []:
        s = schedule.schedule
        text = (f"every {_duration(s.interval)}" if getattr(s, "interval", None)
                else getattr(s, "cron", None) or getattr(s, "rrule", None) or "custom")
        parts.append(text if schedule.active else f"{text} (inactive)")
    return ", ".join(parts) or "-"


def health(deployment, run: FlowRun | None, now: datetime) -> str:
    """What the merchant should know about this connection's order sync."""
    if run is not None and run.state is not None:
        if run.state.type in (StateType.FAILED, StateType.CRASHED):
            return f"failed: last run {run.state.name.lower()}"
        if run.state.name == NEEDS_ATTENTION:
            return "needs attention"
    if deployment.paused:
        return "paused"
    interval = interval_of(deployment)
    if interval is None:
        return "ok" if run is not None else "never ran"
    last = _when(run) if run is not None else None
    since = last or deployment.created
    if since is not None and now - since > 2 * interval:
        return f"late: no run for {_duration(now - since)}" if last else (
            f"late: never ran in {_duration(now - since)}")
    return "ok" if run is not None else "never ran"


def _when(run: FlowRun) -> datetime | None:
    return run.end_time or run.start_time or run.expected_start_time


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60}m"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds}s"


def _route(connection: str | None) -> str:
    if not connection:
        return "-"
    try:
        block = OrderConnection.load(connection)
    except ValueError:
        return "(no connection block)"
    mp = next((p for p, cls in MARKETPLACES.items() if isinstance(block.marketplace, cls)), "?")
    ws = next((p for p, cls in WEBSHOPS.items() if isinstance(block.webshop, cls)), "?")
    return f"{mp} -> {ws}"


def list_connections(now: datetime | None = None) -> list[ConnectionStatus]:
    """One row per order-sync deployment, by connection name."""
    now = now or datetime.now(UTC)
    rows = []
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["order_sync"])))
        for d in deployments:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[d.id])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(not_any_=NOT_YET))),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=1)
            run = runs[0] if runs else None
            when = _when(run) if run else None
            connection = (d.parameters or {}).get("connection")
            rows.append(ConnectionStatus(
                connection=connection or "-", route=_route(connection),
                deployment=f"order_sync/{d.name}", schedule=describe_schedule(d),
                last_run=run.state.name if run and run.state else "-",
                last_run_at=when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if when else "-",
                health=health(d, run, now)))
    return sorted(rows, key=lambda r: (r.connection, r.deployment))


def as_dicts(rows: list[ConnectionStatus]) -> list[dict[str, str]]:
    return [asdict(r) for r in rows]
