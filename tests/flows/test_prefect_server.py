"""The Prefect server as merchants run it (LocalPrefect, as the demo starts it: SQLite under
PREFECT_HOME, the hub's ordersync.db next to it, prefect.yaml deployed, the automations, a
process worker). Issue 9: the schedules of prefect.yaml must create runs that the worker
executes, and a burst of concurrent flow runs must leave the server log free of errors."""

from __future__ import annotations

import asyncio
import itertools
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy
import yaml
from packaging.version import Version

from ordersync.local import PROJECT_ROOT, LocalPrefect
from ordersync.sandbox.stack import SandboxStack
from tests.flows.process_watch import ProcessWatch

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"
# the blocks the deployments of prefect.yaml name: order connections (-> their marketplace)
# and the shop import connection, saved over the sandbox twins as the demo does
ORDER_CONNECTIONS = {"sandbox": "bolcom", "sandbox-amazon": "amazon"}
SHOP_IMPORT = "sandbox-shop"
LEAD = timedelta(seconds=20)  # the re-anchored schedules' next slot, from now
BACKFILLS = 2  # manual runs started at the same time as the scheduled ones
PROBLEMS = re.compile(r"database is locked|\| ERROR|\| CRITICAL|Traceback|dead letter")
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def scheduled_deployments() -> dict[str, dict]:
    """Deployment name -> its prefect.yaml entry, for every deployment with schedules."""
    spec = yaml.safe_load(PREFECT_YAML.read_text())
    return {d["name"]: d for d in spec["deployments"] if d.get("schedules")}


def wait_for(predicate, what: str, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(1.0)


def runs_of(client, deployment_id: UUID) -> list:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        limit=200)


def problems(log_dir: Path) -> list[str]:
    lines = (log_dir / "server.log").read_text(errors="replace").splitlines()
    return [line for line in lines if PROBLEMS.search(line)]


@dataclass
class Served:
    server: LocalPrefect
    deployments: dict  # name -> Deployment, for the scheduled deployments of prefect.yaml
    processes: ProcessWatch  # what the worker starts


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One LocalPrefect with prefect.yaml deployed and a worker, for every test here."""
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from ordersync.blocks.sandbox import save_sandbox_connection, save_sandbox_shop_import

    home = tmp_path_factory.mktemp("prefect-served")
    with pytest.MonkeyPatch.context() as mp, \
            SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon")) as stack:
        # inherited by the server, the worker and its flow runs
        mp.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{home / 'ordersync.db'}")
        mp.setenv("PREFECT_WORKER_QUERY_SECONDS", "1")
        mp.setenv("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS", "2")
        server = LocalPrefect(home)
        try:
            server.start_server()
            with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                for name, marketplace in ORDER_CONNECTIONS.items():
                    save_sandbox_connection(name, stack, marketplace=marketplace,
                                            rate_limits=False)
                save_sandbox_shop_import(SHOP_IMPORT, stack, rate_limits=False,
                                         hub_currency="EUR", identify_products_by="sku")
                server.deploy()
                worker = server.start_worker()
                from prefect.client.orchestration import get_client

                with get_client(sync_client=True) as client:
                    deployments = {d.name: d for d in client.read_deployments()
                                   if d.name in scheduled_deployments()}
                with ProcessWatch(worker.pid) as processes:
                    yield Served(server, deployments, processes)
                APILogWorker.drain_all()
        finally:
            server.stop()


@pytest.fixture(scope="module")
def first_schedules(served):
    """The runs the scheduler creates from prefect.yaml's schedules as deployed."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        def auto_runs():
            found = {name: [r for r in runs_of(client, d.id) if r.auto_scheduled]
                     for name, d in served.deployments.items()}
            return found if all(found.values()) else None

        return wait_for(auto_runs, "auto-scheduled runs of every scheduled deployment")


@pytest.fixture(scope="module")
def burst(served, first_schedules):
    """Every schedule re-anchored so its next slot is LEAD from now (the interval of
    prefect.yaml kept): the scheduler replaces its runs, the worker starts them all at once,
    with BACKFILLS manual runs. Returns (auto-scheduled runs at the slot, manual runs), final."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.schedules import IntervalSchedule
    from prefect.deployments import run_deployment

    slot = (datetime.now(UTC) + LEAD).replace(microsecond=0)
    with get_client(sync_client=True) as client:
        for d in served.deployments.values():
            for schedule in client.read_deployment_schedules(d.id):
                client.update_deployment_schedule(d.id, schedule.id, schedule=IntervalSchedule(
                    interval=schedule.schedule.interval, anchor_date=slot))

        def at_slot():
            found = {}
            for name, d in served.deployments.items():
                due = [r for r in runs_of(client, d.id)
                       if r.auto_scheduled and r.expected_start_time == slot]
                if not due:
                    return None
                found[name] = due[0].id
            return found

        due = wait_for(at_slot, "the scheduler to create runs at the re-anchored slot")
        wait_for(lambda: datetime.now(UTC) >= slot, "the slot")
        manual = [run_deployment("backfill/backfill", parameters={"connection": SHOP_IMPORT},
                                 timeout=0).id for _ in range(BACKFILLS)]

        def final(ids):
            runs = [client.read_flow_run(i) for i in ids]
            return runs if all(r.state_type.value in FINAL for r in runs) else None

        auto = dict(zip(due, wait_for(lambda: final(list(due.values())),
                                      "the auto-scheduled runs to finish", timeout=420),
                        strict=True))
        manual_runs = wait_for(lambda: final(manual), "the manual runs to finish", timeout=300)
        # their task runs are recorded from events: the server has handled the runs' events
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        ids = [r.id for r in [*auto.values(), *manual_runs]]
        wait_for(lambda: all(t.state_type and t.state_type.value in FINAL
                             for t in client.read_task_runs(flow_run_filter=FlowRunFilter(
                                 id=FlowRunFilterId(any_=ids)))),
                 "the task runs' final states from the event stream")
    return auto, manual_runs


def test_sqlalchemy_is_below_2_1():
    """Guard: Prefect 3.8's scheduler fails on SQLAlchemy 2.1 ("Can't evaluate bulk DML
    statement" in schedule_deployments), so no scheduled run is ever created."""
    assert Version(sqlalchemy.__version__) < Version("2.1"), (
        f"SQLAlchemy {sqlalchemy.__version__} is installed: Prefect 3.8's scheduler cannot "
        "create scheduled runs with SQLAlchemy >= 2.1 (InvalidRequestError: Can't evaluate "
        "bulk DML statement). Keep the pin sqlalchemy<2.1 in pyproject.toml.")


def test_server_transactions_take_the_write_lock_when_they_begin(tmp_path):
    """A transaction that reads first and writes later must not find the database written
    in between (SQLite then fails it with "database is locked" without waiting)."""
    import sqlalchemy as sa

    from ordersync.prefect_server import ImmediateSqliteConfiguration

    path = tmp_path / "prefect.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (x)")
    config = ImmediateSqliteConfiguration(connection_url=f"sqlite+aiosqlite:///{path}")

    async def read_then_try_a_foreign_write() -> None:
        engine = await config.engine()
        try:
            async with await config.session(engine) as session, \
                    config.begin_transaction(session):
                await session.execute(sa.text("SELECT count(*) FROM t"))
                other = sqlite3.connect(path, timeout=0)
                try:
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("INSERT INTO t VALUES (1)")
                finally:
                    other.close()
                await session.execute(sa.text("INSERT INTO t VALUES (2)"))
        finally:
            await engine.dispose()

    asyncio.run(read_then_try_a_foreign_write())
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT x FROM t").fetchall() == [(2,)]


def test_the_local_server_uses_write_locking_transactions_on_sqlite(tmp_path):
    from prefect.server.database.dependencies import (
        provide_database_interface,
        temporary_database_config,
    )
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, temporary_settings

    from ordersync.prefect_server import ImmediateSqliteConfiguration, install

    for url, installed in [(f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}", True),
                           ("postgresql+asyncpg://prefect@127.0.0.1:5432/prefect", False)]:
        with temporary_settings(updates={PREFECT_API_DATABASE_CONNECTION_URL: url}), \
                temporary_database_config(None):
            assert install() is installed
            config = provide_database_interface().database_config
            assert isinstance(config, ImmediateSqliteConfiguration) is installed


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_schedule_of_prefect_yaml_creates_runs(served, first_schedules):
    expected = scheduled_deployments()
    assert expected, "prefect.yaml has no scheduled deployment"
    assert set(served.deployments) == set(expected)
    saved = {*ORDER_CONNECTIONS, SHOP_IMPORT}
    for name, entry in expected.items():
        params = entry.get("parameters", {})
        named = set(params.get("connections", []))
        if "connection" in params:
            named.add(params["connection"])
        assert named <= saved, f"{name} runs on {named - saved}: save those blocks in served()"
    for name, entry in expected.items():
        runs = sorted(first_schedules[name], key=lambda r: r.expected_start_time)
        assert all(r.auto_scheduled and r.state_type.value == "SCHEDULED" for r in runs)
        assert all(r.parameters == entry.get("parameters", {}) for r in runs)
        intervals = {s["interval"] for s in entry["schedules"]}
        if len(intervals) == 1 and len(runs) > 1:
            steps = {(b.expected_start_time - a.expected_start_time).total_seconds()
                     for a, b in itertools.pairwise(runs)}
            assert steps == intervals, f"{name}: runs {steps} s apart"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_worker_completes_the_auto_scheduled_runs(served, burst):
    auto, _ = burst
    assert set(auto) == set(served.deployments)
    for name, run in auto.items():
        assert run.auto_scheduled
        assert run.state_type.value == "COMPLETED", (
            f"{name} ended {run.state_type.value}: {run.state.message}")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_each_flow_run_is_one_process_started_by_the_worker(served, burst):
    """The pool `ordersync work-pool` makes starts the engine directly: no workspace
    supervisor (an interpreter that imports Prefect, then execs the engine) per flow run."""
    auto, manual = burst
    engines = served.processes.commands("prefect.engine")
    assert len(engines) >= len(auto) + len(manual), served.processes.seen
    assert served.processes.commands("_workspace_supervisor") == []


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_server_log_has_no_errors_after_a_burst_of_runs(served, burst):
    _, manual = burst
    assert all(r.state_type.value == "COMPLETED" for r in manual)
    log_dir = served.server.home / "logs"
    assert problems(log_dir) == []
    dlq = served.server.home / "prefect" / "dlq"
    assert not dlq.exists() or not any(dlq.iterdir()), "events went to the dead-letter queue"
