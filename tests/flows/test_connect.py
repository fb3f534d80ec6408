"""``ordersync connect`` / ``ordersync connections`` and the ``connect-order-connection`` flow
against the session's Prefect server: connecting twice leaves one set of blocks and
deployments with the new schedule, the listing shows a run's state and the connection's
health, and no secret reaches the output or the logs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from ordersync.cli import main
from ordersync.flows.connect import PULL_IN_PLACE
from ordersync.flows.connections import health

BOL_SECRET, BOL_SECRET_2 = "bol-secret-aaaa-1111", "bol-secret-bbbb-2222"
SHOP_TOKEN = "shpat_secret_cccc_3333"
SECRETS = (BOL_SECRET, BOL_SECRET_2, SHOP_TOKEN)


@pytest.fixture
def pool(prefect_server):
    prefect_server.create_work_pool()
    return prefect_server


def connect(*args: str) -> int:
    return main(["connect", "conn-a", "--marketplace", "bolcom", "--webshop", "shopify",
                 "-m", "client_id=cid-1", "-w", "shop=my-shop", *args])


def deployments_of(name: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with get_client(sync_client=True) as client:
        return client.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])))


def block_names(slug: str) -> list[str]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        found = client.read_block_documents_by_type(slug, include_secrets=False)
    return sorted(d.name for d in found if d.name and not d.is_anonymous)


def test_connect_twice_updates_one_set_of_blocks_and_deployments(pool, monkeypatch, capsys,
                                                                  caplog):
    from ordersync.blocks import OrderConnection

    monkeypatch.setenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", BOL_SECRET)
    monkeypatch.setenv("ORDERSYNC_SHOPIFY_ACCESS_TOKEN", SHOP_TOKEN)
    assert connect("--interval", "300") == 0
    first = capsys.readouterr().out
    assert "connection conn-a created: bolcom -> shopify" in first
    monkeypatch.setenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", BOL_SECRET_2)
    assert connect("--interval", "120", "-s", "tracking_wait_minutes=60",
                   "--stock-sync") == 0
    second = capsys.readouterr().out
    assert "connection conn-a updated" in second

    (order_sync,) = deployments_of("order-sync-conn-a")
    assert [s.schedule.interval for s in order_sync.schedules] == [timedelta(seconds=120)]
    assert order_sync.parameters == {"connection": "conn-a"}
    assert order_sync.work_pool_name == "ordersync"
    assert order_sync.entrypoint == "ordersync/flows/order_sync.py:order_sync"
    (stock,) = deployments_of("stock-sync-conn-a")
    assert stock.parameters == {"connections": ["conn-a"]}
    assert deployments_of("tracking-timeout")  # order-sync schedules its waits on it
    # run in place: without a pull step the worker copies the project (.venv too) per run
    for deployment in (order_sync, stock):
        assert deployment.pull_steps == PULL_IN_PLACE, deployment.name

    saved = OrderConnection.load("conn-a")
    assert saved.tracking_wait_minutes == 60
    assert saved.marketplace.client_secret.get_secret_value() == BOL_SECRET_2
    assert saved.webshop.access_token.get_secret_value() == SHOP_TOKEN  # kept, not asked
    assert [n for n in block_names("bolcom-credentials") if "conn-a" in n] == ["conn-a-bolcom"]
    assert [n for n in block_names("shopify-credentials") if "conn-a" in n] == [
        "conn-a-shopify"]
    assert [n for n in block_names("order-connection") if "conn-a" in n] == ["conn-a"]

    logged = caplog.text + first + second
    assert not [s for s in SECRETS if s in logged]


def test_the_listing_shows_the_last_run_and_health(pool, monkeypatch, capsys):
    from prefect.client.orchestration import get_client
    from prefect.states import Completed, Failed

    monkeypatch.setenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", BOL_SECRET)
    monkeypatch.setenv("ORDERSYNC_SHOPIFY_ACCESS_TOKEN", SHOP_TOKEN)
    assert main(["connect", "conn-b", "--marketplace", "bolcom", "--webshop", "shopify",
                 "-m", "client_id=cid-2", "-w", "shop=shop-b", "--interval", "60"]) == 0
    (deployment,) = deployments_of("order-sync-conn-b")
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment.id, state=Completed())
        client.set_flow_run_state(run.id, Failed(message="bol.com said 401"), force=True)
    capsys.readouterr()
    assert main(["connections", "--json"]) == 0
    rows = {r["deployment"]: r for r in json.loads(capsys.readouterr().out)}
    row = rows["order_sync/order-sync-conn-b"]
    assert row["connection"] == "conn-b" and row["route"] == "bolcom -> shopify"
    assert row["schedule"] == "every 1m"
    assert row["last_run"] == "Failed" and row["health"] == "failed: last run failed"
    assert main(["connections"]) == 0
    table = capsys.readouterr().out
    assert "order_sync/order-sync-conn-b" in table and "bolcom -> shopify" in table
    assert not [s for s in SECRETS if s in table]


@pytest.mark.parametrize(("args", "message"), [
    (["--marketplace", "bol", "--webshop", "shopify", "-w", "shop=s"],
     "unknown marketplace 'bol': one of amazon, bolcom"),
    (["--marketplace", "bolcom", "--webshop", "divide", "-m", "client_id=c"],
     "unknown webshop 'divide': one of ccvshop, lightspeed, magento, prestashop, shopify, "
     "shopware, woocommerce"),
    (["--marketplace", "bolcom", "--webshop", "magento", "-m", "client_id=c",
      "-w", "base_url=https://shop.example"],
     "magento needs access_token: set ORDERSYNC_MAGENTO_ACCESS_TOKEN"),
    (["--marketplace", "bolcom", "--webshop", "shopify", "-w", "shop=s"],
     "bolcom needs client_id: give client_id=..."),
    (["--marketplace", "bolcom", "--webshop", "shopify", "-m", "client_id=c", "-w", "shop=s"],
     "bolcom needs client_secret: set ORDERSYNC_BOLCOM_CLIENT_SECRET"),
    (["--marketplace", "bolcom", "--webshop", "shopify", "-m", "client_id=c", "-w", "shop=s",
      "-m", f"client_secret={BOL_SECRET}"],
     "bolcom client_secret is a secret: set ORDERSYNC_BOLCOM_CLIENT_SECRET"),
    (["--marketplace", "bolcom", "--webshop", "shopify", "-m", "client_id=c", "-w", "shop=s",
      "-s", "tracking_wait=3"], "unknown setting(s) tracking_wait"),
    (["--marketplace", "bolcom", "--webshop", "shopify", "-m", "client_id=c", "-w", "shop=s",
      "--work-pool", "no-such-pool"], "work pool 'no-such-pool' does not exist"),
])
def test_bad_parameters_say_what_to_fix(pool, monkeypatch, capsys, args, message):
    monkeypatch.delenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("ORDERSYNC_SHOPIFY_ACCESS_TOKEN", SHOP_TOKEN)
    if "tracking_wait=3" in args or "no-such-pool" in args:
        monkeypatch.setenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", BOL_SECRET)
    assert main(["connect", "conn-bad", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not [s for s in SECRETS if s in err]
    assert not deployments_of("order-sync-conn-bad")
    assert "conn-bad" not in block_names("order-connection")  # nothing saved


def test_the_ui_flow_takes_secret_block_names_and_logs_no_secret(pool):
    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    from ordersync.blocks import OrderConnection
    from ordersync.flows.connect import connect_order_connection

    Secret(value=BOL_SECRET).save("conn-c-bol-secret", overwrite=True)
    Secret(value=SHOP_TOKEN).save("conn-c-shop-token", overwrite=True)
    state = connect_order_connection(
        name="conn-c", marketplace="bolcom", webshop="shopify",
        marketplace_fields={"client_id": "cid-3"}, webshop_fields={"shop": "shop-c"},
        marketplace_secret_blocks={"client_secret": "conn-c-bol-secret"},
        webshop_secret_blocks={"access_token": "conn-c-shop-token"},
        settings={"batch_size": 50}, interval_seconds=600, return_state=True)
    summary = state.result()
    assert summary["deployments"][0] == "order_sync/order-sync-conn-c"
    saved = OrderConnection.load("conn-c")
    assert saved.batch_size == 50
    assert saved.marketplace.client_secret.get_secret_value() == BOL_SECRET
    (deployment,) = deployments_of("order-sync-conn-c")
    assert deployment.schedules[0].schedule.interval == timedelta(seconds=600)
    APILogWorker.drain_all()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(
            any_=[state.state_details.flow_run_id])))
        run = client.read_flow_run(state.state_details.flow_run_id)
    text = "\n".join(log.message for log in logs) + json.dumps(run.parameters)
    assert "connection conn-c created (bolcom -> shopify)" in text
    assert not [s for s in SECRETS if s in text]


def test_health_reads_the_last_run_and_the_schedule():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    every = SimpleNamespace(schedules=[SimpleNamespace(
        active=True, schedule=SimpleNamespace(interval=timedelta(minutes=5)))],
        paused=False, created=now - timedelta(days=1))

    def run(kind: str, name: str, minutes_ago: float):
        from prefect.client.schemas.objects import StateType

        return SimpleNamespace(state=SimpleNamespace(type=StateType(kind), name=name),
                               end_time=now - timedelta(minutes=minutes_ago),
                               start_time=None, expected_start_time=None)

    assert health(every, run("COMPLETED", "Completed", 4), now) == "ok"
    assert health(every, run("COMPLETED", "Completed", 11), now) == "late: no run for 11m"
    assert health(every, run("COMPLETED", "Needs attention", 1), now) == "needs attention"
    assert health(every, run("CRASHED", "Crashed", 1), now) == "failed: last run crashed"
    assert health(every, None, now) == "late: never ran in 24h"
    assert health(SimpleNamespace(**{**vars(every), "paused": True}),
                  run("COMPLETED", "Completed", 30), now) == "paused"


def test_the_ui_flow_has_a_run_form_and_a_deployment_in_prefect_yaml():
    from pathlib import Path

    import yaml
    from prefect.flows import load_flow_from_entrypoint
    from prefect.utilities.callables import parameter_schema

    from ordersync.flows.connect import connect_order_connection

    props = parameter_schema(connect_order_connection.fn).model_dump()["properties"]
    assert all(p.get("description") for p in props.values()), props
    assert "Secret block" in props["marketplace_secret_blocks"]["description"]
    root = Path(__file__).resolve().parents[2]
    (entry,) = [d for d in yaml.safe_load((root / "prefect.yaml").read_text())["deployments"]
                if d["name"] == "connect-order-connection"]
    assert not entry.get("schedules")
    flow = load_flow_from_entrypoint(str(root / entry["entrypoint"]))
    assert flow.name == "connect-order-connection"


@pytest.mark.slow
def test_a_worker_runs_the_connected_deployment(prefect_server, monkeypatch, tmp_path):
    """What connect deploys runs: a process worker on the pool picks up the order-sync
    schedule and the sandbox's marketplace orders reach the webshop."""
    import time

    from ordersync.sandbox import stack as sb

    pool = "connect-test"
    prefect_server.run_ordersync("work-pool", "--name", pool)
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("ORDERSYNC_BOLCOM_CLIENT_SECRET", sb.BOL_CLIENT_SECRET)
    monkeypatch.setenv("ORDERSYNC_SHOPIFY_ACCESS_TOKEN", sb.SHOP_TOKEN)
    with sb.SandboxStack(rate_limits=False) as stack:
        for _ in range(2):
            stack.bolcom.place_order()
        url = stack.url("bolcom")
        assert main(["connect", "conn-live", "--marketplace", "bolcom", "--webshop", "shopify",
                     "-m", f"client_id={sb.BOL_CLIENT_ID}", "-m", f"api_url={url}",
                     "-m", f"login_url={url}", "-m", "account=sandbox",
                     "-w", f"shop={sb.SHOP}", "-w", f"base_url={stack.url('shopify')}",
                     "--interval", "5", "--work-pool", pool]) == 0
        worker = prefect_server._spawn("connect-worker", prefect_server._prefect() + [
            "worker", "start", "--pool", pool, "--type", "process"])
        try:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and len(stack.shopify.all_orders()) < 2:
                time.sleep(2)
        finally:
            prefect_server.kill(worker)
        created = stack.shopify.all_orders()
    assert len(created) == 2, created
