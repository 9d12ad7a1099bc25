"""Scenario engine, first part: a synthetic city under the flagship rainstorm.

    python examples/python/scenario_city.py [--population 1000000] [--seed 0]

Generates a city, runs the extreme rainstorm hourly for 72 hours, feeds its
signals to a risk map, applies the peak closures to the road network and
matches the needs derived from the damage to the depots' stock.
"""

import argparse

import pandas as pd

import crisiskit as ck

ap = argparse.ArgumentParser()
ap.add_argument("--population", type=int, default=1_000_000)
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()

city = ck.scenario.generate_city(args.population, seed=args.seed)
print(city)
print(city.summary().to_string())

t0 = pd.Timestamp("2026-07-20 00:00", tz="Asia/Shanghai")
storm = ck.scenario.Rainstorm(city, start=t0, seed=args.seed)
run = storm.run([t0 + pd.Timedelta(hours=h) for h in range(1, 73)])
print(run)
print(run.summary[["time", "rain_mm_max", "depth_m_max", "flooded_cells", "closed_edges", "trapped",
                   "without_power", "stopped_lines"]].iloc[::6].to_string(index=False))

rm = city.to_risk_map()
rm.add_signals(run.signals)
peak = max(run.states, key=lambda s: s.trapped.sum())
top = rm.to_frame(peak.time).sort_values("score", ascending=False).head(5)
print(f"highest risk at {peak.time}:")
print(top[["place", "kind", "score", "level"]].to_string(index=False))

net = city.road_network()
peak.apply_to(net)
needs = ck.derive_needs(peak.needs_places())
result = ck.match(net, city.depots, needs, teams=city.teams, routes=False)
print(f"needs: {len(needs)} lines, {int(needs.quantity.sum()):,} units; "
      f"trapped {peak.trapped.sum():,.0f}; served {int(result.allocations.quantity.sum()):,}, "
      f"unmet {int(result.unmet.unmet.sum()):,}")
print(result.coverage)
print(result.unmet.groupby(["type", "reason"]).unmet.sum().to_string())
