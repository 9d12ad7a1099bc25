"""Road-network importers: Helsinki OSM against an independent pyosmium reading,
the NY PACE graph, networkx round trips against networkx's Dijkstra, GeoJSON,
DIMACS, and bad input by field and row."""

from __future__ import annotations

import collections
import gzip
import json
import lzma
import math
import os
import random
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import crisiskit as ck
from conftest import SHARED_DATA

HELSINKI = os.path.join(SHARED_DATA, "roads", "helsinki.osm.pbf")
NY_PACE = os.path.join(SHARED_DATA, "roads", "NY.pace.gr.xz")
R = 6371008.8  # mean Earth radius (IUGG), metres


def haversine(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.asin(min(1.0, math.sqrt(a)))


def expect_invalid(field, index, call, match=None):
    """call() raises InvalidInput naming this field and row; returns it."""
    with pytest.raises(ck.InvalidInput, match=match) as exc:
        call()
    assert exc.value.field == field, str(exc.value)
    assert exc.value.index == index, str(exc.value)
    return exc.value


# ---------------------------------------------------------------- OSM: Helsinki vs pyosmium


CAR = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
       "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service",
       "road"}
CLASS_KMH = {"motorway": 90, "motorway_link": 45, "trunk": 85, "trunk_link": 40, "primary": 65, "primary_link": 30,
             "secondary": 55, "secondary_link": 25, "tertiary": 40, "tertiary_link": 20, "unclassified": 25,
             "residential": 25, "road": 25, "living_street": 10, "service": 15}


def oracle_car(path):
    """The car profile read straight from the tags with pyosmium (node locations by its own index)."""
    osmium = pytest.importorskip("osmium")

    class Roads(osmium.SimpleHandler):
        def __init__(self):
            super().__init__()
            self.ways = 0
            self.segments = []  # (from id, to id, oneway, length, way id, speed)
            self.dropped = 0

        def way(self, w):
            tags = {t.k: t.v for t in w.tags}
            hw = tags.get("highway")
            if hw not in CAR or tags.get("area") == "yes":
                return
            for k in ("motorcar", "motor_vehicle", "vehicle", "access"):
                if k in tags:
                    if tags[k] in ("no", "private"):
                        return
                    break
            ow = tags.get("oneway")
            if ow in ("reversible", "alternating"):
                return
            if ow in ("yes", "1", "true"):
                d = 1
            elif ow in ("-1", "reverse"):
                d = -1
            elif ow in ("no", "0", "false"):
                d = 0
            else:
                d = 1 if tags.get("junction") in ("roundabout", "circular") or hw == "motorway" else 0
            ms = tags.get("maxspeed")
            # Helsinki's maxspeed values are all plain km/h numbers; anything else would need reading here.
            assert ms is None or ms.isdigit(), ms
            speed = float(ms) if ms else CLASS_KMH[hw]
            self.ways += 1
            refs = list(w.nodes)
            for a, b in zip(refs[:-1], refs[1:]):
                if a.ref == b.ref:
                    continue
                if not (a.location.valid() and b.location.valid()):
                    self.dropped += 1
                    continue
                length = haversine(a.location.lon, a.location.lat, b.location.lon, b.location.lat)
                u, v = (b.ref, a.ref) if d < 0 else (a.ref, b.ref)
                self.segments.append((u, v, d != 0, length, w.id, speed))

    h = Roads()
    h.apply_file(path, locations=True)
    return h


@pytest.mark.skipif(not os.path.exists(HELSINKI), reason="shared data helsinki.osm.pbf not present")
def test_helsinki_matches_an_independent_pyosmium_reading():
    t0 = time.perf_counter()
    net = ck.read_osm(HELSINKI)
    seconds = time.perf_counter() - t0
    ref = oracle_car(HELSINKI)
    segs = ref.segments
    e = net.edges
    ids = net.node_ids
    # Graph size: every node of a kept segment, every segment.
    assert net.num_nodes == len({s[0] for s in segs} | {s[1] for s in segs})
    assert set(ids.tolist()) == {s[0] for s in segs} | {s[1] for s in segs}
    assert (np.diff(ids) > 0).all()
    assert net.num_edges == len(segs) == len(e)
    assert e["way_id"].nunique() == len({s[4] for s in segs})
    assert e.attrs["dropped_segments"] == ref.dropped
    # Total length within 1e-6 relative; each edge's too.
    total = sum(s[3] for s in segs)
    assert e["length_m"].sum() == pytest.approx(total, rel=1e-6)
    ours = collections.Counter(zip(ids[e["from"]].tolist(), ids[e["to"]].tolist(), e["oneway"].tolist()))
    theirs = collections.Counter((u, v, ow) for u, v, ow, *_ in segs)
    assert ours == theirs  # the same arcs, one-way ones in the same direction
    oneway_arcs = {(u, v) for u, v, ow in ours if ow}
    assert oneway_arcs == {(u, v) for u, v, ow, *_ in segs if ow}
    assert net.num_arcs == 2 * len(segs) - len([s for s in segs if s[2]])
    # Speeds by way, and time = length / speed.
    assert dict(zip(e["way_id"], e["speed_kmh"])) == {s[4]: s[5] for s in segs}
    np.testing.assert_allclose(e["time_s"], e["length_m"] / (e["speed_kmh"] / 3.6), rtol=1e-12)
    assert set(e["highway"]) <= CAR
    print(f"\nHelsinki: {net.num_nodes} nodes, {net.num_edges} edges, {len(oneway_arcs)} one-way arcs, "
          f"{ref.ways} routable ways, dropped {ref.dropped}, read in {seconds:.3f} s")


@pytest.mark.skipif(not os.path.exists(HELSINKI), reason="shared data helsinki.osm.pbf not present")
def test_helsinki_walk_profile_and_options():
    car = ck.read_osm(HELSINKI)
    walk = ck.read_osm(HELSINKI, profile="walk", walk_speed_kmh=4.0)
    assert walk.num_edges > car.num_edges
    assert not walk.edges["oneway"].any()
    assert (walk.edges["speed_kmh"] == 4.0).all()
    assert {"footway", "steps", "cycleway"} <= set(walk.edges["highway"])
    private = ck.read_osm(HELSINKI, allow_private=True)
    assert private.num_edges > car.num_edges
    slow = ck.read_osm(HELSINKI, speeds={"service": 5})
    svc = slow.edges["highway"].eq("service") & car.edges["speed_kmh"].eq(15)
    assert svc.any() and (slow.edges.loc[svc, "speed_kmh"] == 5).all()
    # Coordinates came along: paths have them, and times agree with a re-import.
    t = car.times(0)
    assert np.isfinite(t).sum() > 1


def test_read_osm_tiny_xml_and_bad_input(tmp_path):
    xml = tmp_path / "tiny.osm"
    xml.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="10" lat="60.0" lon="25.0"/><node id="20" lat="60.001" lon="25.0"/>'
        '<node id="30" lat="60.002" lon="25.0"/><node id="40" lat="60.002" lon="25.001"/>'
        '<way id="1"><nd ref="10"/><nd ref="20"/><tag k="highway" v="primary"/><tag k="maxspeed" v="RU:urban"/>'
        '<tag k="name" v="Main"/></way>'
        '<way id="2"><nd ref="20"/><nd ref="30"/><tag k="highway" v="residential"/><tag k="oneway" v="-1"/></way>'
        '<way id="3"><nd ref="30"/><nd ref="40"/><tag k="highway" v="footway"/></way>'
        "</osm>")
    net = ck.read_osm(xml)
    assert net.node_ids.tolist() == [10, 20, 30]
    e = net.edges
    assert list(e.columns) == ["from", "to", "length_m", "speed_kmh", "time_s", "oneway", "way_id", "highway", "name"]
    assert e["speed_kmh"].tolist() == [60.0, 25.0]
    assert e["oneway"].tolist() == [False, True]
    assert (e["from"][1], e["to"][1]) == (2, 1)  # oneway=-1: 30 → 20
    assert e["name"][0] == "Main" and pd.isna(e["name"][1])
    assert e["length_m"][0] == pytest.approx(haversine(25, 60, 25, 60.001), rel=1e-12)
    assert net.times(1)[2] == math.inf and net.times(2)[1] == pytest.approx(e["time_s"][1])
    assert ck.read_osm(xml, extra_highways=["footway"]).num_edges == 3

    err = expect_invalid("path", None, lambda: ck.read_osm(tmp_path / "missing.osm.pbf"), match="no such file")
    assert "missing.osm.pbf" in err.value
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dthis is not a pbf")
    expect_invalid("path", None, lambda: ck.read_osm(bad), match="not a readable OSM file")
    expect_invalid("profile", None, lambda: ck.read_osm(xml, profile="bike"))
    expect_invalid("speeds", None, lambda: ck.read_osm(xml, speeds={"residential": -3}))


# ---------------------------------------------------------------- PACE: New York


@pytest.mark.skipif(not os.path.exists(NY_PACE), reason="shared data NY.pace.gr.xz not present")
def test_ny_pace_counts_and_seeded_travel_times():
    t0 = time.perf_counter()
    net = ck.read_pace(NY_PACE, seed=7)
    seconds = time.perf_counter() - t0
    assert (net.num_nodes, net.num_edges) == (264_346, 365_050)
    assert net.num_arcs == 2 * 365_050
    e = net.edges
    assert not e["oneway"].any()
    assert e["length_m"].between(50, 500).all()
    assert "seeded" in e.attrs["travel_times"] and "seed 7" in e.attrs["travel_times"]
    assert net.node_ids[0] == 1 and net.node_ids[-1] == 264_346
    again = ck.read_pace(NY_PACE, seed=7)
    np.testing.assert_array_equal(again.edges["time_s"], e["time_s"])
    np.testing.assert_array_equal(again.times(0, limit_s=600), net.times(0, limit_s=600))
    other = ck.read_pace(NY_PACE, seed=8)
    assert not np.array_equal(other.edges["time_s"], e["time_s"])
    fast = ck.read_pace(NY_PACE, seed=7, length_m=(100, 100), speed_kmh=36)
    assert (fast.edges["time_s"] == 10.0).all()
    print(f"\nNY PACE: {net.num_nodes} nodes, {net.num_edges} edges, read in {seconds:.3f} s "
          "(travel times seeded: uniform 50-500 m at 30 km/h)")


def test_pace_and_dimacs_plain_gz_xz_and_bad_lines(tmp_path):
    pace = "c tiny\np tw 3 2\n1 2\n2 3\n"
    gr = "c tiny\np sp 3 3\na 1 2 10\na 2 3 20\na 3 1 5\n"
    co = "p aux sp co 3\nv 1 24938000 60169000\nv 2 24939000 60169000\nv 3 24940000 60170000\n"
    for suffix, pack in (("", lambda b: b), (".gz", gzip.compress), (".xz", lzma.compress)):
        (tmp_path / f"g.pace{suffix}").write_bytes(pack(pace.encode()))
        (tmp_path / f"g.gr{suffix}").write_bytes(pack(gr.encode()))
        (tmp_path / f"g.co{suffix}").write_bytes(pack(co.encode()))
        p = ck.read_pace(tmp_path / f"g.pace{suffix}", seed=3)
        assert (p.num_nodes, p.num_edges, p.num_arcs) == (3, 2, 4)
        d = ck.read_dimacs(tmp_path / f"g.gr{suffix}", tmp_path / f"g.co{suffix}")
        assert (d.num_nodes, d.num_edges, d.num_arcs) == (3, 3, 3)
        assert d.times(0).tolist() == [0, 10, 30]
        assert d.edges["oneway"].all() and d.edges["length_m"].isna().all()
        assert d.node_ids.tolist() == [1, 2, 3]
    assert ck.read_dimacs(tmp_path / "g.gr", seconds_per_unit=0.1).times(0).tolist() == pytest.approx([0, 1, 3])
    dm = ck.read_dimacs(tmp_path / "g.gr", metres_per_unit=1.0, speed_kmh=36)
    assert dm.edges["length_m"].tolist() == [10, 20, 5] and dm.times(0).tolist() == pytest.approx([0, 1, 3])

    (tmp_path / "bad.gr").write_text("p sp 3 1\nc fine\na 1 4 7\n")
    err = expect_invalid("line", 3, lambda: ck.read_dimacs(tmp_path / "bad.gr"), match="node id 4 is out of range 1..3")
    assert err.value == "'a 1 4 7'"
    (tmp_path / "bad.pace").write_text("p tw 3 1\n1 two\n")
    expect_invalid("line", 2, lambda: ck.read_pace(tmp_path / "bad.pace"))
    (tmp_path / "bad.co").write_text("p aux sp co 3\nv 1 0 0\nv 2 0 0\n")
    expect_invalid("coordinates", 3, lambda: ck.read_dimacs(tmp_path / "g.gr", tmp_path / "bad.co"))
    (tmp_path / "broken.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    expect_invalid("path", None, lambda: ck.read_pace(tmp_path / "broken.gz"), match="not a valid compressed file")
    expect_invalid("path", None, lambda: ck.read_pace(tmp_path / "nothing.pace"))
    expect_invalid("max_length_m", None, lambda: ck.read_pace(tmp_path / "g.pace", length_m=(10, 5)))
    expect_invalid("seed", None, lambda: ck.read_pace(tmp_path / "g.pace", seed=-1))
    expect_invalid("speed_kmh", None, lambda: ck.read_dimacs(tmp_path / "g.gr", metres_per_unit=2.0))


# ---------------------------------------------------------------- networkx


def random_graph(kind, n, m, seed, labels=None):
    rng = random.Random(seed)
    G = kind()
    names = labels or list(range(n))
    for i, v in enumerate(names):
        G.add_node(v, x=24.9 + 0.001 * (i % 17), y=60.1 + 0.001 * (i // 17))
    for _ in range(m):
        u, v = rng.choice(names), rng.choice(names)
        G.add_edge(u, v, travel_time=rng.choice([0.0, rng.uniform(1, 100)]), length=rng.uniform(10, 900),
                   speed_kph=rng.choice([30, 50]))
    return G


@pytest.mark.parametrize("kind", [nx.Graph, nx.DiGraph, nx.MultiDiGraph, nx.MultiGraph])
def test_from_networkx_times_equal_networkx_shortest_path_length(kind):
    labels = [f"n{i}" for i in range(80)] if kind is nx.DiGraph else ([(i, "x") for i in range(80)]
                                                                    if kind is nx.MultiGraph else None)
    G = random_graph(kind, 80, 260, seed=hash(kind.__name__) % 1000, labels=labels)
    net = ck.from_networkx(G)
    nodes = list(G.nodes)
    assert net.num_nodes == len(nodes) and net.num_edges == G.number_of_edges()
    assert list(net.node_ids) == nodes
    for s in range(0, 80, 9):
        ref = nx.shortest_path_length(G, nodes[s], weight="travel_time")
        expect = np.array([ref.get(v, math.inf) for v in nodes])
        np.testing.assert_allclose(net.times(s), expect, rtol=1e-12, atol=1e-9)
    e = net.edges
    assert e["oneway"].all() == G.is_directed() and e["oneway"].any() == G.is_directed()
    assert ("key" in e.columns) == G.is_multigraph()
    # The fallback length / speed, and hop counts with weight=None.
    for _, _, d in G.edges(data=True):
        del d["travel_time"]
    by_len = ck.from_networkx(G)
    np.testing.assert_allclose(by_len.edges["time_s"], by_len.edges["length_m"] / (by_len.edges["speed_kmh"] / 3.6))
    hops = ck.from_networkx(G, weight=None).times(0)
    ref = nx.shortest_path_length(G, nodes[0])
    np.testing.assert_array_equal(hops, [ref.get(v, math.inf) for v in nodes])


def test_from_networkx_osmnx_attributes_and_bad_input():
    G = nx.MultiDiGraph()
    G.add_node(101, x=24.94, y=60.17)
    G.add_node(102, x=24.95, y=60.17)
    G.add_edge(101, 102, osmid=[5, 6], highway="primary", name="Mannerheimintie", length=555.0, speed_kph=50.0,
               travel_time=40.0)
    G.add_edge(102, 101, osmid=7, length=555.0, speed_kph=50.0, travel_time=40.0)
    net = ck.from_networkx(G)
    assert net.node_ids.dtype == np.int64 and net.node_ids.tolist() == [101, 102]
    e = net.edges
    assert e["way_id"].tolist() == [[5, 6], 7] and e["highway"][0] == "primary" and pd.isna(e["highway"][1])
    assert e["key"].tolist() == [0, 0]
    assert net.path(0, 1).tolist() == [0, 1]

    G.add_edge(101, 102, travel_time=float("nan"))
    expect_invalid("travel_time", 1, lambda: ck.from_networkx(G), match="edge \\(101, 102\\)")
    G.remove_edge(101, 102, key=1)
    G.add_edge(102, 101, length=3.0)
    expect_invalid("travel_time", 2, lambda: ck.from_networkx(G), match="nor 'length' with 'speed_kph'")
    G.remove_edge(102, 101, key=1)
    G.add_node(103)
    expect_invalid("x", 2, lambda: ck.from_networkx(G))
    P = nx.DiGraph()
    P.add_node("a", x=385000.0, y=6672000.0)  # projected metres, not degrees
    expect_invalid("x", 0, lambda: ck.from_networkx(P), match="project_graph")
    empty = ck.from_networkx(nx.Graph())
    assert (empty.num_nodes, empty.num_edges, len(empty.edges)) == (0, 0, 0)


# ---------------------------------------------------------------- GeoJSON


def line(coords, **props):
    return {"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_geojson_shared_vertices_oneway_and_speeds(tmp_path):
    a, b, c, d, f = [24.94, 60.17], [24.95, 60.17], [24.95, 60.18], [24.96, 60.18], [24.96, 60.19]
    fc = collection(
        line([a, b, c], highway="primary", name="Main"),                       # 65 km/h class speed
        line([c, d], oneway="yes", maxspeed="30 mph"),                         # one-way c → d
        line([f, d], oneway=-1, speed_kmh=20, maxspeed=90),                    # reversed: d → f; speed_kmh wins
        {"type": "Feature", "properties": None,
         "geometry": {"type": "MultiLineString", "coordinates": [[a, a, [24.94, 60.16]], [b, [24.95, 60.16, 12.0]]]}},
        line([d, [24.97, 60.18]], oneway="reversible"),                         # left out, as in OSM
        line([c, [24.95, 60.185]], junction="roundabout", maxspeed="FI:urban"),
    )
    net = ck.read_geojson(fc)
    e = net.edges
    assert net.num_nodes == 8 and net.num_edges == 7
    assert net.node_ids.tolist() == list(range(8))
    assert e["feature"].tolist() == [0, 0, 1, 2, 3, 3, 5]
    assert e["speed_kmh"].tolist() == pytest.approx([65, 65, 30 * 1.609344, 20, 50, 50, 50])
    assert e["oneway"].tolist() == [False, False, True, True, False, False, True]
    assert (e["from"][3], e["to"][3]) == (3, 4)  # d → f
    assert e["highway"].tolist()[:2] == ["primary", "primary"] and pd.isna(e["highway"][2]) and e["name"][0] == "Main"
    assert e["length_m"][0] == pytest.approx(haversine(*a, *b), rel=1e-12)
    np.testing.assert_allclose(e["time_s"], e["length_m"] / (e["speed_kmh"] / 3.6))
    t = net.times(0)
    assert t[3] == pytest.approx(e["time_s"][:3].sum()) and t[4] == pytest.approx(e["time_s"][:4].sum())
    assert math.isinf(net.times(4)[0])  # f is a dead end of one-way streets
    # From a file, plain and gzipped, with the same result.
    (tmp_path / "roads.geojson").write_text(json.dumps(fc))
    (tmp_path / "roads.geojson.gz").write_bytes(gzip.compress(json.dumps(fc).encode()))
    for name in ("roads.geojson", "roads.geojson.gz"):
        again = ck.read_geojson(tmp_path / name)
        np.testing.assert_array_equal(again.edges["time_s"], e["time_s"])
    assert ck.read_geojson(collection(line([a, b])), default_speed_kmh=10).edges["speed_kmh"][0] == 10


@pytest.mark.parametrize("bad, field, index", [
    (collection(line([[24.9, 60.1], [24.9, float("nan")]])), "geometry.coordinates", 0),
    (collection(line([[24.9, 60.1], [24.9, 60.2]]), line([[24.9, 60.1], [24.9, 95.0]])), "geometry.coordinates", 1),
    (collection(line([[24.9, 60.1], [190.0, 60.2]])), "geometry.coordinates", 0),
    (collection(line([[24.9, 60.1]])), "geometry.coordinates", 0),
    (collection(line([[24.9, 60.1], ["x", 1]])), "geometry.coordinates", 0),
    (collection(line([[24.9, 60.1], [24.9, 60.2]]), {"type": "Feature", "properties": {},
                 "geometry": {"type": "Polygon", "coordinates": []}}), "geometry.type", 1),
    (collection({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}),
     "geometry.type", 0),
    (collection({"type": "Feature", "properties": {}, "geometry": None}), "geometry.type", 0),
    (collection(line([[24.9, 60.1], [24.9, 60.2]], speed_kmh=-5)), "properties.speed_kmh", 0),
    (collection(line([[24.9, 60.1], [24.9, 60.2]], maxspeed=0)), "properties.maxspeed", 0),
    (collection(line([[24.9, 60.1], [24.9, 60.2]], oneway={"yes": 1})), "properties.oneway", 0),
    ({"type": "Feature"}, "type", None),
    ({"type": "FeatureCollection", "features": 3}, "features", None),
])
def test_geojson_bad_input_names_field_and_row(bad, field, index):
    expect_invalid(field, index, lambda: ck.read_geojson(bad))


def test_geojson_bad_files(tmp_path):
    (tmp_path / "x.geojson").write_text("{not json")
    expect_invalid("path", None, lambda: ck.read_geojson(tmp_path / "x.geojson"), match="is not JSON")
    expect_invalid("path", None, lambda: ck.read_geojson(tmp_path / "missing.geojson"))
    empty = ck.read_geojson(collection())
    assert (empty.num_nodes, empty.num_edges) == (0, 0)
