"""The incident lifecycle (crisiskit.IncidentLog, crisiskit.read_cad).

Oracles: the state table written out by hand here; SLAs and overdue lists
from a brute-force Python model of the calls that succeeded; KPIs from an
independent pandas implementation of the documented definitions over the
same call records; the CAD fixture's expected incidents worked out by hand
and a generated CAD export checked against a pandas groupby.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import math
import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, SHARED_DATA

import crisiskit as ck

T0 = 1_780_000_000  # 2026-05-28T20:26:40Z
STATES = ["REPORTED", "DISPATCHED", "SIGNED", "HANDLED", "FEEDBACK", "ASSESSED"]
PATH = ["DISPATCH", "SIGN", "HANDLE", "FEEDBACK", "ASSESS"]
ACTIONS = ["REPORT", "DISPATCH", "SIGN", "HANDLE", "FEEDBACK", "ASSESS", "REOPEN", "PUBLIC_INFO", "ON_SITE"]
# The legal transitions, by hand: (state, action) → new state. Milestones keep the state.
LEGAL = {
    ("REPORTED", "DISPATCH"): "DISPATCHED",
    ("DISPATCHED", "SIGN"): "SIGNED",
    ("SIGNED", "HANDLE"): "HANDLED",
    ("HANDLED", "FEEDBACK"): "FEEDBACK",
    ("FEEDBACK", "ASSESS"): "ASSESSED",
    ("FEEDBACK", "REOPEN"): "REPORTED",
    ("ASSESSED", "REOPEN"): "REPORTED",
}
for _s in STATES:
    LEGAL[(_s, "PUBLIC_INFO")] = _s
    LEGAL[(_s, "ON_SITE")] = _s
NAN = float("nan")
LEVEL_NUM = {"NONE": 0, "GENERAL": 1, "ATTENTION": 2, "WARNING": 3, "EMERGENCY": 4}
RESPONSE_S = {1: 7200, 2: 14400, 3: 43200, 4: 0}  # the source's grading deadlines


def _drive(log, iid, state, t):
    for a in PATH[: STATES.index(state)]:
        t += 60
        log.apply(iid, a, at=t, department="water" if a == "DISPATCH" else "",
                  satisfaction=4.0 if a == "ASSESS" else None)
    return t


# ---- state table -------------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_every_action_in_every_state(state):
    for action in ACTIONS:
        log = ck.IncidentLog()
        log.report("X", at=T0, kind="k", level="GENERAL")
        t = _drive(log, "X", state, T0)
        log.report("Y", at=t)
        before_bytes, before_frame = log.to_bytes(), log.to_frame()
        sat = 3.0 if action == "ASSESS" else None
        dept = "fire" if action == "DISPATCH" else ""
        if (state, action) in LEGAL:
            log.apply("X", action, at=t + 60, department=dept, satisfaction=sat)
            assert log.state("X") == LEGAL[(state, action)]
            assert log.events_frame()["action"].iloc[-1] == action
        else:
            with pytest.raises(ck.StateError) as e:
                log.apply("X", action, at=t + 60, department=dept, satisfaction=sat)
            assert "'X'" in str(e.value) and state in str(e.value) and action in str(e.value)
            assert log.to_bytes() == before_bytes
            pd.testing.assert_frame_equal(log.to_frame(), before_frame)


def test_unknown_incident_and_action():
    log = ck.IncidentLog()
    for a in ACTIONS[1:]:
        with pytest.raises(ValueError) as e:
            log.apply("nope", a, at=T0, department="d")
        assert e.value.field == "incident" and "nope" in e.value.value
    with pytest.raises(ValueError) as e:
        log.report("A", at=T0)
        log.apply("A", "ESCALATE", at=T0)
    assert e.value.field == "action"


def test_full_path_frames_and_reopen():
    log = ck.IncidentLog()
    occ = pd.Timestamp("2026-07-20 07:40", tz="Asia/Shanghai")
    rep = pd.Timestamp("2026-07-20 08:00", tz="Asia/Shanghai")
    log.report("E-1", at=rep, kind="waterlogging", place="街道-3", level="WARNING", occurred_at=occ,
               actor="网格员-17", department="grid-3")
    log.dispatch("E-1", at=rep + pd.Timedelta("5min"), department="drainage", actor="dispatcher")
    log.sign("E-1", at=np.datetime64(int((rep + pd.Timedelta("9min")).timestamp()), "s"), actor="王工")
    log.on_site("E-1", at=rep + pd.Timedelta("20min"), actor="expert-team")
    log.handle("E-1", at=rep + pd.Timedelta("2h"))
    log.public_info("E-1", at="2026-07-20T10:30:00+08:00", actor="press")
    log.feedback("E-1", at=rep + pd.Timedelta("3h"), department="drainage")
    log.assess("E-1", at=rep + pd.Timedelta("5h"), satisfaction=60, actor="综治中心")
    log.reopen("E-1", at=rep + pd.Timedelta("6h"), actor="hotline")
    log.dispatch("E-1", at=rep + pd.Timedelta("7h"), department="housing")
    f = log.to_frame()
    assert list(f.columns[:17]) == ["incident", "kind", "place", "department", "level", "occurred_at", "reported_at",
                                    "dispatched_at", "signed_at", "handled_at", "feedback_at", "assessed_at",
                                    "first_info_at", "on_site_at", "reopen_count", "satisfaction", "state"]
    r = f.iloc[0]
    assert r["incident"] == "E-1" and r["kind"] == "waterlogging" and r["place"] == "街道-3"
    assert r["department"] == "housing" and r["level"] == "WARNING" and r["state"] == "DISPATCHED"
    assert r["reopen_count"] == 1 and r["satisfaction"] == 60
    assert r["reported_at"] == rep  # first entry into REPORTED
    assert r["last_reported_at"] == rep + pd.Timedelta("6h")  # latest entry: the reopen
    assert r["dispatched_at"] == rep + pd.Timedelta("5min") and r["last_dispatched_at"] == rep + pd.Timedelta("7h")
    assert r["last_assessed_at"] == r["assessed_at"] == rep + pd.Timedelta("5h")
    assert r["first_info_at"] == pd.Timestamp("2026-07-20T02:30:00Z")
    assert r["occurred_at"] == occ and str(r["reported_at"].tz) == "UTC"
    assert pd.isna(f.loc[0, "handled_at"]) is False
    tr = log.transitions_frame()
    assert list(tr.columns[:6]) == ["incident", "from_state", "to_state", "at", "actor", "department"]
    assert tr["to_state"].tolist() == ["REPORTED", "DISPATCHED", "SIGNED", "HANDLED", "FEEDBACK", "ASSESSED",
                                       "REPORTED", "DISPATCHED"]
    assert tr["from_state"].iloc[0] == "" and tr["department"].tolist()[:3] == ["grid-3", "drainage", "drainage"]
    assert tr["actor"].iloc[2] == "王工"
    ev = log.events_frame()
    assert len(ev) == 10 and ev.loc[ev["action"] == "ASSESS", "satisfaction"].iloc[0] == 60
    sla = log.sla_frame()
    assert set(sla["sla"]) == {"FIRST_REPORT", "FIRST_INFO", "ON_SITE", "RESPONSE"}
    assert (sla["status"] == "ON_TIME").all()
    assert "IncidentLog(1 incidents" in repr(log)


def test_bad_input_names_field_and_leaves_log_unchanged():
    log = ck.IncidentLog()
    log.report("A", at=T0)
    log.dispatch("A", at=T0 + 10, department="water")
    before = log.to_bytes()
    cases = [
        (lambda: log.sign("A", at=T0 + 5), "at"),
        (lambda: log.sign("A", at=T0 + 20, department="fire"), "department"),
        (lambda: log.apply("A", "SIGN", at=T0 + 20, satisfaction=3), "satisfaction"),
        (lambda: log.sign("A", at=dt.datetime(2026, 7, 20, 8)), "at"),  # naive
        (lambda: log.report("B", at=T0, occurred_at=T0 + 1), "occurred_at"),
        (lambda: log.report("", at=T0), "incident"),
        (lambda: log.report("B", at=T0, level="PURPLE"), "level"),
    ]
    for f, field in cases:
        with pytest.raises(ValueError) as e:
            f()
        assert getattr(e.value, "field", None) == field or field in str(e.value)
        assert log.to_bytes() == before
    with pytest.raises(ValueError) as e:
        log.sign("A", at=T0 + 5)
    assert "'A'" in str(e.value) and "backwards" in str(e.value)
    log.sign("A", at=T0 + 20)
    log.handle("A", at=T0 + 30)
    log.feedback("A", at=T0 + 40)
    with pytest.raises(ValueError):
        log.assess("A", at=T0 + 50, satisfaction=101)
    with pytest.raises(ck.StateError):
        log.report("A", at=T0 + 60)


def test_pickle_copy_and_equality():
    log = _random_log(3, n=40, steps=150)[0]
    for other in (pickle.loads(pickle.dumps(log)), copy.deepcopy(log), ck.IncidentLog.from_bytes(log.to_bytes())):
        assert other == log and isinstance(other, ck.IncidentLog)
        pd.testing.assert_frame_equal(other.to_frame(), log.to_frame())
    with pytest.raises(ValueError):
        ck.IncidentLog.from_bytes(log.to_bytes()[:-3])
    custom = ck.IncidentLog(first_info=None, on_site=pd.Timedelta("15min"), on_site_min_level="NONE")
    assert pickle.loads(pickle.dumps(custom)).sla == custom.sla
    assert custom.sla["first_info"] is None and custom.sla["on_site"] == 900
    assert ck.IncidentLog().sla["response"] == {"NONE": None, "GENERAL": 7200, "ATTENTION": 14400, "WARNING": 43200,
                                                "EMERGENCY": 0}
    plan = ck.ResponsePlan.defaults()
    plan.set(ck.AlertLevel.EMERGENCY, [ck.ObligationSpec("full response", "全员响应", 600)])
    quick = ck.IncidentLog(response_plan=plan)
    quick.report("e", at=T0, level="EMERGENCY")
    assert quick.overdue(T0 + 601)["sla"].tolist() == ["RESPONSE"]
    assert quick.overdue(T0 + 600).empty


# ---- random histories and the brute-force model -------------------------------------

def _random_log(seed, n=120, steps=700, cfg=None):
    """A log driven by random calls, and the record of every call that succeeded."""
    rng = np.random.default_rng(seed)
    cfg = cfg or {}
    log = ck.IncidentLog(**cfg)
    calls = []  # dicts: id, action, at, department, satisfaction
    static = {}
    t = {}
    for i in range(n):
        iid = f"i{i:03d}"
        t[iid] = T0 + int(rng.integers(0, 3 * 86400))
        level = ["NONE", "GENERAL", "ATTENTION", "WARNING", "EMERGENCY"][int(rng.integers(0, 5))]
        occ = None if rng.random() < 0.3 else t[iid] - int(rng.integers(0, 7200))
        log.report(iid, at=t[iid], kind=f"k{int(rng.integers(0, 3))}", level=level, occurred_at=occ)
        static[iid] = (level, occ)
        calls.append(dict(id=iid, action="REPORT", at=t[iid], department="", satisfaction=NAN))
    ids = list(t)
    for _ in range(steps):
        iid = ids[int(rng.integers(0, n))]
        t[iid] += int(rng.integers(0, 5400))
        a = ACTIONS[1 + int(rng.integers(0, 8))]
        dept = f"dept{int(rng.integers(0, 4))}" if a == "DISPATCH" else ""
        sat = float(rng.integers(0, 6)) if a == "ASSESS" and rng.random() < 0.8 else None
        try:
            log.apply(iid, a, at=t[iid], department=dept, satisfaction=sat)
        except ck.StateError:
            continue
        calls.append(dict(id=iid, action=a, at=t[iid], department=dept, satisfaction=NAN if sat is None else sat))
    return log, pd.DataFrame(calls), static


def _model(calls, static, on_site_min=1, info_min=1):
    """Per incident, from the call records alone: first times, state, department, SLAs."""
    c = calls
    first = lambda a: c[c["action"] == a].groupby("id")["at"].min()  # noqa: E731
    m = pd.DataFrame(index=pd.Index(sorted(static), name="id"))
    m["rep"] = first("REPORT")
    m["disp"] = first("DISPATCH")
    m["sign"] = first("SIGN")
    m["info"] = first("PUBLIC_INFO")
    m["site"] = first("ON_SITE")
    m["fed"] = c[c["action"] == "FEEDBACK"].groupby("id").size().reindex(m.index).fillna(0) > 0
    m["reopened"] = c[c["action"] == "REOPEN"].groupby("id").size().reindex(m.index).fillna(0) > 0
    tr = c[~c["action"].isin(["PUBLIC_INFO", "ON_SITE"])]
    last = tr.groupby("id")["action"].last()
    to_state = {"REPORT": "REPORTED", "REOPEN": "REPORTED", "DISPATCH": "DISPATCHED", "SIGN": "SIGNED",
                "HANDLE": "HANDLED", "FEEDBACK": "FEEDBACK", "ASSESS": "ASSESSED"}
    m["state"] = last.map(to_state)
    m["dept"] = c[c["action"] == "DISPATCH"].groupby("id")["department"].last().reindex(m.index).fillna("")
    scored = c[(c["action"] == "ASSESS") & c["satisfaction"].notna()]
    m["sat"] = scored.groupby("id")["satisfaction"].last()
    m["level"] = [LEVEL_NUM[static[i][0]] for i in m.index]
    m["occ"] = [np.nan if static[i][1] is None else static[i][1] for i in m.index]
    # SLA due / met (NaN = not applicable / not met), straight from sla.hpp's table.
    m["due_FIRST_REPORT"] = m["occ"] + 3600
    m["met_FIRST_REPORT"] = m["rep"]
    anchor = m["occ"].where(m["occ"].notna(), m["rep"])
    m["due_FIRST_INFO"] = (anchor + 4 * 3600).where(m["level"] >= info_min)
    m["met_FIRST_INFO"] = m["info"]
    m["due_ON_SITE"] = (m["rep"] + 1800).where(m["level"] >= on_site_min)
    m["met_ON_SITE"] = m["site"]
    m["due_RESPONSE"] = m["rep"] + m["level"].map(lambda lv: RESPONSE_S.get(lv, np.nan))
    m["met_RESPONSE"] = m["sign"]
    return m


def _brute_overdue(m, at):
    rows = []
    for iid, r in m.iterrows():
        for k in ck.SLA_KINDS:
            due, met = r[f"due_{k}"], r[f"met_{k}"]
            if not math.isnan(due) and math.isnan(met) and at > due:
                rows.append((iid, k, int(due), int(at - due)))
    order = {k: i for i, k in enumerate(ck.SLA_KINDS)}
    rows.sort(key=lambda x: (x[2], x[0], order[x[1]]))
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_overdue_matches_brute_force(seed):
    cfg = {} if seed % 2 else {"on_site_min_level": "NONE", "info_min_level": "WARNING"}
    log, calls, static = _random_log(seed, cfg=cfg)
    m = _model(calls, static, on_site_min=0 if cfg else 1, info_min=3 if cfg else 1)
    rng = np.random.default_rng(100 + seed)
    for at in rng.integers(T0, T0 + 5 * 86400, size=12):
        got = log.overdue(int(at))
        assert list(got.columns) == ["incident", "sla", "due_at", "late_s"]
        got_rows = [(r.incident, r.sla, int(r.due_at.timestamp()), int(r.late_s)) for r in got.itertuples()]
        assert got_rows == _brute_overdue(m, int(at))
    # The same at as a tz-aware timestamp and a datetime64.
    at = T0 + 2 * 86400
    a = log.overdue(pd.Timestamp(at, unit="s", tz="Asia/Shanghai"))
    b = log.overdue(np.datetime64(at, "s"))
    pd.testing.assert_frame_equal(a, b)


# ---- KPIs against pandas -----------------------------------------------------------

def _pandas_kpis(m, width, offset_s, at):
    """The KPI definitions of kpi.hpp, written independently in pandas."""
    origin = 4 * 86400 - offset_s
    d = m.copy()
    d["bin"] = np.floor_divide(d["rep"].astype(np.int64) - origin, width)
    d["period_start"] = d["bin"] * width + origin
    d["dispatch_s"] = d["disp"] - d["rep"]
    d["sign_s"] = d["sign"] - d["rep"]
    d["closed"] = d["state"].isin(["FEEDBACK", "ASSESSED"])
    for k in ck.SLA_KINDS:
        due, met = d[f"due_{k}"], d[f"met_{k}"]
        applies = due.notna()
        on_time = applies & met.notna() & (met <= due)
        late = applies & ((met.notna() & (met > due)) | (met.isna() & (at > due)))
        d[f"{k.lower()}_on_time"] = on_time
        d[f"{k.lower()}_late"] = late
    g = d.groupby(["period_start", "dept"], sort=True)
    out = pd.DataFrame({
        "reported": g.size(),
        "dispatched": g["dispatch_s"].count(),
        "signed": g["sign_s"].count(),
        "dispatch_median_s": g["dispatch_s"].median(),
        "dispatch_p90_s": g["dispatch_s"].quantile(0.9),
        "sign_median_s": g["sign_s"].median(),
        "sign_p90_s": g["sign_s"].quantile(0.9),
        "closed": g["closed"].sum(),
        "fed_back": g["fed"].sum(),
        "reopened": g["reopened"].sum(),
        "assessed": g["sat"].count(),
        "satisfaction_mean": g["sat"].mean(),
    })
    out["closure_rate"] = out["closed"] / out["reported"]
    out["reopen_rate"] = (out["reopened"] / out["fed_back"]).where(out["fed_back"] > 0)
    for k in ck.SLA_KINDS:
        s = k.lower()
        out[f"{s}_on_time"] = g[f"{s}_on_time"].sum()
        out[f"{s}_late"] = g[f"{s}_late"].sum()
        den = out[f"{s}_on_time"] + out[f"{s}_late"]
        out[f"{s}_on_time_rate"] = (out[f"{s}_on_time"] / den).where(den > 0)
    return out.reset_index()


@pytest.mark.parametrize("seed,period,offset", [(0, "1D", 0), (1, "1D", "+08:00"), (2, "7D", 0), (3, "6h", -300),
                                                 (4, "1D", 0), (5, "2D", "+05:30")])
def test_kpis_match_pandas(seed, period, offset):
    log, calls, static = _random_log(seed, n=200, steps=1200)
    m = _model(calls, static)
    at = int(calls["at"].max())
    got = log.kpis(period, by="department", offset=offset)
    off_s = (ck.parse_offset(offset) if isinstance(offset, str) else offset) * 60
    want = _pandas_kpis(m, int(pd.Timedelta(period).total_seconds()), off_s, at)
    assert got.attrs["at"] == pd.Timestamp(at, unit="s", tz="UTC")
    assert len(got) == len(want)
    assert [int(x.timestamp()) for x in got["period_start"]] == want["period_start"].astype(int).tolist()
    assert got["department"].tolist() == want["dept"].tolist()
    for col in ("reported", "dispatched", "signed", "closed", "fed_back", "reopened", "assessed") + tuple(
            f"{k.lower()}_{w}" for k in ck.SLA_KINDS for w in ("on_time", "late")):
        assert got[col].astype(int).tolist() == want[col].astype(int).tolist(), col
    for col in ("dispatch_median_s", "dispatch_p90_s", "sign_median_s", "sign_p90_s", "closure_rate", "reopen_rate",
                "satisfaction_mean") + tuple(f"{k.lower()}_on_time_rate" for k in ck.SLA_KINDS):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=0, atol=1e-9,
                                   err_msg=col)


def test_kpis_other_groupings_and_custom_periods():
    log, calls, static = _random_log(11, n=150, steps=800)
    m = _model(calls, static)
    total = log.kpis("30D", by=None)
    assert total["reported"].sum() == len(m) and "department" not in total.columns
    lv = log.kpis("30D", by="level")
    assert lv.groupby("level")["reported"].sum().to_dict() == {
        ("" if k == 0 else ["NONE", "GENERAL", "ATTENTION", "WARNING", "EMERGENCY"][k]): v
        for k, v in m.groupby("level").size().items()}
    edges = [pd.Timestamp(T0 + 3600 * h, unit="s", tz="UTC") for h in (0, 10, 30, 50)]
    cu = log.kpis(edges, by=None)
    e = [T0, T0 + 36000, T0 + 108000, T0 + 180000]
    want = pd.cut(m["rep"], e, right=False).value_counts(sort=False).tolist()
    assert cu["reported"].tolist() == [w for w in want if w > 0]
    with pytest.raises(ValueError):
        log.kpis("0D")
    with pytest.raises(ValueError):
        log.kpis(by="colour")
    with pytest.raises(ValueError):
        log.kpis(at=T0 - 1)


# ---- batch ingestion -----------------------------------------------------------------

def _batch_frame(n, seed):
    rng = np.random.default_rng(seed)
    rep = T0 + rng.integers(0, 10 * 86400, n)
    reached = rng.integers(0, 6, n)
    cols = {"id": [f"b{i}" for i in range(n)], "kind": rng.choice(["flood", "fire", "noise"], n),
            "department": rng.choice(["water", "fire", "police"], n),
            "level": rng.choice(["NONE", "GENERAL", "WARNING", "EMERGENCY"], n),
            "occurred_at": np.where(rng.random(n) < 0.5, rep - rng.integers(0, 5000, n), -(2 ** 63))}
    t = rep.copy()
    for s, name in enumerate(["reported_at", "dispatched_at", "signed_at", "handled_at", "feedback_at",
                              "assessed_at"]):
        cols[name] = np.where(reached >= s, t, -(2 ** 63))
        t = t + rng.integers(0, 4000, n)
    cols["on_site_at"] = np.where(rng.random(n) < 0.5, rep + rng.integers(0, 4000, n), -(2 ** 63))
    cols["satisfaction"] = np.where(reached == 5, rng.integers(1, 6, n).astype(float), np.nan)
    df = pd.DataFrame(cols)
    for c in ("occurred_at", "reported_at", "dispatched_at", "signed_at", "handled_at", "feedback_at", "assessed_at",
              "on_site_at"):
        df[c] = pd.to_datetime(df[c].where(df[c] != -(2 ** 63)), unit="s").dt.tz_localize("UTC").dt.tz_convert(
            "Asia/Shanghai")
    return df


def test_ingest_matches_live_calls_and_round_trips():
    df = _batch_frame(300, 5)
    batch = ck.IncidentLog()
    assert batch.ingest(df) == 300
    live = ck.IncidentLog()
    for r in df.itertuples(index=False):
        occ = None if pd.isna(r.occurred_at) else r.occurred_at
        live.report(r.id, at=r.reported_at, kind=r.kind, level=r.level, occurred_at=occ)
        evs = [(getattr(r, c), a) for c, a in zip(["dispatched_at", "signed_at", "handled_at", "feedback_at",
                                                   "assessed_at", "on_site_at"],
                                                  ["DISPATCH", "SIGN", "HANDLE", "FEEDBACK", "ASSESS", "ON_SITE"])
               if not pd.isna(getattr(r, c))]
        for when, a in sorted(evs, key=lambda x: (x[0], ACTIONS.index(x[1]))):
            live.apply(r.id, a, at=when, department=r.department if a == "DISPATCH" else "",
                       satisfaction=r.satisfaction if a == "ASSESS" and not math.isnan(r.satisfaction) else None)
    pd.testing.assert_frame_equal(batch.to_frame(), live.to_frame())
    pd.testing.assert_frame_equal(batch.kpis("1D"), live.kpis("1D"))
    f = batch.to_frame()
    assert (f["reported_at"] == df["reported_at"].dt.tz_convert("UTC")).all()
    assert f["handled_at"].isna().tolist() == df["handled_at"].isna().tolist()
    # int seconds and numpy datetime64 columns give the same log
    d2 = df.copy()
    for c in ("reported_at", "dispatched_at"):
        d2[c] = d2[c].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    other = ck.IncidentLog()
    other.ingest({k: (d2[k].to_numpy() if k in ("reported_at", "dispatched_at") else d2[k]) for k in d2.columns})
    pd.testing.assert_frame_equal(other.to_frame(), batch.to_frame())


@pytest.mark.parametrize("column,row,value", [
    ("signed_at", 2, "skip"),           # signed without dispatched
    ("dispatched_at", 3, "before"),     # dispatched before reported
    ("id", 4, "dup"),
    ("department", 1, "nodept"),
    ("satisfaction", 0, "sat"),
    ("level", 3, "level"),
])
def test_ingest_bad_row_is_named_and_nothing_added(column, row, value):
    df = _batch_frame(6, 9)
    for c in ("dispatched_at", "signed_at", "handled_at", "feedback_at", "assessed_at"):
        df[c] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[s, UTC]")
    df["satisfaction"] = np.nan
    df["dispatched_at"] = df["reported_at"] + pd.Timedelta("5min")
    if value == "skip":
        df.loc[row, "dispatched_at"] = pd.NaT
        df.loc[row, "signed_at"] = df.loc[row, "reported_at"] + pd.Timedelta("9min")
    elif value == "before":
        df.loc[row, "dispatched_at"] = df.loc[row, "reported_at"] - pd.Timedelta("1s")
    elif value == "dup":
        df.loc[row, "id"] = df.loc[0, "id"]
    elif value == "nodept":
        df.loc[row, "department"] = None
    elif value == "sat":
        df.loc[row, "satisfaction"] = 3.0
    elif value == "level":
        df.loc[row, "level"] = "ORANGE"
    log = ck.IncidentLog()
    log.report("pre", at=T0)
    before = log.to_bytes()
    with pytest.raises(ValueError) as e:
        log.ingest(df)
    assert e.value.field == column and e.value.index == row
    assert log.to_bytes() == before


def test_ingest_refuses_naive_datetimes():
    df = _batch_frame(3, 1)
    df["reported_at"] = df["reported_at"].dt.tz_localize(None)
    with pytest.raises(ValueError, match="naive"):
        ck.IncidentLog().ingest(df)


# ---- CAD import ----------------------------------------------------------------------

CAD = os.path.join(REPO, "tests", "data", "cad_sample.csv")


def _est(s):
    return pd.Timestamp(s, tz="America/New_York").tz_convert("UTC")


def test_read_cad_fixture():
    r = ck.read_cad(CAD, tz="America/New_York")
    assert (r.rows, r.rows_used, r.filled) == (16, 12, 3)
    p = r.problems
    assert p["row"].tolist() == [4, 7, 9, 12]
    assert p["field"].tolist() == ["dispatched", "en_route", "received", "incident_id"]
    assert p["value"].iloc[0] == "2016-01-04 25:61:00"
    assert "P16-0006" in p["problem"].iloc[2]
    f = r.log.to_frame().set_index("incident")
    assert f.index.tolist() == ["F16-0001", "E16-0002", "P16-0003", "E16-0004", "F16-0005", "E16-0007", "T16-0008",
                                "E16-0009"]
    want = {  # worked out by hand from the fixture
        "F16-0001": ("FIRE", "08:00:12", "08:01:05", "08:02:00", "09:45:00", "08:07:30", "HANDLED"),
        "E16-0002": ("EMS", "08:15:00", "08:15:40", "08:24:10", "09:02:00", "08:24:10", "HANDLED"),
        "P16-0003": ("POLICE", "08:30:05", "08:33:00", "08:33:40", None, "08:41:00", "SIGNED"),
        "E16-0004": ("EMS", "08:40:00", "08:42:10", "08:43:00", None, "08:55:30", "SIGNED"),
        "F16-0005": ("FIRE", "09:00:00", "09:03:30", "09:04:00", "09:50:00", "09:12:45", "HANDLED"),
        "E16-0007": ("", "09:30:00", None, None, None, None, "REPORTED"),
        "T16-0008": ("POLICE", "10:00:00", "10:01:30", "10:02:00", "11:00:00", "10:09:00", "HANDLED"),
        "E16-0009": ("EMS", "10:20:00", "10:29:00", "10:29:00", "11:15:00", "10:29:00", "HANDLED"),
    }
    for iid, (dept, rep, disp, sign, handled, site, state) in want.items():
        row = f.loc[iid]
        assert row["department"] == dept and row["state"] == state, iid
        for col, v in (("reported_at", rep), ("dispatched_at", disp), ("signed_at", sign), ("handled_at", handled),
                       ("on_site_at", site)):
            assert (pd.isna(row[col]) if v is None else row[col] == _est(f"2016-01-04 {v}")), (iid, col)
    assert f.loc["P16-0003", "kind"] == "ALARM, COMMERCIAL"
    assert r.incidents.set_index("incident").loc["F16-0001", "units"] == 3
    # The C++ CSV reader agrees with the pandas route (January: EST is a fixed -05:00).
    c = ck.read_cad(CAD, tz="-05:00", engine="c")
    assert c.log == r.log and c.problems["row"].tolist() == p["row"].tolist()
    closed = ck.read_cad(CAD, tz="America/New_York", feedback_at_close=True)
    assert closed.log.state("F16-0001") == "FEEDBACK"
    assert closed.log.kpis("1D", by="department").set_index("department").loc["FIRE", "closed"] == 2
    bad = pd.DataFrame({"incident_id": ["A", "B"], "call_type": ["FIRE,\nSTRUCTURE", "FIRE"],
                        "received": ["2026-01-01 00:00:00Z", "2026-01-01 00:05:00Z"]})
    q = ck.read_cad(bad)
    assert q.problems[["row", "field"]].values.tolist() == [[0, "call_type"]] and q.log.ids == ["B"]
    with pytest.raises(ValueError):
        ck.read_cad(CAD)  # naive times and no tz
    with pytest.raises(ValueError):
        ck.read_cad(CAD, tz="UTC", columns={"incident": "call_no"})


def test_read_cad_generated_export_against_pandas():
    """A larger CAD unit history: 1–4 units per incident, rows shuffled,
    some en-route and closed cells missing, one unparseable cell."""
    rng = np.random.default_rng(42)
    rows = []
    for i in range(400):
        rec = pd.Timestamp("2016-03-01 00:00") + pd.Timedelta(seconds=int(rng.integers(0, 20 * 86400)))
        agencies = ["EMS", "FIRE", "POLICE"]
        for u in range(int(rng.integers(1, 5))):
            disp = rec + pd.Timedelta(seconds=int(rng.integers(20, 400)))
            enr = disp + pd.Timedelta(seconds=int(rng.integers(0, 120)))
            ons = enr + pd.Timedelta(seconds=int(rng.integers(60, 900)))
            clo = ons + pd.Timedelta(seconds=int(rng.integers(300, 5000)))
            fmt = "%Y-%m-%d %H:%M:%S"
            rows.append({"CallNumber": f"C{i:05d}", "Unit": f"U{u}", "Agency": agencies[u % 3],
                         "Type": "MEDICAL", "Received": rec.strftime(fmt), "Dispatched": disp.strftime(fmt),
                         "EnRoute": enr.strftime(fmt) if rng.random() > 0.15 else "",
                         "OnScene": ons.strftime(fmt), "Cleared": clo.strftime(fmt) if rng.random() > 0.1 else ""})
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=7).reset_index(drop=True)
    df.loc[5, "OnScene"] = "not a time"
    cols = {"incident": "CallNumber", "unit": "Unit", "department": "Agency", "kind": "Type", "received": "Received",
            "dispatched": "Dispatched", "en_route": "EnRoute", "on_scene": "OnScene", "closed": "Cleared"}
    r = ck.read_cad(df, tz="America/New_York", columns=cols)
    assert r.problems[["row", "field", "value"]].values.tolist() == [[5, "OnScene", "not a time"]]
    good = df.drop(index=5)
    t = {c: pd.to_datetime(good[c].replace("", None)).dt.tz_localize("America/New_York").dt.tz_convert("UTC")
         .astype("datetime64[s, UTC]")
         for c in ("Received", "Dispatched", "EnRoute", "OnScene", "Cleared")}
    g = pd.DataFrame({"id": good["CallNumber"], **t}).groupby("id")
    want = pd.DataFrame({"rep": g["Received"].min(), "disp": g["Dispatched"].min(), "enr": g["EnRoute"].min(),
                         "ons": g["OnScene"].min(), "clo": g["Cleared"].max(),
                         "all_closed": g["Cleared"].apply(lambda s: s.notna().all())})
    want["sign"] = want["enr"].where(want["enr"].notna(), want["ons"])
    want["handled"] = want["clo"].where(want["all_closed"])
    f = r.log.to_frame().set_index("incident").loc[want.index]
    assert len(r.log) == len(want) == 400
    for ours, theirs in (("reported_at", "rep"), ("dispatched_at", "disp"), ("signed_at", "sign"),
                         ("on_site_at", "ons"), ("handled_at", "handled")):
        pd.testing.assert_series_equal(f[ours], want[theirs], check_names=False, check_dtype=False)
    assert r.rows_used == len(good)


MONTCO = os.path.join(SHARED_DATA, "montco-911", "calls-2015-12-to-2016-06.csv.gz")


@pytest.mark.skipif(not os.path.exists(MONTCO), reason="Montgomery County 911 data not present")
def test_montco_report_times_feed_the_lifecycle():
    """Real report times (Montgomery County 911 calls, local time) as incidents; daily and
    per-township counts against pandas on the same calls."""
    with gzip.open(MONTCO, "rt") as fh:
        calls = pd.read_csv(fh, nrows=20000)
    rep = pd.to_datetime(calls["timeStamp"]).dt.tz_localize("America/New_York", ambiguous="NaT",
                                                             nonexistent="NaT")
    ok = rep.notna()
    calls, rep = calls[ok].reset_index(drop=True), rep[ok].reset_index(drop=True)
    log = ck.IncidentLog()
    log.ingest({"id": [f"m{i}" for i in range(len(calls))], "reported_at": rep,
                "kind": calls["title"].str.split(":").str[0], "place": calls["twp"].fillna("")})
    k = log.kpis("1D", by="place", offset="-05:00")
    local = (rep.dt.tz_convert("UTC") - pd.Timedelta("5h")).dt.floor("D")
    want = pd.DataFrame({"d": local, "p": calls["twp"].fillna("")}).groupby(["d", "p"]).size()
    assert k["reported"].sum() == len(calls)
    got = dict(zip(zip(k["period_start"] - pd.Timedelta("5h"), k["place"]), k["reported"]))
    assert got == want.to_dict()
    assert (k["dispatched"] == 0).all() and k["closure_rate"].eq(0).all()


def test_review_reads_the_lifecycle_frames():
    """ck.review (the after-action review) takes to_frame() and transitions_frame() as they are
    (here a CAD import); with reopened incidents, the first-entry columns (see to_frame's notes)."""
    r = ck.read_cad(CAD, tz="America/New_York", feedback_at_close=True)
    rev = ck.review(incidents=r.log.to_frame(), transitions=r.log.transitions_frame())
    assert len(rev.to_frame()) > 0
    log = ck.IncidentLog()
    log.report("A", at=T0, occurred_at=T0 - 600, level="WARNING", place="p1")
    log.dispatch("A", at=T0 + 60, department="water")
    log.sign("A", at=T0 + 120)
    log.on_site("A", at=T0 + 900)
    log.handle("A", at=T0 + 4000)
    log.feedback("A", at=T0 + 5000)
    log.reopen("A", at=T0 + 7000)
    log.dispatch("A", at=T0 + 7100, department="housing")
    f = log.to_frame()
    # First entries keep each row in path order, so a reopened incident reviews as it is.
    assert len(ck.review(incidents=f, transitions=log.transitions_frame()).to_frame()) > 0
    # The latest entries are not in path order after a reopen: the review refuses them.
    g = f.copy()
    for s in ("reported", "dispatched", "signed"):
        g[f"{s}_at"] = g[f"last_{s}_at"]
    with pytest.raises(ValueError):
        ck.review(incidents=g, transitions=log.transitions_frame())


def test_incident_example_runs():
    path = os.path.join(REPO, "examples", "python", "incident.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "RESPONSE" in r.stdout and "closure_rate" in r.stdout and "CAD" in r.stdout
