"""The check mode on orders shipped in several parcels or partially: each parcel's lines and
code must reach the marketplace, no more; both cases count for coverage."""

from __future__ import annotations

from ordersync import demo_check as dc
from ordersync.demo_traffic import Traffic, _split
from ordersync.sandbox.stack import SandboxStack
from tests.demo.test_demo_check import bol_order, kinds, verdict, world  # noqa: F401

CODE_1, CODE_2 = "3SABCD1234567", "3SABCD7654321"


def in_shop_with_lines(sandbox, bol: str) -> tuple[int, dict[str, int]]:
    """The hub's Shopify order of a bol.com order: its lines carry the marketplace item ids;
    returns the order id and marketplace item -> Shopify line item id."""
    items = [i["orderItemId"] for i in sandbox.bolcom.state.orders[bol]["orderItems"]]
    order = sandbox.shopify.create_order({"order": {
        "line_items": [{"title": "Item", "price": "9.50", "quantity": 1, "properties": [
            {"name": "_marketplace_line_id", "value": item}]} for item in items],
        "source_name": "ordersync-bolcom", "source_identifier": f"bolcom:{bol}"}})
    return order["id"], dict(zip(items, (li["id"] for li in order["line_items"]),
                                 strict=True))


def bol_ship(sandbox, item: str, code: str) -> None:
    state = sandbox.bolcom.state
    state.poll(state.ship([{"orderItemId": item, "quantity": 1}],
                          {"transporterCode": "TNT", "trackAndTrace": code}, None).id)


def test_two_parcels_confirmed_with_their_own_codes_pass(world):  # noqa: F811
    sandbox, ledger = world
    bol = bol_order(sandbox, lines=2)
    shop_id, lines = in_shop_with_lines(sandbox, bol)
    (first, first_line), (second, second_line) = lines.items()
    sandbox.shopify.fulfill(shop_id, {first_line: 1}, [CODE_1])
    sandbox.shopify.fulfill(shop_id, {second_line: 1}, [CODE_2])
    ledger.carriers[shop_id] = "postnl"
    assert kinds(verdict(sandbox, ledger)) == ["never_confirmed"]
    bol_ship(sandbox, first, CODE_1)
    bol_ship(sandbox, second, CODE_2)
    assert kinds(verdict(sandbox, ledger)) == []
    coverage = dc.check_coverage(dc.read_bolcom(sandbox, ledger),
                                 dc.read_shop(sandbox, ledger)).figures["cases"]
    assert coverage["shipped in parcels"] == 1


def test_a_partial_shipment_needs_exactly_its_lines(world):  # noqa: F811
    sandbox, ledger = world
    bol = bol_order(sandbox, lines=2)
    shop_id, lines = in_shop_with_lines(sandbox, bol)
    (first, first_line), (second, _) = lines.items()
    sandbox.shopify.fulfill(shop_id, {first_line: 1}, [CODE_1])
    ledger.carriers[shop_id] = "postnl"
    bol_ship(sandbox, first, CODE_1)
    assert kinds(verdict(sandbox, ledger)) == []  # the other line is still to ship
    coverage = dc.check_coverage(dc.read_bolcom(sandbox, ledger),
                                 dc.read_shop(sandbox, ledger)).figures["cases"]
    assert coverage["shipped partially"] == 1
    bol_ship(sandbox, second, CODE_1)  # a line the shop never shipped
    assert kinds(verdict(sandbox, ledger)) == ["confirmed_unshipped"]


def test_the_traffic_splits_an_order_in_two_parcels():
    assert _split({"A": 2, "B": 1}) == ({"A": 1}, {"B": 1, "A": 1})
    assert _split({"A": 1, "B": 1}) == ({"A": 1}, {"B": 1})
    assert _split({"A": 1}) is None


def test_the_merchant_ships_in_two_parcels_or_partially():
    sandbox = SandboxStack(rate_limits=False, marketplaces=("bolcom",))
    traffic = Traffic(sandbox, lambda text: None, scripted=True)

    def order(*quantities: int) -> dict:
        return sandbox.shopify.create_order({"order": {"line_items": [
            {"title": f"Item {n}", "price": "9.50", "quantity": q, "properties": [
                {"name": "_marketplace_line_id", "value": f"L{n}"}]}
            for n, q in enumerate(quantities)]}})

    two, part, single = order(2, 1), order(1, 1), order(1)
    traffic._act(str(two["id"]), "parcels")
    traffic._act(str(part["id"]), "partial")
    traffic._act(str(single["id"]), "parcels")  # one unit: shipped whole, with a code
    fulfilled = {str(o["id"]): sandbox.shopify.get(o["id"]) for o in (two, part, single)}
    assert [len(o["fulfillments"]) for o in fulfilled.values()] == [2, 1, 1]
    assert [o["fulfillment_status"] for o in fulfilled.values()] == [
        "fulfilled", "partial", "fulfilled"]
    assert all(f["tracking_numbers"] for o in fulfilled.values() for f in o["fulfillments"])
    assert set(traffic.ledger.carriers) == set(fulfilled)
