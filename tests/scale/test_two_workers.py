"""Issue 15 item 2: the production setup scaled out - the Prefect server on PostgreSQL, the hub
database on PostgreSQL, one process work pool with two workers - runs 20 order connections
(bol.com and Amazon accounts of their own into three registry webshops, both marketplaces into
each shop) on their interval schedules for a few cycles, with buyers ordering across the
cycles: every order exactly once in its webshop and in the hub, every connection served by its
schedule (none starved), both workers busy, no failed run, no error in any log."""

from __future__ import annotations

import random
import time
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta

import pytest
from prefect.logging.handlers import APILogWorker
from sqlalchemy.exc import OperationalError

from ordersync.fleet import Fleet
from ordersync.scaleout import ScaleOut, throwaway_database
from tests.conftest import PG_ADMIN_URL

CONNECTIONS = 20
SHOPS = ("shopify", "woocommerce", "shopware")
INTERVAL = 60.0  # s; a flow run is a Python process of its own (~10 CPU-s on this machine)
LEAD = timedelta(seconds=15)  # the re-anchored schedules' first slot, from now
CYCLES = 2  # completed auto-scheduled runs every connection must have (at least)
ORDERS = (3, 2)  # per connection: before the first slot, then once every connection ran once
WORKER_LIMIT = 4  # flow runs at once per worker (2 per core)
DEADLINE = 600.0  # s for the cycles; the test fails on it, it never passes on it


def wait_until(predicate, timeout: float):
    """predicate()'s value once truthy, or its last value at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(3.0)


def parse(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


@pytest.fixture
def scale(tmp_path):
    with ExitStack() as stack:
        try:
            prefect_url = stack.enter_context(
                throwaway_database(PG_ADMIN_URL, "ordersync_test_prefect"))
        except OperationalError:
            pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL}")
        hub_url = stack.enter_context(throwaway_database(PG_ADMIN_URL, "ordersync_test_hub"))
        fleet = stack.enter_context(Fleet(CONNECTIONS, shops=SHOPS, rate_limits=True))
        run = ScaleOut(tmp_path / "home", prefect_url, hub_url, fleet, workers=2,
                       worker_limit=WORKER_LIMIT, interval=INTERVAL)
        stack.callback(run.stop)
        with run.settings():
            run.start()
            yield run
            APILogWorker.drain_all()  # send buffered logs before the server goes


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(1200)
def test_two_workers_serve_twenty_connections_on_postgresql(scale):
    fleet, rng = scale.fleet, random.Random(15)
    assert len({m.shop for m in fleet.members}) == 3
    assert all({m.marketplace for m in fleet.members if m.shop == s} == {"bolcom", "amazon"}
               for s in SHOPS)
    fleet.place_orders(ORDERS[0], rng)
    scale.anchor(LEAD)  # all connections on one slot, before any worker runs
    scale.start_workers()

    def completed(since: datetime | None = None) -> Counter:
        """Completed auto-scheduled runs per deployment (that started at or after ``since``).
        Every one ran after the workers started, which is after the re-anchoring; runs the
        scheduler made before it (setup takes minutes) stay due and count too: a worker may
        also start a run a few seconds before its slot."""
        return Counter(r["deployment"] for r in scale.runs()
                       if r["auto_scheduled"] and r["state_type"] == "COMPLETED"
                       and (since is None or parse(r["start_time"]) >= since))

    def every_connection(since: datetime | None, runs: int):
        done = completed(since)
        return done if all(done[d] >= runs for d in scale.deployments) else None

    started = time.monotonic()
    wait_until(lambda: every_connection(None, 1), DEADLINE)
    fleet.place_orders(ORDERS[1], rng)  # across cycles: imported by a later run
    second_batch = datetime.now().astimezone()
    left = max(DEADLINE - (time.monotonic() - started), 0.0)
    wait_until(lambda: every_connection(second_batch, 1)
               and every_connection(None, CYCLES), left)

    runs = scale.runs()
    done = completed()
    starved = {d: done[d] for d in scale.deployments if done[d] < CYCLES}
    assert not starved, (f"connections with fewer than {CYCLES} completed scheduled runs "
                         f"(starved): {starved}")
    late = {d for d in scale.deployments if not completed(second_batch)[d]}
    assert not late, f"no run after the second batch of orders: {sorted(late)}"
    bad = [(r["deployment"], r["state_type"], r["state"]["message"]) for r in runs
           if r["state_type"] in ("FAILED", "CRASHED")]
    assert bad == []
    assert fleet.shop_problems() == []
    assert fleet.hub_problems(scale.hub_db) == []
    assert sum(len(m.placed) for m in fleet.members) == CONNECTIONS * sum(ORDERS)
    ran = {r["id"] for r in runs if r["state_type"] == "COMPLETED"}
    by_worker = {w: len(ids & ran) for w, ids in scale.runs_by_worker().items()}
    assert all(by_worker.values()), f"completed runs per worker: {by_worker}"
    assert scale.log_problems() == {}
