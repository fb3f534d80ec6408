"""Orders needing attention in the Prefect UI, on a real Prefect server against the served
twins: the run's state name, log lines naming the order, the attention artifact, the order's
Prefect event and the automation's alert at the local receiver (latency printed)."""

from __future__ import annotations

import os
import re

import pytest

from ordersync.orders import OrderStatus
from tests.flows.conftest import save_connection

ALERT_TIMEOUT = 120.0  # seconds; generous for a loaded machine (never asserted as a duration)


@pytest.fixture
def hub(tmp_path, monkeypatch, stack):
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    for twin in (stack.bolcom, stack.amazon, stack.shopify):
        twin.reset()
    from ordersync.flows.runtime import store_for

    return store_for(os.environ["ORDERSYNC_DATABASE_URL"])


def _logs(flow_run_id) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all()
    with get_client(sync_client=True) as client:
        return client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), limit=200)


def _artifact(key: str) -> list[dict]:
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        [latest] = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    data = latest.data
    return json.loads(data) if isinstance(data, str) else data


def _latency(hub, record_id: int, kind: str, level: str, alert) -> float:
    [event] = [e for e in hub.events(record_id) if e["kind"] == kind and e["level"] == level]
    return (alert.received_at - event["at"]).total_seconds()


def test_a_refused_shipment_names_the_order_and_alerts(prefect_server, alerts, stack, hub):
    from ordersync.flows.order_sync import order_sync

    save_connection("attn-bol", stack, marketplace="bolcom", tracking_wait_minutes=0,
                    carrier_overrides={"postnl": "NOT-A-CODE"})
    bol_id = stack.bolcom.place_order()
    clean = order_sync(connection="attn-bol", return_state=True)
    assert clean.is_completed() and clean.name == "Completed"
    created = _logs(clean.state_details.flow_run_id)
    [summary] = [log.message for log in created if log.message.startswith("order events:")]
    print(f"\n{summary}")

    [shop] = stack.shopify.orders_with_reference(f"bolcom:{bol_id}")
    stack.shopify.complete(shop["id"], "3SABCD1234567")
    state = order_sync(connection="attn-bol", return_state=True)

    assert state.is_completed() and state.name == "Needs attention"
    assert "new problems: 1 order (1 error)" in state.message
    assert state.result()["errors"] == 1
    record = hub.find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.ERROR and record.error_reason == "shipment_failure"

    logs = _logs(state.state_details.flow_run_id)
    # a WARNING: the hub handled the order (ERROR in a worker's log is the program failing)
    [line] = [log for log in logs if bol_id in log.message and log.level == 30]
    assert not [log for log in logs if log.level >= 40]
    assert str(shop["id"]) in line.message and "refused the shipment" in line.message
    assert "NOT-A-CODE" in line.message and "What to do: check the carrier" in line.message

    rows = _artifact("attention-attn-bol")
    [row] = [r for r in rows if r["marketplace order"] == f"bolcom {bol_id}"]
    assert row["status"] == "error" and row["webshop order"] == f"shopify {shop['id']}"
    assert row["reason"].startswith("shipment_failure") and row["what to do"]
    summary = {(r["step"], r["outcome"]): r["orders"] for r in _artifact("order-sync-attn-bol")}
    assert summary[("push", "errors")] == 1 and summary[("push", "manual")] == 0
    changes = _artifact("order-changes-attn-bol")
    assert {"change": "error", "webshop order": str(shop["id"])}.items() <= changes[-1].items()

    alert = alerts.wait_for(lambda a: bol_id in a.subject and "error" in a.subject,
                            ALERT_TIMEOUT)
    assert alert is not None, f"no alert for {bol_id}: {alerts.alerts}"
    assert "What to do: check the carrier" in alert.body and str(shop["id"]) in alert.body
    print(f"alert latency (error -> receiver): "
          f"{_latency(hub, record.id, 'confirm_shipment', 'error', alert):.1f} s")


def test_an_amazon_cancellation_handed_over_names_the_order_and_alerts(prefect_server, alerts,
                                                                       stack, hub):
    from ordersync.flows.order_sync import order_sync

    save_connection("attn-amazon", stack, marketplace="amazon", tracking_wait_minutes=0)
    amazon_id = stack.amazon.place_order()
    order_sync(connection="attn-amazon")
    [shop] = stack.shopify.orders_with_reference(f"amazon:{amazon_id}")
    stack.shopify.cancel(shop["id"])
    state = order_sync(connection="attn-amazon", return_state=True)

    assert state.name == "Needs attention" and "1 manual" in state.message
    [line] = [log for log in _logs(state.state_details.flow_run_id)
              if amazon_id in log.message and log.level == 30]
    assert "manual" in line.message and "Seller Central" in line.message
    assert str(shop["id"]) in line.message
    [row] = [r for r in _artifact("attention-attn-amazon")
             if r["marketplace order"] == f"amazon {amazon_id}"]
    assert row["status"] == "manual" and "Seller Central" in row["what to do"]
    alert = alerts.wait_for(lambda a: amazon_id in a.subject and "manual" in a.subject,
                            ALERT_TIMEOUT)
    assert alert is not None, f"no alert for {amazon_id}: {alerts.alerts}"
    record = hub.find("amazon", "sandbox", amazon_id)
    print(f"\nalert latency (manual -> receiver): "
          f"{_latency(hub, record.id, 'cancel_on_marketplace', 'warning', alert):.1f} s")


def test_a_failed_ordersync_run_alerts(prefect_server, alerts):
    from prefect import tags

    from ordersync.flows.order_sync import order_sync

    with tags("ordersync"):
        state = order_sync(connection="attn-missing", return_state=True)
    assert state.is_failed()
    run_name = re.escape(str(state.state_details.flow_run_id))
    alert = alerts.wait_for(lambda a: "Failed" in a.subject and "order_sync" in a.subject,
                            ALERT_TIMEOUT)
    assert alert is not None, f"no alert for the failed run {run_name}: {alerts.alerts}"
    assert "no order connection named 'attn-missing'" in alert.body


def test_orders_not_shipped_past_the_threshold_are_reported_once(prefect_server, alerts, stack,
                                                                hub):
    from ordersync.flows.order_sync import order_sync

    save_connection("attn-late", stack, marketplace="bolcom", tracking_wait_minutes=0)
    placed = [stack.bolcom.place_order() for _ in range(5)]
    state = order_sync(connection="attn-late", not_shipped_alert_hours=0, return_state=True)
    assert state.name == "Needs attention" and "(5 overdue_not_shipped)" in state.message
    logs = _logs(state.state_details.flow_run_id)
    [summary] = [log.message for log in logs if log.message.startswith("order events:")]
    print(f"\nfive new orders, overdue at once: {summary}")
    for bol_id in placed:
        [line] = [log for log in logs if bol_id in log.message and log.level == 30]
        assert "ordered a while ago and not shipped yet" in line.message
    rows = {r["marketplace order"]: r for r in _artifact("attention-attn-late")}
    assert rows[f"bolcom {placed[0]}"]["status"] == "not_shipped (overdue)"
    alert = alerts.wait_for(lambda a: placed[0] in a.subject and "overdue" in a.subject,
                            ALERT_TIMEOUT)
    assert alert is not None and "not shipped" in alert.body
    again = order_sync(connection="attn-late", not_shipped_alert_hours=0, return_state=True)
    assert again.name == "Completed"  # reported once; still listed in the artifact
    assert len(_artifact("attention-attn-late")) == 5
