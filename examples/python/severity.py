"""Three-dimensional severity assessment from Python (paired with
examples/cpp/severity_demo.cpp): one event tracked every two hours,
explained, a thousand events assessed at once, and a national grade."""

import numpy as np
import pandas as pd

import crisiskit as ck

tracker = ck.SeverityTracker()  # default config, 2-hour re-assessment
t0 = pd.Timestamp("2024-07-24 06:00", tz="Asia/Shanghai")
tracker.update("flood-0724", t0, ck.Indicators(affected_area_km2=12, affected_population=8_000, vulnerable_share=0.22,
                                               deaths=0, trapped=35, power_outage_share=0.05, rainfall_24h_mm=180))
r = tracker.update("flood-0724", t0 + pd.Timedelta(hours=2),
                   affected_area_km2=30, affected_population=26_000, vulnerable_share=0.22, deaths=2, trapped=120,
                   power_outage_share=0.18, nursing_homes_affected=2, rainfall_24h_mm=220, secondary_likelihood=0.6)
print(r)
print("derived:", r.derived, "missing:", len(r.missing))
print(r.explain().round(3).to_string(index=False))
print(r.sensitivity()[["indicator", "value", "up_value", "up_level"]].dropna().to_string(index=False))
print("due at t0+4h:", tracker.due("flood-0724", t0 + pd.Timedelta(hours=4)))
print(tracker.to_frame()[["time", "scope", "harm", "trend", "overall", "level_name"]].to_string(index=False))

# Many events at once: columns named after indicators, NaN = missing.
rng = np.random.default_rng(0)
events = pd.DataFrame({
    "affected_population": rng.lognormal(8, 2, 1000),
    "deaths": rng.poisson(0.5, 1000).astype(float),
    "economic_loss_cny": rng.lognormal(14, 2, 1000),
    "rainfall_24h_mm": np.where(rng.random(1000) < 0.3, np.nan, rng.gamma(2, 40, 1000)),
}, index=pd.Index([f"ev-{i}" for i in range(1000)], name="event"))
table = ck.SeverityAssessor().assess_frame(events)
print(table["level_name"].value_counts().sort_index().to_string())

g = ck.national_grade("production_safety", deaths=12, serious_injuries=3, economic_loss_cny=2e7)
print(g)
