"""``ordersync work-pool``: the process pool whose flow runs start as Prefect's engine under
the hub's interpreter, not as a workspace supervisor (an interpreter that imports Prefect and
then execs the engine). Against the session's Prefect server; the serial test in
test_prefect_server.py watches a real worker's processes."""

from __future__ import annotations

import asyncio
import shlex
import sys
import uuid

import pytest

from ordersync.cli import main
from ordersync.flows.work_pool import engine_command, ensure_work_pool, pool_command


def test_the_pool_starts_the_engine_under_the_hubs_interpreter(prefect_server, capsys):
    name = f"pool-{uuid.uuid4().hex[:6]}"
    prefect_server.run_cli("work-pool", "create", name, "--type", "process")
    assert pool_command(name) is None  # Prefect's own pool: the supervisor path

    assert main(["work-pool", "--name", name]) == 0
    assert f"work pool {name} updated" in capsys.readouterr().out
    command = pool_command(name)
    assert command == engine_command()
    assert shlex.split(command) == [sys.executable, "-m", "prefect.engine"]
    assert ensure_work_pool(name) == "updated"  # safe to repeat
    assert ensure_work_pool(f"{name}-new", "/opt/ordersync/.venv/bin/python") == "created"
    assert pool_command(f"{name}-new") == "/opt/ordersync/.venv/bin/python -m prefect.engine"


def test_a_worker_of_the_pool_starts_the_engine_itself(prefect_server):
    """What the process worker does with the pool's template: a configured command means it
    starts that command directly (Prefect 3.8's EngineCommandStarter), no supervisor."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import FlowRun
    from prefect.workers.process import ProcessJobConfiguration

    name = f"pool-{uuid.uuid4().hex[:6]}"
    ensure_work_pool(name)
    with get_client(sync_client=True) as client:
        template = client.read_work_pool(name).base_job_template
    config = asyncio.run(ProcessJobConfiguration.from_template_and_values(template, {}))
    config.prepare_for_flow_run(FlowRun(flow_id=uuid.uuid4()))
    assert config.command == engine_command()
    assert config._command_configured  # the worker's switch between the two starters


def test_a_pool_of_another_type_is_refused_with_what_to_do(prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    name = f"pool-{uuid.uuid4().hex[:6]}"
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=name, type="docker"))
    with pytest.raises(ValueError, match="process pool; choose another name"):
        ensure_work_pool(name)
