"""ck.derive_needs: needs from population and damage (include/crisiskit/match/need_rules.hpp).

Oracles: a hand-worked place under the published per-person standards, and a
pandas evaluation of the documented formulas on seeded random places.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import crisiskit as ck

BASIS = {
    "affected": lambda p: p.affected_share * p.population,
    "displaced": lambda p: p.displaced_share * p.affected_share * p.population,
    "without_water": lambda p: p.water_outage * p.population,
    "without_power": lambda p: p.power_outage * p.population,
    "trapped": lambda p: p.trapped,
    "vulnerable": lambda p: p.affected_share * p.vulnerable,
}


def test_default_rules_are_the_published_rates():
    r = ck.NEED_RULES.set_index("type")
    assert list(r.index) == ["water", "food", "tent", "medical_kit", "boat", "rescue"]
    assert (r.loc["water", "rate"], r.loc["water", "days"]) == (15, 3)  # Sphere: 15 L a person a day
    assert r.loc["food", "rate"] == 1  # one 2,100 kcal ration a person a day
    assert r.loc["tent", "rate"] * 3.5 == pytest.approx(0.7)  # 3.5 m² a person, family tents of 5 (17.5 m²)
    assert r.loc["medical_kit", "rate"] == 1 / 1000  # WHO IEHK basic unit: 1,000 people
    assert math.isinf(r.loc["tent", "deadline_s"]) and r.loc["boat", "deadline_s"] == 1800
    assert set(r["basis"]) <= set(ck.NEED_BASES)
    assert r["source"].str.len().min() > 10


def test_hand_worked_place():
    d = ck.derive_needs({"id": ["riverside"], "population": [10_000], "vulnerable": [1_000],
                         "affected_share": [0.4], "displaced_share": [0.25], "water_outage": [0.3],
                         "trapped": [37], "priority": ["养老院"], "node": [12]})
    assert d["type"].tolist() == ["water", "food", "tent", "medical_kit", "boat", "rescue"]
    # 3000 people × 15 L × 3 days; 1000 displaced × 3 rations; 1000 / 5 tents;
    # 4000 affected / 1000; ⌈37 / 8⌉ boats; ⌈37 / 50⌉ squads.
    assert d["quantity"].tolist() == [135_000, 3_000, 200, 4, 5, 1]
    assert d["need"].iloc[0] == "riverside/water" and (d["node"] == 12).all()
    # nursing-home weight 8 × (1 + 1000 / 10000)
    assert d["weight"].to_numpy() == pytest.approx(np.full(6, 8 * 1.1))
    assert d["deadline_s"].tolist()[:2] == [7200, 7200]


def test_random_places_against_pandas():
    rng = np.random.default_rng(11)
    rules = pd.concat([ck.NEED_RULES, pd.DataFrame({
        "type": ["generator", "care"], "basis": ["without_power", "vulnerable"],
        "rate": [0.002, 0.5], "days": [0, 2], "deadline_s": [3600, np.inf], "source": ["test", "test"]})],
        ignore_index=True)
    for trial in range(20):
        n = int(rng.integers(1, 60))
        pop = np.floor(rng.uniform(0, 30_000, n))
        places = pd.DataFrame({
            "place": [f"p{i}" for i in range(n)],
            "population": pop,
            "vulnerable": np.floor(rng.uniform(0, 1, n) * pop),
            "affected_share": np.where(rng.uniform(size=n) < 0.2, 0, rng.uniform(size=n)),
            "displaced_share": rng.uniform(size=n),
            "water_outage": np.where(rng.uniform(size=n) < 0.5, 0, rng.uniform(size=n)),
            "power_outage": rng.uniform(size=n),
            "trapped": np.floor(rng.uniform(0, 1, n) * np.minimum(pop, 400)),
            "priority": rng.choice(["school", "hospital", "residential", "居民区"], n),
            "lon": rng.uniform(120, 121, n), "lat": rng.uniform(30, 31, n),
        })
        gamma = float(rng.uniform(0, 2))
        got = ck.derive_needs(places, rules, gamma=gamma)
        want = []
        for _, p in places.iterrows():
            cls = ck.PRIORITY_WEIGHTS.get(p.priority, 2.0)  # 居民区 is residential (2)
            factor = 1 + gamma * p.vulnerable / max(p.population, 1)
            for _, r in rules.iterrows():
                people = BASIS[r.basis](p)
                q = math.ceil(people * r.rate * max(r.days, 1) - 1e-9)
                if q >= 1:
                    want.append((f"{p.place}/{r.type}", q, cls * factor, r.deadline_s, people, p.lon))
        assert len(got) == len(want)
        w = pd.DataFrame(want, columns=["need", "quantity", "weight", "deadline_s", "people", "lon"])
        assert got["need"].tolist() == w["need"].tolist()
        assert got["quantity"].tolist() == w["quantity"].tolist()
        np.testing.assert_allclose(got["weight"], w["weight"], rtol=1e-12)
        np.testing.assert_array_equal(got["deadline_s"], w["deadline_s"])
        np.testing.assert_allclose(got["people"], w["people"], rtol=1e-12)
        np.testing.assert_array_equal(got["lon"], w["lon"])


def test_derived_needs_feed_match():
    # A 5 × 5 grid of 100 m streets; places at two corners, a depot in the middle.
    k = 5
    frm, to = [], []
    for r in range(k):
        for c in range(k):
            v = r * k + c
            if c + 1 < k:
                frm.append(v), to.append(v + 1)
            if r + 1 < k:
                frm.append(v), to.append(v + k)
    net = ck.RoadNetwork(k * k, frm, to, length_m=100.0, speed_kmh=30.0)
    needs = ck.derive_needs({"id": ["school", "homes"], "population": [800, 3000], "vulnerable": [700, 300],
                             "affected_share": [1.0, 0.5], "displaced_share": [0.5, 0.2],
                             "priority": ["school", "residential"], "node": [0, 24]},
                            rules=ck.NEED_RULES[ck.NEED_RULES["type"].isin(["food", "tent"])])
    r = ck.match(net, {"node": [12, 12], "type": ["food", "tent"], "quantity": [1500, 100]}, needs)
    served = r.needs.set_index("need")["served"]
    # The school's weight (6 × 1.875) beats the homes' (2 × 1.1): it is served in full.
    assert served["school/food"] == 1200 and served["school/tent"] == 80
    assert served["homes/food"] == 300 and served["homes/tent"] == 20


@pytest.mark.parametrize("places, field, row, value", [
    ({"population": [100, -1], "affected_share": [0.1, 0.1]}, "places.population", 1, "-1"),
    ({"population": [100, 100], "affected_share": [0.1, 1.2]}, "places.affected_share", 1, "1.2"),
    ({"population": [100, 100], "affected_share": [0.1, 0.1], "vulnerable": [10, 101]}, "places.vulnerable", 1, "101"),
    ({"population": [100, 100], "affected_share": [0.1, 0.1], "trapped": [np.nan, 0]}, "places.trapped", 0, "nan"),
    ({"population": [100], "affected_share": [0.1], "priority": ["castle"]}, "places.priority", 0, "castle"),
    ({"population": [100, "many"], "affected_share": [0.1, 0.1]}, "places.population", 1, "many"),
    ({"population": [100, 100], "affected_share": [0.1, np.inf]}, "places.affected_share", 1, "inf"),
])
def test_bad_places_name_field_row_value(places, field, row, value):
    with pytest.raises(ValueError) as e:
        ck.derive_needs(places)
    assert isinstance(e.value, ck.InvalidInput)
    assert (e.value.field, e.value.index) == (field, row)
    assert value in str(e.value)


def test_empty_places_and_huge_population():
    assert len(ck.derive_needs({"population": [], "affected_share": []})) == 0
    with pytest.raises(ck.InvalidInput, match="more than 2\\^50 units at place row 0"):
        ck.derive_needs({"population": [1e30], "affected_share": [1.0]})


def test_bad_rules_and_missing_columns():
    with pytest.raises(ck.InvalidInput, match="places.affected_share"):
        ck.derive_needs({"population": [1]})
    bad = ck.NEED_RULES.copy()
    bad.loc[3, "basis"] = "wet"
    with pytest.raises(ck.InvalidInput, match=r"rules\.basis.*wet|wet.*rules\.basis"):
        ck.derive_needs({"population": [1], "affected_share": [1]}, bad)
    bad = ck.NEED_RULES.copy()
    bad.loc[2, "rate"] = -0.2
    with pytest.raises(ck.InvalidInput) as e:
        ck.derive_needs({"population": [1], "affected_share": [1]}, bad)
    assert (e.value.field, e.value.index) == ("rules.rate", 2)
    with pytest.raises(ck.InvalidInput, match="gamma"):
        ck.derive_needs({"population": [1], "affected_share": [1]}, gamma=-1)
