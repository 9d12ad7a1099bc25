"""ck.review against independent computations: a brute-force Python matching
written from the definitions (POD/FAR/CSI, lead times, coverage), pandas for
the timeliness and coordination statistics (quantiles, histograms, group
shares, hand-offs by shift), and hand-computed opinion series."""

from __future__ import annotations

import math
import pickle

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

T0 = pd.Timestamp("2026-07-20 00:00", tz="UTC")
H = pd.Timedelta(hours=1)
LEVELS = ["GENERAL", "ATTENTION", "WARNING", "EMERGENCY"]


def metric(r, dim, name):
    f = r.to_frame()
    row = f[(f["dimension"] == dim) & (f["metric"] == name)]
    assert len(row) == 1, (dim, name)
    return float(row["value"].iloc[0])


def incidents_frame(**cols):
    """An incidents table in the lifecycle helper's shape, NaT where not given."""
    n = len(next(iter(cols.values())))
    base = {"incident": [f"e{i}" for i in range(n)], "kind": ["flood"] * n, "place": ["p0"] * n,
            "department": [""] * n, "level": [""] * n, "reopen_count": [0] * n,
            "satisfaction": [np.nan] * n, "state": ["reported"] * n}
    for c in ("occurred_at", "reported_at", "dispatched_at", "signed_at", "handled_at", "feedback_at",
              "assessed_at", "first_info_at", "on_site_at"):
        base[c] = pd.Series([pd.NaT] * n, dtype="datetime64[ns, UTC]")
    base.update(cols)
    df = pd.DataFrame(base)
    for c in df.columns:
        if c.endswith("_at"):
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


# ---- warning accuracy -------------------------------------------------------

def brute_force(alerts, incidents, window, groups, min_level):
    """The definitions, pair by pair, with pandas timestamps."""
    g = lambda p: groups.get(p, p)
    a = alerts[alerts["level_n"] >= min_level]
    hits = misses = 0
    leads = []
    matched_alerts = set()
    for _, inc in incidents.iterrows():
        first = None
        for j, al in a.iterrows():
            o = inc["occurred_at"]
            ok = g(al["place"]) == g(inc["place"]) and al["issued_at"] <= o <= al["issued_at"] + window
            if ok and "ended_at" in a.columns and not pd.isna(al["ended_at"]):
                ok = o <= al["ended_at"]
            if ok:
                matched_alerts.add(j)
                first = al["issued_at"] if first is None else min(first, al["issued_at"])
        if first is None:
            misses += 1
        else:
            hits += 1
            leads.append((inc["occurred_at"] - first).total_seconds())
    fa = len(a) - len(matched_alerts)
    return hits, misses, fa, leads


@pytest.mark.parametrize("seed", range(40))
def test_pod_far_csi_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    places = [f"c{k}" for k in range(rng.integers(1, 7))]
    groups = {p: "north" for p in places[: len(places) // 2]} if seed % 3 == 0 else {}
    na, ni = int(rng.integers(0, 25)), int(rng.integers(1, 25))
    alerts = pd.DataFrame({
        "place": rng.choice(places, na),
        "level_n": rng.integers(1, 5, na),
        "issued_at": T0 + pd.to_timedelta(rng.integers(0, 5 * 86400, na), unit="s"),
    })
    alerts["level"] = [LEVELS[k - 1] if seed % 2 else ["一般", "关注", "预警", "紧急"][k - 1] for k in alerts["level_n"]]
    if seed % 4 == 1:
        ends = alerts["issued_at"] + pd.to_timedelta(rng.integers(0, 2 * 86400, na), unit="s")
        alerts["ended_at"] = ends.where(rng.random(na) < 0.7, pd.NaT)
    incidents = incidents_frame(
        occurred_at=T0 + pd.to_timedelta(rng.integers(0, 6 * 86400, ni), unit="s"),
        place=rng.choice(places, ni))
    window = pd.Timedelta(hours=int(rng.integers(1, 72)))
    r = ck.review(incidents, alerts=alerts.drop(columns="level_n") if seed % 2 else alerts[
        [c for c in alerts.columns if c != "level_n"]], groups=groups, window=window)
    cont = r.evidence["contingency"]
    for L in range(1, 5):
        hits, misses, fa, leads = brute_force(alerts, incidents, window, groups, L)
        row = cont.iloc[L - 1]
        assert (row["hits"], row["misses"], row["false_alarms"]) == (hits, misses, fa)
        # The textbook identities on the table, and the report's values equal them.
        a, b, c = hits, fa, misses
        assert row["pod"] == pytest.approx(a / (a + c))
        if a + b:
            assert row["far"] == pytest.approx(b / (a + b))
        else:
            assert math.isnan(row["far"])
        assert row["csi"] == pytest.approx(a / (a + b + c))
        if leads:
            assert row["lead_median_s"] == pytest.approx(np.median(leads))
            assert row["lead_max_s"] == pytest.approx(max(leads))
    hits, misses, fa, _ = brute_force(alerts, incidents, window, groups, 1)
    assert metric(r, "warning_accuracy", "pod") == pytest.approx(hits / (hits + misses))
    assert metric(r, "warning_accuracy", "csi") == pytest.approx(hits / (hits + misses + fa))


def test_hand_worked_contingency_table():
    # 10 incidents, 8 alerts: 6 incidents warned (a), 4 not (c); 3 alerts matched nothing (b).
    inc_places = ["p1", "p2", "p3", "p4", "p5", "p6", "q1", "q2", "q3", "q4"]
    incidents = incidents_frame(occurred_at=[T0 + 10 * H] * 10, place=inc_places)
    alerts = pd.DataFrame({
        "place": ["p1", "p2", "p3", "p4", "p5", "p6", "z1", "z2", "z3", "p1"][:8] + ["z3"],
        "level": ["WARNING"] * 9,
        "issued_at": [T0 + 4 * H] * 6 + [T0] * 3,
    })
    alerts = alerts.iloc[:9]
    r = ck.review(incidents, alerts=alerts, window="12h")
    c = r.evidence["contingency"].iloc[0]
    assert (c["hits"], c["false_alarms"], c["misses"]) == (6, 3, 4)
    assert c["pod"] == pytest.approx(0.6)
    assert c["far"] == pytest.approx(1 / 3)
    assert c["csi"] == pytest.approx(6 / 13)
    assert c["lead_median_s"] == 6 * 3600
    # An 8 h window: the 4 h-ahead alerts still hit; a 5 h window makes them late misses… no: lead 6 h > 5 h.
    r5 = ck.review(incidents, alerts=alerts, window="5h")
    assert r5.evidence["contingency"].iloc[0]["hits"] == 0
    assert r5.evidence["contingency"].iloc[0]["false_alarms"] == 9


def test_population_coverage_by_place():
    incidents = incidents_frame(occurred_at=[T0 + H, T0 + H, T0 + 2 * H], place=["a", "b", "b"])
    alerts = pd.DataFrame({"place": ["a", "b"], "level": [2, 2], "issued_at": [T0, T0 + 90 * pd.Timedelta(minutes=1)]})
    r = ck.review(incidents, alerts=alerts, population={"a": 95_000, "b": 5_000})
    # b's first incident came before its alert: b is not warned.
    assert metric(r, "warning_accuracy", "population_coverage") == pytest.approx(0.95)
    assert metric(r, "warning_accuracy", "place_coverage") == pytest.approx(0.5)
    inc2 = incidents.assign(population=[95_000, 5_000, 5_000])
    assert metric(ck.review(inc2, alerts=alerts), "warning_accuracy", "population_coverage") == pytest.approx(0.95)
    with pytest.raises(ValueError, match=r"incidents.population\[2\]"):
        ck.review(inc2.assign(population=[95_000, 5_000, 6_000]), alerts=alerts)
    with pytest.raises(ValueError, match="population"):
        ck.review(incidents, alerts=alerts, population={"a": 1})


def test_alert_board_history_is_read_as_alerts():
    board = ck.AlertBoard()
    board.update(["river", "school"], np.array([30.0, 91.0]), T0)        # GENERAL, EMERGENCY
    board.update(["river", "school"], np.array([80.0, 91.0]), T0 + H)    # river → WARNING
    for k in range(2, 40):                                              # river drops back after the dwells
        board.update(["river"], np.array([0.0]), T0 + k * H)
    a = ck.alerts_from_history(board.history())
    river = a[a["place"] == "river"].reset_index(drop=True)
    assert river["level"].tolist() == [1, 3]
    assert river["issued_at"].tolist() == [T0, T0 + H]
    h = board.history()
    drops = h[(h["subject"] == "river") & (h["to_level"] < h["from_level"])]
    assert len(drops) >= 1
    # The WARNING alert ends at the first drop below WARNING; GENERAL ends when river reaches NONE.
    below3 = drops[drops["to_level"] < 3]["time"].iloc[0]
    assert river["ended_at"].iloc[1] == below3
    none = drops[drops["to_level"] == 0]["time"]
    if len(none):
        assert river["ended_at"].iloc[0] == none.iloc[0]
    else:
        assert pd.isna(river["ended_at"].iloc[0])
    assert a[a["place"] == "school"]["level"].tolist() == [4]
    # ck.review accepts the history as it is.
    incidents = incidents_frame(occurred_at=[T0 + 2 * H], place=["school"])
    r = ck.review(incidents, alerts=h)
    assert metric(r, "warning_accuracy", "pod") == 1.0
    assert r.evidence["incidents"]["warned_level"].tolist() == [4]


# ---- response timeliness ----------------------------------------------------

def random_incidents(rng, n):
    occ = T0 + pd.to_timedelta(rng.integers(0, 86400, n), unit="s")
    mins = lambda lo, hi: pd.to_timedelta(rng.integers(lo, hi, n), unit="min")
    rep = occ + mins(0, 150)
    disp = rep + mins(0, 60)
    sig = disp + mins(0, 40)
    info = occ + mins(30, 400)
    site = disp + mins(5, 60)
    drop = lambda s, p: s.where(rng.random(n) > p, pd.NaT)
    lv = rng.choice(["GENERAL", "ATTENTION", "WARNING", "EMERGENCY", ""], n)
    return incidents_frame(occurred_at=occ, reported_at=rep, dispatched_at=drop(disp, 0.1),
                           signed_at=drop(sig, 0.2), first_info_at=drop(info, 0.2), on_site_at=drop(site, 0.3),
                           level=lv, place=rng.choice(["a", "b", "c"], n),
                           department=rng.choice(["fire", "water"], n))


def pandas_sla(inc, start, end, limit_s, as_of):
    s, d = inc[start], inc[end]
    ok = s.notna()
    s, d = s[ok], d[ok]
    due = s + pd.to_timedelta(limit_s, unit="s")
    done = d.notna()
    met = done & (d <= due)
    late = done & (d > due)
    overdue = ~done & (as_of > due)
    lateness = pd.concat([((d - due).dt.total_seconds().clip(lower=0))[done],
                          ((as_of - due).dt.total_seconds())[overdue]])
    return int(met.sum()), int(late.sum()), int(overdue.sum()), (d - s).dt.total_seconds()[done], lateness


@pytest.mark.parametrize("seed", range(8))
def test_timeliness_against_pandas(seed):
    rng = np.random.default_rng(100 + seed)
    inc = random_incidents(rng, 60)
    as_of = T0 + 30 * H
    r = ck.review(inc, as_of=as_of)
    plan = {"GENERAL": 2 * 3600, "ATTENTION": 4 * 3600, "WARNING": 12 * 3600, "EMERGENCY": 0}
    # The level deadlines come from the alert module's ResponsePlan, not from here.
    assert {k: v for k, v in ck.DEFAULT_SLAS["level_response"][2].items()} == plan
    tot = dict(met=0, late=0, over=0)
    all_el, all_late = [], []
    for name, (a, b, lim) in [("first_report", ("occurred_at", "reported_at", 3600)),
                              ("first_information", ("occurred_at", "first_info_at", 4 * 3600)),
                              ("on_site", ("reported_at", "on_site_at", 1800))]:
        met, late, over, el, lat = pandas_sla(inc, a, b, lim, as_of)
        share = met / (met + late + over)
        assert metric(r, "response_timeliness", f"met_share[{name}]") == pytest.approx(share)
        tot["met"] += met; tot["late"] += late; tot["over"] += over
        all_el.append(el); all_late.append(lat)
    for lvl, lim in plan.items():
        sub = inc[inc["level"] == lvl]
        met, late, over, el, lat = pandas_sla(sub, "reported_at", "signed_at", lim, as_of)
        if met + late + over:
            assert metric(r, "response_timeliness", f"met_share[level_response ({lvl})]") == pytest.approx(
                met / (met + late + over))
        tot["met"] += met; tot["late"] += late; tot["over"] += over
        all_el.append(el); all_late.append(lat)
    el = pd.concat(all_el)
    lat = pd.concat(all_late)
    assert metric(r, "response_timeliness", "met_share") == pytest.approx(tot["met"] / sum(tot.values()))
    assert metric(r, "response_timeliness", "elapsed_median") == pytest.approx(el.quantile(0.5))
    assert metric(r, "response_timeliness", "elapsed_p90") == pytest.approx(el.quantile(0.9))
    assert metric(r, "response_timeliness", "lateness_p90") == pytest.approx(lat.quantile(0.9))
    assert metric(r, "response_timeliness", "lateness_max") == pytest.approx(lat.max())
    edges = [-np.inf, 0, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, np.inf]
    hist = pd.cut(lat, edges, right=True).value_counts(sort=False).to_numpy()
    assert r.evidence["lateness_histogram"]["items"].tolist() == hist.tolist()
    assert metric(r, "response_timeliness", "within_grace_share") == pytest.approx((lat <= 3600).mean())


def test_obligations_frame_and_custom_slas():
    board = ck.AlertBoard()
    board.update(["river", "school"], np.array([30.0, 80.0]), T0)   # GENERAL (2 h) and WARNING (12 h)
    board.complete(0, T0 + 3 * H)                                    # river's report, 1 h late
    obl = board.obligations()
    r = ck.review(obligations=obl, as_of=T0 + 5 * H)
    s = r.evidence["slas"].set_index("item")
    assert s.loc["river#0", "status"] == "late" and s.loc["river#0", "lateness_s"] == 3600
    assert s.loc["school#1", "status"] == "pending"
    assert metric(r, "response_timeliness", "met_share") == 0.0
    # A plain table and a custom SLA; dropping one; a ResponsePlan for the levels.
    plain = pd.DataFrame({"kind": ["k"], "start": [T0], "done": [T0 + 30 * pd.Timedelta(minutes=1)], "limit": ["1h"]})
    assert metric(ck.review(obligations=plain), "response_timeliness", "met_share") == 1.0
    inc = incidents_frame(occurred_at=[T0], reported_at=[T0 + 90 * pd.Timedelta(minutes=1)], level=["EMERGENCY"],
                          signed_at=[T0 + 2 * H])
    r2 = ck.review(inc, slas={"first_report": "2h", "first_information": None, "on_site": None,
                              "level_response": {"EMERGENCY": "1h"}})
    assert metric(r2, "response_timeliness", "met_share") == 1.0
    plan = ck.ResponsePlan.defaults()
    r3 = ck.review(inc, slas={"first_report": None, "level_response": plan})
    assert metric(r3, "response_timeliness", "met_share[level_response (EMERGENCY)]") == 0.0


# ---- coordination -----------------------------------------------------------

def test_coordination_against_pandas():
    rng = np.random.default_rng(7)
    inc = random_incidents(rng, 80)
    rows = []
    for i, e in enumerate(inc["incident"]):
        for k in range(int(rng.integers(0, 6))):
            rows.append({"incident": e, "from_state": "", "to_state": "", "at": T0 + int(rng.integers(0, 50)) * H,
                         "actor": "", "department": rng.choice(["fire", "water", "police", ""])})
    tr = pd.DataFrame(rows)
    needs = pd.DataFrame({"need": [f"n{k}" for k in range(30)], "priority": rng.choice(["hospital", "school", "residential"], 30),
                          "quantity": rng.integers(0, 50, 30)})
    needs["served"] = [int(rng.integers(0, q + 1)) for q in needs["quantity"]]
    needs["unmet"] = needs["quantity"] - needs["served"]
    as_of = T0 + 60 * H
    r = ck.review(inc, tr, needs=needs, as_of=as_of, sign_target="20min", max_handoffs=1)
    # dispatch → sign
    d, s = inc["dispatched_at"], inc["signed_at"]
    lat = (s - d).dt.total_seconds()[d.notna() & s.notna()]
    assert metric(r, "coordination", "dispatch_to_sign_median") == pytest.approx(lat.median())
    assert metric(r, "coordination", "dispatch_to_sign_p90") == pytest.approx(lat.quantile(0.9))
    met = (lat <= 1200).sum()
    overdue = (d.notna() & s.isna() & (as_of > d + pd.Timedelta(minutes=20))).sum()
    assert metric(r, "coordination", "sign_within_target_share") == pytest.approx(met / (len(lat) + overdue))
    # hand-offs: consecutive department changes in time order (stable), empty departments skipped
    t = tr[tr["department"] != ""].copy()
    t["seq"] = np.arange(len(t))
    t = t.sort_values(["incident", "at", "seq"])
    t["change"] = (t.groupby("incident")["department"].shift() != t["department"]) & \
        t.groupby("incident")["department"].shift().notna()
    h = t.groupby("incident")["change"].sum()
    assert metric(r, "coordination", "handoffs_mean") == pytest.approx(h.mean())
    assert metric(r, "coordination", "handoffs_max") == h.max()
    assert metric(r, "coordination", "smooth_share") == pytest.approx((h <= 1).mean())
    ev = r.evidence["handoffs"].set_index("incident")
    for e, v in h.items():
        assert ev.loc[e, "handoffs"] == v
    # unmet need overall and per class
    assert metric(r, "coordination", "unmet_share") == pytest.approx(needs["unmet"].sum() / needs["quantity"].sum())
    g = needs.groupby("priority")[["unmet", "quantity"]].sum()
    for p, row in g.iterrows():
        assert metric(r, "coordination", f"unmet_share[{p}]") == pytest.approx(row["unmet"] / row["quantity"])


def test_match_result_is_accepted():
    side = 4
    x, y = np.meshgrid(np.arange(side), np.arange(side))
    node = (y * side + x).ravel()
    right, up = node[(x < side - 1).ravel()], node[(y < side - 1).ravel()]
    net = ck.RoadNetwork(side * side, np.concatenate([right, up]), np.concatenate([right + 1, up + side]),
                         length_m=200.0, speed_kmh=30.0)
    supplies = pd.DataFrame({"id": ["d"], "node": [0], "type": ["water"], "quantity": [50]})
    needs = pd.DataFrame({"id": ["a", "b"], "node": [5, 15], "type": ["water", "water"], "quantity": [40, 30],
                          "priority": ["nursing_home", "residential"], "deadline_min": [60, 60]})
    m = ck.match(net, supplies, needs)
    r = ck.review(needs=m)
    assert metric(r, "coordination", "unmet_share") == pytest.approx(20 / 70)
    assert metric(r, "coordination", "unmet_share[residential]") == pytest.approx(20 / 30)
    assert r.score("coordination") == pytest.approx(100 * (1 - 20 / 70))
    assert metric(ck.review(needs=m.needs), "coordination", "unmet_share") == pytest.approx(20 / 70)


# ---- public communication ---------------------------------------------------

def test_opinion_hand_computed():
    # 40 % negative before the release at 10:00, 5 % after; heat 100 → 20 at +24 h.
    at = [T0 + k * H for k in range(40)]
    share = [0.40] * 10 + [0.10, 0.05, 0.05, 0.05, 0.05, 0.05] + [0.05] * 24
    heat = [100.0] * 10 + [60.0] * 20 + [20.0] * 10
    op = pd.DataFrame({"at": at, "negative_share": share, "heat": heat})
    r = ck.review(opinion=op, releases=[T0 + 10 * H])
    rel = r.evidence["releases"].iloc[0]
    # before: hours 4..9 → 0.40; after: hours 11..16 → (0.05·5 + 0.05)/6 = 0.05 (hour 10 is the release instant)
    assert rel["share_before"] == pytest.approx(0.40)
    assert rel["share_after"] == pytest.approx(0.05)
    assert rel["relative_drop"] == pytest.approx(0.875)
    # heat at +24 h: hours 29..34 → [60, 20, 20, 20, 20, 20] → 160/6
    assert rel["heat_at_horizon"] == pytest.approx(160 / 6)
    assert rel["heat_drop"] == pytest.approx(1 - (160 / 6) / 100)
    # Score: dropped 1 ×0.3 + min(1, 0.875/0.875) ×0.4 + min(1, heat_drop/0.8) ×0.3
    hd = 1 - (160 / 6) / 100
    assert r.score("public_communication") == pytest.approx(100 * (0.3 + 0.4 + 0.3 * min(1, hd / 0.8)))
    # Counts are pooled: Σ negative / Σ total, per place series; a release per place.
    op2 = pd.DataFrame({"at": [T0, T0 + H, T0 + 3 * H, T0, T0 + 3 * H], "place": ["a", "a", "a", "b", "b"],
                        "n_negative": [10, 30, 5, 50, 50], "n_total": [100, 100, 100, 100, 100]})
    rel2 = pd.DataFrame({"at": [T0 + 2 * H, T0 + 2 * H], "place": ["a", None]})
    r2 = ck.review(opinion=op2, releases=rel2)
    e = r2.evidence["releases"]
    assert e["share_before"].tolist() == pytest.approx([0.2, (10 + 30 + 50) / 300])
    assert e["share_after"].tolist() == pytest.approx([0.05, 55 / 200])
    with pytest.raises(ValueError, match=r"releases.place\[0\]"):
        ck.review(opinion=op2, releases=pd.DataFrame({"at": [T0], "place": ["zzz"]}))


# ---- edge cases and bad input -----------------------------------------------

def test_nothing_given_is_not_assessed_with_reasons():
    r = ck.review()
    assert r.scores["assessed"].tolist() == [False] * 4
    assert all(r.scores["reason"].str.len() > 0)
    assert math.isnan(r.overall)
    md = r.to_markdown()
    assert md.count("Not assessed") == 4
    assert "not assessed" in repr(r).replace("n/a", "not assessed")


def test_edge_cases_never_crash():
    empty_inc = incidents_frame(occurred_at=pd.Series([], dtype="datetime64[ns, UTC]"))
    no_alerts = pd.DataFrame({"place": [], "level": [], "issued_at": pd.Series([], dtype="datetime64[ns, UTC]")})
    r = ck.review(empty_inc, alerts=no_alerts)
    assert not r.scores.set_index("dimension").loc["warning_accuracy", "assessed"]
    assert "no alerts and no incidents" in r.scores.set_index("dimension").loc["warning_accuracy", "reason"]
    # Incidents but no alerts: all missed → POD 0, FAR NaN, score 0 (assessed: the warnings failed).
    inc = incidents_frame(occurred_at=[T0, T0 + H], place=["a", "b"])
    r = ck.review(inc, alerts=no_alerts)
    assert metric(r, "warning_accuracy", "pod") == 0.0
    assert math.isnan(metric(r, "warning_accuracy", "far"))
    assert r.score("warning_accuracy") == 0.0
    # Alerts and no incidents: FAR 1, POD NaN.
    al = pd.DataFrame({"place": ["a"], "level": ["WARNING"], "issued_at": [T0]})
    r = ck.review(empty_inc, alerts=al)
    assert metric(r, "warning_accuracy", "far") == 1.0 and math.isnan(metric(r, "warning_accuracy", "pod"))
    # Every time missing: not assessed, with the count of incidents left out.
    allnat = incidents_frame(place=["a", "b"], occurred_at=[pd.NaT, pd.NaT])
    r = ck.review(allnat, alerts=no_alerts)
    assert math.isnan(r.score("warning_accuracy"))
    assert math.isnan(r.score("response_timeliness"))
    assert metric(r, "warning_accuracy", "incidents_without_time") == 2
    # Opinion with no observation around the release: not assessed, NaN values.
    op = pd.DataFrame({"at": [T0], "negative_share": [0.3]})
    r = ck.review(opinion=op, releases=[T0 + 100 * H])
    assert math.isnan(r.score("public_communication"))
    assert "both sides" in r.scores.set_index("dimension").loc["public_communication", "reason"]
    assert math.isnan(metric(r, "public_communication", "negative_share_before"))
    r.plot()


def test_bad_input_names_field_row_value():
    inc = incidents_frame(occurred_at=[T0, T0], place=["a", "b"])
    al = pd.DataFrame({"place": ["a", "b"], "level": ["WARNING", "SEVERE"], "issued_at": [T0, T0]})
    with pytest.raises(ValueError, match=r"alerts.level\[1\] = 'SEVERE'"):
        ck.review(inc, alerts=al)
    with pytest.raises(ValueError, match=r"alerts.level\[0\]"):
        ck.review(inc, alerts=al.assign(level=["NONE", "WARNING"]))
    naive = pd.DataFrame({"place": ["a"], "level": [2], "issued_at": [pd.Timestamp("2026-07-20 08:00")]})
    with pytest.raises(ValueError, match=r"alerts.issued_at\[0\].*naive"):
        ck.review(inc, alerts=naive)
    ended = pd.DataFrame({"place": ["a"], "level": [2], "issued_at": [T0], "ended_at": [T0 - H]})
    with pytest.raises(ValueError, match=r"alerts.ended_at\[0\]"):
        ck.review(inc, alerts=ended)
    with pytest.raises(ValueError, match=r"incidents.reported_at\[1\]"):
        ck.review(incidents_frame(occurred_at=[T0, T0], reported_at=[T0 + H, T0 - H]))
    with pytest.raises(ValueError, match=r"incidents.signed_at\[0\]"):
        ck.review(incidents_frame(occurred_at=[T0], dispatched_at=[T0 + H], signed_at=[T0]),
                  slas={"level_response": None, "on_site": None})
    needs = pd.DataFrame({"quantity": [5, 5], "served": [5, 2], "unmet": [0, 2]})
    with pytest.raises(ValueError, match=r"needs.unmet\[1\] = 2"):
        ck.review(needs=needs)
    op = pd.DataFrame({"at": [T0, T0 + H], "negative_share": [0.2, 1.4]})
    with pytest.raises(ValueError, match=r"opinion.negative_share\[1\] = 1.4"):
        ck.review(opinion=op, releases=[T0])
    with pytest.raises(ValueError, match=r"opinion"):
        ck.review(opinion=pd.DataFrame({"at": [T0]}), releases=[T0])
    with pytest.raises(ValueError, match="window"):
        ck.review(inc, alerts=al.iloc[:1], window=0)
    with pytest.raises(ValueError, match="weights"):
        ck.review(weights={"podd": 1})
    with pytest.raises(ValueError, match=r"weights\[0\]"):
        ck.review(weights={"pod": -1})
    with pytest.raises(ValueError, match="transitions"):
        ck.review(transitions=pd.DataFrame({"incident": ["e"], "at": [T0]}))


# ---- the report -------------------------------------------------------------

def full_review():
    rng = np.random.default_rng(3)
    inc = random_incidents(rng, 20)
    al = pd.DataFrame({"place": ["a", "b"], "level": ["WARNING", "ATTENTION"], "issued_at": [T0, T0]})
    tr = pd.DataFrame({"incident": ["e0", "e0", "e1"], "from_state": "", "to_state": "", "actor": "",
                       "at": [T0, T0 + H, T0], "department": ["fire", "water", "fire"]})
    op = pd.DataFrame({"at": [T0 + k * H for k in range(30)], "n_negative": [40] * 8 + [5] * 22,
                       "n_total": [100] * 8 + [30] * 22})
    needs = pd.DataFrame({"quantity": [10, 5], "served": [10, 1], "unmet": [0, 4], "priority": ["school", "hospital"]})
    return ck.review(inc, tr, alerts=al, needs=needs, opinion=op, releases=[T0 + 8 * H])


def test_report_outputs():
    r = full_review()
    f = r.to_frame()
    assert list(f.columns) == ["dimension", "metric", "value", "unit", "evidence"]
    assert set(f["dimension"]) == {"warning_accuracy", "response_timeliness", "coordination",
                                   "public_communication", "overall"}
    md = r.to_markdown()
    for title in ("Warning accuracy", "Response timeliness", "Coordination effectiveness",
                  "Effect of public communication", "预警精准度", "Overall score"):
        assert title in md
    fig = r.plot()
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 4
    assert "<table" in r._repr_html_()
    assert repr(r).startswith("Review(overall=")
    r2 = pickle.loads(pickle.dumps(r))
    pd.testing.assert_frame_equal(r2.to_frame(), f)
    assert r2.to_markdown() == md
    # The overall score is the mean of the four assessed scores (equal weights by default).
    assert r.overall == pytest.approx(r.scores["score"].mean())
    w = ck.review(*[], weights={"dimension": {"warning_accuracy": 0, "response_timeliness": 0,
                                              "coordination": 1, "public_communication": 0}},
                  needs=pd.DataFrame({"quantity": [4], "served": [3], "unmet": [1]}))
    assert w.overall == pytest.approx(75.0)


def test_example_runs():
    import os
    import subprocess
    import sys

    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "review.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Warning accuracy" in r.stdout and "Overall score" in r.stdout and "POD" in r.stdout
