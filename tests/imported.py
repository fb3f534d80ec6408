"""Which modules a fresh interpreter has imported after running some code (what a flow-run
process pays for is what its code imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_after(code: str, *names: str) -> dict[str, bool]:
    """{name: imported?} for ``names`` after ``code`` ran in a new Python process."""
    script = f"import sys\n{code}\nprint(*[n in sys.modules for n in {list(names)!r}])"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(zip(names, (w == "True" for w in done.stdout.split()), strict=True))
