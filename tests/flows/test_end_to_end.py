"""The whole loop through a real Prefect server, `prefect deploy --all` and a process worker,
with the worker killed in the middle of a remote write."""

import contextlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.flows.conftest import save_connection

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # a loaded 2-core box is slow


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(proc) -> None:
    """SIGKILL the worker and every process under it (the flow run dies mid-write)."""
    for pid in [proc.pid, *descendants(proc.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def wait_for(predicate, what: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def run_and_wait(deployment: str, timeout: float = 180.0):
    from prefect.deployments import run_deployment

    run = run_deployment(deployment, parameters={"connection": "sandbox"}, timeout=timeout)
    assert run.state.is_completed(), f"{deployment} ended {run.state.type}: {run.state.message}"
    return run


def test_loop_through_server_deployments_and_worker_survives_a_kill(
    prefect_server, tmp_path, monkeypatch
):
    from prefect.client.orchestration import get_client

    from ordersync.sandbox.stack import SandboxStack

    db = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", db)  # inherited by the worker's flow runs
    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "1")  # pick up runs quickly
    with SandboxStack(rate_limits=False) as stack:
        # a short lease so the run after the crash may reconcile within the test
        save_connection("sandbox", stack, tracking_wait_minutes=0.05, lease_minutes=0.05)
        # zombie detection with a short window (the worker's flow runs beat every 30 s)
        out = prefect_server.deploy(zombie_after=45)
        assert "order-sync" in out and "tracking-timeout" in out
        assert "ordersync-crash-zombie-flow-runs applied" in out
        worker = prefect_server.start_worker("e2e-a")

        # 1. an order placed on bol.com reaches Shopify in one cycle
        first = stack.bolcom.place_order()
        healthy = run_and_wait("order_sync/order-sync")
        [shop_order] = stack.shopify.orders_with_reference(f"bolcom:{first}")

        # 2. completed with a PostNL code -> shipped on bol.com as TNT
        stack.shopify.complete(shop_order["id"], "3SABCD1234567")
        run_and_wait("order_sync/order-sync")
        [shipment] = stack.bolcom.shipments_of(first)
        assert (shipment["transporterCode"], shipment["trackAndTrace"]) == ("TNT",
                                                                           "3SABCD1234567")

        # 3. completed without a code -> waiting; the scheduled tracking-timeout run ships it
        second = stack.bolcom.place_order()
        run_and_wait("order_sync/order-sync")
        [shop_second] = stack.shopify.orders_with_reference(f"bolcom:{second}")
        stack.shopify.complete(shop_second["id"])
        run_and_wait("order_sync/order-sync")
        wait_for(lambda: stack.bolcom.shipments_of(second), "the delayed tracking-timeout run")
        assert not stack.bolcom.shipments_of(second)[0].get("trackAndTrace")

        # 4. kill the worker while Shopify has created an order but not answered
        third = stack.bolcom.place_order()
        httpx.post(f"{stack.shopify_url}/_sandbox/faults", json={
            "method": "POST", "path": "/orders.json$", "status": 0, "after_handling": True})
        from prefect.deployments import run_deployment

        doomed = run_deployment("order_sync/order-sync", parameters={"connection": "sandbox"},
                                timeout=0)
        wait_for(lambda: stack.shopify.orders_with_reference(f"bolcom:{third}"),
                 "the doomed run to reach Shopify")
        kill_tree(worker)
        prefect_server.processes.remove(worker)
        with get_client(sync_client=True) as client:  # the zombie automation crashes it
            wait_for(lambda: client.read_flow_run(doomed.id).state.is_crashed(),
                     "the zombie automation to mark the dead run Crashed", timeout=150)
            # ... and leaves runs that finished normally alone
            assert client.read_flow_run(healthy.id).state.is_completed()
        time.sleep(4)  # the dead run's lease (3 s) runs out
        prefect_server.start_worker("e2e-b")
        run_and_wait("order_sync/order-sync")

        for bol_id in (first, second, third):
            assert len(stack.shopify.orders_with_reference(f"bolcom:{bol_id}")) == 1
        assert len(stack.bolcom.shipments_of(first)) == 1
        assert len(stack.bolcom.shipments_of(second)) == 1
