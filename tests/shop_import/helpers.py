"""Builders for the shop import tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from ordersync.shop_import.steps import ShopImportContext, ShopImportSettings
from tests.shop_import.fakes import T0


class Clock:
    """A UTC clock that moves only when told."""

    def __init__(self, start: datetime = T0 + timedelta(days=1)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def context(store, source, clock=None, **settings) -> ShopImportContext:
    if clock is not None and getattr(source, "clock", "absent") is None:
        source.clock = clock
    base = dict(name="test-shop", hub_currency="EUR")
    base.update(settings)
    return ShopImportContext(store=store, source=source, settings=ShopImportSettings(**base),
                             clock=clock or Clock())


def run_backfill(ctx, since=None, until=None, pages_per_call: int = 100):
    from ordersync.shop_import.steps import backfill_pages, start_backfill

    state = start_backfill(ctx, since, until)
    while not state.done:
        state = backfill_pages(ctx, state, pages_per_call)
    return state
