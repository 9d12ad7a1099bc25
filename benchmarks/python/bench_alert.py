"""Benchmarks for four-level grading, against peers in the same run.

    .venv/bin/python benchmarks/python/bench_alert.py [--n 20000000] [--subjects 1000000]

Prints one line per measurement and the ratios ours ÷ peer (time ratio: < 1
means crisiskit is faster). Times are the best of several repetitions of
the whole call from Python, including argument conversion. Asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import crisiskit as ck


def best(f, reps=7):
    out = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        f()
        out = min(out, time.perf_counter() - t)
    return out


def numpy_board_step(state, x, now, p):
    """The AlertBoard rule (escalate at once, release after margin + dwell) in
    vectorised numpy: the peer for a bulk update. No ids, history or obligations."""
    level, below = state
    thr = np.asarray(p.thresholds)
    rel = thr - np.asarray(p.margins)
    dw = np.asarray(p.dwells)
    is_below = x[:, None] < rel[None, :]
    below[:] = np.where(is_below, np.where(below == np.iinfo(np.int64).min, now, below), np.iinfo(np.int64).min)
    raw = np.searchsorted(thr, x, side="right").astype(np.int8)
    new = np.maximum(level, raw)
    down = raw < level
    for k in range(4, 0, -1):  # step down through released levels
        at_k = down & (new == k) & (new > raw)
        released = (below[:, k - 1] != np.iinfo(np.int64).min) & (now - below[:, k - 1] >= dw[k - 1])
        new = np.where(at_k & released, k - 1, new).astype(np.int8)
    level[:] = new


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000_000)
    ap.add_argument("--subjects", type=int, default=1_000_000)
    a = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, crisiskit {ck.__version__}")
    rng = np.random.default_rng(1)
    p = ck.GradingPolicy()
    thr = np.asarray(p.thresholds)

    s = rng.uniform(0, 100, a.n)
    out = np.empty(a.n, dtype=np.int8)
    t_ck = best(lambda: ck.grade(s, p, out=out))
    t_ck_alloc = best(lambda: ck.grade(s, p))
    t_ss = best(lambda: np.searchsorted(thr, s, side="right").astype(np.int8))
    t_dg = best(lambda: np.digitize(s, thr).astype(np.int8))
    t_sum = best(lambda: (s[:, None] >= thr[None, :]).sum(axis=1, dtype=np.int8), reps=3)
    assert (ck.grade(s, p) == np.searchsorted(thr, s, side="right")).all()
    peer = min(t_ss, t_dg, t_sum)
    print(f"grade {a.n:,} float64 scores (out=):    {t_ck * 1e3:8.1f} ms  {a.n / t_ck / 1e6:7.0f} M scores/s")
    print(f"grade {a.n:,} float64 scores (alloc):   {t_ck_alloc * 1e3:8.1f} ms  {a.n / t_ck_alloc / 1e6:7.0f} M scores/s")
    print(f"numpy searchsorted + astype(int8):      {t_ss * 1e3:8.1f} ms")
    print(f"numpy digitize + astype(int8):          {t_dg * 1e3:8.1f} ms")
    print(f"numpy broadcast compare + sum:          {t_sum * 1e3:8.1f} ms")
    print(f"RATIO grade(alloc) / fastest numpy = {t_ck_alloc / peer:.3f}  (speed-up {peer / t_ck_alloc:.1f}x)")

    m = a.subjects
    ids_list = [f"place-{i}" for i in range(m)]
    ids_np = np.array(ids_list)
    x = rng.uniform(0, 100, m)
    board = ck.AlertBoard()
    t_first = best(lambda: board.update(ids_list, x, 0), reps=1)
    clock = [0]

    def step(ids):
        clock[0] += 3600
        board.update(ids, x, clock[0])

    idx = board.index(ids_list)

    def step_idx():
        clock[0] += 3600
        board.update_indices(idx, x, clock[0])

    walk = [x]

    def moving(f):
        def g():
            walk[0] = np.clip(walk[0] + rng.normal(0, 3, m), 0, 100)
            x[:] = walk[0]
            f()
        return g

    t_list = best(lambda: step(ids_list), reps=5)
    t_np = best(lambda: step(ids_np), reps=5)
    perm_ids = [ids_list[i] for i in rng.permutation(m)]  # a different order from the last call: no position hint
    orders = [perm_ids, ids_list]

    def step_shuffled():
        orders.reverse()
        step(orders[0])

    t_shuf = best(step_shuffled, reps=4)
    t_idx = best(step_idx, reps=5)
    t_move = best(moving(step_idx), reps=5)
    t_walk_only = best(lambda: np.clip(walk[0] + rng.normal(0, 3, m), 0, 100), reps=5)

    level = np.zeros(m, dtype=np.int8)
    below = np.full((m, 4), np.iinfo(np.int64).min, dtype=np.int64)
    ref_clock = [0]

    def numpy_step():
        ref_clock[0] += 3600
        numpy_board_step((level, below), x, ref_clock[0], p)

    t_peer = best(numpy_step, reps=5)
    print(f"AlertBoard first update, {m:,} new ids:  {t_first * 1e3:8.1f} ms  {m / t_first / 1e6:7.2f} M/s")
    print(f"AlertBoard.update, list of str ids:     {t_list * 1e3:8.1f} ms  {m / t_list / 1e6:7.2f} M subject-updates/s")
    print(f"AlertBoard.update, numpy str ids:       {t_np * 1e3:8.1f} ms  {m / t_np / 1e6:7.2f} M subject-updates/s")
    print(f"AlertBoard.update, order changes:       {t_shuf * 1e3:8.1f} ms  {m / t_shuf / 1e6:7.2f} M subject-updates/s (hash lookups)")
    print(f"AlertBoard.update_indices:              {t_idx * 1e3:8.1f} ms  {m / t_idx / 1e6:7.2f} M subject-updates/s")
    print(f"update_indices with moving scores:      {(t_move - t_walk_only) * 1e3:8.1f} ms  (walk itself {t_walk_only * 1e3:.1f} ms excluded)")
    print(f"numpy peer (same rule, no ids/history): {t_peer * 1e3:8.1f} ms  {m / t_peer / 1e6:7.2f} M/s")
    print(f"RATIO update(list ids) / numpy peer = {t_list / t_peer:.3f}; update_indices / numpy peer = {t_idx / t_peer:.3f}")


if __name__ == "__main__":
    main()
