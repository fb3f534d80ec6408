"""The process work pool the hub's deployments run on: one Python process per flow run.

When a process work pool sets no command, Prefect 3.8's worker starts every flow run as a
workspace supervisor: a Python interpreter that imports Prefect, prepares a workspace (copies,
dependency installation) and then replaces itself (exec) with the engine, a second interpreter
that imports Prefect again. The hub's deployments need no workspace (a pull step runs them in
place, see ``connect.PULL_IN_PLACE``), so the pool's default command starts the engine
directly, under the interpreter the hub is installed in: one interpreter start per run.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
from prefect.exceptions import ObjectNotFound
from prefect.workers.process import ProcessWorker

WORK_POOL = "ordersync"


def engine_command(python: str = sys.executable) -> str:
    """The flow-run command: Prefect's engine under ``python`` (the hub's interpreter)."""
    return shlex.join([python, "-m", "prefect.engine"])


def base_job_template(python: str = sys.executable) -> dict[str, Any]:
    """Prefect's process template with the engine command as the default command (a
    deployment's ``job_variables`` may still set another)."""
    template = ProcessWorker.get_default_base_job_template()
    template["variables"]["properties"]["command"]["default"] = engine_command(python)
    return template


def ensure_work_pool(name: str = WORK_POOL, python: str = sys.executable) -> str:
    """Create the process work pool, or set an existing one's template; returns what it did.

    ``python`` must be the hub's interpreter path on every machine a worker of the pool runs
    on (the same install path, e.g. one container image)."""
    template = base_job_template(python)
    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process",
                                                   base_job_template=template))
            return "created"
        if pool.type != "process":
            raise ValueError(f"work pool {name!r} is of type {pool.type!r}: the hub's "
                             "deployments run on a process pool; choose another name")
        client.update_work_pool(name, WorkPoolUpdate(base_job_template=template))
        return "updated"


def pool_command(name: str = WORK_POOL) -> str | None:
    """The default flow-run command of the pool (None: Prefect's supervisor path)."""
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(name)
    return pool.base_job_template["variables"]["properties"]["command"].get("default")
