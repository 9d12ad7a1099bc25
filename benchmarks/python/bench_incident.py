"""Incident-lifecycle KPIs over many incidents (``IncidentLog.kpis``) against a
pandas implementation of the same definitions, and batch ingestion, in the same run.

    .venv/bin/python benchmarks/python/bench_incident.py [--rows 1000000] [--repeat 3] [--seed 1] [--json OUT]

Data (seeded): ``--rows`` incidents reported uniformly over ``--days`` days
(30) to ``--departments`` departments (30); levels NONE 50 %, GENERAL 25 %,
ATTENTION 15 %, WARNING 8 %, EMERGENCY 2 %; half with an occurrence time
0–2 h before the report. Each incident reaches a random stage of the path
(REPORTED 5 %, DISPATCHED 5 %, SIGNED 10 %, HANDLED 10 %, FEEDBACK 30 %,
ASSESSED 40 %) with log-normal gaps (dispatch median 3 min, sign 8 min,
handling 2 h …); on-site and public-information milestones on about half;
satisfaction 1–5 on 80 % of the assessed. Columns are tz-aware
``datetime64[s, UTC]`` with NaT for stages not reached, as a host would pass them.

Timed (best of ``--repeat``, ``time.perf_counter``, whole calls from Python):

* ``ingest``: ``IncidentLog().ingest(frame)`` — column conversion, checks,
  interning, the event log and the overdue index (1 M incidents → about
  4.5 M events).
* ``kpis``: ``log.kpis("1D", by="department")`` — every KPI column of the
  documented definitions (counts, median/p90 of dispatch and sign delays,
  closure, reopen, satisfaction, on-time rates of the four SLAs), output
  DataFrame included.
* ``pandas``: the same definitions in vectorised pandas/numpy from the same
  data held as int64 UTC seconds (``NaN`` for not reached) in a DataFrame:
  SLA due times and statuses as column expressions, then one ``groupby
  (["period", "department"])`` with ``size``/``count``/``sum``/``mean``/
  ``median``/``quantile(0.9)``. Converting the tz-aware columns to seconds is
  *not* timed for pandas (a favour to the peer).

Check (exit status 1 on failure): every count equal and every float within
1e-9 between ours and pandas. Ratios are ours ÷ pandas (below 1 = crisiskit
faster). Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict

import numpy as np
import pandas as pd

import crisiskit as ck

from benchlib import best, fmt_t, machine, write_json

NAT = -(2 ** 63)
STAGES = ["reported_at", "dispatched_at", "signed_at", "handled_at", "feedback_at", "assessed_at"]
RESPONSE_S = {1: 7200, 2: 14400, 3: 43200, 4: 0}  # ResponsePlan.defaults(): level → seconds


def make_frame(rows: int, seed: int, days: int, departments: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rows
    t0 = 1_780_000_000
    rep = t0 + rng.integers(0, days * 86400, n)
    reached = rng.choice(6, n, p=[0.05, 0.05, 0.10, 0.10, 0.30, 0.40])
    gaps = [None, (180, 1.0), (480, 1.0), (7200, 0.8), (1800, 0.8), (86400, 0.6)]
    cols: Dict[str, Any] = {"id": np.char.add("inc-", np.arange(n).astype(str)).astype(object),
                            "kind": rng.choice(["waterlogging", "fire", "noise", "traffic", "power"], n),
                            "department": np.char.add("dept-", rng.integers(0, departments, n).astype(str)).astype(object),
                            "level": rng.choice(5, n, p=[0.5, 0.25, 0.15, 0.08, 0.02]).astype(np.int8)}
    occ = np.where(rng.random(n) < 0.5, rep - rng.integers(0, 7200, n), NAT)
    t = rep.copy()
    secs = {"occurred_at": occ}
    for s, name in enumerate(STAGES):
        if s:
            med, sig = gaps[s]
            t = t + np.floor(rng.lognormal(np.log(med), sig, n)).astype(np.int64)
        secs[name] = np.where(reached >= s, t, NAT)
    secs["on_site_at"] = np.where(rng.random(n) < 0.5, rep + np.floor(rng.lognormal(np.log(1500), 0.7, n)).astype(np.int64), NAT)
    secs["first_info_at"] = np.where(rng.random(n) < 0.5, rep + np.floor(rng.lognormal(np.log(9000), 0.7, n)).astype(np.int64), NAT)
    sat = np.where((reached == 5) & (rng.random(n) < 0.8), rng.integers(1, 6, n).astype(float), np.nan)
    df = pd.DataFrame(cols)
    for k, v in secs.items():
        df[k] = pd.DatetimeIndex(v.view("datetime64[s]")).tz_localize("UTC")
    df["satisfaction"] = sat
    return df


def seconds_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The peer's input: int64 seconds as float (NaN = not reached), plain columns."""
    out = pd.DataFrame({"department": df["department"], "level": df["level"].astype(np.int64),
                        "satisfaction": df["satisfaction"]})
    for c in ["occurred_at"] + STAGES + ["on_site_at", "first_info_at"]:
        v = df[c].dt.tz_localize(None).to_numpy().astype("datetime64[s]").view(np.int64).astype(float)
        v[df[c].isna().to_numpy()] = np.nan
        out[c] = v
    return out


def pandas_kpis(d: pd.DataFrame, width: int, at: float) -> pd.DataFrame:
    """kpi.hpp's definitions on linear histories (no reopens), vectorised pandas."""
    origin = 4 * 86400
    rep = d["reported_at"]
    x = pd.DataFrame({"period": np.floor_divide(rep - origin, width) * width + origin})
    x["department"] = d["department"].where(d["dispatched_at"].notna(), "")  # assignee only once dispatched
    x["dispatch_s"] = d["dispatched_at"] - rep
    x["sign_s"] = d["signed_at"] - rep
    x["closed"] = d["feedback_at"].notna()  # FEEDBACK or ASSESSED now (no reopens in this data)
    x["fed_back"] = d["feedback_at"].notna()
    x["reopened"] = False
    x["sat"] = d["satisfaction"]
    lvl = d["level"]
    anchor = d["occurred_at"].where(d["occurred_at"].notna(), rep)
    slas = {
        "first_report": (d["occurred_at"] + 3600, rep),
        "first_info": ((anchor + 4 * 3600).where(lvl >= 1), d["first_info_at"]),
        "on_site": ((rep + 1800).where(lvl >= 1), d["on_site_at"]),
        "response": (rep + lvl.map(RESPONSE_S), d["signed_at"]),
    }
    for s, (due, met) in slas.items():
        x[f"{s}_on_time"] = due.notna() & met.notna() & (met <= due)
        x[f"{s}_late"] = due.notna() & ((met.notna() & (met > due)) | (met.isna() & (at > due)))
    g = x.groupby(["period", "department"], sort=True)
    out = pd.DataFrame({"reported": g.size(), "dispatched": g["dispatch_s"].count(), "signed": g["sign_s"].count(),
                        "dispatch_median_s": g["dispatch_s"].median(), "dispatch_p90_s": g["dispatch_s"].quantile(0.9),
                        "sign_median_s": g["sign_s"].median(), "sign_p90_s": g["sign_s"].quantile(0.9),
                        "closed": g["closed"].sum(), "fed_back": g["fed_back"].sum(), "reopened": g["reopened"].sum(),
                        "assessed": g["sat"].count(), "satisfaction_mean": g["sat"].mean()})
    out["closure_rate"] = out["closed"] / out["reported"]
    out["reopen_rate"] = (out["reopened"] / out["fed_back"]).where(out["fed_back"] > 0)
    for s in slas:
        out[f"{s}_on_time"] = g[f"{s}_on_time"].sum()
        out[f"{s}_late"] = g[f"{s}_late"].sum()
        den = out[f"{s}_on_time"] + out[f"{s}_late"]
        out[f"{s}_on_time_rate"] = (out[f"{s}_on_time"] / den).where(den > 0)
    return out.reset_index()


def agree(ours: pd.DataFrame, theirs: pd.DataFrame) -> str:
    if len(ours) != len(theirs):
        return f"row count {len(ours)} vs {len(theirs)}"
    if ours["department"].tolist() != theirs["department"].tolist():
        return "groups differ"
    if not np.array_equal(ours["period_start"].dt.tz_localize(None).to_numpy().astype("datetime64[s]").view(np.int64),
                          theirs["period"].to_numpy().astype(np.int64)):
        return "periods differ"
    for c in theirs.columns[2:]:
        a, b = ours[c].to_numpy(float), theirs[c].to_numpy(float)
        if not np.allclose(a, b, rtol=0, atol=1e-9, equal_nan=True):
            return f"column {c} differs"
    return "ok"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--departments", type=int, default=30)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    df = make_frame(a.rows, a.seed, a.days, a.departments)
    secs = seconds_frame(df)
    t_ingest, log = best(lambda: _ingested(df), a.repeat)
    t_kpis, ours = best(lambda: log.kpis("1D", by="department"), a.repeat)
    at = float(ours.attrs["at"].timestamp())
    t_pandas, theirs = best(lambda: pandas_kpis(secs, 86400, at), a.repeat)
    status = agree(ours, theirs)
    t_frame, _ = best(log.to_frame, 1)
    res = dict(rows=a.rows, events=int(sum(df[c].notna().sum() for c in STAGES + ["on_site_at", "first_info_at"])),
               groups=len(ours), ingest_s=t_ingest, kpis_s=t_kpis, pandas_s=t_pandas,
               ratio_kpis_over_pandas=t_kpis / t_pandas, to_frame_s=t_frame, agreement=status, machine=machine(),
               pandas=pd.__version__)
    print(f"{a.rows:,} incidents, {res['events']:,} events, {len(ours):,} (day, department) rows")
    print(f"ingest (IncidentLog().ingest(frame))   {fmt_t(t_ingest)}  ({t_ingest / a.rows * 1e9:.0f} ns/incident)")
    print(f"kpis('1D', by='department')            {fmt_t(t_kpis)}")
    print(f"pandas, same definitions               {fmt_t(t_pandas)}")
    print(f"ratio ours / pandas                     {t_kpis / t_pandas:.3f}  ({t_pandas / t_kpis:.1f}x faster)")
    print(f"to_frame()                             {fmt_t(t_frame)}")
    print(f"agreement: {status}")
    if a.json:
        write_json(a.json, res)
    return 0 if status == "ok" else 1


def _ingested(df: pd.DataFrame) -> ck.IncidentLog:
    log = ck.IncidentLog()
    log.ingest(df)
    return log


if __name__ == "__main__":
    sys.exit(main())
