"""The real-data evaluation of the risk map's forecast (benchmarks/README.md,
"Real-data evaluation: Montgomery County 911") runs in the test suite: the
forecast must keep beating both baselines on the real 911 calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, SHARED_DATA

DATA = os.path.join(os.environ.get("CRISISKIT_SHARED_DATA", SHARED_DATA), "montco-911", "calls-2015-12-to-2016-06.csv.gz")


@pytest.mark.skipif(not os.path.exists(DATA), reason=f"real data not found at {DATA}")
def test_forecast_beats_both_baselines_on_real_911_calls(tmp_path):
    out = tmp_path / "montco.json"
    script = os.path.join(REPO, "benchmarks", "python", "montco_eval.py")
    r = subprocess.run([sys.executable, script, "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "PASS" in r.stdout
    results = json.loads(out.read_text())
    assert results  # the JSON carries the per-place-set tables
