"""The per-core run benchmark (benchmarks/python/bench_run.py) at a small scale, so it cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def test_bench_run_smoke():
    script = os.path.join(REPO, "benchmarks", "python", "bench_run.py")
    r = subprocess.run([sys.executable, script, "--populations", "20000", "--plans", "A", "C", "--hours", "4"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "20,000 people, plan A: " in r.stdout and "20,000 people, plan C: " in r.stdout
    assert "match" in r.stdout and "setup+review" in r.stdout
