"""Changing a deployment's schedule on a running server (``LocalPrefect.set_interval``, used
by the demo and the latency benchmark) while Prefect's scheduler is in the middle of a pass.

A CI run of the demo check failed with "stock-sync: no auto-scheduled run completed
(0 scheduled)": the pass had read the schedules of prefect.yaml (every 300 s) before the demo
set them to 20 s and inserted its runs after, under the same schedule id; counting them, the
scheduler made none on the new interval, and the first run was beyond the session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from ordersync.local import PROJECT_ROOT

NAME = "schedule-change-probe"
OLD, NEW = 300, 10  # seconds
RECENT = 7  # s: Prefect's recent-deployments scheduler looks at deployments updated in 6 s


def starts(runs: list[dict]) -> list[datetime]:
    return sorted(datetime.fromisoformat(r["next_scheduled_start_time"]) for r in runs)


def wait_for(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return value


def test_a_scheduler_pass_that_read_the_old_schedule_does_not_hold_back_the_new_one(
        prefect_server):
    server = prefect_server
    flow = server._api("POST", "/flows/", {"name": NAME})
    # no work pool: nothing ever runs these, the test only reads what the scheduler makes
    server._api("POST", "/deployments/", {"name": NAME, "flow_id": flow["id"], "schedules": [
        {"schedule": {"interval": OLD}, "active": True}]})
    deployment = server.deployments()[NAME]
    wait_for(lambda: server._schedule_runs([NAME])[NAME]["current"], "the first runs")
    time.sleep(RECENT)  # an old deployment: only a change the scheduler notices reschedules it

    url = f"sqlite+aiosqlite:///{server.home / 'prefect' / 'prefect.db'}"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "tests.flows.scheduler_pass", deployment["id"]],
        env={**os.environ, "PREFECT_API_DATABASE_CONNECTION_URL": url}, cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert int(scheduler.stdout.readline()) >= 3  # read the 300 s schedule
        server.set_interval([NAME], NEW)
        scheduler.stdin.write("insert\n")
        scheduler.stdin.flush()
        late = int(scheduler.stdout.readline())  # ... and inserted its runs after the change
    finally:
        scheduler.communicate(timeout=60)
    assert late >= 3

    # the new interval fires: its next runs are NEW seconds apart, not OLD
    def soon() -> list[datetime]:
        runs = server._schedule_runs([NAME])[NAME]["current"]
        horizon = datetime.now(UTC) + timedelta(seconds=4 * NEW)
        return [t for t in starts(runs) if t <= horizon]

    next_runs = wait_for(lambda: len(soon()) >= 3 and soon(), "runs every 10 s", timeout=30)
    assert {(b - a).total_seconds() for a, b in pairwise(next_runs)} == {NEW}
    # the late pass's runs are told apart and deleted
    assert server.drop_stale_runs([NAME]) == late
    assert not server._schedule_runs([NAME])[NAME]["stale"]
    server.pause_schedules([NAME])
    assert not server._schedule_runs([NAME])[NAME]["current"]
