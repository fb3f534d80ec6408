"""CCV Shop order JSON <-> the hub: the create payload, codes and carriers, statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.ccvshop.mapping import order_payload, order_state, trackings
from ordersync.connectors.parsing import MappingError
from ordersync.orders import Address, MarketplaceOrder, OrderLine


def order(test: bool = False) -> MarketplaceOrder:
    return MarketplaceOrder(
        platform="bolcom", account="a", external_id="A1B2", currency="EUR", test=test,
        placed_at=datetime(2026, 11, 20, tzinfo=UTC),
        lines=(OrderLine(line_id="L1", quantity=2, unit_price=Decimal("12.50"), sku="MUG"),),
        shipping_address=Address(first_name="Anna", last_name="de Vries", street="Kerkstraat",
                                 house_number="12", house_number_extension="b",
                                 postal_code="1017 GA", city="Amsterdam", country="NL",
                                 email="anna@example.nl"))


def test_the_payload_is_paid_in_process_with_the_reference_and_rows():
    body = order_payload(order(), {"MUG": 1001})
    assert body["status"] == 2 and body["paid"] is True and body["is_platform_sale"] is True
    assert body["reservationnumber"] == "bolcom:A1B2"
    assert body["orderrows"] == [{"product_id": 1001, "count": 2, "price": 12.5, "memo": "L1"}]
    delivery = body["customer"]["deliveryaddress"]
    assert delivery["housenumber"] == 12 and delivery["housenumber_suffix"] == "b"
    assert delivery["full_name"] == "Anna de Vries" and delivery["country_code"] == "NL"
    assert body["customer"]["email"] == "anna@example.nl"


def test_a_test_order_waits_for_payment_unpaid():
    body = order_payload(order(test=True), {"MUG": 1})
    assert body["status"] == 4 and body["paid"] is False


def raw(**kw) -> dict:
    return {"id": 5001, "create_date": "2026-11-20T10:00:00Z", "status": 2,
            "reservationnumber": "bolcom:A1B2", "track_and_trace_code": "",
            "track_and_trace_carrier": None, **kw}


def test_sent_with_codes_and_paired_carriers():
    state = order_state(raw(status=5, track_and_trace_code="3SABC1, 1Z999",
                            track_and_trace_carrier="PostNL, UPS"))
    assert state.completed and not state.cancelled and state.reference == "bolcom:A1B2"
    assert [(t.number, t.company) for t in state.tracking] == [("3SABC1", "PostNL"),
                                                               ("1Z999", "UPS")]
    assert [p.parcel_id for p in state.parcels] == ["5001-3SABC1", "5001-1Z999"]
    assert all(p.lines == () for p in state.parcels)  # whole-order parcels


def test_one_carrier_applies_to_every_code_and_a_deeplink_to_a_single_code():
    assert [t.company for t in trackings(raw(track_and_trace_code="A,B",
                                             track_and_trace_carrier="DHL"))] == ["DHL", "DHL"]
    one = trackings(raw(track_and_trace_code="A", track_and_trace_deeplink="https://t/A"))
    assert one[0].url == "https://t/A" and one[0].company is None


@pytest.mark.parametrize(("status", "completed", "cancelled"),
                         [(1, False, False), (5, True, False), (6, True, False),
                          (7, True, False), (8, False, True), (13, False, False)])
def test_status_ids(status, completed, cancelled):
    state = order_state(raw(status=status))
    assert (state.completed, state.cancelled) == (completed, cancelled)
    assert state.updated_at == datetime(2026, 11, 20, 10, tzinfo=UTC)  # no modify date


def test_unstorable_tracking_is_dropped_with_a_reason():
    state = order_state(raw(status=5, track_and_trace_code="3S" + "X" * 300))
    assert state.tracking == () and state.parcels == () and "tracking number" in state.invalid


def test_a_bad_date_is_a_mapping_error():
    with pytest.raises(MappingError):
        order_state(raw(create_date="20-11-2026"))
