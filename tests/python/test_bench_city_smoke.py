"""The city matching benchmark (benchmarks/python/bench_city.py) at a small
scale, so the benchmark and its checks (stock, deadlines, balances) cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO


def test_bench_city_smoke(tmp_path):
    script = os.path.join(REPO, "benchmarks", "python", "bench_city.py")
    out = tmp_path / "city.json"
    r = subprocess.run([sys.executable, script, "--side", "80", "--depots", "20", "--needs", "600", "--teams", "10",
                        "--floods", "3", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    rep = json.loads(out.read_text())
    assert rep["checks_passed"] and rep["instance"]["nodes"] == 6400
    assert rep["outcome"]["served"] > 0 and rep["instance"]["closed_edges"] > 0
