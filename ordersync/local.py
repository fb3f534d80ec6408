"""A local Prefect stack as subprocesses: server (SQLite under PREFECT_HOME, started through
ordersync.prefect_server for write-locking transactions, or PostgreSQL with ``database_url``),
work pool, ``prefect deploy --all`` of prefect.yaml, and process workers. Used by the demo,
the end-to-end tests and the scale-out test and benchmark; every process started here is
stopped by ``stop()``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun

from ordersync.flows.schedule_change import drop_stale_runs, runs_by_schedule, settle
from ordersync.sandbox.common import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORK_POOL = "ordersync"


def prefect_env(home: Path, port: int) -> dict[str, str]:
    """Environment for every Prefect process of this stack (never ~/.prefect)."""
    return {
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        "PREFECT_CLI_PROMPT": "false",
        # flow runs beat every 30 s; the zombie automation crashes runs that stop beating
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
        "ORDERSYNC_HOME": str(home),
    }


@dataclass
class LocalPrefect:
    home: Path
    port: int = field(default_factory=free_port)
    log_dir: Path | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    # the server's own database: None is SQLite under PREFECT_HOME; production runs it on
    # PostgreSQL, "postgresql+asyncpg://user@host/db" (asyncpg comes with Prefect)
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. ORDERSYNC_DATABASE_URL

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, **prefect_env(self.home, self.port), **self.extra_env}
        if self.database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = self.database_url
            # Prefect's 5 s connect and 10 s statement timeouts fail requests (asyncpg
            # TimeoutError in the server log, crashed runs) when the machine is saturated
            env.setdefault("PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "30")
            env.setdefault("PREFECT_SERVER_DATABASE_TIMEOUT", "60")
        return env

    def _prefect(self) -> list[str]:
        return [sys.executable, "-m", "prefect"]

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        """Another process of this stack (e.g. the webhook receiver): its log is
        ``logs/<name>.log``, ``stop()`` ends it."""
        return self._spawn(name, args)

    def _spawn(self, name: str, args: list[str],
               extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        log_dir = self.log_dir or self.home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, env={**self.env, **(extra_env or {})}, cwd=PROJECT_ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def start_server(self, timeout: float = 120.0) -> LocalPrefect:
        (self.home / "prefect").mkdir(parents=True, exist_ok=True)
        # Prefect's own `server start`, on SQLite with write-locking transactions (see
        # ordersync.prefect_server: the default ones fail with "database is locked")
        proc = self._spawn("server", [
            sys.executable, "-m", "ordersync.prefect_server",
            "server", "start", "--host", "127.0.0.1", "--port", str(self.port)])
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Prefect server exited; see {self.home / 'logs/server.log'}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Prefect server did not start in {timeout:.0f}s")
            time.sleep(0.5)

    def run_cli(self, *args: str, timeout: float = 300.0) -> str:
        done = subprocess.run(self._prefect() + list(args), env=self.env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def deploy(self, *, zombie_after: float | None = None) -> str:
        """Create the work pool, register every deployment of prefect.yaml and apply the
        automations (``zombie_after`` overrides their heartbeat window, for tests)."""
        self.create_work_pool()
        out = self.run_cli("--no-prompt", "deploy", "--all")
        args = ["automations"] + (["--within", str(zombie_after)] if zombie_after else [])
        return out + self.run_ordersync(*args)

    def create_work_pool(self) -> None:
        """The process work pool (``ordersync work-pool``: one process per flow run), without
        deploying prefect.yaml (``ordersync connect`` deploys each connection on it)."""
        self.run_ordersync("work-pool", "--name", WORK_POOL)

    def run_ordersync(self, *args: str, timeout: float = 120.0) -> str:
        """An ``ordersync`` command against this server; its output, or RuntimeError."""
        done = subprocess.run([sys.executable, "-m", "ordersync.cli", *args], env=self.env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"ordersync {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_worker(self, name: str = "worker", limit: int | None = None,
                     query_seconds: float | None = None) -> subprocess.Popen:
        """A process worker on the pool (its log: ``<name>.log``); ``limit`` caps the flow
        runs it runs at once (each is a process of its own); ``query_seconds`` is how often it
        asks for runs to start (``PREFECT_WORKER_QUERY_SECONDS``, Prefect's default 10 s:
        what a notification-triggered run waits for before it starts)."""
        extra = ({"PREFECT_WORKER_QUERY_SECONDS": f"{query_seconds:g}"}
                 if query_seconds is not None else {})
        return self._spawn(name, self._prefect() + [
            "worker", "start", "--pool", WORK_POOL, "--type", "process", "--name",
            self.worker_name(name)] + (["--limit", str(limit)] if limit else []), extra)

    def worker_name(self, name: str) -> str:
        return f"ordersync-{name}-{os.getpid()}"

    def start_workers(self, count: int, limit: int | None = None) -> list[subprocess.Popen]:
        """``count`` process workers on the pool, named worker-1 .. worker-N (scale-out: on
        one machine or several, they share the pool's runs)."""
        return [self.start_worker(f"worker-{i}", limit) for i in range(1, count + 1)]

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL a process and its children (a flow run subprocess dies with its worker)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc in self.processes:
            self.processes.remove(proc)

    def stop(self) -> None:
        """Stop the processes newest first (workers before the server), each one gone before
        the next is signalled: a worker sends its last events to the server as it stops."""
        for proc in list(reversed(self.processes)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(proc)
        self.processes.clear()

    def __enter__(self) -> LocalPrefect:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- deployments' schedules and flow runs through the REST API (demo, tests) ------

    def _api(self, method: str, path: str, body: dict | None = None) -> Any:
        """One API call, retried on 503/429 and connection errors like Prefect's client."""
        for attempt in range(6):
            try:
                response = httpx.request(method, f"{self.api_url}{path}", json=body,
                                         timeout=30)
                if response.status_code not in (429, 503) or attempt == 5:
                    response.raise_for_status()
                    return response.json() if response.content else None
            except httpx.TransportError:
                if attempt == 5:
                    raise
            time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def deployments(self) -> dict[str, dict]:
        """Every deployment by name, with its schedules."""
        return {d["name"]: d for d in self._api("POST", "/deployments/filter", {})}

    def client(self) -> SyncPrefectClient:
        """A Prefect client of this server, whatever this process's settings say."""
        return SyncPrefectClient(self.api_url)

    def set_interval(self, names: list[str], seconds: float,
                     settle_seconds: float = 30.0) -> None:
        """Make the deployments' schedules fire every ``seconds`` (replacing the interval of
        prefect.yaml), and wait up to ``settle_seconds`` for the scheduler's first runs on it.
        The schedules are replaced (new ids), never patched in place, and runs a scheduler
        pass still makes on the old ones are deleted: see ``ordersync.flows.schedule_change``
        (a demo session's stock-sync and shop-import never ran, their runs left on 300 s)."""
        ids = self._replace_schedules(names, lambda old: {
            "schedule": {"interval": seconds}, "active": True,
            "parameters": old.get("parameters") or {}})
        with self.client() as client:
            settle(client, ids, settle_seconds)

    def pause_schedules(self, names: list[str]) -> None:
        """Deactivate the deployments' schedules (replaced, as in ``set_interval``) and delete
        the runs already scheduled by them."""
        ids = self._replace_schedules(names, lambda old: {
            "schedule": old["schedule"], "active": False,
            "parameters": old.get("parameters") or {}})
        with self.client() as client:
            drop_stale_runs(client, ids)

    def schedule_runs(self, name: str) -> tuple[list[FlowRun], list[FlowRun]]:
        """Deployment ``name``'s scheduled runs: (its active schedules' runs, other runs)."""
        with self.client() as client:
            return runs_by_schedule(client, [UUID(self.deployments()[name]["id"])])

    def _replace_schedules(self, names: list[str],
                           new: Callable[[dict], dict]) -> list[UUID]:
        """PATCH each deployment with its schedules as ``new`` makes them from the old ones:
        the whole list replaces them (prefect.yaml's have no slugs) and drops the runs they
        had made, in one transaction. Returns the deployments' ids."""
        deployments = self.deployments()
        for name in names:
            deployment = deployments[name]
            if not deployment["schedules"]:
                raise ValueError(f"deployment {name!r} has no schedule in prefect.yaml")
            self._api("PATCH", f"/deployments/{deployment['id']}",
                      {"schedules": [new(s) for s in deployment["schedules"]]})
        return [UUID(deployments[name]["id"]) for name in names]

    def flow_runs(self, states: list[str] | None = None,
                  not_states: list[str] | None = None) -> list[dict]:
        """Flow runs (of the given state types, or not of ``not_states``), each with its
        ``deployment`` name added."""
        names = {d["id"]: name for name, d in self.deployments().items()}
        query: dict = {"sort": "EXPECTED_START_TIME_ASC", "limit": 200}
        if states or not_states:
            kind = {"any_": states} if states else {"not_any_": not_states}
            query["flow_runs"] = {"state": {"type": kind}}
        runs: list[dict] = []
        while True:
            page = self._api("POST", "/flow_runs/filter", {**query, "offset": len(runs)})
            runs += page
            if len(page) < query["limit"]:
                break
        for run in runs:
            run["deployment"] = names.get(run.get("deployment_id"), "-")
        return runs

    def cancel_runs(self, runs: list[dict], message: str) -> int:
        """Force the runs into Cancelled (e.g. leftovers of an earlier demo)."""
        for run in runs:
            self._api("POST", f"/flow_runs/{run['id']}/set_state", {
                "state": {"type": "CANCELLED", "name": "Cancelled", "message": message},
                "force": True})
        return len(runs)
