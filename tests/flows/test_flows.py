"""The Prefect flows in-process against a real Prefect server and the served twins."""

import os
from uuid import UUID

import pytest

from ordersync.orders import OrderStatus
from tests.flows.conftest import save_connection


@pytest.fixture
def connection(prefect_server, flow_sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    flow_sandbox.bolcom.reset()
    flow_sandbox.shopify.reset()
    save_connection("flowtest", flow_sandbox, tracking_wait_minutes=0)
    return "flowtest"


def test_order_sync_flow_runs_the_loop_and_reports_an_artifact(connection, flow_sandbox):
    from prefect.client.orchestration import get_client

    from ordersync.flows.order_sync import order_sync
    from ordersync.flows.runtime import store_for

    bol_id = flow_sandbox.bolcom.place_order()
    counts = order_sync(connection=connection)
    assert counts["imported"] == 1 and counts["created"] == 1
    [shop_order] = flow_sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")
    flow_sandbox.shopify.complete(shop_order["id"], "3SABCD1234567")
    counts = order_sync(connection=connection)
    assert counts["shipped"] == 1 and counts["pushed"] == 1
    assert flow_sandbox.bolcom.shipments_of(bol_id)[0]["transporterCode"] == "TNT"
    record = store_for(os.environ["ORDERSYNC_DATABASE_URL"]).find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.SHIPPED

    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts(limit=50)
        table = [a for a in artifact if a.key == "order-sync-flowtest"]
    assert table, "the flow publishes a summary table artifact"
    assert "shipped" in str(table[0].data)


def test_waiting_order_is_shipped_by_the_tracking_timeout_flow(connection, flow_sandbox):
    from ordersync import order_loop as sync
    from ordersync.flows.order_sync import order_sync, tracking_timeout
    from ordersync.flows.runtime import open_context, store_for

    bol_id = flow_sandbox.bolcom.place_order()
    order_sync(connection=connection)
    [shop_order] = flow_sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")
    flow_sandbox.shopify.complete(shop_order["id"])
    store = store_for(os.environ["ORDERSYNC_DATABASE_URL"])
    with open_context(connection) as ctx:  # detect only, so the order is left waiting
        sync.detect_webshop_changes(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.WAITING
    counts = tracking_timeout(connection=connection, order_id=record.id)
    assert counts["shipped_without_tracking"] == 1 and counts["pushed"] == 1
    assert store.find("bolcom", "sandbox", bol_id).status == OrderStatus.SHIPPED


def test_unknown_connection_fails_fast_with_a_clear_message(prefect_server):
    from ordersync.flows.order_sync import order_sync

    with pytest.raises(ValueError, match="no order connection named 'nope'"):
        order_sync.fn(connection="nope")


def test_secrets_never_reach_logs_or_artifacts(connection, flow_sandbox):
    from prefect.client.orchestration import get_client

    from ordersync.flows.order_sync import order_sync
    from ordersync.sandbox.stack import BOL_CLIENT_SECRET, SHOP_TOKEN

    flow_sandbox.bolcom.place_order()
    order_sync(connection=connection)
    with get_client(sync_client=True) as client:
        logs = client.read_logs(limit=200)
        artifacts = client.read_latest_artifacts(limit=50)
    text = " ".join(log.message for log in logs) + " ".join(str(a.data) for a in artifacts)
    assert text, "expected some logs"
    assert BOL_CLIENT_SECRET not in text and SHOP_TOKEN not in text
    assert isinstance(UUID(str(logs[0].flow_run_id)), UUID)
