"""Drives chaos trials and recovery, and tallies the figures the suite reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ordersync import order_loop as sync
from ordersync.http import RetriableError
from ordersync.order_loop.cancellations import cancel_from_marketplace
from tests.chaos.world import LEASE, World, clean, settings

ROOT = Path(__file__).resolve().parents[2]
TASK_RETRIES = 2  # as ordersync.flows.order_sync retries a step on a RetriableError
STEPS = (sync.import_orders, cancel_from_marketplace, sync.create_in_webshop,
         sync.detect_webshop_changes,
         sync.sweep_waiting, sync.push_to_marketplace)


@dataclass
class Figures:
    name: str
    trials: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    crashed_cycles: int = 0
    crashes: Counter[str] = field(default_factory=Counter)  # first line of each kind
    aborted_cycles: int = 0  # a step still failed on a platform outage after its retries
    aborts: Counter[str] = field(default_factory=Counter)
    truth: dict[str, Any] = field(default_factory=dict)
    requests_per_run: int = 20  # of the last run that was not killed: where kills can land

    def aborted(self, exc: BaseException) -> None:
        self.aborted_cycles += 1
        self.aborts[f"{type(exc).__name__}: {exc}".splitlines()[0][:160]] += 1

    def crashed(self, exc: BaseException | str) -> None:
        self.crashed_cycles += 1
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        self.crashes[text.splitlines()[0][:160] if text else "?"] += 1

    def summary(self) -> dict[str, Any]:
        t = self.truth
        return {"name": self.name, "trials": self.trials, "orders": t.get("orders"),
                "faults_injected": sum(self.faults.values()), "faults": dict(self.faults),
                "duplicates": len(t.get("duplicates", [])), "lost": len(t.get("lost", [])),
                "stuck": len(t.get("stuck", [])),
                "double_confirmed": len(t.get("double_confirmed", [])),
                "unconfirmed": len(t.get("unconfirmed", [])),
                "wrong_carrier": t.get("wrong_carrier", [])[:5],
                "crashed_cycles": self.crashed_cycles, "crashes": dict(self.crashes),
                "aborted_cycles": self.aborted_cycles, "aborts": dict(self.aborts),
                "stuck_detail": t.get("stuck", [])[:10],
                "unconfirmed_detail": t.get("unconfirmed", [])[:10]}

    def report(self) -> dict[str, Any]:
        """Print the figures as one JSON line (``pytest -s`` shows it) and return them."""
        summary = self.summary()
        print("CHAOS " + json.dumps(summary, default=str), flush=True)
        out = os.environ.get("ORDERSYNC_CHAOS_REPORT")
        if out:
            with open(out, "a") as fh:
                fh.write(json.dumps(summary, default=str) + "\n")
        return summary


def cycle(ctx: sync.SyncContext, figures: Figures) -> int:
    """One cycle in this process as the flow runs it: a step that fails on a transient
    platform error (RetriableError) is retried twice, then the run fails (an *aborted*
    cycle: the platform was down, the next run goes on). Any other exception is a *crashed*
    cycle, a finding. Returns the work done (-1 when aborted or crashed)."""
    result = sync.StepResult()
    for step in STEPS:
        for attempt in range(TASK_RETRIES + 1):
            try:
                result.merge(step(ctx))
                break
            except RetriableError as exc:
                if attempt == TASK_RETRIES:
                    figures.aborted(exc)
                    return -1
            except Exception as exc:  # a crashed cycle is a finding, counted and reported
                figures.crashed(exc)
                return -1
    return sum(n for key, n in result.counts.items() if key != "busy")


def cycles(contexts: list[sync.SyncContext], figures: Figures) -> int:
    """One cycle of every connection; the work done (negative when one crashed)."""
    return sum(cycle(ctx, figures) for ctx in contexts)


def settle(world: World, store, figures: Figures, rounds: int = 12) -> None:
    """Faults off: let dead leases run out, let the merchant act on everything, and run
    cycles until one does nothing; then read the truth from the twins."""
    for name in world.twins:
        getattr(world.stack, name).controls.faults.clear()
    time.sleep(LEASE.total_seconds() + 0.1)  # a dead run's claims expire (not asserted on)
    contexts = [world.stack.context(store, settings(), marketplace=mp)
                for mp in world.marketplaces]
    try:
        for _ in range(rounds):
            work = cycles(contexts, figures)
            acted = world.act(share=1.0)
            if work == 0 and acted == 0 and all(p.done for p in world.orders.values()):
                break
    finally:
        for ctx in contexts:
            ctx.close()


def killed_run(world: World, database_url: str, kill_at: int, phase: str,
               figures: Figures, rounds: int = 2) -> str:
    """One sync process SIGKILLed at its ``kill_at``-th request; 'killed', 'finished' or
    'crashed' (an exception ended it: counted as a crashed cycle)."""
    stack = world.stack
    args = [sys.executable, "-m", "tests.chaos.sync_process", ",".join(world.marketplaces),
            stack.shop_platform, ",".join(stack.url(mp) for mp in world.marketplaces),
            stack.url(stack.shop_platform), database_url, str(kill_at), phase, str(rounds)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if proc.returncode == -9:
        figures.faults[f"kill_{phase}"] += 1
        return "killed"
    if proc.returncode == 0:
        last = json.loads(proc.stdout.strip().splitlines()[-1])
        figures.requests_per_run = max(2, int(last.get("requests", 0)))
        return "finished"
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln and not ln.startswith(" ")]
    figures.crashed(lines[-1] if lines else f"exit {proc.returncode}")
    return "crashed"


def verdict(world: World, store, figures: Figures) -> dict[str, Any]:
    figures.truth = world.truth(store)
    summary = figures.report()
    summary["clean"] = clean(figures.truth) and figures.crashed_cycles == 0
    return summary
