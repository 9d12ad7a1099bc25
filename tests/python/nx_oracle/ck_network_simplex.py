"""networkx's ``network_simplex`` interface on top of ``ck.min_cost_flow``.

Used two ways by the test suite: as the oracle adapter (our result next to
networkx's on the same graph), and as a pytest plugin (``-p``) that replaces
``nx.network_simplex`` so networkx's own min-cost-flow tests run through our
primitive. Only the graph ↔ arrays translation and networkx's exception
types live here; every number comes from crisiskit.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

import crisiskit as ck

_original = nx.network_simplex


def network_simplex(G, demand="demand", capacity="capacity", weight="weight"):
    if not G.is_directed():
        raise nx.NetworkXNotImplemented("not implemented for undirected type")
    if G.number_of_nodes() == 0:
        raise nx.NetworkXError("graph has no nodes")
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    multi = G.is_multigraph()
    edges = list(G.edges(keys=True, data=True)) if multi else [(u, v, None, d) for u, v, d in G.edges(data=True)]
    supply = []
    for v in nodes:
        d = G.nodes[v].get(demand, 0)
        if math.isinf(d):
            raise nx.NetworkXError(f"node {v!r} has infinite demand")
        supply.append(-d)
    tail = [index[u] for u, _, _, _ in edges]
    head = [index[v] for _, v, _, _ in edges]
    cost, cap = [], []
    for u, v, _, d in edges:
        w = d.get(weight, 0)
        if math.isinf(w):
            raise nx.NetworkXError(f"edge {(u, v)!r} has infinite weight")
        c = d.get(capacity, math.inf)
        if c < 0:
            raise nx.NetworkXUnfeasible(f"edge {(u, v)!r} has negative capacity")
        cost.append(w)
        cap.append(c)
    if sum(supply) != 0:
        raise nx.NetworkXUnfeasible("total node demand is not zero")
    r = ck.min_cost_flow(len(nodes), np.asarray(tail, np.int64), np.asarray(head, np.int64),
                         np.asarray(cap, float) if any(math.isinf(c) for c in cap) else np.asarray(cap, np.int64),
                         np.asarray(cost, np.int64) if cost else np.zeros(0, np.int64), np.asarray(supply, np.int64))
    if r.status == "infeasible":
        raise nx.NetworkXUnfeasible("no flow satisfies all node demands")
    if r.status == "unbounded":
        raise nx.NetworkXUnbounded("negative cycle with infinite capacity found")
    flow_dict = {u: {} for u in nodes}
    for (u, v, k, _), f in zip(edges, r.flow.tolist()):
        if multi:
            flow_dict[u].setdefault(v, {})[k] = f
        else:
            flow_dict[u][v] = f
    return r.cost, flow_dict


def pytest_configure(config):
    nx.network_simplex = network_simplex
    # nx.min_cost_flow and friends look network_simplex up on the nx module at call time.
    import networkx.algorithms.flow.mincost as mc

    mc.nx.network_simplex = network_simplex


def pytest_unconfigure(config):
    nx.network_simplex = _original
