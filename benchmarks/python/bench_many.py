"""Bounded many-to-many travel times against full one-to-all searches, on
the synthetic million-node city of bench_city.py (travel times synthetic).

    .venv/bin/python benchmarks/python/bench_many.py [--side 1000] [--sources 1000] [--targets 10000]
        [--limit-min 30] [--full-sample 50] [--threads 1] [--seed 1]

``RoadNetwork.travel_times(sources, targets, limit_s)`` (one bounded search
per source, per-thread scratch reset only where the search went) against
``RoadNetwork.times(source)`` (a full one-to-all search) from the same
sources, on one thread each by default so the ratio compares work, not
cores. The full searches are timed on the first ``--full-sample`` sources
and extrapolated linearly to ``--sources`` (printed as such). Checks that the
bounded times equal the full ones wherever they are within the limit on the
sampled sources. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from bench_city import build_city


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--side", type=int, default=1000)
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--targets", type=int, default=10_000)
    ap.add_argument("--limit-min", type=float, default=30.0)
    ap.add_argument("--full-sample", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    net = build_city(a.side, rng)
    n = net.num_nodes
    src = rng.choice(n, a.sources, replace=False)
    tgt = rng.choice(n, a.targets, replace=False)
    limit = a.limit_min * 60
    t0 = time.perf_counter()
    tt = net.travel_times(src, tgt, limit_s=limit, threads=a.threads)
    bounded = time.perf_counter() - t0
    k = min(a.full_sample, a.sources)
    ok = True
    t0 = time.perf_counter()
    for i in range(k):
        full = net.times(int(src[i]))[tgt]
        ok &= bool(np.array_equal(np.where(full <= limit, full, np.inf), tt[i]))
    full_s = (time.perf_counter() - t0) / k * a.sources
    print(f"{n:,} nodes; {a.sources} sources × {a.targets:,} targets, limit {a.limit_min:g} min, "
          f"{a.threads} thread(s); {int(np.isfinite(tt).sum()):,} pairs within the limit")
    print(f"  bounded many-to-many          {bounded:8.2f} s")
    print(f"  {a.sources} full one-to-all searches {full_s:8.2f} s (extrapolated from {k})")
    print(f"  ratio bounded ÷ full          {bounded / full_s:8.4f}  ({full_s / bounded:.1f}× faster)")
    print("checks:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
