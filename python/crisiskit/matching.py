"""Need-to-resource matching (需求-资源匹配): the min-cost-flow primitive.

``min_cost_flow`` is exposed on its own because researchers use it directly;
the matching layer (``ck.match``, to come) is built on it; the module is ``matching`` so
that name stays free for the function.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import _core
from ._errors import invalid

__all__ = ["FlowResult", "RoadNetwork", "min_cost_flow"]

INFINITE_CAPACITY: int = _core._INFINITE_CAPACITY


@dataclass(frozen=True, eq=False)
class FlowResult:
    """Outcome of :func:`min_cost_flow`.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"infeasible"`` (supplies do not sum to 0 or cannot be
        routed within the capacities) or ``"unbounded"`` (a negative-cost cycle
        of infinite capacity).
    flow : numpy.ndarray of int64, shape (num_arcs,)
        Flow on each arc, in input order (all 0 unless optimal).
    cost : int
        Σ cost · flow (0 unless optimal).
    potential : numpy.ndarray of int64, shape (num_nodes,)
        Optimal node potentials π (empty unless optimal): every arc's reduced
        cost ``cost + π[tail] − π[head]`` is ≥ 0 where flow < capacity and
        ≤ 0 where flow > 0 — the certificate of optimality.
    pivots : int
        Network-simplex pivots performed.
    """

    status: str
    flow: np.ndarray
    cost: int
    potential: np.ndarray
    pivots: int

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def __repr__(self) -> str:
        return (f"FlowResult(status={self.status!r}, cost={self.cost}, arcs={len(self.flow)}, "
                f"arcs_with_flow={int(np.count_nonzero(self.flow))}, pivots={self.pivots})")


def _integers(values: Any, field: str, *, allow_inf: bool = False) -> np.ndarray:
    """int64 array from integers or integral floats (±inf → infinite capacity when allowed)."""
    a = np.asarray(values)
    if a.ndim != 1:
        raise invalid(field, None, a.ndim, "must be one-dimensional")
    if a.dtype.kind in "iub":
        return a if a.dtype == np.int64 and a.flags.c_contiguous else a.astype(np.int64)
    if a.dtype.kind != "f":
        if a.size == 0:
            return np.zeros(0, np.int64)
        raise invalid(field, None, str(a.dtype), "must be a numeric array of integers")
    bad = ~np.isfinite(a)
    if allow_inf:
        bad &= ~np.isposinf(a)
    frac = np.zeros(a.shape, bool)
    finite = np.isfinite(a)
    frac[finite] = a[finite] != np.floor(a[finite])
    wrong = np.flatnonzero(bad | frac)
    if wrong.size:
        i = int(wrong[0])
        raise invalid(field, i, float(a[i]), "must be an integer" + (" or inf" if allow_inf else ""))
    out = np.empty(a.shape, np.int64)
    out[finite] = a[finite].astype(np.int64)
    out[~finite] = INFINITE_CAPACITY
    return out


def min_cost_flow(num_nodes: int, tail: Any, head: Any, capacity: Optional[Any], cost: Any,
                  supply: Any) -> FlowResult:
    """Minimum-cost flow by the network simplex method (exact, integer).

    Parameters
    ----------
    num_nodes : int
        Nodes are ``0 .. num_nodes-1``.
    tail, head : array-like of int, shape (num_arcs,)
        Arc ``e`` goes from ``tail[e]`` to ``head[e]``. Parallel arcs and
        self-loops are allowed.
    capacity : array-like of int, shape (num_arcs,), or None
        Upper bound of each arc's flow (lower bounds are 0). ``None`` or
        ``numpy.inf`` entries mean unbounded. Integers (or integral floats).
    cost : array-like of int, shape (num_arcs,)
        Cost per unit of flow, any sign. Scale real-valued costs to integers
        first (e.g. travel time in seconds); |cost| ≤ 2^40 / (num_nodes + 1).
    supply : array-like of int, shape (num_nodes,)
        Net supply of each node: positive = source, negative = sink. This is
        networkx's ``-demand``. Must sum to 0 for a feasible problem.

    Returns
    -------
    FlowResult
        Infeasible and unbounded problems are results (``status``), not
        exceptions.

    Raises
    ------
    InvalidInput
        Naming the field, row and value: a node id out of range, a negative
        or non-integral capacity, a non-integral cost or supply, arrays of
        mismatched lengths.

    Notes
    -----
    Runs in C++ with the GIL released; int64 inputs are read without a copy.
    Thread-safe. The algorithm (primal network simplex, strongly feasible
    trees, block-search pivoting) and its exactness limits are described in
    ``include/crisiskit/match/min_cost_flow.hpp``.

    Examples
    --------
    >>> r = ck.min_cost_flow(4, tail=[0, 0, 1, 2], head=[1, 2, 3, 3],
    ...                      capacity=[4, 2, 4, 2], cost=[2, 2, 1, 3], supply=[5, 0, 0, -5])
    >>> r.status, r.cost, r.flow.tolist()
    ('optimal', 21, [4, 1, 4, 1])
    """
    try:
        n = operator.index(num_nodes)
    except TypeError:
        raise invalid("num_nodes", None, num_nodes, "must be an integer") from None
    t = _integers(tail, "tail")
    h = _integers(head, "head")
    u = None if capacity is None else _integers(capacity, "capacity", allow_inf=True)
    c = _integers(cost, "cost")
    b = _integers(supply, "supply")
    status, flow, total, potential, pivots = _core._min_cost_flow(n, t, h, u, c, b)
    return FlowResult(status, flow, int(total), potential, int(pivots))


def _limit(limit_s: Optional[float]) -> float:
    return math.inf if limit_s is None else float(limit_s)


def _threads(threads: Optional[int]) -> int:
    if threads is None:
        return 0
    k = operator.index(threads)
    if k < 1:
        raise invalid("threads", None, k, "must be at least 1 (or None for all cores)")
    return k


def _polygon_parts(polygon: Any) -> list:
    """[(lon, lat, ring_start)] per polygon of a GeoJSON-like (Multi)Polygon or a vertex list."""
    geo = getattr(polygon, "__geo_interface__", polygon)
    if isinstance(geo, dict):
        if geo.get("type") == "Feature":
            geo = geo.get("geometry") or {}
        kind = geo.get("type")
        if kind == "Polygon":
            polys = [geo.get("coordinates")]
        elif kind == "MultiPolygon":
            polys = list(geo.get("coordinates") or [])
        else:
            raise invalid("polygon.type", None, kind, "must be Polygon or MultiPolygon")
    else:
        polys = [[polygon]]
    parts = []
    for k, rings in enumerate(polys):
        arrays = []
        for j, ring in enumerate(rings or []):
            a = np.asarray(ring, dtype=float)
            if a.ndim != 2 or a.shape[1] < 2:
                raise invalid("polygon", k, f"ring {j} of shape {a.shape}", "rings must be lists of (lon, lat) pairs")
            arrays.append(a[:, :2])
        if not arrays:
            raise invalid("polygon", k, "[]", "a polygon needs at least one ring")
        starts = np.cumsum([0] + [len(a) for a in arrays[:-1]]).astype(np.int64)
        xy = np.concatenate(arrays)
        parts.append((np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]), starts))
    return parts


class RoadNetwork(_core._RoadNetworkCore):
    """A directed road graph whose travel times change during a crisis.

    Parameters
    ----------
    num_nodes : int
        Nodes are ``0 .. num_nodes-1``.
    from_, to : array-like of int, shape (num_edges,)
        Edge end nodes.
    time_s : array-like of float, optional
        Base travel time of each edge in seconds (finite, ≥ 0). Give this, or
        ``length_m`` with ``speed_kmh``.
    length_m, speed_kmh : array-like of float, optional
        Edge length in metres and speed in km/h (> 0): ``time_s = length_m /
        (speed_kmh / 3.6)``. A scalar applies to every edge.
    oneway : array-like of bool, optional
        ``True`` = only ``from_ → to``; default: every edge two-way (two arcs
        sharing the edge id, so damage to the edge closes both directions).
    lon, lat : array-like of float, optional
        Node coordinates in degrees (WGS 84).

    Damage (``close_edges``, ``slow_edges``) is applied in place, seen by the
    next query at once, and undone step by step with ``undo()`` or all at
    once with ``restore()``. Queries run in C++ with the GIL released; any
    number may run at once, and damage waits for running queries.

    Raises
    ------
    InvalidInput
        Naming the field, row and value: a node id out of range, a negative or
        NaN time, length or speed, coordinates out of range.
    """

    def __init__(self, num_nodes: int, from_: Any, to: Any, *, time_s: Any = None, length_m: Any = None,
                 speed_kmh: Any = None, oneway: Any = None, lon: Any = None, lat: Any = None) -> None:
        if time_s is None:
            if length_m is None or speed_kmh is None:
                raise invalid("time_s", None, None, "give time_s, or length_m with speed_kmh")
            m = len(np.atleast_1d(np.asarray(from_)))
            length = np.broadcast_to(np.asarray(length_m, dtype=float), (m,))  # scalars: the same for every edge
            speed = np.broadcast_to(np.asarray(speed_kmh, dtype=float), (m,))
            for name, arr, ok in (("length_m", length, np.isfinite(length) & (length >= 0)),
                                  ("speed_kmh", speed, np.isfinite(speed) & (speed > 0))):
                bad = np.flatnonzero(~ok)
                if bad.size:
                    i = int(bad[0])
                    raise invalid(name, i, float(arr[i]), "must be finite and " + ("≥ 0" if name == "length_m" else "> 0"))
            time_s = length / (speed / 3.6)
        ow = None if oneway is None else np.asarray(oneway).astype(np.int64)
        super().__init__(operator.index(num_nodes), from_, to, time_s, ow, lon, lat)
        # Kept for drawing and export (the C++ side stores arcs, not edges).
        self._ends = (np.array(from_, dtype=np.int64), np.array(to, dtype=np.int64))
        #: Set by the importers (``ck.read_osm`` …): the source's node ids in
        #: node order, and one row of attributes per edge.
        self.node_ids: Optional[np.ndarray] = None
        self.edges: Optional[Any] = None

    def edge_ends(self) -> tuple:
        """``(from_, to)`` node ids of every edge, shape (num_edges,) each (copies)."""
        return self._ends[0].copy(), self._ends[1].copy()

    def close_edges(self, edges: Any) -> None:
        """Close these edge ids (both directions of a two-way edge). One undo step."""
        self._close_edges(np.atleast_1d(np.asarray(edges, dtype=np.int64)))

    def slow_edges(self, edges: Any, by: float) -> None:
        """Multiply these edges' base travel time by ``by`` (≥ 1; inf closes). One undo step."""
        self._slow_edges(np.atleast_1d(np.asarray(edges, dtype=np.int64)), float(by))

    def times(self, source: int, limit_s: Optional[float] = None, *, undamaged: bool = False) -> np.ndarray:
        """Travel time in seconds from ``source`` to every node, shape (num_nodes,).

        ``inf`` = unreachable, or farther than ``limit_s`` (the search stops
        there, so a 30-minute limit is cheap on a large network).
        ``undamaged=True`` ignores every closure and slow-down (base times).
        """
        t, _ = self._times(operator.index(source), _limit(limit_s), bool(undamaged))
        return t

    def travel_times(self, sources: Any, targets: Any, limit_s: Optional[float] = None, *,
                     undamaged: bool = False, dense: bool = True, threads: Optional[int] = None) -> Any:
        """Bounded many-to-many travel times (seconds).

        One Dijkstra search per source, stopped at ``limit_s`` or once every
        target is settled, run in C++ on all cores (``threads``) with the GIL
        released; each search costs only the part of the network it explores,
        so "which needs can each team reach within 30 minutes" stays cheap on
        a million-node city.

        Parameters
        ----------
        sources, targets : array-like of int
            Node ids (repeats allowed).
        limit_s : float, optional
            Pairs farther than this are ``inf`` (dense) or left out (sparse).
        undamaged : bool
            Search the base times, ignoring damage.
        dense : bool
            ``True``: an array of shape (len(sources), len(targets)).
            ``False``: a DataFrame with one row per pair within the limit:
            ``source`` and ``target`` (positions in the inputs), ``time_s``.

        Raises
        ------
        InvalidInput
            Naming ``sources``/``targets`` and the row of a node id out of range.
        """
        s = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        t = np.atleast_1d(np.asarray(targets, dtype=np.int64))
        first, target, time_s = self._many_to_many(s, t, _limit(limit_s), bool(undamaged), _threads(threads))
        rows = np.repeat(np.arange(len(s), dtype=np.int64), np.diff(first))
        if dense:
            out = np.full((len(s), len(t)), np.inf)
            out[rows, target] = time_s
            return out
        import pandas as pd
        return pd.DataFrame({"source": rows, "target": target.astype(np.int64), "time_s": time_s})

    def path(self, source: int, target: int, *, coordinates: bool = False) -> np.ndarray:
        """A fastest path ``source … target``: node ids, shape (k,), or with
        ``coordinates=True`` their (lon, lat), shape (k, 2). Empty when unreachable."""
        nodes = self._path(operator.index(source), operator.index(target))
        return self._coords(nodes) if coordinates else nodes

    def paths(self, from_: Any, to: Any, *, undamaged: bool = False, threads: Optional[int] = None) -> list:
        """Fastest paths for many pairs ``(from_[k], to[k])``: a list of node-id
        arrays (empty when unreachable); one search per distinct source, in parallel."""
        f = np.atleast_1d(np.asarray(from_, dtype=np.int64))
        t = np.atleast_1d(np.asarray(to, dtype=np.int64))
        first, nodes = self._paths(f, t, bool(undamaged), _threads(threads))
        return [nodes[first[k]:first[k + 1]] for k in range(len(f))]

    def snap(self, lon: Any, lat: Any, max_distance_m: Optional[float] = None) -> tuple:
        """Nearest road node to each point (great-circle, through an R-tree).

        Returns ``(node, distance_m)``: int32 node ids (``-1`` where the
        nearest road node is farther than ``max_distance_m``) and the
        distance in metres to the nearest road node.

        Raises
        ------
        InvalidInput
            Naming ``lon``/``lat`` and the row of a NaN or out-of-range coordinate.
        crisiskit.Error
            If the network has no coordinates.
        """
        x = np.atleast_1d(np.asarray(lon, dtype=float))
        y = np.atleast_1d(np.asarray(lat, dtype=float))
        return self._snap(x, y, math.inf if max_distance_m is None else float(max_distance_m))

    def edges_in_polygon(self, polygon: Any) -> np.ndarray:
        """Edge ids touching a polygon (an end inside, or crossing its boundary).

        ``polygon``: a GeoJSON Polygon or MultiPolygon geometry, a Feature
        holding one, any object with ``__geo_interface__`` (shapely), or a
        plain sequence of (lon, lat) vertices. Holes are respected.
        """
        parts = _polygon_parts(polygon)
        found = [self._edges_in_polygon(x, y, st) for x, y, st in parts]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)

    def close_polygon(self, polygon: Any) -> np.ndarray:
        """Close every edge touching ``polygon`` (a flooded zone; see
        :meth:`edges_in_polygon`) as one undo step; returns their ids."""
        edges = self.edges_in_polygon(polygon)
        self.close_edges(edges)
        return edges

    def _coords(self, nodes: np.ndarray) -> np.ndarray:
        lon, lat = self.lon, self.lat
        if len(lon) == 0:
            raise invalid("coordinates", None, True, "the network has no node coordinates")
        return np.column_stack([lon[nodes], lat[nodes]])

    def __repr__(self) -> str:
        return (f"RoadNetwork(nodes={self.num_nodes}, edges={self.num_edges}, arcs={self.num_arcs}, "
                f"damage_steps={self.damage_steps})")
