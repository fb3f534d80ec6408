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


# -- marketplace cancellations (issue 12): pending_cancellation ---------------------------

@pytest.mark.parametrize("current", [S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL])
def test_a_marketplace_cancellation_of_an_open_order_is_pending_first(current):
    assert check_transition(current, S.PENDING_CANCELLATION) == S.PENDING_CANCELLATION


@pytest.mark.parametrize("new,why", [
    (S.CANCELLED, "the webshop cancelled the whole order"),
    (S.PARTIAL, "the webshop cancelled some lines"),
    (S.NOT_SHIPPED, "lines cancelled before the order reached the webshop"),
    (S.MANUAL, "shipped meanwhile, or the webshop cannot cancel lines"),
    (S.ERROR, "an unexpected failure while cancelling"),
])
def test_pending_cancellation_is_left_by_each_outcome(new, why):
    assert check_transition(S.PENDING_CANCELLATION, new) == new, why


@pytest.mark.parametrize("current", [S.WAITING, S.SHIPPED, S.PENDING, S.CANCELLED, S.MANUAL])
def test_orders_that_shipped_or_are_settled_never_become_pending_cancellation(current):
    with pytest.raises(InvalidTransition):
        check_transition(current, S.PENDING_CANCELLATION)


def test_pending_cancellation_cannot_ship():
    for new in (S.SHIPPED, S.WAITING):
        assert not can_transition(S.PENDING_CANCELLATION, new)


def test_every_status_is_reached_from_an_import_and_every_open_one_is_left():
    """Imports start orders as pending, not_shipped or error (quarantined); from there every
    status is reachable, and every status but manual has a way out."""
    reached, todo = set(), [S.PENDING, S.NOT_SHIPPED, S.ERROR]
    while todo:
        status = todo.pop()
        if status not in reached:
            reached.add(status)
            todo.extend(ALLOWED_TRANSITIONS[status])
    assert reached == set(OrderStatus)
    assert [s for s in OrderStatus if not ALLOWED_TRANSITIONS[s]] == [S.MANUAL]
