"""A local Prefect stack as subprocesses: server (SQLite under PREFECT_HOME, started through
ordersync.prefect_server for write-locking transactions), work pool,
``prefect deploy --all`` of prefect.yaml, and a process worker. Used by the demo and the
end-to-end tests; every process started here is stopped by ``stop()``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

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

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **prefect_env(self.home, self.port)}

    def _prefect(self) -> list[str]:
        return [sys.executable, "-m", "prefect"]

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log_dir = self.log_dir or self.home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, env=self.env, cwd=PROJECT_ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
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
        self.run_cli("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
        out = self.run_cli("--no-prompt", "deploy", "--all")
        args = ["automations"] + (["--within", str(zombie_after)] if zombie_after else [])
        done = subprocess.run([sys.executable, "-m", "ordersync.cli", *args], env=self.env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"applying automations failed:\n{done.stdout}\n{done.stderr}")
        return out + done.stdout

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self._spawn(name, self._prefect() + [
            "worker", "start", "--pool", WORK_POOL, "--type", "process", "--name",
            f"ordersync-{name}-{os.getpid()}"])

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL a process and its children (a flow run subprocess dies with its worker)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc in self.processes:
            self.processes.remove(proc)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(proc)
        self.processes.clear()

    def __enter__(self) -> LocalPrefect:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
