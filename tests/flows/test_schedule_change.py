"""Changing a deployment's interval on a running server while Prefect's scheduler is in the
middle of a pass: ``LocalPrefect.set_interval`` (the demo, the latency benchmark) and
``ordersync connect`` run again with a new ``--interval``.

A CI run of the demo check failed with "stock-sync: no auto-scheduled run completed
(0 scheduled)": the pass had read the schedules of prefect.yaml (every 300 s) before the demo
set them to 20 s and inserted its runs after, under the same schedule id; counting them, the
scheduler made none on the new interval, and the first run was beyond the session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from uuid import UUID

from ordersync.flows.schedule_change import drop_stale_runs
from ordersync.local import PROJECT_ROOT
from tests.waiting import wait_for

NAME = "schedule-change-probe"
POOL = "schedule-change"  # no worker serves it: nothing runs, the tests read the schedules
OLD, NEW = 300, 10  # seconds
RECENT = 7  # s: Prefect's recent-deployments scheduler looks at deployments updated in 6 s


def starts(runs: list) -> list[datetime]:
    return sorted(r.next_scheduled_start_time for r in runs)


@contextmanager
def late_scheduler_pass(server, deployment_id: str):
    """A scheduler pass that reads the deployment's schedules now; what the block does
    happens before the pass inserts its runs. The block's value: a callable that returns how
    many runs the pass inserted (call it after the block)."""
    url = f"sqlite+aiosqlite:///{server.home / 'prefect' / 'prefect.db'}"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "tests.flows.scheduler_pass", deployment_id],
        env={**os.environ, "PREFECT_API_DATABASE_CONNECTION_URL": url}, cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    inserted: list[int] = []
    try:
        assert int(scheduler.stdout.readline()) >= 3  # runs of the old schedule
        yield lambda: inserted[0]
        scheduler.stdin.write("insert\n")
        scheduler.stdin.flush()
        inserted.append(int(scheduler.stdout.readline()))
    finally:
        scheduler.communicate(timeout=60)


def fires_every(server, name: str, seconds: int) -> None:
    """The deployment's next runs come every ``seconds`` (not on the old interval)."""
    def soon() -> list[datetime]:
        runs = server.schedule_runs(name)[0]
        horizon = datetime.now(UTC) + timedelta(seconds=4 * seconds)
        return [t for t in starts(runs) if t <= horizon]

    next_runs = wait_for(lambda: len(soon()) >= 3 and soon(), f"runs every {seconds} s",
                         timeout=30)
    assert {(b - a).total_seconds() for a, b in pairwise(next_runs)} == {seconds}


def old_enough(server, name: str) -> None:
    """The scheduler made the deployment's runs and no longer looks at it as a new one: only
    a change it notices reschedules it."""
    wait_for(lambda: server.schedule_runs(name)[0], "the first runs")
    time.sleep(RECENT)


def test_a_scheduler_pass_that_read_the_old_schedule_does_not_hold_back_the_new_one(
        prefect_server):
    server = prefect_server
    flow = server._api("POST", "/flows/", {"name": NAME})
    server._api("POST", "/deployments/", {"name": NAME, "flow_id": flow["id"], "schedules": [
        {"schedule": {"interval": OLD}, "active": True}]})
    old_enough(server, NAME)

    with late_scheduler_pass(server, server.deployments()[NAME]["id"]) as late:
        server.set_interval([NAME], NEW)
    assert late() >= 3

    fires_every(server, NAME, NEW)
    # the late pass's runs are told apart and deleted
    with server.client() as client:
        assert drop_stale_runs(client, [UUID(server.deployments()[NAME]["id"])]) == late()
    assert not server.schedule_runs(NAME)[1]
    server.pause_schedules([NAME])
    assert not server.schedule_runs(NAME)[0]


def test_connect_with_a_new_interval_during_a_scheduler_pass_fires_on_the_new_one(
        prefect_server, monkeypatch, capsys):
    from ordersync.cli import main

    def connect(interval: int) -> int:
        return main(["connect", "conn-sched", "--marketplace", "bolcom", "--webshop",
                     "shopify", "-m", "client_id=cid", "-w", "shop=my-shop",
                     "--interval", str(interval), "--work-pool", POOL])

    name = "order-sync-conn-sched"
    prefect_server.run_ordersync("work-pool", "--name", POOL)
    monkeypatch.setenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", "bol-secret")
    monkeypatch.setenv("ORDERSYNC_SHOPIFY_ACCESS_TOKEN", "shpat_token")
    assert connect(OLD) == 0
    old_enough(prefect_server, name)

    with late_scheduler_pass(prefect_server, prefect_server.deployments()[name]["id"]) as late:
        assert connect(NEW) == 0
    assert late() >= 3
    capsys.readouterr()

    fires_every(prefect_server, name, NEW)
    # One schedule, and the late pass's runs apart from it. Under the schedule's own id (a
    # slug patched in place) they would count as its runs: the scheduler makes up to 100 runs
    # per pass and adds more only when fewer than 3 are ahead or none is an hour ahead, so
    # after those 100 (100 min at 60 s) the deployment would fall back to the old interval
    # for as long as the late runs reach (8 h at 300 s).
    assert len(prefect_server.deployments()[name]["schedules"]) == 1
    assert len(prefect_server.schedule_runs(name)[1]) == late()
