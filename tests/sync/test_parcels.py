"""Partial shipments and several parcels on every marketplace x webshop pair, over the served
twins: each parcel its own marketplace shipment with its own lines and code, ``partial`` until
every line is decided, a line cancelled and the rest shipped ending right on both sides. The
webshop side is driven through its ``ShopMerchant``; webshops that ship whole orders only skip
the per-line cases with their registry row's reason."""

# ruff: noqa: F811  (the matrix's fixtures are imported, and used as arguments)

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from ordersync.order_loop.actions import ship
from ordersync.orders import OrderStatus
from ordersync.store.parcels import ParcelStore
from tests.sync.test_exactly_once import Crash
from tests.sync.test_order_loop import cycle
from tests.sync.test_parcels_exactly_once import crash_when_parcel_written
from tests.sync.test_platform_matrix import SKUS, Pair, matrix_stack, pair  # noqa: F401

S = OrderStatus
POSTNL_1, POSTNL_2 = "3SABCD1234567", "3SABCD7654321"


def per_line_only(pair: Pair) -> None:
    if pair.stack.row.per_line is not None:
        pytest.skip(pair.stack.row.per_line)


def marketplace_line(pair: Pair, order_id: str, sku: str, store) -> str:
    record = store.find(pair.marketplace, "sandbox", order_id)
    return next(line.line_id for line in record.lines if line.sku == sku)


def shipped(pair: Pair, order_id: str) -> Counter:
    """(line id, code) -> units the marketplace shows shipped."""
    found: Counter = Counter()
    rows = (pair.stack.amazon.shipments_of(order_id) if pair.marketplace == "amazon"
            else pair.stack.bolcom.shipments_of(order_id))
    for row in rows:
        code = row.get("trackingNumber") if pair.marketplace == "amazon" else row["trackAndTrace"]
        found[(row["orderItemId"], code)] += row["quantity"]
    return found


def shipments(pair: Pair, order_id: str) -> int:
    """How many shipments (bol.com) / packages (Amazon) the marketplace holds."""
    if pair.marketplace == "amazon":
        return len({r["packageReferenceId"] for r in pair.stack.amazon.shipments_of(order_id)})
    return len({r["shipmentId"] for r in pair.stack.bolcom.shipments_of(order_id)})


def test_two_parcels_become_two_shipments_with_their_lines_and_codes(pair, store):
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    mug, plate = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    merchant, shop_id = pair.stack.merchant, pair.shop_id(order_id)
    if pair.stack.row.per_line is None:
        merchant.ship(shop_id, POSTNL_1, "PostNL", lines={mug: 2})
        merchant.ship(shop_id, POSTNL_2, "PostNL", lines={plate: 1})
    elif pair.stack.shop_platform == "woocommerce":
        pair.stack.woocommerce.ship_parcels(shop_id, [POSTNL_1, POSTNL_2])
    elif pair.stack.shop_platform == "ccvshop":  # two codes in the order's one field
        merchant.ship(shop_id, POSTNL_1, "PostNL")
        merchant.add_tracking(shop_id, POSTNL_2, "PostNL")
    else:
        pytest.skip(pair.stack.row.per_line)
    counts = cycle(ctx).counts
    cycle(ctx)

    record = store.find(pair.marketplace, "sandbox", order_id)
    assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None
    if pair.stack.row.per_line is None:
        assert counts["parcels"] == 2 and counts["pushed"] == 2
        assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2, (plate, POSTNL_2): 1})
        assert shipments(pair, order_id) == 2
    else:  # each tracking item is the whole order: the first ships every line
        assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2, (plate, POSTNL_1): 1})
        assert shipments(pair, order_id) == 1
        kinds = {p.parcel_id: p.state for p in ParcelStore(store).of_order(record.id)}
        assert sorted(kinds.values()) == ["done", "skipped"]


def test_partial_fulfilment_is_partial_and_sends_exactly_those_lines(pair, store):
    per_line_only(pair)
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=3)
    cycle(ctx)
    mug, plate = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    merchant, shop_id = pair.stack.merchant, pair.shop_id(order_id)
    merchant.ship(shop_id, POSTNL_1, "PostNL", lines={mug: 1})

    counts = cycle(ctx).counts
    cycle(ctx)

    assert counts["partial"] == 1 and counts["pushed"] == 1
    record = store.find(pair.marketplace, "sandbox", order_id)
    assert record.status == S.PARTIAL and record.marketplace_confirmed_at is None
    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 1})

    merchant.ship(shop_id, POSTNL_2, "PostNL")  # the rest, in a second parcel
    counts = cycle(ctx).counts
    cycle(ctx)

    assert counts["shipped"] == 1 and counts["pushed"] == 1
    record = store.find(pair.marketplace, "sandbox", order_id)
    assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None
    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 1, (mug, POSTNL_2): 2,
                                               (plate, POSTNL_2): 1})
    expected = "TNT" if pair.marketplace == "bolcom" else "PostNL"
    rows = (pair.stack.amazon.shipments_of(order_id) if pair.marketplace == "amazon"
            else pair.stack.bolcom.shipments_of(order_id))
    assert {r.get("carrierCode") or r.get("transporterCode") for r in rows} == {expected}


def test_line_cancelled_and_the_rest_shipped_ends_right_on_both_sides(pair, store):
    per_line_only(pair)
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    mug, plate = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    merchant, shop_id = pair.stack.merchant, pair.shop_id(order_id)
    merchant.cancel(shop_id, {plate: 1})
    merchant.ship(shop_id, POSTNL_1, "PostNL")

    counts = cycle(ctx).counts
    cycle(ctx)

    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2})
    record = store.find(pair.marketplace, "sandbox", order_id)
    if pair.marketplace == "bolcom":
        assert counts["lines_cancelled"] == 1
        items = {i["orderItemId"]: i for i in pair.stack.bolcom.stored_order(order_id)[
            "orderItems"]}
        assert items[plate]["quantityCancelled"] == 1 and items[plate]["quantityShipped"] == 0
        assert items[mug]["quantityShipped"] == 2
        assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None
    else:  # Orders v0 has no seller cancellation: the merchant cancels the line there
        assert pair.stack.amazon.status_of(order_id) == "PartiallyShipped"
        assert record.status == S.MANUAL
        assert any("Seller Central" in e["message"] for e in store.events(record.id))


def test_parcel_without_code_waits_then_ships_without_tracking(pair, store):
    per_line_only(pair)
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    mug, plate = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    merchant, shop_id = pair.stack.merchant, pair.shop_id(order_id)
    merchant.ship(shop_id, None, None, lines={plate: 1})  # no code
    merchant.ship(shop_id, POSTNL_1, "PostNL")

    counts = cycle(ctx).counts
    assert counts["waiting"] == 1 and counts["pushed"] == 1
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.WAITING
    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2})

    later = pair.stack.context(store, marketplace=pair.marketplace, clock=lambda: ctx.clock()
                               + ctx.settings.tracking_wait + timedelta(seconds=1))
    counts = cycle(later).counts
    cycle(later)

    assert counts["shipped_without_tracking"] == 1
    record = store.find(pair.marketplace, "sandbox", order_id)
    assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None
    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2, (plate, None): 1})


def test_a_partial_order_shipped_by_the_merchants_action_sends_the_rest(pair, store):
    per_line_only(pair)
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    mug, plate = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    pair.stack.merchant.ship(pair.shop_id(order_id), POSTNL_1, "PostNL", lines={mug: 2})
    cycle(ctx)
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.PARTIAL

    ship(ctx, order_id, POSTNL_2)  # the merchant ships the plate outside the shop
    cycle(ctx)

    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2, (plate, POSTNL_2): 1})
    record = store.find(pair.marketplace, "sandbox", order_id)
    assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None


def test_a_code_added_later_to_a_waiting_parcel_ships_it_with_that_code(pair, store):
    per_line_only(pair)
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    mug, plate = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    merchant, shop_id = pair.stack.merchant, pair.shop_id(order_id)
    merchant.ship(shop_id, POSTNL_1, "PostNL", lines={mug: 2})
    merchant.ship(shop_id, None, None, lines={plate: 1})  # the last parcel, without a code
    cycle(ctx)
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.WAITING

    merchant.add_tracking(shop_id, POSTNL_2, "PostNL")  # to the parcel without one
    counts = cycle(ctx).counts
    cycle(ctx)

    assert counts["shipped"] == 1 and counts["pushed"] == 1
    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 2, (plate, POSTNL_2): 1})
    expected = "TNT" if pair.marketplace == "bolcom" else "PostNL"
    rows = (pair.stack.amazon.shipments_of(order_id) if pair.marketplace == "amazon"
            else pair.stack.bolcom.shipments_of(order_id))
    assert {r.get("carrierCode") or r.get("transporterCode") for r in rows} == {expected}
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.SHIPPED


def test_a_crash_after_a_parcel_write_never_ships_it_twice(pair, store, monkeypatch):
    per_line_only(pair)
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    mug, _ = (marketplace_line(pair, order_id, sku, store) for sku in SKUS)
    pair.stack.merchant.ship(pair.shop_id(order_id), POSTNL_1, "PostNL", lines={mug: 1})
    crash_when_parcel_written(monkeypatch)
    with pytest.raises(Crash):
        cycle(ctx)
    later = pair.stack.context(store, marketplace=pair.marketplace, clock=lambda: ctx.clock()
                               + ctx.settings.lease + timedelta(seconds=1))
    counts: Counter = Counter()
    for _ in range(3):
        counts.update(cycle(later).counts)

    assert counts["reconciled"] == 1 and "pushed" not in counts, counts
    assert shipped(pair, order_id) == Counter({(mug, POSTNL_1): 1})
    assert shipments(pair, order_id) == 1
