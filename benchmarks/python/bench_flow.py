"""Minimum-cost flow (``ck.min_cost_flow``, network simplex in C++) against
``networkx.network_simplex`` on the same NETGEN-style instances, in the same run.

    .venv/bin/python benchmarks/python/bench_flow.py [--sizes 1024,4096,16384] [--repeat 5]
        [--nx-repeat 3] [--nx-max-n 16384] [--budget 120] [--seed 1] [--json OUT]

Instances: a numpy port of the NETGEN-*style* generator of
``benchmarks/cpp/bench_flow.cpp`` (own code, not the original NETGEN), with the
same parameters: n nodes, m = 8n arcs, round(√n) pure sources and as many pure
sinks, total supply 1000·round(√n), costs U[1, 10000], capacities
U[1000, 5000], skeleton chains from every source through all transshipment
nodes to sinks so every instance is feasible, a quarter of the skeleton arcs
uncapacitated, arcs shuffled. Seeded with ``numpy.random.default_rng([seed,
n])``; the random streams differ from the C++ program's (mt19937_64), so the
instances are the same *kind*, not the same arcs. Parallel arcs occur, so
networkx gets a ``MultiDiGraph``.

What is timed (wall clock, best of k; a solver stops repeating at a size once
it spent ``--budget`` seconds there):

* ours: the whole ``ck.min_cost_flow(n, tail, head, capacity, cost, supply)``
  call from int64 numpy arrays (argument checks, the C++ solve with the GIL
  released, the result object).
* networkx *build*: making the ``MultiDiGraph`` from the same arrays (node
  ``demand`` = −supply, edge ``weight`` and ``capacity``; no ``capacity`` key on
  uncapacitated arcs), ``.tolist()`` conversions included.
* networkx *solve*: ``nx.network_simplex(G)`` on the built graph.

Both ratios are reported: ours ÷ solve (networkx's best case, graph already
built) and ours ÷ (build + solve) (what a caller starting from arrays pays).
The issue's target is ours ≥ 100× faster, i.e. ratio ≤ 0.01.

Checks (exit status 1 if any fails): the optimal total costs are identical
(integers, compared exactly), and our flow is checked independently in numpy
(0 ≤ x ≤ capacity, conservation at every node, Σ cost·x = reported cost).
Sizes above ``--nx-max-n`` run ours only. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any, Dict, List

import networkx as nx
import numpy as np

import crisiskit as ck
from crisiskit.matching import INFINITE_CAPACITY

from benchlib import best_within, fmt_t, machine, write_json

TARGET = 0.01  # the issue: at least 100x faster than networkx
MIN_COST, MAX_COST = 1, 10000
SKELETON_UNCAPACITATED = 0.25


# ---- instances -------------------------------------------------------------------
def netgen_style(n: int, seed: int, min_cap: int = 1000, max_cap: int = 5000) -> Dict[str, Any]:
    """The recipe of netgen_style() in benchmarks/cpp/bench_flow.cpp, step by
    step (numbers refer to its comment), vectorised where the order of draws
    does not matter for the distribution."""
    rng = np.random.default_rng([seed, n])
    S = T = max(1, round(math.sqrt(n)))
    m = 8 * n
    total = 1000 * S
    B = np.zeros(n, np.int64)
    tails: List[np.ndarray] = []
    heads: List[np.ndarray] = []
    caps: List[np.ndarray] = []
    uncapacitated = 0

    def skeleton_cap(need: np.ndarray) -> np.ndarray:
        nonlocal uncapacitated
        need = np.asarray(need, np.int64)
        cap = np.maximum(need, rng.integers(min_cap, max_cap, size=need.shape, endpoint=True))
        free = rng.random(need.shape) < SKELETON_UNCAPACITATED
        uncapacitated += int(free.sum())
        cap[free] = INFINITE_CAPACITY
        return cap

    # 1. Supply among the sources: each keeps p ∈ [1, q], gives q − p to a random source.
    q = total // S
    p = rng.integers(1, q, size=S, endpoint=True)
    B[:S] += p
    np.add.at(B, rng.integers(0, S, size=S), q - p)
    B[int(rng.integers(0, S))] += total % S

    # 2. Chains: transshipment nodes in random order, each appended to a random source's chain.
    trans = rng.permutation(np.arange(S, n - T, dtype=np.int64))
    owner = rng.integers(0, S, size=trans.size)
    order = np.argsort(owner, kind="stable")
    chain_node, chain_owner = trans[order], owner[order]  # grouped by source, in chain order
    if chain_node.size:
        starts = np.r_[True, chain_owner[1:] != chain_owner[:-1]]
        prev = np.r_[-1, chain_node[:-1]]
        tails.append(np.where(starts, chain_owner, prev))
        heads.append(chain_node)
        caps.append(skeleton_cap(B[chain_owner]))
    bounds = np.searchsorted(chain_owner, np.arange(S + 1))

    # 3. Sinks per source (every sink to a random source, plus 0-2 random extra
    #    sinks, at least one in all) and the arcs delivering each source's supply.
    sink_owner = rng.integers(0, S, size=T)
    for s in range(S):
        ks = [int(j) for j in (n - T + np.flatnonzero(sink_owner == s))]
        extra = max(int(rng.integers(0, 3)), 0 if ks else 1)
        for _ in range(extra):
            j = int(rng.integers(n - T, n))
            if j not in ks:
                ks.append(j)
        b = int(B[s])
        cut = np.sort(np.r_[0, rng.integers(0, b, size=len(ks) - 1, endpoint=True), b])
        portion = np.diff(cut)
        chain = np.r_[s, chain_node[bounds[s]:bounds[s + 1]]]
        tails.append(chain[rng.integers(0, chain.size, size=len(ks))])
        heads.append(np.asarray(ks, np.int64))
        caps.append(skeleton_cap(portion))
        np.subtract.at(B, ks, portion)
    skeleton = sum(t.size for t in tails)

    # 4. Random arcs up to m: tail over non-sinks, head over non-sources, no self-loops.
    need = m - skeleton
    t = np.empty(0, np.int64)
    h = np.empty(0, np.int64)
    while t.size < need:
        k = need - t.size + 64
        tt = rng.integers(0, n - T, size=k)
        hh = rng.integers(S, n, size=k)
        keep = tt != hh
        t, h = np.r_[t, tt[keep]], np.r_[h, hh[keep]]
    tails.append(t[:need])
    heads.append(h[:need])
    caps.append(rng.integers(min_cap, max_cap, size=need, endpoint=True))

    # 5. Costs (skeleton included) and a random arc order.
    tail, head, cap = (np.concatenate(x).astype(np.int64) for x in (tails, heads, caps))
    cost = rng.integers(MIN_COST, MAX_COST, size=m, endpoint=True).astype(np.int64)
    perm = rng.permutation(m)
    return dict(n=n, tail=tail[perm], head=head[perm], capacity=cap[perm], cost=cost[perm], supply=B,
                sources=S, sinks=T, total_supply=total, skeleton_arcs=skeleton, uncapacitated=uncapacitated)


# ---- solvers and checks ----------------------------------------------------------
def ours(I: Dict[str, Any]) -> ck.FlowResult:
    return ck.min_cost_flow(I["n"], I["tail"], I["head"], I["capacity"], I["cost"], I["supply"])


def nx_build(I: Dict[str, Any]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_nodes_from((v, {"demand": -d}) for v, d in enumerate(I["supply"].tolist()))
    inf = int(INFINITE_CAPACITY)
    G.add_edges_from((t, h, {"weight": c} if u == inf else {"weight": c, "capacity": u})
                     for t, h, c, u in zip(I["tail"].tolist(), I["head"].tolist(), I["cost"].tolist(),
                                           I["capacity"].tolist()))
    return G


def check_flow(I: Dict[str, Any], r: ck.FlowResult) -> List[str]:
    """Independent check of our result: bounds, conservation, Σ c·x."""
    errs = []
    if not r.optimal:
        return [f"ours: status {r.status}"]
    x, cap = r.flow, I["capacity"]
    if x.shape != cap.shape or (x < 0).any() or (x > cap).any():
        errs.append("ours: flow outside [0, capacity]")
    net = np.zeros(I["n"], np.int64)
    np.add.at(net, I["tail"], x)
    np.subtract.at(net, I["head"], x)
    if not np.array_equal(net, I["supply"]):
        errs.append(f"ours: conservation fails at {int((net != I['supply']).sum())} nodes")
    if int(np.dot(I["cost"], x)) != r.cost:
        errs.append("ours: reported cost differs from Σ cost·flow")
    return errs


def parse_sizes(s: str) -> List[int]:
    return [int(x) for x in s.split(",") if x]


# ---- main --------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=[1024, 4096, 16384])
    ap.add_argument("--repeat", type=int, default=5, help="runs of ours per size (best counts)")
    ap.add_argument("--nx-repeat", type=int, default=3, help="runs of networkx build and solve per size")
    ap.add_argument("--nx-max-n", type=int, default=16384, help="larger sizes run ours only")
    ap.add_argument("--budget", type=float, default=120.0, help="seconds after which a solver stops repeating at a size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="OUT", default=None)
    a = ap.parse_args()
    if any(n < 16 for n in a.sizes):
        ap.error("sizes must be >= 16")
    info = dict(machine(), networkx=nx.__version__, crisiskit=ck.__version__)
    print(f"# {info['processor']}, {info['cores']} cores, Python {info['python']}, numpy {info['numpy']}, "
          f"networkx {info['networkx']}, crisiskit {info['crisiskit']}", flush=True)
    print(f"# NETGEN-style instances (numpy port of bench_flow.cpp's generator), m = 8n, seed {a.seed}; "
          f"best of {a.repeat} (ours) / {a.nx_repeat} (networkx), at most {a.budget:.0f} s of repeats per solver "
          "and size", flush=True)

    rows: List[Dict[str, Any]] = []
    errors: List[str] = []
    for n in a.sizes:
        t0 = time.perf_counter()
        I = netgen_style(n, a.seed)
        m = int(I["tail"].size)
        print(f"# n = {n}: {m} arcs ({I['skeleton_arcs']} skeleton, {I['uncapacitated']} uncapacitated), "
              f"{I['sources']} sources, {I['sinks']} sinks, supply {I['total_supply']} "
              f"(generated in {time.perf_counter() - t0:.2f} s)", flush=True)
        t_ours, runs_ours, r = best_within(lambda: ours(I), a.repeat, a.budget)
        errs = check_flow(I, r)
        row: Dict[str, Any] = dict(n=n, m=m, ours_s=t_ours, ours_runs=runs_ours, cost=r.cost, pivots=r.pivots)
        print(f"#   ours       {fmt_t(t_ours)} ({runs_ours} runs), cost {r.cost}, {r.pivots} pivots", flush=True)
        if n <= a.nx_max_n:
            t_build, runs_build, G = best_within(lambda: nx_build(I), a.nx_repeat, a.budget)
            t_solve, runs_solve, (nx_cost, _) = best_within(lambda: nx.network_simplex(G), a.nx_repeat, a.budget)
            print(f"#   networkx   build {fmt_t(t_build)} ({runs_build} runs), solve {fmt_t(t_solve)} "
                  f"({runs_solve} runs), cost {nx_cost}", flush=True)
            if nx_cost != r.cost:
                errs.append(f"n = {n}: COST MISMATCH ours {r.cost} vs networkx {nx_cost}")
            row.update(nx_build_s=t_build, nx_solve_s=t_solve, nx_runs=[runs_build, runs_solve], nx_cost=nx_cost,
                       ratio_solve=t_ours / t_solve, ratio_build_solve=t_ours / (t_build + t_solve))
            del G
        errors += [f"n = {n}: {e}" for e in errs]
        rows.append(row)
        if errs:
            break

    if errors:
        print("AGREEMENT CHECK FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        return 1
    print("# agreement: optimal costs identical to networkx's at every size it ran; our flows pass the "
          "bounds / conservation / cost check", flush=True)

    print()
    print(f"| n | m | ours | networkx build | networkx solve | ours ÷ nx solve | ours ÷ nx (build + solve) | "
          f"≤ {TARGET} (100×) | pivots (ours) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for w in rows:
        if "nx_solve_s" in w:
            verdict = "met" if w["ratio_solve"] <= TARGET else "**missed**"
            print(f"| {w['n']:,} | {w['m']:,} | {fmt_t(w['ours_s'])} | {fmt_t(w['nx_build_s'])} | "
                  f"{fmt_t(w['nx_solve_s'])} | {w['ratio_solve']:.4f} ({1 / w['ratio_solve']:,.0f}×) | "
                  f"{w['ratio_build_solve']:.4f} ({1 / w['ratio_build_solve']:,.0f}×) | {verdict} | {w['pivots']:,} |")
        else:
            print(f"| {w['n']:,} | {w['m']:,} | {fmt_t(w['ours_s'])} | – | – | – | – | – | {w['pivots']:,} |")

    if a.json:
        res = dict(sizes=a.sizes, repeat=a.repeat, nx_repeat=a.nx_repeat, nx_max_n=a.nx_max_n, budget_s=a.budget,
                   seed=a.seed, machine=info, rows=rows, target_ratio=TARGET,
                   target_met=all(w["ratio_solve"] <= TARGET for w in rows if "ratio_solve" in w),
                   agreement="ok")
        write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
