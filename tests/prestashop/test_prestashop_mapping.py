"""PrestaShop mapping: XML bodies as the webservice reads them, JSON orders and their
order_carriers into the hub's state."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from ordersync.connectors.parsing import MappingError
from ordersync.connectors.prestashop.mapping import (
    items,
    order_state,
    parse_date,
    ps_date,
    xml_body,
)

ORDER = {"id": 7, "current_state": "4", "date_add": "2026-11-26 10:00:00",
         "date_upd": "2026-11-26 11:30:05", "note": "bolcom:123"}


def test_xml_body_has_the_resource_under_prestashop_with_associations():
    body = xml_body("cart", {"id_customer": 3, "id_lang": 1},
                    {"cart_rows": ("cart_row", [{"id_product": 5, "quantity": 2}])})
    root = ET.fromstring(body)
    assert root.tag == "prestashop" and root.find("cart/id_customer").text == "3"
    rows = root.findall("cart/associations/cart_rows/cart_row")
    assert [(r.find("id_product").text, r.find("quantity").text) for r in rows] == [("5", "2")]


def test_shipped_order_with_two_carrier_rows_gives_two_whole_order_parcels():
    rows = [{"id": 1, "id_order": "7", "id_carrier": "2", "tracking_number": "3SABC"},
            {"id": 2, "id_order": "7", "id_carrier": "3", "tracking_number": "1Z999"},
            {"id": 3, "id_order": "7", "id_carrier": "3", "tracking_number": ""}]
    state = order_state(ORDER, rows, {"2": "PostNL", "3": "UPS"})
    assert state.completed and not state.cancelled and state.reference == "bolcom:123"
    assert [(t.number, t.company) for t in state.tracking] == [("3SABC", "PostNL"),
                                                               ("1Z999", "UPS")]
    assert [p.parcel_id for p in state.parcels] == ["1", "2"]
    assert all(p.lines == () for p in state.parcels)
    assert state.updated_at == datetime(2026, 11, 26, 11, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(("state", "completed", "cancelled"),
                         [("2", False, False), ("5", True, False), ("6", False, True),
                          ("7", False, True), ("42", False, False)])
def test_states_by_id(state, completed, cancelled):
    got = order_state({**ORDER, "current_state": state}, [], {})
    assert (got.completed, got.cancelled) == (completed, cancelled)


def test_unstorable_tracking_is_dropped_with_a_reason():
    state = order_state(ORDER, [{"id": 1, "id_carrier": "2", "tracking_number": "X" * 300}], {})
    assert state.tracking == () and state.parcels == () and "tracking number" in state.invalid


def test_dates_in_the_shop_time_zone():
    assert parse_date("2026-07-01 12:00:00", "Europe/Amsterdam") == datetime(
        2026, 7, 1, 10, 0, tzinfo=UTC)
    assert ps_date(datetime(2026, 7, 1, 10, 0, 0, 900000, tzinfo=UTC),
                   "Europe/Amsterdam") == "2026-07-01 12:00:00"
    with pytest.raises(MappingError):
        parse_date("2026-07-01T12:00:00Z")


def test_an_empty_list_may_be_an_array():
    assert items([], "orders") == [] and items({"orders": [{"id": 1}]}, "orders") == [{"id": 1}]
