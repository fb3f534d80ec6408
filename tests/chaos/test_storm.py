"""Fault storms (5xx, 429 with Retry-After, hangs, processed-then-failed) on every twin,
token endpoints included, with multi-line orders, bol.com and Amazon into Shopify and
WooCommerce; cycles until quiet once the storm is over, then the twins' truth."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ordersync.sandbox.webshops import names
from ordersync.store import Store
from tests.chaos.harness import Figures, cycles, settle, verdict
from tests.chaos.storms import inject, storm_context, storm_plan
from tests.chaos.world import World, pairs

# As the kill trials: every marketplace into the two oldest webshops, both together into
# every other registry webshop.
PAIRS = pairs([(mp, shop) for mp in ("bolcom", "amazon", "bolcom+amazon")
               for shop in ("shopify", "woocommerce")]
              + [("bolcom+amazon", shop) for shop in names()
                 if shop not in ("shopify", "woocommerce")])


def run_storm(stack, plan: list, seed: int, *, amazon_no_code: bool = False) -> dict:
    rng = random.Random(seed)
    world = World(stack, rng, amazon_no_code=amazon_no_code)
    world.reset()
    figures = Figures(f"storm/{'+'.join(world.marketplaces)}->{stack.shop_platform}/"
                      f"seed{seed}")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'storm.db'}")
        contexts = [storm_context(world, store, mp) for mp in world.marketplaces]
        try:
            for round_faults in plan:
                for _ in range(rng.randint(1, 3)):
                    world.place()
                world.act(share=0.6)
                for twin, kind, body in round_faults:
                    inject(world, twin, body)
                    figures.faults[f"{twin}:{kind}"] += 1
                cycles(contexts, figures)
                figures.trials += 1
            settle(world, store, figures)
            return verdict(world, store, figures)
        finally:
            for ctx in contexts:
                ctx.close()
            store.dispose()


def storm_test(pairs, examples: int, rounds: int):
    """A hypothesis test over ``pairs``: seeded plans (derandomized), no shrinking."""

    @pytest.mark.parametrize(("marketplaces", "shop"), pairs)
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(data=st.data(), seed=st.integers(0, 2**16))
    def test(stacks, marketplaces, shop, data, seed):
        stack = stacks(marketplaces, shop)
        plan = data.draw(storm_plan((*stack.marketplaces, shop), rounds), label="plan")
        summary = run_storm(stack, plan, seed)
        assert summary["clean"], summary

    return test


test_fault_storms_lose_and_duplicate_nothing = storm_test(
    pairs([("bolcom", "woocommerce"), ("amazon", "shopify"), ("bolcom+amazon", "woocommerce"),
           ("bolcom+amazon", "shopware")]),
    examples=2, rounds=3)

test_long_fault_storms = pytest.mark.timeout(1800)(
    pytest.mark.slow(storm_test(PAIRS, examples=6, rounds=5)))
