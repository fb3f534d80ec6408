"""`ordersync events` and `orders` take marketplace ids (and row ids) and stay aligned; the
action flows' run form reads well; prefect.yaml has a deployment per action."""

from pathlib import Path

import pytest
import yaml

from ordersync import order_loop as sync
from ordersync.cli import main
from ordersync.store import Store

ROOT = Path(__file__).resolve().parents[2]
AMAZON_ID = "402-0000001-0007919"


@pytest.fixture
def hub(sandbox, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", url)
    store = Store(url)
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    sync.import_orders(ctx)
    sync.create_in_webshop(ctx)
    with store.session() as s:  # an Amazon-length id next to the bol.com one
        from ordersync.store.tables import OrderRow

        row = s.get_one(OrderRow, store.find("bolcom", "sandbox", bol_id).id)
        twin = OrderRow(platform="amazon", account="A1SELLER", external_id=AMAZON_ID,
                        status="error", error_reason="webshop_rejected", test=False,
                        created_at=row.created_at, updated_at=row.updated_at)
        s.add(twin)
    yield store, bol_id
    store.dispose()


def test_events_take_a_marketplace_id_or_a_row_id(hub, capsys):
    store, bol_id = hub
    record = store.find("bolcom", "sandbox", bol_id)
    assert main(["events", bol_id]) == 0
    by_marketplace_id = capsys.readouterr().out
    assert "imported" in by_marketplace_id and "webshop_created" in by_marketplace_id
    assert main(["events", str(record.id)]) == 0
    assert capsys.readouterr().out == by_marketplace_id
    assert main(["events", AMAZON_ID]) == 0
    assert main(["events", "no-such-order"]) == 2
    assert "no order 'no-such-order'" in capsys.readouterr().err


def test_orders_stay_aligned_with_long_amazon_ids(hub, capsys):
    store, bol_id = hub
    assert main(["orders"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines()[2:] if ln]
    header, rows = lines[0], lines[1:]
    assert len(rows) == 2
    for column in ("status", "webshop", "tracking", "carrier"):
        at = header.index(column)
        assert all(row[at - 1] == " " and row[at] != " " for row in rows), (column, lines)
    assert main(["orders", AMAZON_ID]) == 0
    out = capsys.readouterr().out
    assert f"amazon:{AMAZON_ID}" in out and "error: webshop_rejected" in out


def test_action_run_forms_have_titles_and_descriptions():
    from prefect.utilities.callables import parameter_schema

    from ordersync.flows import actions

    for flow in (actions.retry_order, actions.resolve_order, actions.ship_order,
                 actions.cancel_order):
        schema = parameter_schema(flow.fn).model_dump()
        props = schema["properties"]
        assert {"connection", "marketplace_order_id"} <= set(schema["required"])
        for name in ("connection", "marketplace_order_id", "note"):
            assert props[name]["description"], (flow.name, name)
    ship = parameter_schema(actions.ship_order.fn).model_dump()
    assert "tracking_number" in ship["required"] and "carrier" not in ship["required"]
    assert "track & trace" in ship["properties"]["tracking_number"]["description"]


def test_prefect_yaml_has_a_deployment_per_action_without_schedule():
    from prefect.flows import load_flow_from_entrypoint

    deployments = {d["name"]: d for d in
                   yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    for name, flow_name in (("retry-order", "retry_order"), ("resolve-order", "resolve_order"),
                            ("ship-order", "ship_order"), ("cancel-order", "cancel_order"),
                            ("tracking-timeout", "tracking_timeout")):
        deployment = deployments[name]
        assert not deployment.get("schedules")
        flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
        assert flow.name == flow_name
