"""The connector over the served twin: create and find again, changes since a watermark,
tracking with carriers, stock, and the requests it spends (per order, per idle cycle)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ordersync.connectors.capabilities import StockReader
from ordersync.http import ValidationError
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.prestashop.merchant import PrestaShopMerchant

_ids = itertools.count(1)


def marketplace_order(lines=(("PS-MUG", 2), ("PS-PLATE", 1))) -> MarketplaceOrder:
    external_id = f"PS{next(_ids):06d}"
    return MarketplaceOrder(
        platform="bolcom", account="t", external_id=external_id,
        placed_at=datetime.now(UTC), currency="EUR",
        lines=tuple(OrderLine(line_id=f"{external_id}-{n}", quantity=q,
                              unit_price=Decimal("10.00"), sku=sku)
                    for n, (sku, q) in enumerate(lines, start=1)),
        shipping_address=Address(first_name="Anna", last_name="de Vries", street="Kerkstraat",
                                 house_number="12", postal_code="1017 GA", city="Amsterdam",
                                 country="NL", email="anna@example.nl"))


def requests(twin) -> int:
    return sum(twin.controls.requests.values())


def test_create_find_and_read_back(twin, connector):
    start = datetime.now(UTC) - timedelta(seconds=2)
    order = marketplace_order()
    shop_id = connector.create_order(order)
    assert connector.find_order(order, start) == shop_id
    assert connector.find_order(marketplace_order(), start) is None
    state = connector.get_order(shop_id)
    assert state.reference == order.reference and not state.completed
    assert twin.get(shop_id)["address_delivery"]["city"] == "Amsterdam"


def test_an_unknown_sku_is_refused_before_anything_is_written(twin, connector):
    with pytest.raises(ValidationError, match="NOPE"):
        connector.create_order(marketplace_order((("NOPE", 1),)))
    assert not twin.store.rows["customers"]


def test_two_codes_two_carriers_through_the_poll(twin, connector):
    start = datetime.now(UTC) - timedelta(seconds=2)
    merchant = PrestaShopMerchant(twin)
    shop_id = connector.create_order(marketplace_order())
    merchant.ship(shop_id, "3SABC", "PostNL")
    merchant.add_tracking(shop_id, "1Z999", "UPS")
    states = [s for page in connector.changed_orders(start) for s in page]
    assert [(t.number, t.company) for t in states[0].tracking] == [("3SABC", "PostNL"),
                                                                   ("1Z999", "UPS")]
    assert states[0].completed and len(states[0].parcels) == 2


def test_stock_reader(twin, connector):
    assert isinstance(connector, StockReader)
    connector.create_order(marketplace_order())
    assert connector.read_stock().quantities == {"PS-MUG": 38, "PS-PLATE": 29}


def test_requests_per_order_and_per_idle_cycle(twin, connector, capsys):
    """The figures for the README (PrestaShop core has no rate limit; the connector paces
    itself at 5 requests/s): a create, a cancel, and an idle poll with nothing changed."""
    connector.create_order(marketplace_order())  # fills the country / currency caches
    before = requests(twin)
    shop_id = connector.create_order(marketplace_order())
    per_create = requests(twin) - before
    before = requests(twin)
    connector.cancel_order(shop_id)
    per_cancel = requests(twin) - before
    before = requests(twin)
    assert [s for page in connector.changed_orders(datetime.now(UTC) + timedelta(seconds=2))
            for s in page] == []
    idle = requests(twin) - before
    before = requests(twin)
    list(connector.changed_orders(datetime.now(UTC) - timedelta(minutes=1)))
    poll_page = requests(twin) - before
    print(f"PRESTASHOP requests: create={per_create} cancel={per_cancel} idle_poll={idle} "
          f"poll_page={poll_page} (limit: none in core; paced at 5/s)")
    assert (per_create, per_cancel, idle, poll_page) == (5, 3, 1, 2)


def test_a_test_order_is_marked_where_the_admin_shows_it(twin, connector):
    from dataclasses import replace

    shop_id = connector.create_order(replace(marketplace_order(), test=True))
    assert "TEST ORDER" in twin.get(shop_id)["payment"]


def test_the_demo_asks_no_parcels_of_a_whole_order_shop():
    """The traffic ships parcels and partially only where the shop ships per line; the
    demo's coverage check asks for those cases only there."""
    from ordersync.demo_check import check_coverage

    asked = {f.subject for f in check_coverage([], [], per_line=False).findings}
    assert "shipped partially" not in asked and "bolcom shipped with T&T" in asked
    assert "shipped partially" in {f.subject for f in check_coverage([], []).findings}
