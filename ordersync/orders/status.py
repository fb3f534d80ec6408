"""Order statuses, error reasons and the transitions the hub allows between them."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order stands in the hub (the overview tabs)."""

    PENDING = "pending"  # Amazon: payment not verified yet; never sent to a webshop
    NOT_SHIPPED = "not_shipped"  # open on the marketplace; created (or due) in the webshop
    WAITING = "waiting"  # completed in the webshop without a track & trace code
    SHIPPED = "shipped"  # completed; shipment pushed (or to be pushed) to the marketplace
    PARTIAL = "partial"  # some lines shipped or cancelled
    CANCELLATION_REQUEST = "cancellation_request"  # buyer asked to cancel; can still ship
    PENDING_CANCELLATION = "pending_cancellation"  # cancelled on the marketplace; webshop next
    CANCELLED = "cancelled"
    RETURNED = "returned"  # the buyer sent (some of) it back; see the order's returns
    MANUAL = "manual"  # handled outside the hub; the hub no longer acts on it
    ERROR = "error"  # needs attention; see error_reason and the event log


class ErrorReason(StrEnum):
    """Typed reason of the ERROR status."""

    VALIDATION = "validation"  # malformed or incomplete payload
    ADDRESS_PARSING = "address_parsing"
    MISSING_REFERENCE = "missing_reference"  # e.g. an SKU the webshop does not know
    PRICING = "pricing"
    CURRENCY_MISMATCH = "currency_mismatch"
    WEBSHOP_REJECTED = "webshop_rejected"  # the webshop refused to create the order
    SHIPMENT_FAILURE = "shipment_failure"  # the marketplace refused the shipment
    CANCELLATION_FAILURE = "cancellation_failure"
    PLATFORM_FAILURE = "platform_failure"  # persistent platform error
    INTERNAL_ERROR = "internal_error"  # an unexpected exception while handling the order
    VALUE_LIMIT = "value_limit"  # a value the hub cannot store (too long, too big, NUL, ...)
    STORAGE_REJECTED = "storage_rejected"  # the database refused the order (last defence)
    WEBSHOP_INVALID = "webshop_invalid"  # the webshop gave a value the hub cannot use


S = OrderStatus
_OPEN = {S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL}

ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset({S.NOT_SHIPPED, S.CANCELLED, S.ERROR, S.MANUAL}),
    S.NOT_SHIPPED: frozenset(
        {S.WAITING, S.SHIPPED, S.PARTIAL, S.CANCELLATION_REQUEST, S.PENDING_CANCELLATION,
         S.CANCELLED, S.MANUAL, S.ERROR}
    ),
    S.CANCELLATION_REQUEST: frozenset(
        {S.WAITING, S.SHIPPED, S.PENDING_CANCELLATION, S.CANCELLED, S.MANUAL, S.ERROR}
    ),
    S.PARTIAL: frozenset(
        {S.WAITING, S.SHIPPED, S.PENDING_CANCELLATION, S.CANCELLED, S.MANUAL, S.ERROR}
    ),
    S.WAITING: frozenset({S.SHIPPED, S.CANCELLED, S.MANUAL, S.ERROR}),
    # error: the marketplace rejected the shipment; returned: the buyer sent it back
    S.SHIPPED: frozenset({S.ERROR, S.MANUAL, S.RETURNED}),
    # The marketplace (or its buyer) cancelled the order or some lines: the webshop cancel is
    # next. Whole order -> cancelled; some lines -> partial, or back to not_shipped when the
    # order was not in the webshop yet; shipped meanwhile or not possible -> manual, or back
    # to cancellation_request when only the buyer asked (it ships; the request lapses).
    S.PENDING_CANCELLATION: frozenset(
        {S.CANCELLED, S.PARTIAL, S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.MANUAL, S.ERROR}
    ),
    S.CANCELLED: frozenset({S.MANUAL}),
    S.RETURNED: frozenset({S.MANUAL}),
    S.MANUAL: frozenset(),  # terminal: the merchant took over
    # An errored order can be resent (back to where it failed) or handled manually.
    S.ERROR: frozenset({S.NOT_SHIPPED, S.WAITING, S.SHIPPED, S.CANCELLED, S.MANUAL}),
}

OPEN_STATUSES = frozenset(_OPEN)
TERMINAL_STATUSES = frozenset({S.CANCELLED, S.MANUAL})


class InvalidTransition(ValueError):
    """Raised when a status change is not allowed."""

    def __init__(self, current: OrderStatus, new: OrderStatus) -> None:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "none"
        super().__init__(f"order cannot go from {current} to {new} (allowed: {allowed})")
        self.current, self.new = current, new


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    """True when ``current -> new`` is allowed (staying put is always allowed)."""
    return current == new or new in ALLOWED_TRANSITIONS[current]


def check_transition(current: OrderStatus | str, new: OrderStatus | str) -> OrderStatus:
    """Return ``new`` as an OrderStatus, or raise InvalidTransition."""
    current, new = OrderStatus(current), OrderStatus(new)
    if not can_transition(current, new):
        raise InvalidTransition(current, new)
    return new
