"""Helpers shared by the Python benchmarks in this folder (imported as a
sibling module: Python puts a script's own folder first on ``sys.path``)."""

from __future__ import annotations

import json
import os
import platform
import time
from typing import Any, Callable, Dict, Tuple

import numpy as np


def best(f: Callable[[], Any], reps: int) -> Tuple[float, Any]:
    """Best wall time of f() over reps runs, and the last result."""
    out, res = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        res = f()
        out = min(out, time.perf_counter() - t)
    return out, res


def best_within(f: Callable[[], Any], reps: int, budget_s: float) -> Tuple[float, int, Any]:
    """Like best(), but stops repeating once budget_s seconds were spent (at
    least one run). Returns (best time, runs done, last result)."""
    out, res, spent, runs = float("inf"), None, 0.0, 0
    while runs == 0 or (runs < reps and spent < budget_s):
        t = time.perf_counter()
        res = f()
        dt = time.perf_counter() - t
        out, spent, runs = min(out, dt), spent + dt, runs + 1
    return out, runs, res


def fmt_t(s: float) -> str:
    return f"{s:.3f} s" if s >= 1 else f"{s * 1e3:.1f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} µs"


def machine() -> Dict[str, Any]:
    """What the figures were measured on, for the JSON output."""
    return dict(processor=platform.processor() or platform.machine(), cores=os.cpu_count(),
                python=platform.python_version(), numpy=np.__version__)


def write_json(path: str, result: Dict[str, Any]) -> None:
    """Writes a benchmark's result dict to path (folders made as needed)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(result, fh, indent=2)
