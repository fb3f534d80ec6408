"""The chaos world with PrestaShop as the shop (the chaos suite's fast lists name Shopify and
WooCommerce): killed sync processes and a fault storm, then the twins' truth."""

from __future__ import annotations

import pytest

from tests.chaos import test_half_done as half_done
from tests.chaos.test_kill import run_kill_trials
from tests.chaos.test_storm import storm_test
from tests.chaos.world import pairs


@pytest.mark.parametrize("marketplaces", ["bolcom", "amazon"])
def test_killed_sync_processes_into_prestashop(stacks, sqlite_store, marketplaces):
    summary = run_kill_trials(stacks(marketplaces, "prestashop"), sqlite_store, trials=5,
                              seed=7)
    assert summary["clean"], summary


def test_half_done_cancellation_into_prestashop(stacks, sqlite_store):
    half_done.test_half_done_bolcom_cancellation_finishes_once(stacks, sqlite_store, "prestashop")


test_fault_storms_into_prestashop = storm_test(
    pairs([("bolcom+amazon", "prestashop")]), examples=2, rounds=3)
