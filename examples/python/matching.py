"""Need-to-resource matching from Python (paired with
examples/cpp/matching_demo.cpp): a small grid town, a flooded block, two
depots and a rescue team, needs with priorities and deadlines; prints the
allocations with their routes, what could not be met and why, and the
coverage per priority class; then the same with a fairness constraint."""

import numpy as np
import pandas as pd

import crisiskit as ck

side = 6  # 6 × 6 intersections 200 m apart, streets at 30 km/h
x, y = np.meshgrid(np.arange(side), np.arange(side))
node = (y * side + x).ravel()
right = node[(x < side - 1).ravel()]
up = node[(y < side - 1).ravel()]
net = ck.RoadNetwork(side * side, np.concatenate([right, up]), np.concatenate([right + 1, up + side]),
                     length_m=200.0, speed_kmh=30.0,
                     lon=116.40 + 0.00235 * x.ravel(), lat=39.90 + 0.0018 * y.ravel())
flood = {"type": "Polygon", "coordinates": [[[116.4065, 39.9050], [116.4075, 39.9050], [116.4075, 39.9058],
                                             [116.4065, 39.9058], [116.4065, 39.9050]]]}
print("flood closes", len(net.close_polygon(flood)), "street segments")

supplies = pd.DataFrame({"id": ["depot-A", "depot-A", "depot-B"], "node": [0, 0, 35],
                         "type": ["water", "medical", "water"], "quantity": [100, 10, 40]})
teams = [{"id": "rescue-1", "node": 5, "skills": "rescue|boat", "headcount": 6}]
needs = pd.DataFrame({
    "id": ["nursing-home water", "nursing-home kits", "school water", "residents water", "trapped"],
    "node": [20, 20, 14, 33, 21],
    "type": ["water", "medical", "water", "water", "rescue"],
    "quantity": [60, 8, 70, 30, 1],
    "priority": ["nursing_home", "nursing_home", "school", "residential", "hospital"],
    "deadline_min": [30, 30, 30, 30, 30],
})
r = ck.match(net, supplies, needs, teams)
print(r)
print(r.allocations[["supply", "need", "type", "quantity", "time_s", "route"]].to_string(index=False))
print(r.unmet[["need", "unmet", "reason"]].to_string(index=False))
print(r.coverage.to_string(index=False))

fair = ck.match(net, supplies, needs, teams, fairness="need")
print("fairness: min share", round(fair.fairness["min_share"], 3), "instead of",
      round(fair.fairness["min_share_without"], 3), "costs", round(fair.fairness["cost_travel_time_s"]),
      "unit-seconds of travel")
