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

from ordersync import sync
from tests.chaos.world import LEASE, World, clean, settings

ROOT = Path(__file__).resolve().parents[2]
STEPS = (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
         sync.sweep_waiting, sync.push_to_marketplace)


@dataclass
class Figures:
    name: str
    trials: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    crashed_cycles: int = 0
    crashes: Counter[str] = field(default_factory=Counter)  # first line of each kind
    truth: dict[str, Any] = field(default_factory=dict)
    requests_per_run: int = 20  # of the last run that was not killed: where kills can land

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
                "crashed_cycles": self.crashed_cycles, "crashes": dict(self.crashes),
                "stuck_detail": t.get("stuck", [])[:10]}

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
    """One cycle in this process; returns the amount of work done (-1 when it crashed)."""
    result = sync.StepResult()
    try:
        for step in STEPS:
            result.merge(step(ctx))
    except Exception as exc:  # a crashed cycle is a finding, counted and reported
        figures.crashed(exc)
        return -1
    return sum(n for key, n in result.counts.items() if key != "busy")


def settle(world: World, make_ctx, figures: Figures, rounds: int = 12) -> None:
    """Faults off: let dead leases run out, let the merchant act on everything, and run
    cycles until one does nothing; then read the truth from the twins."""
    for name in (world.marketplace, world.stack.shop_platform):
        getattr(world.stack, name).controls.faults.clear()
    time.sleep(LEASE.total_seconds() + 0.1)  # a dead run's claims expire (not asserted on)
    ctx = make_ctx()
    try:
        for _ in range(rounds):
            work = cycle(ctx, figures)
            acted = world.act(share=1.0)
            if work == 0 and acted == 0 and all(p.done for p in world.orders.values()):
                break
    finally:
        ctx.close()


def killed_run(world: World, database_url: str, kill_at: int, phase: str,
               figures: Figures, cycles: int = 2) -> str:
    """One sync process SIGKILLed at its ``kill_at``-th request; 'killed', 'finished' or
    'crashed' (an exception ended it: counted as a crashed cycle)."""
    stack = world.stack
    args = [sys.executable, "-m", "tests.chaos.sync_process", world.marketplace,
            stack.shop_platform, stack.url(world.marketplace), stack.url(stack.shop_platform),
            database_url, str(kill_at), phase, str(cycles)]
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


def in_process_context(world: World, store):
    return lambda: world.stack.context(store, settings(), marketplace=world.marketplace)


def verdict(world: World, store, figures: Figures) -> dict[str, Any]:
    figures.truth = world.truth(store)
    summary = figures.report()
    summary["clean"] = clean(figures.truth) and figures.crashed_cycles == 0
    return summary
