"""ck.match and the RoadNetwork queries it rests on, against independent
oracles: scipy's Dijkstra for travel times, a brute-force haversine scan for
snapping, matplotlib's point-in-polygon for flooded zones, and scipy's
linprog (HiGHS) solving the same allocation as a linear programme."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import crisiskit as ck
from test_match import arcs_of, random_roads, scipy_times


def city(rng, n=400, m=1400):
    """Random roads with coordinates in a ~20 km box."""
    frm, to, t, oneway = random_roads(rng, n, m)
    t = t * 5  # up to 10 minutes per edge
    lon = rng.uniform(116.2, 116.45, n)
    lat = rng.uniform(39.8, 40.0, n)
    net = ck.RoadNetwork(n, frm, to, time_s=t, oneway=oneway, lon=lon, lat=lat)
    return net, (frm, to, t, oneway)


# --- network queries ---------------------------------------------------------

def test_travel_times_equal_scipy_with_limit_damage_and_threads():
    rng = np.random.default_rng(8)
    net, (frm, to, t, oneway) = city(rng)
    n = net.num_nodes
    closed = np.flatnonzero(rng.random(len(frm)) < 0.1)
    net.close_edges(closed)
    factor = np.ones(len(frm))
    factor[closed] = np.inf
    sources = rng.integers(0, n, 25)
    targets = rng.integers(0, n, 80)
    for undamaged in (False, True):
        full = np.array([scipy_times(n, *arcs_of(frm, to, t, oneway, 1.0 if undamaged else factor), s)
                         for s in sources])[:, targets]
        for limit, threads in ((None, 1), (900.0, 2), (300.0, None)):
            got = net.travel_times(sources, targets, limit_s=limit, undamaged=undamaged, threads=threads)
            want = full if limit is None else np.where(full <= limit, full, np.inf)
            np.testing.assert_allclose(got, want, rtol=1e-12)
            sparse = net.travel_times(sources, targets, limit_s=limit, undamaged=undamaged, dense=False)
            assert len(sparse) == int(np.isfinite(want).sum())
            np.testing.assert_allclose(sparse["time_s"], want[sparse["source"], sparse["target"]], rtol=1e-12)
    # Paths: consecutive nodes are joined by an open edge and the times add up.
    open_t = {}
    for e, (u, v) in enumerate(zip(frm, to)):
        if np.isfinite(factor[e]):
            open_t[(u, v)] = min(open_t.get((u, v), math.inf), t[e])
            if not oneway[e]:
                open_t[(v, u)] = min(open_t.get((v, u), math.inf), t[e])
    times = net.travel_times(sources, targets)
    paths = net.paths(np.repeat(sources, len(targets)), np.tile(targets, len(sources)))
    for k, p in enumerate(paths):
        want = times.flat[k]
        if np.isinf(want):
            assert len(p) == 0
            continue
        assert sum(open_t[(a, b)] for a, b in zip(p[:-1], p[1:])) == pytest.approx(want, rel=1e-12)
    with pytest.raises(ck.InvalidInput) as e:
        net.travel_times([0, n], [1])
    assert (e.value.field, e.value.index) == ("sources", 1)
    with pytest.raises(ck.InvalidInput):
        net.travel_times([0], [1], threads=0)


def test_snap_equals_a_brute_force_haversine_scan():
    rng = np.random.default_rng(2)
    net, _ = city(rng)
    qx = rng.uniform(116.19, 116.46, 300)
    qy = rng.uniform(39.79, 40.01, 300)
    node, dist = net.snap(qx, qy)
    lon, lat = net.lon, net.lat
    R = 6371008.8
    for i in range(len(qx)):
        p1, p2 = np.radians(qy[i]), np.radians(lat)
        a = (np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - qx[i]) / 2) ** 2)
        d = 2 * R * np.arcsin(np.sqrt(a))
        assert dist[i] == pytest.approx(d.min(), rel=1e-9)
        assert d[node[i]] == pytest.approx(d.min(), rel=1e-9)
    near, _ = net.snap(qx, qy, max_distance_m=300)
    np.testing.assert_array_equal(near >= 0, dist <= 300)
    with pytest.raises(ck.InvalidInput) as e:
        net.snap([116.3, 116.3], [39.9, 91.0])
    assert (e.value.field, e.value.index) == ("lat", 1)
    bare = ck.RoadNetwork(2, [0], [1], time_s=[1.0])
    with pytest.raises(ck.Error):
        bare.snap([0.0], [0.0])


def test_flooded_polygon_closes_what_touches_it():
    from matplotlib.path import Path as MplPath

    rng = np.random.default_rng(4)
    net, (frm, to, t, oneway) = city(rng)
    lon, lat = net.lon, net.lat
    ring = [(116.28, 39.86), (116.36, 39.85), (116.38, 39.93), (116.30, 39.95), (116.27, 39.90)]
    hole = [(116.31, 39.89), (116.33, 39.89), (116.33, 39.91), (116.31, 39.91)]
    geom = {"type": "Polygon", "coordinates": [ring + [ring[0]], hole + [hole[0]]]}
    got = net.edges_in_polygon({"type": "Feature", "geometry": geom, "properties": {}})
    outer, inner = MplPath(ring + [ring[0]], closed=True), MplPath(hole + [hole[0]], closed=True)
    pts = np.column_stack([lon, lat])
    inside = outer.contains_points(pts) & ~inner.contains_points(pts)

    def cross(a, b, c, d):
        o = lambda p, q, r: (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return o(c, d, a) * o(c, d, b) < 0 and o(a, b, c) * o(a, b, d) < 0

    sides = [(r[i], r[(i + 1) % len(r)]) for r in (ring, hole) for i in range(len(r))]
    want = [e for e in range(len(frm))
            if inside[frm[e]] or inside[to[e]]
            or any(cross(pts[frm[e]], pts[to[e]], a, b) for a, b in sides)]
    np.testing.assert_array_equal(got, want)
    assert 0 < len(got) < len(frm)
    closed = net.close_polygon(geom)
    np.testing.assert_array_equal(closed, got)
    assert net.damage_steps == 1
    net.undo()
    multi = {"type": "MultiPolygon", "coordinates": [[ring], [[(116.40, 39.80), (116.45, 39.80), (116.45, 39.85)]]]}
    assert len(net.edges_in_polygon(multi)) >= len(net.edges_in_polygon(ring))
    with pytest.raises(ck.InvalidInput) as e:
        net.edges_in_polygon({"type": "Point", "coordinates": [0, 0]})
    assert e.value.field == "polygon.type"


# --- match -------------------------------------------------------------------

def lp_oracle(times, s_node_idx, s_type, s_qty, n_node_idx, n_type, n_qty, w, deadline, P):
    """The same allocation as an LP, solved by HiGHS: min Σ w t x + Σ w P u."""
    pairs = [(i, d, times[s_node_idx[i], n_node_idx[d]])
             for i in range(len(s_qty)) for d in range(len(n_qty))
             if s_type[i] == n_type[d] and s_qty[i] > 0 and n_qty[d] > 0
             and np.isfinite(times[s_node_idx[i], n_node_idx[d]])
             and times[s_node_idx[i], n_node_idx[d]] <= deadline[d]]
    nx_, D, S = len(pairs), len(n_qty), len(s_qty)
    c = np.concatenate([[w[d] * tt for _, d, tt in pairs], w * P])
    A_eq = np.zeros((D, nx_ + D))
    A_ub = np.zeros((S, nx_ + D))
    for k, (i, d, _) in enumerate(pairs):
        A_eq[d, k] = 1
        A_ub[i, k] = 1
    A_eq[np.arange(D), nx_ + np.arange(D)] = 1
    res = linprog(c, A_ub=A_ub, b_ub=s_qty, A_eq=A_eq, b_eq=n_qty, bounds=(0, None), method="highs")
    assert res.status == 0
    return res.fun


@pytest.mark.parametrize("seed", range(12))
def test_match_objective_equals_the_linear_programme(seed):
    rng = np.random.default_rng(100 + seed)
    net, (frm, to, t, oneway) = city(rng, n=300, m=1000)
    if seed % 2:
        net.close_edges(np.flatnonzero(rng.random(len(frm)) < 0.15))
    types = np.array(["water", "food", "medical"])
    S, D = 10, 50
    sup = pd.DataFrame({"id": [f"depot{i // 2}" for i in range(S)], "node": rng.integers(0, 300, S),
                        "type": types[rng.integers(0, 3, S)], "quantity": rng.integers(0, 40, S)})
    prios = np.array(list(ck.PRIORITY_WEIGHTS))
    needs = pd.DataFrame({"node": rng.integers(0, 300, D), "type": types[rng.integers(0, 3, D)],
                          "quantity": rng.integers(0, 15, D), "priority": prios[rng.integers(0, len(prios), D)],
                          "deadline_min": np.where(rng.random(D) < 0.2, np.inf, rng.uniform(10, 40, D))})
    r = ck.match(net, sup, needs, threads=1 + seed % 2)
    # Oracle: scipy's times over the same damaged network, then HiGHS.
    times = net.travel_times(np.arange(300), np.arange(300))  # checked against scipy elsewhere
    w = needs["priority"].map(ck.PRIORITY_WEIGHTS).to_numpy()
    P = r.stats["unmet_penalty_s"]
    want = lp_oracle(times, sup["node"].to_numpy(), sup["type"].to_numpy(), sup["quantity"].to_numpy(),
                     needs["node"].to_numpy(), needs["type"].to_numpy(), needs["quantity"].to_numpy(), w,
                     needs["deadline_min"].to_numpy() * 60, P)
    # Costs are rounded to 1/cost_scale s per unit and weight: the gap is bounded by that.
    slack = needs["quantity"].sum() * w.max() / r.stats["cost_scale"] + 1e-6 * want
    assert abs(r.objective - want) <= slack
    # Invariants: stock, types, deadlines, balances, reasons.
    used = r.allocations.groupby("supply_node")["quantity"].sum()
    for k, row in r.allocations.iterrows():
        d = int(row["need"].removeprefix("need"))
        assert row["time_s"] <= needs["deadline_min"][d] * 60
        assert row["type"] == needs["type"][d]
        assert row["time_s"] == pytest.approx(times[row["supply_node"], row["need_node"]], rel=1e-12)
        assert row["route"][0] == row["supply_node"] and row["route"][-1] == row["need_node"]
    by_row = r.allocations.groupby(["supply", "type"])["quantity"].sum()
    stock = sup.groupby(["id", "type"])["quantity"].sum()
    assert (by_row <= stock.reindex(by_row.index)).all()
    assert (r.needs["served"] + r.needs["unmet"] == needs["quantity"]).all()
    assert ((r.needs["unmet"] > 0) == (r.needs["reason"] != "none")).all()
    assert set(r.needs["reason"]) <= set(ck.UNMET_REASONS)
    assert r.coverage.set_index("priority").loc["(all)", "served"] == r.needs["served"].sum()


def test_damage_never_improves_the_objective_and_cut_off_is_reported():
    rng = np.random.default_rng(31)
    net, (frm, to, t, oneway) = city(rng, n=300, m=900)
    sup = {"node": rng.integers(0, 300, 6), "type": ["water"] * 6, "quantity": [30] * 6}
    needs = {"node": rng.integers(0, 300, 40), "type": ["water"] * 40, "quantity": rng.integers(1, 8, 40),
             "deadline_min": [25] * 40}
    prev = ck.match(net, sup, needs)
    for step in range(4):
        net.close_edges(np.flatnonzero(rng.random(len(frm)) < 0.08))
        cur = ck.match(net, sup, needs)
        assert cur.objective >= prev.objective - 1e-6
        prev = cur
    assert "cut_off_by_damage" in set(prev.needs["reason"])
    net.restore()
    assert "cut_off_by_damage" not in set(ck.match(net, sup, needs).needs["reason"])


def test_fairness_raises_the_worst_share_at_a_reported_price():
    # One depot with 10 water between two villages: the near one (2 min) wants 10, the far one (20 min) wants 10.
    net = ck.RoadNetwork(3, [0, 0], [1, 2], time_s=[120, 1200])
    sup = {"node": [0], "type": ["water"], "quantity": [10]}
    needs = {"id": ["near", "far"], "node": [1, 2], "type": ["water", "water"], "quantity": [10, 10]}
    plain = ck.match(net, sup, needs)
    assert plain.needs.set_index("need")["served"].to_dict() == {"near": 10, "far": 0}
    fair = ck.match(net, sup, needs, fairness="need")
    assert fair.needs.set_index("need")["served"].to_dict() == {"near": 5, "far": 5}
    assert fair.fairness["min_share_without"] == 0 and fair.fairness["min_share"] == 0.5
    assert fair.fairness["cost_travel_time_s"] == pytest.approx(5 * 1200 - 5 * 120)
    part = ck.match(net, sup, needs, fairness="need", min_share=0.3)
    assert part.needs.set_index("need")["served"].to_dict() == {"near": 7, "far": 3}
    # LP oracle for the max-min share on a random instance: ours is the LP's optimum up to integrality.
    rng = np.random.default_rng(9)
    net2, _ = city(rng, n=200, m=700)
    sup2 = {"node": rng.integers(0, 200, 4), "type": ["water"] * 4, "quantity": rng.integers(5, 20, 4)}
    needs2 = pd.DataFrame({"node": rng.integers(0, 200, 30), "type": ["water"] * 30,
                           "quantity": rng.integers(1, 10, 30), "place": rng.integers(0, 5, 30).astype(str),
                           "deadline_min": [40] * 30})
    r = ck.match(net2, sup2, needs2, fairness="place")
    assert r.fairness["min_share"] >= r.fairness["min_share_without"]
    alpha = lp_max_min(net2, sup2, needs2)
    q_min = needs2.groupby("place")["quantity"].sum().min()
    assert r.fairness["min_share"] <= alpha + 1e-9
    assert r.fairness["min_share"] >= alpha - 1.0 / q_min - 1e-3


def lp_max_min(net, sup, needs):
    """max α: every place with servable need gets ≥ α of it (LP relaxation, HiGHS)."""
    times = net.travel_times(sup["node"], needs["node"].to_numpy())
    S, D = len(sup["node"]), len(needs)
    ok = times <= needs["deadline_min"].to_numpy()[None, :] * 60
    pairs = [(i, d) for i in range(S) for d in range(D) if ok[i, d]]
    servable = {d for _, d in pairs}
    places = sorted({needs["place"][d] for d in servable})
    nv = len(pairs) + 1  # x, α
    c = np.zeros(nv)
    c[-1] = -1
    A, b = [], []
    for side, count, cap in ((0, S, sup["quantity"]), (1, D, needs["quantity"])):  # stock, then need
        for j in range(count):
            A.append(np.array([float(pr[side] == j) for pr in pairs] + [0.0]))
            b.append(cap[j])
    for p in places:
        q = sum(needs["quantity"][d] for d in servable if needs["place"][d] == p)
        row = np.zeros(nv)
        for k, (_, d) in enumerate(pairs):
            row[k] = -(needs["place"][d] == p)
        row[-1] = q
        A.append(row)
        b.append(0)
    res = linprog(c, A_ub=np.array(A), b_ub=np.array(b), bounds=[(0, None)] * len(pairs) + [(0, 1)], method="highs")
    assert res.status == 0
    return -res.fun


def test_teams_coordinates_geojson_and_plot(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    n = 6
    lon = np.linspace(116.30, 116.35, n)
    net = ck.RoadNetwork(n, [0, 1, 2, 3, 4], [1, 2, 3, 4, 5], time_s=[60] * 5, lon=lon, lat=np.full(n, 39.9))
    sup = [{"id": "d1", "lon": 116.3001, "lat": 39.9, "type": "water", "quantity": 5}]
    teams = pd.DataFrame({"id": ["medics", "divers"], "node": [0, 5], "skills": ["medic|rescue", ["boat", "rescue"]],
                          "headcount": [6, 4]})
    needs = pd.DataFrame({"id": ["school", "home", "flooded", "island"], "lon": [lon[3], lon[1], lon[4], 117.0],
                          "lat": [39.9] * 4, "type": ["water", "water", "rescue", "medic"],
                          "quantity": [4, 4, 2, 1], "priority": ["school", "residential", "hospital", "hospital"],
                          "deadline_min": [30, 30, 30, 30]})
    r = ck.match(net, sup, needs, teams)
    got = r.needs.set_index("need")
    assert got.loc["school", "served"] == 4 and got.loc["home", "served"] == 1
    assert got.loc["flooded", "served"] == 2  # both teams can rescue
    assert got.loc["island", "reason"] == "off_network" and got.loc["island", "snap_m"] > 1000
    team_rows = r.allocations[r.allocations["kind"] == "team"]
    assert sorted(team_rows["supply"]) == ["divers", "medics"]
    assert team_rows["headcount"].sum() == 10 and (team_rows["quantity"] == 1).all()
    gj = r.to_geojson()
    json.dumps(gj)
    lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(r.allocations)
    for f in lines:
        assert len(f["geometry"]["coordinates"]) >= 2
    ax = r.plot()
    ax.figure.savefig(tmp_path / "routes.png")
    assert (tmp_path / "routes.png").stat().st_size > 1000
    assert "served=" in repr(r) and len(r.to_frame()) == len(r.allocations)


@pytest.mark.parametrize("table,kwargs,field,index", [
    ("supplies", {"quantity": [-1]}, "supplies.quantity", 0),
    ("supplies", {"quantity": [1.5]}, "supplies.quantity", 0),
    ("supplies", {"quantity": [2 ** 60]}, "supplies.quantity", 0),
    ("needs", {"quantity": [1, float("inf")]}, "needs.quantity", 1),
    ("needs", {"node": [0, 9]}, "needs.node", 1),
    ("needs", {"priority": ["school", "castle"]}, "needs.priority", 1),
    ("needs", {"deadline_min": [5, float("nan")]}, "needs.deadline_min", 1),
    ("needs", {"lon": [116.3, float("nan")], "lat": [39.9, 39.9]}, "needs.lon", 1),
    ("needs", {"lon": [116.3, 116.3], "lat": [39.9, 95.0]}, "needs.lat", 1),
    ("needs", {"weight": [1.0, 0.0]}, "needs.weight", 1),
    ("teams", {"skills": ["medic", ""]}, "teams.skills", 1),
])
def test_bad_input_names_table_column_row_and_value(table, kwargs, field, index):
    net = ck.RoadNetwork(3, [0, 1], [1, 2], time_s=[60, 60], lon=[116.3, 116.31, 116.32], lat=[39.9] * 3)
    tables = {"supplies": {"node": [0], "type": ["water"], "quantity": [5]},
              "needs": {"node": [1, 2], "type": ["water", "water"], "quantity": [1, 1], "priority": ["school", "school"]},
              "teams": {"node": [0, 1], "skills": ["medic", "rescue"]}}
    t = dict(tables[table])
    if "lon" in kwargs:
        t.pop("node")
    t.update(kwargs)
    tables[table] = t
    with pytest.raises(ck.InvalidInput) as e:
        ck.match(net, tables["supplies"], tables["needs"], tables["teams"])
    assert (e.value.field, e.value.index) == (field, index)
    # Nothing was changed on the network by the rejected call.
    assert net.damage_steps == 0


def test_need_board_open_demand_feeds_match():
    """Published needs minus claims → ck.match, deadlines as times with at=."""
    net = ck.RoadNetwork(4, [0, 1, 2], [1, 2, 3], time_s=[600, 600, 600])
    board = ck.NeedBoard()
    t0 = 1_700_000_000
    board.publish("home-A", "water", 50, deadline=t0 + 3600, time=t0, priority="养老院", node=2, id="A")
    board.publish("home-B", "water", 30, deadline=t0 + 900, time=t0, priority="residential", node=3, id="B")
    board.publish("nowhere", "water", 5, deadline=t0 + 900, time=t0, id="C")
    board.claim("A", "volunteers", 20, time=t0 + 60)
    r = ck.match(net, {"node": [0], "type": ["water"], "quantity": [100]}, board.open_demand_frame(), at=t0 + 120)
    got = r.needs.set_index("need")
    assert got.loc["A", "quantity"] == 30 and got.loc["A", "served"] == 30  # 20 claimed by volunteers
    assert got.loc["A", "weight"] == ck.PRIORITY_WEIGHTS["nursing_home"]
    assert got.loc["B", "reason"] == "unreachable_in_time"  # 1800 s away, 780 s left
    assert got.loc["C", "reason"] == "off_network"
    with pytest.raises(ck.InvalidInput) as e:
        ck.match(net, {"node": [0], "type": ["water"], "quantity": [1]}, board.open_demand_frame())
    assert e.value.field == "at"
