"""A notification's run waits for the worker's next query for runs: the worker started for
notifications asks every few seconds (measured: fulfilment -> bol.com p95 8.2 s on the real
stack with 2 s, 43 s with Prefect's default 10 s), other workers keep Prefect's default."""

from __future__ import annotations

import subprocess

import pytest

from ordersync import demo
from ordersync.local import LocalPrefect


@pytest.fixture
def spawned(monkeypatch, tmp_path):
    calls: list[dict] = []

    class FakePopen:
        def __init__(self, args, env, **kwargs):
            calls.append({"args": args, "env": env})

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.delenv("PREFECT_WORKER_QUERY_SECONDS", raising=False)
    return LocalPrefect(tmp_path), calls


def test_a_worker_asks_for_runs_as_often_as_told(spawned):
    prefect, calls = spawned
    prefect.start_worker("w", query_seconds=demo.NOTIFIED_WORKER_QUERY_SECONDS)
    assert calls[0]["env"]["PREFECT_WORKER_QUERY_SECONDS"] == "2"
    assert calls[0]["args"][-4:] == ["--type", "process", "--name", prefect.worker_name("w")]


def test_other_workers_keep_prefects_default(spawned):
    prefect, calls = spawned
    prefect.start_worker("w", limit=3)
    assert "PREFECT_WORKER_QUERY_SECONDS" not in calls[0]["env"]
    assert calls[0]["args"][-2:] == ["--limit", "3"]
