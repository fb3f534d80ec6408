"""Pure parts of the Magento connector and twin: error messages, searchCriteria both ways,
order + shipments -> WebshopOrderState."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ordersync.connectors.magento.mapping import order_payload, order_state, render_message
from ordersync.connectors.magento.search import (
    Filter,
    last_page,
    magento_date,
    parse_date,
    search_criteria,
)
from ordersync.sandbox.magento import search as twin_search
from ordersync.sandbox.magento.errors import MagentoError
from tests.magento.conftest import marketplace_order


def test_error_messages_are_rendered_with_their_parameters():
    assert render_message({"message": "Invalid product data: %1",
                           "parameters": ["Invalid attribute set entity type"]}) == \
        "Invalid product data: Invalid attribute set entity type"
    assert render_message({"message": "The consumer isn't authorized to access %resources.",
                           "parameters": {"resources": "Magento_Sales::sales"}}) == \
        "The consumer isn't authorized to access Magento_Sales::sales."
    assert render_message({"message": '"%fieldName" is required.',
                           "parameters": [{"fieldName": "items"}]}) == '"items" is required.'
    assert render_message({"message": "%1 and %10", "parameters": list("abcdefghij")}) == \
        "a and j"


def test_search_criteria_query_and_dates():
    params = search_criteria([[Filter("updated_at", "2026-11-20 10:00:00", "gteq")],
                              [Filter("state", "canceled", "neq"), Filter("entity_id", "3", "gt")]],
                             sort=[("updated_at", "ASC")], page_size=50, current_page=2)
    assert params["searchCriteria[filter_groups][1][filters][1][field]"] == "entity_id"
    assert params["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "gteq"
    assert params["searchCriteria[sort_orders][0][direction]"] == "ASC"
    assert params["searchCriteria[page_size]"] == "50"
    assert search_criteria() == {"searchCriteria": ""}
    when = datetime(2026, 11, 20, 10, 0, 5, 999, tzinfo=UTC)
    assert magento_date(when) == "2026-11-20 10:00:05"
    assert parse_date("2026-11-20 10:00:05") == when.replace(microsecond=0)
    assert (last_page(0, 100), last_page(100, 100), last_page(101, 100)) == (1, 1, 2)


ROWS = [{"entity_id": i, "state": s, "updated_at": f"2026-11-20 10:00:0{i}", "ref": r}
        for i, s, r in [(1, "new", "bolcom:1"), (2, "canceled", None), (3, "processing", "x"),
                        (4, "complete", "bolcom:4")]]


def _ids(query: list[tuple[str, str]]) -> list[int]:
    result = twin_search.search(ROWS, twin_search.parse(query))
    return [r["entity_id"] for r in result["items"]]


def test_twin_filters_or_inside_a_group_and_across_groups():
    g = "searchCriteria[filter_groups]"
    assert _ids([(f"{g}[0][filters][0][field]", "state"),
                 (f"{g}[0][filters][0][value]", "new"),
                 (f"{g}[0][filters][1][field]", "state"),
                 (f"{g}[0][filters][1][value]", "complete")]) == [1, 4]
    assert _ids([(f"{g}[0][filters][0][field]", "entity_id"),
                 (f"{g}[0][filters][0][value]", "2"),
                 (f"{g}[0][filters][0][condition_type]", "gteq"),
                 (f"{g}[1][filters][0][field]", "ref"),
                 (f"{g}[1][filters][0][value]", "bolcom:%"),
                 (f"{g}[1][filters][0][condition_type]", "like")]) == [4]
    # the schema's camelCase spelling, null, in, and a sort
    assert _ids([("searchCriteria[filterGroups][0][filters][0][field]", "ref"),
                 ("searchCriteria[filterGroups][0][filters][0][conditionType]", "null"),
                 ]) == [2]
    assert _ids([(f"{g}[0][filters][0][field]", "entity_id"),
                 (f"{g}[0][filters][0][value]", "1,3,4"),
                 (f"{g}[0][filters][0][condition_type]", "in"),
                 ("searchCriteria[sortOrders][0][field]", "updated_at"),
                 ("searchCriteria[sortOrders][0][direction]", "DESC")]) == [4, 3, 1]


def test_twin_paging_clamps_past_the_end_and_refuses_bad_criteria():
    result = twin_search.search(ROWS, twin_search.parse(
        [("searchCriteria[pageSize]", "3"), ("searchCriteria[currentPage]", "7")]))
    assert [r["entity_id"] for r in result["items"]] == [4] and result["total_count"] == 4
    with pytest.raises(MagentoError, match="required"):
        twin_search.parse([])
    with pytest.raises(MagentoError, match="condition type"):
        twin_search.parse([("searchCriteria[filter_groups][0][filters][0][field]", "x"),
                           ("searchCriteria[filter_groups][0][filters][0][condition_type]",
                            "bogus")])


def _order(state: str, shipped=(0, 0), canceled=(0, 0)) -> dict:
    return {"entity_id": 7, "state": state, "ext_order_id": "bolcom:9",
            "updated_at": "2026-11-20 10:00:00",
            "items": [{"item_id": 11, "ext_order_item_id": "9-a", "qty_ordered": 2,
                       "qty_shipped": shipped[0], "qty_canceled": canceled[0]},
                      {"item_id": 12, "ext_order_item_id": "9-b", "qty_ordered": 1,
                       "qty_shipped": shipped[1], "qty_canceled": canceled[1]},
                      {"item_id": 13, "parent_item_id": 12, "qty_ordered": 1}]}


def _shipment(sid: int, items: dict[int, int], tracks=()) -> dict:
    return {"entity_id": sid, "order_id": 7, "created_at": f"2026-11-20 10:0{sid}:00",
            "items": [{"order_item_id": i, "qty": q} for i, q in items.items()],
            "tracks": [{"track_number": n, "title": t, "carrier_code": c}
                       for n, t, c in tracks]}


def test_state_of_new_partial_and_fully_shipped_orders():
    new = order_state(_order("processing"))
    assert (new.completed, new.cancelled, new.reference, new.parcels) == (
        False, False, "bolcom:9", ())
    partial = order_state(_order("processing", shipped=(1, 0)),
                          [_shipment(1, {11: 1}, [("3SABCD1234567", "PostNL", "custom")])])
    assert not partial.completed
    assert [(p.parcel_id, [(line.line_id, line.quantity) for line in p.lines])
            for p in partial.parcels] == [("1", [("9-a", 1)])]
    done = order_state(_order("processing", shipped=(2, 1)), [
        _shipment(2, {11: 1, 12: 1}, [("1Z999AA10123456784", "", "ups")]),
        _shipment(1, {11: 1}, [("3SABCD1234567", "PostNL", "custom")])])
    assert done.completed  # every item shipped: complete in all but the invoice
    assert [(t.number, t.company) for t in done.tracking] == [
        ("3SABCD1234567", "PostNL"), ("1Z999AA10123456784", "ups")]


def test_state_of_cancelled_closed_and_unusable_tracking():
    cancelled = order_state(_order("canceled", canceled=(2, 1)))
    assert cancelled.cancelled and not cancelled.completed
    assert [(c.line_id, c.quantity) for c in cancelled.cancelled_lines] == [("9-a", 2),
                                                                           ("9-b", 1)]
    assert order_state(_order("closed")).cancelled  # refunded before anything shipped
    shipped_then_cancelled = order_state(_order("complete", shipped=(1, 0), canceled=(1, 1)),
                                         [_shipment(1, {11: 1})])
    assert shipped_then_cancelled.completed and not shipped_then_cancelled.cancelled
    bad = order_state(_order("complete", shipped=(2, 1)),
                      [_shipment(1, {11: 2, 12: 1}, [("X" * 500, "PostNL", "custom")])])
    assert bad.invalid and bad.tracking == () and bad.parcels[0].tracking == ()


def test_create_payload_carries_reference_and_line_ids():
    body = order_payload(marketplace_order("77"), {"MUG-350": 1, "PLATE-22": 2},
                         payment_method="checkmo", shipping_method="flatrate_flatrate")["entity"]
    assert body["ext_order_id"] == "bolcom:77"
    assert [(i["ext_order_item_id"], i["product_id"]) for i in body["items"]] == [
        ("77-0", 1), ("77-1", 2)]
    assert body["grand_total"] == 32.25 and body["state"] == "processing"
    assert body["billing_address"]["telephone"] == "-"  # required by Magento, none given
