"""``LocalPrefect.stop()`` stops its processes newest first, each gone before the next is
signalled: a worker sends its last event (``prefect.worker.stopped``) to the server as it stops,
and a server stopped at the same moment left an EventsWorker ERROR in the demo's worker.log."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from ordersync.local import LocalPrefect

SLOW_TO_STOP = textwrap.dedent("""
    import signal, sys, time
    name, log = sys.argv[1], sys.argv[2]
    def on_term(*_):
        open(log, "a").write(f"term {name}\\n")
        time.sleep(0.5)  # like a worker flushing its events
        open(log, "a").write(f"exit {name}\\n")
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_term)
    open(log, "a").write(f"ready {name}\\n")
    while True:
        time.sleep(0.05)
""")


def test_stop_waits_for_each_process_before_signalling_the_older_one(tmp_path):
    log = tmp_path / "order.log"
    local = LocalPrefect(home=tmp_path / "home")
    for name in ("server", "worker"):
        local.processes.append(subprocess.Popen(
            [sys.executable, "-c", SLOW_TO_STOP, name, str(log)], start_new_session=True))
        while f"ready {name}" not in (log.read_text() if log.exists() else ""):
            pass
    local.stop()
    lines = [line for line in log.read_text().splitlines() if not line.startswith("ready")]
    assert lines == ["term worker", "exit worker", "term server", "exit server"]
    assert local.processes == []
