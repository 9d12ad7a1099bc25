"""Severity assessment (三维评估) from Python: hand-computed cases, missing
indicators and their bounds, monotonicity property tests over every pair of
aggregation methods, an independent numpy oracle for ``assess_frame``,
explanations and sensitivity, bad input, round trips, the tracker and its
2-hour clock, national grading tables, ``secondary_likelihood`` from a fitted
RiskMap, plots and reprs. Tests named ``test_regression_*`` pin bugs found while
writing this file (fixed since)."""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

T0 = 1_700_000_000
HOUR = 3600
DAY = 86400
THRESHOLDS = (2.0, 3.5, 5.0, 6.5)
METHODS = ("power", "arithmetic", "geometric", "max")
L = ck.AlertLevel

DEFAULT = ck.SeverityConfig.default()
SPECS = DEFAULT.indicators
NAMES = [s["name"] for s in SPECS]


def level_of(overall, thresholds=THRESHOLDS):
    """Stateless policy level: the number of thresholds at or below the score (NaN → NONE)."""
    if math.isnan(overall):
        return L.NONE
    return L(sum(overall >= t for t in thresholds))


def config_with(within="power", overall="geometric", **kw):
    # Built from the default indicator dicts: ck.SeverityConfig(within=...)
    # without indicators is broken (see test_bug_default_indicators_constructor).
    return ck.SeverityConfig(indicators=SPECS, within=within, overall=overall, **kw)


def random_value(spec, rng, size=None):
    """A raw value in the indicator's domain: shares uniform, growth rates
    around [−0.5, 1.5], counts spread over orders of magnitude and past the cap."""
    u = rng.uniform(0, 1, size)
    if spec["domain"] == "share":
        return u
    if spec["domain"] == "real":
        return -0.5 + 2.0 * u
    return spec["hi"] * u**3 * 1.3


def random_matrix(specs, rng, n, p_missing=0.2):
    X = np.column_stack([random_value(s, rng, n) for s in specs])
    X[rng.uniform(0, 1, X.shape) < p_missing] = np.nan
    return X


def row_dict(names, row):
    return {k: float(v) for k, v in zip(names, row) if not math.isnan(v)}


# ---- 1. hand-computed case ----------------------------------------------------

HAND_INDICATORS = [
    {"name": "area", "dimension": "scope", "transform": "log", "lo": 0, "hi": 999},  # 10·ln(1+x)/ln(1000)
    {"name": "b", "dimension": "harm", "transform": "linear", "hi": 20, "weight": 1},
    {"name": "c", "dimension": "harm", "transform": "linear", "hi": 20, "weight": 3},
    {"name": "g", "dimension": "trend", "domain": "real", "transform": "linear", "lo": -1, "hi": 1},
]


def hand_assessor(**kw):
    return ck.SeverityAssessor(ck.SeverityConfig(indicators=HAND_INDICATORS, within="arithmetic", **kw))


def test_hand_computed_assessment():
    a = hand_assessor()
    r = a.assess({"area": 99, "b": 6, "c": 14, "g": 0.2})
    scope = 10 * math.log(100) / math.log(1000)  # 20/3
    harm = (1 * 3.0 + 3 * 7.0) / 4  # scores 3 and 7, weights 1 and 3 → 6
    trend = 10 * (0.2 - (-1)) / (1 - (-1))  # 6
    overall = ((scope + 1) * (harm + 1) * (trend + 1)) ** (1 / 3) - 1  # shifted geometric mean, c = 1
    assert r.scores == pytest.approx({"area": scope, "b": 3.0, "c": 7.0, "g": trend}, rel=1e-12)
    assert r.scope == pytest.approx(20 / 3, rel=1e-12)
    assert r.harm == pytest.approx(6.0, rel=1e-12)
    assert r.trend == pytest.approx(6.0, rel=1e-12)
    assert r.dimensions == pytest.approx({"scope": scope, "harm": harm, "trend": trend}, rel=1e-12)
    assert r.overall == pytest.approx(overall, rel=1e-12)
    assert overall == pytest.approx(6.2155, abs=1e-4)
    assert r.level == L.WARNING  # 5 ≤ 6.22 < 6.5
    assert r.level_lo == r.level_hi == L.WARNING
    assert r.overall_lo == pytest.approx(overall, rel=1e-12) and r.overall_hi == pytest.approx(overall, rel=1e-12)
    assert r.missing == []
    assert r.values == {"area": 99.0, "b": 6.0, "c": 14.0, "g": 0.2}

    # Clamping: above the cap scores 10, below lo scores 0 (negative growth is allowed).
    r2 = a.assess(area=5000, b=25, c=0, g=-3)
    assert r2.scores == {"area": 10.0, "b": 10.0, "c": 0.0, "g": 0.0}
    assert r2.harm == pytest.approx(2.5)
    o2 = (11 * 3.5 * 1) ** (1 / 3) - 1
    assert r2.overall == pytest.approx(o2, rel=1e-12)
    assert r2.level == L.GENERAL

    # Keywords, a dict and a pandas Series give the same result.
    r3 = a.assess(pd.Series({"area": 99.0, "b": 6.0, "c": 14.0, "g": 0.2}))
    r4 = a.assess({"area": 99, "b": 6}, c=14, g=0.2)
    assert r3.overall == r4.overall == r.overall

    # Other within-dimension methods on the harm dimension.
    assert hand_assessor_within("power").assess(b=6, c=14).harm == pytest.approx(((3**4 + 3 * 7**4) / 4) ** 0.25, rel=1e-12)
    assert hand_assessor_within("max").assess(b=6, c=14).harm == 7.0
    assert hand_assessor_within("geometric").assess(b=6, c=14).harm == pytest.approx(
        math.exp((math.log(4) + 3 * math.log(8)) / 4) - 1, rel=1e-12
    )
    assert hand_assessor_within({"method": "power", "p": 2}).assess(b=6, c=14).harm == pytest.approx(
        math.sqrt((9 + 3 * 49) / 4), rel=1e-12
    )


def hand_assessor_within(within, overall="geometric"):
    return ck.SeverityAssessor(ck.SeverityConfig(indicators=HAND_INDICATORS, within=within, overall=overall))


def test_hand_overall_methods_and_dimension_weights():
    vals = {"area": 99, "b": 6, "c": 14, "g": 0.2}
    d = np.array([20 / 3, 6.0, 6.0])
    w = np.array([1.0, 2.0, 0.5])
    expect = {
        "arithmetic": (w * d).sum() / w.sum(),
        "geometric": math.exp((w * np.log(d + 1)).sum() / w.sum()) - 1,
        "max": d.max(),
        "power": ((w * d**4).sum() / w.sum()) ** 0.25,
    }
    for method, value in expect.items():
        a = ck.SeverityAssessor(
            ck.SeverityConfig(indicators=HAND_INDICATORS, within="arithmetic", overall=method, dimension_weights=w)
        )
        r = a.assess(vals)
        assert r.overall == pytest.approx(value, rel=1e-12), method
        assert r.level == level_of(value)
    # Shift 0: INFORM's plain geometric mean.
    a0 = ck.SeverityAssessor(
        ck.SeverityConfig(indicators=HAND_INDICATORS, within="arithmetic", overall={"method": "geometric", "shift": 0})
    )
    assert a0.assess(vals).overall == pytest.approx((20 / 3 * 36) ** (1 / 3), rel=1e-12)
    # A custom policy moves the level, not the score.
    ap = ck.SeverityAssessor(
        ck.SeverityConfig(indicators=HAND_INDICATORS, within="arithmetic", policy={"thresholds": [1, 2, 3, 6.3]})
    )
    r = ap.assess(vals)
    assert r.overall == pytest.approx(6.2155, abs=1e-4)
    assert r.level == L.WARNING
    assert r.level == level_of(r.overall, (1, 2, 3, 6.3))


# ---- 2. missing indicators ----------------------------------------------------


def test_missing_indicators_are_listed_and_bounded():
    a = hand_assessor()
    r = a.assess(area=99, b=6, g=0.2)  # c missing
    assert r.missing == ["c"]
    assert "c" not in r.values and "c" not in r.scores
    assert r.harm == pytest.approx(3.0)  # c left out (not counted as 0)
    assert r.dimension_range["harm"] == pytest.approx((0.75, 8.25))  # (3 + 3·0)/4, (3 + 3·10)/4
    assert r.dimension_range["scope"] == pytest.approx((20 / 3, 20 / 3))
    k = 23 / 3 * 7  # (scope + 1)(trend + 1)
    assert r.overall == pytest.approx((k * 4) ** (1 / 3) - 1, rel=1e-12)
    assert r.overall_lo == pytest.approx((k * 1.75) ** (1 / 3) - 1, rel=1e-12)
    assert r.overall_hi == pytest.approx((k * 9.25) ** (1 / 3) - 1, rel=1e-12)
    assert r.overall_lo <= r.overall <= r.overall_hi
    assert (r.level_lo, r.level, r.level_hi) == (L.ATTENTION, L.ATTENTION, L.EMERGENCY)
    assert r.level_lo <= r.level <= r.level_hi

    # A whole dimension unknown: NaN, the overall combines the others, the range spans 0–10 for it.
    r2 = a.assess(area=99, b=6, c=14)
    assert r2.missing == ["g"]
    assert math.isnan(r2.trend)
    assert r2.dimension_range["trend"] == (0.0, 10.0)
    assert r2.overall == pytest.approx(math.sqrt(23 / 3 * 7) - 1, rel=1e-12)
    assert r2.overall_lo == pytest.approx((23 / 3 * 7 * 1) ** (1 / 3) - 1, rel=1e-12)
    assert r2.overall_hi == pytest.approx((23 / 3 * 7 * 11) ** (1 / 3) - 1, rel=1e-12)
    assert (r2.level_lo, r2.level, r2.level_hi) == (L.GENERAL, L.WARNING, L.EMERGENCY)

    # Whatever the missing values turn out to be, the score stays inside the range.
    for c in np.linspace(0, 25, 11):
        full = a.assess(area=99, b=6, c=float(c), g=0.2)
        assert r.overall_lo - 1e-12 <= full.overall <= r.overall_hi + 1e-12
        assert r.level_lo <= full.level <= r.level_hi

    # Nothing known: NaN and NONE, range 0–10.
    r0 = a.assess()
    assert math.isnan(r0.overall) and all(math.isnan(x) for x in (r0.scope, r0.harm, r0.trend))
    assert r0.level == L.NONE and r0.level_lo == L.NONE
    assert r0.overall_lo == 0.0 and r0.overall_hi == pytest.approx(10.0)
    assert r0.missing == ["area", "b", "c", "g"]
    # None (and pd.NA / NaN in a Series) means missing, not zero.
    assert a.assess(area=99, b=6, c=None, g=0.2).overall == r.overall
    assert a.assess(pd.Series({"area": 99, "b": 6, "c": np.nan, "g": 0.2})).overall == r.overall


def test_missing_with_default_config_and_dataclass():
    a = ck.SeverityAssessor()
    given = {"deaths": 4, "affected_population": 12_000, "rainfall_24h_mm": 80.0, "power_outage_share": 0.1}
    r = a.assess(given)
    assert set(r.missing) == set(NAMES) - set(given)
    assert r.missing == [n for n in NAMES if n not in given]  # config order
    assert r.values == {k: float(v) for k, v in given.items()}
    assert r.overall_lo <= r.overall <= r.overall_hi
    assert r.level_lo <= r.level <= r.level_hi
    r_dc = a.assess(ck.Indicators(**given))
    assert r_dc.overall == r.overall and r_dc.missing == r.missing
    assert a.assess(deaths=0).overall == 0.0
    assert a.assess(deaths=0).level == L.NONE


# ---- 3. property tests: monotonicity and bounds --------------------------------


def _bump(spec, v, u):
    """A larger value than v in the indicator's domain (sometimes far past the cap)."""
    if spec["domain"] == "share":
        return v + (1 - v) * u
    return v + (abs(v) + 1) * 3 * u + (spec["hi"] * 5 if u > 0.9 else 0.0)


def _check_monotone(a, specs, rng, n):
    names = [s["name"] for s in specs]
    X = random_matrix(specs, rng, n)
    Y = X.copy()
    bumped = np.zeros(n, dtype=bool)
    for r in range(n):
        present = np.flatnonzero(~np.isnan(X[r]))
        if len(present) == 0:
            continue
        k = int(rng.choice(present))
        Y[r, k] = _bump(specs[k], X[r, k], rng.uniform(0, 1))
        assert Y[r, k] >= X[r, k]
        bumped[r] = True
    f0 = a.assess_frame(pd.DataFrame(X, columns=names))
    f1 = a.assess_frame(pd.DataFrame(Y, columns=names))
    assert bumped.sum() >= 0.9 * n
    for d in ("scope", "harm", "trend"):
        known = f0[d].notna().to_numpy()
        assert (f1[d].to_numpy()[known] >= f0[d].to_numpy()[known] - 1e-12).all(), d
    known = f0.overall.notna().to_numpy()
    assert (f1.overall.to_numpy()[known] >= f0.overall.to_numpy()[known] - 1e-12).all()
    assert (f1.level.to_numpy() >= f0.level.to_numpy()).all()
    assert (f1.overall_lo.to_numpy() >= f0.overall_lo.to_numpy() - 1e-12).all()
    assert (f1.overall_hi.to_numpy() >= f0.overall_hi.to_numpy() - 1e-12).all()
    # Range invariants on every row.
    for f in (f0, f1):
        o = f.overall.to_numpy()
        k = ~np.isnan(o)
        assert (f.overall_lo.to_numpy()[k] <= o[k] + 1e-12).all()
        assert (o[k] <= f.overall_hi.to_numpy()[k] + 1e-12).all()
        assert (f.level_lo <= f.level).all() and (f.level <= f.level_hi).all()
    # Filling every missing indicator in (any values) lands inside the range.
    Z = np.where(np.isnan(X), random_matrix(specs, rng, n, p_missing=0.0), X)
    fz = a.assess_frame(pd.DataFrame(Z, columns=names))
    assert (fz.overall.to_numpy() >= f0.overall_lo.to_numpy() - 1e-9).all()
    assert (fz.overall.to_numpy() <= f0.overall_hi.to_numpy() + 1e-9).all()
    assert (fz.level >= f0.level_lo).all() and (fz.level <= f0.level_hi).all()
    # A sample through the single-event path agrees.
    for r in range(0, n, max(1, n // 15)):
        x0 = a.assess(row_dict(names, X[r]))
        x1 = a.assess(row_dict(names, Y[r]))
        if not math.isnan(x0.overall):
            assert x1.overall >= x0.overall - 1e-12
        assert x1.level >= x0.level
    return int(bumped.sum())


def test_monotone_default_config():
    rng = np.random.default_rng(101)
    assert _check_monotone(ck.SeverityAssessor(), SPECS, rng, 600) >= 500


@pytest.mark.parametrize("within", METHODS)
@pytest.mark.parametrize("overall", METHODS)
def test_monotone_every_method_pair(within, overall):
    rng = np.random.default_rng(100 + 4 * METHODS.index(within) + METHODS.index(overall))
    a = ck.SeverityAssessor(config_with(within, overall, dimension_weights=(1.0, 2.0, 0.5)))
    assert _check_monotone(a, SPECS, rng, 320) >= 300


# ---- 4. independent numpy oracle -----------------------------------------------


def oracle(X, specs, thresholds=THRESHOLDS):
    """The default formulas re-implemented: transforms, power mean p = 4 within,
    shifted geometric mean (c = 1, equal weights) across dimensions."""
    S = np.empty_like(X)
    for k, s in enumerate(specs):
        x, lo, hi = X[:, k], s["lo"], s["hi"]
        if s["transform"] == "log":
            with np.errstate(invalid="ignore"):
                u = (np.log1p(x) - np.log1p(lo)) / (np.log1p(hi) - np.log1p(lo))
            u = np.where(x <= lo, 0.0, u)  # NaN stays NaN (NaN <= lo is False)
        else:
            u = (x - lo) / (hi - lo)
        S[:, k] = np.clip(10 * u, 0, 10)
    dims, dlo, dhi = [], [], []
    for d in ("scope", "harm", "trend"):
        idx = [k for k, s in enumerate(specs) if s["dimension"] == d]
        w = np.array([specs[k]["weight"] for k in idx])
        s = S[:, idx]
        present = ~np.isnan(s)
        wp = (present * w).sum(axis=1)
        W = w.sum()
        acc = np.where(present, w * np.nan_to_num(s) ** 4, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            dims.append(np.where(wp > 0, (acc / wp) ** 0.25, np.nan))
        dlo.append((acc / W) ** 0.25)
        dhi.append(((acc + 1e4 * (W - wp)) / W) ** 0.25)
    D, Dlo, Dhi = (np.column_stack(v) for v in (dims, dlo, dhi))
    with np.errstate(invalid="ignore"):
        overall = np.exp(np.nanmean(np.log1p(D), axis=1)) - 1
    overall_lo = np.exp(np.log1p(Dlo).mean(axis=1)) - 1
    overall_hi = np.exp(np.log1p(Dhi).mean(axis=1)) - 1

    def lev(o):
        out = np.searchsorted(np.asarray(thresholds), o, side="right")
        return np.where(np.isnan(o), 0, out)

    return {
        "scope": D[:, 0], "harm": D[:, 1], "trend": D[:, 2],
        "overall": overall, "overall_lo": overall_lo, "overall_hi": overall_hi,
        "level": lev(overall), "level_lo": lev(overall_lo), "level_hi": lev(overall_hi),
        "n_missing": np.isnan(X).sum(axis=1),
    }


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
def test_assess_frame_matches_numpy_oracle_and_assess():
    rng = np.random.default_rng(7)
    n = 5000
    X = random_matrix(SPECS, rng, n, p_missing=0.2)
    X[rng.integers(0, n, 50), NAMES.index("deaths")] = 0.0  # exact zeros
    X[:40] = np.nan  # some rows with nothing at all
    X[40:80, :8] = np.nan  # rows with a whole dimension (scope) unknown
    absent = NAMES.index("hospitals_affected")
    X[:, absent] = np.nan  # a column left out of the frame entirely
    index = pd.Index([f"ev{i}" for i in rng.permutation(n)], name="event")
    df = pd.DataFrame(np.delete(X, absent, axis=1), columns=[c for c in NAMES if c != "hospitals_affected"], index=index)
    df = df[df.columns[::-1]]  # column order does not matter
    out = ck.SeverityAssessor().assess_frame(df)

    assert list(out.columns) == ["scope", "harm", "trend", "overall", "overall_lo", "overall_hi", "level",
                                 "level_name", "level_lo", "level_hi", "n_missing"]
    assert out.index.equals(df.index)
    assert isinstance(out.level_name.dtype, pd.CategoricalDtype) and out.level_name.cat.ordered
    assert list(out.level_name.cat.categories) == [lv.name for lv in L]
    assert (out.level_name.cat.codes.to_numpy() == out.level.to_numpy()).all()

    want = oracle(X, SPECS)
    for k in ("scope", "harm", "trend", "overall", "overall_lo", "overall_hi"):
        np.testing.assert_allclose(out[k].to_numpy(), want[k], rtol=1e-9, atol=1e-12, err_msg=k)
    for k in ("level", "level_lo", "level_hi"):
        o = {"level": "overall", "level_lo": "overall_lo", "level_hi": "overall_hi"}[k]
        v = want[o]
        clear = np.isnan(v) | (np.abs(v[:, None] - np.array(THRESHOLDS)[None, :]) > 1e-9).all(axis=1)
        assert clear.mean() > 0.99
        np.testing.assert_array_equal(out[k].to_numpy()[clear], want[k][clear], err_msg=k)
    np.testing.assert_array_equal(out.n_missing.to_numpy(), want["n_missing"])
    assert np.isnan(out.overall.to_numpy()[:40]).all() and (out.level.to_numpy()[:40] == 0).all()
    assert np.isnan(out.scope.to_numpy()[40:80]).all()
    # Every level is represented (the sample is not degenerate).
    assert set(out.level.unique()) == {0, 1, 2, 3, 4}

    # Row by row through assess: same numbers, level and missing count.
    a = ck.SeverityAssessor()
    for r in list(range(0, 100, 7)) + list(rng.integers(0, n, 150)):
        x = a.assess(row_dict(NAMES, X[r]))
        row = out.iloc[r]
        for k in ("scope", "harm", "trend", "overall", "overall_lo", "overall_hi"):
            got = getattr(x, k)
            assert (math.isnan(got) and math.isnan(row[k])) or got == pytest.approx(row[k], rel=1e-12, abs=1e-15), k
        assert int(x.level) == row.level and x.level.name == row.level_name
        assert int(x.level_lo) == row.level_lo and int(x.level_hi) == row.level_hi
        assert len(x.missing) == row.n_missing


def test_simd_paths_agree(tmp_path):
    """The generic path (forced through CRISISKIT_SIMD in a fresh process) gives this process's results."""
    import subprocess
    import sys

    assert ck.simd_path() in {"generic", "avx2", "avx512"}
    rng = np.random.default_rng(11)
    X = random_matrix(SPECS, rng, 3001, p_missing=0.25)
    df = pd.DataFrame(X, columns=NAMES)
    df.to_pickle(tmp_path / "in.pkl")
    code = (
        "import sys, pandas as pd, crisiskit as ck\n"
        "assert ck.simd_path() == 'generic', ck.simd_path()\n"
        "ck.SeverityAssessor().assess_frame(pd.read_pickle(sys.argv[1])).to_pickle(sys.argv[2])\n"
    )
    env = dict(__import__("os").environ, CRISISKIT_SIMD="generic")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "in.pkl"), str(tmp_path / "out.pkl")], env=env,
                   check=True, timeout=120)
    generic = pd.read_pickle(tmp_path / "out.pkl")
    here = ck.SeverityAssessor().assess_frame(df)
    for k in ("scope", "harm", "trend", "overall", "overall_lo", "overall_hi"):
        np.testing.assert_allclose(here[k].to_numpy(), generic[k].to_numpy(), rtol=1e-13, atol=1e-14, err_msg=k)
    np.testing.assert_array_equal(here.n_missing.to_numpy(), generic.n_missing.to_numpy())


def test_assess_frame_input_forms():
    a = ck.SeverityAssessor()
    ref = a.assess_frame(pd.DataFrame({"deaths": [1.0, np.nan, 3.0], "trapped": [5.0, 6.0, np.nan]}))
    # Nullable integers, object columns with None / NA, ints: the same.
    alt = a.assess_frame(pd.DataFrame({"deaths": pd.array([1, None, 3], dtype="Int64"),
                                       "trapped": pd.Series([5, 6, None], dtype=object)}))
    pd.testing.assert_frame_equal(ref, alt)
    assert ref.n_missing.tolist() == [21, 22, 22]
    empty = a.assess_frame(pd.DataFrame({"deaths": np.array([], dtype=float)}))
    assert len(empty) == 0 and list(empty.columns) == list(ref.columns)
    # extra='ignore' drops other columns and gives the same numbers.
    with_extra = pd.DataFrame({"deaths": [1.0, np.nan, 3.0], "trapped": [5.0, 6.0, np.nan], "note": ["a", "b", "c"]})
    pd.testing.assert_frame_equal(a.assess_frame(with_extra, extra="ignore"), ref)


# ---- 5. explain and sensitivity -------------------------------------------------


def test_explain_hand_values():
    r = hand_assessor().assess(area=99, b=6, c=14, g=0.2)
    ex = r.explain().set_index("indicator")
    assert list(ex.index) == ["area", "b", "c", "g"]
    assert ex.to_dimension.to_dict() == pytest.approx({"area": 20 / 3, "b": 0.75, "c": 5.25, "g": 6.0}, rel=1e-12)
    # Shifted geometric across dimensions: shares ∝ ln(1 + D).
    logs = np.log1p([20 / 3, 6.0, 6.0])
    share = r.overall * logs / logs.sum()
    assert ex.to_overall["area"] == pytest.approx(share[0], rel=1e-12)
    assert ex.to_overall["b"] + ex.to_overall["c"] == pytest.approx(share[1], rel=1e-12)
    assert ex.to_overall["b"] / ex.to_overall["c"] == pytest.approx(0.75 / 5.25, rel=1e-12)
    bydim = r.explain(by="dimension")
    assert bydim.dimension.tolist() == ["scope", "harm", "trend"]
    np.testing.assert_allclose(bydim.to_overall.to_numpy(), share, rtol=1e-12)
    assert bydim.score.tolist() == pytest.approx([20 / 3, 6.0, 6.0])
    with pytest.raises(ck.InvalidInput, match="by"):
        r.explain(by="indicators")


@pytest.mark.parametrize("overall", METHODS)
def test_explain_sums(overall):
    rng = np.random.default_rng(17)
    a = ck.SeverityAssessor(config_with("power", overall, dimension_weights=(1.0, 1.0, 2.0)))
    X = random_matrix(SPECS, rng, 40, p_missing=0.35)
    checked = 0
    for row in X:
        r = a.assess(row_dict(NAMES, row))
        ex = r.explain()
        assert set(ex.indicator) == set(r.values)
        assert (ex.to_dimension >= 0).all()
        for d, s in ex.groupby("dimension").to_dimension.sum().items():
            assert s == pytest.approx(r.dimensions[d], rel=1e-9, abs=1e-12), d
        bydim = r.explain(by="dimension")
        if math.isnan(r.overall):
            continue
        assert ex.to_overall.sum() == pytest.approx(r.overall, rel=1e-9, abs=1e-12)
        assert bydim.to_overall.sum() == pytest.approx(r.overall, rel=1e-9, abs=1e-12)
        per_dim = ex.groupby("dimension").to_overall.sum()
        for d, v in zip(bydim.dimension, bydim.to_overall):
            assert v == pytest.approx(per_dim.get(d, 0.0), rel=1e-12, abs=1e-12)
        checked += 1
    assert checked > 30


def test_sensitivity_hand_values():
    vals = {"area": 99.0, "b": 6.0, "c": 14.0, "g": 0.2}
    a = hand_assessor()
    r = a.assess(vals)
    assert r.level == L.WARNING
    s = r.sensitivity().set_index("indicator")
    k = 23 / 3  # scope + 1
    # Up to EMERGENCY needs the product of (D + 1) ≥ 7.5³; down to ATTENTION below 6³.
    A_up, A_down = 7.5**3 / 49 - 1, 6.0**3 / 49 - 1  # scope score needed, harm and trend at 6
    assert s.up_value["area"] == pytest.approx(1000 ** (A_up / 10) - 1, rel=1e-9)
    assert s.down_value["area"] == pytest.approx(1000 ** (A_down / 10) - 1, rel=1e-9)
    G_up, G_down = 7.5**3 / (k * 7) - 1, 6.0**3 / (k * 7) - 1  # trend score
    assert s.up_value["g"] == pytest.approx(-1 + 2 * G_up / 10, rel=1e-9)
    assert s.down_value["g"] == pytest.approx(-1 + 2 * G_down / 10, rel=1e-9)
    # harm = (s_b + 21)/4 or (3 + 3 s_c)/4 must reach G_up.
    assert s.up_value["b"] == pytest.approx(2 * (4 * G_up - 21), rel=1e-9)
    assert math.isnan(s.down_value["b"])  # b = 0 still leaves harm at 5.25
    assert s.up_value["c"] == pytest.approx(2 * (4 * G_up - 3) / 3, rel=1e-9)
    assert s.down_value["c"] == pytest.approx(2 * (4 * G_down - 3) / 3, rel=1e-9)
    assert (s.up_level.dropna() == "EMERGENCY").all() and (s.down_level.dropna() == "ATTENTION").all()
    np.testing.assert_allclose(s.up_change, s.up_value - s.value)
    np.testing.assert_allclose(s.down_change, s.down_value - s.value)


def _check_sensitivity(a, r):
    vals = r.values
    checked = 0
    for row in r.sensitivity().itertuples():
        v = row.value
        if not math.isnan(row.up_value):
            up = row.up_value
            assert up > v
            hit = a.assess({**vals, row.indicator: up})
            assert hit.level > r.level and hit.level.name == row.up_level
            below = max(v, up - max(1e-6 * abs(up), 1e-9))
            assert a.assess({**vals, row.indicator: below}).level == r.level, (row.indicator, v, up)
            checked += 1
        else:
            assert pd.isna(row.up_level)
        if not math.isnan(row.down_value):
            down = row.down_value
            assert down < v
            hit = a.assess({**vals, row.indicator: down})
            assert hit.level < r.level and hit.level.name == row.down_level
            above = min(v, down + max(1e-6 * abs(down), 1e-9))
            assert a.assess({**vals, row.indicator: above}).level == r.level, (row.indicator, v, down)
            checked += 1
        else:
            assert pd.isna(row.down_level)
    return checked


def test_sensitivity_values_sit_on_the_level_boundaries():
    a = hand_assessor()
    assert _check_sensitivity(a, a.assess(area=99, b=6, c=14, g=0.2)) == 7
    rng = np.random.default_rng(23)
    d = ck.SeverityAssessor()
    checked = 0
    for row in random_matrix(SPECS, rng, 60, p_missing=0.5):
        checked += _check_sensitivity(d, d.assess(row_dict(NAMES, row)))
    assert checked > 100
    # At EMERGENCY nothing can raise the level; at NONE nothing can lower it.
    top = d.assess(deaths=500, affected_population=1e8, rainfall_24h_mm=400)
    assert top.level == L.EMERGENCY and top.sensitivity().up_value.isna().all()
    low = d.assess(deaths=0, rainfall_24h_mm=1)
    assert low.level == L.NONE and low.sensitivity().down_value.isna().all()
    assert low.sensitivity().up_value.notna().all()


# ---- 6. bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call,field,value",
    [
        (lambda a: a.assess(deaths=-1), "deaths", "-1"),
        (lambda a: a.assess({"deaths": float("nan")}), "deaths", "nan"),
        (lambda a: a.assess({"trapped": float("inf")}), "trapped", "inf"),
        (lambda a: a.assess(power_outage_share=1.5), "power_outage_share", "1.5"),
        (lambda a: a.assess(vulnerable_share=-0.1), "vulnerable_share", "-0.1"),
        (lambda a: a.assess(secondary_likelihood=1.01), "secondary_likelihood", "1.01"),
        (lambda a: a.assess(death=3), "indicator", "'death'"),
        (lambda a: a.assess(deaths=True), "deaths", "True"),
        (lambda a: a.assess({"deaths": np.bool_(False)}), "deaths", "np.False_"),
        (lambda a: a.assess(deaths="3"), "deaths", "'3'"),
        (lambda a: a.assess({"deaths": 3}, deaths=4), "deaths", "4"),
        (lambda a: a.assess([("deaths", 3)]), "indicators", "[('deaths', 3)]"),
    ],
)
def test_bad_indicator_values(call, field, value):
    a = ck.SeverityAssessor()
    with pytest.raises(ck.InvalidInput) as e:
        call(a)
    assert isinstance(e.value, ValueError)
    assert e.value.field == field and e.value.value == value
    assert field in str(e.value) and value in str(e.value)


def test_growth_may_be_negative():
    r = ck.SeverityAssessor().assess(population_growth=-0.5, harm_growth=-2.0)
    assert r.trend == 0.0 and r.values == {"population_growth": -0.5, "harm_growth": -2.0}


def test_assess_frame_bad_input():
    a = ck.SeverityAssessor()
    with pytest.raises(ck.InvalidInput, match="columns = 'note'") as e:
        a.assess_frame(pd.DataFrame({"deaths": [1.0], "note": ["x"]}))
    assert e.value.field == "columns" and e.value.value == "'note'"
    assert a.assess_frame(pd.DataFrame({"deaths": [1.0], "note": ["x"]}), extra="ignore").harm.iloc[0] > 0
    with pytest.raises(ck.InvalidInput, match="extra"):
        a.assess_frame(pd.DataFrame({"deaths": [1.0]}), extra="drop")
    with pytest.raises(ck.InvalidInput, match="df"):
        a.assess_frame({"deaths": [1.0]})

    # A negative value in row k, in a frame long enough to span several worker blocks.
    n = 40_000
    rng = np.random.default_rng(3)
    df = pd.DataFrame({c: random_value(SPECS[NAMES.index(c)], rng, n) for c in ("deaths", "power_outage_share", "trapped")},
                      index=np.arange(n) + 1000)
    for k in (0, 255, 256, 17_000, n - 1):
        bad = df.copy()
        bad.iloc[k, 0] = -2.0
        with pytest.raises(ck.InvalidInput) as e:
            a.assess_frame(bad)
        assert (e.value.field, e.value.index, e.value.value) == ("deaths", k, "-2"), k
        assert f"deaths[{k}] = -2" in str(e.value)
    # The first bad row wins, whatever the column.
    bad = df.copy()
    bad.iloc[31_000, 0] = -2.0
    bad.iloc[30_999, 1] = 1.5
    with pytest.raises(ck.InvalidInput) as e:
        a.assess_frame(bad)
    assert (e.value.field, e.value.index, e.value.value) == ("power_outage_share", 30_999, "1.5")
    # ±inf is refused; NaN is missing.
    bad = df.copy()
    bad.iloc[5, 2] = np.inf
    with pytest.raises(ck.InvalidInput) as e:
        a.assess_frame(bad)
    assert (e.value.field, e.value.index) == ("trapped", 5)
    # Non-numeric columns.
    with pytest.raises(ck.InvalidInput) as e:
        a.assess_frame(pd.DataFrame({"deaths": [1.0, 2.0, "x", 4.0]}))
    assert (e.value.field, e.value.index, e.value.value) == ("deaths", 2, "'x'")
    with pytest.raises(ck.InvalidInput) as e:
        a.assess_frame(pd.DataFrame({"trapped": pd.Categorical(["a", "b"])}))
    assert e.value.field == "trapped"


# Regression (fixed): assess_frame converts non-numeric columns with pandas' float cast
# instead of refusing them: a datetime64 column is read as nanoseconds since
# the epoch (deaths = 1.6e18 → harm 10), booleans become 0/1 and numeric text
# is parsed — while assess(deaths=True) and assess(deaths="3") are refused.
# Repro: ck.SeverityAssessor().assess_frame(pd.DataFrame({"deaths": pd.to_datetime(["2020-01-01"])}))
#        returns harm 10.0 instead of raising InvalidInput.
@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"])),
        pd.Series([True, False]),
        pd.Series(["1", "2"], dtype=object),
    ],
    ids=["datetime64", "bool", "numeric-text"],
)
def test_regression_assess_frame_refuses_non_numeric_columns(column):
    with pytest.raises(ck.InvalidInput) as e:
        ck.SeverityAssessor().assess_frame(pd.DataFrame({"deaths": column}))
    assert e.value.field == "deaths"


def test_config_errors():
    base = [{"name": "deaths"}, {"name": "affected_population"}, {"name": "rainfall_24h_mm"}]
    cases = [
        (dict(indicators=[{"name": "x", "dimension": "scopes", "hi": 1}] + base), "indicators.dimension", 0, "'scopes'"),
        (dict(indicators=base + [{"name": "deaths"}]), "indicators.name", 3, "'deaths'"),
        (dict(indicators=[{"name": "deaths", "weight": 0}] + base[1:]), "indicators.weight", 0, "0"),
        (dict(indicators=base[:2] + [{"name": "rainfall_24h_mm", "weight": -1}]), "indicators.weight", 2, "-1"),
        (dict(indicators=[{"name": "deaths", "wieght": 2}] + base[1:]), "indicators", 0, "'wieght'"),
        (dict(indicators=base + [{"name": "new_one"}]), "indicators.hi", 3, "None"),
        (dict(indicators=base + [{"name": "x", "hi": 0, "lo": 1}]), "indicators.hi", 3, "0"),
        (dict(indicators=base + [{"name": "x", "hi": 1, "domain": "ratio"}]), "indicators.domain", 3, "'ratio'"),
        (dict(indicators=base + [{"name": "x", "hi": 1, "transform": "sqrt"}]), "indicators.transform", 3, "'sqrt'"),
        (dict(indicators=base[:2]), "indicators", None, "'trend'"),  # a dimension with no indicator
        (dict(indicators=base, within="median"), "within", None, "'median'"),
        (dict(indicators=base, within=["max", "max"]), "within", None, "['max', 'max']"),
        (dict(indicators=base, within={"method": "power", "p": 0.5}), "within.p", 0, "0.5"),
        (dict(indicators=base, overall={"method": "geometric", "shift": -1}), "overall.shift", None, "-1"),
        (dict(indicators=base, overall={"method": "max", "q": 1}), "overall", None, "'q'"),
        (dict(indicators=base, dimension_weights=(0, 0, 0)), "dimension_weights", None, "0"),
        (dict(indicators=base, dimension_weights=(1, -1, 1)), "dimension_weights", 1, "-1"),
        (dict(indicators=base, policy={"threshold": [1, 2, 3, 4]}), "policy", None, "'threshold'"),
    ]
    for kw, field, index, value in cases:
        with pytest.raises(ck.InvalidInput) as e:
            ck.SeverityConfig(**kw)
        assert isinstance(e.value, ValueError)
        assert e.value.field == field, (kw, str(e.value))
        assert e.value.index == index, (kw, str(e.value))
        assert e.value.value == value, (kw, str(e.value))
    with pytest.raises(ck.InvalidInput, match="config"):
        ck.SeverityConfig.from_dict({"indicators": base, "colour": "red"})
    with pytest.raises(ck.InvalidInput, match="config"):
        ck.SeverityAssessor(DEFAULT.to_dict())
    with pytest.raises(ck.InvalidInput):
        ck.SeverityConfig.from_bytes(DEFAULT.to_bytes()[:-3])


# Regression (fixed): SeverityConfig() with indicators=None (documented as "None for the
# built-in set", and the default) raises TypeError: the built-in spec dicts
# carry dimension/domain/transform as strings and bypass the conversion to
# enum codes that _specs() does. Every other argument is unusable without
# passing indicators explicitly. Repro: ck.SeverityConfig(within="max")
#   → TypeError: __init__(): incompatible constructor arguments.
def test_regression_default_indicators_constructor():
    assert ck.SeverityConfig() == DEFAULT
    c = ck.SeverityConfig(within="max", overall="arithmetic")
    assert c.names == NAMES and c.within == [{"method": "max"}] * 3
    ck.SeverityTracker(ck.SeverityConfig())


# ---- 7. round trips -------------------------------------------------------------


def _custom_config():
    return ck.SeverityConfig(
        indicators=HAND_INDICATORS + [{"name": "deaths", "hi": 50, "weight": 2.5}, {"name": "x", "hi": 3, "unit": "层",
                                                                                  "label_zh": "测试", "domain": "share"}],
        dimension_weights=(1.0, 2.0, 0.5),
        within=["max", {"method": "power", "p": 2.5}, {"method": "geometric", "shift": 0.5}],
        overall={"method": "power", "p": 3},
        policy={"thresholds": [1, 3, 5, 7], "margins": [0.1, 0.2, 0.3, 0.4], "dwells": [60, 120, 180, 240]},
    )


def test_config_round_trips():
    for c in (DEFAULT, _custom_config()):
        d = c.to_dict()
        back = ck.SeverityConfig.from_dict(json.loads(json.dumps(d, ensure_ascii=False)))
        assert back == c and hash(back) == hash(c)
        assert back.to_dict() == d
        assert pickle.loads(pickle.dumps(c)) == c
        assert ck.SeverityConfig.from_bytes(c.to_bytes()) == c
    c = _custom_config()
    assert c.dimension_weights == (1.0, 2.0, 0.5)
    assert c.within == [{"method": "max"}, {"method": "power", "p": 2.5}, {"method": "geometric", "shift": 0.5}]
    assert c.overall == {"method": "power", "p": 3.0}
    assert tuple(c.policy.thresholds) == (1, 3, 5, 7)
    spec = {s["name"]: s for s in c.indicators}
    # A built-in name with only some keys keeps the rest of the built-in spec.
    builtin = {s["name"]: s for s in SPECS}["deaths"]
    assert spec["deaths"] == {**builtin, "hi": 50.0, "weight": 2.5}
    assert spec["x"]["unit"] == "层" and spec["x"]["label_zh"] == "测试" and spec["x"]["dimension"] == "scope"
    frame = c.to_frame()
    assert frame.name.tolist() == c.names and list(frame.columns)[:3] == ["name", "dimension", "domain"]
    assert c != DEFAULT


def test_replace_changes_only_what_is_asked():
    c = _custom_config()
    before = c.to_dict()
    for change in (dict(within="arithmetic"), dict(overall="max"), dict(dimension_weights=(3, 2, 1)),
                   dict(policy={"thresholds": [2, 4, 6, 8]})):
        r = c.replace(**change)
        d = r.to_dict()
        (key,) = change
        assert d[key] != before[key]
        assert {k: v for k, v in d.items() if k != key} == {k: v for k, v in before.items() if k != key}
    assert c.replace(within="arithmetic").within == [{"method": "arithmetic"}] * 3
    assert c.replace(dimension_weights=(3, 2, 1)).dimension_weights == (3.0, 2.0, 1.0)
    assert c.to_dict() == before  # the original is unchanged
    assert c.replace() == c
    with pytest.raises(ck.InvalidInput):
        c.replace(colour="red")


# Regression (fixed): to_dict() drops an aggregation's parameters that the method ignores
# (p for max / arithmetic / geometric, shift for power / max / arithmetic),
# but __eq__ still compares them, so from_dict(to_dict()) is not equal to the
# original, contrary to the to_dict docstring ("rebuilds an equal config").
# Repro: c = ck.SeverityConfig(indicators=ck.SeverityConfig.default().indicators,
#                              within={"method": "max", "p": 3})
#        ck.SeverityConfig.from_dict(c.to_dict()) == c   → False
def test_regression_round_trip_with_ignored_aggregation_parameters():
    c = config_with({"method": "max", "p": 3}, {"method": "power", "p": 2, "shift": 1})
    assert ck.SeverityConfig.from_dict(c.to_dict()) == c


# Regression (fixed): SeverityConfig.__hash__ hashes the bytes while __eq__ compares values, so
# two equal configs can hash differently (-0.0 == 0.0 but their bytes differ),
# breaking the hash/eq contract (sets and dict keys). Repro:
#   base = [{"name": "deaths"}, {"name": "affected_population"}, {"name": "rainfall_24h_mm"}]
#   c1 = ck.SeverityConfig(indicators=[{"name": "x", "hi": 1, "lo": 0.0}] + base)
#   c2 = ck.SeverityConfig(indicators=[{"name": "x", "hi": 1, "lo": -0.0}] + base)
#   c1 == c2 → True, hash(c1) == hash(c2) → False
def test_regression_equal_configs_hash_equal():
    base = [{"name": "deaths"}, {"name": "affected_population"}, {"name": "rainfall_24h_mm"}]
    c1 = ck.SeverityConfig(indicators=[{"name": "x", "hi": 1, "lo": 0.0}] + base)
    c2 = ck.SeverityConfig(indicators=[{"name": "x", "hi": 1, "lo": -0.0}] + base)
    assert c1 == c2
    assert hash(c1) == hash(c2)


def test_pickle_assessor_result_tracker_table():
    a = ck.SeverityAssessor(_custom_config())
    a2 = pickle.loads(pickle.dumps(a))
    assert isinstance(a2, ck.SeverityAssessor) and a2.config == a.config
    vals = {"area": 50, "b": 3, "c": 12, "g": 0.4, "deaths": 2}
    r = a.assess(vals)
    assert a2.assess(vals).overall == r.overall
    r2 = pickle.loads(pickle.dumps(r))
    assert isinstance(r2, ck.SeverityResult)
    assert r2.overall == r.overall and r2.level == r.level and r2.missing == r.missing and r2.values == r.values
    assert r2.dimension_range == r.dimension_range and r2.overall_lo == r.overall_lo
    assert r2.explain().equals(r.explain())
    assert json.loads(json.dumps(r.to_dict())) == json.loads(json.dumps(r2.to_dict()))

    tr = ck.SeverityTracker(ck.SeverityAssessor(), interval=pd.Timedelta(minutes=45))
    tr.update("e1", T0, affected_population=100, deaths=1)
    tr.update("e1", T0 + HOUR, affected_population=300, deaths=2, harm_growth=0.3)
    tr.update("e2", T0 + 10, economic_loss_cny=1e6)
    tr.update("e1", T0 + 2 * HOUR, affected_population=250, trapped=3)
    back = pickle.loads(pickle.dumps(tr))
    assert isinstance(back, ck.SeverityTracker)
    pd.testing.assert_frame_equal(back.to_frame(), tr.to_frame())
    assert back.interval == tr.interval == pd.Timedelta(minutes=45)
    assert back.events == tr.events and back.to_bytes() == tr.to_bytes()
    assert [h.derived for h in back.history("e1")] == [h.derived for h in tr.history("e1")]
    rh = pickle.loads(pickle.dumps(tr.latest("e1")))
    assert rh.time == tr.latest("e1").time and rh.derived == tr.latest("e1").derived
    # Both carry on identically.
    for t in (tr, back):
        t.update("e1", T0 + 3 * HOUR, affected_population=500, deaths=4)
    pd.testing.assert_frame_equal(back.to_frame(), tr.to_frame())

    g = ck.GradingTable.builtin("production_safety")
    g2 = pickle.loads(pickle.dumps(g))
    assert g2 == g and hash(g2) == hash(g)
    assert g2.grade(deaths=12).grade == "重大"


# ---- 8. tracker -------------------------------------------------------------------


def test_tracker_derived_growth_and_explicit_values():
    tr = ck.SeverityTracker()
    r0 = tr.update("flood", T0, {"affected_population": 400, "deaths": 2, "missing": 3})
    assert r0.derived == [] and "population_growth" not in r0.values
    assert r0.time == pd.Timestamp(T0, unit="s", tz="UTC")
    # serious_injuries was not given at the previous assessment: left out of H.
    r1 = tr.update("flood", T0 + 2 * HOUR, affected_population=1000, deaths=5, missing=3, serious_injuries=4)
    assert r1.derived == ["population_growth", "harm_growth"]
    assert r1.values["population_growth"] == pytest.approx((1000 - 400) / 400)  # 1.5
    assert r1.values["harm_growth"] == pytest.approx((8 - 5) / 5)  # 0.6
    same = ck.SeverityAssessor().assess(affected_population=1000, deaths=5, missing=3, serious_injuries=4,
                                        population_growth=1.5, harm_growth=0.6)
    assert r1.trend == pytest.approx(same.trend, rel=1e-12) and r1.overall == pytest.approx(same.overall, rel=1e-12)
    # Explicit values win; what is still derivable is derived.
    r2 = tr.update("flood", T0 + 3 * HOUR, affected_population=1000, deaths=5, population_growth=0.1)
    assert r2.values["population_growth"] == 0.1
    assert r2.derived == ["harm_growth"] and r2.values["harm_growth"] == 0.0
    # Shrinking is negative growth; growth from 0 divides by 1.
    r3 = tr.update("flood", T0 + 4 * HOUR, affected_population=250, deaths=5)
    assert r3.values["population_growth"] == pytest.approx(-0.75)
    tr.update("quake", T0 + HOUR, deaths=0)
    r4 = tr.update("quake", T0 + 2 * HOUR, deaths=3)
    assert r4.values["harm_growth"] == 3.0 and r4.derived == ["harm_growth"]
    # Nothing to compare with: nothing derived.
    r5 = tr.update("quake", T0 + 3 * HOUR, affected_population=50)
    assert r5.derived == [] and "harm_growth" not in r5.values

    assert tr.events == ["flood", "quake"] and len(tr) == 2 and "flood" in tr and "fire" not in tr
    assert len(tr.history("flood")) == 4
    assert tr.latest("flood").values == r3.values

    df = tr.to_frame()
    assert list(df.columns) == ["event", "time", "scope", "harm", "trend", "overall", "overall_lo", "overall_hi",
                                "level", "n_missing", "derived", *NAMES, "level_name"]
    assert df.event.tolist() == ["flood"] * 4 + ["quake"] * 3
    assert df.derived.tolist() == ["", "population_growth,harm_growth", "harm_growth", "population_growth,harm_growth",
                                   "", "harm_growth", ""]
    assert str(df.time.dt.tz) == "UTC"
    assert df.time.iloc[1] == pd.Timestamp(T0 + 2 * HOUR, unit="s", tz="UTC")
    assert df.level_name.cat.ordered and (df.level_name.cat.codes == df.level).all()
    assert df.population_growth.iloc[1] == pytest.approx(1.5) and math.isnan(df.population_growth.iloc[0])
    assert df.overall.tolist() == pytest.approx([h.overall for e in tr.events for h in tr.history(e)])
    assert (df.n_missing == [len(h.missing) for e in tr.events for h in tr.history(e)]).all()
    assert tr.to_frame("quake").event.tolist() == ["quake"] * 3


def test_tracker_clock():
    tr = ck.SeverityTracker()
    assert tr.interval == pd.Timedelta(hours=2)
    tr.update("a", T0, deaths=1)
    tr.update("b", T0 + HOUR, deaths=1)
    assert tr.next_due("a") == pd.Timestamp(T0 + 2 * HOUR, unit="s", tz="UTC")
    assert not tr.due("a", T0 + 2 * HOUR - 1)  # one second before
    assert tr.due("a", T0 + 2 * HOUR)  # exactly at last + 2 h
    assert tr.due("a", pd.Timestamp(T0 + 2 * HOUR, unit="s", tz="UTC"))
    assert not tr.due("a", dt.datetime.fromtimestamp(T0 + 2 * HOUR - 1, tz=dt.timezone(dt.timedelta(hours=8))))
    assert tr.due("a", np.datetime64(T0 + 2 * HOUR, "s"))
    assert tr.overdue(T0 + 2 * HOUR - 1) == []
    assert tr.overdue(T0 + 2 * HOUR) == ["a"]
    assert tr.overdue(T0 + 3 * HOUR - 1) == ["a"]
    assert tr.overdue(T0 + 3 * HOUR) == ["a", "b"]  # first-seen order
    tr.update("a", T0 + 2 * HOUR + 30, deaths=2)  # re-assessed: the clock restarts
    assert not tr.due("a", T0 + 4 * HOUR + 29) and tr.due("a", T0 + 4 * HOUR + 30)
    assert tr.overdue(T0 + 3 * HOUR) == ["b"]
    with pytest.raises(ck.InvalidInput, match="event"):
        tr.due("zz", T0)
    with pytest.raises(ValueError, match="naive"):
        tr.due("a", dt.datetime(2024, 1, 1))

    for interval in (pd.Timedelta(minutes=30), 1800, 1800.0, dt.timedelta(minutes=30), np.timedelta64(30, "m")):
        t = ck.SeverityTracker(ck.SeverityAssessor(), interval=interval)
        assert t.interval == pd.Timedelta(minutes=30)
        t.update("x", T0, rainfall_24h_mm=10)
        assert not t.due("x", T0 + 1799) and t.due("x", T0 + 1800)
        assert t.next_due("x") == pd.Timestamp(T0 + 1800, unit="s", tz="UTC")
    assert ck.SeverityTracker(DEFAULT).assessor.config == DEFAULT
    for bad in (0, -5, pd.Timedelta(0)):
        with pytest.raises(ck.InvalidInput, match="interval"):
            ck.SeverityTracker(interval=bad)
    with pytest.raises(ck.InvalidInput, match="assessor"):
        ck.SeverityTracker("default")


def test_tracker_rejected_updates_change_nothing():
    tr = ck.SeverityTracker()
    tr.update("e", T0, deaths=1, affected_population=10)
    tr.update("e", T0 + HOUR, deaths=2, affected_population=20)
    before = tr.to_frame()
    bytes_before = tr.to_bytes()
    bad_calls = [
        (lambda: tr.update("e", T0 + HOUR - 1, deaths=3), "time"),  # time going backwards
        (lambda: tr.update("e", T0 + HOUR, deaths=3), "time"),  # not after the last
        (lambda: tr.update("e", T0 + 2 * HOUR, deaths=-3), "deaths"),
        (lambda: tr.update("e", T0 + 2 * HOUR, nonsense=1), "indicator"),
        (lambda: tr.update("e", T0 + 2 * HOUR, deaths="3"), "deaths"),
        (lambda: tr.update("new", T0, nonsense=2), "indicator"),
        (lambda: tr.update("new", T0, power_outage_share=2.0), "power_outage_share"),
        (lambda: tr.update("", T0, deaths=1), "event"),
    ]
    for call, field in bad_calls:
        with pytest.raises(ck.InvalidInput) as e:
            call()
        assert e.value.field == field
    with pytest.raises(ck.InvalidInput, match="offset"):
        tr.update("e", "2030-01-01T00:00:00", deaths=3)
    assert len(tr.history("e")) == 2
    pd.testing.assert_frame_equal(tr.to_frame(), before)
    assert tr.to_bytes() == bytes_before
    assert tr.events == ["e"] and "new" not in tr and len(tr) == 1
    with pytest.raises(ck.InvalidInput, match="event"):
        tr.history("new")
    with pytest.raises(ck.InvalidInput, match="event"):
        tr.next_due("new")
    # The clock did not move either.
    assert tr.next_due("e") == pd.Timestamp(T0 + 3 * HOUR, unit="s", tz="UTC")
    # After the rejections a valid update derives from the last accepted one.
    r = tr.update("e", T0 + 2 * HOUR, deaths=4, affected_population=30)
    assert r.values["harm_growth"] == pytest.approx(1.0) and r.values["population_growth"] == pytest.approx(0.5)


# ---- 9. national grading -----------------------------------------------------------

GRADES = {
    "特别重大": ("Ⅰ", L.EMERGENCY, "particularly serious"),
    "重大": ("Ⅱ", L.WARNING, "serious"),
    "较大": ("Ⅲ", L.ATTENTION, "relatively serious"),
    "一般": ("Ⅳ", L.GENERAL, "ordinary"),
}
BOUNDARIES = [
    ("deaths", 3, "一般", "较大"),
    ("deaths", 10, "较大", "重大"),
    ("deaths", 30, "重大", "特别重大"),
    ("serious_injuries", 10, "一般", "较大"),
    ("serious_injuries", 50, "较大", "重大"),
    ("serious_injuries", 100, "重大", "特别重大"),
    ("economic_loss_cny", 1e7, "一般", "较大"),
    ("economic_loss_cny", 5e7, "较大", "重大"),
    ("economic_loss_cny", 1e8, "重大", "特别重大"),
]


def _check_grade(g, name):
    roman, level, en = GRADES[name]
    assert (g.grade, g.roman, g.level, g.name_en) == (name, roman, level, en)
    assert isinstance(g.level, ck.AlertLevel)
    assert g.missing == [] and g.could_be is None and len(g.reasons) >= 1


@pytest.mark.parametrize("indicator,threshold,below_grade,at_grade", BOUNDARIES)
def test_production_safety_boundaries(indicator, threshold, below_grade, at_grade):
    table = ck.GradingTable.builtin("production_safety")

    def grade(v):
        x = {"deaths": 0, "serious_injuries": 0, "economic_loss_cny": 0, indicator: v}
        return ck.national_grade("production_safety", **x), table.grade(x)

    for v, want in [(threshold - 1, below_grade), (float(np.nextafter(threshold, 0)), below_grade),
                    (threshold, at_grade), (threshold + 1, at_grade)]:
        by_name, by_table = grade(v)
        _check_grade(by_name, want)
        assert by_name == by_table
        # The reason quotes the regulation's criterion on the indicator that decided.
        if want != "一般":
            assert len(by_name.reasons) == 1
    g = grade(threshold)[0]
    unit = {"deaths": "死亡", "serious_injuries": "重伤", "economic_loss_cny": "经济损失"}[indicator]
    assert unit in g.reasons[0] and "以上" in g.reasons[0]


def test_production_safety_any_of_missing_and_legacy():
    zero = ck.national_grade("production_safety", deaths=0, serious_injuries=0, economic_loss_cny=0)
    _check_grade(zero, "一般")
    assert len(zero.reasons) == 3
    g = ck.national_grade("production_safety", deaths=5, serious_injuries=0, economic_loss_cny=6e7)
    _check_grade(g, "重大")
    assert g.reasons == ["5000万元以上1亿元以下直接经济损失"]
    assert "重大" in str(g) and "WARNING" in str(g)
    # Missing indicators: reported, and the grade is a lower bound.
    g = ck.national_grade("production_safety", deaths=12)
    assert (g.grade, g.level) == ("重大", L.WARNING)
    assert g.missing == ["economic_loss_cny", "serious_injuries"] and g.could_be == "特别重大"
    assert "could still be 特别重大" in str(g)
    g = ck.national_grade("production_safety", deaths=40)
    assert g.grade == "特别重大" and g.could_be is None and g.missing == ["economic_loss_cny", "serious_injuries"]
    g = ck.national_grade("production_safety", deaths=1, serious_injuries=60)
    assert g.grade == "重大" and g.could_be == "特别重大" and g.missing == ["economic_loss_cny"]
    none = ck.national_grade("production_safety")
    assert none.grade is None and none.roman is None and none.level == L.NONE and none.could_be == "特别重大"
    assert "no grade" in str(none)
    # Legacy form: an AlertLevel (or its number / name) → national grade number.
    assert ck.national_grade(ck.AlertLevel.EMERGENCY) == 1
    assert [ck.national_grade(lv) for lv in (L.WARNING, L.ATTENTION, L.GENERAL, L.NONE)] == [2, 3, 4, 0]
    assert ck.national_grade(4) == 1 and ck.national_grade("warning") == 2
    # Bad input.
    with pytest.raises(ck.InvalidInput, match="death") as e:
        ck.national_grade("production_safety", death=3)
    assert e.value.field == "death" and "deaths" in str(e.value)
    for kw, field in ((dict(deaths=-1), "deaths"), (dict(deaths=float("nan")), "deaths"),
                      (dict(economic_loss_cny=float("inf")), "economic_loss_cny"), (dict(deaths=True), "deaths")):
        with pytest.raises(ck.InvalidInput) as e:
            ck.national_grade("production_safety", **kw)
        assert e.value.field == field
    with pytest.raises(ck.InvalidInput, match="table"):
        ck.national_grade("flood_control", deaths=3)
    with pytest.raises(ck.InvalidInput, match="table"):
        ck.GradingTable.builtin("flood_control")


def test_user_grading_table():
    spec = {
        "name": "flood",
        "source": "某市防汛应急预案",
        "grades": [
            {"name": "重大", "name_en": "major", "roman": "Ⅱ", "level": "WARNING",
             "any_of": [{"indicator": "deaths", "more_than": 10, "text": "死亡超过10人"},
                        {"indicator": "affected_population", "at_least": 1e5}]},
            {"name": "一般", "roman": "Ⅳ", "level": 1,
             "any_of": [{"indicator": "deaths", "at_most": 10, "text": "死亡不超过10人"},
                        {"indicator": "affected_population", "more_than": 0, "below": 1e5}]},
        ],
    }
    t = ck.GradingTable.from_dict(spec)
    assert t.name == "flood" and t.source == "某市防汛应急预案"
    assert t.indicators == ["affected_population", "deaths"]
    assert t.grade(deaths=10).grade == "一般"  # 不超过 includes 10
    assert t.grade(deaths=10.5).grade == "重大"  # 超过 excludes 10
    assert t.grade(deaths=11).level == L.WARNING
    assert t.grade(deaths=0).grade == "一般" and t.grade(deaths=0).could_be == "重大"
    assert t.grade(affected_population=0).grade is None  # more_than 0 excludes 0
    assert t.grade(affected_population=1e5).reasons == ["affected_population"]  # no text: the indicator
    assert ck.national_grade(t, deaths=11).grade == "重大"
    assert t.grades[1]["level"] == "GENERAL"
    # Round trips.
    d = t.to_dict()
    assert ck.GradingTable.from_dict(d) == t
    assert ck.GradingTable.from_dict(json.loads(json.dumps(d, ensure_ascii=False))) == t
    assert ck.GradingTable.from_bytes(t.to_bytes()) == t and pickle.loads(pickle.dumps(t)) == t
    assert d["grades"][0]["any_of"][0] == {"indicator": "deaths", "more_than": 10.0, "text": "死亡超过10人"}
    builtin = ck.GradingTable.builtin()
    assert ck.GradingTable.from_dict(builtin.to_dict()) == builtin and builtin != t
    frame = builtin.to_frame()
    assert len(frame) == 12 and frame.grade.unique().tolist() == ["特别重大", "重大", "较大", "一般"]
    # Unknown indicator, bad tables.
    with pytest.raises(ck.InvalidInput) as e:
        t.grade(serious_injuries=3)
    assert e.value.field == "serious_injuries"
    bad_tables = [
        {"name": "x", "grades": []},
        {"name": "x", "grades": [{"name": "a", "level": "GENERAL", "any_of": [{"indicator": "d"}]}]},
        {"name": "x", "grades": [{"name": "a", "level": "GENERAL", "any_of": [{"indicator": "d", "at_least": 5, "below": 3}]}]},
        {"name": "x", "grades": [{"name": "a", "level": "GENERAL", "any_of": [{"indicator": "d", "atleast": 5}]}]},
        {"name": "x", "grades": [{"name": "a", "level": "GENERAL", "any_of": [{"indicator": "d", "at_least": "5"}]}]},
        {"name": "x", "grades": [{"name": "a", "level": "BOGUS", "any_of": [{"indicator": "d", "at_least": 5}]}]},
        {"name": "x", "grades": [{"name": "a", "level": "GENERAL", "any_of": [{"indicator": "d", "at_least": 1,
                                                                                "more_than": 2}]}]},
        {"name": "x", "grades": [{"name": "a", "colour": "red", "any_of": []}]},
        {"name": "x", "grades": [], "version": 2},
    ]
    for b in bad_tables:
        with pytest.raises(ck.InvalidInput):
            ck.GradingTable.from_dict(b)


# ---- 10. secondary likelihood from a RiskMap ---------------------------------------


@pytest.fixture(scope="module")
def fitted_map():
    n = 12
    ids = np.array([f"c{i:02d}" for i in range(n)])
    rm = ck.RiskMap(ids=list(ids), lon=121.0 + 0.01 * (np.arange(n) % 4), lat=31.0 + 0.01 * (np.arange(n) // 4))
    rm.add_links(*rm.knn_links(2)[["src", "dst"]].to_numpy().T)
    rng = np.random.default_rng(5)
    m = 800
    rm.add_signals(ids[rng.integers(0, n, m)], T0 + np.sort(rng.integers(0, 30 * DAY, m)), "incident")
    rm.fit(max_iterations=60)
    return rm


def test_secondary_likelihood_matches_forecast(fitted_map):
    rm = fitted_map
    at = T0 + 30 * DAY
    fc = rm.forecast(at, horizon_hours=24).set_index("place")
    places = ["c01", "c07"]
    want = 1 - np.prod(1 - fc.loc[places, "p_any"].to_numpy())
    p = ck.secondary_likelihood(rm, at, places=places)
    assert 0 < p < 1
    assert p == pytest.approx(want, rel=1e-9)
    assert p >= fc.loc[places, "p_any"].max()
    assert ck.secondary_likelihood(rm, pd.Timestamp(at, unit="s", tz="UTC"), places=places) == pytest.approx(p, rel=1e-12)
    assert ck.secondary_likelihood(rm, at, places=["c01", "c01"]) == pytest.approx(fc.loc["c01", "p_any"], rel=1e-9)
    assert ck.secondary_likelihood(rm, at) == pytest.approx(1 - np.prod(1 - fc.p_any.to_numpy()), rel=1e-9)
    fc48 = rm.forecast(at, horizon_hours=48).set_index("place")
    assert ck.secondary_likelihood(rm, at, places=["c03"], horizon_hours=48) == pytest.approx(
        fc48.loc["c03", "p_any"], rel=1e-9)

    a = ck.SeverityAssessor()
    r = a.assess(deaths=2, risk_map=rm, at=at, places=places)
    assert r.values["secondary_likelihood"] == pytest.approx(p, rel=1e-12)
    assert r.overall == pytest.approx(a.assess(deaths=2, secondary_likelihood=p).overall, rel=1e-12)
    with pytest.raises(ck.InvalidInput, match="at"):
        a.assess(deaths=2, risk_map=rm, places=places)
    with pytest.raises(ck.InvalidInput, match="secondary_likelihood"):
        a.assess(deaths=2, secondary_likelihood=0.3, risk_map=rm, at=at, places=places)
    with pytest.raises(ck.InvalidInput) as e:
        ck.secondary_likelihood(rm, at, places=["c01", "zz"])
    assert (e.value.field, e.value.index, e.value.value) == ("places", 1, "'zz'")
    with pytest.raises(ck.InvalidInput, match="places"):
        a.assess(deaths=2, risk_map=rm, at=at, places=["zz"])
    with pytest.raises(ck.InvalidInput, match="risk_map"):
        ck.secondary_likelihood("not a map", at)


def test_secondary_likelihood_needs_a_fitted_map():
    rm = ck.RiskMap(ids=["a", "b"])
    rm.add_signals(["a"], T0, "incident")
    with pytest.raises(ck.StateError):
        ck.secondary_likelihood(rm, T0 + DAY, places=["a"])
    with pytest.raises(ck.StateError):
        ck.SeverityAssessor().assess(deaths=1, risk_map=rm, at=T0 + DAY)


# ---- 11. plots and reprs -------------------------------------------------------------


def test_plots_and_reprs():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    a = ck.SeverityAssessor()
    r = a.assess(deaths=12, affected_population=5e4, rainfall_24h_mm=120)
    tr = ck.SeverityTracker(a)
    tr.update("flood", T0, deaths=2, affected_population=1e4)
    tr.update("flood", T0 + 2 * HOUR, deaths=12, affected_population=5e4)
    tr.update("flood", T0 + 4 * HOUR, deaths=15, affected_population=6e4, rainfall_24h_mm=10)
    try:
        ax = r.plot_radar()
        assert isinstance(ax, Axes) and r.level.name in ax.get_title()
        ax = tr.plot("flood")
        assert isinstance(ax, Axes) and len(ax.get_lines()) >= 4
        ax = tr.plot_radar("flood")
        assert isinstance(ax, Axes)
        _, own = plt.subplots(subplot_kw={"projection": "polar"})
        assert r.plot_radar(ax=own) is own
        assert isinstance(a.assess().plot_radar(), Axes)  # nothing known: still draws
    finally:
        plt.close("all")

    for res in (r, a.assess(), tr.latest("flood")):
        text = repr(res)
        html = res._repr_html_()
        assert text and html
        assert res.level.name in text and res.level.name in html
    assert "missing" in r._repr_html_()
    assert "time=" in repr(tr.latest("flood"))
    assert "SeverityTracker(1 events" in repr(tr)
    assert "23 indicators" in repr(DEFAULT) and "SeverityAssessor(" in repr(a)
    assert "production_safety" in repr(ck.GradingTable.builtin())


# Regression (fixed): scores documented as 0–10 come out as 10.000000000000002 whenever a
# geometric mean (the default overall method) combines values at the cap:
# exp(ln(10 + 1)) − 1 is not exactly 10 and the result is not clamped.
# Repro: ck.SeverityAssessor().assess(deaths=1000).overall  → 10.000000000000002
#        ck.SeverityAssessor().assess().overall_hi         → 10.000000000000002
def test_regression_scores_stay_within_0_to_10():
    a = ck.SeverityAssessor()
    assert a.assess(deaths=1000).overall <= 10.0
    assert a.assess().overall_hi <= 10.0
    g = ck.SeverityAssessor(config_with("geometric"))
    assert g.assess(deaths=1000).dimension_range["harm"][1] <= 10.0
