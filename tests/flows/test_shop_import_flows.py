"""The shop import flows on the session Prefect server against the served WooCommerce twin:
the backfill's progress and summary artifacts with the right figures, a crashed backfill
resumed by a second run with the same parameters, and the 5-minute shop_import flow."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from ordersync.http import AuthError
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.woocommerce import WooCommerceTwin

KEY, SECRET = "ck_flows", "cs_flows"


@pytest.fixture(scope="module")
def woo_twin() -> Iterator[tuple[WooCommerceTwin, ServedApp]]:
    twin = WooCommerceTwin({KEY: SECRET})
    with ServedApp(twin.app) as served:
        yield twin, served


@pytest.fixture
def shop(prefect_server, woo_twin, tmp_path, monkeypatch):
    from ordersync.blocks import ShopImportConnection, WooCommerceCredentials

    twin, served = woo_twin
    twin.reset()
    twin.controls.faults.clear()
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    creds = WooCommerceCredentials(url=served.url, consumer_key=KEY, consumer_secret=SECRET,
                                   rate_limits=False)
    creds.save("flow-woo", overwrite=True)
    ShopImportConnection(shop=creds, hub_currency="EUR", batch_pages=1).save(
        "woo-import", overwrite=True)
    product = twin.add_product("Tee", "TEE-1", "12.50")
    return twin, served, product


def place(twin, product, n: int, status: str = "processing") -> None:
    for i in range(n):
        twin.place_order({
            "status": status, "line_items": [{"product_id": product["id"], "quantity": 1}],
            "billing": {"first_name": "Jan", "last_name": f"Smit{i % 7}",
                        "email": f"jan{i % 7}@example.nl", "phone": ""}})


def artifacts(key: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return [a for a in client.read_latest_artifacts(limit=100) if a.key == key]


def store():
    from ordersync.flows.runtime import store_for
    from ordersync.store.shop_repository import ShopImportRepository

    return ShopImportRepository(store_for(os.environ["ORDERSYNC_DATABASE_URL"]))


def test_backfill_flow_reports_progress_and_a_summary(shop):
    from ordersync.flows.shop_import import backfill

    twin, _, product = shop
    place(twin, product, 230)
    place(twin, product, 4, status="completed")
    figures = backfill(connection="woo-import")
    assert figures["imported"] == 230 and figures["skipped"] == {"finished status": 4}
    assert figures["customers"] == {"created": 7, "matched": 223}
    assert figures["products"]["created"] == 1
    [progress] = artifacts("backfill-progress-woo-import")
    assert progress.type == "progress" and float(progress.data) == 100.0
    [table] = artifacts("backfill-woo-import")
    row = table.data if isinstance(table.data, list) else None
    text = str(table.data)
    assert "230" in text and "finished status: 4" in text, row
    assert store().totals()["orders"] == 230


def test_crashed_backfill_flow_resumes_with_the_same_parameters(shop):

    from ordersync.flows.shop_import import backfill, open_shop_context
    from ordersync.shop_import.steps import backfill_pages, start_backfill

    twin, served, product = shop
    place(twin, product, 250)  # three pages of 100
    with open_shop_context("woo-import") as ctx:  # a first run commits one page, then dies
        state = backfill_pages(ctx, start_backfill(ctx), 1)
    assert state.pages == 1 and store().totals()["orders"] == 100
    httpx.post(f"{served.url}/_sandbox/faults", json={
        "method": "GET", "path": "/wc/v3/orders$", "status": 403, "count": 1})
    with pytest.raises(AuthError):
        backfill(connection="woo-import")  # the next run fails on its first page
    figures = backfill(connection="woo-import")  # and the one after resumes
    assert store().totals()["orders"] == 250
    assert figures["imported"] == 250  # counted once across the three runs


def test_shop_import_flow_imports_changes_and_completes_written_off(shop):
    from ordersync.flows.shop_import import open_shop_context, shop_import
    from ordersync.shop_import.steps import write_off

    twin, _, product = shop
    place(twin, product, 3)
    counts = shop_import(connection="woo-import")
    assert counts["imported"] == 3
    first = store().list_orders()[-1]
    with open_shop_context("woo-import") as ctx:
        ctx.repo.write_off(first.id, now=ctx.clock(), action="status:completed")
    counts = shop_import(connection="woo-import")
    assert counts["write-off:status sent"] == 1
    assert twin.get(first.external_id)["status"] == "completed"
    assert artifacts("shop-import-woo-import")
    with open_shop_context("woo-import") as ctx:
        _, again = write_off(ctx, first.external_id)
    assert again["already written off"] == 1


def test_write_off_and_shop_orders_from_the_cli(shop, capsys):
    from ordersync.cli import main
    from ordersync.flows.shop_import import shop_import

    twin, _, product = shop
    place(twin, product, 2)
    shop_import(connection="woo-import")
    number = store().list_orders()[0].number
    assert main(["write-off", "woocommerce", number, "--connection", "woo-import"]) == 0
    assert '"status sent": 1' in capsys.readouterr().out
    assert twin.get(number)["status"] == "completed"
    assert main(["write-off", "shopify", number, "--connection", "woo-import"]) == 2
    assert "is a woocommerce shop" in capsys.readouterr().err
    assert main(["shop-orders", "--platform", "woocommerce"]) == 0
    out = capsys.readouterr().out
    assert "orders: 2" in out and "(written off)" in out


def test_unknown_shop_connection_fails_fast(prefect_server):
    from ordersync.flows.shop_import import backfill

    with pytest.raises(ValueError, match="no shop import connection named 'nope'"):
        backfill.fn(connection="nope")
