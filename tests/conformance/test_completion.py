"""Completion as the merchant does it: one code and carrier, several codes, no code (then one
added), per line where the platform ships per line (else skipped with the platform's reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest

OVERLAP = timedelta(seconds=2)
POSTNL, DHL, UPS = "3SABCD1234567", "JVGL0123456789012345", "1Z999AA10123456784"


def codes(state) -> dict[str, str | None]:
    return {t.number: t.company for t in state.tracking}


def test_completed_with_one_code_and_carrier(kit):
    _, shop_id = kit.create()
    kit.merchant.ship(shop_id, POSTNL, "PostNL")
    state = kit.connector.get_order(shop_id)
    assert state.completed and not state.cancelled and state.invalid is None
    assert codes(state) == {POSTNL: "PostNL"}


def test_completed_with_several_codes(kit):
    order, shop_id = kit.create()
    first, second = order.lines
    try:  # two parcels, one per line, each with its own code and carrier
        kit.merchant.ship(shop_id, POSTNL, "PostNL", lines={first.line_id: first.quantity})
        kit.merchant.ship(shop_id, UPS, "UPS", lines={second.line_id: second.quantity})
    except NotImplementedError:  # one parcel, a second code added to it
        kit.merchant.ship(shop_id, POSTNL, "PostNL")
        kit.merchant.add_tracking(shop_id, UPS, "UPS")
    state = kit.connector.get_order(shop_id)
    assert state.completed
    assert codes(state) == {POSTNL: "PostNL", UPS: "UPS"}


def test_completed_without_code_then_tracking_added(kit):
    _, shop_id = kit.create()
    kit.merchant.ship(shop_id, None)
    before = kit.connector.get_order(shop_id)
    assert before.completed and before.tracking == ()
    kit.merchant.add_tracking(shop_id, DHL, "DHL")
    after = kit.connector.get_order(shop_id)
    assert codes(after) == {DHL: "DHL"}
    assert after.updated_at >= before.updated_at
    since = before.updated_at - OVERLAP  # the loop's next poll: watermark minus the overlap
    states = {s.webshop_id: s for page in kit.connector.changed_orders(since) for s in page}
    assert codes(states[shop_id]) == {DHL: "DHL"}  # the added code reaches the loop's poll


def test_per_line_parcels(kit):
    if kit.row.per_line:
        pytest.skip(f"{kit.row.title}: {kit.row.per_line}")
    order, shop_id = kit.create()
    first, second = order.lines
    kit.merchant.ship(shop_id, POSTNL, "PostNL", lines={first.line_id: first.quantity})
    partial = kit.connector.get_order(shop_id)
    assert not partial.completed and codes(partial) == {POSTNL: "PostNL"}
    kit.merchant.ship(shop_id, UPS, "UPS", lines={second.line_id: 1})
    done = kit.connector.get_order(shop_id)
    assert done.completed and codes(done) == {POSTNL: "PostNL", UPS: "UPS"}
    if not done.parcels:
        pytest.skip(f"{kit.row.title}: the connector does not report parcels per line yet")
    lines = {p.tracking[0].number: {(x.line_id, x.quantity) for x in p.lines}
             for p in done.parcels}
    assert lines == {POSTNL: {(first.line_id, first.quantity)},
                     UPS: {(second.line_id, 1)}}
