"""The default state machines as Shopware installs them (shopware/docs checkout-*.mermaid,
technical names from OrderStates, OrderDeliveryStates, OrderTransactionStates): states and the
transitions ``POST /api/_action/{entity}/{id}/state/{action}`` may take. The tests compare
``order.state`` and ``order_delivery.state`` with ../shared/specs/shopware6/state-machines.json."""

from __future__ import annotations

TRANSITIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "order.state": (
        ("open", "process", "in_progress"), ("open", "cancel", "cancelled"),
        ("in_progress", "cancel", "cancelled"), ("in_progress", "complete", "completed"),
        ("cancelled", "reopen", "open"), ("completed", "reopen", "open"),
    ),
    "order_delivery.state": (
        ("open", "ship", "shipped"), ("open", "ship_partially", "shipped_partially"),
        ("open", "cancel", "cancelled"), ("shipped", "retour", "returned"),
        ("shipped", "retour_partially", "returned_partially"), ("shipped", "cancel", "cancelled"),
        ("shipped_partially", "retour", "returned"),
        ("shipped_partially", "retour_partially", "returned_partially"),
        ("shipped_partially", "ship", "shipped"), ("shipped_partially", "cancel", "cancelled"),
        ("cancelled", "reopen", "open"), ("shipped", "reopen", "open"),
        ("shipped_partially", "reopen", "open"), ("returned", "reopen", "open"),
        ("returned_partially", "reopen", "open"), ("returned_partially", "retour", "returned"),
    ),
    "order_transaction.state": (  # the part the twin's orders use
        ("open", "paid", "paid"), ("open", "pay", "paid"), ("open", "cancel", "cancelled"),
        ("paid", "cancel", "cancelled"), ("paid", "refund", "refunded"),
        ("cancelled", "reopen", "open"),
    ),
}
LABELS = {"open": "Open", "in_progress": "In Progress", "completed": "Done",
          "cancelled": "Cancelled", "shipped": "Shipped", "shipped_partially": "Shipped partially",
          "returned": "Returned", "returned_partially": "Returned partially", "paid": "Paid",
          "refunded": "Refunded"}
MACHINE_OF = {"order": "order.state", "order_delivery": "order_delivery.state",
              "order_transaction": "order_transaction.state"}


def states_of(machine: str) -> list[str]:
    names: dict[str, None] = {"open": None}
    for source, _, target in TRANSITIONS[machine]:
        names.setdefault(source)
        names.setdefault(target)
    return list(names)


def possible(machine: str, state: str) -> list[str]:
    return [action for source, action, _ in TRANSITIONS[machine] if source == state]


def target(machine: str, state: str, action: str) -> str | None:
    for source, name, to in TRANSITIONS[machine]:
        if source == state and name == action:
            return to
    return None
