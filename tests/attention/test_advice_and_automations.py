"""The pure parts: the reason / what-to-do table, overdue thresholds, the summary's outcomes,
and the automations as loaded from automations/*.yaml (block names resolved to ids)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest

from ordersync.orders import ErrorReason, OrderStatus
from ordersync.orders.attention import ERROR_ADVICE, Problem, Thresholds, advice, overdue
from tests.factories import NOW

S = OrderStatus


def test_every_error_reason_and_problem_has_a_reason_and_what_to_do():
    assert set(ERROR_ADVICE) == set(ErrorReason)
    for reason in ErrorReason:
        tip = advice(Problem.ERROR, reason)
        assert tip.reason and tip.action and tip == ERROR_ADVICE[reason]
    for problem in Problem:
        assert advice(problem, "shipment_failure").action
    assert advice("error", "not-a-reason").action  # an unknown reason still says what to do
    assert "Seller Central" in advice(Problem.MANUAL).action


def test_overdue_per_status_and_threshold():
    th = Thresholds.for_wait(timedelta(hours=3), not_shipped=timedelta(hours=24))
    assert th.waiting == timedelta(hours=4)
    assert overdue(S.WAITING, NOW - timedelta(hours=4), NOW, th) == Problem.OVERDUE_WAITING
    assert overdue(S.WAITING, NOW - timedelta(hours=3), NOW, th) is None
    assert overdue(S.NOT_SHIPPED, NOW - timedelta(hours=24), NOW, th) == (
        Problem.OVERDUE_NOT_SHIPPED)
    assert overdue(S.SHIPPED, NOW - timedelta(days=9), NOW, th) is None
    assert overdue(S.WAITING, None, NOW, th) is None
    default = Thresholds.for_wait(timedelta(minutes=30))
    assert (default.waiting, default.not_shipped) == (timedelta(minutes=90), timedelta(hours=48))
    assert Thresholds.for_wait(timedelta(0), not_shipped=timedelta(0)).not_shipped == (
        timedelta(0))


def test_the_summary_lists_every_outcome_of_every_step_zeros_included():
    from ordersync.flows.run_summary import MEANINGS, STEP_OUTCOMES, summary_rows

    rows = summary_rows({"import": {"imported": 2}, "create": {}, "push": {"manual": 1,
                                                                          "brand_new": 3}})
    table = {(r["step"], r["outcome"]): r["orders"] for r in rows}
    assert table[("import", "imported")] == 2 and table[("import", "quarantined")] == 0
    assert table[("create", "busy")] == 0 and table[("create", "reconciled")] == 0
    assert table[("push", "manual")] == 1 and table[("push", "deferred")] == 0
    assert table[("push", "brand_new")] == 3  # a count the flow does not know yet still shows
    assert all(o in MEANINGS for outs in STEP_OUTCOMES.values() for o in outs)


def test_automations_resolve_their_notification_block_and_read_well():
    from ordersync.flows.automations import load_automations

    block = uuid.uuid4()
    refs = []
    automations = {a.name: a for a in load_automations(
        resolve_block=lambda ref: refs.append(ref) or block)}
    assert set(refs) == {"custom-webhook/ordersync-alerts"}
    zombie = automations.pop("ordersync-crash-zombie-flow-runs")
    assert "10 minutes" in zombie.description and "`" not in zombie.description
    assert "{within}" not in zombie.description
    notified = automations.pop("ordersync-run-on-notification")  # tests/webhooks
    assert [a.type for a in notified.actions] == ["run-deployment"]
    assert set(automations) == {"ordersync-order-needs-attention", "ordersync-order-overdue",
                                "ordersync-flow-run-failed"}
    for automation in automations.values():
        [action] = automation.actions
        assert action.type == "send-notification" and action.block_document_id == block
    orders = automations["ordersync-order-needs-attention"].trigger
    assert orders.expect == {"ordersync.order.error", "ordersync.order.manual"}
    short = {a.name: a for a in load_automations(within_seconds=90,
                                                 resolve_block=lambda ref: block)}
    assert short["ordersync-crash-zombie-flow-runs"].trigger.within == timedelta(seconds=90)
    assert "90 seconds" in short["ordersync-crash-zombie-flow-runs"].description
    assert short["ordersync-order-needs-attention"].trigger.within == timedelta(0)


def test_automations_without_their_block_are_left_out_with_a_warning(caplog):
    from ordersync.flows.automations import load_automations

    with caplog.at_level(logging.WARNING, logger="ordersync.automations"):
        names = [a.name for a in load_automations(resolve_block=lambda ref: None)]
    assert names == ["ordersync-crash-zombie-flow-runs", "ordersync-run-on-notification"]
    assert "custom-webhook/ordersync-alerts" in caplog.text


@pytest.mark.parametrize("seconds, words", [(600, "10 minutes"), (60, "1 minute"),
                                            (7200, "2 hours"), (90, "90 seconds")])
def test_durations_in_words(seconds, words):
    from ordersync.flows.automations import duration

    assert duration(seconds) == words
