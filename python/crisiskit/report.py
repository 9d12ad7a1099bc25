"""Scenario engine (情景推演), third part: the HTML report of a run.

``ck.scenario.report(result, comparison, path)`` writes ONE self-contained
HTML file (figures are base64 PNGs drawn with matplotlib's Agg backend, CSS
inline, nothing loaded at view time) and, next to it, the run's CAP 1.2
alerts (``cap/<identifier>.xml``) and GeoJSON (``routes.geojson``: every
hand-out's road route; ``flood.geojson``: flooded cells as polygons and
closed roads as lines).
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

__all__ = ["report", "to_geojson"]

_LEVEL_COLOURS = ["#d9d9d9", "#2b83ba", "#ffd700", "#fd8d3c", "#d7191c"]  # none, blue, yellow, orange, red
_LEVEL_NAMES = ["NONE", "GENERAL (blue)", "ATTENTION (yellow)", "WARNING (orange)", "EMERGENCY (red)"]  # plot labels: no CJK font assumed
_FLOOD_M = 0.3  # a cell counts as flooded from this depth (the road closure depth)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _local(ts: Any) -> str:
    return pd.Timestamp(ts).tz_convert("Asia/Shanghai").strftime("%m-%d %H:%M")


def _hours_to_show(n: int, k: int = 6) -> List[int]:
    return sorted(set(np.linspace(0, n - 1, min(k, n)).round().astype(int).tolist())) if n else []


def _map_artists(ax: Any, r: Any, k: int, pscore: np.ndarray, cell_s: float, place_s: float) -> Tuple[Any, Any]:
    """Draw step ``k``'s water depth (cells) and risk scores (places) on ``ax``; the two scatters (or None)."""
    cg, pg = r.cell_geo, r.place_geo
    dep = sc = None
    if len(cg) and r.depth_m.shape[0] > k:
        dep = ax.scatter(cg.lon, cg.lat, c=np.minimum(r.depth_m[k], 1.5), cmap="Blues", vmin=0, vmax=1.5, marker="s",
                         s=cell_s, linewidths=0)
    if len(pg):
        sc = ax.scatter(pg.lon, pg.lat, c=pscore[k], cmap="YlOrRd", vmin=0, vmax=100, s=place_s,
                        edgecolors="k", linewidths=0.3)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect(1 / np.cos(np.deg2rad(float(cg.lat.mean()) if len(cg) else 30.0)))
    return dep, sc


def _risk_map(r: Any) -> str:
    import matplotlib.pyplot as plt
    steps = _hours_to_show(len(r.times))
    cols = 3
    rows = (len(steps) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.0 * rows), squeeze=False)
    pg = r.place_geo
    pscore = r.risk[pg.id].to_numpy() if len(pg) else np.zeros((len(r.times), 0))
    sc = None
    for ax, k in zip(axes.flat, steps):
        _, sc_k = _map_artists(ax, r, k, pscore, 18, 22)
        sc = sc_k if sc_k is not None else sc
        ax.set_title(f"{_local(r.times[k])} (+08:00), hour {k + 1}", fontsize=9)
    for ax in list(axes.flat)[len(steps):]:
        ax.axis("off")
    if sc is not None:
        fig.colorbar(sc, ax=axes, shrink=0.6, label="risk score (places ever in the top ranks)")
    return _png(fig)


def _risk_slider(r: Any) -> str:
    """Every hour's map as one frame, chosen by a row of radio buttons: pure
    HTML + CSS (``:checked ~``), no script. The radios stay focusable, so
    the arrow keys step through the hours."""
    import matplotlib.pyplot as plt
    n = len(r.times)
    cg, pg = r.cell_geo, r.place_geo
    if not n or not (len(cg) or len(pg)):
        return ""
    pscore = r.risk[pg.id].to_numpy() if len(pg) else np.zeros((n, 0))
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.02)
    dep, sc = _map_artists(ax, r, 0, pscore, 14, 18)  # depth_m has a row per step, or none (crowd)
    if dep is not None:
        fig.colorbar(dep, ax=ax, shrink=0.7, pad=0.01, label="water depth (m)")
    if sc is not None:
        fig.colorbar(sc, ax=ax, shrink=0.7, pad=0.01, label="risk score")
    title = ax.set_title("", fontsize=10)
    imgs, rules = [], []
    for k in range(n):  # one figure, its artists updated: ~30 ms a frame instead of a new figure each
        if dep is not None:
            dep.set_array(np.minimum(r.depth_m[k], 1.5))
        if sc is not None:
            sc.set_array(pscore[k])
        title.set_text(f"{_local(r.times[k])} (+08:00), hour {k + 1} of {n}")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72)
        src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        imgs.append(f'<img id="rf{k}" alt="risk map, hour {k + 1}" src="{src}">')
        rules.append(f"#rh{k}:checked~.rframes #rf{k}{{display:block}}"
                     f"#rh{k}:checked~.rhours label[for=rh{k}]{{background:#333;color:#fff}}")
    plt.close(fig)
    radios = "".join(f'<input type="radio" name="risk-hour" id="rh{k}"{" checked" if k == 0 else ""} '
                     f'aria-label="hour {k + 1}">' for k in range(n))
    labels = "".join(f'<label for="rh{k}" title="{_local(r.times[k])}">{k + 1}</label>' for k in range(n))
    return (f'<style>.rslider input{{position:absolute;opacity:0;width:1px;height:1px}}'
            f'.rhours label{{display:inline-block;min-width:1.6em;text-align:center;font-size:0.75em;'
            f'border:1px solid #ccc;margin:1px;cursor:pointer}}.rframes img{{display:none}}{"".join(rules)}</style>'
            f'<div class="rslider">{radios}<div class="rhours">Hour: {labels}</div>'
            f'<div class="rframes">{"".join(imgs)}</div></div>')


def _alert_chart(r: Any) -> str:
    import matplotlib.pyplot as plt
    a = r.alerts
    fig, ax = plt.subplots(figsize=(11, 3.2))
    t = pd.DatetimeIndex(a.time).tz_convert("Asia/Shanghai").tz_localize(None)
    ax.stackplot(t, *[a[f"level_{i}"] for i in range(1, 5)], colors=_LEVEL_COLOURS[1:], labels=_LEVEL_NAMES[1:])
    ax.plot(t, a.overdue_obligations, "k--", lw=1, label="overdue obligations")
    ax.set_ylabel("places")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Places at each alert level per hour (+08:00)", fontsize=10)
    return _png(fig)


def _severity_chart(r: Any) -> str:
    import matplotlib.pyplot as plt
    s = r.severity
    fig, ax = plt.subplots(figsize=(11, 3.2))
    if len(s):
        t = pd.DatetimeIndex(s.time).tz_convert("Asia/Shanghai").tz_localize(None)
        for c in ("scope", "harm", "trend", "overall"):
            ax.plot(t, s[c], lw=2 if c == "overall" else 1, label=c)
        ax.fill_between(t, s.overall_lo, s.overall_hi, alpha=0.2, label="overall range")
    ax2 = ax.twinx()
    h = r.hazard_frame
    if len(h):
        ax2.plot(pd.DatetimeIndex(h.time).tz_convert("Asia/Shanghai").tz_localize(None), h.trapped, "k:", label="trapped")
        ax2.set_ylabel("trapped people")
    ax.set_ylabel("score 0–100")
    ax.legend(fontsize=7, loc="upper left")
    ax2.legend(fontsize=7, loc="upper right")
    ax.set_title("Severity re-assessments and trapped people (+08:00)", fontsize=10)
    return _png(fig)


def _route_map(r: Any) -> str:
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    fig, ax = plt.subplots(figsize=(9, 8))
    cg = r.cell_geo
    if len(cg) and r.depth_m.size:
        mx = r.depth_m.max(axis=0)
        wet = mx >= _FLOOD_M
        ax.scatter(cg.lon[~wet], cg.lat[~wet], c="#f2f2f2", marker="s", s=30, linewidths=0)
        ax.scatter(cg.lon[wet], cg.lat[wet], c=np.minimum(mx[wet], 2), cmap="Blues", vmin=0, vmax=2, marker="s",
                   s=30, linewidths=0, label=f"cells ≥ {_FLOOD_M} m at some hour")
    cl = r.closures
    if len(cl):
        segs = np.stack([cl[["lon0", "lat0"]].to_numpy(), cl[["lon1", "lat1"]].to_numpy()], axis=1)
        ax.add_collection(LineCollection(segs, colors="#d7191c", linewidths=1.2, label="closed roads"))
    rt = r.routes
    if len(rt):
        lines = [np.asarray(c) for c in rt.coords if len(c) >= 2]
        ax.add_collection(LineCollection(lines, colors="#1a9641", linewidths=0.8, alpha=0.6, label="hand-out routes"))
        starts = np.array([c[0] for c in rt.coords if len(c)])
        ends = np.array([c[-1] for c in rt.coords if len(c)])
        if len(starts):
            ax.scatter(starts[:, 0], starts[:, 1], marker="^", c="k", s=40, label="depots / staging points", zorder=3)
            ax.scatter(ends[:, 0], ends[:, 1], marker="o", facecolors="none", edgecolors="#1a9641", s=20,
                       label="needs served", zorder=3)
    ax.autoscale()
    ax.set_aspect(1 / np.cos(np.deg2rad(float(cg.lat.mean()) if len(cg) else 30.0)))
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Matched routes over the damaged road network", fontsize=10)
    return _png(fig)


def _md_to_html(md: str) -> str:
    """The subset of Markdown ``Review.to_markdown`` writes: headings, bold, pipe tables, lists, paragraphs."""
    out: List[str] = []
    table: List[List[str]] = []

    def inline(s: str) -> str:
        s = html.escape(s)
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)

    def flush() -> None:
        if table:
            head, body = table[0], [r for r in table[1:] if not all(set(c) <= set("-: ") for c in r)]
            out.append("<table><tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in row) + "</tr>" for row in body)
                       + "</table>")
            table.clear()

    for line in md.splitlines():
        s = line.strip()
        if s.startswith("|"):
            table.append([c.strip() for c in s.strip("|").split("|")])
            continue
        flush()
        m = re.match(r"(#{1,6})\s+(.*)", s)
        if m:
            n = min(len(m.group(1)) + 2, 6)  # the report's own h1/h2 sit above
            out.append(f"<h{n}>{inline(m.group(2))}</h{n}>")
        elif s.startswith(("- ", "* ")):
            out.append(f"<ul><li>{inline(s[2:])}</li></ul>")
        elif s:
            out.append(f"<p>{inline(s)}</p>")
    flush()
    return "\n".join(out)


def _table(df: pd.DataFrame, fmt: str = "{:,.3g}") -> str:
    def cell(v: Any) -> str:
        if isinstance(v, (float, np.floating)):
            return "–" if np.isnan(v) else fmt.format(v)
        return html.escape(str(v))
    return ("<table><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                      for row in df.itertuples(index=False)) + "</table>")


def to_geojson(result: Any) -> Dict[str, Dict[str, Any]]:
    """The run's geometry as GeoJSON FeatureCollections (RFC 7946, lon/lat WGS 84).

    Returns
    -------
    dict
        ``"routes"``: one LineString per stock hand-out (depot → need, along
        the matched roads) with ``time, depot, need, place, type, quantity,
        time_s``; ``"flood"``: one Polygon per grid cell that held ≥ 0.3 m
        of water at some step (``max_depth_m``, ``first_flooded``) and one
        LineString per closed road (``edge``, ``first_closed``,
        ``hours_closed``).
    """
    feats = []
    for row in result.routes.itertuples(index=False):
        if len(row.coords) < 2:  # depot and need on the same node: no line to draw
            continue
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(c) for c in row.coords]},
                      "properties": {"time": pd.Timestamp(row.time).isoformat(), "depot": str(row.depot),
                                     "need": str(row.need), "place": str(row.place), "type": str(row.type),
                                     "quantity": int(row.quantity), "time_s": float(row.time_s)}})
    routes = {"type": "FeatureCollection", "features": feats}
    flood = []
    cg = result.cell_geo
    if result.depth_m.size:
        mx = result.depth_m.max(axis=0)
        wet = mx >= _FLOOD_M
        first = np.argmax(result.depth_m >= _FLOOD_M, axis=0)
        for i in np.flatnonzero(wet):
            lo, la, dx, dy = (float(cg.lon.iat[i]), float(cg.lat.iat[i]), float(cg.dlon.iat[i]), float(cg.dlat.iat[i]))
            ring = [[lo - dx, la - dy], [lo + dx, la - dy], [lo + dx, la + dy], [lo - dx, la + dy], [lo - dx, la - dy]]
            flood.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                          "properties": {"kind": "flooded_cell", "cell": str(cg.id.iat[i]),
                                         "max_depth_m": round(float(mx[i]), 3),
                                         "first_flooded": result.times[int(first[i])].isoformat()}})
    for c in result.closures.itertuples(index=False):
        flood.append({"type": "Feature",
                      "geometry": {"type": "LineString", "coordinates": [[c.lon0, c.lat0], [c.lon1, c.lat1]]},
                      "properties": {"kind": "closed_road", "edge": int(c.edge),
                                     "first_closed": pd.Timestamp(c.first_closed).isoformat(),
                                     "hours_closed": float(c.hours_closed)}})
    return {"routes": routes, "flood": {"type": "FeatureCollection", "features": flood}}


_CSS = """body{font-family:system-ui,"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1200px;color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:8px 0;font-size:0.85em}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0}img{max-width:100%}.kpi{display:inline-block;margin:4px 14px 4px 0}
.kpi b{font-size:1.3em;display:block}nav a{margin-right:12px}#frame{width:100%}"""


def report(result: Any, comparison: Optional[pd.DataFrame] = None, path: Any = "report.html") -> Dict[str, Any]:
    """Write the HTML report of a scenario run, its CAP 1.2 alerts and its GeoJSON.

    Parameters
    ----------
    result : ScenarioResult
        From :func:`run` (the rainstorm hazard draws flood maps and routes;
        the crowd hazard leaves them empty).
    comparison : pandas.DataFrame, optional
        From :func:`compare`: the plans' KPI table (mean over seeds, then
        every row).
    path : str or path
        The HTML file. Written next to it: ``cap/<identifier>.xml`` (one CAP
        1.2 message per alert transition), ``routes.geojson`` and
        ``flood.geojson`` (see :func:`to_geojson`).

    Returns
    -------
    dict
        ``html`` (path), ``cap`` (list of paths), ``routes``, ``flood``
        (GeoJSON paths).

    Notes
    -----
    The HTML loads nothing at view time: figures are base64 PNGs (matplotlib
    Agg), styles are inline, there is no script; the hourly risk map is one
    frame per step picked by radio buttons styled with ``:checked`` (about
    30 kB and 30 ms a frame). It needs matplotlib.
    """
    import matplotlib
    matplotlib.use("Agg")
    from .simulation import ScenarioResult
    if not isinstance(result, ScenarioResult):
        raise ValueError(f"invalid result = {type(result).__name__!r}: must be a ck.scenario.ScenarioResult")
    if comparison is not None and not (isinstance(comparison, pd.DataFrame) and "plan" in comparison.columns):
        raise ValueError("invalid comparison: must be the DataFrame ck.scenario.compare returns (a 'plan' column)")
    path = os.fspath(path)
    out_dir = os.path.dirname(os.path.abspath(path))
    os.makedirs(out_dir, exist_ok=True)

    r = result
    k = r.kpis()
    head = "".join(f'<span class="kpi"><b>{v}</b>{html.escape(n)}</span>' for n, v in [
        ("people in need", f"{k.people_in_need:,.0f}"), ("reached in time", f"{k.reached_share:.0%}"),
        ("trapped-hours", f"{k.trapped_hours:,.0f}"), ("peak trapped", f"{k.peak_trapped:,.0f}"),
        ("rescued", f"{k.rescued:,.0f}"),
        ("incidents", f"{k.incidents:.0f}"), ("overdue obligations", f"{k.overdue_obligations:.0f}"),
        ("units handed out", f"{k.units_handed_out:,.0f}"), ("review score", f"{k.review_overall:.1f}")])
    hist = r.alert_history
    trans = hist.head(40).assign(time=[_local(x) for x in hist.time.head(40)]) if len(hist) else hist
    parts = [f"<h1>crisiskit scenario report — {html.escape(r.hazard)}, plan {html.escape(r.plan.name)}, "
             f"seed {r.seed}</h1>",
             f"<p>{len(r.times)} steps, {_local(r.times[0])} → {_local(r.times[-1])} (+08:00). "
             f"{len(r.cap)} CAP 1.2 alerts, {len(r.routes)} hand-out routes, {len(r.closures)} roads closed at "
             f"some hour.</p>" if len(r.times) else "",
             '<nav><a href="#risk-map">Risk map</a><a href="#alerts">Alerts</a><a href="#severity">Severity</a>'
             '<a href="#routes">Routes</a><a href="#plans">Plans A/B/C</a><a href="#review">After-action review</a>'
             '</nav>', f"<div>{head}</div>",
             '<h2 id="risk-map">Risk map by hour (风险图谱)</h2><p>Blue squares: water depth per grid cell '
             '(0–1.5 m); circles: risk score of the places that ever ranked in the top. Pick an hour '
             '(or focus the row and use the arrow keys):</p>', _risk_slider(r),
             '<p>Six hours side by side:</p>',
             f'<img alt="risk map by hour" src="{_risk_map(r)}">',
             '<h2 id="alerts">Alert timeline (四级预警)</h2>',
             f'<img alt="alert levels per hour" src="{_alert_chart(r)}">',
             f"<p>First {len(trans)} of {len(hist)} transitions (+08:00):</p>", _table(trans),
             '<h2 id="severity">Severity over time (三维评估)</h2>',
             f'<img alt="severity over time" src="{_severity_chart(r)}">',
             '<h2 id="routes">Matched routes and closures (需求-资源匹配)</h2>',
             f'<img alt="routes map" src="{_route_map(r)}">',
             '<h2 id="plans">Plans A/B/C (KPIs)</h2>']
    if comparison is not None and len(comparison):
        kp = [c for c in comparison.columns if c not in ("plan", "seed")]
        mean = comparison.groupby("plan", sort=False)[kp].mean().T.reset_index().rename(columns={"index": "KPI"})
        parts += ["<p>Mean over seeds (KPI definitions: README, Scenario engine):</p>", _table(mean),
                  "<p>Every run:</p>", _table(comparison)]
    else:
        parts.append("<p>This run only (no comparison given):</p>" + _table(k.rename("value").reset_index()
                                                                              .rename(columns={"index": "KPI"})))
    parts += ['<h2 id="review">After-action review (复盘)</h2>', _md_to_html(r.review.to_markdown())]
    doc = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>crisiskit scenario report</title>'
           f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc)

    cap_dir = os.path.join(out_dir, "cap")
    os.makedirs(cap_dir, exist_ok=True)
    from . import from_cap
    caps = []
    for xml in r.cap:
        name = from_cap(xml).identifier
        p = os.path.join(cap_dir, name + ".xml")
        with open(p, "w", encoding="utf-8") as f:
            f.write(xml)
        caps.append(p)
    gj = to_geojson(r)
    out = {"html": path, "cap": caps}
    for key, val in gj.items():
        p = os.path.join(out_dir, f"{key}.geojson")
        with open(p, "w", encoding="utf-8") as f:
            json.dump(val, f, ensure_ascii=False)
        out[key] = p
    return out
