"""Changing a deployment's interval without leaving runs of the old one behind.

Prefect's scheduler reads a deployment's schedules and inserts their runs in two transactions.
A pass in flight while a schedule is patched in place puts back runs on the old interval under
the same schedule id; the scheduler counts them as that schedule's runs and, with enough of
them, makes none on the new interval - for up to 100 runs ahead. So a changed interval gets a
new schedule: the old one is deleted first (Prefect deletes its scheduled runs with it), and
runs a late pass still inserts under the old id are told apart by that id and deleted once the
new schedule has its first runs. ``LocalPrefect.set_interval`` (the demo) uses the same."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import ObjectNotFound


def drop_changed_schedules(client: SyncPrefectClient, full_name: str,
                           interval: timedelta) -> UUID | None:
    """Delete the schedules of deployment ``full_name`` (flow/deployment) that do not fire
    every ``interval``; the deployment's id if any was deleted, None if none or no deployment."""
    try:
        deployment = client.read_deployment_by_name(full_name)
    except ObjectNotFound:
        return None
    changed = [s for s in deployment.schedules
               if getattr(s.schedule, "interval", None) != interval]
    for schedule in changed:
        client.delete_deployment_schedule(deployment.id, schedule.id)
    return deployment.id if changed else None


def runs_by_schedule(client: SyncPrefectClient, deployment_ids: Iterable[UUID]
                     ) -> tuple[list[FlowRun], list[FlowRun]]:
    """The deployments' auto-scheduled runs still Scheduled: (those an active schedule of
    theirs made, those any other made - a replaced or paused one)."""
    ids = list(deployment_ids)
    active = {s.id for d in ids for s in client.read_deployment(d).schedules if s.active}
    runs = [r for r in _scheduled_runs(client, ids) if r.auto_scheduled]
    return ([r for r in runs if _schedule_of(r) in active],
            [r for r in runs if _schedule_of(r) not in active])


def drop_stale_runs(client: SyncPrefectClient, deployment_ids: Iterable[UUID]) -> int:
    """Delete the deployments' scheduled runs that no active schedule of theirs made; how
    many."""
    return _delete(client, runs_by_schedule(client, deployment_ids)[1])


def settle(client: SyncPrefectClient, deployment_ids: Iterable[UUID],
           timeout: float = 15.0) -> int:
    """Wait up to ``timeout`` s until each deployment has a scheduled run of an active schedule
    (Prefect's recent-deployments scheduler makes them within seconds of a change), deleting
    meanwhile its scheduled runs that another schedule made; returns how many were deleted."""
    ids = list(deployment_ids)
    deadline = time.monotonic() + timeout
    dropped = 0
    while True:
        current, stale = runs_by_schedule(client, ids)
        dropped += _delete(client, stale)
        if {r.deployment_id for r in current} >= set(ids) or time.monotonic() > deadline:
            return dropped  # else Prefect's main scheduler makes them within its loop (60 s)
        time.sleep(0.5)


def _delete(client: SyncPrefectClient, runs: list[FlowRun]) -> int:
    deleted = 0
    for run in runs:
        try:
            client.delete_flow_run(run.id)
            deleted += 1
        except ObjectNotFound:  # started or deleted meanwhile
            pass
    return deleted


def _scheduled_runs(client: SyncPrefectClient, ids: list[UUID]) -> list[FlowRun]:
    runs: list[FlowRun] = []
    while True:
        page = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids)),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))),
            limit=200, offset=len(runs))
        runs += page
        if len(page) < 200:
            return runs


def _schedule_of(run: FlowRun) -> UUID | None:
    return run.created_by.id if run.created_by else None
