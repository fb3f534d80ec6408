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
