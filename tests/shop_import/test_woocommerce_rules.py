"""PRODUCT.md section 3 against the served WooCommerce twin (real HTTP): the backfill's
finished statuses, the three skip rules, categories, SKU/code, contacts by phone or e-mail,
no delivery comments, quantity sync until write-off, `completed` sent once, currency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.woocommerce import WooCommerceTwin
from ordersync.shop_import.plan import CurrencyMismatch
from ordersync.shop_import.steps import import_changed_orders, write_off
from ordersync.store.shop_tables import CategoryRow, ProductRow
from tests.shop_import.helpers import context, run_backfill

KEY, SECRET = "ck_import", "cs_import"
START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class TwinClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:  # the twin's epoch seconds
        return self.now.timestamp()

    def hub(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(scope="module")
def clock() -> TwinClock:
    return TwinClock()


@pytest.fixture(scope="module")
def twin(clock) -> WooCommerceTwin:
    return WooCommerceTwin({KEY: SECRET}, clock=clock)


@pytest.fixture(scope="module")
def served(twin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture
def woo(twin, served, clock, shop_store):
    twin.reset()
    twin.set_currency("EUR")
    clock.now = START
    connector = WooCommerceConnector(url=served.url, consumer_key=KEY, consumer_secret=SECRET,
                                     sleep=lambda s: None, clock=clock)
    yield context(shop_store, connector, clock.hub)
    connector.close()


@pytest.fixture
def tee(twin):
    clothing = twin.add_category("Clothing")
    shirts = twin.add_category("T-shirts", clothing["id"])
    sale = twin.add_category("Sale")
    # categories on different levels -> the more general one (Clothing before Sale? same
    # level: alphabetical) - see pick_category; here: Clothing > T-shirts is one chain
    return twin.add_product("Tee", "TEE-1", "12.50",
                            categories=(clothing["id"], shirts["id"])), sale


def shopper(product_ids, status="processing", **kw) -> dict:
    body = {
        "status": status,
        "line_items": [{"product_id": pid, "quantity": 2} for pid in product_ids],
        "billing": {"first_name": "Jan", "last_name": "Smit", "email": "jan@example.nl",
                    "phone": "+31 6 0000 0001", "address_1": "Dorpsweg 3", "city": "Utrecht",
                    "postcode": "3511 AB", "country": "NL"},
        "shipping": {"first_name": "Jan", "last_name": "Smit", "address_1": "Dorpsweg 3",
                     "city": "Utrecht", "postcode": "3511 AB", "country": "NL"},
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "PostNL",
                            "total": "4.95"}],
    }
    body.update(kw)
    return body


def test_backfill_leaves_out_finished_statuses(woo, twin, tee):
    product, _ = tee
    for status in ("pending", "processing", "on-hold", "completed", "cancelled", "refunded",
                   "failed", "trash"):
        twin.place_order(shopper([product["id"]], status=status))
    state = run_backfill(woo)
    assert state.counts["imported"] == 3
    assert state.counts["skipped:finished status"] == 5
    assert sorted(o.platform_status for o in woo.repo.list_orders()) == [
        "on-hold", "pending", "processing"]


def test_backfill_window_is_two_months(woo, twin, tee, clock):
    product, _ = tee
    twin.place_order(shopper([product["id"]]), created=START - timedelta(days=61))
    twin.place_order(shopper([product["id"]]), created=START - timedelta(days=59))
    assert run_backfill(woo).counts["imported"] == 1


def test_orders_without_products_customer_or_contact_are_not_imported(woo, twin, tee):
    product, _ = tee
    good = twin.place_order(shopper([product["id"]]))
    no_lines = twin.place_order(shopper([], line_items=[]))
    no_customer = twin.place_order(shopper([product["id"]], billing={}, shipping={}))
    no_contact = twin.place_order(shopper([product["id"]], billing={
        "first_name": "Piet", "last_name": "Bos", "email": "", "phone": ""},
        shipping={"first_name": "Piet", "phone": ""}))
    state = run_backfill(woo)
    assert state.counts["imported"] == 1
    assert [o.external_id for o in woo.repo.list_orders()] == [str(good["id"])]
    assert {s["external_id"]: s["reason"] for s in woo.repo.skips()} == {
        str(no_lines["id"]): "no products", str(no_customer["id"]): "no customer",
        str(no_contact["id"]): "customer without e-mail and phone"}


def test_products_sku_code_piece_and_deepest_category_of_one_chain(woo, twin, tee):
    product, sale = tee
    other = twin.add_product("Cap", "CAP-1", "5.00", categories=(sale["id"],))
    twin.place_order(shopper([product["id"], other["id"]]))
    twin.place_order(shopper([product["id"]]))
    run_backfill(woo)
    with woo.store.session() as s:
        rows = {p.sku: p for p in s.scalars(select(ProductRow))}
        cats = {c.id: c for c in s.scalars(select(CategoryRow))}
    assert set(rows) == {"TEE-1", "CAP-1"}  # the tee of both orders: one product
    tee_row = rows["TEE-1"]
    assert (tee_row.code, tee_row.unit, tee_row.name) == (str(product["id"]), "piece", "Tee")
    assert cats[tee_row.category_id].name == "T-shirts"
    assert cats[cats[tee_row.category_id].parent_id].name == "Clothing"
    assert cats[rows["CAP-1"].category_id].name == "Sale"


def test_categories_on_different_levels_take_the_more_general(woo, twin):
    a = twin.add_category("Accessories")
    bags = twin.add_category("Bags", a["id"])
    b = twin.add_category("Brands")
    p = twin.add_product("Tote", "TOTE", "9.00", categories=(bags["id"], b["id"]))
    twin.place_order(shopper([p["id"]]))
    run_backfill(woo)
    with woo.store.session() as s:
        product = s.scalars(select(ProductRow)).one()
        assert s.get(CategoryRow, product.category_id).name == "Brands"


def test_contacts_by_phone_from_shipping_or_billing_then_email(woo, twin, tee):
    product, _ = tee
    twin.place_order(shopper([product["id"]]))
    twin.place_order(shopper([product["id"]], billing={  # same phone, other e-mail
        "first_name": "Jan", "email": "jan.smit@work.nl", "phone": "0031600000001"}))
    twin.place_order(shopper([product["id"]], billing={  # e-mail only, other case
        "first_name": "Jan", "email": "JAN@example.nl", "phone": ""}))
    twin.place_order(shopper([product["id"]], billing={"first_name": "Els", "email": "",
                                                        "phone": ""},
                             shipping={"first_name": "Els", "phone": "+31 6 9999 9999"}))
    state = run_backfill(woo)
    assert state.counts["imported"] == 4
    assert woo.repo.totals()["contacts"] == 2


def test_no_delivery_comment_for_woocommerce(woo, twin, tee):
    product, _ = tee
    twin.place_order(shopper([product["id"]]))
    run_backfill(woo)
    [order] = woo.repo.list_orders()
    assert [e["kind"] for e in woo.repo.events(order.id)] == ["imported"]


def test_quantity_synced_until_written_off_then_completed_once(woo, twin, tee, clock):
    product, _ = tee
    placed = twin.place_order(shopper([product["id"]]))
    line_id = placed["line_items"][0]["id"]
    import_changed_orders(woo)
    clock.advance(minutes=5)
    twin.set_quantity(placed["id"], line_id, 3)
    import_changed_orders(woo)
    assert woo.repo.find("woocommerce", None, str(placed["id"])).lines[0].quantity == 3
    assert twin.get(placed["id"])["status"] == "processing"  # not before the write-off
    record, counts = write_off(woo, str(placed["id"]))
    assert counts["status sent"] == 1 and twin.get(placed["id"])["status"] == "completed"
    clock.advance(minutes=5)
    twin.set_quantity(placed["id"], line_id, 7)
    import_changed_orders(woo)
    _, again = write_off(woo, str(placed["id"]))
    assert again["already written off"] == 1 and "status sent" not in again
    record = woo.repo.find("woocommerce", None, str(placed["id"]))
    assert record.lines[0].quantity == 3 and record.status == "written_off"
    notes = [n["note"] for n in twin.store.notes.get(placed["id"], [])]
    assert sum("to Completed" in n for n in notes) == 1


def test_currency_mismatch_is_refused_with_nothing_imported(woo, twin, tee):
    product, _ = tee
    twin.place_order(shopper([product["id"]]))
    twin.set_currency("USD")
    with pytest.raises(CurrencyMismatch, match="woocommerce shop .* sells in USD but the "
                                                "hub's currency is EUR: nothing was imported"):
        run_backfill(woo)
    with pytest.raises(CurrencyMismatch):
        import_changed_orders(woo)
    assert woo.repo.totals()["orders"] == 0
