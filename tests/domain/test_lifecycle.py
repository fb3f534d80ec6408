from ordersync.orders import OrderStatus, Tracking, WebshopOrderState
from ordersync.orders.lifecycle import on_webshop_state
from tests.factories import NOW

S = OrderStatus


def state(completed=False, cancelled=False, tracking=()):
    return WebshopOrderState("1", "bolcom:1", NOW, completed, cancelled, tuple(tracking))


def test_completed_with_code_ships_with_it():
    change = on_webshop_state(S.NOT_SHIPPED, state(True, tracking=[Tracking("3SABC1234567")]))
    assert change.status == S.SHIPPED and change.tracking.number == "3SABC1234567"


def test_completed_without_code_waits():
    assert on_webshop_state(S.NOT_SHIPPED, state(True)).status == S.WAITING


def test_code_arriving_while_waiting_ships():
    change = on_webshop_state(S.WAITING, state(True, tracking=[Tracking("1Z999AA10123456784")]))
    assert change.status == S.SHIPPED


def test_still_waiting_without_code_changes_nothing():
    assert on_webshop_state(S.WAITING, state(True)) is None


def test_open_order_untouched_and_shipped_order_never_reopened():
    assert on_webshop_state(S.NOT_SHIPPED, state()) is None
    assert on_webshop_state(S.SHIPPED, state(True, tracking=[Tracking("X")])) is None
    assert on_webshop_state(S.SHIPPED, state(cancelled=True)) is None


def test_cancelled_in_webshop_cancels():
    assert on_webshop_state(S.NOT_SHIPPED, state(cancelled=True)).status == S.CANCELLED
    assert on_webshop_state(S.CANCELLATION_REQUEST, state(cancelled=True)).status == S.CANCELLED


def test_a_webshop_state_moves_no_order_outside_webshop_state_moves():
    """The webshop poll loads only orders in WEBSHOP_STATE_MOVES: a rule that acts on a state
    in another status must add that status there, or the poll never shows it the state."""
    from ordersync.order_loop import parcels
    from ordersync.orders import Parcel, ParcelLine
    from ordersync.orders.lifecycle import WEBSHOP_STATE_MOVES

    parcel = Parcel("p1", (ParcelLine("l1", 1),), (Tracking("3SABCD1234567"),))
    states = [
        state(), state(True), state(True, tracking=[Tracking("3SABCD1234567")]),
        state(cancelled=True), state(True, True, [Tracking("X")]),
        WebshopOrderState("1", "bolcom:1", NOW, True, False, invalid="tracking too long"),
        WebshopOrderState("1", "bolcom:1", NOW, True, False, (Tracking("3SABCD1234567"),),
                          parcels=(parcel,)),
        WebshopOrderState("1", "bolcom:1", NOW, False, False,
                          cancelled_lines=(ParcelLine("l1", 1),)),
    ]
    moved = {status for status in S for s in states if on_webshop_state(status, s)}
    assert moved == WEBSHOP_STATE_MOVES
    assert parcels._OPEN == WEBSHOP_STATE_MOVES  # the parcels' rules settle on the same set
