"""A flow-run process freezes its set-up heap once; any other process never does."""

import os
import subprocess
import sys

SCRIPT = """
import gc
from ordersync.heap import freeze_for_flow_run
keep = [[i] for i in range(10000)]  # set-up objects that stay alive
before = gc.get_freeze_count()
first = freeze_for_flow_run()
frozen = gc.get_freeze_count()
second = freeze_for_flow_run()
print(before, first, frozen >= 10000, second, gc.get_freeze_count() == frozen)
"""


def run(env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT__FLOW_RUN_ID"} | env
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.strip()


def test_a_flow_run_process_freezes_its_set_up_once():
    assert run({"PREFECT__FLOW_RUN_ID": "0b6d4a4e-1111-2222-3333-444455556666"}) \
        == "0 True True False True"


def test_a_process_without_a_flow_run_of_its_own_never_freezes():
    assert run({}) == "0 False False False True"
