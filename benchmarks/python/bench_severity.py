"""Three-dimensional severity assessment in bulk (``SeverityAssessor.assess_frame``),
against peers in the same run.

    .venv/bin/python benchmarks/python/bench_severity.py [--rows 1000000] [--repeat 5] [--seed 1] [--json OUT]

Data: ``--rows`` events × the 23 default indicators, float64 columns, seeded.
Counts are heavy-tailed (rounded log-normals; area, money and population
log-normal), shares in [0, 1] (beta), growth ratios in [-0.5, 2], rainfall
gamma; about 20 % NaN (missing) per column, independently. The first rows are
edge cases: all missing, one dimension missing, everything at 0, everything
above its cap.

Peers, on the same frame:

* ``pandas_assess``: the formulas re-implemented in vectorised pandas/numpy
  (one column operation per indicator, ``sum(axis=1)`` per dimension), driven
  only by ``SeverityConfig.default().to_dict()``; crisiskit is not called.
* row-wise pandas: ``df.apply(f, axis=1)`` with a per-row pure-Python ``f``
  (``math``). It is measured on the first 20 000 rows and **extrapolated**
  linearly to ``--rows`` (the output says so).

Checks (exit status 1 if any fails): both peers agree with ``assess_frame``
(``np.allclose(rtol=1e-9, atol=1e-12, equal_nan=True)`` on the six scores,
``level`` and ``n_missing`` identical). Times: best of ``--repeat`` runs of
the whole call from Python (``time.perf_counter``), argument conversion and
output DataFrame included. Ratios are ours ÷ peer (below 1 = crisiskit
faster); the issue's target is ≤ 0.05 (≥ 20× faster) against the vectorised
pandas peer. Also printed: where ``assess_frame``'s time goes (column
extraction, the C++ call ``_assess_columns``, building the output frame).
Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np
import pandas as pd

import crisiskit as ck

from benchlib import best, fmt_t, machine, write_json

DIMS = ("scope", "harm", "trend")
OUT_COLS = ["scope", "harm", "trend", "overall", "overall_lo", "overall_hi", "level", "n_missing"]
FLOAT_COLS = OUT_COLS[:6]
ROWWISE_ROWS = 20_000
LEVEL_NAMES = [m.name for m in ck.AlertLevel]
TARGET = 0.05  # the issue: assess_frame at least 20x faster than straightforward pandas


# ---- data ----------------------------------------------------------------------
def _counts(rng: np.random.Generator, n: int, median: float, sigma: float) -> np.ndarray:
    """Heavy-tailed non-negative integers: a rounded log-normal (many zeros)."""
    return np.floor(rng.lognormal(math.log(median), sigma, n))


def make_frame(rows: int, seed: int, cfg: Dict[str, Any], nan_share: float = 0.2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rows
    draw: Dict[str, Callable[[], np.ndarray]] = {
        "affected_area_km2": lambda: rng.lognormal(math.log(20.0), 2.0, n),
        "affected_population": lambda: np.floor(rng.lognormal(math.log(3000.0), 2.5, n)),
        "townships_affected": lambda: _counts(rng, n, 3.0, 1.2),
        "counties_affected": lambda: _counts(rng, n, 1.5, 0.9),
        "schools_affected": lambda: _counts(rng, n, 2.0, 1.5),
        "nursing_homes_affected": lambda: _counts(rng, n, 0.8, 1.3),
        "hospitals_affected": lambda: _counts(rng, n, 0.8, 1.3),
        "deaths": lambda: _counts(rng, n, 0.7, 1.8),
        "serious_injuries": lambda: _counts(rng, n, 2.0, 1.8),
        "missing": lambda: _counts(rng, n, 0.6, 1.6),
        "trapped": lambda: _counts(rng, n, 2.0, 2.0),
        "economic_loss_cny": lambda: rng.lognormal(math.log(5e6), 2.5, n),
        "gathering_size": lambda: _counts(rng, n, 30.0, 2.0),
        "negative_opinion_share": lambda: rng.beta(2.0, 3.0, n),
        "secondary_likelihood": lambda: rng.beta(1.0, 4.0, n),
        "rainfall_24h_mm": lambda: rng.gamma(0.8, 60.0, n),
    }
    cols: Dict[str, np.ndarray] = {}
    for spec in cfg["indicators"]:
        name, dom = spec["name"], spec["domain"]
        if name in draw:
            x = draw[name]()
        elif dom == "share":  # outage and vulnerable shares: mostly small
            x = rng.beta(0.5, 3.0, n)
        elif dom == "real":  # growth ratios (1.0 = doubled), in [-0.5, 2]
            x = -0.5 + 2.5 * rng.beta(1.2, 4.0, n)
        else:
            x = _counts(rng, n, 0.1 * spec["hi"] ** 0.5, 1.5)
        x = x.astype(np.float64)
        x[rng.random(n) < nan_share] = np.nan
        cols[name] = x
    df = pd.DataFrame(cols)
    # Edge cases in the first rows (kept when --rows is small).
    if n >= 4:
        names = list(cols)
        trend = [s["name"] for s in cfg["indicators"] if s["dimension"] == "trend"]
        df.iloc[0, :] = np.nan  # nothing known
        df.loc[1, trend] = np.nan  # one dimension unknown
        df.iloc[2, :] = 0.0  # everything at 0
        df.loc[3, names] = [max(s["hi"], 1.0) if s["domain"] != "share" else 1.0 for s in cfg["indicators"]]
    return df


# ---- peer 1: vectorised pandas ---------------------------------------------------
def pandas_assess(df: pd.DataFrame, cfg: Dict[str, Any]) -> pd.DataFrame:
    """The assessment in plain vectorised pandas/numpy, from the config dict only."""
    specs = cfg["indicators"]
    for w in cfg["within"]:
        if w["method"] != "power":
            raise NotImplementedError("peer implements the power mean within dimensions only")
    if cfg["overall"]["method"] != "geometric":
        raise NotImplementedError("peer implements the shifted geometric mean across dimensions only")

    # 1. Normalise every indicator to 0-10 (NaN stays NaN = missing).
    scores = {}
    for s in specs:
        x = df[s["name"]] if s["name"] in df.columns else pd.Series(np.nan, index=df.index)
        lo, hi = s["lo"], s["hi"]
        if s["transform"] == "log":
            u = (np.log1p(x) - np.log1p(lo)) / (np.log1p(hi) - np.log1p(lo))
        else:
            u = (x - lo) / (hi - lo)
        scores[s["name"]] = (10.0 * u).clip(0.0, 10.0).mask(x <= lo, 0.0)
    S = pd.DataFrame(scores, index=df.index)
    present = S.notna()

    # 2. Weighted power mean within each dimension, over the present indicators,
    #    and its range with the missing ones at 0 and at 10.
    pt: Dict[str, pd.Series] = {}
    lo_: Dict[str, pd.Series] = {}
    hi_: Dict[str, pd.Series] = {}
    for d, dim in enumerate(DIMS):
        names = [s["name"] for s in specs if s["dimension"] == dim]
        w = pd.Series({s["name"]: s["weight"] for s in specs if s["dimension"] == dim})
        p = cfg["within"][d]["p"]
        acc = (S[names] ** p).mul(w).sum(axis=1)  # NaN skipped
        wp = present[names].mul(w).sum(axis=1)
        wm = (~present[names]).mul(w).sum(axis=1)
        W = wp + wm
        pt[dim] = (acc / wp).where(wp > 0) ** (1.0 / p)
        lo_[dim] = (acc / W) ** (1.0 / p)
        hi_[dim] = ((acc + 10.0**p * wm) / W) ** (1.0 / p)
    D, D_lo, D_hi = pd.DataFrame(pt), pd.DataFrame(lo_), pd.DataFrame(hi_)

    # 3. Shifted geometric mean across the dimensions.
    dw = pd.Series(cfg["dimension_weights"], index=list(DIMS))
    c = cfg["overall"]["shift"]

    def geo(X: pd.DataFrame) -> pd.Series:
        num = np.log(X + c).mul(dw).sum(axis=1)
        den = X.notna().mul(dw).sum(axis=1)
        return (np.exp(num / den) - c).clip(lower=0.0).where(den > 0)

    out = D.copy()
    out["overall"] = geo(D)
    out["overall_lo"] = geo(D_lo)
    out["overall_hi"] = geo(D_hi)
    thr = cfg["policy"]["thresholds"]
    out["level"] = sum((out["overall"] >= t).astype(np.int8) for t in thr).astype(np.int8)
    out["n_missing"] = (~present).sum(axis=1).astype(np.int32)
    return out[OUT_COLS]


# ---- peer 2: row-wise pandas (df.apply over rows) ---------------------------------
def row_plan(cfg: Dict[str, Any], columns: Sequence[str]) -> Dict[str, Any]:
    pos = {c: i for i, c in enumerate(columns)}
    dims = []
    for d, dim in enumerate(DIMS):
        items = []
        for s in cfg["indicators"]:
            if s["dimension"] == dim:
                l0 = math.log1p(s["lo"])
                items.append((pos.get(s["name"]), s["transform"] == "log", s["lo"], s["hi"], l0,
                              math.log1p(s["hi"]) - l0, s["weight"]))
        dims.append((items, cfg["within"][d]["p"]))
    return dict(dims=dims, dw=cfg["dimension_weights"], shift=cfg["overall"]["shift"],
                thr=cfg["policy"]["thresholds"])


def row_assess(v: np.ndarray, plan: Dict[str, Any]) -> Tuple[Any, ...]:
    """One event, in pure Python (math)."""
    nan = float("nan")
    c = plan["shift"]
    dim, dlo, dhi = [], [], []
    n_missing = 0
    for items, p in plan["dims"]:
        acc = wp = wm = 0.0
        for i, is_log, lo, hi, l0, span, w in items:
            x = nan if i is None else float(v[i])
            if math.isnan(x):
                wm += w
                n_missing += 1
                continue
            if x <= lo:
                s = 0.0
            else:
                s = min(10.0, max(0.0, 10.0 * ((math.log1p(x) - l0) / span if is_log else (x - lo) / (hi - lo))))
            acc += w * s**p
            wp += w
        W = wp + wm
        dim.append((acc / wp) ** (1 / p) if wp > 0 else nan)
        dlo.append((acc / W) ** (1 / p) if W > 0 else 0.0)
        dhi.append(((acc + 10.0**p * wm) / W) ** (1 / p) if W > 0 else 10.0)

    def geo(xs: List[float]) -> float:
        num = den = 0.0
        for x, w in zip(xs, plan["dw"]):
            if not math.isnan(x):
                num += w * math.log(x + c)
                den += w
        return max(0.0, math.exp(num / den) - c) if den > 0 else nan

    overall = geo(dim)
    level = sum(overall >= t for t in plan["thr"])
    return (dim[0], dim[1], dim[2], overall, geo(dlo), geo(dhi), level, n_missing)


def rowwise_assess(df: pd.DataFrame, cfg: Dict[str, Any]) -> pd.DataFrame:
    plan = row_plan(cfg, list(df.columns))
    out = df.apply(lambda r: row_assess(r.to_numpy(), plan), axis=1, result_type="expand")
    out.columns = OUT_COLS
    return out


# ---- checks ------------------------------------------------------------------------
def compare(ours: pd.DataFrame, peer: pd.DataFrame, name: str) -> List[str]:
    errs = []
    for c in FLOAT_COLS:
        a, b = ours[c].to_numpy(np.float64), peer[c].to_numpy(np.float64)
        if not np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True):
            bad = ~np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
            i = int(np.argmax(bad))
            errs.append(f"{name}: {c} differs in {int(bad.sum())} rows; first row {i}: ours {a[i]!r} peer {b[i]!r}")
    for c in ("level", "n_missing"):
        a, b = ours[c].to_numpy(np.int64), peer[c].to_numpy(np.int64)
        if not np.array_equal(a, b):
            i = int(np.argmax(a != b))
            errs.append(f"{name}: {c} differs in {int((a != b).sum())} rows; first row {i}: ours {a[i]} peer {b[i]}")
    return errs


def breakdown(assessor: ck.SeverityAssessor, df: pd.DataFrame, reps: int) -> Dict[str, float]:
    """assess_frame's parts, timed separately (mirrors severity.py; private API)."""
    names = assessor.config.names

    def extract() -> List[Any]:
        return [df[n].to_numpy(dtype=np.float64, na_value=np.nan) for n in names]

    t_cols, cols = best(extract, reps)
    t_core, d = best(lambda: assessor._assess_columns(cols, len(df)), reps)
    order = ["scope", "harm", "trend", "overall", "overall_lo", "overall_hi", "level", "level_name", "level_lo",
             "level_hi", "n_missing"]

    def build() -> pd.DataFrame:
        e = dict(d)
        e["level_name"] = pd.Categorical.from_codes(e["level"], categories=pd.Index(LEVEL_NAMES), ordered=True)
        return pd.DataFrame({k: e[k] for k in order}, index=df.index, copy=False)

    t_build, _ = best(build, reps)
    return dict(columns_s=t_cols, core_s=t_core, build_s=t_build)


# ---- main --------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="OUT", default=None)
    a = ap.parse_args()
    cfg = ck.SeverityConfig.default().to_dict()
    assessor = ck.SeverityAssessor()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, pandas {pd.__version__}, crisiskit {ck.__version__} (SIMD path {ck.simd_path()})",
          flush=True)
    t = time.perf_counter()
    df = make_frame(a.rows, a.seed, cfg)
    print(f"# {a.rows:,} rows × {df.shape[1]} float64 indicators, {float(df.isna().to_numpy().mean()):.1%} NaN, "
          f"seed {a.seed} (built in {time.perf_counter() - t:.1f} s)", flush=True)

    # Correctness first: both peers against assess_frame.
    ours = assessor.assess_frame(df)
    peer = pandas_assess(df, cfg)
    n_row = min(ROWWISE_ROWS, a.rows)
    head = df.iloc[:n_row]
    row_out = rowwise_assess(head, cfg)
    errs = compare(ours, peer, "vectorised pandas") + compare(ours.iloc[:n_row], row_out, "row-wise pandas")
    lv = np.bincount(ours["level"].to_numpy(np.int64), minlength=5)
    print(f"# levels 0..4: {lv.tolist()}; overall NaN rows: {int(ours['overall'].isna().sum())}", flush=True)
    if errs:
        print("AGREEMENT CHECK FAILED:\n  " + "\n  ".join(errs), file=sys.stderr)
        return 1
    print(f"# agreement: vectorised pandas on all {a.rows:,} rows, row-wise on the first {n_row:,}: "
          "scores within rtol 1e-9, level and n_missing identical", flush=True)

    del ours, peer, row_out
    t_ours, _ = best(lambda: assessor.assess_frame(df), a.repeat)
    t_pd, _ = best(lambda: pandas_assess(df, cfg), a.repeat)
    t_row_slice, _ = best(lambda: rowwise_assess(head, cfg), a.repeat)
    t_row = t_row_slice * a.rows / n_row
    extrap = n_row < a.rows
    parts = breakdown(assessor, df, a.repeat)

    r_pd, r_row = t_ours / t_pd, t_ours / t_row
    row_label = (f"row-wise pandas `df.apply(axis=1)` (measured on {n_row:,} rows, extrapolated ×{a.rows / n_row:g})"
                 if extrap else "row-wise pandas `df.apply(axis=1)`")

    def verdict(r: float) -> str:
        return "met" if r <= TARGET else "**missed**"

    print()
    print(f"| what ({a.rows:,} rows, best of {a.repeat}) | time | M rows/s | ratio ours ÷ peer | speed-up | ≤ {TARGET} (20×) |")
    print("|---|---|---|---|---|---|")
    print(f"| `assess_frame` (crisiskit) | {fmt_t(t_ours)} | {a.rows / t_ours / 1e6:.2f} | – | – | – |")
    print(f"| vectorised pandas/numpy `pandas_assess` | {fmt_t(t_pd)} | {a.rows / t_pd / 1e6:.2f} | {r_pd:.4f} | "
          f"{1 / r_pd:.1f}× | {verdict(r_pd)} |")
    print(f"| {row_label} | {fmt_t(t_row)}{' (extrapolated)' if extrap else ''} | {a.rows / t_row / 1e6:.4f} | "
          f"{r_row:.6f} | {1 / r_row:,.0f}× | {verdict(r_row)} |")
    print()
    tot = parts["columns_s"] + parts["core_s"] + parts["build_s"]
    print(f"assess_frame parts (best of {a.repeat} each): column extraction {fmt_t(parts['columns_s'])}, "
          f"C++ _assess_columns {fmt_t(parts['core_s'])}, output DataFrame {fmt_t(parts['build_s'])} "
          f"(sum {fmt_t(tot)} vs whole call {fmt_t(t_ours)})")
    print(f"RATIO assess_frame / vectorised pandas = {r_pd:.4f} (speed-up {1 / r_pd:.1f}x); "
          f"/ row-wise pandas{' (extrapolated)' if extrap else ''} = {r_row:.6f} (speed-up {1 / r_row:,.0f}x)")

    if a.json:
        res = dict(rows=a.rows, repeat=a.repeat, seed=a.seed, indicators=int(df.shape[1]),
                   nan_share=float(df.isna().to_numpy().mean()),
                   machine=dict(machine(), pandas=pd.__version__, crisiskit=ck.__version__, simd_path=ck.simd_path()),
                   assess_frame_s=t_ours, pandas_vectorised_s=t_pd, rowwise_slice_rows=n_row,
                   rowwise_slice_s=t_row_slice, rowwise_s=t_row, rowwise_extrapolated=extrap,
                   ratio_vs_pandas=r_pd, ratio_vs_rowwise=r_row, target_ratio=TARGET,
                   target_met_vs_pandas=r_pd <= TARGET, target_met_vs_rowwise=r_row <= TARGET,
                   assess_frame_parts=parts, agreement="ok")
        write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
