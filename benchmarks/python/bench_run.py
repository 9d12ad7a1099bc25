"""ck.scenario.run: one 72-hour rainstorm at hourly steps, cost broken down by core.

    .venv/bin/python benchmarks/python/bench_run.py [--populations 200000 1000000] [--plans A B C]
                                                  [--hours 72] [--reps 1] [--markdown]

For each city size and plan: the wall time of the whole run and the seconds
spent in each core over all steps (``ScenarioResult.timings``: hazard, risk,
alert, severity, needs, match, ledger, incidents; ``timings_fixed``: setup
and review), plus the slowest step. The city is generated before the clock
starts (its cost is bench_scenario.py's). No peer: nothing else runs this
loop; the figure is the loop's own cost and where it goes. With ``--reps``
> 1 the fastest run is kept (the machine is shared).
"""

import argparse
import time

import pandas as pd

import crisiskit as ck

CORES = ("hazard", "risk", "alert", "severity", "needs", "match", "ledger", "incidents")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--populations", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--plans", nargs="+", default=["A", "B", "C"])
    ap.add_argument("--hours", type=float, default=72)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    t0 = pd.Timestamp("2026-07-20 00:00", tz="Asia/Shanghai")
    rows = []
    for n in a.populations:
        city = ck.scenario.generate_city(n, seed=0)
        city.road_network()  # memoised tables are part of the city, not of the run
        for plan in a.plans:
            best = None
            for _ in range(max(a.reps, 1)):
                t = time.perf_counter()
                r = ck.scenario.run(city, "rainstorm", plan=plan, start=t0, hours=a.hours, seed=a.seed)
                wall = time.perf_counter() - t
                if best is None or wall < best[0]:
                    best = (wall, r)
            wall, r = best
            per = r.timings.reindex(columns=list(CORES), fill_value=0.0)
            row = {"people": f"{n:,}", "plan": plan, "steps": len(r.times), "run_s": wall,
                   **{c: float(per[c].sum()) for c in CORES},
                   "setup+review": float(sum(r.timings_fixed.values())),
                   "slowest_step_s": float(per.sum(axis=1).max()),
                   "trapped_hours": float(r.kpis().trapped_hours), "units": float(r.kpis().units_handed_out)}
            rows.append(row)
            print(f"{n:,} people, plan {plan}: {wall:.2f} s for {len(r.times)} steps "
                  f"({wall / max(len(r.times), 1) * 1000:.0f} ms a step); "
                  + ", ".join(f"{c} {row[c]:.2f}" for c in (*CORES, "setup+review")), flush=True)
    out = pd.DataFrame(rows)
    print()
    print(out.round(3).to_markdown(index=False) if _has_tabulate() else out.round(3).to_string(index=False))


def _has_tabulate():
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    main()
