"""Fixtures shared by the Cartum tests: one served twin per module, fresh for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordersync.sandbox.cartum import CartumTwin
from ordersync.sandbox.common import ServedApp
from tests.cartum.fixtures import START, Clock


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def twin(clock) -> CartumTwin:
    return CartumTwin("api", "pw", clock=clock)


@pytest.fixture(scope="module")
def served(twin) -> Iterator[ServedApp]:
    app = ServedApp(twin.app).start()
    yield app
    app.stop()


@pytest.fixture(autouse=True)
def _fresh(twin, clock) -> None:
    twin.reset()
    twin.controls.requests.clear()
    clock.now = START.timestamp()
