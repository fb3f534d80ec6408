"""The action flows in-process against a real Prefect server, run through the CLI."""

import pytest

from ordersync.cli import main
from ordersync.orders import OrderStatus
from tests.actions.conftest import fault
from tests.flows.conftest import save_connection


@pytest.fixture
def hub(prefect_server, flow_sandbox, tmp_path, monkeypatch):
    from ordersync.flows.runtime import store_for

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", url)
    flow_sandbox.bolcom.reset()
    flow_sandbox.shopify.reset()
    save_connection("actiontest", flow_sandbox, tracking_wait_minutes=0)
    return store_for(url)


def test_cli_retry_and_resolve_run_the_action_flows(hub, flow_sandbox, capsys):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from ordersync.flows.order_sync import order_sync

    bol_id = flow_sandbox.bolcom.place_order()
    fault(flow_sandbox.shopify_url, "POST", "/orders.json$", 422)
    order_sync(connection="actiontest")
    assert hub.find("bolcom", "sandbox", bol_id).status == OrderStatus.ERROR

    assert main(["retry", "--connection", "actiontest", bol_id, "--note", "fixed"]) == 0
    assert '"created": 1' in capsys.readouterr().out
    assert len(flow_sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")) == 1
    assert hub.find("bolcom", "sandbox", bol_id).status == OrderStatus.NOT_SHIPPED

    assert main(["retry", "--connection", "actiontest", bol_id]) == 2  # not in error any more
    assert "is not_shipped, not error" in capsys.readouterr().err
    assert main(["ship", "--connection", "actiontest", bol_id, "--tracking",
                 "3SABCD1234567"]) == 0
    assert flow_sandbox.bolcom.shipments_of(bol_id)[0]["transporterCode"] == "TNT"
    assert main(["resolve", "--connection", "actiontest", bol_id]) == 0
    assert hub.find("bolcom", "sandbox", bol_id).status == OrderStatus.MANUAL

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(
            any_=[f"retry-{bol_id}", f"ship-{bol_id}", f"resolve-{bol_id}"])))
    assert sorted(r.name for r in runs) == sorted(
        [f"retry-{bol_id}", f"retry-{bol_id}", f"ship-{bol_id}", f"resolve-{bol_id}"])
    assert {r.parameters["marketplace_order_id"] for r in runs} == {bol_id}
