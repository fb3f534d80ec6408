"""A twin's outgoing deliveries (Shopify webhooks, bol.com push messages): items handed to an
``attempt`` callback on one background thread once their delay has passed, earliest first.
``attempt`` posts the item and, to retry, puts it back with the next delay."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import httpx

T = TypeVar("T")


class DelayedDeliveries(Generic[T]):
    """The queue and its thread (started by the first ``put``, again after a ``stop``)."""

    def __init__(self, attempt: Callable[[httpx.Client, T], None], *, name: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._attempt, self.name, self.clock = attempt, name, clock
        self._queue: list[tuple[float, int, T]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def put(self, delay: float, item: T) -> None:
        """Deliver ``item`` once ``delay`` seconds have passed."""
        with self._wake:
            heapq.heappush(self._queue, (self.clock() + delay, next(self._seq), item))
            if self._thread is None:
                self._stopped = False
                self._thread = threading.Thread(target=self._run, daemon=True, name=self.name)
                self._thread.start()
            self._wake.notify()

    def pending(self) -> int:
        with self._wake:
            return len(self._queue)

    def clear(self) -> None:
        """Drop every delivery not yet attempted."""
        with self._wake:
            self._queue.clear()

    def stop(self) -> None:
        """End the thread (deliveries still queued stay queued)."""
        with self._wake:
            self._stopped = True
            self._wake.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=httpx.Timeout(5.0, connect=1.0)) as client:
            while True:
                with self._wake:
                    while not self._stopped and (
                            not self._queue or self._queue[0][0] > self.clock()):
                        wait = self._queue[0][0] - self.clock() if self._queue else None
                        self._wake.wait(timeout=wait)
                    if self._stopped:
                        return
                    _, _, item = heapq.heappop(self._queue)
                self._attempt(client, item)
