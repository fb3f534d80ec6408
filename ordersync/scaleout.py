"""The production setup on one machine, for the scale-out test and benchmark: the Prefect server
on PostgreSQL, the hub database on PostgreSQL, one process work pool, several workers, and a
``Fleet`` of order connections deployed with ``ordersync connect`` on short interval schedules.

``ScaleOut.start()`` brings it up (workers last, after ``anchor()`` re-anchored every
schedule on one slot); ``runs()`` reads the fleet's flow runs back, ``runs_by_worker()`` which
worker submitted each (from the workers' logs), ``cpu_seconds()`` the CPU each process used.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ordersync.fleet import Fleet
from ordersync.local import LocalPrefect
from ordersync.store import Store

ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PROBLEMS = re.compile(r"database is locked|\| ERROR|\| CRITICAL|Traceback|dead letter")
FLOW_RUN_ID = re.compile(r"flow run '([0-9a-f-]{36})'")
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@contextmanager
def throwaway_database(admin_url: str = ADMIN_URL, prefix: str = "ordersync_scale"
                       ) -> Iterator[str]:
    """A new PostgreSQL database (its psycopg2 URL), dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def asyncpg_url(url: str) -> str:
    """The same database for Prefect's server, which needs the asyncpg driver."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(
        hide_password=False)


@dataclass
class ScaleOut:
    home: Path
    prefect_db: str  # a PostgreSQL URL (any driver) for the Prefect server
    hub_db: str  # the hub's PostgreSQL URL (psycopg2)
    fleet: Fleet
    workers: int = 2
    worker_limit: int | None = None  # flow runs per worker at once (None: Prefect's default)
    interval: float = 30.0
    server: LocalPrefect = field(init=False)
    worker_procs: list[subprocess.Popen] = field(default_factory=list)
    deployments: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = LocalPrefect(self.home, database_url=asyncpg_url(self.prefect_db),
                                   extra_env={
                                       "ORDERSYNC_DATABASE_URL": self.hub_db,
                                       "PREFECT_WORKER_QUERY_SECONDS": "1",
                                       "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
                                       # a few runs ahead per deployment, not 100
                                       "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "2",
                                       "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "5",
                                   })

    def start(self) -> ScaleOut:
        """Server, hub schema, work pool, the fleet's connections and deployments (needs
        PREFECT_API_URL set to ``server.api_url`` in this process, see ``settings()``)."""
        self.server.start_server()
        Store(self.hub_db).dispose()  # migrated once, before any flow run opens it
        self.server.create_work_pool()
        self.deployments = self.fleet.connect_all(self.interval)
        return self

    def settings(self):
        return temporary_settings(updates={PREFECT_API_URL: self.server.api_url})

    def anchor(self, lead: timedelta) -> datetime:
        """Every fleet schedule's next slot ``lead`` from now (the interval kept): the
        scheduler replaces the runs it had made, all connections start on one slot."""
        slot = (datetime.now(UTC) + lead).replace(microsecond=0)
        deployments = self.server.deployments()
        for name in self.deployments:
            deployment = deployments[name]
            for schedule in deployment["schedules"]:
                self.server._api("PATCH", f"/deployments/{deployment['id']}/schedules/"
                                 f"{schedule['id']}", {"schedule": {
                                     "interval": self.interval,
                                     "anchor_date": slot.isoformat()}, "active": True})
        return slot

    def start_workers(self) -> None:
        self.worker_procs = self.server.start_workers(self.workers, self.worker_limit)

    def stop(self) -> None:
        self.server.stop()

    def runs(self) -> list[dict]:
        """The fleet deployments' flow runs past Scheduled (with ``deployment`` names)."""
        wanted = set(self.deployments)
        return [r for r in self.server.flow_runs(not_states=["SCHEDULED"])
                if r["deployment"] in wanted]

    def runs_by_worker(self) -> dict[str, set[str]]:
        """Worker name -> ids of the flow runs its log says it submitted."""
        found = {}
        for i in range(1, self.workers + 1):
            log = self.home / "logs" / f"worker-{i}.log"
            body = log.read_text(errors="replace") if log.exists() else ""
            found[f"worker-{i}"] = {m.group(1) for line in body.splitlines()
                                    if "ubmitting flow run" in line
                                    for m in [FLOW_RUN_ID.search(line)] if m}
        return found

    def log_problems(self) -> dict[str, list[str]]:
        """Error lines of the server's and workers' logs."""
        found = {}
        for log in sorted((self.home / "logs").glob("*.log")):
            lines = [line for line in log.read_text(errors="replace").splitlines()
                     if PROBLEMS.search(line)]
            if lines:
                found[log.name] = lines
        return found

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system, with reaped children: a worker's flow runs) of the
        server and of each worker so far (Linux /proc)."""
        procs = {"server": self.server.processes[0]} if self.server.processes else {}
        procs.update({f"worker-{i}": p for i, p in enumerate(self.worker_procs, 1)})
        return {name: _cpu(p.pid) for name, p in procs.items()}


def _cpu(pid: int) -> float:
    """utime + stime + cutime + cstime of a process and its live descendants, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(x) for x in fields[11:15]) / tick
    return total


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        try:
            kids = [int(x) for x in path.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            kids = []
        found += kids
        todo += kids
    return found
