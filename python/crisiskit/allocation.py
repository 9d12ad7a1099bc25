"""Need-to-resource matching (需求-资源匹配): ``ck.match``.

Stock at depots and rescue teams are matched to needs over the road network
as it is now (closures, slow-downs, flooded zones), by an exact min-cost flow
in C++ (``include/crisiskit/match/allocate.hpp`` documents the model). The
result says what goes where, along which route, how long it takes, and —
for everything that could not be met — why.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._time import to_seconds, to_seconds_array
from .matching import RoadNetwork, _threads
from .need_board import PRIORITY_CLASSES, PRIORITY_WEIGHTS

__all__ = ["MatchResult", "match", "UNMET_REASONS"]

#: Reasons for unmet need, in the order of their codes.
UNMET_REASONS: tuple = tuple(_core._UNMET_REASONS)

def _class_key(name: str) -> str:
    """Priority class names match ignoring case, with spaces and hyphens as ``_`` (as the need board does)."""
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _weights_table(priority_weights: Optional[Mapping[str, float]]) -> Dict[str, float]:
    """Class key (English or Chinese) → weight: the defaults updated by the caller's, checked."""
    table = dict(PRIORITY_WEIGHTS)
    table.update({zh: w for name, (zh, w) in PRIORITY_CLASSES.items()})
    if priority_weights is not None:
        table.update(priority_weights)
    table = {_class_key(k): v for k, v in table.items()}
    for k, w in table.items():
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w > 0):
            raise invalid("priority_weights", None, f"{k}: {w}", "weights must be finite and > 0")
    return table


def _priority_weights(priorities: np.ndarray, table: Mapping[str, float], field: str) -> np.ndarray:
    """The weight of each row's priority class, naming the first unknown class."""
    out = np.empty(len(priorities))
    for i, p in enumerate(priorities):
        w = table.get(_class_key(p))
        if w is None:
            raise invalid(field, i, p, f"is not a priority class ({', '.join(PRIORITY_WEIGHTS)})")
        out[i] = w
    return out


def _table(obj: Any, name: str) -> pd.DataFrame:
    if obj is None:
        return pd.DataFrame()
    if isinstance(obj, pd.DataFrame):
        return obj.reset_index(drop=True)
    try:
        return pd.DataFrame(obj)
    except (TypeError, ValueError) as e:
        raise invalid(name, None, type(obj).__name__, f"must be a DataFrame, a dict of columns or a list of rows ({e})") from None


def _column(df: pd.DataFrame, table: str, col: str, default: Any = None) -> Any:
    if col in df.columns:
        return df[col]
    if default is None:
        raise invalid(f"{table}.{col}", None, list(df.columns), "is a required column")
    return default


def _counts(values: Any, field: str) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    bad = ~np.isfinite(a) | (a < 0) | (a != np.floor(a)) | (a > 2.0 ** 50)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise invalid(field, i, float(a[i]), "must be a whole number in [0, 2^50]")
    return a.astype(np.int64)


def _ids(df: pd.DataFrame, table: str, prefix: str, unique: bool = True) -> np.ndarray:
    col = "id" if "id" in df.columns else "need" if "need" in df.columns else None
    if col is not None:
        ids = df[col].astype(str).to_numpy()
        dup = pd.Series(ids).duplicated()
        if unique and dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            raise invalid(f"{table}.{col}", i, ids[i], "is repeated")
        return ids
    return np.array([f"{prefix}{i}" for i in range(len(df))], dtype=object)


def _nodes(net: RoadNetwork, df: pd.DataFrame, table: str, snap_max_m: float) -> tuple:
    """Road node per row (from ``node``, or snapped from ``lon``/``lat``) and the snap distance.
    A node of −1 (as the need board writes for "not given") means off the network."""
    n = len(df)
    if "node" in df.columns and not ("lon" in df.columns and (np.asarray(df["node"]) < 0).all()):
        raw = np.asarray(df["node"])
        if raw.dtype.kind not in "iu":
            f = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(f) | (f != np.floor(f))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise invalid(f"{table}.node", i, raw[i], "must be an integer node id")
            raw = f
        a = raw.astype(np.int64)
        bad = (a < -1) | (a >= net.num_nodes)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise invalid(f"{table}.node", i, int(a[i]), f"is not a node of the network (0 .. {net.num_nodes - 1})")
        return a, np.where(a < 0, np.inf, 0.0)
    if "lon" in df.columns and "lat" in df.columns:
        lon = np.asarray(df["lon"], dtype=float)
        lat = np.asarray(df["lat"], dtype=float)
        for col, arr, lim in (("lon", lon, 180.0), ("lat", lat, 90.0)):
            bad = ~(np.abs(arr) <= lim)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise invalid(f"{table}.{col}", i, float(arr[i]), f"must be in [−{lim:g}, {lim:g}] degrees")
        node, dist = net.snap(lon, lat, snap_max_m)
        return node.astype(np.int64), dist
    raise invalid(table, None, list(df.columns), "needs a 'node' column or 'lon' and 'lat' columns")


@dataclass(eq=False)
class MatchResult:
    """Outcome of :func:`match`.

    Attributes
    ----------
    allocations : pandas.DataFrame
        One row per (supply row, need) pair with flow: ``supply``, ``need``
        (ids), ``kind`` (``"stock"`` or ``"team"``), ``type``, ``quantity``,
        ``time_s`` (travel time, seconds), ``supply_node``, ``need_node``,
        ``headcount`` (teams; 0 for stock), ``route`` (node ids).
    needs : pandas.DataFrame
        One row per need: ``need``, ``type``, ``priority``, ``weight``,
        ``quantity``, ``served``, ``unmet``, ``reason`` (see ``UNMET_REASONS``),
        ``snap_m`` (distance to its road node when given by coordinates).
    coverage : pandas.DataFrame
        Per priority class and in total: ``quantity``, ``served``, ``share``.
    total_travel_time_s, weighted_travel_time_s, worst_travel_time_s : float
        Σ t·q, Σ w·t·q and max t over allocations.
    objective : float
        Σ w·t·q + Σ w·P·unmet with P = ``unmet_penalty_s``.
    fairness : dict
        ``by``, ``min_share`` (achieved), ``min_share_without`` (the plain
        optimum's), ``cost_travel_time_s`` and ``cost_weighted_s`` (what the
        fairness constraint costs in travel time); empty when off.
    stats : dict
        ``candidate_pairs``, ``pivots``, ``cost_scale``, ``unmet_penalty_s``,
        ``off_network_supplies`` (ids of supply rows too far from any road),
        ``seconds`` (wall-clock time of the C++ phases: search, flow,
        reasons, routes).
    """

    allocations: pd.DataFrame
    needs: pd.DataFrame
    coverage: pd.DataFrame
    total_travel_time_s: float
    weighted_travel_time_s: float
    worst_travel_time_s: float
    objective: float
    fairness: Dict[str, Any]
    stats: Dict[str, Any]
    network: RoadNetwork = field(repr=False)

    @property
    def unmet(self) -> pd.DataFrame:
        """The needs not fully met, with their reason."""
        return self.needs[self.needs["unmet"] > 0].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """The allocations (a copy), one row per supply → need pair."""
        return self.allocations.copy()

    def to_geojson(self) -> Dict[str, Any]:
        """A GeoJSON FeatureCollection (RFC 7946): one LineString per
        allocation along its route, and one Point per need not fully met.
        Needs a network with node coordinates."""
        lon, lat = self.network.lon, self.network.lat
        if len(lon) == 0:
            raise invalid("network", None, repr(self.network), "has no node coordinates; GeoJSON needs them")
        feats: List[Dict[str, Any]] = []
        for row in self.allocations.itertuples(index=False):
            route = np.asarray(row.route, dtype=np.int64)
            coords = [[float(lon[v]), float(lat[v])] for v in route]
            if len(coords) == 1:  # same node: a degenerate line is not valid GeoJSON
                coords = coords * 2
            feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                          "properties": {"supply": row.supply, "need": row.need, "kind": row.kind, "type": row.type,
                                         "quantity": int(row.quantity), "time_s": float(row.time_s)}})
        for row in self.unmet.itertuples(index=False):
            if row.node < 0:
                continue
            feats.append({"type": "Feature",
                          "geometry": {"type": "Point", "coordinates": [float(lon[row.node]), float(lat[row.node])]},
                          "properties": {"need": row.need, "type": row.type, "priority": row.priority,
                                         "unmet": int(row.unmet), "reason": row.reason}})
        return {"type": "FeatureCollection", "features": feats}

    def plot(self, ax: Any = None, *, roads: bool = True, max_roads: int = 200_000) -> Any:
        """Routes on a map (matplotlib): roads in grey, one line per
        allocation coloured by travel time, depots/teams as squares, met
        needs as circles, unmet needs as red crosses. Returns the Axes."""
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection

        lon, lat = self.network.lon, self.network.lat
        if len(lon) == 0:
            raise invalid("network", None, repr(self.network), "has no node coordinates; plot needs them")
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 8))
        if roads:
            f, t = self.network.edge_ends()
            step = max(1, len(f) // max_roads)
            segs = np.stack([np.column_stack([lon[f[::step]], lat[f[::step]]]),
                             np.column_stack([lon[t[::step]], lat[t[::step]]])], axis=1)
            ax.add_collection(LineCollection(segs, colors="0.8", linewidths=0.4, zorder=1))
        if len(self.allocations):
            lines = [np.column_stack([lon[np.asarray(r)], lat[np.asarray(r)]]) for r in self.allocations["route"]]
            lc = LineCollection(lines, array=self.allocations["time_s"].to_numpy() / 60.0, cmap="viridis",
                                linewidths=1.6, zorder=3)
            ax.add_collection(lc)
            plt.colorbar(lc, ax=ax, label="travel time (min)", shrink=0.7)
            s = self.allocations["supply_node"].to_numpy()
            ax.scatter(lon[s], lat[s], marker="s", s=40, c="tab:blue", zorder=4, label="supply")
        met = self.needs[(self.needs["unmet"] == 0) & (self.needs["node"] >= 0)]["node"].to_numpy()
        ax.scatter(lon[met], lat[met], marker="o", s=14, c="tab:green", zorder=4, label="need met")
        un = self.unmet[self.unmet["node"] >= 0]["node"].to_numpy()
        ax.scatter(lon[un], lat[un], marker="x", s=30, c="tab:red", zorder=5, label="need unmet")
        ax.autoscale()
        ax.set_aspect(1.0 / max(math.cos(math.radians(float(np.nanmean(lat)))), 1e-6))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.legend(loc="best", fontsize="small")
        return ax

    def __repr__(self) -> str:
        q = int(self.needs["quantity"].sum())
        s = int(self.needs["served"].sum())
        return (f"MatchResult(allocations={len(self.allocations)}, served={s}/{q}, "
                f"unmet_needs={int((self.needs['unmet'] > 0).sum())}, "
                f"total_travel_time_s={self.total_travel_time_s:.0f}, worst_travel_time_s={self.worst_travel_time_s:.0f})")


def match(network: RoadNetwork, supplies: Any, needs: Any, teams: Any = None, *,
          priority_weights: Optional[Mapping[str, float]] = None, unmet_penalty_s: float = 86400.0,
          horizon_s: Optional[float] = None, fairness: Optional[str] = None, min_share: Optional[float] = None,
          snap_max_m: float = 1000.0, routes: bool = True, threads: Optional[int] = None,
          at: Any = None) -> MatchResult:
    """Match stock and teams to needs over the road network as it is now.

    Minimises priority-weighted travel time plus a penalty for unmet need,
    respecting stock, resource types and deadlines (a supply serves a need
    only if it arrives in time), by an exact min-cost flow in C++ with the
    GIL released. The model is documented in
    ``include/crisiskit/match/allocate.hpp``.

    Parameters
    ----------
    network : RoadNetwork
        With its current damage (closures, slow-downs, flooded polygons).
    supplies : DataFrame, dict of columns or list of rows
        Stock lines: ``type`` (str), ``quantity`` (whole units ≥ 0), and
        ``node`` or ``lon``/``lat`` (snapped to the nearest road node);
        optional ``id`` (e.g. the depot name; one depot may have several
        rows, one per type).
    needs : DataFrame, dict of columns or list of rows
        ``type``, ``quantity``, ``node`` or ``lon``/``lat``; optional ``id``
        (or ``need``), ``priority`` (class name, English or Chinese, default
        ``"residential"``) or ``weight`` (> 0, overrides the class),
        ``deadline_s`` or ``deadline_min`` (longest acceptable travel time;
        default: none) or ``deadline`` (a time, with ``at=``), ``place`` (for
        ``fairness="place"``). ``NeedBoard.open_demand_frame()`` fits as is:
        ``ck.match(net, supplies, board.open_demand_frame(), at=now)``.
    teams : DataFrame, dict of columns or list of rows, optional
        Rescue squads, expert teams, volunteers: ``skills`` (``"medic|rescue"``,
        ``"medic,rescue"`` or a list), ``node`` or ``lon``/``lat``; optional
        ``id``, ``headcount``. A team is one indivisible unit that serves one
        need of any of its skills; a need whose ``type`` is a skill asks for
        ``quantity`` teams.
    priority_weights : mapping, optional
        Class → weight, replacing those of ``ck.PRIORITY_WEIGHTS``.
    unmet_penalty_s : float
        P, the seconds of travel one unit of unmet need weighs (24 h).
    horizon_s : float, optional
        Never consider travel longer than this (also bounds needs without a deadline).
    fairness : {None, "need", "place", "priority"}
        Max-min share of need met across these groups (its travel-time price
        is reported in ``result.fairness``).
    min_share : float, optional
        With ``fairness``: enforce this share (or the best feasible below it)
        instead of maximising it.
    snap_max_m : float
        Points farther than this from every road node are off the network.
    routes : bool
        Reconstruct each allocation's route (node ids).
    threads : int, optional
        Threads for the searches (default: all cores).
    at : time, optional
        When the resources leave, for a ``deadline`` column of times
        (int UTC seconds, datetime64, aware datetime, Timestamp or ISO text).
        A need with no deadline or one already past is served as fast as
        possible rather than written off.

    Returns
    -------
    MatchResult

    Raises
    ------
    InvalidInput
        Naming the table, column, row and value: a negative or fractional
        quantity, an unknown node, NaN or out-of-range coordinates, an
        unknown priority class, a non-positive weight, a negative deadline.
    """
    if not isinstance(network, RoadNetwork):
        raise invalid("network", None, type(network).__name__, "must be a crisiskit.RoadNetwork")
    weights_table = _weights_table(priority_weights)
    if fairness not in (None, "need", "place", "priority"):
        raise invalid("fairness", None, fairness, "must be None, 'need', 'place' or 'priority'")
    if min_share is not None and not (0 <= float(min_share) <= 1):
        raise invalid("min_share", None, min_share, "must be in [0, 1]")
    if not (snap_max_m >= 0):
        raise invalid("snap_max_m", None, snap_max_m, "must be ≥ 0 metres")

    sup = _table(supplies, "supplies")
    nd = _table(needs, "needs")
    tm = _table(teams, "teams")

    # Supplies.
    s_ids = _ids(sup, "supplies", "supply", unique=False) if len(sup) else np.zeros(0, object)
    s_type = _column(sup, "supplies", "type").astype(str).to_numpy() if len(sup) else np.zeros(0, object)
    s_qty = _counts(_column(sup, "supplies", "quantity"), "supplies.quantity") if len(sup) else np.zeros(0, np.int64)
    s_node, _ = _nodes(network, sup, "supplies", snap_max_m) if len(sup) else (np.zeros(0, np.int64), None)
    # Teams.
    t_ids = _ids(tm, "teams", "team") if len(tm) else np.zeros(0, object)
    t_skills: List[List[str]] = []
    if len(tm):
        for i, v in enumerate(_column(tm, "teams", "skills")):
            sk = [x.strip() for x in (v.replace(",", "|").split("|") if isinstance(v, str) else list(v))]
            sk = [x for x in sk if x]
            if not sk:
                raise invalid("teams.skills", i, v, "a team needs at least one skill")
            t_skills.append(sorted(set(map(str, sk))))
        t_node, _ = _nodes(network, tm, "teams", snap_max_m)
        t_head = _counts(_column(tm, "teams", "headcount", pd.Series(np.ones(len(tm)))), "teams.headcount")
    else:
        t_node = np.zeros(0, np.int64)
        t_head = np.zeros(0, np.int64)
    # Needs.
    n_ids = _ids(nd, "needs", "need") if len(nd) else np.zeros(0, object)
    n_type = _column(nd, "needs", "type").astype(str).to_numpy() if len(nd) else np.zeros(0, object)
    n_qty = _counts(_column(nd, "needs", "quantity"), "needs.quantity") if len(nd) else np.zeros(0, np.int64)
    n_node, n_snap = _nodes(network, nd, "needs", snap_max_m) if len(nd) else (np.zeros(0, np.int64), np.zeros(0))
    n_prio = (nd["priority"].astype(str).to_numpy() if "priority" in nd.columns
              else np.full(len(nd), "residential", dtype=object))
    if "weight" in nd.columns:
        n_w = np.asarray(nd["weight"], dtype=float)
        bad = ~(np.isfinite(n_w) & (n_w > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise invalid("needs.weight", i, float(n_w[i]), "must be finite and > 0")
    else:
        n_w = _priority_weights(n_prio, weights_table, "needs.priority")
    if "deadline_s" in nd.columns:
        n_dl = np.asarray(nd["deadline_s"], dtype=float)
        dl_field = "needs.deadline_s"
    elif "deadline_min" in nd.columns:
        n_dl = np.asarray(nd["deadline_min"], dtype=float) * 60.0
        dl_field = "needs.deadline_min"
    elif "deadline" in nd.columns:
        if at is None:
            raise invalid("at", None, None, "needs.deadline holds times: give at= (when the resources leave)")
        now = to_seconds(at)
        due = nd["deadline"]
        missing = due.isna().to_numpy()
        secs = np.zeros(len(nd))
        if (~missing).any():
            secs[~missing] = to_seconds_array(due[~missing].to_numpy()) - now
        # No deadline, or one already past: served as fast as possible rather than written off.
        n_dl = np.where(missing | (secs < 0), np.inf, secs)
        dl_field = "needs.deadline"
    else:
        n_dl = np.full(len(nd), np.inf)
        dl_field = "needs.deadline_s"
    bad = np.isnan(n_dl) | (n_dl < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise invalid(dl_field, i, float(n_dl[i]), "must be ≥ 0 (or inf for none)")

    # Type codes over the union of names.
    names = sorted(set(s_type) | set(n_type) | {s for sk in t_skills for s in sk})
    code = {t: k for k, t in enumerate(names)}
    rows_node = np.concatenate([s_node, t_node]).astype(np.int64)
    rows_qty = np.concatenate([s_qty, np.ones(len(t_node), np.int64)])
    type_lists = [[code[t]] for t in s_type] + [[code[s] for s in sk] for sk in t_skills]
    type_first = np.concatenate([[0], np.cumsum([len(x) for x in type_lists])]).astype(np.int64)
    type_flat = np.array([c for x in type_lists for c in x], dtype=np.int64)
    if fairness is None:
        group = np.zeros(0, np.int64)
    else:
        key = {"need": n_ids, "priority": n_prio,
               "place": (nd["place"].astype(str).to_numpy() if "place" in nd.columns else n_node)}[fairness]
        group = pd.factorize(pd.Series(key))[0].astype(np.int64)
    need_type = np.array([code[t] for t in n_type], dtype=np.int64)

    raw = network._allocate(rows_node, rows_qty, type_first, type_flat, n_node.astype(np.int64), need_type,
                            n_qty, n_w.astype(float), n_dl.astype(float), group, float(unmet_penalty_s),
                            math.inf if horizon_s is None else float(horizon_s), fairness is not None,
                            -1.0 if min_share is None else float(min_share), bool(routes), _threads(threads))

    S = len(s_ids)
    row_ids = np.concatenate([s_ids, t_ids]).astype(object)
    srow = raw["supply"].astype(np.int64)
    nrow = raw["need"].astype(np.int64)
    is_team = srow >= S
    first, rnodes = raw["route_first"], raw["route_node"]
    route_col = ([rnodes[first[k]:first[k + 1]].astype(np.int64) for k in range(len(srow))] if routes
                 else [np.zeros(0, np.int64)] * len(srow))
    allocations = pd.DataFrame({
        "supply": row_ids[srow] if len(srow) else np.zeros(0, object),
        "need": n_ids[nrow] if len(nrow) else np.zeros(0, object),
        "kind": np.where(is_team, "team", "stock"),
        "type": n_type[nrow] if len(nrow) else np.zeros(0, object),
        "quantity": raw["quantity"].astype(np.int64),
        "time_s": raw["time_s"],
        "supply_node": rows_node[srow],
        "need_node": n_node[nrow],
        "headcount": np.where(is_team, t_head[np.clip(srow - S, 0, None)] if len(t_head) else 0, 0).astype(np.int64),
        "route": route_col,
    })
    reasons = np.array(UNMET_REASONS, dtype=object)[raw["reason"].astype(np.int64)]
    need_frame = pd.DataFrame({
        "need": n_ids, "type": n_type, "priority": n_prio, "weight": n_w, "node": n_node, "quantity": n_qty,
        "served": raw["served"].astype(np.int64), "unmet": raw["unmet"].astype(np.int64), "reason": reasons,
        "snap_m": n_snap,
    })
    cov = need_frame.groupby("priority", sort=True)[["quantity", "served"]].sum()
    cov.loc["(all)"] = cov.sum()
    cov["share"] = np.where(cov["quantity"] > 0, cov["served"] / cov["quantity"].where(cov["quantity"] > 0, 1), 1.0)
    fair: Dict[str, Any] = {}
    if fairness is not None:
        fair = {"by": fairness, "min_share": raw["min_share"], "min_share_without": raw["min_share_unfair"],
                "cost_travel_time_s": raw["fairness_cost_time"], "cost_weighted_s": raw["fairness_cost_weighted"]}
    stats = {"candidate_pairs": int(raw["candidate_pairs"]), "pivots": int(raw["pivots"]),
             "cost_scale": raw["cost_scale"], "unmet_penalty_s": raw["unmet_penalty_s"],
             "off_network_supplies": list(row_ids[rows_node < 0]),
             "seconds": {k: raw[f"seconds_{k}"] for k in ("search", "flow", "reasons", "routes")}}
    return MatchResult(allocations=allocations, needs=need_frame, coverage=cov.reset_index(),
                       total_travel_time_s=raw["total_time"], weighted_travel_time_s=raw["weighted_time"],
                       worst_travel_time_s=raw["worst_time"], objective=raw["objective"], fairness=fair,
                       stats=stats, network=network)
