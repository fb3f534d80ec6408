"""Stock sync against the served twins (Shopify -> Amazon and bol.com) on both stores: only
changes are sent, everything sent is recorded with its inputs, quantities never negative and
never counted twice, and crashes or overlapping runs neither double-send nor lose a record."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordersync import order_loop as sync
from ordersync.order_loop import ConnectionSettings
from ordersync.orders import OrderStatus
from ordersync.stock import Target
from ordersync.stock.steps import StockContext, StockSettings, read_inputs, sync_target
from ordersync.store.stock import StockStore
from tests.stock.helpers import FAST, connectors, offered, shop_product, stock_sync

AMAZON, BOL = Target("amazon", "sandbox"), Target("bolcom", "sandbox")


def setup_catalogue(sandbox, **skus: int) -> None:
    for sku, quantity in skus.items():
        shop_product(sandbox, sku, quantity)
        sandbox.bolcom.add_offer(sku, amount=0, offer_id=f"offer-{sku}")


def bol_item(sku: str, quantity: int) -> dict:
    """An order item of the offer ``setup_catalogue`` made for the SKU."""
    return {"ean": "8712345678906", "title": sku, "quantity": quantity, "unitPrice": 5,
            "offerReference": sku, "offerId": f"offer-{sku}"}


def test_first_sync_sends_everything_then_only_changes(sandbox, store):
    setup_catalogue(sandbox, MUG=10, PLATE=5)
    results = stock_sync(sandbox, store)
    assert results["amazon"].counts.counts["done"] == 2
    assert results["bolcom"].counts.counts["done"] == 2
    assert offered(sandbox, "MUG") == (10, 10) and offered(sandbox, "PLATE") == (5, 5)
    again = stock_sync(sandbox, store)
    assert again["amazon"].counts.counts["changes"] == 0
    assert again["bolcom"].counts.counts["changes"] == 0
    sandbox.shopify.catalog.set_stock("PLATE", 3)
    third = stock_sync(sandbox, store)
    assert [row["sku"] for row in third["bolcom"].sent] == ["PLATE"]
    assert offered(sandbox, "PLATE") == (3, 3) and offered(sandbox, "MUG") == (10, 10)


def test_every_quantity_sent_is_recorded_with_its_inputs_and_outcome(sandbox, store):
    setup_catalogue(sandbox, MUG=10)
    stock_sync(sandbox, store)
    [bol] = StockStore(store).history(platform="bolcom")
    assert (bol["sku"], bol["quantity"], bol["previous"], bol["webshop_stock"],
            bol["unimported"], bol["reserved"]) == ("MUG", 10, None, 10, 0, 0)
    assert bol["state"] == "done" and bol["method"] == "offer_stock" and bol["request"]
    assert bol["offer_id"] and bol["at"] and bol["finished_at"]
    [amz] = StockStore(store).history(platform="amazon", sku="MUG")
    assert amz["method"] == "patch" and amz["state"] == "done"
    assert "submission" in amz["message"]


def test_bolcom_gets_at_most_999_and_only_offers_the_retailer_ships(sandbox, store):
    shop_product(sandbox, "BULK", 5000)
    shop_product(sandbox, "FBB", 4)
    shop_product(sandbox, "UNLISTED", 4)
    sandbox.bolcom.add_offer("BULK")
    sandbox.bolcom.add_offer("FBB", fulfilment="FBB", amount=7)
    results = stock_sync(sandbox, store)
    assert offered(sandbox, "BULK") == (5000, 999)
    assert sandbox.bolcom.offer_of("FBB")["amount"] == 7  # bol.com manages FBB stock
    assert results["bolcom"].counts.counts["unmapped"] == 2
    assert StockStore(store).history(platform="bolcom")[0]["capped"] is True


def test_open_orders_lower_every_marketplace_and_never_below_zero(sandbox, store):
    setup_catalogue(sandbox, MUG=10, PLATE=1)
    stock_sync(sandbox, store)
    sandbox.bolcom.place_order(items=[bol_item("MUG", 2), bol_item("PLATE", 3)])
    with connectors(sandbox) as (shop, _, bol):
        ctx = sync.SyncContext(store=store, marketplace=bol, webshop=shop,
                               settings=ConnectionSettings(name="bol"))
        sync.import_orders(ctx)  # in the hub, not yet in the webshop
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8) and offered(sandbox, "PLATE") == (0, 0)


def test_an_order_stops_counting_exactly_when_the_webshop_took_its_stock(sandbox, store):
    setup_catalogue(sandbox, MUG=10)
    bol_id = sandbox.bolcom.place_order(items=[bol_item("MUG", 2)])
    with connectors(sandbox) as (shop, _, bol):
        ctx = sync.SyncContext(store=store, marketplace=bol, webshop=shop,
                               settings=ConnectionSettings(name="bol"))
        sync.import_orders(ctx)
        stock_sync(sandbox, store)
        assert offered(sandbox, "MUG") == (8, 8)
        sync.create_in_webshop(ctx)
    assert sandbox.shopify.catalog.stock_of("MUG") == 8
    assert store.find("bolcom", "sandbox", bol_id).webshop_order_id is not None
    results = stock_sync(sandbox, store)
    assert results["bolcom"].counts.counts["changes"] == 0  # counted once, before and after
    assert offered(sandbox, "MUG") == (8, 8)


def test_hub_is_read_before_the_webshop_so_a_race_errs_on_the_safe_side(sandbox, store):
    """An order created in the webshop between the two reads counts twice, never zero."""
    setup_catalogue(sandbox, MUG=10)
    sandbox.bolcom.place_order(items=[bol_item("MUG", 2)])
    with connectors(sandbox) as (shop, amazon, bol):
        ctx = sync.SyncContext(store=store, marketplace=bol, webshop=shop,
                               settings=ConnectionSettings(name="bol"))
        sync.import_orders(ctx)

        class RacingShop:  # the order loop creates the order while the stock sync reads
            platform, account = shop.platform, shop.account

            def read_stock(self):
                sync.create_in_webshop(ctx)
                return shop.read_stock()

        stock_ctx = StockContext(store, FAST, sleep=lambda s: None)
        stock, hub = read_inputs(stock_ctx, RacingShop(), [("bolcom", "sandbox")])
        assert stock.quantities["MUG"] - hub.unimported["MUG"] == 6  # 2 counted twice
        sync_target(stock_ctx, bol, stock, hub)
    assert offered(sandbox, "MUG")[1] == 6
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # the next run corrects it


def test_many_changes_go_to_amazon_as_one_feed_with_refusals_per_sku(sandbox, store):
    skus = sandbox.shopify.catalog.seed(30, quantity=4)
    sandbox.amazon.state.refused_skus.add(skus[3])
    results = stock_sync(sandbox, store)
    counts = results["amazon"].counts.counts
    assert counts["feeds"] == 1 and counts["done"] == 29 and counts["failed"] == 1
    failed = StockStore(store).history(platform="amazon", sku=skus[3])[0]
    assert failed["state"] == "failed" and "cannot be updated" in failed["message"]
    assert failed["method"] == "feed" and failed["request"]
    assert sandbox.amazon.quantity_of(skus[0]) == 4
    sandbox.amazon.state.refused_skus.clear()
    again = stock_sync(sandbox, store)  # the refused one is tried again, the rest not
    assert [row["sku"] for row in again["amazon"].sent] == [skus[3]]
    assert sandbox.amazon.quantity_of(skus[3]) == 4


@pytest.mark.parametrize("after_handling", [True, False])
def test_a_lost_create_feed_answer_neither_double_sends_nor_loses_the_record(
        sandbox, store, after_handling):
    skus = sandbox.shopify.catalog.seed(25, quantity=3)
    with connectors(sandbox) as (shop, amazon, _):
        import httpx

        httpx.post(f"{sandbox.url('amazon')}/_sandbox/faults", json={
            "method": "POST", "path": "^/feeds/2021-06-30/feeds$", "status": 503,
            "after_handling": after_handling}).raise_for_status()
        ctx = StockContext(store, FAST, sleep=lambda s: None)
        stock, hub = read_inputs(ctx, shop, [("amazon", "sandbox")])
        first = sync_target(ctx, amazon, stock, hub).counts.counts
        assert first["uncertain"] == 25
        assert StockStore(store).update_states(AMAZON) == {"sending": 25}
        second = sync_target(StockContext(store, FAST, sleep=lambda s: None),
                             amazon, stock, hub).counts.counts
    assert len(sandbox.amazon.state.feeds) == 1  # one feed reached Amazon, whatever happened
    assert all(sandbox.amazon.quantity_of(sku) == 3 for sku in skus)
    states = StockStore(store).update_states(AMAZON)
    if after_handling:  # the feed existed: found with getFeeds, nothing sent again
        assert second["recovered"] == 1 and states == {"done": 25}
    else:  # it never arrived: recorded as abandoned, and sent once in the next run
        assert second["abandoned"] == 25 and states == {"abandoned": 25, "done": 25}


class Crash(BaseException):
    """The worker dies (not an Exception: nothing catches it on the way out)."""


def test_a_crash_mid_way_through_bolcom_updates_is_recovered_without_resending(sandbox,
                                                                                store):
    setup_catalogue(sandbox, **{f"S{n}": n + 1 for n in range(6)})
    settings = StockSettings(poll_interval=0.0, chunk=4, export_rounds=3)
    with connectors(sandbox) as (shop, _, bol):
        real, calls = bol.set_stock, []

        def dying(offer_id, amount):
            if len(calls) == 2:
                raise Crash
            calls.append(offer_id)
            return real(offer_id, amount)

        bol.set_stock = dying  # type: ignore[method-assign]
        ctx = StockContext(store, settings, sleep=lambda s: None)
        stock, hub = read_inputs(ctx, shop, [("bolcom", "sandbox")])
        with pytest.raises(Crash):
            sync_target(ctx, bol, stock, hub)
        assert StockStore(store).update_states(BOL) == {"sending": 4}
        bol.set_stock = real  # type: ignore[method-assign]
        later = StockContext(store, settings, sleep=lambda s: None,
                             clock=lambda: sync.utcnow() + timedelta(minutes=16))
        result = sync_target(later, bol, stock, hub).counts.counts
    assert result["recovered"] == 4
    processes = [p for p in sandbox.bolcom.state.processes.values()
                 if p.event_type == "UPDATE_OFFER_STOCK"]
    per_offer = {}
    for process in processes:
        per_offer[process.entity_id] = per_offer.get(process.entity_id, 0) + 1
    assert sorted(per_offer.values()) == [1] * 6  # each offer's stock sent exactly once
    assert [offered(sandbox, f"S{n}")[1] for n in range(6)] == [1, 2, 3, 4, 5, 6]
    states = StockStore(store).update_states(BOL)
    assert states == {"done": 6, "abandoned": 2}


def test_overlapping_runs_never_send_to_the_same_target_together(sandbox, store):
    setup_catalogue(sandbox, MUG=10)
    stock_store = StockStore(store)
    assert stock_store.claim_target(BOL, "other-run", sync.utcnow(), timedelta(minutes=15))
    results = stock_sync(sandbox, store)
    assert results["bolcom"].counts.counts == {"busy": 1}
    assert offered(sandbox, "MUG")[1] == 0 and offered(sandbox, "MUG")[0] == 10
    later = stock_sync(sandbox, store, clock=lambda: sync.utcnow() + timedelta(minutes=16))
    assert later["bolcom"].counts.counts["done"] == 1  # the dead run's lease ran out
    assert offered(sandbox, "MUG")[1] == 10


def test_an_unfinished_offers_export_waits_for_the_next_run(sandbox, store):
    setup_catalogue(sandbox, MUG=10)
    slow = StockSettings(poll_interval=0.0, export_rounds=0)
    first = stock_sync(sandbox, store, slow)
    assert first["bolcom"].counts.counts["offers_export_pending"] == 1
    assert offered(sandbox, "MUG")[1] == 0
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG")[1] == 10


def test_pending_orders_in_the_hub_count_until_cancelled(sandbox, store):
    setup_catalogue(sandbox, MUG=10)
    ctx_settings = ConnectionSettings(name="amz", pending_orders="import")
    order_id = sandbox.amazon.place_order([{"sku": "MUG", "quantity": 3}], pending=True)
    with connectors(sandbox) as (shop, amazon, _):
        ctx = sync.SyncContext(store=store, marketplace=amazon, webshop=shop,
                               settings=ctx_settings)
        sync.import_orders(ctx)
        assert store.find("amazon", "sandbox", order_id).status == OrderStatus.PENDING
        stock_sync(sandbox, store)
        assert offered(sandbox, "MUG") == (7, 7)
        sandbox.amazon.fraud_cancel(order_id)
        sync.import_orders(ctx)
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (10, 10)
