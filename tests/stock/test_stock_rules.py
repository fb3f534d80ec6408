"""The stock rules as pure functions: never negative, reservations only against their own
platform, the platform's maximum, only changes, most urgent first."""

from __future__ import annotations

import pytest

from ordersync.stock import HubQuantities, Target, WebshopStock, available, plan, quantities

AMAZON, BOL = Target("amazon", "nl"), Target("bolcom", "nl")


def test_available_is_webshop_minus_ordered_minus_reserved_never_negative():
    assert available("A", 10, 3, 2).quantity == 5
    assert available("A", 2, 3, 4).quantity == 0
    assert available("A", -4).quantity == 0  # a shop that oversold itself
    assert available("A", 5000, cap=999).quantity == 999 and available("A", 5000, cap=999).capped
    assert "webshop 10 - ordered 3 - reserved 2" in available("A", 10, 3, 2).why
    with pytest.raises(ValueError):
        available("A", 5, unimported=-1)


def test_reservations_lower_only_their_own_platform():
    stock = WebshopStock({"MUG": 10, "PLATE": 4})
    hub = HubQuantities(unimported={"MUG": 1}, reserved={"amazon": {"MUG": 2, "PLATE": 9}})
    amazon = quantities(stock, hub, AMAZON)
    bol = quantities(stock, hub, BOL, cap=999)
    assert (amazon["MUG"].quantity, bol["MUG"].quantity) == (7, 9)
    assert (amazon["PLATE"].quantity, bol["PLATE"].quantity) == (0, 4)
    assert quantities(stock, HubQuantities(unimported={"GHOST": 3}), BOL).keys() == {
        "MUG", "PLATE"}  # a SKU the webshop does not track has nothing to offer


def test_plan_sends_only_changes_most_urgent_first_and_skips_unlisted():
    stock = WebshopStock({"A": 0, "B": 5, "C": 9, "D": 2, "E": 7, "F": 3})
    wanted = quantities(stock, HubQuantities(), BOL)
    changes = plan(BOL, wanted, {"A": 4, "B": 5, "C": 2, "D": 9, "F": 4},
                   listed={"A", "B", "C", "D", "F"})
    assert [(c.sku, c.previous, c.wanted.quantity) for c in changes] == [
        ("A", 4, 0), ("D", 9, 2), ("F", 4, 3), ("C", 2, 9)]
    assert changes.unchanged == 1 and changes.unmapped == ("E",)
    first = plan(BOL, wanted, {})
    assert [c.sku for c in first][:1] == ["A"] and len(first) == 6
