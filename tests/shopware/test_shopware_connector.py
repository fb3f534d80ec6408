"""ShopwareConnector against the served twin: create exactly once, changed orders paged
through changes, completion, partial shipments, cancellation, stock, errors, rate limits."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from ordersync.http import AuthError, RetriableError, UncertainWrite, ValidationError
from ordersync.http.paging import RepeatedCursor
from ordersync.orders import ParcelLine
from ordersync.sandbox.common import Fault
from ordersync.sandbox.shopware.store import SALES_CHANNEL_ID
from tests.shopware.helpers import DHL, POSTNL, connector, order


def since() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=5)


def states(shop, start):
    return {s.webshop_id: s for page in shop.changed_orders(start) for s in page}


def test_create_books_the_order_with_lines_address_and_reference(shop, merchant, twin):
    webshop_id = shop.create_order(order("A1"))
    stored = twin.store.orders[webshop_id]
    assert merchant.orders_for("bolcom:A1") == [webshop_id]
    assert [(li["quantity"], li["type"]) for li in stored["lineItems"]] == [
        (2, "product"), (1, "product")]
    assert stored["addresses"][0]["city"] == "Amsterdam"
    assert stored["addresses"][0]["street"] == "Kerkstraat 12 B"
    assert merchant.stock("MUG-350") == 18 and merchant.stock("PLATE-22") == 4
    assert merchant.order_state(webshop_id) == "open"
    assert merchant.delivery_states(webshop_id) == ["open"]
    assert stored["salesChannelId"] == SALES_CHANNEL_ID  # the storefront, not Headless


def test_unknown_sku_becomes_a_custom_line(shop, merchant, twin):
    webshop_id = shop.create_order(order("A2", skus=("MUG-350", "NOPE-1")))
    types = [li["type"] for li in twin.store.orders[webshop_id]["lineItems"]]
    assert types == ["product", "custom"]


def test_unknown_currency_or_country_is_rejected_before_writing(shop, merchant, twin):
    with pytest.raises(ValidationError, match="currency JPY"):
        shop.create_order(order("A3", currency="JPY"))
    with pytest.raises(ValidationError, match="country ZZ"):
        shop.create_order(order("A4", country="ZZ"))
    assert twin.store.orders == {}


def test_lost_create_response_is_found_by_reference_not_repeated(shop, merchant, twin):
    twin.controls.faults.append(Fault(method="POST", path=re.compile("^/api/order$"),
                                      status=500, after_handling=True))
    attempt_at = datetime.now(UTC)
    with pytest.raises(UncertainWrite):
        shop.create_order(order("B1"))
    found = shop.find_order(order("B1"), created_after=attempt_at)
    assert found is not None and merchant.orders_for("bolcom:B1") == [found]
    assert shop.find_order(order("B2"), created_after=attempt_at) is None


def test_a_blind_repeat_cannot_make_a_second_order(shop, merchant, twin):
    """The order id is derived from the reference: the database refuses a second row."""
    shop.create_order(order("B3"))
    with pytest.raises(UncertainWrite):  # 500, like Shopware's DBAL error
        shop.create_order(order("B3"))
    assert len(merchant.orders_for("bolcom:B3")) == 1


def test_changed_orders_pages_without_skips_or_repeats_while_orders_change(
        shop, merchant, twin, monkeypatch):
    monkeypatch.setattr(shop, "page_size", 3)
    start = since()
    ids = [shop.create_order(order(f"C{n}")) for n in range(8)]
    for webshop_id in ids:
        merchant.ship(webshop_id, POSTNL)  # every order changed (its delivery)
    seen: list[str] = []
    pages = shop.changed_orders(start)
    first = next(pages)
    seen += [s.webshop_id for s in first]
    merchant.cancel(first[0].webshop_id)  # changes during paging: a read one and later ones
    merchant.add_tracking(ids[-1], DHL)
    for page in pages:
        seen += [s.webshop_id for s in page]
    assert seen == ids
    requests = twin.controls.requests["POST /api/search/order"]
    assert requests == 3  # 8 orders, 3 a page: the exact total ends it without an empty page


def test_a_new_order_is_a_changed_order_and_an_older_untouched_one_is_not(shop, merchant):
    new = shop.create_order(order("D1"))  # updatedAt stays NULL on insert: createdAt counts
    assert set(states(shop, since())) == {new}
    assert states(shop, datetime.now(UTC) + timedelta(seconds=1)) == {}  # created before


def test_completion_with_one_code_and_carrier_from_the_shipping_method(shop, merchant):
    start = since()
    webshop_id = shop.create_order(order("E1"))
    parcel = merchant.ship(webshop_id, POSTNL, "PostNL")
    state = states(shop, start)[webshop_id]
    assert state.completed and not state.cancelled and state.reference == "bolcom:E1"
    assert [(t.number, t.company) for t in state.tracking] == [(POSTNL, "PostNL")]
    assert [p.parcel_id for p in state.parcels] == [parcel]
    assert set(state.parcels[0].lines) == {ParcelLine("E1-1", 2), ParcelLine("E1-2", 1)}


def test_completion_with_two_codes(shop, merchant):
    start = since()
    webshop_id = shop.create_order(order("E2"))
    merchant.ship(webshop_id, POSTNL, "PostNL")
    merchant.add_tracking(webshop_id, DHL, "DHL")
    state = shop.get_order(webshop_id)
    assert state.completed
    assert {t.number for t in state.tracking} == {POSTNL, DHL}
    assert states(shop, start)[webshop_id].tracking == state.tracking


def test_completed_without_a_code(shop, merchant):
    webshop_id = shop.create_order(order("E3"))
    merchant.ship(webshop_id)
    state = shop.get_order(webshop_id)
    assert state.completed and state.tracking == ()
    assert state.parcels[0].tracking == ()


def test_partial_shipment_in_two_parcels(shop, merchant):
    webshop_id = shop.create_order(order("F1", quantity=3))
    first = merchant.ship(webshop_id, POSTNL, "PostNL", lines={"F1-1": 2})
    state = shop.get_order(webshop_id)
    assert not state.completed
    assert [(p.parcel_id, p.lines) for p in state.parcels] == [
        (first, (ParcelLine("F1-1", 2),))]
    second = merchant.ship(webshop_id, DHL, "DHL")
    state = shop.get_order(webshop_id)
    assert state.completed and len(state.parcels) == 2
    by_id = {p.parcel_id: p for p in state.parcels}
    assert set(by_id[second].lines) == {ParcelLine("F1-1", 1), ParcelLine("F1-2", 1)}
    assert [t.number for t in by_id[second].tracking] == [DHL]


def test_shipped_partially_state_gives_codes_but_no_parcel(shop, merchant, twin):
    webshop_id = shop.create_order(order("F2"))
    delivery = twin.store.orders[webshop_id]["deliveries"][0]["id"]
    twin.store.set_tracking(delivery, [POSTNL])
    twin.store.transition("order_delivery", delivery, "ship_partially")
    state = shop.get_order(webshop_id)
    assert not state.completed and state.parcels == ()
    assert [t.number for t in state.tracking] == [POSTNL]


def test_cancellation_by_the_hub_and_by_the_merchant(shop, merchant, twin):
    webshop_id = shop.create_order(order("G1"))
    shop.cancel_order(webshop_id)
    shop.cancel_order(webshop_id)  # repeating it is harmless
    assert merchant.order_state(webshop_id) == "cancelled"
    assert merchant.delivery_states(webshop_id) == ["open"]  # as in the Administration
    assert shop.get_order(webshop_id).cancelled
    assert merchant.stock("MUG-350") == 20  # stock back
    other = shop.create_order(order("G2"))
    merchant.cancel(other, lines={"G2-2": 1})
    state = shop.get_order(other)
    assert not state.cancelled and state.cancelled_lines == (ParcelLine("G2-2", 1),)
    merchant.cancel(other)
    assert shop.get_order(other).cancelled


def test_cancel_of_a_completed_order_is_refused(shop, merchant, twin):
    webshop_id = shop.create_order(order("G3"))
    twin.store.transition("order", webshop_id, "process")
    twin.store.transition("order", webshop_id, "complete")
    with pytest.raises(ValidationError, match="SYSTEM__ILLEGAL_STATE_TRANSITION"):
        shop.cancel_order(webshop_id)


def test_stock_per_sku(shop, merchant, twin, monkeypatch):
    monkeypatch.setattr(shop, "page_size", 1)
    parent = twin.store.add_product("TSHIRT", "T-shirt", stock=0)
    twin.store.add_product("TSHIRT-M", "T-shirt M", stock=4, parent_id=parent["id"])
    shop.create_order(order("H1"))
    stock = shop.read_stock()
    assert dict(stock.quantities) == {"MUG-350": 18, "PLATE-22": 4, "TSHIRT-M": 4}
    assert stock.untracked == {"TSHIRT"}


def test_errors_map_to_retriable_and_fatal(served, shop, merchant, twin):
    with connector(served.url) as bad:
        bad.auth._secret = "wrong"
        with pytest.raises(AuthError):
            bad.get_order("0" * 32)
    twin.controls.faults.append(Fault(method="POST", path=re.compile("/api/search/order"),
                                      status=503, count=10))
    with pytest.raises(RetriableError):
        shop.get_order("0" * 32)
    twin.controls.faults.clear()
    webshop_id = shop.create_order(order("I1"))
    merchant.cancel(webshop_id)
    with pytest.raises(ValidationError, match="SYSTEM__ILLEGAL_STATE_TRANSITION: Illegal"):
        shop.client.request("POST", f"/api/_action/order/{webshop_id}/state/complete",
                            json={})
    with pytest.raises(ValidationError, match="FRAMEWORK__INVALID_FILTER_QUERY"):
        shop.search("order", {"filter": [{"type": "equals", "field": "nope", "value": 1}]})


def test_expired_token_is_renewed_once(served, twin, merchant):
    now = [1_000.0]
    with connector(served.url, clock=lambda: now[0]) as shop:
        shop.read_stock()
        twin.tokens.clear()  # the shop forgot it (expired there)
        shop.read_stock()
        assert shop.auth.tokens_fetched == 2


def test_no_429_with_rate_limits_on(served, twin, merchant):
    with connector(served.url, rate_limits=True, limiter=None) as shop:
        for n in range(12):
            shop.create_order(order(f"R{n}"))
        list(shop.changed_orders(since()))
        shop.read_stock()
    assert twin.controls.stats()["throttled"] == 0
    assert twin.controls.requests["POST /api/oauth/token"] == 1


def test_merchant_is_a_shop_merchant_and_refuses_what_the_admin_would(shop, merchant):
    from ordersync.sandbox.merchant import ShopMerchant

    assert isinstance(merchant, ShopMerchant) and merchant.platform == "shopware"
    webshop_id = shop.create_order(order("Z1"))
    with pytest.raises(ValueError, match="no shipped delivery"):
        merchant.add_tracking(webshop_id, POSTNL)
    with pytest.raises(ValueError, match="more than is open"):
        merchant.ship(webshop_id, lines={"Z1-1": 5})
    merchant.ship(webshop_id)
    with pytest.raises(ValueError, match="nothing left"):
        merchant.ship(webshop_id)
    assert merchant.stock("NOPE") is None


def test_an_order_entering_the_window_mid_paging_is_read_by_the_next_pass(
        shop, merchant, monkeypatch):
    monkeypatch.setattr(shop, "page_size", 2)
    quiet = shop.create_order(order("Q0"))  # created before the window, untouched since
    time.sleep(0.01)  # the twin stamps milliseconds
    start = datetime.now(UTC)
    ids = [shop.create_order(order(f"Q{n}")) for n in range(1, 6)]
    for webshop_id in ids:
        merchant.ship(webshop_id)
    pages = shop.changed_orders(start)
    seen = [s.webshop_id for s in next(pages)]
    merchant.cancel(quiet)  # enters the window behind the cursor
    seen += [s.webshop_id for page in pages for s in page]
    assert seen == ids  # nothing skipped or repeated
    assert quiet in states(shop, start)  # the next pass (from the watermark) has it


def test_a_429_is_waited_out_and_retried(shop, merchant, twin):
    webshop_id = shop.create_order(order("T1"))
    twin.controls.faults.append(Fault(method="POST", path=re.compile("^/api/search/order$"),
                                      status=429, count=2, retry_after=0))
    assert shop.get_order(webshop_id).webshop_id == webshop_id
    assert shop.client.rate_limited == 2


def test_paging_that_does_not_advance_raises_instead_of_looping(shop, monkeypatch):
    page = {"total": 5, "data": [{"id": "a" * 32, "autoIncrement": 3,
                                  "createdAt": "2026-11-26T08:00:00.000+00:00"}]}
    monkeypatch.setattr(shop, "search", lambda entity, body: page)
    with pytest.raises(RepeatedCursor, match="handed out again"):
        list(shop.changed_orders(since()))
