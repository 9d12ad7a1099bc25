"""The incident benchmark (benchmarks/python/bench_incident.py) at 20 000
incidents, so the benchmark, its data generator and its agreement check
(IncidentLog.kpis against an independent vectorised pandas implementation
of the KPI definitions) cannot rot. Times are not looked at."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO


def test_bench_incident_smoke(tmp_path):
    script = os.path.join(REPO, "benchmarks", "python", "bench_incident.py")
    out = tmp_path / "i.json"
    r = subprocess.run([sys.executable, script, "--rows", "20000", "--repeat", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["agreement"] == "ok" and res["rows"] == 20000 and res["groups"] > 0
