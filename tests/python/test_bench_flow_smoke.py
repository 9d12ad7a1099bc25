"""The min-cost-flow benchmark against networkx (benchmarks/python/bench_flow.py)
on small instances, so the benchmark, its NETGEN-style generator and its
checks (identical optimal costs, our flow's bounds / conservation / cost)
cannot rot. Times are not looked at."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

pytest.importorskip("networkx")


def test_bench_flow_smoke(tmp_path):
    script = os.path.join(REPO, "benchmarks", "python", "bench_flow.py")
    out = tmp_path / "f.json"
    r = subprocess.run([sys.executable, script, "--sizes", "64,512", "--repeat", "1", "--nx-repeat", "1", "--json",
                        str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["agreement"] == "ok"
    assert [row["cost"] for row in res["rows"]] == [row["nx_cost"] for row in res["rows"]]
