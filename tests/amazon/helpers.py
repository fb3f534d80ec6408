"""Shared constants and factories for the Amazon tests (import as ``tests.amazon.helpers``)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from ordersync.connectors.amazon import AmazonConnector
from ordersync.sandbox.amazon import SELLER_ID

CLIENT_ID = "amzn1.application-oa2-client.sandbox"
SECRET = "amzn1.oa2-cs.v1.s3cr3t-do-not-leak-7f9a"
REFRESH = "Atzr|refresh-do-not-leak-31c4"


class Clock:
    """A wall clock that tests can move forward (token expiry) without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class FakeClock:
    """A clock that only moves when told (server-side buckets)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_connector(url: str, clock=None, *, secret: str = SECRET, refresh: str = REFRESH,
                   **kw: Any) -> AmazonConnector:
    options: dict[str, Any] = {
        "client_id": CLIENT_ID, "client_secret": secret, "refresh_token": refresh,
        "seller_id": SELLER_ID, "account": "amazon-nl", "api_url": url,
        "token_url": f"{url}/auth/o2/token", "rate_limits": False,
        "sleep": lambda s: None, "clock": clock or time.time,
    }
    options.update(kw)
    return AmazonConnector(**options)


def fault(url: str, **body: Any) -> None:
    httpx.post(f"{url}/_sandbox/faults", json=body).raise_for_status()


def stats(url: str) -> dict[str, int]:
    return httpx.get(f"{url}/_sandbox/stats").json()["by_path"]
