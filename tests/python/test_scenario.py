"""ck.scenario: synthetic city and hazards, checked against independent oracles
(scipy.sparse.csgraph for connectivity, numpy/pandas sums for the hierarchy
and the water budget, ck.RiskMap / ck.derive_needs / ck.match for fit)."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

import crisiskit as ck

T0 = pd.Timestamp("2026-07-20 00:00", tz="Asia/Shanghai")
HOURS = [T0 + pd.Timedelta(hours=h) for h in range(1, 73)]


@pytest.fixture(scope="module")
def city():
    return ck.scenario.generate_city(200_000, seed=3)


@pytest.fixture(scope="module")
def run(city):
    return ck.scenario.Rainstorm(city, start=T0, seed=3).run(HOURS)


# ---- the city -----------------------------------------------------------------
def test_determinism_same_seed_same_bytes_other_seed_differs():
    a = ck.scenario.generate_city(120_000, seed=11)
    b = ck.scenario.generate_city(120_000, seed=11)
    c = ck.scenario.generate_city(120_000, seed=12)
    assert a.to_bytes() == b.to_bytes()
    assert a.to_bytes() != c.to_bytes()
    assert not np.array_equal(a.cells.population.to_numpy(), c.cells.population.to_numpy())


def test_determinism_across_processes():
    code = ("import hashlib, crisiskit as ck; "
            "print(hashlib.sha256(ck.scenario.generate_city(80_000, seed=5).to_bytes()).hexdigest())")
    env = dict(os.environ)
    out = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
           for _ in range(2)]
    import hashlib
    here = hashlib.sha256(ck.scenario.generate_city(80_000, seed=5).to_bytes()).hexdigest()
    assert out[0].strip() == out[1].strip() == here


@pytest.mark.parametrize("population,seed", [(1, 0), (777, 1), (50_000, 2), (333_333, 3), (1_000_000, 4)])
def test_populations_sum_to_target_and_hierarchy_is_consistent(population, seed):
    c = ck.scenario.generate_city(population, seed=seed)
    cells, pl = c.cells, c.places
    assert cells.population.sum() == population
    assert (cells.vulnerable <= cells.population).all() and (cells.vulnerable >= 0).all()
    assert (cells.population[cells.river] == 0).all()
    # Tree: every parent exists and is one level up; each admin unit's population is the sum of its cells.
    kinds = dict(zip(pl.id, pl.kind))
    up = {"district": "city", "street": "district", "community": "street", "grid_cell": "community"}
    for kid, parent in zip(pl.id, pl.parent):
        k = kinds[kid]
        if k == "city":
            assert parent is None or pd.isna(parent)
        elif k in up:
            assert kinds[parent] == up[k]
        else:
            assert kinds[parent] == "grid_cell"
    for level in ("community", "street", "district"):
        sums = cells.groupby(level).population.sum()
        own = pl.set_index("id").population
        assert np.allclose(own[sums.index].to_numpy(), sums.to_numpy())
        assert set(sums.index) == set(pl.id[pl.kind == level])  # no empty unit
    assert pl[pl.kind == "city"].population.iloc[0] == population
    # Streets and communities nest: a community's street is the parent of the community.
    parent = dict(zip(pl.id, pl.parent))
    assert all(parent[cm] == st for cm, st in zip(cells.community, cells.street))
    assert all(parent[st] == d for st, d in zip(cells.street, cells.district))


def test_sizes_scale_with_population():
    small, big = ck.scenario.generate_city(50_000, seed=0), ck.scenario.generate_city(2_000_000, seed=0)
    s, b = small.summary(), big.summary()
    for k in ("cells", "community", "school", "nursing_home", "hospital", "nodes", "edges", "depots", "teams"):
        assert b[k] > s[k], k
    assert s["subway_station"] == 0 and b["subway_station"] > 0
    assert b["crowded_venue"] >= 1 and s["crowded_venue"] >= 1


def test_road_graph_strongly_connected_scipy(city):
    r, n = city.roads, len(city.nodes)
    src = np.concatenate([r["from"], r["to"][~r.oneway]])
    dst = np.concatenate([r["to"], r["from"][~r.oneway]])
    g = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    assert connected_components(g, directed=True, connection="strong")[0] == 1
    assert r.oneway.any() and r.arterial.any()
    assert (r.speed_kmh[r.arterial] > r.speed_kmh[~r.arterial].max()).all()
    # Lengths are at least the great-circle distance between the ends (minus jitter rounding).
    nodes = city.nodes
    d = ck.haversine_m(nodes.lon.to_numpy()[r["from"]], nodes.lat.to_numpy()[r["from"]],
                       nodes.lon.to_numpy()[r["to"]], nodes.lat.to_numpy()[r["to"]])
    assert np.all(r.length_m.to_numpy() >= d * 0.995)
    net = city.road_network()
    t = net.times(int(city.depots.node.iloc[0]))
    assert np.isfinite(t).all()


def test_road_network_and_centre(city):
    nodes = city.nodes
    assert abs(nodes.lon.mean() - 120.15) < 0.05 and abs(nodes.lat.mean() - 30.28) < 0.05
    # Nodes fall in the cells they claim.
    cells = city.cells
    rows, cols = city.shape
    half = city.params["cell_m"] / 2
    x0 = cells.x_m.min() - half
    # cell_of from lon/lat: the node's cell centre is within one cell of the node.
    cl = cells.lon.to_numpy()[nodes.cell]
    assert np.all(np.abs(cl - nodes.lon) < 2 * half / (111320 * np.cos(np.radians(30.28))))
    assert x0 < 0


def test_sites_kinds_and_depots_match_need_rules(city):
    s = city.sites
    assert set(s.kind) >= {"school", "nursing_home", "hospital", "low_lying_area", "old_estate", "crowded_venue"}
    assert (s.population <= city.cells.population.to_numpy()[s.cell]).all()
    occ = s[s.kind.isin(["school", "nursing_home", "hospital"])]
    carved = occ.groupby("cell").population.sum()
    assert (carved <= 0.5 * city.cells.population.to_numpy()[carved.index] + 1e-9).all()
    stock_types = set(city.depots.type)
    assert stock_types == set(ck.NEED_RULES.type) - {"rescue"}
    assert (city.depots.quantity > 0).all()
    assert "rescue" in "|".join(city.teams.skills)
    # Low-lying sites are the lowest built-up cells.
    low = city.cells.elevation_m.to_numpy()[s[s.kind == "low_lying_area"].cell]
    assert low.max() <= np.median(city.cells.elevation_m[~city.cells.river])


def test_pickle_and_repr(city):
    back = pickle.loads(pickle.dumps(city))
    assert back.to_bytes() == city.to_bytes()
    assert "City(population=200,000" in repr(city)
    with pytest.raises(ValueError, match="city"):
        ck.scenario.City.from_bytes(city.to_bytes()[:-3])


@pytest.mark.parametrize("kwargs,field", [
    ({"population": -5}, "population"), ({"population": 2.5}, "population"), ({"population": 0}, "population"),
    ({"population": 1000, "cell_m": 0}, "cell_m"), ({"population": 1000, "oneway_share": 1.5}, "oneway_share"),
    ({"population": 1000, "center": (200.0, 30.0)}, "center_lon"), ({"population": 1000, "seed": -1}, "seed"),
])
def test_bad_city_input_names_field(kwargs, field):
    with pytest.raises(ValueError) as e:
        ck.scenario.generate_city(**kwargs)
    assert e.value.field == field
    assert field in str(e.value)


def test_risk_map_from_city(city):
    rm = city.to_risk_map()
    assert rm.num_places == len(city.places)
    rows, cols = city.shape
    n_tree = len(city.places) - 1
    n_adj = 2 * rows * (cols - 1)
    bare = city.to_risk_map(adjacency=False, supply=False)
    assert bare.num_links == 2 * n_tree                     # undirected: both arcs
    assert city.to_risk_map(supply=False).num_links == 2 * (n_tree + n_adj)
    assert rm.num_links > city.to_risk_map(supply=False).num_links


# ---- the rainstorm --------------------------------------------------------------
def test_preset_calibrated_to_zhengzhou(city, run):
    rs = ck.scenario.Rainstorm(city, start=T0, seed=3)
    assert rs.max_24h_mm() == pytest.approx(600, rel=1e-9)
    rain = np.vstack([s.rain_mm for s in run.states])
    windows = np.lib.stride_tricks.sliding_window_view(rain, 24, axis=0).sum(axis=-1)
    assert 560 <= windows.max() <= 600 + 1e-6       # hourly-aligned windows ≤ the 10-minute calibration
    assert 80 <= rain.max() <= 250                  # a peak hour of the 7·20 kind (201.9 mm record)


def test_mass_balance_every_step(run):
    for s in run.states:
        w = s.water_m3
        assert w["rain_m3"] == pytest.approx(w["stored_m3"] + w["drained_m3"] + w["river_m3"], rel=1e-9, abs=1e-6)
    area = 500.0 ** 2
    total_rain = sum(s.rain_mm.sum() for s in run.states) / 1000 * area
    assert run.states[-1].water_m3["rain_m3"] == pytest.approx(total_rain, rel=1e-9)
    last = run.states[-1]
    assert last.water_m3["stored_m3"] == pytest.approx(last.depth_m.sum() * area, rel=1e-9, abs=1e-6)


def test_mass_balance_with_closed_drains_and_no_river():
    c = ck.scenario.generate_city(30_000, seed=9)
    storms = pd.DataFrame({"x_m": [0.0], "y_m": [0.0], "radius_m": [3000.0], "peak_mm_h": [80.0],
                           "start": [T0], "peak": [T0 + pd.Timedelta(hours=2)], "end": [T0 + pd.Timedelta(hours=5)]})
    rs = ck.scenario.Rainstorm(c, storms, start=T0)
    state = None
    for h in range(1, 9):
        state = rs.step(T0 + pd.Timedelta(hours=h))
    w = state.water_m3
    assert w["rain_m3"] > 0
    assert w["rain_m3"] == pytest.approx(w["stored_m3"] + w["drained_m3"] + w["river_m3"], rel=1e-12)


def _peaks(city, **params):
    rs = ck.scenario.Rainstorm(city, start=T0, seed=0, **params)   # the default preset: 600 mm
    states = rs.run(HOURS).states
    d = pd.DataFrame([s.summary() for s in states])
    w = states[-1].water_m3
    return d.depth_m_max.max(), d.flooded_cells.max(), d.closed_edges.max(), d.trapped.max(), w["river_m3"] / w["rain_m3"]


def test_default_preset_floods_a_50k_town():
    town = ck.scenario.generate_city(50_000, seed=0)
    depth, flooded, closed, trapped, river = _peaks(town)
    assert depth >= 1.0
    assert 3 <= flooded <= 0.25 * town.shape[0] * town.shape[1]   # several of 64 cells, not the whole town
    assert closed > 50 and trapped > 100
    # The mechanism (rainstorm.hpp): with the river a sink at its bed (stage 0) the river took more of the
    # town's rain and the town barely flooded — the figures before the flood stage existed.
    depth0, flooded0, closed0, trapped0, river0 = _peaks(town, river_stage_m=0.0)
    assert river0 > river + 0.05
    assert depth0 < 0.6 and flooded0 < flooded and trapped0 < trapped / 10
    with pytest.raises(ValueError) as e:
        ck.scenario.Rainstorm(town, start=T0, river_stage_m=-1.0)
    assert e.value.field == "river_stage_m"


def test_closures_consistent_with_depth(city, run):
    cell = city.roads.cell.to_numpy()
    any_closed = False
    for s in run.states:
        d = s.depth_m[cell]
        closed = np.zeros(len(cell), bool)
        closed[s.closed_edges] = True
        assert np.array_equal(closed, d >= 0.3)
        slowed = np.zeros(len(cell), bool)
        slowed[s.slowed_edges] = True
        assert np.array_equal(slowed, (d >= 0.01) & (d < 0.3))
        w = d[s.slowed_edges] * 1000
        v = 0.0009 * w ** 2 - 0.5529 * w + 86.9448                     # Pregnolato et al. 2017
        assert np.allclose(s.slow_factor, np.maximum(1, 86.9448 / np.maximum(v, 1)))
        any_closed |= len(s.closed_edges) > 0
    assert any_closed


def test_apply_to_road_network(city, run):
    net = city.road_network()
    peak = max(run.states, key=lambda s: len(s.closed_edges))
    src = int(city.depots.node.iloc[0])
    before = net.times(src)
    peak.apply_to(net)
    after = net.times(src)
    assert np.all(after >= before - 1e-9)
    assert np.all(net.times(src, undamaged=True) == before)


def test_more_rain_never_less_flooding(city):
    base = ck.scenario.Rainstorm.extreme_storms(city, T0, seed=3)
    out = []
    for scale in (0.5, 1.0, 1.5):
        st = base.copy()
        st["peak_mm_h"] *= scale
        rs = ck.scenario.Rainstorm(city, st, start=T0)
        states = [rs.step(t) for t in HOURS[:40]]
        out.append((np.max([s.max_depth_m for s in states], axis=0),
                    max(len(s.closed_edges) for s in states),
                    max(s.trapped.sum() for s in states)))
    for (d1, c1, t1), (d2, c2, t2) in zip(out, out[1:]):
        assert np.all(d2 >= d1 - 1e-12)
        assert c2 >= c1 and t2 >= t1
    assert out[2][2] > out[0][2]


def test_trapped_and_shares_follow_documented_functions(city, run):
    pop = city.cells.population.to_numpy(float)
    vul = city.cells.vulnerable.to_numpy(float)
    for s in run.states[18:40]:
        h = s.depth_m
        g = 0.3 * np.clip((h - 0.5) / 1.0, 0, 1)
        v = 0.6 * np.clip((h - 0.3) / 1.2, 0, 1)
        assert np.allclose(s.trapped, (pop - vul) * g + vul * v)
        assert np.all(s.trapped <= pop + 1e-9)
        for a in (s.affected_share, s.displaced_share, s.power_outage, s.water_outage):
            assert np.all((a >= 0) & (a <= 1))
    assert max(s.trapped.sum() for s in run.states) > 0


def test_signals_feed_the_risk_map_and_score_flooded_places_higher(city, run):
    rm = city.to_risk_map()
    sig = run.signals
    assert set(sig.kind.unique()) <= set(ck.scenario.SIGNAL_KINDS)
    assert {"weather", "iot"} <= set(sig.kind.astype(str))
    rm.add_signals(sig)
    peak = max(run.states, key=lambda s: (s.depth_m >= 0.3).sum())
    frame = rm.to_frame(peak.time).set_index("place")
    cells = city.cells
    scores = frame.loc[cells.id, "score"].to_numpy()
    flooded = peak.depth_m >= 0.3
    dry = (peak.max_depth_m < 0.05) & ~cells.river.to_numpy()
    assert flooded.sum() >= 3 and dry.sum() >= 10
    assert scores[flooded].mean() > scores[dry].mean() + 10
    assert np.median(scores[flooded]) > np.percentile(scores[dry], 75)
    # Deeper water, higher score (rank correlation over the land cells).
    land = ~cells.river.to_numpy()
    rho = pd.Series(peak.depth_m[land]).corr(pd.Series(scores[land]), method="spearman")
    assert rho > 0.3


def test_derived_needs_go_through_match(city, run):
    peak = max(run.states, key=lambda s: s.trapped.sum())
    places = peak.needs_places()
    assert places.population.sum() == pytest.approx(city.cells.population.sum())
    node_cell = city.nodes.cell.to_numpy()
    assert np.all(peak.depth_m[node_cell[places.node.to_numpy()]] < 0.3)   # staging points are dry
    own = peak.needs_places(staging=False)
    assert np.array_equal(own.node.to_numpy()[:len(city.cells)][own.id.str.startswith("cell-").to_numpy()[:len(city.cells)]],
                          city.cells.set_index("id").node[own.id[own.id.str.startswith("cell-")]].to_numpy()[:len(city.cells)])
    needs = ck.derive_needs(places)
    assert len(needs) and {"water", "boat"} <= set(needs.type)
    assert {"nursing_home", "residential"} <= set(needs.priority) or "residential" in set(needs.priority)
    net = city.road_network()
    peak.apply_to(net)
    r = ck.match(net, city.depots, needs[needs.type != "rescue"], teams=city.teams, routes=False)
    served = r.allocations.quantity.sum()
    assert served > 0
    assert served + r.unmet.unmet.sum() == pytest.approx(needs[needs.type != "rescue"].quantity.sum())


def test_step_time_must_increase_and_bad_storms_named(city):
    rs = ck.scenario.Rainstorm(city, start=T0)
    rs.step(T0 + pd.Timedelta(hours=1))
    with pytest.raises(ValueError, match="time"):
        rs.step(T0 + pd.Timedelta(hours=1))
    bad = ck.scenario.Rainstorm.extreme_storms(city, T0)
    bad.loc[2, "radius_m"] = -1.0
    with pytest.raises(ValueError) as e:
        ck.scenario.Rainstorm(city, bad, start=T0)
    assert e.value.field == "storms.radius_m" and e.value.index == 2
    with pytest.raises(ValueError) as e:
        ck.scenario.Rainstorm(city, start=T0, close_depth_m=-0.3)
    assert e.value.field == "close_depth_m"
    with pytest.raises(ValueError) as e:
        ck.scenario.Rainstorm(city, start=T0, depth_typo=1.0)
    assert e.value.field == "params"


def test_rainstorm_pickle_resumes_identically(city):
    a = ck.scenario.Rainstorm(city, start=T0, seed=1)
    for t in HOURS[:20]:
        a.step(t)
    b = pickle.loads(pickle.dumps(a))
    sa, sb = a.step(HOURS[20]), b.step(HOURS[20])
    assert np.array_equal(sa.depth_m, sb.depth_m) and np.array_equal(sa.closed_edges, sb.closed_edges)
    assert sa.signals.equals(sb.signals)
    assert "Rainstorm(" in repr(a) and "RainState(" in repr(sa)


# ---- the social crisis ------------------------------------------------------------
def test_crowd_gathering_rises_and_cools_after_release(city):
    start = T0 + pd.Timedelta(hours=2)
    cg = ck.scenario.CrowdGathering(city, start=start, clock_start=T0, releases=[T0 + pd.Timedelta(hours=30)], seed=4)
    timeline, sig = cg.run(HOURS)
    assert timeline.crowd.idxmax() < timeline.crowd.idxmin() or timeline.crowd.iloc[-1] < timeline.crowd.max() / 10
    peak = timeline.heat.idxmax()
    assert timeline.negative_share.max() > 0.3 and timeline.negative_share.iloc[-1] < 0.2
    assert timeline.heat.iloc[-1] < 0.5 * timeline.heat.max()
    assert timeline.total_incidents.is_monotonic_increasing and timeline.total_incidents.iloc[-1] > 0
    assert {"petition", "opinion", "iot", "incident"} <= set(sig.kind.astype(str))
    assert (sig[sig.kind == "petition"].time < start).all()
    rm = city.to_risk_map()
    rm.add_signals(sig)
    f = rm.to_frame(timeline.time.iloc[peak]).set_index("place")
    others = f.loc[f.kind == "crowded_venue", "score"].drop(cg.venue, errors="ignore")
    assert f.loc[cg.venue, "score"] > max(others.max() if len(others) else 0.0, 20.0)
    back = pickle.loads(pickle.dumps(cg))
    assert back.step(T0 + pd.Timedelta(hours=80)).heat == cg.step(T0 + pd.Timedelta(hours=80)).heat


def test_crowd_bad_input(city):
    with pytest.raises(ValueError) as e:
        ck.scenario.CrowdGathering(city, start=T0, venue="school-1")
    assert e.value.field == "venue"
    with pytest.raises(ValueError) as e:
        ck.scenario.CrowdGathering(city, start=T0, peak_share=-1)
    assert e.value.field == "peak_share"


def test_example_runs():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "examples", "python", "scenario_city.py")
    out = subprocess.run([sys.executable, path, "--population", "100000"], capture_output=True, text=True, check=True)
    assert "trapped" in out.stdout and "needs" in out.stdout
