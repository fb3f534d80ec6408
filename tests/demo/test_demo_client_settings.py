"""The demo process talks to its own Prefect server even when Prefect was imported before the
demo set the environment (Prefect snapshots its settings at import): merging the webhook
receiver made ``ordersync.cli`` import Prefect, and the demo's block saves silently started
an ephemeral server instead."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_demo_client_uses_the_demo_server_whatever_was_imported_first(tmp_path):
    script = textwrap.dedent(f"""
        import ordersync.cli  # imports Prefect (settings read now, no API URL yet)
        from prefect.settings import get_current_settings
        from ordersync.demo import client_settings
        from ordersync.local import LocalPrefect
        from pathlib import Path
        prefect = LocalPrefect(Path({str(tmp_path)!r}), 45123)
        with client_settings(prefect):
            print(get_current_settings().api.url)
    """)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "http://127.0.0.1:45123/api"
