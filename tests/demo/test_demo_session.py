"""What a demo session keeps and starts anew, and the demo's command line."""

from __future__ import annotations

import pytest

from ordersync import demo
from ordersync.cli import main


def test_a_session_starts_a_new_hub_database_and_keeps_prefect_and_the_last_logs(tmp_path):
    (tmp_path / "prefect").mkdir()
    (tmp_path / "prefect" / "prefect.db").write_text("runs")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "server.log").write_text("session 1")
    for name in ("ordersync.db", "ordersync.db-wal", "ordersync.db-shm"):
        (tmp_path / name).write_text("orders of session 1")
    demo._new_session(tmp_path)
    assert not list(tmp_path.glob("ordersync.db*"))
    assert (tmp_path / "prefect" / "prefect.db").read_text() == "runs"
    assert not (tmp_path / "logs" / "server.log").exists()
    assert (tmp_path / "logs" / "previous" / "server.log").read_text() == "session 1"


def test_fresh_removes_the_demos_state_only(tmp_path):
    for path in ("prefect/prefect.db", "logs/worker.log", "ordersync.db", "mine/keep.txt"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    demo._wipe(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_demo_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    assert "(default: 60.0)" in out and "(default: 300)" in out and "--fresh" in out


def test_the_check_needs_a_duration(capsys):
    assert main(["demo", "--check"]) == 2
    assert "--duration" in capsys.readouterr().err


def test_the_check_judges_the_runs_of_this_session_and_leftovers_that_ran_in_it():
    from datetime import UTC, datetime

    started = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    before, after = "2026-11-25T21:00:00Z", "2026-11-25T22:05:00Z"
    assert demo._in_session({"created": after, "start_time": after}, started)
    assert demo._in_session({"created": before, "start_time": after}, started)  # leftover
    assert not demo._in_session({"created": before, "start_time": before}, started)
    assert not demo._in_session({"created": before, "start_time": None}, started)
