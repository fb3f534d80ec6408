"""The served Cartum twin on a controllable clock (import as ``tests.cartum.fixtures``)."""

from __future__ import annotations

from datetime import UTC, datetime

START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START.timestamp()

    def __call__(self) -> float:
        return self.now
