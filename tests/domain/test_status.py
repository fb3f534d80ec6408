import pytest

from ordersync.orders import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    OrderStatus,
    can_transition,
    check_transition,
)
from ordersync.orders.status import TERMINAL_STATUSES

S = OrderStatus


def test_every_status_has_a_transition_row():
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(
    "current,new",
    [
        (S.NOT_SHIPPED, S.SHIPPED),
        (S.NOT_SHIPPED, S.WAITING),
        (S.WAITING, S.SHIPPED),
        (S.PENDING, S.NOT_SHIPPED),
        (S.CANCELLATION_REQUEST, S.SHIPPED),
        (S.ERROR, S.NOT_SHIPPED),
        (S.SHIPPED, S.ERROR),
    ],
)
def test_allowed(current, new):
    assert check_transition(current, new) == new


@pytest.mark.parametrize(
    "current,new",
    [
        (S.SHIPPED, S.NOT_SHIPPED),
        (S.CANCELLED, S.SHIPPED),
        (S.WAITING, S.NOT_SHIPPED),
        (S.PENDING, S.SHIPPED),
        (S.MANUAL, S.NOT_SHIPPED),
    ],
)
def test_refused_with_a_message_naming_the_allowed_ones(current, new):
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, new)
    assert str(current) in str(info.value) and "allowed" in str(info.value)


def test_staying_put_is_allowed_and_terminal_statuses_only_go_manual():
    assert all(can_transition(s, s) for s in OrderStatus)
    for status in TERMINAL_STATUSES:
        assert ALLOWED_TRANSITIONS[status] <= {S.MANUAL}
