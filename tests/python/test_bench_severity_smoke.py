"""The severity benchmark (benchmarks/python/bench_severity.py) at 20 000 rows,
so the benchmark and its oracle checks (assess_frame against an independent
vectorised pandas re-implementation and a row-wise pure-Python one, both
driven only by SeverityConfig.to_dict()) cannot rot."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO


def test_bench_severity_smoke(tmp_path):
    script = os.path.join(REPO, "benchmarks", "python", "bench_severity.py")
    out = tmp_path / "s.json"
    r = subprocess.run([sys.executable, script, "--rows", "20000", "--repeat", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert json.loads(out.read_text())["agreement"] == "ok"
