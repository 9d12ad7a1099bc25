"""ck.scenario.sweep: plans A/B/C × 2 seeds of a 72-hour rainstorm, sequential
vs a 2-thread pool vs a 2-process Dask LocalCluster, checking the frames are identical.

    .venv/bin/python benchmarks/python/bench_sweep.py [--population 200000] [--hours 72]

The peer is the sequential sweep on the same machine (the ratio is sequential ÷
parallel wall time; > 1 = faster). One run each; the Dask workers import
crisiskit before the clock starts, the cluster start-up is not timed.
"""

import argparse
import time

import pandas as pd

import crisiskit as ck


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    from dask.distributed import Client, LocalCluster

    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=200_000)
    ap.add_argument("--hours", type=int, default=72)
    a = ap.parse_args()
    city = ck.scenario.generate_city(a.population, seed=0)
    kw = dict(start=pd.Timestamp("2026-07-20 00:00", tz="Asia/Shanghai"), hours=a.hours)
    plans, seeds = ["A", "B", "C"], [0, 1]
    seq, t_seq = timed(lambda: ck.scenario.sweep(city, plans, seeds, **kw))
    thr, t_thr = timed(lambda: ck.scenario.sweep(city, plans, seeds, threads=2, **kw))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            Client(cl) as client:
        client.run(lambda: __import__("crisiskit"))
        dk, t_dk = timed(lambda: ck.scenario.sweep(city, plans, seeds, client=client, **kw))
    print(f"{a.population:,} people, {a.hours} h, {len(seq)} runs: sequential {t_seq:.2f} s, "
          f"threads=2 {t_thr:.2f} s ({t_seq / t_thr:.2f}x), Dask 2 processes {t_dk:.2f} s ({t_seq / t_dk:.2f}x); "
          f"identical: {seq.equals(thr) and seq.equals(dk)}")
    if not (seq.equals(thr) and seq.equals(dk)):
        raise SystemExit("the threaded or Dask sweep differs from the sequential one")


if __name__ == "__main__":
    main()
