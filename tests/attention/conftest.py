"""Served twins, and the local alert receiver wired by the automations to the session's
Prefect server (``prefect_server`` in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def stack():
    from ordersync.sandbox.stack import SandboxStack

    with SandboxStack(marketplaces=("bolcom", "amazon"), rate_limits=False) as served:
        yield served


@pytest.fixture(scope="module")
def alerts(prefect_server):
    """The alert receiver, its notification block and the automations applied."""
    from ordersync.alerts import configure_notifications, start_alert_receiver
    from ordersync.flows.automations import apply_automations

    with start_alert_receiver() as receiver:
        configure_notifications(receiver.url)
        applied = apply_automations()
        assert {"ordersync-order-needs-attention", "ordersync-order-overdue",
                "ordersync-flow-run-failed", "ordersync-crash-zombie-flow-runs"} <= set(applied)
        yield receiver
