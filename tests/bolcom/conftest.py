"""Fixtures: one bol.com twin served on a free port per module, reset before each test."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ordersync.connectors.bolcom import BolcomConnector
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp

CLIENT_ID = "sandbox-client"
SECRET = "s3cr3t-do-not-leak-7f9a"


class Clock:
    """A wall clock that tests can move forward (token expiry) without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def twin(clock: Clock) -> BolcomTwin:
    return BolcomTwin(clients={CLIENT_ID: SECRET}, rate_limits=False, clock=clock)


@pytest.fixture(scope="module")
def served(twin: BolcomTwin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture(autouse=True)
def clean(twin: BolcomTwin, clock: Clock) -> None:
    twin.reset()
    twin.controls.rate_limits = False
    clock.offset = 0.0


def make_connector(url: str, clock: Clock | None = None, secret: str = SECRET,
                   **kw) -> BolcomConnector:
    return BolcomConnector(
        client_id=CLIENT_ID, client_secret=secret, account="shop-nl", api_url=url,
        login_url=url, rate_limits=False, sleep=lambda s: None, clock=clock or time.time, **kw,
    )


@pytest.fixture
def connector(served: ServedApp, clock: Clock) -> Iterator[BolcomConnector]:
    conn = make_connector(served.url, clock)
    yield conn
    conn.close()
