"""Tracking-wait runs belong to their order: scheduled by order-sync as its subflow, named
after the marketplace order, with readable parameters, run later at their scheduled time by
`prefect flow-run execute` (what a worker does), logging what they decided."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ordersync.orders import OrderStatus
from tests.flows.conftest import save_connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hub(prefect_server, flow_sandbox, tmp_path, monkeypatch):
    from ordersync.flows.order_sync import tracking_timeout
    from ordersync.flows.runtime import store_for

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", url)
    flow_sandbox.bolcom.reset()
    flow_sandbox.shopify.reset()
    tracking_timeout.to_deployment(name="tracking-timeout").apply()
    return store_for(url)


def flow_runs_named(name: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))


def logs_of(flow_run_id) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return "\n".join(log.message for log in logs)


def test_wait_run_is_a_subflow_of_its_order_sync_run_and_runs_later(hub, flow_sandbox,
                                                                   prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.logging.handlers import APILogWorker

    from ordersync.flows.order_sync import order_sync

    save_connection("waittest", flow_sandbox, tracking_wait_minutes=0.05)
    bol_id = flow_sandbox.bolcom.place_order()
    order_sync(connection="waittest")
    [shop_order] = flow_sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")
    flow_sandbox.shopify.complete(shop_order["id"])
    state = order_sync(connection="waittest", return_state=True)
    sync_run_id = state.state_details.flow_run_id
    record = hub.find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.WAITING

    [run] = flow_runs_named(f"wait-{bol_id}")
    assert run.parameters == {"connection": "waittest", "marketplace_order_id": bol_id}
    assert run.state.is_scheduled()
    assert run.expected_start_time == record.waiting_since + timedelta(minutes=0.05)
    assert run.idempotency_key.startswith(f"tracking-timeout:waittest:{bol_id}:")
    with get_client(sync_client=True) as client:
        parent_task = client.read_task_run(run.parent_task_run_id)
        assert parent_task.flow_run_id == sync_run_id
        assert parent_task.state.is_scheduled()  # mirrors the scheduled subflow
        # what the UI's "Subflow runs" tab of the order-sync run asks for
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[sync_run_id])))
    assert [c.id for c in children] == [run.id]

    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": prefect_server.api_url}
    done = subprocess.run([sys.executable, "-m", "prefect", "flow-run", "execute", str(run.id)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    [run] = flow_runs_named(f"wait-{bol_id}")
    assert run.state.is_completed()
    with get_client(sync_client=True) as client:
        assert client.read_task_run(run.parent_task_run_id).state.is_completed()
    assert run.start_time >= run.expected_start_time  # not before its scheduled time
    record = hub.find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.SHIPPED and record.tracking_number is None
    assert len(flow_sandbox.bolcom.shipments_of(bol_id)) == 1
    APILogWorker.drain_all()
    text = logs_of(run.id)
    assert f"order {bol_id} (webshop order {shop_order['id']}): no track & trace" in text
    assert "shipped without code" in text


def test_wait_run_logs_a_code_found_and_nothing_to_do(hub, flow_sandbox):
    from prefect.logging.handlers import APILogWorker

    from ordersync import order_loop as sync
    from ordersync.flows.order_sync import order_sync, tracking_timeout
    from ordersync.flows.runtime import open_context

    save_connection("waitcode", flow_sandbox, tracking_wait_minutes=0)
    bol_id = flow_sandbox.bolcom.place_order()
    order_sync(connection="waitcode")
    [shop_order] = flow_sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")
    flow_sandbox.shopify.complete(shop_order["id"])
    with open_context("waitcode") as ctx:  # detect only: the order is left waiting
        sync.detect_webshop_changes(ctx)
    flow_sandbox.shopify.add_tracking(shop_order["id"], "3SABCD1234567", "PostNL")

    state = tracking_timeout(connection="waitcode", marketplace_order_id=bol_id,
                             return_state=True)
    assert state.result()["shipped_with_tracking"] == 1
    record = hub.find("bolcom", "sandbox", bol_id)
    # the old parameter (the hub's row id) of runs scheduled before still works
    again = tracking_timeout(connection="waitcode", order_id=record.id, return_state=True)
    assert again.result() == {"skipped": 1}
    APILogWorker.drain_all()
    text = logs_of(state.state_details.flow_run_id)
    assert f"order {bol_id} (webshop order {shop_order['id']}): track & trace 3SABCD1234567 " \
           f"found, carrier postnl; shipped" in text
    assert f"order {bol_id} (webshop order {shop_order['id']}): nothing to do, it is shipped" \
        in logs_of(again.state_details.flow_run_id)
    names = {r.name for r in flow_runs_named(f"wait-{bol_id}")}
    names |= {r.name for r in flow_runs_named(f"wait-order-{record.id}")}
    assert names == {f"wait-{bol_id}", f"wait-order-{record.id}"}
