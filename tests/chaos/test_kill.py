"""kill -9 of a real sync process at seeded points (before a request is sent, or after the
platform answered it and before the hub recorded it), over many trials, with multi-line
orders, shipments with and without codes, partial cancellations and cancellation requests;
then cycles until quiet, and the twins' truth: every order once in the shop, every shipment
and cancellation confirmed once on the marketplace, every order in a final status."""

from __future__ import annotations

import random

import pytest

from ordersync.sandbox.webshops import names
from tests.chaos.harness import Figures, killed_run, settle, verdict
from tests.chaos.world import World, pairs


def run_kill_trials(stack, store, trials: int, seed: int, *,
                    amazon_no_code: bool = False) -> dict:
    rng = random.Random(seed)
    world = World(stack, rng, amazon_no_code=amazon_no_code)
    world.reset()
    figures = Figures(f"kill/{'+'.join(world.marketplaces)}->{stack.shop_platform}/seed{seed}")
    url = store.engine.url.render_as_string(hide_password=False)
    for _ in range(trials):
        for _ in range(rng.randint(1, 3)):
            world.place()
        world.act(share=0.6)
        kill_at = rng.randint(1, figures.requests_per_run)
        killed_run(world, url, kill_at, rng.choice(["before", "after"]), figures)
        figures.trials += 1
    settle(world, store, figures)
    return verdict(world, store, figures)


FAST = pairs([("bolcom", "shopify"), ("amazon", "woocommerce"), ("bolcom+amazon", "shopify"),
              ("bolcom+amazon", "shopware")])
# Every marketplace into the two oldest webshops; both marketplaces together into every other
# registry webshop (the full cross product is 3x as long for the same paths).
SLOW = pairs([(mp, shop) for mp in ("bolcom", "amazon", "bolcom+amazon")
              for shop in ("shopify", "woocommerce")]
             + [("bolcom+amazon", shop) for shop in names()
                if shop not in ("shopify", "woocommerce")])


@pytest.mark.parametrize(("marketplaces", "shop"), FAST)
def test_killed_sync_processes_lose_and_duplicate_nothing(stacks, sqlite_store, marketplaces,
                                                          shop):
    summary = run_kill_trials(stacks(marketplaces, shop), sqlite_store, trials=5, seed=7)
    assert summary["clean"], summary


def test_killed_processes_with_amazon_shipments_without_tracking(stacks, sqlite_store):
    summary = run_kill_trials(stacks("amazon", "shopify"), sqlite_store, trials=5, seed=7,
                              amazon_no_code=True)
    assert summary["clean"], summary


@pytest.mark.slow
@pytest.mark.timeout(1500)
@pytest.mark.parametrize(("marketplaces", "shop"), SLOW)
def test_many_killed_sync_processes(stacks, store, marketplaces, shop):
    summary = run_kill_trials(stacks(marketplaces, shop), store, trials=10, seed=11)
    assert summary["clean"], summary
