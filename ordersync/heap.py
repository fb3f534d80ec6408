"""Freeze the heap a process built while setting up, so the garbage collector stops walking it.

A flow run imports Prefect, SQLAlchemy, httpx and pandas and builds its connectors and store
engine before its first order: a few hundred thousand objects that live as long as the process.
Every full collection walks all of them again, and parsing a page of orders allocates enough to
trigger collections (one 300-order page here: 5-8 ms to parse, 116 ms when a full collection hit
it). ``gc.freeze()`` moves what is alive into a permanent generation the collector skips;
what the run allocates afterwards is collected as usual.

Freezing is for a process that runs one flow run and exits (the worker starts each run as its
own process, ``PREFECT__FLOW_RUN_ID`` set): in a long-lived process (tests, ``serve``) objects
frozen alive and dropped later would never be collected."""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping

_frozen = False


def freeze_setup_heap() -> int:
    """Collect what is garbage now, then freeze the rest; how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def freeze_for_flow_run(environ: Mapping[str, str] = os.environ) -> bool:
    """Freeze the set-up heap once, in a process the worker started for one flow run only."""
    global _frozen
    if _frozen or not environ.get("PREFECT__FLOW_RUN_ID"):
        return False
    freeze_setup_heap()
    _frozen = True
    return True
