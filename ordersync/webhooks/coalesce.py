"""Coalescing of notifications per connection, so a burst runs a connection once or twice
instead of once per notice (the deployment's concurrency limit 1 with ``CANCEL_NEW`` would
cancel the rest at once).

A notice for a connection without an emit in the last ``gap`` seconds is emitted at once, in
the caller (its failure raises, so the receiver answers 503 and the platform retries). A notice
within ``gap`` of the last emit only marks the connection *pending*: one trailing emit follows
when the gap has passed, once ``busy(connection)`` says no run of it is under way (checked
again every ``recheck`` seconds while it is). ``busy`` is asked before an emit at once too: a
run under way may have read the webshop before the notice, and a new run would be cancelled,
so the notice is held pending instead. A ``busy`` that fails counts as not busy. A trailing
emit that fails stays pending and is retried every ``retry`` seconds (logged once per failing
spell). ``gap`` 0 emits every notice at once and never asks ``busy``.

Trailing emits are made by ``run_due()``: a daemon thread calls it when ``background`` (started
with the first pending notice); tests call it themselves with a fake ``clock``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ordersync.webhooks.shopify import Notification

log = logging.getLogger("ordersync.webhooks")

Emit = Callable[[str, Notification], None]
"""(connection name, notification) -> None: raise to have the platform retry."""
Busy = Callable[[str], bool]
"""connection name -> whether a run of its order sync is under way (or due and waiting)."""

DEFAULT_GAP = 5.0  # with the busy check, only bounds a connection to one run per 5 s


def never_busy(connection: str) -> bool:
    return False


@dataclass
class _State:
    last_emit: float | None = None
    pending: Notification | None = None
    due: float = 0.0
    failing: bool = False


class Coalescer:
    """Per-connection coalescing of ``emit`` calls (thread-safe); see the module docstring."""

    def __init__(self, emit: Emit, gap: float = DEFAULT_GAP, *, busy: Busy = never_busy,
                 clock: Callable[[], float] = time.monotonic, recheck: float = 2.0,
                 retry: float = 10.0, background: bool = True) -> None:
        self.emit, self.gap, self.busy, self.clock = emit, gap, busy, clock
        self.recheck, self.retry, self.background = recheck, retry, background
        self.counts = {"emitted": 0, "coalesced": 0}
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, connection: str, note: Notification) -> bool:
        """Emit at once (True; raises when the emit fails) or mark the connection pending
        (False: a trailing emit follows)."""
        with self._lock:
            state = self._states.setdefault(connection, _State())
            now = self.clock()
            recent = state.last_emit is not None and now - state.last_emit < self.gap
            if state.pending is not None or recent:
                self._hold(state, note, state.due if state.pending is not None
                           else state.last_emit + self.gap)
                return False
            previous, state.last_emit = state.last_emit, now  # later notices coalesce
        if self.gap > 0 and self._busy(connection):
            with self._lock:
                if state.last_emit == now:
                    state.last_emit = previous
                self._hold(state, note, now + self.recheck)
            return False
        try:
            self.emit(connection, note)
        except Exception:
            with self._lock:
                if state.last_emit == now:
                    state.last_emit = previous
            raise
        with self._lock:
            self.counts["emitted"] += 1
        return True

    def _hold(self, state: _State, note: Notification, due: float) -> None:
        """Keep ``note`` pending for a trailing emit by ``due`` (or sooner, if one already
        is); called with the lock held."""
        state.due = min(state.due, due) if state.pending is not None else due
        state.pending = note
        self.counts["coalesced"] += 1
        self._start()

    def pending(self) -> int:
        """How many connections wait for a trailing emit."""
        return len(self.pending_connections())

    def pending_connections(self) -> list[str]:
        """The connections waiting for a trailing emit, by name."""
        with self._lock:
            return sorted(c for c, s in self._states.items() if s.pending is not None)

    def run_due(self) -> float | None:
        """Make the trailing emits that are due; the seconds until the next one is due, or
        None when nothing is pending."""
        with self._lock:
            now = self.clock()
            due = [c for c, s in self._states.items() if s.pending is not None and s.due <= now]
        for connection in due:
            self._trail(connection)
        with self._lock:
            dues = [s.due for s in self._states.values() if s.pending is not None]
            return max(0.0, min(dues) - self.clock()) if dues else None

    def _busy(self, connection: str) -> bool:
        try:
            return self.busy(connection)
        except Exception as exc:  # the emit decides; a run it collides with is only cancelled
            log.warning("could not tell whether %s is running (%s); notifying it anyway",
                        connection, type(exc).__name__)
            return False

    def _trail(self, connection: str) -> None:
        state = self._states[connection]
        busy = self._busy(connection)
        with self._lock:
            if busy:
                state.due = self.clock() + self.recheck
                return
            note, state.pending = state.pending, None
            previous, state.last_emit = state.last_emit, self.clock()
        if note is None:
            return
        try:
            self.emit(connection, note)
        except Exception as exc:
            with self._lock:
                state.last_emit = previous
                if state.pending is None:
                    state.pending = note
                state.due = self.clock() + self.retry
                first, state.failing = not state.failing, True
            if first:
                log.error("coalesced notification for %s not passed on (%s); retrying every "
                          "%g s", connection, type(exc).__name__, self.retry)
            return
        with self._lock:
            self.counts["emitted"] += 1
            if state.failing:
                log.info("coalesced notification for %s passed on again", connection)
            state.failing = False

    def _start(self) -> None:
        """Wake the background thread (starting it first); called with the lock held."""
        if not self.background:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="ordersync-coalesce",
                                            daemon=True)
            self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self.run_due()
            except Exception:  # never let the thread die: the poll would be all that is left
                log.exception("coalescing loop failed; trying again")
                wait = self.retry
            self._wake.wait(wait)

    def close(self) -> None:
        """Stop the background thread (pending notices are left to the poll)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
