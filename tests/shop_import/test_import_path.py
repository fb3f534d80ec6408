"""The import path and the store on both backends, with a source at the protocol boundary:
idempotence, resumption, matching, customers, delivery comments, write-off intents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from ordersync.orders import ErrorReason, Quarantined
from ordersync.orders.shop import ShopLine, ShopProduct, ShopShipping
from ordersync.shop_import.plan import CurrencyMismatch
from ordersync.shop_import.steps import (
    apply_page,
    backfill_pages,
    import_changed_orders,
    push_write_offs,
    start_backfill,
    write_off,
)
from ordersync.store.shop_tables import CategoryRow, ContactRow, ProductRow
from tests.shop_import.fakes import Crash, FakeSource, customer, order
from tests.shop_import.helpers import Clock, context, run_backfill


@pytest.fixture
def source():
    src = FakeSource()
    src.catalog = {str(500 + i): ShopProduct(id=str(500 + i), sku=f"SKU-{i}", name=f"Mug {i}",
                                             description=f"A mug ({i})",
                                             category=("Kitchen", "Mugs"))
                   for i in range(3)}
    return src


def test_backfill_twice_creates_nothing_twice(shop_store, source):
    source.add(*(order(i) for i in range(20)))
    ctx = context(shop_store, source)
    first = run_backfill(ctx)
    totals = ctx.repo.totals()
    second = run_backfill(ctx)
    assert first.counts["imported"] == 20 and second.counts.get("imported", 0) == 0
    assert ctx.repo.totals() == totals
    assert totals["orders"] == 20 and totals["products"] == 3 and totals["contacts"] == 5


def test_backfill_and_ongoing_import_together_create_nothing_twice(shop_store, source):
    source.add(*(order(i) for i in range(12)))
    ctx = context(shop_store, source)
    state = start_backfill(ctx)
    state = backfill_pages(ctx, state, 2)  # half-way...
    import_changed_orders(ctx)  # ...the 5-minute sync imports everything it sees
    while not state.done:
        state = backfill_pages(ctx, state, 100)
    assert ctx.repo.totals()["orders"] == 12 and ctx.repo.totals()["lines"] == 12


def test_crashed_backfill_resumes_from_its_last_committed_page(shop_store, source):
    source.add(*(order(i) for i in range(15)))
    source.crash_after_pages = 2
    ctx = context(shop_store, source)
    state = start_backfill(ctx)
    with pytest.raises(Crash):
        backfill_pages(ctx, state, 100)
    committed = ctx.repo.backfill("test-shop", state.key)
    assert committed.pages == 2 and committed.cursor == "6" and not committed.done
    source.crash_after_pages = None
    resumed = run_backfill(context(shop_store, source))  # a new run, same parameters
    assert resumed.counts["imported"] == 15 and resumed.pages == 5
    assert ctx.repo.totals()["orders"] == 15


def test_finished_statuses_are_left_out_of_the_backfill(shop_store, source):
    source.add(order(1), order(2, status="fulfilled"), order(3, status="cancelled"),
               order(4, status="refunded"), order(5, status="partial"))
    state = run_backfill(context(shop_store, source))
    assert state.counts["imported"] == 2 and state.counts["skipped:finished status"] == 3


def test_window_since_until(shop_store, source):
    source.add(*(order(i) for i in range(10)))
    since, until = order(3).created_at, order(7).created_at
    state = run_backfill(context(shop_store, source), since=since, until=until)
    assert state.counts["imported"] == 4


def test_currency_mismatch_imports_nothing(shop_store, source):
    source.add(order(1), order(2))
    source.currency = "USD"
    ctx = context(shop_store, source)
    with pytest.raises(CurrencyMismatch, match="sells in USD but the hub's currency is EUR"):
        run_backfill(ctx)
    source.currency = None  # a shop that only tells per order (Cartum)
    source.add(order(3, currency="USD"))
    with pytest.raises(CurrencyMismatch):
        run_backfill(ctx)
    assert ctx.repo.totals()["orders"] == 0


@pytest.mark.parametrize(("identify_by", "products"), [("sku", 2), ("name", 1), ("id", 3)])
def test_products_matched_by_the_setting_never_duplicated(shop_store, identify_by, products):
    source = FakeSource()
    lines = [ShopLine("1", "A", "Mug", 1, Decimal("5"), "l1"),
             ShopLine("2", "A", "mug ", 1, Decimal("5"), "l2"),  # same SKU, other id
             ShopLine("3", "B", "Mug", 1, Decimal("5"), "l3")]  # same name
    source.add(*(order(i, lines=(line,)) for i, line in enumerate(lines)))
    ctx = context(shop_store, source, identify_by=identify_by)
    run_backfill(ctx)
    run_backfill(ctx)
    assert ctx.repo.totals()["products"] == products


def test_product_fields_unit_and_categories(shop_store, source):
    source.add(order(0), order(3))  # both SKU-0 (product 500)
    source.catalog["501"] = ShopProduct("501", "SKU-1", "Mug 1", None, ("Kitchen", "Cups"))
    source.add(order(1))
    ctx = context(shop_store, source)
    run_backfill(ctx)
    with shop_store.session() as s:
        products = {p.sku: p for p in s.scalars(select(ProductRow))}
        cats = {c.key: c for c in s.scalars(select(CategoryRow))}
    assert (products["SKU-0"].code, products["SKU-0"].unit) == ("500", "piece")
    assert products["SKU-0"].description == "A mug (0)"
    assert set(cats) == {"kitchen", "kitchen/mugs", "kitchen/cups"}  # "Kitchen" reused
    assert cats["kitchen/mugs"].parent_id == cats["kitchen"].id
    assert products["SKU-1"].category_id == cats["kitchen/cups"].id


def test_only_unknown_products_are_looked_up(shop_store, source):
    source.page_size = 2
    source.add(*(order(i) for i in range(10)))  # three products over five pages
    run_backfill(context(shop_store, source))
    assert sorted(i for req in source.product_requests for i in req) == ["500", "501", "502"]


def test_customers_deduplicated_by_phone_then_email(shop_store):
    source = FakeSource()
    source.add(order(1, cust=customer(1, phone="+31 6 1111 1111", email="a@x.nl")),
               order(2, cust=customer(2, phone="0031611111111", email="other@x.nl")),  # phone
               order(3, cust=customer(3, phone=None, email=" A@X.nl")),  # e-mail
               order(4, cust=customer(4, phone="+31622222222", email="b@x.nl")))
    ctx = context(shop_store, source)
    state = run_backfill(ctx)
    assert ctx.repo.totals()["contacts"] == 2
    assert state.counts["customers:created"] == 2
    orders = {o.external_id: o.contact_id for o in ctx.repo.list_orders()}
    assert orders["1"] == orders["2"] == orders["3"] != orders["4"]


def test_shopify_customer_address_and_not_specified(shop_store):
    from ordersync.orders import Address

    source = FakeSource()
    addr = Address(street="Kade 1", city="Gouda", country="NL")
    source.add(order(1, cust=customer(1, address=addr)), order(2, cust=None),
               order(3, cust=None))
    ctx = context(shop_store, source)
    run_backfill(ctx)
    with shop_store.session() as s:
        contacts = list(s.scalars(select(ContactRow).order_by(ContactRow.id)))
    assert [c.special for c in contacts] == [None, "not_specified"]
    assert contacts[0].address["city"] == "Gouda"
    assert contacts[1].first_name == "not specified"


def test_woocommerce_orders_failing_the_rules_are_recorded_not_imported(shop_store):
    source = FakeSource(platform="woocommerce",
                        finished_statuses=frozenset({"completed", "cancelled", "refunded",
                                                     "failed", "trash"}))
    source.add(order(1, status="processing"), order(2, status="processing", lines=()),
               order(3, status="processing", cust=None),
               order(4, status="processing", cust=customer(4, phone=None, email=None)))
    source.rejected = (Quarantined("99", ErrorReason.VALIDATION, "bad payload", {"id": 99}),)
    ctx = context(shop_store, source)
    state = run_backfill(ctx)
    run_backfill(ctx)
    assert state.counts["imported"] == 1
    assert {r["external_id"]: (r["kind"], r["reason"]) for r in ctx.repo.skips()} == {
        "2": ("skipped", "no products"), "3": ("skipped", "no customer"),
        "4": ("skipped", "customer without e-mail and phone"), "99": ("rejected", "validation")}
    assert {r["seen"] for r in ctx.repo.skips()} == {2}  # seen again, recorded once


def test_delivery_comment_added_again_only_when_it_changes(shop_store, source):
    clock = Clock()
    source.add(order(1))
    ctx = context(shop_store, source, clock)
    import_changed_orders(ctx)
    clock.advance(hours=2)
    source.change("1", total=Decimal("20.00"))  # not a delivery change
    import_changed_orders(ctx)
    clock.advance(hours=2)
    source.change("1", shipping=(ShopShipping("DHL", Decimal("6.95")),))
    import_changed_orders(ctx)
    comments = [e["message"] for e in ctx.repo.events(ctx.repo.find("shopify", "fake", "1").id)
                if e["kind"] == "comment"]
    assert len(comments) == 2 and "DHL" in comments[1] and "6.95 EUR" in comments[1]


def test_quantity_synced_until_written_off(shop_store, source):
    clock = Clock()
    source.add(order(1))
    ctx = context(shop_store, source, clock)
    import_changed_orders(ctx)
    line = source.orders["1"].lines[0]
    for qty in (5, 9):
        clock.advance(hours=2)
        source.change("1", lines=(ShopLine(line.product_id, line.sku, line.name, qty,
                                           line.price, line.line_id),))
        import_changed_orders(ctx)
        if qty == 5:
            assert ctx.repo.find("shopify", "fake", "1").lines[0].quantity == 5
            write_off(ctx, "#1001")
    record = ctx.repo.find("shopify", "fake", "1")
    assert record.lines[0].quantity == 5 and record.written_off_at is not None


def test_shopify_status_comes_from_the_order_type_and_is_not_synced(shop_store, source):
    clock = Clock()
    source.add(order(1, status="open"))
    ctx = context(shop_store, source, clock, initial_status="in_progress")
    import_changed_orders(ctx)
    clock.advance(hours=2)
    source.change("1", status="fulfilled")
    import_changed_orders(ctx)
    record = ctx.repo.find("shopify", "fake", "1")
    assert record.status == "in_progress" and record.platform_status == "fulfilled"


def test_write_off_sends_the_platform_status_exactly_once(shop_store):
    source = FakeSource(platform="woocommerce")
    source.add(order(1, status="processing"))
    ctx = context(shop_store, source)
    run_backfill(ctx)
    record, counts = write_off(ctx, "1")
    again, counts2 = write_off(ctx, "#1001")
    push_write_offs(ctx)
    assert source.statuses_set == [("1", "completed")]
    assert counts["status sent"] == 1 and counts2["already written off"] == 1
    assert record.status == "written_off"
    assert ctx.repo.write_states("status:completed") == {"done": 1}


def test_uncertain_write_off_is_reconciled_not_repeated(shop_store):
    from datetime import timedelta

    clock = Clock()
    source = FakeSource(platform="woocommerce")
    source.add(order(1, status="processing"))
    ctx = context(shop_store, source, clock)
    run_backfill(ctx)
    record = ctx.repo.find("woocommerce", "fake", "1")
    ctx.repo.write_off(record.id, now=clock(), action="status:completed")
    # a run claimed the intent, set the status, and died before recording it
    claimed = ctx.repo.claim_writes("status:completed", "woocommerce", "fake", owner="dead",
                                    now=clock(), lease=timedelta(minutes=15))
    assert claimed and push_write_offs(ctx) == {}  # held by the dead run's lease
    source.set_status("1", "completed")
    clock.advance(minutes=16)
    assert push_write_offs(ctx) == {"reconciled": 1}
    assert source.statuses_set == [("1", "completed")]


def test_a_page_applied_twice_in_a_row(shop_store, source):
    from ordersync.connectors.base import ShopOrderPage

    source.add(*(order(i) for i in range(4)))
    ctx = context(shop_store, source)
    page = ShopOrderPage(tuple(source.orders.values()), None)
    first, second = apply_page(ctx, page), apply_page(ctx, page)
    assert first["imported"] == 4 and second["unchanged"] == 4
    assert ctx.repo.totals()["events"] == 8  # import + delivery comment each, once


def test_concurrent_runs_on_the_same_orders_create_nothing_twice(shop_store, source):
    """A backfill and the 5-minute sync applying overlapping pages at the same moment."""
    import threading

    source.page_size = 5
    source.add(*(order(i, cust=customer(i % 4)) for i in range(40)))
    errors: list[BaseException] = []

    def run(kind: str) -> None:
        try:
            ctx = context(shop_store, source)
            if kind == "backfill":
                run_backfill(ctx)
            else:
                import_changed_orders(ctx)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,))
               for k in ("backfill", "sync", "backfill", "sync")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    totals = context(shop_store, source).repo.totals()
    assert (totals["orders"], totals["lines"], totals["products"], totals["contacts"]) == (
        40, 40, 3, 4)
