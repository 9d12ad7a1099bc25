"""ck.scenario.report (HTML + CAP 1.2 + GeoJSON) and the scenario CLI (demo, run, compare)."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import crisiskit as ck

T0 = "2026-07-20T00:00:00+08:00"
SECTIONS = ["risk-map", "alerts", "severity", "routes", "plans", "review"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    city = ck.scenario.generate_city(60_000, seed=0)
    kept = {}
    table = ck.scenario.compare(city, ["A", "B", "C"], [0], start=T0, hours=36,
                                on_result=lambda r: kept.setdefault(r.plan.name, r))
    d = tmp_path_factory.mktemp("report")
    paths = ck.scenario.report(kept["B"], table, d / "report.html")
    return kept["B"], table, paths


def test_report_is_self_contained_and_has_every_section(outputs):
    r, table, paths = outputs
    doc = open(paths["html"], encoding="utf-8").read()
    for s in SECTIONS:
        assert f'id="{s}"' in doc
    # nothing fetched at view time: every src/href is inline data or a page anchor
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', doc)
    assert refs and all(x.startswith(("data:image/png;base64,", "#")) for x in refs), refs[:5]
    assert not re.search(r"<script[^>]*src|@import|url\(", doc)
    assert doc.count("data:image/png;base64,") == 4 + len(r.times)  # four figures + one risk-map frame an hour
    # the hourly slider: one radio and one frame per hour, the first checked, a :checked rule for each
    n = len(r.times)
    assert len(re.findall(r'<input type="radio" name="risk-hour"', doc)) == n
    assert len(re.findall(r'<input type="radio" name="risk-hour" id="rh0" checked', doc)) == 1 and doc.count(" checked ") == 1
    for k in (0, n // 2, n - 1):
        assert f'#rh{k}:checked~.rframes #rf{k}{{display:block}}' in doc and f'id="rf{k}"' in doc
    import base64
    import io
    import matplotlib.image as mpimg
    shapes = {mpimg.imread(io.BytesIO(base64.b64decode(m))).shape
              for m in re.findall(r'id="rf\d+" alt="[^"]*" src="data:image/png;base64,([^"]+)"', doc)}
    assert len(shapes) == 1  # every frame the same size, so the page does not jump between hours
    assert "Overall score" in doc  # the review's markdown, rendered
    for plan in ("A", "B", "C"):
        assert f"<th>{plan}</th>" in doc  # KPI table columns
    assert "<th>review_overall</th>" in doc or "review_overall" in doc


def test_cap_files_validate(outputs):
    capvalidator = pytest.importorskip("capvalidator")
    r, _, paths = outputs
    assert len(paths["cap"]) == len(r.cap) == len(r.alert_history) > 0
    for p in paths["cap"][:200]:
        data = open(p, "rb").read()
        assert capvalidator.check_schema(data).passed, p
        a = ck.from_cap(data)
        assert a.status == "Exercise" and os.path.basename(p) == a.identifier + ".xml"


def test_geojson_parses_with_valid_geometry(outputs):
    r, _, paths = outputs
    routes = json.load(open(paths["routes"]))
    flood = json.load(open(paths["flood"]))
    assert routes["type"] == flood["type"] == "FeatureCollection"
    assert 0 < len(routes["features"]) <= len(r.handouts)
    lon = r.cell_geo.lon
    lat = r.cell_geo.lat
    box = (lon.min() - 0.05, lon.max() + 0.05, lat.min() - 0.05, lat.max() + 0.05)
    kinds = set()
    for f in routes["features"] + flood["features"]:
        g = f["geometry"]
        if g["type"] == "LineString":
            pts = np.asarray(g["coordinates"], float)
            assert pts.shape[0] >= 2 and pts.shape[1] == 2
        else:
            assert g["type"] == "Polygon"
            ring = np.asarray(g["coordinates"][0], float)
            assert len(ring) == 5 and (ring[0] == ring[-1]).all()
            x, y = ring[:, 0], ring[:, 1]
            area2 = np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])
            assert area2 > 0  # RFC 7946: exterior rings counter-clockwise
            pts = ring
        assert (pts[:, 0] >= box[0]).all() and (pts[:, 0] <= box[1]).all()
        assert (pts[:, 1] >= box[2]).all() and (pts[:, 1] <= box[3]).all()
        kinds.add(f["properties"].get("kind"))
    assert {"flooded_cell", "closed_road"} <= kinds
    # every route runs depot → need: its ends are road nodes, and quantities match the hand-outs
    assert sum(f["properties"]["quantity"] for f in routes["features"]) <= r.handouts.quantity.sum()
    n_wet = int((r.depth_m.max(axis=0) >= 0.3).sum())
    assert sum(f["properties"]["kind"] == "flooded_cell" for f in flood["features"]) == n_wet
    assert sum(f["properties"]["kind"] == "closed_road" for f in flood["features"]) == len(r.closures)


def test_report_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="result"):
        ck.scenario.report("nope", path=tmp_path / "x.html")


def _cli(*args, cwd):
    # the package under test (a source tree on PYTHONPATH or the installed one), whatever the cwd
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(ck.__file__)))}
    return subprocess.run([sys.executable, "-m", "crisiskit", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, env=env)


def test_cli_demo_run_compare(tmp_path):
    r = _cli("demo", "--out", "d", "--population", "40000", "--hours", "12", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "12/36" in r.stderr or "36/36" in r.stderr  # the progress bar
    for f in ("report.html", "routes.geojson", "flood.geojson", "kpis.csv"):
        assert (tmp_path / "d" / f).exists()
    cfg = tmp_path / "s.toml"
    cfg.write_text('population = 40000\nseed = 1\nhours = 12\nstart = "2026-07-20T00:00:00+08:00"\n'
                   '[plan]\nbase = "B"\nname = "B24"\npreposition_hours = 24.0\n')
    r = _cli("run", str(cfg), "--out", "r", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "plan='B24'" in r.stdout and (tmp_path / "r" / "report.html").exists()
    cfg2 = tmp_path / "c.toml"
    cfg2.write_text("population = 40000\nhours = 6\n")
    r = _cli("compare", str(cfg2), "--plans", "A,C", "--seeds", "0,1", "--out", "c", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    import pandas as pd
    k = pd.read_csv(tmp_path / "c" / "kpis.csv")
    assert list(zip(k.plan, k.seed)) == [("A", 0), ("A", 1), ("C", 0), ("C", 1)]
    bad = tmp_path / "bad.toml"
    bad.write_text("populaton = 5\n")
    r = _cli("run", str(bad), cwd=tmp_path)
    assert r.returncode == 2 and "populaton" in r.stderr


def test_chromium_renders_the_report_without_console_errors(outputs, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium binary (apt-get install chromium; tools/quickstart.sh test installs it)")
    _, _, paths = outputs
    shot = tmp_path / "shot.png"
    r = subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox", f"--screenshot={shot}",
                        "--window-size=1280,2000", "--enable-logging=stderr", "--v=0",
                        "file://" + os.path.abspath(paths["html"])], capture_output=True, text=True, timeout=180)
    log = r.stdout + r.stderr
    assert shot.exists(), log[-2000:]
    assert "Uncaught" not in log and "ERROR:CONSOLE" not in log and ":CONSOLE(" not in log, log[-2000:]
    import matplotlib.image as mpimg
    img = mpimg.imread(shot)
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    rgb = (img[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) > 50 and rgb.std() > 10  # figures, not a blank page
    # the slider works without script: with the last hour checked the browser shows another frame
    doc = open(paths["html"], encoding="utf-8").read()
    n = len(outputs[0].times)
    last = doc.replace(' id="rh0" checked ', ' id="rh0" ').replace(f' id="rh{n - 1}" ', f' id="rh{n - 1}" checked ')
    page2, shot2 = tmp_path / "last.html", tmp_path / "last.png"
    page2.write_text(last, encoding="utf-8")
    subprocess.run([chromium, "--headless", "--disable-gpu", "--no-sandbox", f"--screenshot={shot2}",
                    "--window-size=1280,2000", "file://" + str(page2)], capture_output=True, timeout=180)
    img2 = mpimg.imread(shot2)
    assert img2.shape == img.shape and not np.array_equal(img2, img)
