"""Which processes a worker starts: the command lines of its descendants, sampled from /proc
while the flow runs go (import as ``tests.flows.process_watch``)."""

from __future__ import annotations

import threading
from pathlib import Path

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    parents = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def _command(pid: int) -> str | None:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return None


class ProcessWatch:
    """Every ``every`` seconds, the command lines of ``root``'s descendants, kept by pid.
    A flow-run process lives for seconds (it imports Prefect), so 0.1 s sees every one."""

    def __init__(self, root: int, every: float = 0.1) -> None:
        self.root, self.every = root, every
        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            parents = _parents()
            for pid in parents:
                ancestor = parents.get(pid)
                while ancestor not in (None, 0, 1, self.root):
                    ancestor = parents.get(ancestor)
                if ancestor == self.root and pid not in self.seen:
                    command = _command(pid)
                    if command:
                        self.seen[pid] = command

    def commands(self, word: str) -> list[str]:
        return [c for c in self.seen.values() if word in c]

    def __enter__(self) -> ProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
