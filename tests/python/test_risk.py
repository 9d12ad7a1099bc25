"""RiskMap from Python: hand-computed scores, oracles (dense solve, brute force,
a numpy Hawkes simulator), exact explanations, bad input, persistence."""

from __future__ import annotations

import _thread
import math
import pickle
import signal
import threading

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

T0 = 1_700_000_000
DAY = 86400


def small_map(n=25, config=None, seed=0):
    rng = np.random.default_rng(seed)
    places = pd.DataFrame(
        {
            "id": [f"c{i:02d}" for i in range(n)],
            "kind": ["nursing_home" if i == 0 else "community" for i in range(n)],
            "lon": 121.0 + 0.01 * (np.arange(n) % 5),
            "lat": 31.0 + 0.01 * (np.arange(n) // 5),
            "population": 1000.0,
            "vulnerable": rng.integers(0, 500, n).astype(float),
        }
    )
    return ck.RiskMap(places, config=config), places


def test_score_by_hand():
    rm = ck.RiskMap(ids=["a", "b"])
    rm.add_signals(["a"], T0, "incident", intensity=2.0, confidence=0.5)
    # weight 3, half-life 24 h: 3 · 0.5 · 2 · 2^(−1) = 1.5 pressure units a day later.
    d = rm.score_detail(T0 + DAY)
    assert d["local"][0] == pytest.approx(1.5, rel=1e-12)
    assert rm.scores(T0 + DAY)[0] == pytest.approx(100 * (1 - math.exp(-0.15)), rel=1e-12)
    assert rm.scores(T0 + DAY)[1] == 0.0
    assert rm.scores(T0 - 1)[0] == 0.0  # signals after `at` do not count


def test_exposure_and_defaults():
    kinds = {k.name: k for k in ck.default_source_kinds()}
    assert set(kinds) == {"assistance", "petition", "hazard", "weather", "geology", "iot", "opinion", "incident"}
    assert kinds["incident"].weight == 3.0 and kinds["incident"].half_life == DAY
    assert ck.default_place_factors()["nursing_home"] == 2.0
    rm = ck.RiskMap(ids=["h", "x"], kind=["nursing_home", "warehouse"], population=[100, 0], vulnerable=[50, 0])
    ex = rm.to_frame(T0)["exposure"].to_numpy()
    assert ex[0] == pytest.approx(2.0 * 1.5)  # kind factor × (1 + γ · 50/100)
    assert ex[1] == 1.0  # unknown kind: factor 1


@pytest.mark.parametrize("normalization,alpha", [("receiver", 0.7), ("none", 0.25)])
def test_propagation_matches_dense_solve(normalization, alpha):
    rm, places = small_map(config=ck.RiskConfig(alpha=alpha, normalization=normalization))
    rng = np.random.default_rng(1)
    n = len(places)
    src = rng.integers(0, n, 80)
    dst = rng.integers(0, n, 80)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    w = rng.uniform(0.1, 1.0, len(src)) * (0.35 if normalization == "none" else 1.0)
    # Dedupe pairs ourselves (the map keeps the last weight of a repeated pair).
    pairs = {}
    for s, d, x in zip(src, dst, w):
        pairs[(s, d)] = x
        pairs[(d, s)] = x
    ids = places.id.to_numpy()
    rm.add_links(ids[src], ids[dst], w, type="road", directed=False)
    assert rm.num_links == len(pairs)
    rows = rng.integers(0, n, 300)
    rm.add_signals(ids[rows], T0 + rng.integers(0, 3 * DAY, 300), rng.choice(["assistance", "petition", "incident"], 300),
                   intensity=rng.uniform(0, 3, 300), confidence=rng.uniform(0, 1, 300))
    at = T0 + 3 * DAY
    d = rm.score_detail(at)
    # Independent operator from the link list, in float64.
    W = np.zeros((n, n))
    for (s, t), x in pairs.items():
        W[t, s] = x
    P = W / W.sum(axis=1, keepdims=True).clip(min=1e-300) if normalization == "receiver" else W
    r = np.linalg.solve(np.eye(n) - alpha * P, d["local"])
    np.testing.assert_allclose(d["raw"], r, rtol=2e-6)  # operator entries are stored as float32
    # Exact against the map's own operator.
    sp = pytest.importorskip("scipy.sparse")
    indptr, indices, data = rm.propagation_matrix()
    Pm = sp.csr_matrix((data.astype(np.float64), indices, indptr), shape=(n, n)).toarray()
    np.testing.assert_allclose(Pm, P, rtol=1e-6)
    np.testing.assert_allclose(d["raw"], np.linalg.solve(np.eye(n) - alpha * Pm, d["local"]), rtol=1e-10)
    np.testing.assert_allclose(rm.propagation_step(d["raw"]), alpha * Pm @ d["raw"], rtol=1e-12)
    np.testing.assert_allclose(d["score"], 100 * -np.expm1(-d["raw"] / 10.0), rtol=1e-12)
    # Explanations sum exactly and agree with scores.
    for pid in ids[::6]:
        ex = rm.explain(pid, at, top_signals=4, top_places=3)
        i = int(np.flatnonzero(ids == pid)[0])
        assert abs(ex.by_kind.points.sum() - ex.score) <= 1e-12 * ex.score
        assert abs(ex.by_place.points.sum() - ex.score) <= 1e-12 * ex.score
        assert abs(ex.score - d["score"][i]) <= 1e-9 * d["score"][i]
        assert len(ex.top_signals) == 4 and ex.top_signals.raw.is_monotonic_decreasing
        if len(ex.by_place) == 4:
            assert pd.isna(ex.by_place.place.iloc[-1]) and ex.by_place.places.iloc[-1] >= 1


def test_explain_by_place_oracle():
    # Two places a → b, alpha 0.5, receiver normalisation: r_b = l_b + 0.5 r_a.
    rm = ck.RiskMap(ids=["a", "b"], config=ck.RiskConfig(alpha=0.5))
    rm.add_links(["a"], ["b"], directed=True)
    rm.add_signals(["a", "b"], T0, ["incident", "petition"], intensity=[1.0, 2.0])
    ex = rm.explain("b", T0)
    parts = dict(zip(ex.by_place.place, ex.by_place.raw))
    assert parts["a"] == pytest.approx(0.5 * 3.0)
    assert parts["b"] == pytest.approx(1.5 * 2.0)
    kinds = dict(zip(ex.by_kind.kind, ex.by_kind.raw))
    assert kinds == pytest.approx({"incident": 1.5, "petition": 3.0})
    assert ex.local == pytest.approx(3.0)
    assert ex.top_signals.place.tolist() == ["b", "a"]


def test_knn_and_radius_links_against_brute_force():
    rng = np.random.default_rng(4)
    n = 200
    lon, lat = rng.uniform(116, 116.4, n), rng.uniform(39.8, 40.1, n)
    rm = ck.RiskMap(ids=[f"g{i}" for i in range(n)], lon=lon, lat=lat, kind="grid_cell")
    knn = rm.knn_links(5)
    assert len(knn) == n * 5
    D = ck.haversine_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    np.fill_diagonal(D, np.inf)
    fifth = np.sort(D, axis=1)[:, 4]
    src = knn.src.str[1:].astype(int).to_numpy()
    assert (knn.distance_m.to_numpy() <= fifth[src] + 1e-6).all()
    rad = rm.radius_links(1500.0)
    assert len(rad) == int((D <= 1500.0).sum())
    assert ck.haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111195, rel=1e-4)


def test_containment_and_rollup():
    places = pd.DataFrame(
        {
            "id": ["city", "d1", "d2", "c1", "c2", "c3"],
            "kind": ["city", "district", "district", "community", "community", "community"],
            "parent": [None, "city", "city", "d1", "d1", "d2"],
            "population": [0, 0, 0, 100, 300, 50],
        }
    )
    rm = ck.RiskMap(places, config=ck.RiskConfig(alpha=0.0))
    links = rm.containment_links()
    assert sorted(zip(links.src, links.dst)) == [("c1", "d1"), ("c2", "d1"), ("c3", "d2"), ("d1", "city"), ("d2", "city")]
    rm.add_signals(["c1", "c2", "c3"], T0, "incident", intensity=[1.0, 3.0, 8.0])
    s = rm.scores(T0)
    mx = rm.rollup(T0, "max")
    assert mx[1] == s[4] and mx[2] == s[5] and mx[0] == s[5]
    pm = rm.rollup(T0, "population_mean")
    assert pm[0] == pytest.approx((100 * s[3] + 300 * s[4] + 50 * s[5]) / 450)
    with pytest.raises(ck.InvalidInput, match="how"):
        rm.rollup(T0, "median")


def test_latent_causes():
    n = 10
    rm = ck.RiskMap(ids=[f"p{i}" for i in range(n)])
    at = T0 + 40 * DAY
    rows = []
    for i in range(n):
        for w in range(5):
            rows.append((f"p{i}", T0 + 7 * w * DAY + i * 100, "assistance"))
            rows.append((f"p{i}", T0 + 7 * w * DAY + 3600 + i * 100, "petition"))
    for k in range(8):
        rows += [("p3", at - 36000 - 60 * k, "assistance"), ("p3", at - 72000 - 60 * k, "petition"),
                 ("p4", at - 39600 - 60 * k, "assistance"), ("p4", at - 75600 - 60 * k, "hazard"),
                 ("p7", at - 18000 - 60 * k, "assistance")]
    rows.append(("p4", at - 20 * DAY, "hazard"))
    df = pd.DataFrame(rows, columns=["place", "time", "kind"])
    rm.add_signals(df)
    rm.add_links(["p3"], ["p4"])
    lc = rm.latent_causes(at)
    assert set(lc.place) == {"p3", "p4"}
    assert (lc.families == 2).all() and (lc.cluster == 0).all()
    assert (lc.strength == -np.log10(lc.p_value)).all()
    assert lc.kinds[lc.place == "p3"].item() in ("assistance+petition", "petition+assistance")
    det = rm.latent_causes(at, detail=True)
    row = det[(det.place == "p3") & (det.kind == "assistance")].iloc[0]
    assert row.observed == 8
    # Independent check of the Poisson tail with scipy.
    stats = pytest.importorskip("scipy.stats")
    assert row.p_value == pytest.approx(stats.poisson.sf(7, row.expected), rel=1e-9)


def test_bad_input_names_field_row_value_and_changes_nothing():
    rm, places = small_map()
    rm.add_signals(["c01"], T0, "incident")
    before = rm.scores(T0 + 10)
    cases = [
        (dict(place=["c01", "nope"], time=T0, kind="incident"), r"place\[1\] = 'nope'"),
        (dict(place=["c01", "c02"], time=T0, kind="incident", intensity=[1.0, float("nan")]), r"intensity\[1\]"),
        (dict(place=["c01", "c02"], time=T0, kind="incident", intensity=[-1.0, 1.0]), r"intensity\[0\]"),
        (dict(place=["c01", "c02"], time=T0, kind="incident", confidence=[1.0, 1.5]), r"confidence\[1\]"),
        (dict(place=["c01"], time=T0, kind="rumour"), "unknown source kind"),
        (dict(place=["c01"], time=T0, kind="incident", intensity=1e308), r"intensity\[0\] = 1e\+308.*implausibly large"),
        (dict(place=["c01"], time=10**15, kind="incident"), r"time\[0\]"),
        (dict(place=["c01", "c02"], time=T0, kind=["incident", "rumour"]), r"kind\[1\]"),
        (dict(place=["c01"], time="2024-01-01T00:00:00", kind="incident"), "offset"),
        (dict(place=["c01", "c02"], time=[T0], kind="incident", intensity=[1.0, 2.0, 3.0]), "intensity"),
    ]
    for kw, pattern in cases:
        with pytest.raises(ck.InvalidInput, match=pattern):
            rm.add_signals(**kw)
    assert rm.num_signals == 1
    np.testing.assert_array_equal(rm.scores(T0 + 10), before)
    with pytest.raises(ck.InvalidInput, match="duplicate place id"):
        ck.RiskMap(ids=["a", "b", "a"])
    with pytest.raises(ck.InvalidInput, match=r"lat\[1\]"):
        ck.RiskMap(ids=["a", "b"], lon=[0.0, 0.0], lat=[0.0, 95.0])
    with pytest.raises(ck.InvalidInput, match=r"parent\[0\]"):
        ck.RiskMap(ids=["a", "b"], parent=["zz", None])
    with pytest.raises(ck.InvalidInput, match="cycle"):
        ck.RiskMap(ids=["a", "b"], parent=["b", "a"])
    with pytest.raises(ck.InvalidInput, match="alpha"):
        ck.RiskConfig(alpha=1.0)
    # Raw weights that would diverge: refused, nothing added.
    raw = ck.RiskMap(ids=["a", "b", "c"], config=ck.RiskConfig(alpha=0.5, normalization="none"))
    raw.add_links(["a"], ["c"], [1.5], directed=True)
    with pytest.raises(ck.InvalidInput, match=r"weight\[1\].*diverge"):
        raw.add_links(["a", "b"], ["b", "c"], [0.5, 0.6], directed=True)
    assert raw.num_links == 1
    with pytest.raises(ck.InvalidInput, match=r"dst\[0\]"):
        raw.add_links(["a"], ["zz"])
    with pytest.raises(ck.InvalidInput, match="itself"):
        raw.add_links(["a"], ["a"])
    with pytest.raises(ck.InvalidInput, match=r"weight\[0\]"):
        raw.add_links(["a"], ["b"], [float("inf")])
    assert raw.num_links == 1


def test_ingest_fast_paths_agree():
    rm, places = small_map()
    rng = np.random.default_rng(2)
    n = 1000
    idx = rng.integers(0, len(places), n)
    t = T0 + rng.integers(0, 5 * DAY, n)
    kinds = rng.choice(["incident", "opinion", "iot"], n)
    x = rng.uniform(0, 2, n)
    rm.add_signals(places.id.to_numpy()[idx], t, kinds, x, 0.9)
    other, _ = small_map()
    codes = np.array([other.kind_code(k) for k in kinds])
    other.add_signals_indices(idx, t.astype("datetime64[s]"), codes, x, np.full(n, 0.9))
    third, _ = small_map()
    third.add_signals(pd.DataFrame({"place": places.id.to_numpy()[idx], "time": pd.to_datetime(t, unit="s", utc=True),
                                    "kind": pd.Categorical(kinds), "intensity": x, "confidence": 0.9}))
    at = T0 + 5 * DAY
    np.testing.assert_array_equal(rm.scores(at), other.scores(at))
    np.testing.assert_array_equal(rm.scores(at), third.scores(at))


def simulate_hawkes_numpy(mu, seasonal, kernels, Q, T, rng):
    """Independent branching simulation (immigrants by hour, offspring by kernel)."""
    n = len(mu)
    events = []
    for h in range(int(T // 3600)):
        how = (h + 72) % 168  # T starts on a Thursday 00:00 UTC (epoch-aligned multiple of a week)
        k = rng.poisson(mu.sum() * seasonal[how] * 3600)
        places = rng.choice(n, size=k, p=mu / mu.sum())
        events += list(zip(h * 3600 + rng.uniform(0, 3600, k), places))
    queue = list(events)
    while queue:
        t, i = queue.pop()
        for beta, a_self, a_nb in kernels:
            for _ in range(rng.poisson(a_self)):
                tc = t + rng.exponential(1 / beta)
                if tc < T:
                    events.append((tc, i)), queue.append((tc, i))
            for _ in range(rng.poisson(a_nb)):
                j = rng.choice(n, p=Q[:, i])
                tc = t + rng.exponential(1 / beta)
                if tc < T:
                    events.append((tc, j)), queue.append((tc, j))
    events.sort()
    return np.array([int(t) for t, _ in events], dtype=np.int64), np.array([i for _, i in events])


def test_fit_recovers_simulated_hawkes_parameters():
    n = 10
    rng = np.random.default_rng(12)
    ids = [f"r{i}" for i in range(n)]
    mu = (1.0 + 0.5 * (np.arange(n) % 3)) / DAY
    hours = np.arange(168)
    seasonal = 1 + 0.6 * np.sin(2 * np.pi * (hours % 24) / 24)
    seasonal /= seasonal.mean()
    kernels = [(1 / 3600, 0.3, 0.15), (1 / (2 * DAY), 0.15, 0.0)]
    # Ring: Q[:, i] spreads i's neighbour offspring over its two neighbours.
    Q = np.zeros((n, n))
    for i in range(n):
        Q[(i - 1) % n, i] = Q[(i + 1) % n, i] = 0.5
    start = 0  # 1970-01-01 00:00 UTC, a Thursday: hour of week 72
    T = 400 * DAY
    t, p = simulate_hawkes_numpy(mu, seasonal, kernels, Q, T, rng)
    rm = ck.RiskMap(ids=ids)
    rm.add_links(ids, ids[1:] + ids[:1])  # undirected ring
    rm.add_signals(np.array(ids, dtype=object)[p], start + t, "incident")
    m = rm.fit(start=start, end=start + T, timescales_hours=(0.5, 48), mu_prior_hours=0)
    assert m.converged
    fast, slow = m.kernels
    assert fast["timescale_hours"] == pytest.approx(1.0, rel=0.15)
    assert fast["alpha_self"] == pytest.approx(0.3, rel=0.15)
    assert fast["alpha_neighbour"] == pytest.approx(0.15, rel=0.25)
    # A 48-hour kernel's self/neighbour split is weakly identified on 400 days
    # of 10 places; its total branching is not.
    assert slow["alpha_self"] + slow["alpha_neighbour"] == pytest.approx(0.15, rel=0.25)
    assert slow["timescale_hours"] == pytest.approx(48, rel=0.35)
    assert m.mu.sum() == pytest.approx(mu.sum(), rel=0.1)
    assert np.corrcoef(m.seasonal, seasonal)[0, 1] > 0.95
    assert m.branching_ratio == pytest.approx(sum(k["alpha_self"] + k["alpha_neighbour"] for k in m.kernels))


def test_forecast_frame_levels_and_model_persistence():
    rm, places = small_map()
    ids = places.id.to_numpy()
    rm.add_links(*rm.knn_links(3)[["src", "dst"]].to_numpy().T)
    rng = np.random.default_rng(3)
    n = 3000
    rm.add_signals(ids[rng.integers(0, len(ids), n)], T0 + np.sort(rng.integers(0, 60 * DAY, n)), "incident")
    m = rm.fit(max_iterations=60, utc_offset="+08:00")
    assert m.utc_offset_minutes == 480 and m.kinds == ["incident"]
    at = T0 + 60 * DAY
    fc = rm.forecast(at, horizon_hours=72)
    assert list(fc.columns) == ["place", "expected", "p_any", "level", "level_name"]
    assert fc.place.tolist() == list(ids)
    assert ((fc.p_any > 0) & (fc.p_any < 1)).all()
    assert (fc.level.to_numpy() == ck.grade(100 * fc.p_any.to_numpy())).all()
    # Longer horizons expect more.
    assert (rm.forecast(at, 24).expected < fc.expected).all()
    # Save and load the model into a fresh map with the same places and history.
    fresh, _ = small_map()
    fresh.add_links(*rm.knn_links(3)[["src", "dst"]].to_numpy().T)
    fresh.add_signals(ids[rng.integers(0, len(ids), 5)], T0, "opinion")
    with pytest.raises(ck.StateError):
        fresh.forecast(at)
    fresh.model = ck.HawkesModel.from_bytes(m.to_bytes())
    assert fresh.model == m
    assert pickle.loads(pickle.dumps(m)) == m
    with pytest.raises(ck.InvalidInput, match="mu"):
        ck.RiskMap(ids=["only"]).model = m
    with pytest.raises(ck.InvalidInput):
        ck.HawkesModel.from_bytes(m.to_bytes()[:-5])
    d = m.to_dict()
    assert d["mu_per_day"].shape == (len(ids),) and d["seasonal"].shape == (168,)
    sim = rm.simulate(at, at + 2 * DAY, seed=5)
    assert list(sim.columns) == ["place", "time"] and sim.time.is_monotonic_increasing


def test_snapshot_pickle_repr_plot():
    rm, places = small_map()
    rm.add_links(*rm.knn_links(2)[["src", "dst"]].to_numpy().T)
    rm.add_signals(places.id.to_numpy()[:10], T0, "hazard")
    back = pickle.loads(pickle.dumps(rm))
    assert isinstance(back, ck.RiskMap)
    assert back.to_bytes() == rm.to_bytes()
    np.testing.assert_array_equal(back.scores(T0 + 5), rm.scores(T0 + 5))
    with pytest.raises(ck.InvalidInput, match="snapshot"):
        ck.RiskMap.from_bytes(rm.to_bytes()[:100])
    assert "RiskMap(25 places" in repr(rm)
    html = rm._repr_html_()
    assert "<b>RiskMap</b>" in html and "Top places" in html
    frame = rm.to_frame(T0 + 5)
    assert frame.shape[0] == 25 and {"score", "level_name", "exposure"} <= set(frame.columns)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = rm.plot(T0 + 5)
    assert len(ax.collections) >= 1


def test_fit_is_interruptible():
    rng = np.random.default_rng(0)
    n = 2000
    ids = [f"q{i}" for i in range(n)]
    rm = ck.RiskMap(ids=ids)
    rm.add_signals_indices(rng.integers(0, n, 200_000), T0 + np.sort(rng.integers(0, 200 * DAY, 200_000)), "incident")
    # A process started in the background by a non-interactive shell ignores
    # SIGINT, and then interrupt_main() does nothing: install Python's own
    # handler for the duration of the test, as an interactive session has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            rm.fit(max_iterations=100_000, tolerance=1e-300)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert rm.model is None  # an interrupted fit keeps nothing


def test_gil_released_during_scores():
    rm, places = small_map(n=400)
    rng = np.random.default_rng(0)
    rm.add_signals_indices(rng.integers(0, 400, 400_000), T0 + rng.integers(0, DAY, 400_000), "incident")
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(1)

    th = threading.Thread(target=spin)
    th.start()
    try:
        for _ in range(5):
            rm.scores(T0 + DAY)
    finally:
        stop.set()
        th.join()
    assert len(ticks) > 0
