"""A small risk map from Python (paired with examples/cpp/risk_map_demo.cpp).

    .venv/bin/python examples/python/risk_map.py
"""

import numpy as np
import pandas as pd

import crisiskit as ck

places = pd.DataFrame(
    {
        "id": ["c1", "c2", "c3", "c4", "c5", "home-7"],
        "kind": ["community"] * 5 + ["nursing_home"],
        "lon": [121.470, 121.480, 121.490, 121.470, 121.480, 121.485],
        "lat": [31.230, 31.230, 31.230, 31.240, 31.240, 31.235],
        "population": [5200, 4100, 3900, 6100, 4800, 180],
        "vulnerable": [600, 450, 380, 700, 520, 170],
    }
)
rm = ck.RiskMap(places)
links = rm.knn_links(2)
rm.add_links(links.src, links.dst)

t0 = pd.Timestamp("2026-05-01", tz="Asia/Shanghai")
rng = np.random.default_rng(7)
history = pd.DataFrame(
    {
        "place": rng.choice(places.id, 150),
        "time": t0 + pd.to_timedelta(rng.integers(0, 60 * 86400, 150), unit="s"),
        "kind": "incident",
    }
)
background = pd.DataFrame(
    {
        "place": ["home-7" if i % 2 else "c3" for i in range(40)],
        "time": [t0 + pd.Timedelta(days=10) + pd.Timedelta(hours=30 * i) for i in range(40)],
        "kind": ["assistance" if i % 2 else "hazard" for i in range(40)],
    }
)
now = t0 + pd.Timedelta(days=60)
burst = pd.DataFrame(
    {
        "place": "home-7",
        "time": [now - pd.Timedelta(hours=h) for h in [3, 4, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23, 24, 25, 26, 27]],
        "kind": ["assistance"] * 8 + ["hazard"] * 8,
    }
)
rm.add_signals(pd.concat([history, background, burst]), confidence=0.9)

print(rm.to_frame(now)[["place", "kind", "score", "level_name"]])
print(rm.explain("home-7", now))
print(rm.latent_causes(now, detail=True))
print(rm.fit(utc_offset="+08:00"))
print(rm.forecast(now, horizon_hours=72))
