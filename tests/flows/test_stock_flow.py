"""The stock_sync flow in-process against a real Prefect server and the served twins: blocks of
two order connections (Amazon, bol.com) on one Shopify shop, the table artifact of what was
sent, and a fast failure when the connections do not share one webshop."""

from __future__ import annotations

import os

import pytest

from ordersync.blocks.sandbox import sandbox_credentials
from ordersync.sandbox.stack import SandboxStack


@pytest.fixture(scope="module")
def stock_sandbox():
    with SandboxStack(rate_limits=False, marketplaces=("amazon", "bolcom")) as stack:
        yield stack


@pytest.fixture
def connections(prefect_server, stock_sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    for twin in (stock_sandbox.amazon, stock_sandbox.bolcom, stock_sandbox.shopify):
        twin.reset()
    from ordersync.blocks import OrderConnection

    for platform in ("amazon", "bolcom"):
        # nested (anonymous) credentials: a separately saved credentials block comes back
        # as the union's first type (bol.com) on load - see the report to the coordinator
        OrderConnection(
            marketplace=sandbox_credentials(stock_sandbox, platform, rate_limits=False),
            webshop=sandbox_credentials(stock_sandbox, "shopify", rate_limits=False),
        ).save(f"stock-{platform}", overwrite=True)
    return ["stock-amazon", "stock-bolcom"]


def test_stock_sync_flow_sends_changes_and_publishes_what_it_sent(connections,
                                                                  stock_sandbox):
    from prefect.client.orchestration import get_client

    from ordersync.flows.runtime import store_for
    from ordersync.flows.stock_sync import stock_sync
    from ordersync.store.stock import StockStore

    stock_sandbox.shopify.catalog.add_product("Mug", [{"sku": "MUG", "quantity": 6}])
    stock_sandbox.bolcom.add_offer("MUG")
    counts = stock_sync(connections=connections)
    assert counts["amazon:sandbox"]["done"] == 1 and counts["bolcom:sandbox"]["done"] == 1
    assert stock_sandbox.amazon.quantity_of("MUG") == 6
    assert stock_sandbox.bolcom.offer_of("MUG")["amount"] == 6
    history = StockStore(store_for(os.environ["ORDERSYNC_DATABASE_URL"])).history()
    assert {row["marketplace"] for row in history} == {"amazon", "bolcom"}
    again = stock_sync(connections=connections)
    assert again["bolcom:sandbox"]["changes"] == 0

    with get_client(sync_client=True) as client:
        artifacts = [a for a in client.read_latest_artifacts(limit=50)
                     if a.key == "stock-sync-shopify-sandbox"]
    assert artifacts, "the flow publishes a table of what it sent"
    assert "MUG" in str(artifacts[0].data) or "sandbox" in str(artifacts[0].data)


def test_connections_on_different_webshops_fail_fast(connections, stock_sandbox):
    from ordersync.blocks import OrderConnection, ShopifyCredentials
    from ordersync.flows.stock_sync import stock_sync

    other = OrderConnection.load("stock-bolcom")
    other.webshop = ShopifyCredentials(shop="another-shop", access_token="shpat_x",
                                       base_url=stock_sandbox.shopify_url)
    other.save("stock-elsewhere", overwrite=True)
    with pytest.raises(ValueError, match="share one webshop"):
        stock_sync.fn(connections=["stock-amazon", "stock-elsewhere"])
    with pytest.raises(ValueError, match="no order connection named 'nope'"):
        stock_sync.fn(connections=["nope"])
    with pytest.raises(ValueError, match="names of the order connections"):
        stock_sync.fn(connections=[])
