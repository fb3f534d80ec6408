"""The check mode's verdicts on constructed twin states: each failure kind is detected, a
healthy state passes, and an expectation whose deadline is ahead stays open (not failed).

``now`` is passed in: a moment past every deadline (LATER) or the present."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordersync import demo_check as dc
from ordersync.demo_traffic import Ledger
from ordersync.sandbox.stack import SandboxStack

LIMITS = dc.Limits(grace=timedelta(seconds=100), tracking_wait=timedelta(minutes=10))


def later() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


@pytest.fixture
def world():
    sandbox = SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"))
    return sandbox, Ledger()


def bol_order(sandbox: SandboxStack, lines: int = 1) -> str:
    return sandbox.bolcom.place_order(items=[
        {"ean": f"871234567890{n}", "title": f"Item {n}", "quantity": 1, "unitPrice": 9.5}
        for n in range(lines)])


def in_shop(sandbox: SandboxStack, reference: str) -> int:
    platform = reference.split(":")[0]
    order = sandbox.shopify.create_order({"order": {
        "line_items": [{"title": "Item", "price": "9.50", "quantity": 1}],
        "source_name": f"ordersync-{platform}", "source_identifier": reference}})
    return order["id"]


def ship_in_shop(sandbox: SandboxStack, ledger: Ledger, shop_id: int,
                 carrier: str | None = "postnl", code: str = "3SABCD123456789") -> None:
    sandbox.shopify.complete(shop_id, code if carrier else None)
    if carrier:
        ledger.carriers[str(shop_id)] = carrier


def bol_confirm(sandbox: SandboxStack, order_id: str, code: str | None, tracking: str | None):
    state = sandbox.bolcom.state
    items = [{"orderItemId": i["orderItemId"]} for i in state.orders[order_id]["orderItems"]]
    transport = {"transporterCode": code, "trackAndTrace": tracking} if code else None
    state.poll(state.ship(items, transport, None).id)


def verdict(sandbox, ledger, now=None, hub=()) -> dc.Verdict:
    now = now or later()
    markets = dc.read_bolcom(sandbox, ledger) + dc.read_amazon(sandbox, ledger)
    shop = dc.read_shop(sandbox, ledger)
    return dc.check_platforms(markets, shop, LIMITS, now).merge(
        dc.check_hub(hub, markets, LIMITS, now))


def kinds(v: dc.Verdict) -> list[str]:
    return sorted(f.kind for f in v.findings)


def test_a_healthy_bolcom_and_amazon_order_pass(world):
    sandbox, ledger = world
    bol = bol_order(sandbox, lines=2)
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"bolcom:{bol}"))
    bol_confirm(sandbox, bol, "TNT", "3SABCD123456789")
    amz = sandbox.amazon.place_order([{"sku": "MUG"}])
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"amazon:{amz}"), "ups", "1Z999AA10123456784")
    record = sandbox.amazon.state.orders[amz]
    sandbox.amazon.state.ship(record, {
        "packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber": "1Z999AA10123456784",
        "shipDate": "2026-11-25T10:00:00Z",
        "orderItems": [{"orderItemId": i["OrderItemId"], "quantity": 1} for i in record.items]})
    v = verdict(sandbox, ledger)
    assert v.findings == [] and v.open == []


def test_missing_in_shop_fails_after_the_deadline_and_is_open_before(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    assert kinds(verdict(sandbox, ledger)) == ["missing_in_shop"]
    now = verdict(sandbox, ledger, now=datetime.now(UTC))
    assert now.findings == [] and now.open and f"bolcom order {bol}" in now.open[0]


def test_an_order_created_twice_in_the_shop(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    in_shop(sandbox, f"bolcom:{bol}")
    in_shop(sandbox, f"bolcom:{bol}")
    assert kinds(verdict(sandbox, ledger)) == ["created_twice"]


def test_an_unpaid_amazon_order_in_the_shop(world):
    sandbox, ledger = world
    amz = sandbox.amazon.place_order([{"sku": "MUG"}], pending=True)
    in_shop(sandbox, f"amazon:{amz}")
    assert kinds(verdict(sandbox, ledger)) == ["unpaid_in_shop"]


def test_a_paid_amazon_order_is_due_from_its_payment(world):
    sandbox, ledger = world
    amz = sandbox.amazon.place_order([{"sku": "MUG"}], pending=True)
    sandbox.amazon.pay(amz)
    ledger.paid_at[amz] = datetime.now(UTC) + timedelta(hours=2)
    assert verdict(sandbox, ledger).open  # paid "later": not due yet
    del ledger.paid_at[amz]
    assert kinds(verdict(sandbox, ledger)) == ["missing_in_shop"]


def test_a_shipment_confirmed_twice_on_amazon(world):
    sandbox, ledger = world
    amz = sandbox.amazon.place_order([{"sku": "MUG", "quantity": 2}])
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"amazon:{amz}"), "ups", "1Z999AA10123456784")
    record = sandbox.amazon.state.orders[amz]
    for _ in range(2):
        sandbox.amazon.state.ship(record, {
            "packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber":
            "1Z999AA10123456784", "shipDate": "2026-11-25T10:00:00Z",
            "orderItems": [{"orderItemId": record.items[0]["OrderItemId"], "quantity": 1}]})
    assert kinds(verdict(sandbox, ledger)) == ["confirmed_twice"]


def test_a_shipment_bolcom_refused_as_a_repeat(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"bolcom:{bol}"))
    bol_confirm(sandbox, bol, "TNT", "3SABCD123456789")
    bol_confirm(sandbox, bol, "TNT", "3SABCD123456789")  # FAILURE: nothing open any more
    assert kinds(verdict(sandbox, ledger)) == ["confirmed_twice"]


def test_a_bolcom_shipment_with_amazons_carrier_code(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"bolcom:{bol}"), "postnl_s10",
                 "RR123456785NL")
    bol_confirm(sandbox, bol, "PostNL", "RR123456785NL")  # Amazon's code for PostNL
    found = verdict(sandbox, ledger).findings
    assert [f.kind for f in found] == ["wrong_carrier"]
    assert "'PostNL'" in found[0].detail and "'TNT'" in found[0].detail


def test_a_shipment_with_another_tracking_number(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"bolcom:{bol}"))
    bol_confirm(sandbox, bol, "TNT", "3SOTHER0000001")
    assert kinds(verdict(sandbox, ledger)) == ["wrong_tracking"]


def test_never_confirmed_with_a_code(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"bolcom:{bol}"))
    assert kinds(verdict(sandbox, ledger)) == ["never_confirmed"]


def test_without_a_code_the_deadline_includes_the_tracking_wait(world):
    sandbox, ledger = world
    amz = sandbox.amazon.place_order([{"sku": "MUG"}])
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"amazon:{amz}"), carrier=None)
    within_wait = datetime.now(UTC) + LIMITS.grace + timedelta(seconds=5)
    assert verdict(sandbox, ledger, now=within_wait).findings == []
    found = verdict(sandbox, ledger).findings
    assert [f.kind for f in found] == ["never_confirmed"]
    assert "without track & trace" in found[0].detail


def test_a_shop_cancellation_that_never_reached_bolcom(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    sandbox.shopify.cancel(in_shop(sandbox, f"bolcom:{bol}"))
    assert kinds(verdict(sandbox, ledger)) == ["never_cancelled"]
    state = sandbox.bolcom.state
    state.poll(state.cancel(state.orders[bol]["orderItems"][0]["orderItemId"],
                            "REQUESTED_BY_CUSTOMER").id)
    assert verdict(sandbox, ledger).findings == []


def hub(ref: str, status: str, reason: str | None = None,
        waiting_since: datetime | None = None) -> dc.HubOrder:
    platform, external_id = ref.split(":")
    return dc.HubOrder(platform, external_id, status, reason, waiting_since,
                       datetime.now(UTC))


def test_an_order_in_error_that_was_not_planted(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    in_shop(sandbox, f"bolcom:{bol}")
    v = verdict(sandbox, ledger, hub=[hub(f"bolcom:{bol}", "error", "shipment_failure")])
    assert kinds(v) == ["unexpected_error"]


def test_planted_bad_input_must_be_quarantined_and_never_reach_the_shop(world):
    sandbox, ledger = world
    bad = sandbox.bolcom.put_order({"orderId": "666", "orderItems": "garbage",
                                    "orderPlacedDateTime": datetime.now(UTC).isoformat()})
    ledger.planted[("bolcom", bad)] = "order items are not a list"
    assert kinds(verdict(sandbox, ledger)) == ["bad_input_not_quarantined"]  # never imported
    assert verdict(sandbox, ledger, hub=[hub("bolcom:666", "error", "validation")]).findings \
        == []
    assert kinds(verdict(sandbox, ledger, hub=[hub("bolcom:666", "not_shipped")])) == [
        "bad_input_not_quarantined"]
    in_shop(sandbox, "bolcom:666")
    assert kinds(verdict(sandbox, ledger, hub=[hub("bolcom:666", "error")])) == [
        "bad_input_in_shop"]


def test_stuck_waiting_and_pending(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    in_shop(sandbox, f"bolcom:{bol}")
    amz = sandbox.amazon.place_order([{"sku": "MUG"}])
    in_shop(sandbox, f"amazon:{amz}")
    since = datetime.now(UTC)
    v = verdict(sandbox, ledger, hub=[hub(f"bolcom:{bol}", "waiting", waiting_since=since),
                                      hub(f"amazon:{amz}", "pending")])
    assert kinds(v) == ["stuck_pending", "stuck_waiting"]


def run(name: str, state: str, deployment: str = "order-sync", auto: bool = True) -> dict:
    return {"name": name, "deployment": deployment, "auto_scheduled": auto,
            "state": {"type": state, "name": state.title(), "message": f"{name} {state}"}}


def test_failed_and_crashed_flow_runs_and_a_schedule_that_never_fired():
    v = dc.check_runs([run("a", "COMPLETED"), run("b", "FAILED"), run("c", "CRASHED"),
                       run("d", "COMPLETED", "stock-sync", auto=False),
                       run("e", "CANCELLED", "stock-sync")], ["order-sync", "stock-sync"])
    assert [(f.kind, f.subject) for f in v.findings] == [
        ("flow_run", "order-sync run b"), ("flow_run", "order-sync run c"),
        ("schedule", "stock-sync")]
    assert v.figures["auto_scheduled"] == {"order-sync": 3, "stock-sync": 1}
    assert v.figures["runs_by_state"] == {"Cancelled": 1, "Completed": 2, "Crashed": 1,
                                          "Failed": 1}


SERVER_LOG = """\
22:37:30.100 | INFO    | prefect.server - all good
22:37:33.734 | ERROR   | prefect.server.utilities.worker_channel - heartbeat failed
Traceback (most recent call last):
  File "x.py", line 1, in f
    g()
sqlite3.OperationalError: database is locked

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "y.py", line 2, in h
    ^^^^
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked
[SQL: UPDATE worker SET x=?]
22:37:34.000 | INFO    | prefect.server - still fine
Traceback (most recent call last):
  File "z.py", line 3, in k
ValueError: confirmShipment needs a tracking number
22:37:35.000 | ERROR   | prefect.server.utilities.worker_channel - heartbeat failed
"""


def test_log_errors_are_summed_up_with_the_exception_they_end_with():
    assert dc.log_errors(SERVER_LOG.splitlines()) == [
        "prefect.server.utilities.worker_channel - heartbeat failed -> "
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked",
        "ValueError: confirmShipment needs a tracking number",
        "prefect.server.utilities.worker_channel - heartbeat failed",
    ]
    v = dc.check_logs({"server": SERVER_LOG.splitlines(), "worker": ["12:00 | INFO | ok"]})
    assert [f.kind for f in v.findings] == ["log_error"] * 3
    assert v.figures["log_errors"] == {"server": 3, "worker": 0}


def test_coverage_reports_the_cases_the_traffic_never_produced(world):
    sandbox, ledger = world
    bol = bol_order(sandbox, lines=2)
    ship_in_shop(sandbox, ledger, in_shop(sandbox, f"bolcom:{bol}"))
    markets = dc.read_bolcom(sandbox, ledger) + dc.read_amazon(sandbox, ledger)
    v = dc.check_coverage(markets, dc.read_shop(sandbox, ledger))
    missing = {f.subject for f in v.findings}
    assert "bolcom shipped with T&T" not in missing and "bolcom multi-line" not in missing
    assert {"bolcom shipped without T&T", "amazon cancelled in shop", "bolcom bad input",
            "amazon multi-line"} <= missing


def test_the_same_error_with_other_ids_and_timings_is_one_finding():
    lines = [f"22:50:0{n}.000 | ERROR   | docket.worker - [ {n}0216ms] cancel(UUID('01a214e0-"
             f"83bf-710d-9f4f-d30931e7331{n}')) failed" for n in range(3)]
    v = dc.check_logs({"server": lines})
    assert len(v.findings) == 1 and v.findings[0].detail.endswith("(x3)")


def test_planted_bad_input_without_any_alert_fails_the_check():
    assert [f.kind for f in dc.check_alerts([], planted=3).findings] == ["no_alert"]
    assert dc.check_alerts(["an alert"], planted=3).findings == []
    assert dc.check_alerts([], planted=0).findings == []
    assert dc.check_alerts(["a", "b"], planted=1).figures["alerts"] == 2


def test_an_order_named_in_error_for_the_merchant_is_not_a_program_error():
    """The run reports such an order as a WARNING (flows/order_events.py); an ERROR is a
    program error, whatever its text."""
    report = ("00:00:01.000 | WARNING | Flow run 'icy-alligator' - bolcom order 1000000003 (not in "
              "the webshop; hub id 19): error - the order's prices are missing or inconsistent: "
              "pricing: unitPrice 'twelve' is not a price. What to do: check the prices.")
    crash = ("00:00:02.000 | ERROR   | Flow run 'icy-alligator' - Encountered exception during "
             "execution: KeyError('value_limit')")
    assert dc.log_errors([report]) == []
    assert len(dc.log_errors([report, crash])) == 1
    assert len(dc.log_errors([report.replace("WARNING", "ERROR  ")])) == 1


def test_a_buyer_cancellation_must_reach_the_shop(world):
    sandbox, ledger = world
    bol = bol_order(sandbox)
    amz = sandbox.amazon.place_order([{"sku": "MUG"}])
    shop_ids = [in_shop(sandbox, f"bolcom:{bol}"), in_shop(sandbox, f"amazon:{amz}")]
    sandbox.bolcom.request_cancellation(bol)
    sandbox.amazon.buyer_cancel(amz)
    ledger.buyer_cancelled.update({f"bolcom:{bol}": datetime.now(UTC),
                                   f"amazon:{amz}": datetime.now(UTC)})
    assert kinds(verdict(sandbox, ledger)) == ["buyer_cancel_not_in_shop"] * 2
    for shop_id in shop_ids:
        sandbox.shopify.cancel(shop_id)
    assert kinds(verdict(sandbox, ledger)) == ["never_cancelled"]  # bol.com's request open
    state = sandbox.bolcom.state
    state.poll(state.cancel(state.orders[bol]["orderItems"][0]["orderItemId"],
                            "REQUESTED_BY_CUSTOMER").id)
    assert verdict(sandbox, ledger).findings == []  # a cancelled Amazon order is no unpaid one
    markets = dc.read_bolcom(sandbox, ledger) + dc.read_amazon(sandbox, ledger)
    cases = dc.check_coverage(markets, dc.read_shop(sandbox, ledger)).figures["cases"]
    assert cases["bolcom buyer cancelled"] == cases["amazon buyer cancelled"] == 1
