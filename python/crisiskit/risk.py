"""The risk map (风险图谱) from Python: DataFrames in and out, plots, HTML.

``RiskMap`` subclasses the C++ class; every heavy method runs in C++ with the
GIL released. See the README's "Risk map" section for the score equation,
defaults and the forecast model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from . import _core
from ._frames import _LEVEL_NAMES, _times

__all__ = ["RiskMap", "Explanation"]

_PLACE_COLUMNS = ("kind", "lon", "lat", "population", "vulnerable", "parent")
# National warning colours by level (NONE grey).
_LEVEL_COLOURS = ["#b0b0b0", "#1f5fbf", "#f2c200", "#f07f00", "#d7191c"]


def _ids(v: Any) -> Any:
    if isinstance(v, (pd.Series, pd.Index)):
        return v.to_numpy(dtype=object)
    return v


def _floats(v: Any) -> Any:
    if isinstance(v, (pd.Series, pd.Index)):
        return v.to_numpy(dtype=np.float64)
    return v


def _parents(v: Any) -> Any:
    if v is None:
        return None
    arr = pd.Series(v, dtype=object)
    return arr.where(arr.notna(), "").astype(str).to_numpy(dtype=object)


@dataclass
class Explanation:
    """Exact decomposition of one place's score at one time.

    ``by_kind.points.sum()`` and ``by_place.points.sum()`` both equal
    ``score`` (to rounding); a ``by_place`` row with a missing ``place`` (NA)
    aggregates the remaining ``places`` places.
    """

    place: str
    at: pd.Timestamp
    score: float
    raw: float
    local: float
    exposure: float
    by_kind: pd.DataFrame
    by_place: pd.DataFrame
    top_signals: pd.DataFrame

    def __repr__(self) -> str:
        kinds = ", ".join(f"{k} {p:.1f}" for k, p in zip(self.by_kind.kind, self.by_kind.points))
        return f"Explanation(place={self.place!r}, at={self.at}, score={self.score:.2f}; by kind: {kinds})"

    def _repr_html_(self) -> str:
        return (
            f"<b>{self.place}</b> at {self.at}: score <b>{self.score:.2f}</b> "
            f"(raw {self.raw:.4g}, own {self.local:.4g}, exposure {self.exposure:.3g})"
            f"<h4>By source kind</h4>{self.by_kind.to_html(index=False)}"
            f"<h4>By place</h4>{self.by_place.to_html(index=False)}"
            f"<h4>Strongest signals</h4>{self.top_signals.to_html(index=False)}"
        )


class RiskMap(_core._RiskMapCore):
    """Places, links and signals → explainable 0–100 scores, latent causes, forecasts.

    ``RiskMap(places_df)`` with columns ``id`` (or the index), and optionally
    ``kind``, ``lon``, ``lat``, ``population``, ``vulnerable``, ``parent``;
    or ``RiskMap(ids=..., lon=..., ...)`` with arrays (``kind`` may be one
    string for all). ``config``: a ``RiskConfig``. Bad input raises
    ``InvalidInput`` naming the column, row and value.

    Thread-safety: one call at a time per map (a second thread gets
    ``StateError``); heavy methods release the GIL.
    """

    def __init__(
        self,
        places: Any = None,
        *,
        ids: Any = None,
        kind: Any = None,
        lon: Any = None,
        lat: Any = None,
        population: Any = None,
        vulnerable: Any = None,
        parent: Any = None,
        config: Optional[_core.RiskConfig] = None,
    ) -> None:
        cols: dict[str, Any] = dict(kind=kind, lon=lon, lat=lat, population=population, vulnerable=vulnerable, parent=parent)
        if isinstance(places, pd.DataFrame):
            ids = places["id"] if "id" in places.columns else places.index
            for c in _PLACE_COLUMNS:
                if c in places.columns:
                    cols[c] = places[c]
        elif places is not None:
            ids = places
        if ids is None:
            raise _core.InvalidInput("id", -1, "None", "give a places DataFrame or ids=")
        ids = _ids(ids)
        if isinstance(ids, np.ndarray) and ids.dtype.kind not in "OU":
            ids = ids.astype(str)
        kind_arg = cols["kind"] if isinstance(cols["kind"], str) or cols["kind"] is None else _ids(cols["kind"])
        super().__init__(
            ids,
            kind_arg,
            _floats(cols["lon"]),
            _floats(cols["lat"]),
            _floats(cols["population"]),
            _floats(cols["vulnerable"]),
            _parents(cols["parent"]),
            config,
        )

    # ---- persistence ------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes) -> "RiskMap":
        """Rebuild a map from ``to_bytes()`` (everything re-validated)."""
        obj = cls(ids=[])
        obj._load(data)
        return obj

    def __reduce__(self) -> Any:
        return (type(self).from_bytes, (self.to_bytes(),))

    # ---- input ------------------------------------------------------------
    def _kind_arg(self, kind: Any) -> Any:
        if isinstance(kind, pd.Series) and isinstance(kind.dtype, pd.CategoricalDtype):
            kind = pd.Categorical(kind)
        if isinstance(kind, pd.Categorical):
            lookup = np.array([self.kind_code(str(c)) for c in kind.categories] + [-1], dtype=np.int64)
            codes = np.asarray(kind.codes, dtype=np.int64)
            if (codes < 0).any():
                row = int(np.flatnonzero(codes < 0)[0])
                raise _core.InvalidInput("kind", row, "nan", "missing source kind")
            return lookup[codes]
        return _ids(kind)

    def add_signals(  # type: ignore[override]
        self, place: Any, time: Any = None, kind: Any = None, intensity: Any = 1.0, confidence: Any = 1.0
    ) -> None:
        """Add signals by place id (or a DataFrame with columns place, time,
        kind and optionally intensity, confidence). See the C++ docstring
        below for accepted types. All or nothing; GIL released."""
        if isinstance(place, pd.DataFrame):
            df = place
            place, time, kind = df["place"], df["time"], df["kind"]
            intensity = df["intensity"] if "intensity" in df.columns else intensity
            confidence = df["confidence"] if "confidence" in df.columns else confidence
        if time is None or kind is None:
            raise _core.InvalidInput("time" if time is None else "kind", -1, "None", "is required")
        super().add_signals(_ids(place), time, self._kind_arg(kind), _floats(intensity), _floats(confidence))

    add_signals.__doc__ = (add_signals.__doc__ or "") + "\n" + (_core._RiskMapCore.add_signals.__doc__ or "")

    # ---- links helpers -----------------------------------------------------
    def _link_frame(self, cols: dict[str, Any]) -> pd.DataFrame:
        ids = np.asarray(self.ids, dtype=object)
        return pd.DataFrame({"src": ids[cols["src"]], "dst": ids[cols["dst"]], "distance_m": cols["distance_m"]})

    def knn_links(self, k: int) -> pd.DataFrame:
        """Each located place's k nearest others by great-circle distance:
        DataFrame(src, dst, distance_m). Feed to add_links (directed=False)."""
        return self._link_frame(self._knn_links(k))

    def radius_links(self, radius_m: float) -> pd.DataFrame:
        """All pairs of located places within radius_m metres (both directions)."""
        return self._link_frame(self._radius_links(radius_m))

    def containment_links(self) -> pd.DataFrame:
        """Child → parent links from the administrative tree."""
        return self._link_frame(self._containment_links())

    # ---- output ------------------------------------------------------------
    def to_frame(self, at: Any) -> pd.DataFrame:
        """One row per place at ``at``: attributes, exposure, local and
        propagated pressure, 0–100 score and the policy level."""
        d = self.score_detail(at)
        cols = self._place_columns
        policy = self.config.policy
        level = _core.grade(d["score"], policy) if len(d["score"]) else np.empty(0, dtype=np.int8)
        return pd.DataFrame(
            {
                "place": self.ids,
                "kind": cols["kind"],
                "lon": cols["lon"],
                "lat": cols["lat"],
                "population": cols["population"],
                "vulnerable": cols["vulnerable"],
                "parent": cols["parent"],
                "exposure": cols["exposure"],
                "local": d["local"],
                "raw": d["raw"],
                "score": d["score"],
                "level": level,
                "level_name": _LEVEL_NAMES[np.asarray(level, dtype=np.int64)],
            }
        )

    def explain(self, place: str, at: Any, top_signals: int = 10, top_places: int = 20) -> Explanation:
        """Exact decomposition of ``place``'s score at ``at`` by source kind,
        by contributing place, and its strongest individual signals."""
        d = self._explain(place, at, top_signals, top_places)
        sig = pd.DataFrame(d["top_signals"])
        sig["time"] = _times(np.asarray(sig["time"], dtype=np.int64))
        return Explanation(
            place=d["place"],
            at=_core_time(d["at"]),
            score=d["score"],
            raw=d["raw"],
            local=d["local"],
            exposure=d["exposure"],
            by_kind=pd.DataFrame(d["by_kind"]),
            by_place=pd.DataFrame(d["by_place"]),
            top_signals=sig,
        )

    def latent_causes(self, at: Any, detail: bool = False) -> pd.DataFrame:
        """Places where ≥ 2 independent source families are elevated together
        (潜在诱因), strongest first, with their cluster along links. With
        ``detail=True``: one row per (place, elevated kind) with observed,
        expected and p_value."""
        d = self._latent_causes(at)
        if not detail:
            d = {k: v for k, v in d.items() if k != "detail"}
            return pd.DataFrame(d, columns=["place", "kinds", "families", "p_value", "strength", "cluster"])
        rows = [
            (p, c, k, f, o, e, pv)
            for p, c, det in zip(d["place"], d["cluster"], d["detail"])
            for (k, f, o, e, pv) in det
        ]
        return pd.DataFrame(rows, columns=["place", "cluster", "kind", "family", "observed", "expected", "p_value"])

    def forecast(self, at: Any, horizon_hours: float = 72) -> pd.DataFrame:
        """Expected incidents and P(at least one) per place in (at, at + horizon],
        and the policy level of 100 · p_any. Rows aligned with ``ids``."""
        d = self._forecast(at, horizon_hours)
        return pd.DataFrame(
            {
                "place": self.ids,
                "expected": d["expected"],
                "p_any": d["p_any"],
                "level": d["level"],
                "level_name": _LEVEL_NAMES[np.asarray(d["level"], dtype=np.int64)],
            }
        )

    def simulate(self, start: Any, end: Any, seed: int = 0) -> pd.DataFrame:
        """Incidents drawn from the fitted model over [start, end), continuing
        the recorded history: DataFrame(place, time)."""
        place, time = self._simulate(start, end, seed)
        ids = np.asarray(self.ids, dtype=object)
        return pd.DataFrame({"place": ids[place] if len(place) else np.empty(0, dtype=object), "time": _times(time)})

    def plot(self, at: Any, ax: Any = None, forecast: bool = False, **scatter_kw: Any) -> Any:
        """Places on a lon/lat map coloured by alert level (national colours)
        at ``at`` — or by forecast level with ``forecast=True``. Needs
        matplotlib (imported only here). Returns the Axes."""
        import matplotlib.pyplot as plt  # lazy: plotting is optional

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 6))
        df = self.to_frame(at)
        level = self.forecast(at)["level"].to_numpy() if forecast else df["level"].to_numpy()
        located = df["lon"].notna() & df["lat"].notna()
        colours = np.array(_LEVEL_COLOURS)[np.asarray(level, dtype=np.int64)]
        size = 8 + 40 * df["score"].to_numpy() / 100
        ax.scatter(df["lon"][located], df["lat"][located], c=colours[located.to_numpy()], s=size[located.to_numpy()], **scatter_kw)
        for lv, colour in enumerate(_LEVEL_COLOURS):
            ax.scatter([], [], c=colour, label=str(_LEVEL_NAMES[lv]))
        ax.legend(title="forecast level" if forecast else "level", loc="best", fontsize="small")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_title(f"Risk map at {_core_time(_to_seconds(at))}")
        ax.set_aspect(1 / np.cos(np.deg2rad(np.nanmean(df["lat"]) if located.any() else 0.0)))
        return ax

    # ---- display -------------------------------------------------------------
    def _last_time(self) -> Optional[int]:
        if self.num_signals == 0:
            return None
        return int(self._signal_time_max())

    def __repr__(self) -> str:
        m = self.model
        return (
            f"RiskMap({self.num_places} places, {self.num_links} links, {self.num_signals} signals"
            f"{', model fitted' if m is not None else ''})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<b>RiskMap</b> — {self.num_places} places, {self.num_links} directed links, "
            f"{self.num_signals} signals"
        )
        if self.model is not None:
            head += f"; model: {self.model!r}"
        t = self._last_time()
        if t is None or self.num_places == 0:
            return head
        frame = self.to_frame(t)
        df = frame.nlargest(10, "score")[["place", "kind", "score", "level_name"]]
        counts = frame["level_name"].value_counts()
        return (
            f"{head}<br>At the last signal ({_core_time(t)}): "
            + ", ".join(f"{n} {lv}" for lv, n in counts.items())
            + f"<h4>Top places</h4>{df.to_html(index=False)}"
        )


def _core_time(t: int) -> pd.Timestamp:
    from ._time import from_seconds

    return from_seconds(int(t))


def _to_seconds(t: Any) -> int:
    from ._time import to_seconds

    return to_seconds(t, "at")
