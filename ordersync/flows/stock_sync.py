"""Stock sync every 5 minutes, as a Prefect flow over the order connections that sell from one
webshop (PRODUCT.md section 2, issue 4).

Thin orchestration: one task reads the hub's open quantities and the webshop's stock, one task
per marketplace account sends what changed (batches inside, never a task per SKU), and the
run ends with a table artifact of what was sent and why. The work is ``ordersync.order_loop.
stock_sync``; a retried task is safe (it follows up and recovers before it sends).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from ordersync.connectors.capabilities import StockReader, require
from ordersync.flows.order_sync import _slug, _transient
from ordersync.flows.runtime import store_for
from ordersync.stock import HubQuantities, WebshopStock
from ordersync.stock.steps import (
    StockContext,
    TargetResult,
    read_inputs,
    sync_target,
)

ARTIFACT_ROWS = 500  # rows of the "what was sent" table; the rest is in `ordersync stock`


@task(name="read-stock", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=_transient, cache_policy=NO_CACHE)
def read_stock_task(ctx: StockContext, webshop: Any,
                    accounts: list[tuple[str, str]]) -> tuple[WebshopStock, HubQuantities]:
    stock, hub = read_inputs(ctx, webshop, accounts)
    get_run_logger().info("stock of %d SKUs in %s:%s; %d SKUs ordered but not in the webshop",
                          len(stock.quantities), webshop.platform, webshop.account,
                          len(hub.unimported))
    return stock, hub


@task(name="push-stock", retries=2, retry_delay_seconds=[10, 60],
      retry_condition_fn=_transient, cache_policy=NO_CACHE)
def push_stock_task(ctx: StockContext, marketplace: Any, stock: WebshopStock,
                    hub: HubQuantities) -> TargetResult:
    result = sync_target(ctx, marketplace, stock, hub)
    get_run_logger().info("%s: %s", result.target, result.counts.counts or "nothing to do")
    return result


def _webshop_of(block: Any) -> tuple[str, ...]:
    """What identifies the webshop of a connection (no secrets)."""
    shop = block.webshop
    where = getattr(shop, "shop", None) or getattr(shop, "url", None) or ""
    return (type(shop).__name__, str(where), str(getattr(shop, "base_url", None) or ""))


@contextmanager
def open_connections(connections: list[str]) -> Iterator[tuple[Any, list[Any]]]:
    """The one webshop connector and every marketplace connector of these order
    connections; fails fast when they do not share one webshop."""
    from ordersync.blocks import OrderConnection

    if not connections:
        raise ValueError("stock_sync needs the names of the order connections that sell "
                         "from one webshop, e.g. connections=['amazon-nl', 'bolcom-nl']")
    blocks = {}
    for name in dict.fromkeys(connections):
        try:
            blocks[name] = OrderConnection.load(name)
        except ValueError as exc:
            raise ValueError(f"no order connection named {name!r}: create an "
                             "'order-connection' block with that name") from exc
    shops = {name: _webshop_of(block) for name, block in blocks.items()}
    if len(set(shops.values())) > 1:
        listed = "; ".join(f"{name}: {' '.join(filter(None, shop))}"
                           for name, shop in shops.items())
        raise ValueError("the connections of one stock_sync must share one webshop (its stock "
                         f"is what is divided): {listed}. Run one stock-sync deployment per "
                         "webshop.")
    with ExitStack() as stack:
        first = next(iter(blocks.values()))
        webshop = first.webshop.get_client()
        stack.callback(webshop.close)
        require(webshop, StockReader, "the stock sync (reading the webshop's stock)")
        markets = []
        for block in blocks.values():
            market = block.marketplace.get_client()
            stack.callback(market.close)
            markets.append(market)
        accounts = [(m.platform, m.account) for m in markets]
        if len(set(accounts)) != len(accounts):
            raise ValueError(f"two connections use the same marketplace account: {accounts}")
        yield webshop, markets


@flow(name="stock_sync", log_prints=True)
def stock_sync(connections: list[str]) -> dict[str, dict[str, int]]:
    """Send every marketplace of these order connections (one webshop) the quantity it may
    offer: webshop stock - ordered but not yet in the webshop (- Amazon's reservations on
    Amazon), only where it changed; every quantity is recorded with why."""
    ctx = StockContext(store_for())
    with open_connections(connections) as (webshop, markets):
        accounts = [(m.platform, m.account) for m in markets]
        stock, hub = read_stock_task(ctx, webshop, accounts)
        results = [push_stock_task.with_options(name=f"push-stock-{m.platform}")(
            ctx, m, stock, hub) for m in markets]
        shop = f"{webshop.platform}-{webshop.account}"
    _artifact(shop, results)
    return {str(r.target): r.counts.counts for r in results}


def _artifact(shop: str, results: list[TargetResult]) -> None:
    rows = [row for r in results for row in r.sent]
    summary = "; ".join(
        f"{r.target}: {sum(1 for _ in r.sent)} sent, "
        + ", ".join(f"{k} {v}" for k, v in sorted(r.counts.counts.items()) if v)
        for r in results)
    shown = rows[:ARTIFACT_ROWS]
    more = f" (first {ARTIFACT_ROWS} of {len(rows)} rows)" if len(rows) > ARTIFACT_ROWS else ""
    create_table_artifact(
        key=f"stock-sync-{_slug(shop)}",
        table=shown or [{"marketplace": str(r.target), "sku": "-", "quantity": "-"}
                        for r in results],
        description=f"Stock sent from {shop}{more}. {summary}. Every quantity with its "
                    "inputs and outcome: `ordersync stock`.",
    )
