"""The chaos suite on CCV Shop (its registry row): kill -9 of real sync processes at seeded
requests, and a fault storm on every twin, bol.com and Amazon into CCV Shop; then the twins'
truth (every order once, every shipment and cancellation confirmed once)."""

from __future__ import annotations

import pytest

from tests.chaos.test_kill import run_kill_trials
from tests.chaos.test_storm import storm_test
from tests.chaos.world import pairs


@pytest.mark.parametrize(("marketplaces", "shop"), pairs([("bolcom", "ccvshop"),
                                                          ("amazon", "ccvshop")]))
def test_killed_sync_processes_into_ccvshop_lose_and_duplicate_nothing(
        stacks, sqlite_store, marketplaces, shop):
    summary = run_kill_trials(stacks(marketplaces, shop), sqlite_store, trials=5, seed=7)
    assert summary["clean"], summary


test_fault_storms_into_ccvshop_lose_and_duplicate_nothing = storm_test(
    pairs([("bolcom+amazon", "ccvshop")]), examples=2, rounds=3)
