"""PRODUCT.md section 3 against the served Cartum twin: delivered orders left out of the
backfill, the hub's status follows Cartum's, delivery details as comments (a new one only when
they change), products by article, the currency checked per order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ordersync.connectors.cartum import CartumConnector
from ordersync.connectors.cartum import fields as f
from ordersync.sandbox.cartum import CartumTwin
from ordersync.sandbox.common import ServedApp
from ordersync.shop_import.plan import CurrencyMismatch
from ordersync.shop_import.steps import ShopImportContext, import_changed_orders, write_off
from ordersync.store.shop_tables import ProductRow
from tests.shop_import.helpers import context, run_backfill
from tests.shop_import.test_woocommerce_rules import START, TwinClock


@pytest.fixture(scope="module")
def clock() -> TwinClock:
    return TwinClock()


@pytest.fixture(scope="module")
def twin(clock) -> CartumTwin:
    return CartumTwin("api", "pw", clock=clock)


@pytest.fixture(scope="module")
def served(twin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture
def cartum(twin, served, clock, shop_store):
    twin.reset()
    clock.now = START
    connector = CartumConnector(domain="shop.example.ua", login="api", password="pw",
                                base_url=served.url)
    yield context(shop_store, connector, clock.hub, hub_currency="UAH")
    connector.close()


def comments(ctx: ShopImportContext, external_id: str) -> list[str]:
    record = ctx.repo.find("cartum", None, external_id)
    return [e["message"] for e in ctx.repo.events(record.id) if e["kind"] == "comment"]


def test_delivered_orders_are_left_out_of_the_backfill(cartum, twin):
    for status in (f.NEW, f.IN_PROCESS, f.DELIVERED, f.NOT_DELIVERED, f.DELIVERING):
        twin.place_order(status=status)
    state = run_backfill(cartum)
    assert state.counts["imported"] == 4 and state.counts["skipped:finished status"] == 1


def test_status_is_synced_from_cartum(cartum, twin, clock):
    placed = twin.place_order(status=f.NEW)
    import_changed_orders(cartum)
    oid = str(placed[f.ORDER_ID])
    assert cartum.repo.find("cartum", None, oid).status == "new"
    clock.advance(minutes=5)
    twin.set_status(placed[f.ORDER_ID], f.DELIVERING)
    import_changed_orders(cartum)
    assert cartum.repo.find("cartum", None, oid).status == "delivering"
    write_off(cartum, oid)
    clock.advance(minutes=5)
    twin.set_status(placed[f.ORDER_ID], f.DELIVERED)
    import_changed_orders(cartum)  # written off: Cartum no longer changes it
    assert cartum.repo.find("cartum", None, oid).status == "written_off"


def test_delivery_details_comment_and_a_new_one_when_they_change(cartum, twin, clock):
    placed = twin.place_order(delivery="Nova Poshta", delivery_price=60)
    oid = str(placed[f.ORDER_ID])
    import_changed_orders(cartum)
    clock.advance(minutes=5)
    import_changed_orders(cartum)  # nothing changed: no new comment
    assert comments(cartum, oid) == [
        "Delivery details - carrier: Nova Poshta; delivery cost: 60.00 UAH; "
        "recipient: Olena Kovalenko, Branch 12, Kyiv"]
    with twin.lock:  # the merchant edits the delivery in the back office
        twin.orders[placed[f.ORDER_ID]][f.ADDRESS] = "Branch 40"
        twin.orders[placed[f.ORDER_ID]][f.DELIVERY_TYPE] = {"id": 2, "title": "Ukrposhta"}
    clock.advance(minutes=5)
    import_changed_orders(cartum)
    found = comments(cartum, oid)
    assert len(found) == 2 and "Ukrposhta" in found[1] and "Branch 40" in found[1]


def test_products_by_article_without_a_code(cartum, twin):
    twin.add_product("ART-1", "Mug", description="A big mug", category="Kitchen / Mugs")
    twin.place_order()
    twin.place_order(name="Petro Ivanenko", phone="+380671112233", email="petro@example.ua")
    run_backfill(cartum)
    with cartum.store.session() as s:
        [product] = s.scalars(select(ProductRow)).all()
    assert (product.sku, product.code, product.unit) == ("ART-1", None, "piece")
    assert cartum.repo.totals()["contacts"] == 2


def test_an_order_in_another_currency_stops_the_import(cartum, twin):
    twin.place_order(currency="EUR")
    with pytest.raises(CurrencyMismatch, match="sells in EUR but the hub's currency is UAH"):
        run_backfill(cartum)
    assert cartum.repo.totals()["orders"] == 0


def test_identify_products_by_id_is_refused_for_cartum(shop_store, served):
    connector = CartumConnector(domain="shop.example.ua", login="api", password="pw",
                                base_url=served.url)
    with pytest.raises(ValueError, match="not possible for cartum"):
        context(shop_store, connector, identify_by="id", hub_currency="UAH")
