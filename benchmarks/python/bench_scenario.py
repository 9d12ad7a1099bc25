"""Scenario engine timings: city generation and one 72-hour hourly rainstorm
(the hazard alone: no risk map, matching or loop) at 1 M and 10 M people.

    .venv/bin/python benchmarks/python/bench_scenario.py [--populations 1000000 10000000] [--reps 3]

No peer computes the same synthetic city, so no ratio: the figures show the
generator and the hazard are not what limits a scenario run. Best of --reps.
"""

import argparse
import time

import pandas as pd

import crisiskit as ck


def best(fn, reps):
    out, times = None, []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--populations", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    t0 = pd.Timestamp("2026-07-20 00:00", tz="Asia/Shanghai")
    hours = [t0 + pd.Timedelta(hours=h) for h in range(1, 73)]
    print("| population | cells | places | road nodes / edges | generate_city | to DataFrames + RoadNetwork | "
          "72 h rainstorm (C++ steps) | per step | signals | peak closed edges | peak trapped |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for pop in args.populations:
        city, t_gen = best(lambda: ck.scenario.generate_city(pop, seed=0), args.reps)

        def frames():
            c = ck.scenario.City.from_bytes(city.to_bytes())
            _ = c.places, c.cells, c.depots, c.teams
            return c.road_network()
        _, t_frames = best(frames, args.reps)

        def storm():
            rs = ck.scenario.Rainstorm(city, start=t0, seed=0)
            core = rs._core
            return [core._step(t) for t in hours]  # the hazard alone, raw columns
        steps, t_storm = best(storm, args.reps)
        n_sig = sum(len(s["signals"]["place"]) for s in steps)
        closed = max(len(s["closed_edges"]) for s in steps)
        trapped = max(float(s["trapped"].sum()) for s in steps)
        s = city.summary()
        print(f"| {pop:,} | {int(s['cells']):,} | {len(city.places):,} | {int(s['nodes']):,} / {int(s['edges']):,} | {t_gen:.3f} s | "
              f"{t_frames:.3f} s | {t_storm:.3f} s | {1000 * t_storm / 72:.1f} ms | {n_sig:,} | {closed:,} | {trapped:,.0f} |")


if __name__ == "__main__":
    main()
