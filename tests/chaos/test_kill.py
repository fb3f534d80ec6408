"""kill -9 of a real sync process at seeded points (before a request is sent, or after the
platform answered it and before the hub recorded it), over many trials, with multi-line
orders, shipments with and without codes, partial cancellations and cancellation requests;
then cycles until quiet, and the twins' truth: every order once in the shop, every shipment
and cancellation confirmed once on the marketplace, every order in a final status."""

from __future__ import annotations

import random

import pytest

from tests.chaos.harness import Figures, in_process_context, killed_run, settle, verdict
from tests.chaos.world import World


def run_kill_trials(stack, store, marketplace: str, trials: int, seed: int, *,
                    amazon_no_code: bool = False) -> dict:
    rng = random.Random(seed)
    world = World(stack, marketplace, rng, amazon_no_code=amazon_no_code)
    world.reset()
    figures = Figures(f"kill/{marketplace}->{stack.shop_platform}/seed{seed}")
    url = store.engine.url.render_as_string(hide_password=False)
    for _ in range(trials):
        for _ in range(rng.randint(1, 3)):
            world.place()
        world.act(share=0.6)
        kill_at = rng.randint(1, figures.requests_per_run)
        killed_run(world, url, kill_at, rng.choice(["before", "after"]), figures)
        figures.trials += 1
    settle(world, in_process_context(world, store), figures)
    return verdict(world, store, figures)


@pytest.mark.parametrize(("marketplace", "shop"), [("bolcom", "shopify"),
                                                  ("amazon", "woocommerce")])
def test_killed_sync_processes_lose_and_duplicate_nothing(stacks, sqlite_store, marketplace,
                                                          shop):
    summary = run_kill_trials(stacks(marketplace, shop), sqlite_store, marketplace,
                              trials=5, seed=7)
    assert summary["clean"], summary


@pytest.mark.slow
@pytest.mark.parametrize("shop", ["shopify", "woocommerce"])
@pytest.mark.parametrize("marketplace", ["bolcom", "amazon"])
@pytest.mark.parametrize("seed", [11, 23])
def test_many_killed_sync_processes(stacks, store, marketplace, shop, seed):
    summary = run_kill_trials(stacks(marketplace, shop), store, marketplace, trials=25,
                              seed=seed)
    assert summary["clean"], summary
