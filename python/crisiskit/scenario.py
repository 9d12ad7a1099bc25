"""Scenario engine (情景推演): synthetic cities, hazards and the hourly loop.

``ck.scenario.generate_city(population, seed=...)`` builds a deterministic
synthetic city (administrative tree, grid cells with population and terrain,
key sites, roads, depots, teams); ``ck.scenario.Rainstorm`` and
``ck.scenario.CrowdGathering`` step a hazard over it on the clock you give
and emit signals for ``ck.RiskMap``, road damage for ``ck.RoadNetwork`` and
damage per place for ``ck.derive_needs``. The models are documented in
``include/crisiskit/scenario/*.hpp``. ``ck.scenario.run`` (in
``simulation.py``) drives every core through a hazard hour by hour under a
:class:`Plan`; ``ck.scenario.compare`` tabulates plans side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._time import from_seconds, to_seconds, to_seconds_array
from .matching import RoadNetwork
from .risk import RiskMap

__all__ = ["PLACE_KINDS", "SIGNAL_KINDS", "City", "generate_city", "Rainstorm", "RainState", "RainRun",
           "CrowdGathering", "CrowdState"]

#: Place kinds of a generated city, by code (RiskMap kind names).
PLACE_KINDS: Tuple[str, ...] = tuple(_core._PLACE_KINDS)
#: Source kinds the hazards emit, by code (RiskMap's built-in kinds).
SIGNAL_KINDS: Tuple[str, ...] = tuple(_core._SIGNAL_KINDS)

_OCCUPIED = ("school", "nursing_home", "hospital")  # sites whose people are carved out of their cell for needs


def _utc(seconds: Any) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s", utc=True)


def generate_city(population: int = 1_000_000, *, seed: int = 0, center: Tuple[float, float] = (120.15, 30.28),
                  cell_m: float = 500.0, people_per_cell: float = 1000.0, street_spacing_m: float = 100.0,
                  arterial_every: int = 10, arterial_kmh: float = 60.0, local_kmh: float = 30.0,
                  oneway_share: float = 0.15, missing_share: float = 0.10, min_street_people: float = 50.0,
                  stock_share: float = 0.05) -> "City":
    """Generate a synthetic city, deterministic for a seed on every machine.

    Parameters
    ----------
    population : int
        Residents, 1 … 10^9; the cells' populations sum to it exactly, and
        every size (cells, communities, sites, roads, depots, teams) scales
        with it.
    seed : int
        Same seed → the same city, byte for byte (``City.to_bytes()``).
    center : (lon, lat)
        Degrees; the city is laid out around it.
    cell_m, people_per_cell : float
        Grid cell side (m) and mean residents per cell (a 网格 of about 1,000).
    street_spacing_m, arterial_every, arterial_kmh, local_kmh : float, int, float, float
        The road lattice, arterial spacing in lattice lines and speeds.
    oneway_share, missing_share : float
        Shares of local segments that are one-way / missing.
    min_street_people : float
        Cells with fewer residents get no local streets.
    stock_share : float
        Depot stock covers this share of the residents each depot serves.

    Returns
    -------
    City

    Raises
    ------
    ValueError
        ``InvalidInput`` naming the parameter and value (``population = -5``).

    Examples
    --------
    >>> import crisiskit as ck
    >>> city = ck.scenario.generate_city(50_000, seed=1)
    >>> int(city.cells.population.sum())
    50000
    """
    if isinstance(population, (bool, np.bool_)):
        raise invalid("population", None, population, "must be a whole number of residents in [1, 10^9]")
    try:
        pop = float(population)
    except (TypeError, ValueError):
        raise invalid("population", None, population, "must be a whole number of residents in [1, 10^9]") from None
    if not np.isfinite(pop) or pop != np.floor(pop) or not (1 <= pop <= 1e9):
        raise invalid("population", None, population, "must be a whole number of residents in [1, 10^9]")
    if not (isinstance(seed, (int, np.integer)) and 0 <= int(seed) < 2**64):
        raise invalid("seed", None, seed, "must be an integer in [0, 2^64)")
    lon, lat = center
    params = dict(population=int(pop), seed=int(seed), center_lon=float(lon), center_lat=float(lat), cell_m=cell_m,
                  people_per_cell=people_per_cell, street_spacing_m=street_spacing_m,
                  arterial_every=int(arterial_every), arterial_kmh=arterial_kmh, local_kmh=local_kmh,
                  oneway_share=oneway_share, missing_share=missing_share, min_street_people=min_street_people,
                  stock_share=stock_share)
    return City(_core._City.generate(params))


class City:
    """A synthetic city: places, grid cells, key sites, roads, depots, teams.

    Made by :func:`generate_city`. Tables are DataFrames built on first use:

    - ``places``: the whole tree 市 → 区县 → 街道 → 社区 → 网格 → key sites
      (``id, kind, parent, lon, lat, population, vulnerable``), ready for
      ``ck.RiskMap(city.places)``; a site's population is the people at the
      site, also counted in its cell.
    - ``cells``: one row per grid cell (terrain, drainage, old-estate share,
      river, its community/street/district, nearest road node, the
      substation and water plant serving it).
    - ``sites``: key sites with their cell, capacity, subway line, node.
    - ``nodes`` / ``roads``: the road network (``from, to, length_m,
      speed_kmh, oneway, arterial, cell``); :meth:`road_network` builds a
      ``ck.RoadNetwork`` with the same node and edge ids.
    - ``depots``: one row per depot and resource type (``id, node, lon, lat,
      type, quantity``) — ``ck.match``'s ``supplies`` as they are.
    - ``teams``: ``id, node, lon, lat, skills, headcount`` — ``ck.match``'s ``teams``.

    Pickles (``to_bytes`` / ``City.from_bytes``, the C++ format).
    """

    def __init__(self, core: Any) -> None:
        self._core = core
        self._cache: Dict[str, Any] = {}

    # ---- persistence --------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The whole city in the C++ ``City::to_bytes`` format."""
        return self._core.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "City":
        """Rebuild from :meth:`to_bytes` (checked; corrupt input raises naming the byte offset)."""
        return cls(_core._City.from_bytes(bytes(data)))

    def __reduce__(self) -> Any:
        return (City.from_bytes, (self.to_bytes(),))

    @property
    def params(self) -> Dict[str, Any]:
        """The parameters the city was generated with."""
        return dict(self._core.params)

    @property
    def shape(self) -> Tuple[int, int]:
        """Grid (rows, cols); cell index = row · cols + col, rows from the south."""
        return tuple(self._core.shape)

    def _memo(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # ---- tables ---------------------------------------------------------------
    @property
    def places(self) -> pd.DataFrame:
        """Every place (see the class docstring); a copy."""
        return self._memo("places", self._make_places).copy()

    def _make_places(self) -> pd.DataFrame:
        d = self._core._places()
        ids = np.asarray(d["id"], dtype=object)
        parent = d["parent"]
        return pd.DataFrame({
            "id": ids,
            "kind": np.asarray(PLACE_KINDS, dtype=object)[d["kind"]],
            "parent": np.where(parent >= 0, ids[np.maximum(parent, 0)], None),
            "lon": d["lon"], "lat": d["lat"],
            "population": d["population"], "vulnerable": d["vulnerable"],
        })

    @property
    def cells(self) -> pd.DataFrame:
        """One row per grid cell; a copy."""
        return self._memo("cells", self._make_cells).copy()

    def _make_cells(self) -> pd.DataFrame:
        d = self._core._cells()
        b = self._core.blocks
        pl = self._memo("places", self._make_places)
        ids = pl["id"].to_numpy()
        parent = self._core._places()["parent"]
        rows, cols = self.shape
        n = rows * cols
        comm = b["first_community"] + d["community"]
        street = parent[comm]
        site0 = b["first_site"]
        return pd.DataFrame({
            "id": ids[b["first_cell"]:b["first_cell"] + n],
            "row": np.arange(n) // cols, "col": np.arange(n) % cols,
            "x_m": d["x_m"], "y_m": d["y_m"], "lon": d["lon"], "lat": d["lat"],
            "population": d["population"], "vulnerable": d["vulnerable"],
            "elevation_m": d["elevation_m"], "drain_mm_h": d["drain_mm_h"], "old_estate": d["old_estate"],
            "river": d["river"].astype(bool),
            "community": ids[comm], "street": ids[street], "district": ids[parent[street]],
            "node": d["node"],
            "substation": ids[site0 + d["substation"]], "water_plant": ids[site0 + d["water_plant"]],
        })

    @property
    def sites(self) -> pd.DataFrame:
        """Key sites: id, kind, cell (index), cell_id, lon, lat, population,
        vulnerable, capacity, line (subway, −1 otherwise), node; a copy."""
        return self._memo("sites", self._make_sites).copy()

    def _make_sites(self) -> pd.DataFrame:
        d = self._core._sites()
        b = self._core.blocks
        pl = self._memo("places", self._make_places).iloc[b["first_site"]:].reset_index(drop=True)
        cells = self._core._cells()
        out = pl.drop(columns=["parent"]).copy()
        out.insert(2, "cell", d["cell"])
        out.insert(3, "cell_id", self._memo("places", self._make_places)["id"].to_numpy()[b["first_cell"] + d["cell"]])
        out["capacity"] = d["capacity"]
        out["line"] = d["line"]
        out["node"] = cells["node"][d["cell"]]
        return out

    @property
    def nodes(self) -> pd.DataFrame:
        """Road nodes: lon, lat (degrees), cell (index); a copy."""
        r = self._memo("roads_raw", self._core._roads)
        return pd.DataFrame({"lon": r["node_lon"], "lat": r["node_lat"], "cell": r["node_cell"]})

    @property
    def roads(self) -> pd.DataFrame:
        """Road edges (edge id = row): from, to, length_m, speed_kmh, oneway, arterial, cell; a copy."""
        r = self._memo("roads_raw", self._core._roads)
        return pd.DataFrame({"from": r["from"], "to": r["to"], "length_m": r["length_m"], "speed_kmh": r["speed_kmh"],
                             "oneway": r["oneway"].astype(bool), "arterial": r["arterial"].astype(bool),
                             "cell": r["cell"]})

    def road_network(self) -> RoadNetwork:
        """A new ``ck.RoadNetwork`` of the roads (node and edge ids as in ``nodes`` / ``roads``)."""
        r = self._memo("roads_raw", self._core._roads)
        net = RoadNetwork(len(r["node_lon"]), r["from"], r["to"], length_m=r["length_m"], speed_kmh=r["speed_kmh"],
                          oneway=r["oneway"].astype(bool), lon=r["node_lon"], lat=r["node_lat"])
        net.edges = self.roads
        return net

    @property
    def depots(self) -> pd.DataFrame:
        """Stock, one row per depot and type: id, node, lon, lat, type, quantity; a copy."""
        d = self._core._depots()
        r = self._memo("roads_raw", self._core._roads)
        types = list(d["types"])
        ids, node = np.asarray(d["id"], dtype=object), d["node"]
        k = len(types)
        return pd.DataFrame({"id": np.repeat(ids, k), "node": np.repeat(node, k),
                             "lon": np.repeat(r["node_lon"][node], k), "lat": np.repeat(r["node_lat"][node], k),
                             "type": np.tile(np.asarray(types, dtype=object), len(ids)),
                             "quantity": d["stock"]})

    @property
    def teams(self) -> pd.DataFrame:
        """Teams: id, node, lon, lat, skills ("rescue|medic"), headcount; a copy."""
        d = self._core._depots()
        r = self._memo("roads_raw", self._core._roads)
        node = d["team_node"]
        return pd.DataFrame({"id": list(d["team_id"]), "node": node, "lon": r["node_lon"][node],
                             "lat": r["node_lat"][node], "skills": list(d["team_skills"]),
                             "headcount": d["team_headcount"]})

    def to_risk_map(self, config: Optional[Any] = None, *, adjacency: bool = True, supply: bool = True) -> RiskMap:
        """A ``ck.RiskMap`` of every place with links.

        Links: ``containment`` (each place and its parent, undirected);
        ``adjacency`` between grid cells sharing a side (undirected); and
        ``supply`` from each substation and water plant to the key sites
        in the cells it serves (directed), so an outage's risk reaches the
        hospitals and nursing homes that depend on it.
        """
        pl = self._memo("places", self._make_places)
        rm = RiskMap(pl, config=config)
        d = self._core._places()
        child = np.flatnonzero(d["parent"] >= 0)
        rm.add_links_indices(child, d["parent"][child], type="containment", directed=False)
        b = self._core.blocks
        rows, cols = self.shape
        if adjacency:
            idx = np.arange(rows * cols).reshape(rows, cols) + b["first_cell"]
            src = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
            dst = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
            if len(src):
                rm.add_links_indices(src, dst, type="adjacency", directed=False)
        if supply:
            s = self._memo("sites", self._make_sites)
            cells = self._core._cells()
            dep = s[s.kind.isin(["school", "nursing_home", "hospital", "subway_station"])]
            cell = dep["cell"].to_numpy()
            site_rows = dep.index.to_numpy() + b["first_site"]
            src = np.concatenate([cells["substation"][cell], cells["water_plant"][cell]]) + b["first_site"]
            dst = np.concatenate([site_rows, site_rows])
            if len(src):
                rm.add_links_indices(src, dst, type="supply", directed=True)
        return rm

    def summary(self) -> pd.Series:
        """Counts and totals: population, vulnerable, cells, places by kind, nodes, edges, depots, teams."""
        pl = self._memo("places", self._make_places)
        cells = self._memo("cells", self._make_cells)
        r = self._memo("roads_raw", self._core._roads)
        d = self._core._depots()
        out = {"population": int(cells.population.sum()), "vulnerable": int(cells.vulnerable.sum()),
               "cells": len(cells), "river_cells": int(cells.river.sum())}
        counts = pl.kind.value_counts()
        for k in PLACE_KINDS[1:]:
            if k != "grid_cell":
                out[k] = int(counts.get(k, 0))
        out.update(nodes=len(r["node_lon"]), edges=len(r["from"]),
                   road_km=float(np.sum(r["length_m"]) / 1000), depots=len(d["id"]), teams=len(d["team_id"]))
        return pd.Series(out, name="city")

    def __repr__(self) -> str:
        p = self._core.params
        rows, cols = self.shape
        r = self._memo("roads_raw", self._core._roads)
        return (f"City(population={p['population']:,}, seed={p['seed']}, cells={rows}×{cols} of {p['cell_m']:g} m, "
                f"places={len(self._core._places()['id']):,}, nodes={len(r['node_lon']):,}, edges={len(r['from']):,})")

    def _needs_frame(self, depth: Dict[str, np.ndarray], node_of_cell: np.ndarray) -> pd.DataFrame:
        """Rows for ck.derive_needs from per-cell damage (see RainState.needs_places)."""
        cells = self._memo("cells", self._make_cells)
        sites = self._memo("sites", self._make_sites)
        pop = cells.population.to_numpy(dtype=float)
        vul = cells.vulnerable.to_numpy(dtype=float)
        occ = sites[sites.kind.isin(_OCCUPIED) & (sites.population > 0)]
        carved = np.bincount(occ.cell, weights=occ.population, minlength=len(cells))
        carved_v = np.bincount(occ.cell, weights=occ.vulnerable, minlength=len(cells))
        res_pop = pop - carved
        res_vul = np.clip(vul - carved_v, 0, res_pop)
        share = np.divide(depth["trapped"], pop, out=np.zeros_like(pop), where=pop > 0)
        cols = ("affected_share", "displaced_share", "water_outage", "power_outage")
        frame = pd.DataFrame({"id": cells.id, "kind": "grid_cell", "priority": "residential",
                              "population": res_pop, "vulnerable": res_vul,
                              **{c: depth[c] for c in cols},
                              "trapped": np.minimum(share * res_pop, res_pop), "node": node_of_cell,
                              "lon": cells.lon, "lat": cells.lat})
        c = occ.cell.to_numpy()
        site_rows = pd.DataFrame({"id": occ.id.to_numpy(), "kind": occ.kind.to_numpy(), "priority": occ.kind.to_numpy(),
                                  "population": occ.population.to_numpy(dtype=float),
                                  "vulnerable": np.minimum(occ.vulnerable.to_numpy(dtype=float), occ.population.to_numpy(dtype=float)),
                                  **{k: depth[k][c] for k in cols},
                                  "trapped": np.minimum(share[c] * occ.population.to_numpy(dtype=float),
                                                        occ.population.to_numpy(dtype=float)),
                                  "node": node_of_cell[c], "lon": occ.lon.to_numpy(), "lat": occ.lat.to_numpy()})
        out = pd.concat([frame, site_rows], ignore_index=True)
        return out[out.population > 0].reset_index(drop=True)


def _signals_frame(city: City, cols: Dict[str, np.ndarray]) -> pd.DataFrame:
    ids = city._memo("places", city._make_places)["id"].to_numpy()
    return pd.DataFrame({
        "place": ids[cols["place"]],
        "time": _utc(cols["time"]),
        "kind": pd.Categorical.from_codes(cols["kind"], categories=list(SIGNAL_KINDS)),
        "intensity": cols["intensity"],
        "confidence": cols["confidence"],
    })


def _storm_columns(storms: Any) -> Dict[str, np.ndarray]:
    df = storms if isinstance(storms, pd.DataFrame) else pd.DataFrame(storms)
    need = ("x_m", "y_m", "radius_m", "peak_mm_h", "start", "peak", "end")
    for c in need:
        if c not in df.columns:
            raise invalid(f"storms.{c}", None, list(df.columns), "is a required column")
    out = {c: np.asarray(df[c], dtype=float) for c in ("x_m", "y_m", "radius_m", "peak_mm_h")}
    for c in ("vx_ms", "vy_ms"):
        out[c] = np.asarray(df[c], dtype=float) if c in df.columns else np.zeros(len(df))
    for c in ("start", "peak", "end"):
        out[c] = to_seconds_array(df[c], f"storms.{c}")
    return out


@dataclass(repr=False)
class RainState:
    """The rainstorm at one step (arrays per cell unless said).

    ``depth_m``, ``max_depth_m``, ``rain_mm`` (in the step), ``trapped``
    (people), ``affected_share``, ``displaced_share``, ``power_outage``,
    ``water_outage``; ``closed_edges`` / ``slowed_edges`` + ``slow_factor``
    (road edge ids, for ``RoadNetwork.close_edges`` / ``slow_edges``);
    ``stopped_stations`` (site ids), ``stopped_lines``, ``failed_sites``
    (substations and water plants down, ids); ``signals`` (a DataFrame
    ``ck.RiskMap.add_signals`` takes); the cumulative water budget in m³.
    """

    city: City
    time: pd.Timestamp
    previous: pd.Timestamp
    depth_m: np.ndarray
    max_depth_m: np.ndarray
    rain_mm: np.ndarray
    trapped: np.ndarray
    affected_share: np.ndarray
    displaced_share: np.ndarray
    power_outage: np.ndarray
    water_outage: np.ndarray
    closed_edges: np.ndarray
    slowed_edges: np.ndarray
    slow_factor: np.ndarray
    stopped_stations: List[str]
    stopped_lines: np.ndarray
    failed_sites: List[str]
    signals: pd.DataFrame
    water_m3: Dict[str, float] = field(default_factory=dict)

    @classmethod
    def _from(cls, city: City, d: Dict[str, Any]) -> "RainState":
        site_ids = city._memo("sites", city._make_sites)["id"].to_numpy()
        return cls(city=city, time=from_seconds(d["time"]), previous=from_seconds(d["previous"]),
                   depth_m=d["depth_m"], max_depth_m=d["max_depth_m"], rain_mm=d["rain_mm"], trapped=d["trapped"],
                   affected_share=d["affected_share"], displaced_share=d["displaced_share"],
                   power_outage=d["power_outage"], water_outage=d["water_outage"], closed_edges=d["closed_edges"],
                   slowed_edges=d["slowed_edges"], slow_factor=d["slow_factor"],
                   stopped_stations=list(site_ids[d["stopped_stations"]]), stopped_lines=d["stopped_lines"],
                   failed_sites=list(site_ids[d["failed_sites"]]), signals=_signals_frame(city, d["signals"]),
                   water_m3={k: d[k] for k in ("rain_m3", "stored_m3", "drained_m3", "river_m3")})

    @property
    def slowed(self) -> pd.DataFrame:
        """Slowed edges: edge, factor (travel-time multiplier > 1)."""
        return pd.DataFrame({"edge": self.slowed_edges, "factor": self.slow_factor})

    def apply_to(self, net: RoadNetwork, *, slow_bins: int = 4) -> None:
        """Apply this step's closures and slow-downs to ``net`` (built by
        ``city.road_network()``), after ``net.restore()``: closed edges, and
        slowed edges grouped into ``slow_bins`` factor bands, each slowed by
        its band's smallest factor (``RoadNetwork.slow_edges`` takes one factor a call)."""
        net.restore()
        if len(self.closed_edges):
            net.close_edges(self.closed_edges)
        if len(self.slowed_edges):
            edges = np.quantile(self.slow_factor, np.linspace(0, 1, slow_bins + 1))
            band = np.clip(np.searchsorted(edges, self.slow_factor, side="right") - 1, 0, slow_bins - 1)
            for b in np.unique(band):
                sel = band == b
                net.slow_edges(self.slowed_edges[sel], by=float(max(1.0, self.slow_factor[sel].min())))

    def cells_frame(self) -> pd.DataFrame:
        """One row per cell: id, depth_m, max_depth_m, rain_mm, trapped, and the four shares."""
        cells = self.city._memo("cells", self.city._make_cells)
        return pd.DataFrame({"id": cells.id, "depth_m": self.depth_m, "max_depth_m": self.max_depth_m,
                             "rain_mm": self.rain_mm, "trapped": self.trapped, "affected_share": self.affected_share,
                             "displaced_share": self.displaced_share, "power_outage": self.power_outage,
                             "water_outage": self.water_outage})

    def needs_places(self, *, staging: bool = True, close_depth_m: float = 0.3) -> pd.DataFrame:
        """Places for ``ck.derive_needs``: each grid cell's residents outside
        schools, nursing homes and hospitals (priority ``residential``), and
        those sites' occupants (priority = their kind), with their cell's
        damage shares, trapped people split in proportion to people, and a
        road ``node``. Rows with no people are left out.

        ``staging=True`` (default): a cell under ``close_depth_m`` or more of
        water, or whose nearest road node stands in such a cell, is served at
        the road node of the nearest cell where neither is (its staging
        point, 集结点: trucks stop at the water's edge, boats go on);
        otherwise every row uses its own cell's nearest node, which
        ``ck.match`` then reports as ``cut_off_by_damage``."""
        cells = self.city._memo("cells", self.city._make_cells)
        node = cells.node.to_numpy()
        if staging:
            from scipy.ndimage import distance_transform_edt
            rows, cols = self.city.shape
            # A dry cell's nearest node may lie in a flooded neighbour (cells without streets): not a staging point.
            node_cell = self.city._memo("roads_raw", self.city._core._roads)["node_cell"]
            deep = self.depth_m >= close_depth_m
            wet = (deep | deep[np.asarray(node_cell)[node]]).reshape(rows, cols)
            if wet.any() and not wet.all():
                _, (ri, ci) = distance_transform_edt(wet, return_indices=True)
                node = node[(ri * cols + ci).ravel()]
        return self.city._needs_frame(
            {"affected_share": self.affected_share, "displaced_share": self.displaced_share,
             "water_outage": self.water_outage, "power_outage": self.power_outage, "trapped": self.trapped}, node)

    def summary(self) -> Dict[str, Any]:
        """Headline figures of the step."""
        pop = self.city._memo("cells", self.city._make_cells).population.to_numpy(dtype=float)
        return {"time": self.time, "rain_mm_max": float(self.rain_mm.max(initial=0)),
                "depth_m_max": float(self.depth_m.max(initial=0)),
                "flooded_cells": int(np.sum(self.depth_m >= 0.3)), "closed_edges": len(self.closed_edges),
                "slowed_edges": len(self.slowed_edges), "trapped": float(self.trapped.sum()),
                "without_power": float(self.power_outage @ pop), "without_water": float(self.water_outage @ pop),
                "stopped_lines": len(self.stopped_lines), "failed_sites": len(self.failed_sites),
                "signals": len(self.signals)}

    def __repr__(self) -> str:
        s = self.summary()
        return (f"RainState(time={self.time}, max depth {s['depth_m_max']:.2f} m, {s['flooded_cells']} cells ≥ 0.3 m, "
                f"{s['closed_edges']} roads closed, {s['trapped']:.0f} trapped, {s['signals']} signals)")


@dataclass(repr=False)
class RainRun:
    """Every state of ``Rainstorm.run``: ``states``, ``signals`` (all steps),
    ``summary`` (one row per step) and ``depth`` (#steps × #cells, m)."""

    states: List[RainState]

    @property
    def signals(self) -> pd.DataFrame:
        frames = [s.signals for s in self.states if len(s.signals)]
        if not frames:
            return self.states[0].signals.iloc[:0] if self.states else pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([s.summary() for s in self.states])

    @property
    def depth(self) -> np.ndarray:
        return np.vstack([s.depth_m for s in self.states]) if self.states else np.empty((0, 0))

    def __repr__(self) -> str:
        if not self.states:
            return "RainRun(no steps)"
        sm = self.summary
        return (f"RainRun({len(self.states)} steps {self.states[0].previous} → {self.states[-1].time}; "
                f"peak {sm.flooded_cells.max()} cells ≥ 0.3 m, {sm.closed_edges.max()} roads closed, "
                f"{sm.trapped.max():.0f} trapped)")


class Rainstorm:
    """An extreme rainstorm over a city, stepped on the clock you give.

    Parameters
    ----------
    city : City
    storms : DataFrame or dict of columns, optional
        Storm cells: ``x_m, y_m`` (centre at ``start``, metres east/north of
        the city centre), ``vx_ms, vy_ms`` (m/s, default 0), ``radius_m`` (σ),
        ``peak_mm_h``, ``start, peak, end`` (times). Default: the flagship
        preset :meth:`extreme_storms` (~600 mm in the wettest cell's wettest
        24 h, after Zhengzhou 7·20).
    start : time
        Clock time of the dry initial state (int UTC seconds, datetime64,
        aware datetime/Timestamp or ISO text with an offset).
    seed, total_24h_mm :
        For the preset.
    **params :
        ``FloodParams`` fields: ``close_depth_m`` (0.3), ``slow_from_m``,
        ``subway_close_m``, ``flow_share``, ``max_substep_s``,
        ``river_stage_m`` (4.0: the river's flood stage above its bed; land
        water enters the river only above it; 0 makes the river a sink at
        its bed), … (see ``include/crisiskit/scenario/rainstorm.hpp``).

    ``step(t)`` advances to ``t`` (later than the last step) and returns a
    :class:`RainState`; ``run(times)`` steps through all of them. Pickles
    with its state (the city is pickled with it).
    """

    def __init__(self, city: City, storms: Any = None, *, start: Any, seed: int = 0, total_24h_mm: float = 600.0,
                 **params: float) -> None:
        if not isinstance(city, City):
            raise invalid("city", None, type(city).__name__, "must be a ck.scenario.City")
        self.city = city
        cols = (self.extreme_storms(city, start, seed=seed, total_24h_mm=total_24h_mm) if storms is None
                else None)
        cols_dict = _storm_columns(cols if cols is not None else storms)
        self._core = _core._RainstormCore(city._core, cols_dict, to_seconds(start, "start"),
                                          {k: float(v) for k, v in params.items()})

    @staticmethod
    def extreme_storms(city: City, start: Any, *, seed: int = 0, total_24h_mm: float = 600.0) -> pd.DataFrame:
        """The flagship preset's storm cells as a DataFrame (editable, then pass as ``storms``)."""
        d = _core._extreme_storms(city._core, start, int(seed), float(total_24h_mm))
        df = pd.DataFrame({k: d[k] for k in ("x_m", "y_m", "vx_ms", "vy_ms", "radius_m", "peak_mm_h")})
        for k in ("start", "peak", "end"):
            df[k] = _utc(d[k])
        return df

    @property
    def storms(self) -> pd.DataFrame:
        """The storm cells in use."""
        d = self._core._storms
        df = pd.DataFrame({k: d[k] for k in ("x_m", "y_m", "vx_ms", "vy_ms", "radius_m", "peak_mm_h")})
        for k in ("start", "peak", "end"):
            df[k] = _utc(d[k])
        return df

    @property
    def params(self) -> Dict[str, float]:
        return dict(self._core._params)

    @property
    def time(self) -> pd.Timestamp:
        """The clock time of the current state."""
        return from_seconds(self._core._time)

    @property
    def depth_m(self) -> np.ndarray:
        """Water depth per cell now, metres."""
        return self._core.depth_m

    def rain_field(self, time: Any) -> np.ndarray:
        """Rain rate per cell at ``time``, mm/h."""
        return self._core.rain_field(time)

    def max_24h_mm(self) -> float:
        """The wettest cell's wettest 24 h total of the storms (10-minute sums), mm."""
        st = self.storms
        cols = _storm_columns(st)
        return float(_core._max_24h_mm(self.city._core, cols, int(cols["start"].min()), int(cols["end"].max())))

    def step(self, time: Any) -> RainState:
        """Advance to ``time`` and return the state there (GIL released).

        Raises ``InvalidInput`` if ``time`` is not after the current time."""
        return RainState._from(self.city, self._core._step(time))

    def run(self, times: Iterable[Any]) -> RainRun:
        """Step through ``times`` (increasing) and keep every state."""
        return RainRun([self.step(int(t)) for t in to_seconds_array(list(times) if not isinstance(times, (np.ndarray, pd.Index, pd.Series)) else times, "times")])

    def __reduce__(self) -> Any:
        return (Rainstorm._restore, (self.city, self._core.to_bytes()))

    @classmethod
    def _restore(cls, city: City, data: bytes) -> "Rainstorm":
        obj = cls.__new__(cls)
        obj.city = city
        obj._core = _core._RainstormCore._from_bytes(city._core, data)
        return obj

    def __repr__(self) -> str:
        return (f"Rainstorm({len(self.storms)} storm cells over {self.city.summary()['cells']} cells, "
                f"time={self.time})")


@dataclass(repr=False)
class CrowdState:
    """The gathering at one step: crowd (people), heat (0–100),
    negative_share (0–1), new/total incident reports, signals."""

    time: pd.Timestamp
    crowd: float
    heat: float
    negative_share: float
    new_incidents: int
    total_incidents: int
    signals: pd.DataFrame

    def __repr__(self) -> str:
        return (f"CrowdState(time={self.time}, crowd={self.crowd:,.0f}, heat={self.heat:.1f}, "
                f"negative={self.negative_share:.0%}, incidents={self.total_incidents})")


class CrowdGathering:
    """A social crisis: a crowd at a venue with rising public-opinion heat.

    Parameters
    ----------
    city : City
    start : time
        When the gathering begins.
    clock_start : time, optional
        Clock time of the initial state (default ``start``).
    venue : str, optional
        Site id of a ``crowded_venue`` (default: the largest).
    releases : list of times
        Official information releases; heat decays faster from the first on.
    seed : int
    **params :
        ``peak_share``, ``rise_h``, ``disperse_h``, ``incident_rate_h``,
        ``heat_gain_h``, ``heat_half_life_h``, ``release_half_life_h``,
        ``negative_base``, ``negative_top``, ``petitions`` (see
        ``include/crisiskit/scenario/crowd_gathering.hpp``).
    """

    def __init__(self, city: City, *, start: Any, clock_start: Any = None, venue: Optional[str] = None,
                 releases: Iterable[Any] = (), seed: int = 0, **params: Any) -> None:
        if not isinstance(city, City):
            raise invalid("city", None, type(city).__name__, "must be a ck.scenario.City")
        self.city = city
        sites = city._memo("sites", city._make_sites)
        p: Dict[str, Any] = dict(params)
        if venue is not None:
            hit = np.flatnonzero(sites.id.to_numpy() == venue)
            if not len(hit) or sites.kind.iloc[hit[0]] != "crowded_venue":
                raise invalid("venue", None, venue, "must be the id of a crowded_venue site of the city")
            p["venue"] = int(hit[0])
        p.update(start=to_seconds(start, "start"), releases=[to_seconds(t, "releases") for t in releases], seed=int(seed))
        self._args = (p, to_seconds(start if clock_start is None else clock_start, "clock_start"))
        self._core = _core._CrowdCore(city._core, *self._args)
        self._steps: List[int] = []

    @property
    def time(self) -> pd.Timestamp:
        return from_seconds(self._core._time)

    @property
    def venue(self) -> str:
        """The venue's place id."""
        return str(self.city._memo("places", self.city._make_places)["id"].iloc[self._core.venue_place])

    def step(self, time: Any) -> CrowdState:
        """Advance to ``time`` (after the current time) and return the state."""
        d = self._core._step(time)
        self._steps.append(int(d["time"]))
        return CrowdState(time=from_seconds(d["time"]), crowd=d["crowd"], heat=d["heat"],
                          negative_share=d["negative_share"], new_incidents=int(d["new_incidents"]),
                          total_incidents=int(d["total_incidents"]), signals=_signals_frame(self.city, d["signals"]))

    def run(self, times: Iterable[Any]) -> Tuple[pd.DataFrame, pd.DataFrame]:
        """Step through ``times``: (timeline DataFrame, all signals)."""
        states = [self.step(int(t)) for t in to_seconds_array(list(times), "times")]
        timeline = pd.DataFrame([{k: getattr(s, k) for k in ("time", "crowd", "heat", "negative_share",
                                                              "new_incidents", "total_incidents")} for s in states])
        sig = [s.signals for s in states if len(s.signals)]
        return timeline, (pd.concat(sig, ignore_index=True) if sig else _signals_frame(
            self.city, {"place": np.empty(0, np.int32), "time": np.empty(0, np.int64), "kind": np.empty(0, np.uint8),
                        "intensity": np.empty(0), "confidence": np.empty(0)}))

    # Pickling replays the steps: the model is deterministic for its seed.
    def __reduce__(self) -> Any:
        return (CrowdGathering._replay, (self.city, self._args, list(self._steps)))

    @classmethod
    def _replay(cls, city: City, args: Any, steps: List[int]) -> "CrowdGathering":
        obj = cls.__new__(cls)
        obj.city, obj._args, obj._steps = city, args, []
        obj._core = _core._CrowdCore(city._core, *args)
        for t in steps:
            obj._core._step(t)
            obj._steps.append(t)
        return obj

    def __repr__(self) -> str:
        return f"CrowdGathering(venue={self.venue!r}, time={self.time}, heat={self._core.heat:.1f})"


# The hourly loop through every core (second part); imported last because it uses the classes above.
from .simulation import KPI_COLUMNS, PLANS, Plan, ScenarioResult, compare, run  # noqa: E402
from .sweep import sweep  # noqa: E402

__all__ += ["Plan", "PLANS", "KPI_COLUMNS", "ScenarioResult", "run", "compare", "sweep"]
from .report import report, to_geojson  # noqa: E402

__all__ += ["report", "to_geojson"]
