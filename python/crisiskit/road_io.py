"""Road-network importers (路网导入): OpenStreetMap, DIMACS, PACE, networkx and
GeoJSON → :class:`crisiskit.RoadNetwork`.

Every importer returns a plain ``RoadNetwork`` with two more attributes:

``node_ids`` : numpy.ndarray, shape (num_nodes,)
    The source's id (or label) of each node, in node order: OSM node ids,
    DIMACS/PACE 1-based ids, networkx labels, ``0..n-1`` for GeoJSON.
``edges`` : pandas.DataFrame, one row per edge (edge ids are row numbers)
    ``from``, ``to`` (node indices), ``length_m``, ``speed_kmh``, ``time_s``,
    ``oneway`` (bool), and where the source has them ``way_id``, ``highway``,
    ``name`` (OSM), ``key`` (networkx multigraphs), ``feature`` (GeoJSON).
    ``edges.attrs`` carries notes such as how PACE travel times were drawn.

The text formats are read in C++ with the GIL released; ``.gz`` and ``.xz``
files are recognised by their first bytes and decompressed here.
"""

from __future__ import annotations

import gzip
import json
import lzma
import math
import numbers
import operator
import os
import zlib
from typing import Any, Dict, Hashable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from .matching import RoadNetwork

__all__ = ["from_networkx", "read_dimacs", "read_geojson", "read_osm", "read_pace"]

PathLike = Union[str, "os.PathLike[str]"]


def _read_bytes(path: PathLike, field: str) -> bytes:
    """A file's bytes, gunzipped or un-xz'd when its first bytes say so."""
    shown = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise invalid(field, None, shown, f"cannot be read: {e.strerror or e}") from e
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as e:
        raise invalid(field, None, shown, f"is not a valid compressed file: {e}") from e
    return data


def _network(num_nodes: int, frm: np.ndarray, to: np.ndarray, length_m: np.ndarray, speed_kmh: np.ndarray,
             time_s: np.ndarray, oneway: np.ndarray, lon: Optional[np.ndarray], lat: Optional[np.ndarray],
             node_ids: np.ndarray, extra: Optional[Dict[str, Any]] = None, **attrs: Any) -> RoadNetwork:
    """A RoadNetwork through its public constructor, with ``node_ids`` and the ``edges`` frame attached."""
    ow = np.asarray(oneway, dtype=bool)
    net = RoadNetwork(num_nodes, frm, to, time_s=time_s, oneway=ow, lon=lon, lat=lat)
    edges = {"from": frm, "to": to, "length_m": length_m, "speed_kmh": speed_kmh, "time_s": time_s, "oneway": ow}
    edges.update(extra or {})
    frame = pd.DataFrame(edges)
    frame.attrs.update(attrs)
    net.node_ids = node_ids
    net.edges = frame
    return net


def _from_table(t: Mapping[str, Any], extra: Optional[Dict[str, Any]] = None, **attrs: Any) -> RoadNetwork:
    """The network of a C++ table dict."""
    has_xy = len(t["lon"]) > 0
    return _network(int(t["num_nodes"]), t["from"], t["to"], t["length_m"], t["speed_kmh"], t["time_s"], t["oneway"],
                    t["lon"] if has_xy else None, t["lat"] if has_xy else None, t["node_id"], extra, **attrs)


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _real(value: Any, field: str, *, positive: bool = False) -> float:
    if not _is_number(value):
        raise invalid(field, None, value, "must be a number")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        raise invalid(field, None, value, "must be finite and " + ("> 0" if positive else "≥ 0"))
    return x


def read_osm(path: PathLike, *, profile: str = "car", extra_highways: Sequence[str] = (),
             speeds: Optional[Mapping[str, float]] = None, allow_private: bool = False,
             walk_speed_kmh: float = 5.0, format: Optional[str] = None, threads: int = 0) -> RoadNetwork:
    """Road network of an OpenStreetMap file (PBF, XML, .osm.gz/.bz2, OPL, O5M).

    Every node of a routable way becomes a node (so paths have coordinates),
    every pair of consecutive nodes of a way an edge; lengths are great-circle
    (haversine) metres.

    Parameters
    ----------
    path : str or path
        The file; its format is taken from the name (``.osm.pbf``, ``.osm``,
        ``.osm.bz2``, ...) unless ``format`` is given.
    profile : {"car", "walk"}
        ``"car"``: ``highway`` = motorway, trunk, primary, secondary, tertiary
        (and their ``_link``), unclassified, residential, living_street,
        service, road; skips ``area=yes``, ways whose most specific access tag
        (``motorcar`` > ``motor_vehicle`` > ``vehicle`` > ``access``) is
        ``no``/``private``, and ``oneway=reversible``. One-way from
        ``oneway=yes|1|true`` (``-1`` reverses), ``junction=roundabout|
        circular`` and motorways, unless ``oneway=no``. Speed from
        ``maxspeed`` (km/h, ``"30 mph"``, ``"FI:urban"`` = 50, ``"RU:urban"`` =
        60, ``"walk"`` = 7, ``"none"`` = 130, ...) else the class speed (e.g.
        residential 25, primary 65, motorway 90 km/h).
        ``"walk"``: also footway, path, pedestrian, steps, track, cycleway,
        bridleway, not motorways; access by ``foot`` > ``access``; every way
        two-way at ``walk_speed_kmh``.
    extra_highways : sequence of str
        More ``highway`` classes to include, e.g. ``["track"]``.
    speeds : dict of str to float, optional
        km/h per highway class for ways without a readable ``maxspeed``,
        replacing the built-in class speeds for the classes named (car).
    allow_private : bool
        Keep ``access=private`` ways (e.g. for emergency vehicles).
    walk_speed_kmh : float
        Speed of the walk profile, km/h (> 0).
    format : str, optional
        libosmium format name, e.g. ``"pbf"``, ``"osm"``, ``"osm.bz2"``.
    threads : int
        libosmium decoding threads; 0 = its default.

    Returns
    -------
    RoadNetwork
        With ``node_ids`` (OSM node ids, increasing) and ``edges`` (columns
        ``way_id``, ``highway``, ``name`` too; ``edges.attrs
        ["dropped_segments"]`` counts segments left out because a node has
        no location in the file, as in clipped extracts).

    Raises
    ------
    InvalidInput
        ``field="path"``: the file is missing, a directory, or not readable as
        OSM data (libosmium's reason is in the message); an unknown profile or
        a speed ≤ 0 names its parameter.

    Notes
    -----
    Runs in C++ (libosmium) with the GIL released; the file is read twice
    (ways, then the locations of their nodes). Turn restrictions and barriers
    are not read. Rules in ``include/crisiskit/match/osm_tags.hpp``.
    """
    speed_pairs = [(str(k), _real(v, "speeds", positive=True)) for k, v in (speeds or {}).items()]
    if isinstance(extra_highways, str):
        extra_highways = [extra_highways]
    t = _core._read_osm(os.fspath(path), str(profile), [str(h) for h in extra_highways], speed_pairs,
                        bool(allow_private), _real(walk_speed_kmh, "walk_speed_kmh", positive=True), format or "",
                        operator.index(threads))
    extra = {"way_id": t["way_id"], "highway": _objects(t["highway"]), "name": _objects([n or None for n in t["name"]])}
    return _from_table(t, extra, dropped_segments=int(t["dropped_segments"]))


def read_dimacs(path: PathLike, coordinates: Optional[PathLike] = None, *, seconds_per_unit: float = 1.0,
                metres_per_unit: Optional[float] = None, speed_kmh: Optional[float] = None) -> RoadNetwork:
    """Road network of a 9th DIMACS Challenge shortest-path graph (``.gr``).

    Format: comment lines ``c ...``, one problem line ``p sp <n> <m>``, then
    ``m`` arcs ``a <u> <v> <w>`` with 1-based node ids. Every arc is a one-way
    edge (the challenge files list both directions of a two-way road).

    Parameters
    ----------
    path : str or path
        The ``.gr`` file; plain, ``.gz`` or ``.xz``.
    coordinates : str or path, optional
        The matching ``.co`` file (``p aux sp co <n>``, then ``v <id> <x>
        <y>`` with x = longitude, y = latitude in millionths of a degree).
    seconds_per_unit : float
        ``time_s = w * seconds_per_unit``; the default reads weights as
        seconds. The challenge's own ``-t`` graphs use other units: check the
        source before quoting times.
    metres_per_unit, speed_kmh : float, optional
        Read weights as lengths instead: ``length_m = w * metres_per_unit``,
        ``time_s = length_m / (speed_kmh / 3.6)``.

    Returns
    -------
    RoadNetwork
        ``node_ids`` are the file's ids (1..n); ``edges.length_m`` and
        ``speed_kmh`` are NaN unless ``metres_per_unit`` is given.

    Raises
    ------
    InvalidInput
        A malformed line: ``field="line"`` (``"coordinates.line"`` for the
        ``.co``), ``index`` = its 1-based number, ``value`` = its text (node
        ids out of range, negative weights, counts that differ from the header
        ...); a node without coordinates: ``field="coordinates"``, ``index`` =
        its id; an unreadable file: ``field="path"`` or ``"coordinates"``.
    """
    gr = _read_bytes(path, "path")
    co = None if coordinates is None else _read_bytes(coordinates, "coordinates")
    if metres_per_unit is None:
        mpu, speed = 0.0, 0.0
        if speed_kmh is not None:
            raise invalid("speed_kmh", None, speed_kmh, "only with metres_per_unit (weights that are lengths)")
    else:
        mpu = _real(metres_per_unit, "metres_per_unit", positive=True)
        if speed_kmh is None:
            raise invalid("speed_kmh", None, None, "give the speed (km/h) with metres_per_unit")
        speed = _real(speed_kmh, "speed_kmh", positive=True)
    t = _core._parse_dimacs(gr, co, _real(seconds_per_unit, "seconds_per_unit"), mpu, speed)
    return _from_table(t)


def read_pace(path: PathLike, *, seed: int = 0, length_m: Tuple[float, float] = (50.0, 500.0),
              speed_kmh: float = 30.0) -> RoadNetwork:
    """Road network of a PACE 2016 graph (``p tw <n> <m>``, then ``<u> <v>``).

    The PACE conversion of the DIMACS road graphs keeps only the topology: no
    weights, no coordinates. **Travel times are therefore drawn**, not read:
    edge ``e`` (file order) gets a length uniform in ``length_m`` from
    ``std::mt19937_64(seed)`` (the same on every platform) and
    ``time_s = length / (speed_kmh / 3.6)``. Say so next to any figure
    measured on such a network; ``edges.attrs["travel_times"]`` says it too.

    Parameters
    ----------
    path : str or path
        Plain, ``.gz`` or ``.xz``.
    seed : int
        In ``[0, 2**64)``; the same seed gives the same times.
    length_m : (float, float)
        Smallest and largest edge length in metres (0 ≤ min ≤ max). The
        default 50–500 m is city-block-like, not measured.
    speed_kmh : float
        Speed on every edge, km/h (> 0).

    Returns
    -------
    RoadNetwork
        Two-way edges; ``node_ids`` are the file's ids (1..n).

    Raises
    ------
    InvalidInput
        A malformed line (``field="line"``, ``index`` = line number, ``value``
        = its text), a bad option (named), an unreadable file (``"path"``).

    Examples
    --------
    >>> net = ck.read_pace("../shared/data/roads/NY.pace.gr.xz", seed=1)  # doctest: +SKIP
    >>> net.num_nodes, net.num_edges  # doctest: +SKIP
    (264346, 365050)
    """
    try:
        s = operator.index(seed)
    except TypeError:
        raise invalid("seed", None, seed, "must be an integer") from None
    if not 0 <= s < 2**64:
        raise invalid("seed", None, seed, "must be in [0, 2**64)")
    try:
        lo, hi = length_m
    except (TypeError, ValueError):
        raise invalid("length_m", None, length_m, "must be a pair (min, max) of metres") from None
    lo_m, hi_m = _real(lo, "length_m"), _real(hi, "length_m")
    kmh = _real(speed_kmh, "speed_kmh", positive=True)
    text = _read_bytes(path, "path")
    t = _core._parse_pace(text, s, lo_m, hi_m, kmh)
    note = (f"seeded, not measured: lengths uniform in [{lo_m:g}, {hi_m:g}] m (mt19937_64, seed {s}) "
            f"at {kmh:g} km/h")
    return _from_table(t, travel_times=note)


def _objects(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array holding the values as they are (lists and tuples stay whole)."""
    out = np.empty(len(values), dtype=object)
    for i, x in enumerate(values):
        out[i] = x
    return out


def _node_ids(labels: List[Hashable]) -> np.ndarray:
    """Labels as a 1-D array: int64 or str when they all are, else object."""
    if labels and all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in labels):
        try:
            return np.asarray(labels, dtype=np.int64)
        except OverflowError:
            pass
    if labels and all(isinstance(x, str) for x in labels):
        return np.asarray(labels, dtype=str)
    return _objects(labels)


def _coordinates(G: Any, nodes: List[Hashable]) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """osmnx node attributes x (lon) and y (lat): all or none."""
    data = G.nodes
    xs = [data[v].get("x") for v in nodes]
    ys = [data[v].get("y") for v in nodes]
    if all(x is None for x in xs) and all(y is None for y in ys):
        return None, None
    out = []
    for name, vals, limit in (("x", xs, 180.0), ("y", ys, 90.0)):
        arr = np.empty(len(nodes))
        for i, v in enumerate(vals):
            if v is None:
                raise invalid(name, i, nodes[i], f"this node has no '{name}' while others have")
            try:
                arr[i] = float(v)
            except (TypeError, ValueError):
                raise invalid(name, i, v, "must be a number of degrees") from None
            if not -limit <= arr[i] <= limit:
                raise invalid(name, i, v, f"must be {'longitude' if name == 'x' else 'latitude'} in degrees "
                              f"(±{limit:g}); unproject first, e.g. ox.project_graph(G, to_latlong=True)")
        out.append(arr)
    return out[0], out[1]


def _edge_number(d: Mapping[str, Any], key: str) -> float:
    v = d.get(key)
    if v is None or isinstance(v, bool):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def from_networkx(G: Any, *, weight: Optional[str] = "travel_time") -> RoadNetwork:
    """Road network of a networkx graph, osmnx conventions.

    Parameters
    ----------
    G : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
        Any hashable node labels. A directed graph gives one-way edges (one
        per arc: osmnx lists both directions of a two-way street), an
        undirected one two-way edges. Node attributes ``x`` (longitude) and
        ``y`` (latitude) in degrees, on every node or on none. Edge attributes
        ``length`` (m), ``speed_kph`` (km/h) and ``travel_time`` (s) are read
        when present, and ``osmid``, ``highway``, ``name`` copied.
    weight : str or None
        Edge attribute holding the travel time in seconds (finite, ≥ 0). An
        edge without it falls back to ``length / (speed_kph / 3.6)``. ``None``:
        every edge takes 1 s (hop count), as in networkx.

    Returns
    -------
    RoadNetwork
        Nodes in ``G.nodes`` order, ``node_ids`` = the labels; edges in
        ``G.edges`` order (``edges`` has ``key`` for multigraphs).

    Raises
    ------
    InvalidInput
        ``field=weight``, ``index`` = edge row: a missing, negative or NaN
        time (the message names the edge's end labels); ``field="x"``/``"y"``,
        ``index`` = node row: a node without coordinates while others have
        them, or a value outside longitude/latitude range (projected graph).
    """
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    multi = bool(G.is_multigraph())
    directed = bool(G.is_directed())
    rows = G.edges(keys=True, data=True) if multi else G.edges(data=True)
    frm: List[int] = []
    to: List[int] = []
    length: List[float] = []
    speed: List[float] = []
    time: List[float] = []
    keys: List[Any] = []
    osm: Dict[str, List[Any]] = {"osmid": [], "highway": [], "name": []}
    for i, row in enumerate(rows):
        u, v, d = (row[0], row[1], row[3]) if multi else row
        if multi:
            keys.append(row[2])
        frm.append(index[u])
        to.append(index[v])
        L, S = _edge_number(d, "length"), _edge_number(d, "speed_kph")
        length.append(L)
        speed.append(S)
        if weight is None:
            t = 1.0
        elif weight in d:
            t = _edge_number(d, weight)
            if not (math.isfinite(t) and t >= 0):
                raise invalid(weight, i, d[weight], f"edge ({u!r}, {v!r}): must be a finite number of seconds ≥ 0")
        elif math.isfinite(L) and L >= 0 and math.isfinite(S) and S > 0:
            t = L / (S / 3.6)
        else:
            raise invalid(weight, i, None, f"edge ({u!r}, {v!r}) has no '{weight}', nor 'length' with 'speed_kph'")
        time.append(t)
        for k in osm:
            osm[k].append(d.get(k))
    lon, lat = _coordinates(G, nodes)
    extra: Dict[str, Any] = {"key": keys} if multi else {}
    for k, col in (("osmid", "way_id"), ("highway", "highway"), ("name", "name")):
        if any(x is not None for x in osm[k]):
            extra[col] = _objects(osm[k])
    return _network(len(nodes), np.asarray(frm, np.int64), np.asarray(to, np.int64), np.asarray(length),
                    np.asarray(speed), np.asarray(time), np.full(len(frm), directed), lon, lat, _node_ids(nodes), extra)


_ONEWAY_TEXT = {True: "yes", False: "no", 1: "1", 0: "0", -1: "-1"}


def _osm_text(value: Any, field: str, row: int) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int)) and value in _ONEWAY_TEXT:
        return _ONEWAY_TEXT[value]
    raise invalid(field, row, value, "must be a string (OSM value), a bool, 1, 0 or -1")


def _position(p: Any, row: int) -> Tuple[float, float]:
    if not isinstance(p, (list, tuple)) or len(p) < 2 or any(isinstance(c, bool) for c in p[:2]):
        raise invalid("geometry.coordinates", row, p, "a position is [longitude, latitude]")
    try:
        x, y = float(p[0]), float(p[1])
    except (TypeError, ValueError):
        raise invalid("geometry.coordinates", row, p, "a position is two numbers [longitude, latitude]") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise invalid("geometry.coordinates", row, p, "coordinates must be finite (no NaN or inf)")
    if not -180 <= x <= 180:
        raise invalid("geometry.coordinates", row, p, "longitude must be in [-180, 180] degrees")
    if not -90 <= y <= 90:
        raise invalid("geometry.coordinates", row, p, "latitude must be in [-90, 90] degrees")
    return x, y


def _speed_property(v: Any, field: str, row: int) -> float:
    x = float(v) if _is_number(v) else math.nan
    if not (math.isfinite(x) and x > 0):
        raise invalid(field, row, v, "must be a finite number of km/h > 0")
    return x


def _feature_speed(props: Mapping[str, Any], highway: Optional[str], row: int, default: float) -> float:
    if props.get("speed_kmh") is not None:
        return _speed_property(props["speed_kmh"], "properties.speed_kmh", row)
    ms = props.get("maxspeed")
    if ms is not None:
        if _is_number(ms):
            return _speed_property(ms, "properties.maxspeed", row)
        parsed = _core._osm_maxspeed(str(ms))
        if parsed is not None:
            return float(parsed)
    if highway is not None:
        cls = _core._osm_highway_speed(highway)
        if cls is not None:
            return float(cls)
    return default


def read_geojson(obj_or_path: Union[Mapping[str, Any], PathLike], *, default_speed_kmh: float = 50.0) -> RoadNetwork:
    """Road network of a GeoJSON (RFC 7946) FeatureCollection of lines.

    Each LineString, or each part of a MultiLineString, is a road; each pair
    of consecutive positions an edge (repeated positions make none), its
    length great-circle (haversine) metres. Positions with exactly the same
    longitude and latitude are the same node (altitude ignored), so roads
    meet where they share a vertex.

    Properties (all optional): ``oneway`` (``"yes"``/``true``/``1``,
    ``"-1"``/``-1`` reversed, ``"no"``/``false``; ``junction`` =
    ``"roundabout"`` and ``highway`` = ``"motorway"`` imply one-way; OSM
    rules, ``"reversible"`` roads are left out), speed from ``speed_kmh``
    (number), else ``maxspeed`` (number of km/h or OSM text such as
    ``"30 mph"``, ``"FI:urban"``), else the OSM class speed of ``highway``,
    else ``default_speed_kmh``; ``highway`` and ``name`` are copied.

    Parameters
    ----------
    obj_or_path : dict or str or path
        A parsed FeatureCollection, or a file holding one (plain, ``.gz`` or
        ``.xz``).
    default_speed_kmh : float
        km/h for features with no speed information (> 0).

    Returns
    -------
    RoadNetwork
        Nodes in order of first appearance; ``node_ids`` = ``0..n-1``;
        ``edges`` has ``feature`` (the feature's index), ``highway``, ``name``.

    Raises
    ------
    InvalidInput
        Naming field and feature row: ``"type"`` (not a FeatureCollection),
        ``"features"`` (not a list / feature not an object),
        ``"geometry.type"`` (not LineString or MultiLineString),
        ``"geometry.coordinates"`` (fewer than two positions, NaN, longitude
        or latitude out of range), ``"properties.speed_kmh"``,
        ``"properties.maxspeed"``, ``"properties.oneway"``; an unreadable
        file or bad JSON: ``"path"``.
    """
    default = _real(default_speed_kmh, "default_speed_kmh", positive=True)
    if isinstance(obj_or_path, Mapping):
        doc: Any = obj_or_path
    else:
        raw = _read_bytes(obj_or_path, "path")
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise invalid("path", None, os.fspath(obj_or_path), f"is not JSON: {e}") from e
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        shown = doc.get("type") if isinstance(doc, Mapping) else type(doc).__name__
        raise invalid("type", None, shown, "must be 'FeatureCollection'")
    features = doc.get("features")
    if not isinstance(features, list):
        raise invalid("features", None, type(features).__name__, "must be a list of Feature objects")
    node_of: Dict[Tuple[float, float], int] = {}
    xs: List[float] = []
    ys: List[float] = []
    frm: List[int] = []
    to: List[int] = []
    speed: List[float] = []
    oneway: List[bool] = []
    feature: List[int] = []
    highway_col: List[Optional[str]] = []
    name_col: List[Optional[str]] = []

    def node(p: Tuple[float, float]) -> int:
        k = node_of.get(p)
        if k is None:
            k = node_of[p] = len(xs)
            xs.append(p[0])
            ys.append(p[1])
        return k

    for i, f in enumerate(features):
        if not isinstance(f, Mapping):
            raise invalid("features", i, type(f).__name__, "a feature must be an object")
        geom = f.get("geometry")
        gtype = geom.get("type") if isinstance(geom, Mapping) else None
        lines: Any
        if gtype == "LineString":
            lines = [geom.get("coordinates") if isinstance(geom, Mapping) else None]
        elif gtype == "MultiLineString":
            lines = geom.get("coordinates") if isinstance(geom, Mapping) else None
            if not isinstance(lines, (list, tuple)):
                raise invalid("geometry.coordinates", i, lines, "a MultiLineString has a list of lines")
        else:
            raise invalid("geometry.type", i, gtype, "must be 'LineString' or 'MultiLineString'")
        props = f.get("properties") or {}
        if not isinstance(props, Mapping):
            raise invalid("properties", i, type(props).__name__, "must be an object or null")
        hw = props.get("highway")
        hw = None if hw is None else str(hw)
        direction = _core._osm_oneway(_osm_text(props.get("oneway"), "properties.oneway", i),
                                      _osm_text(props.get("junction"), "properties.junction", i), hw)
        if direction is None:
            continue  # reversible: as in OSM, not routable
        v = _feature_speed(props, hw, i, default)
        name = props.get("name")
        for line in lines:
            if not isinstance(line, (list, tuple)) or len(line) < 2:
                raise invalid("geometry.coordinates", i, line, "a line needs at least two positions")
            ids = [node(_position(p, i)) for p in line]
            for a, b in zip(ids[:-1], ids[1:]):
                if a == b:
                    continue
                if direction < 0:
                    a, b = b, a
                frm.append(a)
                to.append(b)
                speed.append(v)
                oneway.append(direction != 0)
                feature.append(i)
                highway_col.append(hw)
                name_col.append(None if name is None else str(name))
    lon, lat = np.asarray(xs, float), np.asarray(ys, float)
    f_idx, t_idx = np.asarray(frm, np.int64), np.asarray(to, np.int64)
    length = np.asarray(_core.haversine_m(lon[f_idx], lat[f_idx], lon[t_idx], lat[t_idx]), float).reshape(-1)
    spd = np.asarray(speed, float)
    extra = {"feature": np.asarray(feature, np.int64), "highway": _objects(highway_col), "name": _objects(name_col)}
    return _network(len(xs), f_idx, t_idx, length, spd, length / (spd / 3.6), np.asarray(oneway, bool), lon, lat,
                    np.arange(len(xs), dtype=np.int64), extra)
