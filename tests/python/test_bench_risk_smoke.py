"""The city-scale risk benchmark (benchmarks/python/bench_risk.py) at 1 % scale,
so the benchmark and its oracle checks (scores against the numpy equation,
the step against scipy) cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, SHARED_DATA


def test_bench_risk_smoke(tmp_path):
    pytest.importorskip("scipy")
    if not os.path.exists(os.path.join(SHARED_DATA, "roads", "NY.pace.gr.xz")):
        pytest.skip("NY road graph not found beside the checkout")
    script = os.path.join(REPO, "benchmarks", "python", "bench_risk.py")
    r = subprocess.run([sys.executable, script, "--scale", "0.01", "--out", str(tmp_path / "r.json")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (tmp_path / "r.json").exists()
