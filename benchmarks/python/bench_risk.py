"""Risk map at city scale, against peers in the same run.

    .venv/bin/python benchmarks/python/bench_risk.py [--out benchmarks/results/risk.json] [--scale 1.0] [--reps 3]

Two cases, the same measurements in each (see benchmarks/README.md, "Risk map
at city scale", for the protocol and the measured table):

* ``city``: a synthetic city of 1 000 000 places (uniform lon/lat in a
  ~50 km box), 4 000 000 directed local links and 10 000 000 signals. Links:
  the places are sorted along a Z-order (Morton) curve; the place at curve
  position p receives 4 links from the places at 4 distinct random offsets in
  ±1…±8 along the curve (so every place has in-degree 4, the graph is local
  in space, and place indices are in random order with respect to space).
  Weights uniform in [0.5, 1.5), seeded. The city is then measured a second
  time with its places numbered along the same curve (rows "Z-order
  numbering"; scipy gets the same numbering): what locality in the numbering
  is worth.
* ``ny_roads``: the DIMACS New York road graph
  (``../shared/data/roads/NY.pace.gr.xz`` relative to the repository root,
  or ``$CRISISKIT_SHARED_DATA/roads/NY.pace.gr.xz``, or ``--road``; skipped if absent;
  264 346 nodes, 365 050 undirected edges, PACE ``p tw N M`` format) as the
  link graph, undirected, with seeded random weights in [0.5, 1.5) (the file
  has no weights); places = its nodes, without coordinates; 10 signals per
  node on average.

Signals: uniform random places, times uniform over 30 days, the 8 built-in
source kinds uniformly, intensity Exp(1), confidence uniform in [0.5, 1].
``at`` = the end of the 30 days.

Every time is the best of ``--reps`` (3) runs of the whole call from Python,
argument conversion included (the propagation step: best of 20; fit and
knn_links: one run); ratios are
ours ÷ peer (below 1 = crisiskit faster). ``--scale`` shrinks every size
(``--scale 0.01`` is a < 30 s smoke run). Prints a markdown table and writes
JSON to ``--out``. Asserts nothing about time; it does check that crisiskit
and the peers compute the same numbers.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import lzma
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
import scipy  # type: ignore[import-untyped]
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.spatial import cKDTree  # type: ignore[import-untyped]

import crisiskit as ck

REPO = Path(__file__).resolve().parents[2]
ROAD = Path(os.environ.get("CRISISKIT_SHARED_DATA", REPO.parent / "shared" / "data")) / "roads" / "NY.pace.gr.xz"
T0 = 1_780_000_000  # 2026-05-28 20:26:40 UTC
DAYS = 30
AT = T0 + DAYS * 86400


# ---- measuring ---------------------------------------------------------------
def scipy_operators(rm: Any, n: int) -> Tuple[Any, Any]:
    """The map's propagation operator αP as scipy CSR, float32 (the peer) and float64 (the reference)."""
    indptr, indices, data = rm.propagation_matrix()
    alpha = rm.config.alpha
    idx_t = np.int32 if indptr[-1] < 2**31 else np.int64
    A32 = sp.csr_matrix(((alpha * data.astype(np.float64)).astype(np.float32), indices.astype(idx_t),
                         indptr.astype(idx_t)), shape=(n, n))
    A64 = sp.csr_matrix((alpha * data.astype(np.float64), indices.astype(idx_t), indptr.astype(idx_t)), shape=(n, n))
    return A32, A64


def best(f: Callable[..., Any], reps: int, setup: Optional[Callable[[], Any]] = None) -> float:
    """Best wall time of f() over reps runs; setup() (untimed) before each run
    passes its result to f."""
    out = float("inf")
    for _ in range(reps):
        arg = setup() if setup is not None else None
        t = time.perf_counter()
        f(arg) if setup is not None else f()
        out = min(out, time.perf_counter() - t)
        del arg
    return out


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return -1


def rss() -> int:
    return _status("VmRSS")


PEAK = [0]  # largest VmHWM seen (the counter is reset by rss_delta)


def fmt_t(s: float) -> str:
    return f"{s:.3f} s" if s >= 1 else f"{s * 1e3:.1f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} µs"


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _malloc_trim() -> None:
    # Hand freed heap pages back to the OS so that they are not reused unseen
    # by the next allocation (glibc only; elsewhere a no-op).
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def rss_delta(f: Callable[[], Any]) -> tuple:
    """(result, RSS after − before, peak RSS during − before) in bytes."""
    gc.collect()
    _malloc_trim()
    PEAK[0] = max(PEAK[0], _status("VmHWM"))
    before = rss()
    peak_ok = reset_peak()
    out = f()
    gc.collect()
    _malloc_trim()
    after = rss()
    peak = _status("VmHWM") if peak_ok else -1
    return out, after - before, (peak - before) if peak_ok else None


# ---- data --------------------------------------------------------------------
def morton(qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint32) & 0xFFFF
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        v = (v | (v << 1)) & 0x55555555
        return v

    return spread(qx) | (spread(qy) << 1)


def synthetic_city(n: int, per: int, rng: np.random.Generator) -> Dict[str, Any]:
    lon = 121.19 + 0.52 * rng.random(n)  # ~49.6 km east-west at 31.2° N
    lat = 30.98 + 0.45 * rng.random(n)  # ~50.0 km north-south
    code = morton((lon - 121.19) / 0.52 * 65535, (lat - 30.98) / 0.45 * 65535)
    order = np.argsort(code, kind="stable")
    offs = np.r_[np.arange(-8, 0), np.arange(1, 9)]
    pick = rng.permuted(np.tile(offs, (n, 1)), axis=1)[:, :per]  # distinct offsets per place
    pos = (np.arange(n)[:, None] + pick) % n
    src = order[pos].ravel().astype(np.int64)
    dst = np.repeat(order, per).astype(np.int64)
    w = 0.5 + rng.random(src.size)
    ids = np.array([f"c{i:07d}" for i in range(n)])
    return dict(ids=ids, lon=lon, lat=lat, src=src, dst=dst, weight=w, directed=True, zorder=order,
                links_note=f"Z-order local links, in-degree {per}, directed, weights U[0.5, 1.5)")


def road_graph(path: Path, scale: float, rng: np.random.Generator) -> Dict[str, Any]:
    raw = lzma.decompress(path.read_bytes())
    head, _, body = raw.partition(b"\n")
    p, kind, n_str, m_str = head.split()[:4]
    assert p == b"p", head
    n, m = int(n_str), int(m_str)
    uv = np.array(body.split(), dtype=np.int64).reshape(-1, 2) - 1
    assert uv.shape[0] == m, (uv.shape, m)
    keep_n = n if scale >= 1 else max(1000, int(round(n * scale)))
    sel = (uv[:, 0] < keep_n) & (uv[:, 1] < keep_n) & (uv[:, 0] != uv[:, 1])
    uv = uv[sel]
    w = 0.5 + rng.random(uv.shape[0])
    ids = np.array([f"ny{i:06d}" for i in range(keep_n)])
    return dict(ids=ids, lon=None, lat=None, src=uv[:, 0].copy(), dst=uv[:, 1].copy(), weight=w, directed=False,
                links_note=f"{path.name}: {n:,} nodes, {m:,} undirected edges in the file"
                + (f"; first {keep_n:,} nodes kept (--scale)" if keep_n < n else "")
                + f"; {uv.shape[0]:,} edges used, undirected, seeded weights U[0.5, 1.5)")


def signals(n: int, count: int, rng: np.random.Generator, kinds: List[str]) -> Dict[str, np.ndarray]:
    place = rng.integers(0, n, count, dtype=np.int64)
    t = T0 + rng.integers(0, DAYS * 86400, count, dtype=np.int64)
    k = rng.integers(0, len(kinds), count, dtype=np.int64)
    return dict(place=place, time=t, kind_idx=k, kind=np.array(kinds)[k],
                intensity=rng.exponential(1.0, count), confidence=0.5 + 0.5 * rng.random(count))


# ---- peers -------------------------------------------------------------------
def pandas_ingest(place: Any, s: Dict[str, np.ndarray], kind: Any) -> pd.DataFrame:
    df = pd.DataFrame({"place": place, "time": s["time"], "kind": kind, "intensity": s["intensity"],
                       "confidence": s["confidence"]})
    return pandas_groupby(df)


def pandas_groupby(df: pd.DataFrame) -> pd.DataFrame:
    return df.groupby(["place", "kind"]).agg(intensity_sum=("intensity", "sum"), count=("intensity", "count"))


def numpy_scores(s: Dict[str, np.ndarray], n: int, w_k: np.ndarray, lam_k: np.ndarray, exposure: np.ndarray,
                 A_alpha: sp.csr_matrix, scale: float, iterations: int) -> np.ndarray:
    """The score equation in numpy + scipy: decayed pressure by bincount, then
    the same number of fixed-point steps r ← l + αP r as crisiskit used."""
    m = s["time"] <= AT
    k = s["kind_idx"][m]
    contrib = w_k[k] * s["confidence"][m] * s["intensity"][m] * np.exp(-lam_k[k] * (AT - s["time"][m]))
    local = exposure * np.bincount(s["place"][m], weights=contrib, minlength=n)
    r = local.copy()
    for _ in range(iterations):
        r = local + A_alpha @ r
    return -100.0 * np.expm1(-r / scale)


# ---- one case ------------------------------------------------------------------
def time_scores(rm: Any, s: Dict[str, np.ndarray], n: int, A64: Any, reps: int) -> tuple:
    """Best times of rm.scores(AT) and of the same equation in numpy + scipy,
    the fixed-point iterations used, the largest score difference, and the scores."""
    out: Dict[str, Any] = {}

    def scores() -> None:
        out["s"] = rm.scores(AT)

    t_sc = best(scores, reps)
    iters = int(rm.score_detail(AT)["iterations"])
    w_k = np.array([k.weight for k in ck.default_source_kinds()])
    lam_k = np.log(2.0) / np.array([float(k.half_life) for k in ck.default_source_kinds()])
    exposure = np.asarray(rm._place_columns["exposure"], dtype=np.float64)
    t_np = best(lambda: numpy_scores(s, n, w_k, lam_k, exposure, A64, rm.config.scale, iters), reps)
    err = float(np.max(np.abs(numpy_scores(s, n, w_k, lam_k, exposure, A64, rm.config.scale, iters) - out["s"])))
    assert err < 1e-6, err
    return t_sc, t_np, iters, err, out["s"]


def run_case(name: str, g: Dict[str, Any], n_signals: int, reps: int, rng: np.random.Generator,
             rows: List[Dict[str, Any]], with_knn: bool) -> Dict[str, Any]:
    res: Dict[str, Any] = {"links_used": g["links_note"]}
    ids = g["ids"]
    n = ids.size
    kinds = [k.name for k in ck.default_source_kinds()]
    print(f"\n## {name}: {n:,} places; {g['links_note']}", flush=True)

    def row(what: str, ours: float, peer_name: str = "", peer: Optional[float] = None, target: str = "",
            unit: str = "") -> None:
        r = dict(case=name, what=what, ours_s=ours, peer=peer_name, peer_s=peer,
                 ratio=(ours / peer) if peer else None, target=target, note=unit)
        rows.append(r)
        ratio = f"  ratio {ours / peer:.3f}" if peer else ""
        peer_txt = f"  | {peer_name} {fmt_t(peer)}" if peer else ""
        print(f"{what:<56} {fmt_t(ours):>10}{peer_txt}{ratio} {unit}", flush=True)

    def new_map() -> ck.RiskMap:
        return ck.RiskMap(ids=ids, lon=g["lon"], lat=g["lat"], kind="grid_cell")

    # Places and links.
    rm, d_places, pk_places = rss_delta(new_map)
    res["rss_places_bytes"], res["peak_places_bytes"] = d_places, pk_places
    _, d_links, pk_links = rss_delta(lambda: rm.add_links_indices(g["src"], g["dst"], g["weight"],
                                                                  directed=g["directed"]))
    res["rss_links_bytes"], res["peak_links_bytes"] = d_links, pk_links
    t_new = best(lambda: new_map(), max(1, reps - 1))
    row(f"RiskMap({n:,} places, numpy str ids)", t_new)
    arcs = rm.num_links
    res["places"], res["arcs"] = n, arcs

    def links_fresh(m: ck.RiskMap) -> None:
        m.add_links_indices(g["src"], g["dst"], g["weight"], directed=g["directed"])

    t_links = best(links_fresh, max(1, reps - 1), setup=new_map)
    s_src, s_dst = (g["src"], g["dst"]) if g["directed"] else (np.r_[g["src"], g["dst"]], np.r_[g["dst"], g["src"]])
    s_w = g["weight"] if g["directed"] else np.r_[g["weight"], g["weight"]]
    t_coo = best(lambda: sp.coo_matrix((s_w, (s_dst, s_src)), shape=(n, n)).tocsr(), max(1, reps - 1))
    row(f"add_links_indices ({arcs:,} arcs → P and Q)", t_links, "scipy coo→csr (one operator)", t_coo)

    if with_knn and g["lon"] is not None:
        t_knn = best(lambda: rm.knn_links(4), 1)
        lat0 = np.deg2rad(np.mean(g["lat"]))
        xy = np.c_[np.deg2rad(g["lon"]) * np.cos(lat0), np.deg2rad(g["lat"])] * 6371008.8

        def kd() -> None:
            cKDTree(xy).query(xy, k=5)

        t_kd = best(kd, 1)
        row("knn_links(4) → DataFrame of ids", t_knn, "cKDTree build+query k=5 (planar, indices only)", t_kd)
        res["knn_links_s"], res["ckdtree_s"] = t_knn, t_kd

    # Signals.
    s = signals(n, n_signals, rng, kinds)
    place_ids = ids[s["place"]]
    place_list = place_ids.tolist()
    kind_list = s["kind"].tolist()
    codes = np.array([rm.kind_code(k) for k in kinds], dtype=np.int64)[s["kind_idx"]]
    res["signals"] = n_signals

    def ingest(place: Any, kind: Any, by_index: bool = False) -> Callable[[ck.RiskMap], None]:
        def f(m: ck.RiskMap) -> None:
            if by_index:
                m.add_signals_indices(place, s["time"], kind, s["intensity"], s["confidence"])
            else:
                m.add_signals(place, s["time"], kind, s["intensity"], s["confidence"])
        return f

    t_in_np = best(ingest(place_ids, s["kind"]), reps, setup=new_map)
    t_in_list = best(ingest(place_list, kind_list), reps, setup=new_map)
    t_in_idx = best(ingest(s["place"], s["kind"], True), reps, setup=new_map)
    t_in_code = best(ingest(s["place"], codes, True), reps, setup=new_map)
    t_pd = best(lambda: pandas_ingest(place_ids, s, s["kind"]), reps)
    df = pd.DataFrame({"place": place_ids, "time": s["time"], "kind": s["kind"], "intensity": s["intensity"],
                       "confidence": s["confidence"]})
    t_pd_gb = best(lambda: pandas_groupby(df), reps)
    del df
    t_pd_idx = best(lambda: pandas_ingest(s["place"], s, s["kind_idx"]), reps)
    gc.collect()
    M = n_signals / 1e6
    row(f"add_signals({n_signals:,}), numpy str ids + str kinds", t_in_np, "pandas DataFrame()+groupby", t_pd,
        "≤ 0.2", f"({M / t_in_np:.1f} M/s)")
    row("  same", t_in_np, "pandas groupby only (frame prebuilt)", t_pd_gb, "", "")
    row("add_signals, list of str ids + list of str kinds", t_in_list, "pandas DataFrame()+groupby", t_pd, "≤ 0.2",
        f"({M / t_in_list:.1f} M/s)")
    row("add_signals_indices, int64 places + str kinds", t_in_idx, "pandas DataFrame()+groupby, int keys", t_pd_idx,
        "≤ 0.2", f"({M / t_in_idx:.1f} M/s)")
    row("add_signals_indices, int64 places + int kind codes", t_in_code, "pandas DataFrame()+groupby, int keys",
        t_pd_idx, "≤ 0.2", f"({M / t_in_code:.1f} M/s)")
    res.update(ingest_np_ids_s=t_in_np, ingest_list_ids_s=t_in_list, ingest_indices_s=t_in_idx,
               ingest_indices_codes_s=t_in_code, pandas_ingest_s=t_pd, pandas_groupby_only_s=t_pd_gb,
               pandas_ingest_int_keys_s=t_pd_idx)
    _, d_sig, pk_sig = rss_delta(lambda: rm.add_signals_indices(s["place"], s["time"], codes, s["intensity"],
                                                                s["confidence"]))
    res["rss_signals_bytes"], res["peak_signals_bytes"] = d_sig, pk_sig
    del place_list, kind_list
    gc.collect()

    # One propagation step, against scipy's CSR matvec on the same matrix.
    A32, A64 = scipy_operators(rm, n)
    x = rng.random(n)
    x32 = x.astype(np.float32)
    y = rm.propagation_step(x)
    err64 = float(np.max(np.abs(y - A64 @ x)) / max(np.max(np.abs(y)), 1e-300))
    err32 = float(np.max(np.abs(y - A32 @ x32)) / max(np.max(np.abs(y)), 1e-300))
    assert err64 < 1e-12 and err32 < 1e-5, (err64, err32)
    sreps = max(20, reps)
    t_step = best(lambda: rm.propagation_step(x), sreps)
    t_sp32 = best(lambda: A32 @ x32, sreps)
    t_sp64 = best(lambda: A64 @ x, sreps)
    t_spmix = best(lambda: A32 @ x, sreps)
    nnz = int(A64.nnz)
    row(f"propagation_step ({n:,}², {nnz:,} nnz, float32 P, float64 x)", t_step, "scipy CSR float32 @ float32",
        t_sp32, "≤ 0.5", f"({nnz / t_step / 1e6:.0f} M nnz/s)")
    row("  same", t_step, "scipy CSR float64 @ float64", t_sp64, "≤ 0.5")
    row("  same", t_step, "scipy CSR float32 @ float64 (upcasts)", t_spmix, "")
    res.update(step_s=t_step, scipy_f32_s=t_sp32, scipy_f64_s=t_sp64, scipy_mixed_s=t_spmix, nnz=nnz,
               step_rel_err_vs_f64=err64, step_rel_err_vs_f32=err32)

    # Scores, against the same equation in numpy + scipy.
    t_sc, t_np, iters, err, score = time_scores(rm, s, n, A64, reps)
    row(f"scores(at), all places ({iters} fixed-point iterations)", t_sc, "numpy bincount + scipy iterations", t_np,
        "", f"(max abs Δscore {err:.1e})")
    res.update(scores_s=t_sc, scores_iterations=iters, numpy_scores_s=t_np, scores_max_abs_diff=err)

    # Fit (short), forecast, explain, latent causes: no peer.
    fit_out: Dict[str, Any] = {}

    def fit() -> None:
        fit_out["m"] = rm.fit(["incident"], max_iterations=5)

    t_fit = best(fit, 1)
    m = fit_out["m"]
    row(f"fit(max_iterations=5), {m.events:,} incidents", t_fit, unit=f"({fmt_t(t_fit / m.iterations)}/iteration)")
    t_fc = best(lambda: rm.forecast(AT, horizon_hours=72), reps)
    row("forecast(at, horizon_hours=72), all places", t_fc)
    top = str(ids[int(np.argmax(score))])
    t_ex = best(lambda: rm.explain(top, AT), reps)
    row("explain(top place, at)", t_ex)
    lc: Dict[str, Any] = {}

    def latent() -> None:
        lc["df"] = rm.latent_causes(AT)

    t_lc = best(latent, reps)
    row(f"latent_causes(at) → {len(lc['df']):,} places", t_lc)
    kern = m.kernels
    coupling = max(k["beta_per_hour"] / 3600 * k["alpha_neighbour"] for k in kern)
    sub = min(60, int(np.ceil(3600 / min(3600.0, 0.25 / coupling if coupling > 0 else 3600.0) - 1e-9)))
    print(f"  model: {m!r}; forecast sub-steps per hour: {sub}", flush=True)
    res.update(model=repr(m), kernels=kern, forecast_substeps_per_hour=sub)
    res.update(fit_s=t_fit, fit_iterations=m.iterations, fit_events=int(m.events), fit_s_per_iteration=t_fit / m.iterations,
               forecast_s=t_fc, explain_s=t_ex, latent_causes_s=t_lc, latent_places=len(lc["df"]))

    # Memory.
    mem = rm.memory()
    res["memory"] = dict(mem)
    res["bytes_per_place"] = mem["places"] / n
    res["bytes_per_arc"] = mem["links"] / max(arcs, 1)
    res["bytes_per_signal"] = mem["signals"] / max(n_signals, 1)
    res["rss_bytes_per_place"] = d_places / n
    res["rss_bytes_per_arc"] = d_links / max(arcs, 1)
    res["rss_bytes_per_signal"] = d_sig / max(n_signals, 1)
    pk = lambda v, d: f", peak +{v / d:.1f}" if v is not None else ""  # noqa: E731
    print(f"memory(): {res['bytes_per_place']:.1f} B/place, {res['bytes_per_arc']:.1f} B/arc, "
          f"{res['bytes_per_signal']:.1f} B/signal; RSS deltas: {res['rss_bytes_per_place']:.1f} B/place"
          f"{pk(pk_places, n)}, {res['rss_bytes_per_arc']:.1f} B/arc{pk(pk_links, max(arcs, 1))}, "
          f"{res['rss_bytes_per_signal']:.1f} B/signal{pk(pk_sig, max(n_signals, 1))}", flush=True)
    del rm, A32, A64
    gc.collect()
    if g.get("zorder") is not None:
        res["zorder"] = zorder_variant(g, s, codes, reps, rng, row)
    return res


def zorder_variant(g: Dict[str, Any], s: Dict[str, np.ndarray], codes: np.ndarray, reps: int,
                   rng: np.random.Generator, row: Callable[..., None]) -> Dict[str, Any]:
    """The same city with the places numbered along the Z-order curve (what a
    locality-preserving numbering gives); scipy gets the same numbering."""
    ids, n = g["ids"], g["ids"].size
    order = g["zorder"]
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    rz = ck.RiskMap(ids=ids[order], lon=g["lon"][order], lat=g["lat"][order], kind="grid_cell")
    rz.add_links_indices(rank[g["src"]], rank[g["dst"]], g["weight"], directed=g["directed"])
    sz = dict(s, place=rank[s["place"]])
    rz.add_signals_indices(sz["place"], sz["time"], codes, sz["intensity"], sz["confidence"])
    A32, A64 = scipy_operators(rz, n)
    x = rng.random(n)
    x32 = x.astype(np.float32)
    assert np.allclose(rz.propagation_step(x), A64 @ x, rtol=1e-12, atol=0)
    sreps = max(20, reps)
    t_step = best(lambda: rz.propagation_step(x), sreps)
    t32 = best(lambda: A32 @ x32, sreps)
    t64 = best(lambda: A64 @ x, sreps)
    row("Z-order numbering: propagation_step", t_step, "scipy CSR float32 @ float32, same numbering", t32, "≤ 0.5")
    row("  same", t_step, "scipy CSR float64 @ float64, same numbering", t64, "≤ 0.5")
    t_sc, t_np, iters, err, _ = time_scores(rz, sz, n, A64, reps)
    row("Z-order numbering: scores(at)", t_sc, "numpy bincount + scipy iterations, same numbering", t_np)
    t_fit = best(lambda: rz.fit(["incident"], max_iterations=5), 1)
    it = rz.model.iterations
    row("Z-order numbering: fit(max_iterations=5)", t_fit, unit=f"({fmt_t(t_fit / it)}/iteration)")
    t_fc = best(lambda: rz.forecast(AT, horizon_hours=72), reps)
    row("Z-order numbering: forecast(at, 72 h)", t_fc)
    return dict(step_s=t_step, scipy_f32_s=t32, scipy_f64_s=t64, scores_s=t_sc, numpy_scores_s=t_np, fit_s=t_fit,
                fit_s_per_iteration=t_fit / it, forecast_s=t_fc)


def table(rows: List[Dict[str, Any]]) -> str:
    out = ["| case | what | crisiskit | peer | ratio ours ÷ peer | target |", "|---|---|---|---|---|---|"]
    for r in rows:
        peer = f"{r['peer']}: {fmt_t(r['peer_s'])}" if r["peer_s"] else "–"
        ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else "–"
        out.append(f"| {r['case']} | {r['what']} | {fmt_t(r['ours_s'])} {r['note']} | {peer} | {ratio} | "
                   f"{r['target'] or '–'} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "risk.json"))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.01 = smoke run)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--places", type=int, default=1_000_000)
    ap.add_argument("--links-per-place", type=int, default=4)
    ap.add_argument("--signals", type=int, default=10_000_000)
    ap.add_argument("--road-signals-per-node", type=float, default=10.0)
    ap.add_argument("--road", default=str(ROAD))
    ap.add_argument("--no-knn", action="store_true", help="skip knn_links vs cKDTree")
    a = ap.parse_args()
    t_all = time.perf_counter()
    env = dict(machine=platform.machine(), processor=platform.processor(), cpus=os.cpu_count(),
               python=platform.python_version(), numpy=np.__version__, scipy=scipy.__version__,
               pandas=pd.__version__, crisiskit=ck.__version__, scale=a.scale, reps=a.reps,
               date=time.strftime("%Y-%m-%d"), loadavg_start=os.getloadavg())
    print(f"# {env}")
    rng = np.random.default_rng(20261122)
    rows: List[Dict[str, Any]] = []
    out: Dict[str, Any] = dict(env=env, cases={})

    n = max(1000, int(round(a.places * a.scale)))
    city = synthetic_city(n, a.links_per_place, rng)
    out["cases"]["city"] = run_case("city", city, max(1000, int(round(a.signals * a.scale))), a.reps, rng, rows,
                                    not a.no_knn)
    del city
    gc.collect()

    road = Path(a.road)
    if road.exists():
        g = road_graph(road, a.scale, rng)
        out["cases"]["ny_roads"] = run_case("ny_roads", g, int(round(a.road_signals_per_node * g["ids"].size)), a.reps,
                                            rng, rows, False)
    else:
        print(f"\n(road graph {road} not found: ny_roads skipped)")
        out["cases"]["ny_roads"] = None

    out["rows"] = rows
    env["loadavg_end"] = os.getloadavg()
    out["total_s"] = time.perf_counter() - t_all
    print("\n" + table(rows))
    PEAK[0] = max(PEAK[0], _status("VmHWM"))
    out["peak_rss_bytes"] = PEAK[0]
    print(f"\ntotal {out['total_s']:.1f} s; peak RSS {PEAK[0] / 2**30:.2f} GiB")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
