"""Coalescing per connection: a burst makes one emit at once and one trailing emit per gap, the
trailing one waits while the connection is busy and is retried when it fails; gap 0 emits every
notice; the first emit's failure is still a 503. A fake clock and ``run_due()`` called by hand
(no background thread) keep them deterministic."""

from __future__ import annotations

import logging
import threading

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from ordersync.webhooks.coalesce import Coalescer
from ordersync.webhooks.receiver import Receiver, ShopRoute
from ordersync.webhooks.shopify import FULFILLED, Notification
from tests.webhooks.test_receiver import CONNECTIONS, DOMAIN, ORDER, SECRET, deliver


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def note(order_id: int) -> Notification:
    return Notification(FULFILLED, "orders/fulfilled", str(order_id), "bolcom")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def emitted():
    return []


def coalescer(emitted, clock, **options) -> Coalescer:
    options.setdefault("gap", 15.0)
    return Coalescer(lambda connection, n: emitted.append((connection, n.order_id)),
                     clock=clock, background=False, **options)


def test_a_burst_makes_one_emit_at_once_and_one_trailing_emit(emitted, clock):
    co = coalescer(emitted, clock)
    answers = []
    for i in range(10):
        answers.append(co.submit("bol-shop", note(i)))
        clock.now += 1
    assert answers == [True] + [False] * 9
    assert emitted == [("bol-shop", "0")] and co.pending() == 1
    assert co.run_due() == pytest.approx(5.0)  # due at the gap after the first emit
    assert emitted == [("bol-shop", "0")]
    clock.now += 5
    assert co.run_due() is None
    assert emitted == [("bol-shop", "0"), ("bol-shop", "9")]  # the latest notice
    assert co.pending() == 0 and co.counts == {"emitted": 2, "coalesced": 9}
    clock.now += 1
    assert co.submit("bol-shop", note(10)) is False  # within the gap of the trailing emit
    assert co.run_due() == pytest.approx(14.0)
    clock.now += 20
    assert co.submit("bol-shop", note(11)) is False  # the pending one takes it
    co.run_due()
    assert [o for _, o in emitted] == ["0", "9", "11"]
    clock.now += 16
    assert co.submit("bol-shop", note(12)) is True  # quiet for a gap: at once again


def test_connections_are_coalesced_independently(emitted, clock):
    co = coalescer(emitted, clock)
    assert co.submit("bol-shop", note(1)) and co.submit("amazon-shop", note(2))
    clock.now += 10
    assert not co.submit("bol-shop", note(3))
    assert co.pending() == 1 and co.pending_connections() == ["bol-shop"]
    clock.now += 5
    assert co.submit("amazon-shop", note(4))  # its last emit was 15 s ago
    co.run_due()
    assert emitted == [("bol-shop", "1"), ("amazon-shop", "2"), ("amazon-shop", "4"),
                       ("bol-shop", "3")]


def test_a_trailing_emit_waits_while_the_connection_is_busy(emitted, clock):
    running = set()
    asked = []

    def busy(connection):
        asked.append(connection)
        return connection in running

    co = coalescer(emitted, clock, busy=busy, recheck=2.0)
    co.submit("bol-shop", note(1))
    running.add("bol-shop")  # the run it triggered
    co.submit("bol-shop", note(2))
    assert len(asked) == 1  # asked before the emit at once, not for the coalesced one
    clock.now += 15
    assert co.run_due() == pytest.approx(2.0)
    clock.now += 2
    co.run_due()
    assert emitted == [("bol-shop", "1")] and co.pending() == 1 and len(asked) == 3
    running.clear()
    clock.now += 2
    assert co.run_due() is None
    assert emitted == [("bol-shop", "1"), ("bol-shop", "2")] and co.pending() == 0


def test_a_notice_while_a_run_is_under_way_is_held_until_it_ends(emitted, clock):
    """A run under way (e.g. the scheduled poll) may have read the webshop before the notice,
    and a run triggered now would be cancelled at once: the notice waits for it instead."""
    running = {"bol-shop"}
    co = coalescer(emitted, clock, busy=lambda c: c in running, recheck=2.0)
    assert co.submit("bol-shop", note(1)) is False
    assert co.submit("amazon-shop", note(2)) is True
    assert co.submit("bol-shop", note(3)) is False
    assert emitted == [("amazon-shop", "2")] and co.pending() == 1
    assert co.run_due() == pytest.approx(2.0)
    clock.now += 2
    co.run_due()
    assert co.pending() == 1
    running.clear()
    clock.now += 2
    assert co.run_due() is None
    assert emitted == [("amazon-shop", "2"), ("bol-shop", "3")]
    assert co.counts == {"emitted": 2, "coalesced": 2}


def test_gap_zero_never_asks_whether_busy(emitted, clock):
    co = coalescer(emitted, clock, gap=0, busy=lambda c: True)
    assert co.submit("bol-shop", note(1)) and co.submit("bol-shop", note(2))
    assert len(emitted) == 2


def test_a_busy_check_that_fails_does_not_hold_the_notice(emitted, clock, caplog):
    def busy(connection):
        raise ConnectionError("api down")

    co = coalescer(emitted, clock, busy=busy)
    co.submit("bol-shop", note(1))
    co.submit("bol-shop", note(2))
    clock.now += 15
    co.run_due()
    assert [o for _, o in emitted] == ["1", "2"]
    assert "ConnectionError" in caplog.text


def test_a_failing_trailing_emit_stays_pending_and_is_retried(clock, caplog):
    sent, failures = [], [RuntimeError("token=s3cr3t refused"), RuntimeError("again")]

    def emit(connection, n):
        if n.order_id != "1" and failures:
            raise failures.pop(0)
        sent.append(n.order_id)

    co = Coalescer(emit, 15.0, clock=clock, retry=10.0, background=False)
    co.submit("bol-shop", note(1))
    co.submit("bol-shop", note(2))
    clock.now += 15
    assert co.run_due() == pytest.approx(10.0)
    assert sent == ["1"] and co.pending() == 1
    clock.now += 10
    co.run_due()
    assert co.pending() == 1
    co.submit("bol-shop", note(3))  # a newer notice while failing: still one pending
    clock.now += 10
    assert co.run_due() is None
    assert sent == ["1", "3"] and co.pending() == 0 and co.counts["emitted"] == 2
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1  # logged once per failing spell
    assert "s3cr3t" not in caplog.text


def test_gap_zero_emits_every_notice(emitted, clock):
    co = coalescer(emitted, clock, gap=0)
    assert all(co.submit("bol-shop", note(i)) for i in range(5))
    assert co.run_due() is None
    assert len(emitted) == 5 and co.counts == {"emitted": 5, "coalesced": 0}


def receiver_with(emit, clock, gap=15.0) -> Receiver:
    co = Coalescer(emit, gap, clock=clock, background=False)
    return Receiver([ShopRoute(DOMAIN, SecretStr(SECRET), CONNECTIONS)], emit, coalescer=co)


def test_the_receiver_coalesces_and_counts_it_in_health(emitted, clock):
    receiver = receiver_with(lambda c, n: emitted.append((c, n.order_id)), clock)
    with TestClient(receiver.app) as client:
        answers = [deliver(client, "orders/fulfilled", ORDER, webhook_id=f"w-{i}")
                   for i in range(4)]
        assert {a.status_code for a in answers} == {200}
        assert {a.json()["status"] for a in answers} == {"accepted"}
        health = client.get("/health").json()
        assert (health["emitted"], health["coalesced"], health["pending"]) == (1, 3, 1)
        clock.now += 15
        receiver.coalescer.run_due()
        health = client.get("/health").json()
        assert (health["emitted"], health["coalesced"], health["pending"]) == (2, 3, 0)
    assert emitted == [("bol-shop", "42"), ("bol-shop", "42")]


@pytest.mark.parametrize("retry_after", [60, 1], ids=["after-the-gap", "within-the-gap"])
def test_the_first_emits_failure_is_still_a_503_and_its_retry_is_emitted_at_once(
        clock, retry_after):
    """Shopify's retry comes later, or within the gap of the failed emit: either way it is
    emitted at once (a failed emit does not count as one)."""
    calls = []

    def flaky(connection, n):
        calls.append(connection)
        if len(calls) == 1:
            raise RuntimeError("events API down")

    receiver = receiver_with(flaky, clock)
    with TestClient(receiver.app) as client:
        assert deliver(client, "orders/fulfilled", ORDER).status_code == 503
        clock.now += retry_after
        assert deliver(client, "orders/fulfilled", ORDER).status_code == 200
    assert calls == ["bol-shop", "bol-shop"]
    assert receiver.counts["emitted"] == 1 and receiver.counts["pending"] == 0
    assert receiver.counts["coalesced"] == 0


def test_the_background_thread_makes_the_trailing_emit():
    done = threading.Event()
    sent = []

    def emit(connection, n):
        sent.append(n.order_id)
        if len(sent) == 2:
            done.set()

    co = Coalescer(emit, 0.05)
    try:
        co.submit("bol-shop", note(1))
        co.submit("bol-shop", note(2))
        assert done.wait(timeout=30)
    finally:
        co.close()
    assert sent == ["1", "2"] and co.pending() == 0
