"""The order_sync flow's returns step, configured through the order connection block."""

import os

import pytest

from ordersync.orders import OrderStatus
from tests.flows.conftest import save_connection


@pytest.fixture
def connection(prefect_server, flow_sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    flow_sandbox.bolcom.reset()
    flow_sandbox.shopify.reset()
    save_connection("returnstest", flow_sandbox, tracking_wait_minutes=0, returns="refund")
    return "returnstest"


def test_a_bolcom_return_is_refunded_in_shopify_and_handled_by_the_flow(connection,
                                                                         flow_sandbox):
    from prefect.client.orchestration import get_client

    from ordersync.blocks.connection import OrderConnection
    from ordersync.flows.order_sync import order_sync
    from ordersync.flows.runtime import store_for

    assert OrderConnection.load(connection).settings(connection).returns == "refund"
    bol_id = flow_sandbox.bolcom.place_order()
    order_sync(connection=connection)
    [shop] = flow_sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")
    flow_sandbox.shopify.complete(shop["id"], "3SABCD1234567")
    order_sync(connection=connection)
    ret = flow_sandbox.bolcom.create_return(bol_id)

    counts = order_sync(connection=connection)

    assert counts["returns_imported"] == 1 and counts["return_registered"] == 1
    assert counts["return_handled"] == 1 and counts["returned"] == 1
    [refund] = flow_sandbox.shopify.get(shop["id"])["refunds"]
    assert refund["transactions"][0]["amount"] == "12.99"
    assert flow_sandbox.bolcom.stored_return(ret["returnId"])["returnItems"][0]["handled"]
    store = store_for(os.environ["ORDERSYNC_DATABASE_URL"])
    assert store.find("bolcom", "sandbox", bol_id).status == OrderStatus.RETURNED
    with get_client(sync_client=True) as client:
        table = [a for a in client.read_latest_artifacts(limit=50)
                 if a.key == "order-sync-returnstest"]
    assert table and "return_handled" in str(table[0].data)
