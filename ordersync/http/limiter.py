"""Token-bucket rate limiting, one limiter per credential (and operation, where a platform
rates operations separately), shared by every client in the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

EPSILON = 1e-9  # tokens; a refill short by rounding only counts as full


class RateLimiter:
    """A thread-safe token bucket: ``rate`` tokens per second, at most ``burst`` stored.

    ``acquire`` blocks until a token is free, so requests are spaced *before* the platform
    has to refuse them. ``pause`` holds every caller back (after a 429 with Retry-After), and
    ``observe`` lets a platform's own usage header (e.g. Shopify's ``32/40``) correct the
    local estimate.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = float(burst)
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds callers spent waiting, for benchmarks

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens, sleeping as needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._refill(now)
                delay = max(0.0, self._paused_until - now)
                if delay == 0.0:
                    if self._tokens >= cost - EPSILON:  # float residue must not spin
                        self._tokens -= cost
                        self.waited += waited
                        return waited
                    delay = (cost - self._tokens) / self.rate
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` and empty the bucket (platform said stop)."""
        with self._lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + seconds)
            self._tokens = 0.0
            self._stamp = now + seconds

    def observe(self, used: float, capacity: float) -> None:
        """Align with a platform-reported bucket (``used`` of ``capacity`` in use)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            remote_free = max(0.0, capacity - used) * (self.burst / capacity)
            self._tokens = min(self._tokens, remote_free)


class Unlimited:
    """A limiter that never waits (rate limits off, e.g. in benchmarks of the hub itself)."""

    waited = 0.0

    def acquire(self, cost: float = 1.0) -> float:
        return 0.0

    def pause(self, seconds: float) -> None:
        pass

    def observe(self, used: float, capacity: float) -> None:
        pass


_registry: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(key: str, rate: float, burst: int) -> RateLimiter:
    """The process-wide limiter of one credential (+ operation). ``key`` must not be a secret:
    use the public client id or shop name."""
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = RateLimiter(rate, burst)
        return limiter
