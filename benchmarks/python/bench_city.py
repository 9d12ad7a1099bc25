"""The city instance of the matching core, end to end: a synthetic city of
about a million road nodes with flooded zones, 200 depots, 10,000 needs and
5 resource types (plus rescue teams), matched with ``ck.match``.

    .venv/bin/python benchmarks/python/bench_city.py [--side 1000] [--depots 200] [--needs 10000]
        [--teams 100] [--floods 6] [--seed 1] [--json OUT]

City (seeded, synthetic; nothing here is real data): a ``side × side`` grid
of intersections 100 m apart around 116.4°E 39.9°N (so 1000 × 1000 = 1 M
nodes over 100 km × 100 km). Every 10th street is an arterial at 50 km/h,
others 30 km/h, each edge's speed jittered ±20 %; 3 % of local street
segments are missing and 10 % are one-way. Flooded zones: ``--floods``
irregular 24-gons of 1–4 km radius near the centre, every edge touching one
is closed (``RoadNetwork.close_polygon``), and a ring of 2 km around each
flood is slowed ×3. Depots: random intersections, each stocking 3 of the 5
types (water, food, medical, blankets, pumps) at 200–2000 units. Needs:
random points (lon/lat, snapped to the nearest road node), a type,
quantity 5–120, a priority class drawn from the default table (hospitals and
nursing homes rarer), deadline 30 min for medical and 60–120 min otherwise.
Teams (skills medic / rescue / boat) answer rescue needs with a 30-minute
deadline.

Reports the time of each step (network build, floods, snapping, the C++
phases of ``ck.match`` — searches, flow, reasons, routes — and the rest of the
Python wrapper), the peak resident memory of the process, and the outcome
(served share per priority class, unmet reasons). Checks (exit 1 on failure):
no allocation exceeds stock or breaks a deadline; served + unmet = quantity.
Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import time
from typing import Any, Dict

import numpy as np
import pandas as pd

import crisiskit as ck

TYPES = ["water", "food", "medical", "blankets", "pumps"]
LON0, LAT0 = 116.4, 39.9
M_PER_DEG_LAT = 111_320.0


def rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build_city(side: int, rng: np.random.Generator) -> ck.RoadNetwork:
    step = 100.0
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(LAT0))
    ij = np.arange(side)
    lon = LON0 + (np.tile(ij, side) - side / 2) * step / m_per_deg_lon
    lat = LAT0 + (np.repeat(ij, side) - side / 2) * step / M_PER_DEG_LAT
    node = np.arange(side * side).reshape(side, side)  # node[row, col]
    h_from, h_to = node[:, :-1].ravel(), node[:, 1:].ravel()
    v_from, v_to = node[:-1, :].ravel(), node[1:, :].ravel()
    h_art = np.repeat(ij % 10 == 0, side - 1)  # rows that are arterials
    v_art = np.tile(ij % 10 == 0, side - 1)  # columns that are arterials
    frm = np.concatenate([h_from, v_from])
    to = np.concatenate([h_to, v_to])
    art = np.concatenate([h_art, v_art])
    keep = art | (rng.random(len(frm)) >= 0.03)
    frm, to, art = frm[keep], to[keep], art[keep]
    speed = np.where(art, 50.0, 30.0) * rng.uniform(0.8, 1.2, len(frm))
    oneway = ~art & (rng.random(len(frm)) < 0.10)
    return ck.RoadNetwork(side * side, frm, to, length_m=np.full(len(frm), step), speed_kmh=speed, oneway=oneway,
                          lon=lon, lat=lat)


def blob(rng: np.random.Generator, lon: float, lat: float, radius_m: float, k: int = 24) -> list:
    ang = np.sort(rng.uniform(0, 2 * math.pi, k))
    r = radius_m * rng.uniform(0.6, 1.0, k)
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(lat))
    return [(lon + x / m_per_deg_lon, lat + y / M_PER_DEG_LAT)
            for x, y in zip(r * np.cos(ang), r * np.sin(ang))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--side", type=int, default=1000)
    ap.add_argument("--depots", type=int, default=200)
    ap.add_argument("--needs", type=int, default=10_000)
    ap.add_argument("--teams", type=int, default=100)
    ap.add_argument("--floods", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    times: Dict[str, float] = {}
    rss0 = rss_mb()

    t0 = time.perf_counter()
    net = build_city(a.side, rng)
    times["build network"] = time.perf_counter() - t0
    lon, lat = net.lon, net.lat
    half_m = a.side * 100.0 / 2

    # Floods near the centre, a slowed ring around each.
    t0 = time.perf_counter()
    closed = 0
    for _ in range(a.floods):
        cx = LON0 + rng.uniform(-0.3, 0.3) * half_m / (M_PER_DEG_LAT * math.cos(math.radians(LAT0)))
        cy = LAT0 + rng.uniform(-0.3, 0.3) * half_m / M_PER_DEG_LAT
        radius = rng.uniform(1000, 4000)
        ring = net.edges_in_polygon(blob(rng, cx, cy, radius + 2000))
        inner = net.edges_in_polygon(blob(rng, cx, cy, radius))
        net.slow_edges(np.setdiff1d(ring, inner), 3.0)
        closed += len(net.close_polygon(blob(rng, cx, cy, radius)))
    times["floods (polygons)"] = time.perf_counter() - t0

    n = net.num_nodes
    depots = rng.choice(n, a.depots, replace=False)
    rows = []
    for k, d in enumerate(depots):
        for t in rng.choice(TYPES, 3, replace=False):
            rows.append({"id": f"depot{k}", "node": int(d), "type": t, "quantity": int(rng.integers(200, 2001))})
    supplies = pd.DataFrame(rows)
    span_lon, span_lat = np.ptp(lon), np.ptp(lat)
    prio = np.array(list(ck.PRIORITY_WEIGHTS))
    p_prio = np.array([0.01, 0.03, 0.06, 0.05, 0.75, 0.10])
    ntype = rng.choice(TYPES, a.needs)
    needs = pd.DataFrame({
        "id": [f"need{k}" for k in range(a.needs)],
        "lon": lon.min() + rng.random(a.needs) * span_lon,
        "lat": lat.min() + rng.random(a.needs) * span_lat,
        "type": ntype,
        "quantity": rng.integers(5, 121, a.needs),
        "priority": rng.choice(prio, a.needs, p=p_prio / p_prio.sum()),
        "deadline_min": np.where(ntype == "medical", 30.0, rng.choice([60.0, 90.0, 120.0], a.needs)),
    })
    k_rescue = max(1, a.needs // 50)
    rescue = pd.DataFrame({
        "id": [f"rescue{k}" for k in range(k_rescue)],
        "lon": lon.min() + rng.random(k_rescue) * span_lon,
        "lat": lat.min() + rng.random(k_rescue) * span_lat,
        "type": rng.choice(["medic", "rescue", "boat"], k_rescue),
        "quantity": rng.integers(1, 3, k_rescue),
        "priority": "hospital",
        "deadline_min": 30.0,
    })
    needs = pd.concat([needs, rescue], ignore_index=True)
    teams = pd.DataFrame({
        "id": [f"team{k}" for k in range(a.teams)],
        "node": rng.choice(n, a.teams, replace=False),
        "skills": [("|".join(rng.choice(["medic", "rescue", "boat"], int(rng.integers(1, 3)), replace=False)))
                   for _ in range(a.teams)],
        "headcount": rng.integers(4, 13, a.teams),
    })

    t0 = time.perf_counter()
    r = ck.match(net, supplies, needs, teams)
    wall = time.perf_counter() - t0
    sec = r.stats["seconds"]
    for k in ("search", "flow", "reasons", "routes"):
        times[f"match: {k} (C++)"] = sec[k]
    times["match: snapping, tables, frames (Python)"] = wall - sum(sec.values())
    times["match total"] = wall

    # Checks.
    ok = True
    stock = supplies.groupby(["id", "type"])["quantity"].sum()
    used = r.allocations[r.allocations["kind"] == "stock"].groupby(["supply", "type"])["quantity"].sum()
    ok &= bool((used <= stock.reindex(used.index)).all())
    dl = needs.set_index("id")["deadline_min"] * 60
    ok &= bool((r.allocations["time_s"].to_numpy() <= dl.reindex(r.allocations["need"]).to_numpy()).all())
    ok &= bool((r.needs["served"] + r.needs["unmet"] == r.needs["quantity"]).all())
    team_use = r.allocations[r.allocations["kind"] == "team"].groupby("supply")["quantity"].sum()
    ok &= bool((team_use <= 1).all())

    peak = rss_mb()
    report: Dict[str, Any] = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
                    "simd": ck.simd_path()},
        "instance": {"nodes": net.num_nodes, "edges": net.num_edges, "arcs": net.num_arcs, "closed_edges": closed,
                     "supply_rows": len(supplies), "depots": a.depots, "teams": a.teams, "needs": len(needs),
                     "types": len(TYPES), "candidate_pairs": r.stats["candidate_pairs"], "pivots": r.stats["pivots"]},
        "seconds": times,
        "memory_mb": {"peak_rss": peak, "before": rss0},
        "outcome": {"allocations": len(r.allocations), "served": int(r.needs["served"].sum()),
                    "quantity": int(r.needs["quantity"].sum()),
                    "coverage": r.coverage.set_index("priority")["share"].round(4).to_dict(),
                    "unmet_reasons": r.unmet["reason"].value_counts().to_dict(),
                    "worst_travel_time_min": r.worst_travel_time_s / 60},
        "checks_passed": ok,
    }
    print(f"city: {net.num_nodes:,} nodes, {net.num_edges:,} edges, {closed:,} closed by {a.floods} floods; "
          f"{len(supplies)} supply rows at {a.depots} depots, {a.teams} teams, {len(needs):,} needs, "
          f"{r.stats['candidate_pairs']:,} usable pairs")
    for k, v in times.items():
        print(f"  {k:45s} {v:8.3f} s")
    print(f"  peak RSS {peak:,.0f} MiB (before building: {rss0:,.0f} MiB)")
    print(f"  served {report['outcome']['served']:,} of {report['outcome']['quantity']:,} units; "
          f"coverage {report['outcome']['coverage']}")
    print(f"  unmet reasons: {report['outcome']['unmet_reasons']}")
    print("checks:", "passed" if ok else "FAILED")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2, default=float)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
