"""The sweep benchmark (benchmarks/python/bench_sweep.py) at a small scale, so the
benchmark and its check (threads and Dask give the sequential frame) cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO


def test_bench_sweep_smoke():
    pytest.importorskip("distributed")
    script = os.path.join(REPO, "benchmarks", "python", "bench_sweep.py")
    r = subprocess.run([sys.executable, script, "--population", "20000", "--hours", "3"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "6 runs" in r.stdout and "identical: True" in r.stdout
