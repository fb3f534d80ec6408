"""What a sync step reports: counts per outcome and the orders that started waiting. Shared by
the order loop's steps, the pending-order import and stock sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class StepResult:
    counts: dict[str, int] = field(default_factory=dict)
    waiting: list[tuple[int, datetime]] = field(default_factory=list)  # (order id, since)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def merge(self, other: StepResult) -> StepResult:
        for key, n in other.counts.items():
            self.add(key, n)
        self.waiting.extend(other.waiting)
        return self
