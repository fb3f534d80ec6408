"""The returns domain: which order line a returned item is, how much of an order came back,
and the text (with the key) every webshop write carries."""

from decimal import Decimal

from ordersync.orders import OrderLine
from ordersync.orders.returns import (
    ReturnLine,
    ReturnMode,
    ReturnRegistration,
    match_line,
    return_key,
    return_note,
    returned_summary,
)

LINES = [OrderLine("A", 2, Decimal("12.50"), "MUG", "871"),
         OrderLine("B", 1, Decimal("7.25"), "PLATE", "872")]


def test_a_returned_item_matches_its_line_by_id_else_by_ean():
    assert match_line(LINES, line_id="B", ean="871") == (1, LINES[1])
    assert match_line(LINES, line_id=None, ean="871") == (0, LINES[0])
    assert match_line(LINES, line_id="X", ean="999") is None


def test_summary_says_fully_or_partially_returned():
    ordered = {"A": 2, "B": 1}
    assert returned_summary(ordered, {"A": 1}) == (False, "1 of 3 items returned")
    assert returned_summary(ordered, {"A": 2, "B": 1}) == (True, "3 of 3 items returned")
    assert returned_summary(ordered, {"A": 5}) == (False, "2 of 3 items returned")
    assert returned_summary({"A": 1}, {"A": 1}) == (True, "1 of 1 item returned")


def test_every_write_carries_the_returns_key():
    note = return_note(platform="bolcom", rma_id="31", return_id="7", quantity=1, what="Mug",
                       reason="Defect", mode=ReturnMode.REFUND)
    assert return_key("bolcom", "31") in note and "refunded and restocked" in note
    reg = ReturnRegistration(key=return_key("bolcom", "31"), mode=ReturnMode.REFUND,
                             note=note, lines=(ReturnLine("A", 2, Decimal("12.50")),))
    assert reg.amount == Decimal("25.00")
