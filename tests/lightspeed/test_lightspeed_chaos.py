"""Chaos into Lightspeed: sync processes killed at seeded requests (before sending, or after
the platform answered and before the hub recorded it), and fault storms on every twin; then
the twins' truth (every order once in the shop, every shipment and cancellation once)."""

from __future__ import annotations

import pytest

from tests.chaos.conftest import sqlite_store, stacks  # noqa: F401  (the chaos fixtures)
from tests.chaos.test_kill import run_kill_trials
from tests.chaos.test_storm import storm_test
from tests.chaos.world import pairs


@pytest.mark.parametrize("marketplaces", ["bolcom", "bolcom+amazon"])
def test_killed_sync_processes_into_lightspeed_lose_and_duplicate_nothing(
        stacks, sqlite_store, marketplaces):  # noqa: F811
    summary = run_kill_trials(stacks(marketplaces, "lightspeed"), sqlite_store, trials=5, seed=7)
    assert summary["clean"], summary


test_fault_storms_into_lightspeed_lose_and_duplicate_nothing = storm_test(
    pairs([("amazon", "lightspeed")]), examples=2, rounds=3)

# both marketplaces together into Lightspeed storm long in tests/chaos/test_storm.py (every
# registry webshop); here each marketplace alone
test_long_fault_storms_into_lightspeed = pytest.mark.timeout(1800)(pytest.mark.slow(
    storm_test(pairs([(mp, "lightspeed") for mp in ("bolcom", "amazon")]),
               examples=6, rounds=5)))
