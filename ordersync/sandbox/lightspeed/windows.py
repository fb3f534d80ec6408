"""The twin's three fixed rate-limit windows (5 minutes / hour / day) per API key, and the
``X-RateLimit-Limit/-Remaining/-Reset`` headers that carry them as ``a/b/c``."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from ordersync.connectors.lightspeed.limits import WINDOWS


class RateWindows:
    def __init__(self, limits: tuple[int, ...] = tuple(w.limit for w in WINDOWS),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self.clock = limits, clock
        self.lengths = tuple(w.seconds for w in WINDOWS)
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self._used: dict[str, list[int]] = {}
            self._start: dict[str, list[float]] = {}

    def _roll(self, key: str, now: float) -> None:
        used = self._used.setdefault(key, [0] * len(self.limits))
        start = self._start.setdefault(key, [now] * len(self.limits))
        for i, length in enumerate(self.lengths):
            if now - start[i] >= length:
                used[i], start[i] = 0, now

    def take(self, key: str) -> bool:
        """Count one request; False (and nothing counted) when a window is exhausted."""
        with self.lock:
            now = self.clock()
            self._roll(key, now)
            used = self._used[key]
            if any(u >= limit for u, limit in zip(used, self.limits, strict=True)):
                return False
            for i in range(len(used)):
                used[i] += 1
            return True

    def headers(self, key: str) -> dict[str, str]:
        with self.lock:
            now = self.clock()
            self._roll(key, now)
            used, start = self._used[key], self._start[key]
            remaining = [max(0, lim - u) for lim, u in zip(self.limits, used, strict=True)]
            reset = [max(1, math.ceil(s + length - now))
                     for s, length in zip(start, self.lengths, strict=True)]
        return {"X-RateLimit-Limit": "/".join(map(str, self.limits)),
                "X-RateLimit-Remaining": "/".join(map(str, remaining)),
                "X-RateLimit-Reset": "/".join(map(str, reset))}
