"""`./run tests` runs the `serial` tests alone after the rest (tests/conftest.py): the ones that
time a real Prefect server, its workers or a demo must be among them, CPU-only slow tests not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def serial_ids(*paths: str) -> set[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "serial",
                           "-p", "no:cacheprovider", *paths],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    return {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}


def test_server_demo_and_scale_tests_run_alone_chaos_and_properties_share_the_first_pass():
    found = serial_ids("tests/scale", "tests/demo/test_demo_runs.py",
                       "tests/flows/test_end_to_end.py", "tests/chaos/test_storm.py",
                       "tests/spec/test_amazon_conformance.py", "tests/domain/test_status.py")
    assert found == {"tests/scale/test_two_workers.py", "tests/demo/test_demo_runs.py",
                     "tests/flows/test_end_to_end.py"}, found
