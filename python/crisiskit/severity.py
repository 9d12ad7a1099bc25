"""Three-dimensional severity assessment (三维评估) from Python.

Impact scope (影响范围) × harm degree (危害程度) × evolution trend (演化趋势):
each indicator normalised to 0–10, aggregated within its dimension, the three
dimensions combined (shifted geometric mean by default) into an overall 0–10
score and an ``AlertLevel``. Missing indicators are listed and bounded, never
taken as 0. See the README's "Severity assessment" section for every formula
and default; the arithmetic runs in C++ (``include/crisiskit/severity/``).

National grading tables (``GradingTable``, ``national_grade``) encode the
regulations' any-of thresholds, 以上 inclusive and 以下 exclusive.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid as _invalid
from ._frames import _LEVEL_NAMES
from ._time import from_seconds, to_duration, to_seconds

__all__ = [
    "DIMENSIONS",
    "GradingTable",
    "Indicators",
    "NationalGrade",
    "SeverityAssessor",
    "SeverityConfig",
    "SeverityResult",
    "SeverityTracker",
    "national_grade",
    "secondary_likelihood",
]

DIMENSIONS = ("scope", "harm", "trend")
DIMENSIONS_ZH = ("影响范围", "危害程度", "演化趋势")
_DOMAINS = ("non_negative", "share", "real")
_KINDS = ("log", "linear")
_METHODS = ("arithmetic", "geometric", "max", "power")
_LEVEL_CATEGORIES = list(_LEVEL_NAMES)


def _freeze(v: Any) -> Any:
    if isinstance(v, Mapping):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(x) for x in v)
    return v


def _choice(value: Any, names: Sequence[str], field: str, index: Optional[int]) -> int:
    if isinstance(value, str) and value.lower() in names:
        return names.index(value.lower())
    raise _invalid(field, index, value, f"must be one of {', '.join(names)}")


# ---- configuration -------------------------------------------------------------

_AGG_DEFAULTS = {"arithmetic": (0, 1.0, 0.0), "geometric": (1, 1.0, 1.0), "max": (2, 1.0, 0.0), "power": (3, 4.0, 0.0)}


def _agg(spec: Any, field: str, index: Optional[int] = None) -> Tuple[int, float, float]:
    if isinstance(spec, str):
        if spec.lower() not in _AGG_DEFAULTS:
            raise _invalid(field, index, spec, f"must be one of {', '.join(_METHODS)}")
        return _AGG_DEFAULTS[spec.lower()]
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"method", "p", "shift"}
        if unknown:
            raise _invalid(field, index, sorted(unknown)[0], "unknown key (expected method, p, shift)")
        m, p, shift = _agg(spec.get("method", "arithmetic"), f"{field}.method", index)
        # A setting the method ignores is dropped, so equal configs compare equal.
        return m, float(spec.get("p", p)) if m == 3 else 1.0, float(spec.get("shift", shift)) if m == 1 else 0.0
    raise _invalid(field, index, spec, "expected a method name or a dict {method, p, shift}")


def _agg_dict(t: Sequence[float]) -> Dict[str, Any]:
    m = _METHODS[int(t[0])]
    d: Dict[str, Any] = {"method": m}
    if m == "power":
        d["p"] = float(t[1])
    if m == "geometric":
        d["shift"] = float(t[2])
    return d


_SPEC_KEYS = ("name", "dimension", "domain", "transform", "lo", "hi", "weight", "unit", "label_zh")


def _spec_dict(t: Sequence[Any]) -> Dict[str, Any]:
    return {
        "name": t[0],
        "dimension": DIMENSIONS[t[1]],
        "domain": _DOMAINS[t[2]],
        "transform": _KINDS[t[3]],
        "lo": float(t[4]),
        "hi": float(t[5]),
        "weight": float(t[6]),
        "unit": t[7],
        "label_zh": t[8],
    }


_BUILTIN_SPECS = {t[0]: _spec_dict(t) for t in _core._SeverityConfigCore.default().indicators}


class _CoreValue:
    """Value semantics for wrappers of one immutable C++ object (``_core``):
    bytes round-trip, pickle, ``==`` on the C++ value, hash by ``to_dict()``."""

    __slots__ = ()
    _core_type: Any  # the pybind11 class, with to_bytes/from_bytes

    def to_bytes(self) -> bytes:
        return self._core.to_bytes()  # type: ignore[attr-defined]

    @classmethod
    def from_bytes(cls, b: bytes) -> Any:
        return cls._wrap(cls._core_type.from_bytes(b))  # type: ignore[attr-defined]

    def __reduce__(self) -> Any:
        return (type(self).from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._core == other._core  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(_freeze(self.to_dict()))  # type: ignore[attr-defined]  # by value, like ==: 0.0 and -0.0 hash alike


class SeverityConfig(_CoreValue):
    """Every weight, cap and transform of the assessment. Immutable; compare
    with ``==``; serialise with ``to_dict()`` (JSON-ready) or pickle.

    ``indicators``: None for the built-in set, or a list of dicts with keys
    ``name, dimension ('scope'|'harm'|'trend'), domain ('non_negative'|'share'|
    'real'), transform ('log'|'linear'), lo, hi (the cap), weight, unit,
    label_zh``. A dict naming a built-in indicator may give only the keys it
    changes. ``within``: one method for all three dimensions or a list of
    three; ``overall``: the method across dimensions. A method is
    ``'power'`` (p = 4), ``'arithmetic'``, ``'geometric'`` (shift 1), ``'max'``
    or a dict such as ``{'method': 'power', 'p': 2}``. ``policy``: a
    ``GradingPolicy`` on the 0–10 overall score (default thresholds
    2 / 3.5 / 5 / 6.5) or a dict ``{thresholds, margins, dwells}``.

    Raises ``InvalidInput`` naming the field, row and value.
    """

    __slots__ = ("_core",)
    _core_type = _core._SeverityConfigCore

    def __init__(
        self,
        indicators: Optional[Sequence[Mapping[str, Any]]] = None,
        dimension_weights: Sequence[float] = (1.0, 1.0, 1.0),
        within: Any = "power",
        overall: Any = "geometric",
        policy: Any = None,
    ) -> None:
        specs = self._specs(list(_BUILTIN_SPECS.values()) if indicators is None else indicators)
        if isinstance(within, (str, Mapping)):
            w3 = [_agg(within, "within")] * 3
        else:
            w = list(within)
            if len(w) != 3:
                raise _invalid("within", None, within, "give one method or three (scope, harm, trend)")
            w3 = [_agg(x, "within", i) for i, x in enumerate(w)]
        dw = [float(x) for x in dimension_weights]
        if len(dw) != 3:
            raise _invalid("dimension_weights", None, tuple(dimension_weights), "must hold 3 weights (scope, harm, trend)")
        self._core = _core._SeverityConfigCore(
            [s["name"] for s in specs],
            [s["dimension"] for s in specs],
            [s["domain"] for s in specs],
            [s["transform"] for s in specs],
            [s["lo"] for s in specs],
            [s["hi"] for s in specs],
            [s["weight"] for s in specs],
            [s["unit"] for s in specs],
            [s["label_zh"] for s in specs],
            dw,
            w3,
            _agg(overall, "overall"),
            self._policy(policy),
        )

    @staticmethod
    def _specs(indicators: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
        out = []
        for i, d in enumerate(indicators):
            if not isinstance(d, Mapping):
                raise _invalid("indicators", i, d, "each indicator must be a dict")
            unknown = set(d) - set(_SPEC_KEYS)
            if unknown:
                raise _invalid("indicators", i, sorted(unknown)[0], f"unknown key (expected {', '.join(_SPEC_KEYS)})")
            if "name" not in d:
                raise _invalid("indicators.name", i, None, "is required")
            base = dict(_BUILTIN_SPECS.get(d["name"], {}))
            if not base and "hi" not in d:
                raise _invalid("indicators.hi", i, None, f"is required for the new indicator {d['name']!r}")
            base.update({"dimension": "scope", "domain": "non_negative", "transform": "linear", "lo": 0.0, "weight": 1.0,
                         "unit": "", "label_zh": ""} if not base else {})
            base.update(d)
            out.append(
                {
                    "name": str(base["name"]),
                    "dimension": _choice(base["dimension"], DIMENSIONS, "indicators.dimension", i),
                    "domain": _choice(base["domain"], _DOMAINS, "indicators.domain", i),
                    "transform": _choice(base["transform"], _KINDS, "indicators.transform", i),
                    "lo": float(base["lo"]),
                    "hi": float(base["hi"]),
                    "weight": float(base["weight"]),
                    "unit": str(base["unit"]),
                    "label_zh": str(base["label_zh"]),
                }
            )
        return out

    @staticmethod
    def _policy(policy: Any) -> "_core.GradingPolicy":
        if policy is None:
            return _core._SeverityConfigCore.default().policy
        if isinstance(policy, _core.GradingPolicy):
            return policy
        if isinstance(policy, Mapping):
            unknown = set(policy) - {"thresholds", "margins", "dwells"}
            if unknown:
                raise _invalid("policy", None, sorted(unknown)[0], "unknown key (expected thresholds, margins, dwells)")
            d = _core._SeverityConfigCore.default().policy
            return _core.GradingPolicy(
                policy.get("thresholds", d.thresholds), policy.get("margins", d.margins), policy.get("dwells", d.dwells)
            )
        raise _invalid("policy", None, policy, "expected a GradingPolicy or a dict {thresholds, margins, dwells}")

    @classmethod
    def _wrap(cls, core: "_core._SeverityConfigCore") -> "SeverityConfig":
        c = cls.__new__(cls)
        c._core = core
        return c

    @classmethod
    def default(cls) -> "SeverityConfig":
        """The built-in configuration (see the README for the reasons behind each number)."""
        return cls._wrap(_core._SeverityConfigCore.default())

    # -- views --
    @property
    def indicators(self) -> List[Dict[str, Any]]:
        """One dict per indicator (see the class docstring for the keys)."""
        return [_spec_dict(t) for t in self._core.indicators]

    @property
    def names(self) -> List[str]:
        return [t[0] for t in self._core.indicators]

    @property
    def dimension_weights(self) -> Tuple[float, float, float]:
        return tuple(self._core.dimension_weights)  # type: ignore[return-value]

    @property
    def within(self) -> List[Dict[str, Any]]:
        return [_agg_dict(t) for t in self._core.within]

    @property
    def overall(self) -> Dict[str, Any]:
        return _agg_dict(self._core.overall)

    @property
    def policy(self) -> "_core.GradingPolicy":
        return self._core.policy

    def to_frame(self) -> pd.DataFrame:
        """The indicator table (one row per indicator)."""
        return pd.DataFrame(self.indicators, columns=list(_SPEC_KEYS))

    # -- serialisation --
    def to_dict(self) -> Dict[str, Any]:
        """Everything, JSON-ready; ``SeverityConfig.from_dict`` rebuilds an equal config."""
        p = self.policy
        return {
            "indicators": self.indicators,
            "dimension_weights": list(self.dimension_weights),
            "within": self.within,
            "overall": self.overall,
            "policy": {"thresholds": list(p.thresholds), "margins": list(p.margins), "dwells": [int(x) for x in p.dwells]},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SeverityConfig":
        unknown = set(d) - {"indicators", "dimension_weights", "within", "overall", "policy"}
        if unknown:
            raise _invalid("config", None, sorted(unknown)[0], "unknown key")
        return cls(**d)

    def replace(self, **changes: Any) -> "SeverityConfig":
        """A copy with some of the constructor's arguments changed."""
        d = self.to_dict()
        d.update(changes)
        return SeverityConfig.from_dict(d)


    def __repr__(self) -> str:
        return (
            f"SeverityConfig({len(self.names)} indicators, dimension_weights={self.dimension_weights}, "
            f"within={[w['method'] for w in self.within]}, overall={self.overall}, "
            f"thresholds={tuple(self.policy.thresholds)})"
        )


@dataclass
class Indicators:
    """The built-in indicators as a dataclass (None = missing); pass one to
    ``SeverityAssessor.assess``. Units: areas km², money CNY, shares 0–1,
    growth as a ratio (1.0 = doubled), rainfall mm over the next 24 h."""

    # 影响范围 impact scope
    affected_area_km2: Optional[float] = None
    affected_population: Optional[float] = None
    vulnerable_share: Optional[float] = None
    townships_affected: Optional[float] = None
    counties_affected: Optional[float] = None
    schools_affected: Optional[float] = None
    nursing_homes_affected: Optional[float] = None
    hospitals_affected: Optional[float] = None
    # 危害程度 harm degree
    deaths: Optional[float] = None
    serious_injuries: Optional[float] = None
    missing: Optional[float] = None
    trapped: Optional[float] = None
    economic_loss_cny: Optional[float] = None
    power_outage_share: Optional[float] = None
    water_outage_share: Optional[float] = None
    telecom_outage_share: Optional[float] = None
    transport_outage_share: Optional[float] = None
    gathering_size: Optional[float] = None
    negative_opinion_share: Optional[float] = None
    # 演化趋势 evolution trend
    population_growth: Optional[float] = None
    harm_growth: Optional[float] = None
    secondary_likelihood: Optional[float] = None
    rainfall_24h_mm: Optional[float] = None


def _items(indicators: Any, kw: Mapping[str, Any]) -> List[Tuple[str, float]]:
    """(name, value) pairs; None / NA are missing. NaN is refused except in a
    pandas Series (pandas' own missing marker)."""
    if indicators is None:
        src: Dict[str, Any] = {}
    elif dataclasses.is_dataclass(indicators) and not isinstance(indicators, type):
        src = {f.name: getattr(indicators, f.name) for f in dataclasses.fields(indicators)}
    elif isinstance(indicators, pd.Series):
        src = {str(k): (None if pd.isna(v) else v) for k, v in indicators.items()}
    elif isinstance(indicators, Mapping):
        src = dict(indicators)
    else:
        raise _invalid("indicators", None, indicators, "expected a dict, a dataclass or a pandas Series")
    for k, v in kw.items():
        if k in src and src[k] is not None:
            raise _invalid(k, None, v, "is given twice")
        src[k] = v
    out = []
    for k, v in src.items():
        if v is None or v is pd.NA:
            continue
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise _invalid(str(k), None, v, "must be a number")
        out.append((str(k), float(v)))
    return out


# ---- results -------------------------------------------------------------------


class SeverityResult:
    """One assessment: ``scope``, ``harm``, ``trend``, ``overall`` (0–10; NaN
    when nothing of that dimension is known), ``level`` (AlertLevel), the
    range ``overall_lo``–``overall_hi`` and ``level_lo``–``level_hi`` the
    missing indicators leave open, ``missing`` (names), ``values`` and
    ``scores`` (present indicators), ``explain()`` and ``sensitivity()``.
    From a tracker it also carries ``time`` and ``derived``."""

    __slots__ = ("_a", "_r", "time", "derived")

    def __init__(self, assessor: "_core._SeverityAssessorCore", core: "_core._SeverityResultCore",
                 time: Any = None, derived: Sequence[str] = ()) -> None:
        self._a = assessor
        self._r = core
        self.time = time
        self.derived = list(derived)

    @property
    def _names(self) -> List[str]:
        return [t[0] for t in self._a._config.indicators]

    scope = property(lambda self: float(self._r.dimension[0]), doc="Impact scope 影响范围, 0–10.")
    harm = property(lambda self: float(self._r.dimension[1]), doc="Harm degree 危害程度, 0–10.")
    trend = property(lambda self: float(self._r.dimension[2]), doc="Evolution trend 演化趋势, 0–10.")
    overall = property(lambda self: float(self._r.overall), doc="Overall severity, 0–10.")
    overall_lo = property(lambda self: float(self._r.overall_lo), doc="Overall with every missing indicator at 0.")
    overall_hi = property(lambda self: float(self._r.overall_hi), doc="Overall with every missing indicator at 10.")
    level = property(lambda self: self._r.level, doc="AlertLevel of the overall score.")
    level_lo = property(lambda self: self._r.level_lo)
    level_hi = property(lambda self: self._r.level_hi)

    @property
    def dimensions(self) -> Dict[str, float]:
        return dict(zip(DIMENSIONS, map(float, self._r.dimension)))

    @property
    def dimension_range(self) -> Dict[str, Tuple[float, float]]:
        return {d: (float(lo), float(hi)) for d, lo, hi in zip(DIMENSIONS, self._r.dimension_lo, self._r.dimension_hi)}

    @property
    def values(self) -> Dict[str, float]:
        return {n: float(v) for n, v in zip(self._names, self._r.values) if not math.isnan(v)}

    @property
    def scores(self) -> Dict[str, float]:
        return {n: float(v) for n, v in zip(self._names, self._r.scores) if not math.isnan(v)}

    @property
    def missing(self) -> List[str]:
        return [n for n, v in zip(self._names, self._r.values) if math.isnan(v)]

    def explain(self, by: str = "indicator") -> pd.DataFrame:
        """Contributions of each present indicator (``by='indicator'``) to its
        dimension and to the overall score, or per dimension
        (``by='dimension'``). ``to_overall`` sums to ``overall`` and, within a
        dimension, ``to_dimension`` sums to that dimension's score."""
        rows = self._a._explain(self._r)
        names = self._names
        df = pd.DataFrame(
            {
                "indicator": [names[r[0]] for r in rows],
                "dimension": [DIMENSIONS[r[1]] for r in rows],
                "value": [r[2] for r in rows],
                "score": [r[3] for r in rows],
                "weight": [r[4] for r in rows],
                "to_dimension": [r[5] for r in rows],
                "to_overall": [r[6] for r in rows],
            }
        )
        if by == "indicator":
            return df
        if by == "dimension":
            g = df.groupby("dimension", sort=False)["to_overall"].sum()
            return pd.DataFrame(
                {
                    "dimension": list(DIMENSIONS),
                    "score": list(map(float, self._r.dimension)),
                    "weight": list(self._a._config.dimension_weights),
                    "to_overall": [float(g.get(d, 0.0)) for d in DIMENSIONS],
                }
            )
        raise _invalid("by", None, by, "must be 'indicator' or 'dimension'")

    def sensitivity(self) -> pd.DataFrame:
        """Per present indicator, with the others fixed: the smallest value
        that raises the level (``up_value``, ``up_change``, ``up_level``) and
        the largest that lowers it (``down_*``); NaN where no value can."""
        rows = self._a._sensitivity(self._r)
        names = self._names
        nan = float("nan")
        up = [nan if r[2] is None else r[2] for r in rows]
        down = [nan if r[4] is None else r[4] for r in rows]
        value = [r[1] for r in rows]
        return pd.DataFrame(
            {
                "indicator": [names[r[0]] for r in rows],
                "value": value,
                "up_value": up,
                "up_change": np.subtract(up, value) if rows else [],
                "up_level": [r[3].name if r[2] is not None else None for r in rows],
                "down_value": down,
                "down_change": np.subtract(down, value) if rows else [],
                "down_level": [r[5].name if r[4] is not None else None for r in rows],
            }
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            **self.dimensions,
            "overall": self.overall,
            "overall_lo": self.overall_lo,
            "overall_hi": self.overall_hi,
            "level": self.level.name,
            "level_lo": self.level_lo.name,
            "level_hi": self.level_hi.name,
            "missing": self.missing,
            "values": self.values,
        }

    def plot_radar(self, ax: Any = None, **kw: Any) -> Any:
        """Radar of the three dimensions (0–10), the range shaded. Needs matplotlib."""
        return _radar([self], ax=ax, **kw)

    def __reduce__(self) -> Any:
        return (
            _rebuild_result,
            (self._a._config.to_bytes(), [float(v) for v in self._r.values], self.time, self.derived),
        )

    def __repr__(self) -> str:
        def f(x: float) -> str:
            return "nan" if math.isnan(x) else f"{x:.2f}"

        t = "" if self.time is None else f"time={self.time}, "
        return (
            f"SeverityResult({t}scope={f(self.scope)}, harm={f(self.harm)}, trend={f(self.trend)}, "
            f"overall={f(self.overall)} [{f(self.overall_lo)}–{f(self.overall_hi)}], level={self.level.name}, "
            f"missing={len(self.missing)})"
        )

    def _repr_html_(self) -> str:
        zh = _core.name_zh(self.level) if self.level != _core.AlertLevel.NONE else "—"
        rows = "".join(
            f"<tr><td>{d} {z}</td><td>{_fmt(s)}</td><td>{_fmt(lo)}–{_fmt(hi)}</td></tr>"
            for d, z, s, lo, hi in zip(DIMENSIONS, DIMENSIONS_ZH, self._r.dimension, self._r.dimension_lo,
                                       self._r.dimension_hi)
        )
        return (
            f"<b>Severity {_fmt(self.overall)} / 10 — {self.level.name} {zh}</b> "
            f"(range {_fmt(self.overall_lo)}–{_fmt(self.overall_hi)})"
            f"<table><tr><th>dimension</th><th>score</th><th>range</th></tr>{rows}</table>"
            f"<small>missing: {', '.join(self.missing) or 'none'}</small>"
        )


def _fmt(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.2f}"


def _rebuild_result(config: bytes, values: List[float], time: Any, derived: List[str]) -> SeverityResult:
    a = SeverityAssessor(SeverityConfig.from_bytes(config))
    return SeverityResult(a, a._assess_values(values), time, derived)


# ---- assessor ------------------------------------------------------------------


class SeverityAssessor(_core._SeverityAssessorCore):
    """Indicators → ``SeverityResult``. Immutable and thread-safe; pickles.

    ``assess(indicators, **more)`` takes a dict, an ``Indicators`` dataclass,
    a pandas Series or keywords; None means missing. ``assess_frame(df)``
    does the same for every row of a DataFrame in C++ (GIL released)."""

    def __init__(self, config: Optional[SeverityConfig] = None) -> None:
        if config is None:
            config = SeverityConfig.default()
        if not isinstance(config, SeverityConfig):
            raise _invalid("config", None, config, "expected a SeverityConfig")
        super().__init__(config._core)

    @property
    def config(self) -> SeverityConfig:
        return SeverityConfig._wrap(self._config)

    def assess(
        self,
        indicators: Any = None,
        /,
        *,
        risk_map: Any = None,
        places: Optional[Sequence[str]] = None,
        at: Any = None,
        horizon_hours: float = 24.0,
        **more: Any,
    ) -> SeverityResult:
        """Assess one event. With ``risk_map`` (a fitted ``RiskMap``) and
        ``at``, ``secondary_likelihood`` is taken from its forecast over
        ``places`` (default: all) for ``horizon_hours``."""
        items = _items(indicators, more)
        if risk_map is not None:
            items.append(("secondary_likelihood", secondary_likelihood(risk_map, at, places, horizon_hours)))
        return SeverityResult(self, self._assess(items))

    def assess_frame(self, df: pd.DataFrame, extra: str = "error") -> pd.DataFrame:
        """Vectorised ``assess`` over the rows of ``df`` (columns = indicator
        names; NaN / None / NA = missing). Returns a DataFrame on the same
        index: scope, harm, trend, overall, overall_lo, overall_hi, level
        (0–4), level_name (ordered categorical), level_lo, level_hi,
        n_missing. Other columns raise ``InvalidInput`` unless
        ``extra='ignore'``. Float64 columns are read without a copy."""
        if not isinstance(df, pd.DataFrame):
            raise _invalid("df", None, type(df).__name__, "expected a pandas DataFrame")
        if extra not in ("error", "ignore"):
            raise _invalid("extra", None, extra, "must be 'error' or 'ignore'")
        names = [t[0] for t in self._config.indicators]
        known = set(names)
        if extra == "error":
            for c in df.columns:
                if c not in known:
                    raise _invalid("columns", None, c, "is not an indicator (set it as the index, or pass extra='ignore')")
        cols: List[Optional[np.ndarray]] = []
        for n in names:
            if n not in df.columns:
                cols.append(None)
                continue
            s = df[n]
            kind = s.dtype.kind
            if kind == "O":
                bad = next((i for i, v in enumerate(s) if not _is_number_or_na(v)), None)
                if bad is not None:
                    raise _invalid(n, bad, s.iloc[bad], "must be a number")
            elif kind not in "fiu":  # bool, datetime, timedelta, str, category: refused, never cast
                raise _invalid(n, None, str(s.dtype), "must be a numeric column (float or int)")
            cols.append(s.to_numpy(dtype=np.float64, na_value=np.nan))
        d = self._assess_columns(cols, len(df))
        d["level_name"] = pd.Categorical.from_codes(d["level"], categories=_LEVEL_CATEGORIES, ordered=True)
        order = ["scope", "harm", "trend", "overall", "overall_lo", "overall_hi", "level", "level_name", "level_lo",
                 "level_hi", "n_missing"]
        return pd.DataFrame({k: d[k] for k in order}, index=df.index, copy=False)

    def __reduce__(self) -> Any:
        return (SeverityAssessor, (self.config,))

    def __repr__(self) -> str:
        return f"SeverityAssessor({self.config!r})"


def _is_number_or_na(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, (np.bool_, np.datetime64, np.timedelta64)):
        return False
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def secondary_likelihood(risk_map: Any, at: Any, places: Optional[Sequence[str]] = None,
                         horizon_hours: float = 24.0) -> float:
    """P(at least one further incident among ``places`` — default all — in
    (at, at + horizon]) from a fitted ``RiskMap``'s Hawkes forecast, taking
    places as independent: 1 − Π(1 − p_any). Raises ``StateError`` if the
    map has no model."""
    if not isinstance(risk_map, _core._RiskMapCore):
        raise _invalid("risk_map", None, type(risk_map).__name__, "expected a RiskMap")
    if at is None:
        raise _invalid("at", None, None, "is required with a risk map")
    ids = [] if places is None else [str(p) for p in places]
    return float(risk_map._secondary_likelihood(ids, at, float(horizon_hours)))


# ---- tracker -------------------------------------------------------------------


class SeverityTracker(_core._SeverityTrackerCore):
    """Per-event history of assessments, trend indicators derived from it
    (``population_growth``, ``harm_growth``; see the README), and the
    re-assessment clock: ``due(event, at)`` once ``interval`` (default 2 h)
    has passed since the event's last assessment.

    Not for concurrent updates: a second thread gets ``StateError``."""

    def __init__(self, assessor: Union[SeverityAssessor, SeverityConfig, None] = None, interval: Any = 7200) -> None:
        if assessor is None or isinstance(assessor, SeverityConfig):
            assessor = SeverityAssessor(assessor)
        if not isinstance(assessor, SeverityAssessor):
            raise _invalid("assessor", None, assessor, "expected a SeverityAssessor or a SeverityConfig")
        super().__init__(assessor, to_duration(interval, "interval"))
        self._py_assessor = assessor

    @property
    def assessor(self) -> SeverityAssessor:
        return self._py_assessor

    @property
    def interval(self) -> pd.Timedelta:
        return pd.Timedelta(seconds=self._interval)

    def update(self, event: str, time: Any, indicators: Any = None, /, **more: Any) -> SeverityResult:
        """Assess ``event`` at ``time`` and append it to its history. A time
        not after the event's last assessment, or any bad indicator, raises
        ``InvalidInput`` and leaves the history unchanged."""
        t, core, derived = self._update(str(event), to_seconds(time, "time"), _items(indicators, more))
        return SeverityResult(self._py_assessor, core, from_seconds(t), derived)

    def history(self, event: str) -> List[SeverityResult]:
        return [SeverityResult(self._py_assessor, c, from_seconds(t), d) for t, c, d in self._history(str(event))]

    def latest(self, event: str) -> SeverityResult:
        return self.history(event)[-1]

    def next_due(self, event: str) -> pd.Timestamp:
        return from_seconds(self._next_due(str(event)))

    def due(self, event: str, at: Any) -> bool:
        """True once ``at`` reaches the event's last assessment + interval."""
        return to_seconds(at, "at") >= self._next_due(str(event))

    def overdue(self, at: Any) -> List[str]:
        """Events whose re-assessment is due at ``at``."""
        return list(self._overdue(to_seconds(at, "at")))

    def to_frame(self, event: Optional[str] = None) -> pd.DataFrame:
        """One row per assessment (all events, or one): event, time, the
        three dimensions, overall and its range, level, n_missing, derived,
        then every indicator's raw value (NaN = missing)."""
        events = self.events if event is None else [event]
        names = [t[0] for t in self._config_core.indicators]
        rows = []
        for e in events:
            for t, c, d in self._history(e):
                rows.append(
                    [e, t, *c.dimension, c.overall, c.overall_lo, c.overall_hi, int(c.level), len(c.values) -
                     int(np.count_nonzero(~np.isnan(c.values))), ",".join(d), *c.values]
                )
        cols = ["event", "time", *DIMENSIONS, "overall", "overall_lo", "overall_hi", "level", "n_missing", "derived",
                *names]
        df = pd.DataFrame(rows, columns=cols)
        df["time"] = pd.to_datetime(df["time"].astype(np.int64), unit="s", utc=True)
        df["level_name"] = pd.Categorical.from_codes(df["level"].astype(np.int8), categories=_LEVEL_CATEGORIES,
                                                     ordered=True)
        return df

    @property
    def _config_core(self) -> Any:
        return self._py_assessor._config

    def plot(self, event: str, ax: Any = None) -> Any:
        """Lines over time: scope, harm, trend and overall (its range shaded),
        with the level thresholds. Needs matplotlib. Returns the Axes."""
        import matplotlib.pyplot as plt  # lazy: plotting is optional

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        df = self.to_frame(event)
        for d, style in zip(DIMENSIONS, ("--", ":", "-.")):
            ax.plot(df["time"], df[d], style, label=d)
        ax.plot(df["time"], df["overall"], "-", color="black", lw=2, label="overall")
        ax.fill_between(df["time"], df["overall_lo"], df["overall_hi"], color="grey", alpha=0.2, label="range")
        for thr, colour in zip(self._config_core.policy.thresholds, _LEVEL_COLOURS[1:]):
            ax.axhline(thr, color=colour, lw=0.8)
        ax.set_ylim(0, 10)
        ax.set_ylabel("severity (0–10)")
        ax.set_title(f"severity of {event}")
        ax.legend(loc="upper left", fontsize="small")
        return ax

    def plot_radar(self, event: str, ax: Any = None) -> Any:
        """Radar of the three dimensions of the latest assessment (earlier ones faint)."""
        return _radar(self.history(event), ax=ax)

    def __reduce__(self) -> Any:
        return (_tracker_from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return f"SeverityTracker({len(self.events)} events, interval={self.interval})"


def _tracker_from_bytes(b: bytes) -> SeverityTracker:
    t = SeverityTracker.__new__(SeverityTracker)
    _core._SeverityTrackerCore.__init__(t, b)  # C++ re-validates and re-assesses every entry
    t._py_assessor = SeverityAssessor(SeverityConfig._wrap(t._assessor._config))
    return t


_LEVEL_COLOURS = ["#b0b0b0", "#1f5fbf", "#f2c200", "#f07f00", "#d7191c"]


def _radar(results: Sequence[SeverityResult], ax: Any = None, **kw: Any) -> Any:
    import matplotlib.pyplot as plt  # lazy: plotting is optional

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5), subplot_kw={"projection": "polar"})
    angles = np.linspace(0, 2 * np.pi, 3, endpoint=False).tolist()
    angles += angles[:1]
    labels = [f"{d}\n{z}" for d, z in zip(DIMENSIONS, DIMENSIONS_ZH)]
    for k, r in enumerate(results):
        vals = [0.0 if math.isnan(x) else x for x in r._r.dimension]
        latest = k == len(results) - 1
        colour = _LEVEL_COLOURS[int(r.level)]
        ax.plot(angles, vals + vals[:1], color=colour, lw=2 if latest else 0.8, alpha=1 if latest else 0.35, **kw)
        if latest:
            ax.fill(angles, vals + vals[:1], color=colour, alpha=0.25)
            hi = list(r._r.dimension_hi)
            ax.plot(angles, hi + hi[:1], color=colour, lw=0.8, ls=":")
    ax.set_xticks(angles[:-1])
    ax.set_xticklabels(labels)
    ax.set_ylim(0, 10)
    if results:
        last = results[-1]
        ax.set_title(f"overall {_fmt(last.overall)} — {last.level.name}")
    return ax


# ---- national grading tables ---------------------------------------------------

_BUILTIN_TABLES = {"production_safety": _core._production_safety_table}
_CRITERION_KEYS = ("indicator", "at_least", "more_than", "below", "at_most", "text")


class GradingTable(_CoreValue):
    """A regulation's grades as data. ``grades`` run from the most severe
    down; each is a dict ``{name, name_en, roman, level, any_of}`` where
    ``any_of`` lists criteria ``{indicator, at_least (以上, inclusive),
    more_than (exclusive), below (以下, exclusive), at_most (inclusive),
    text}``. The grade of an event is the most severe grade any of whose
    criteria holds. ``GradingTable.builtin('production_safety')`` is the State
    Council's table for production-safety accidents."""

    __slots__ = ("_core",)
    _core_type = _core._GradingTableCore

    def __init__(self, name: str, grades: Sequence[Mapping[str, Any]], source: str = "") -> None:
        parsed = []
        for g_i, g in enumerate(grades):
            if not isinstance(g, Mapping):
                raise _invalid("grades", g_i, g, "each grade must be a dict")
            unknown = set(g) - {"name", "name_en", "roman", "level", "any_of"}
            if unknown:
                raise _invalid("grades", g_i, sorted(unknown)[0], "unknown key (expected name, name_en, roman, level, any_of)")
            crit = []
            for c_i, c in enumerate(g.get("any_of", [])):
                if not isinstance(c, Mapping):
                    raise _invalid(f"grades[{g_i}].any_of", c_i, c, "each criterion must be a dict")
                unknown = set(c) - set(_CRITERION_KEYS)
                if unknown:
                    raise _invalid(f"grades[{g_i}].any_of", c_i, sorted(unknown)[0],
                                   f"unknown key (expected {', '.join(_CRITERION_KEYS)})")
                bounds = []
                for k in ("at_least", "more_than", "below", "at_most"):
                    v = c.get(k)
                    if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
                        raise _invalid(f"grades[{g_i}].any_of.{k}", c_i, v, "must be a number")
                    bounds.append(None if v is None else float(v))
                crit.append((str(c.get("indicator", "")), *bounds, str(c.get("text", ""))))
            parsed.append((str(g.get("name", "")), str(g.get("name_en", "")), str(g.get("roman", "")),
                           g.get("level", "NONE"), crit))
        self._core = _core._GradingTableCore(str(name), str(source), parsed)

    @classmethod
    def _wrap(cls, core: Any) -> "GradingTable":
        t = cls.__new__(cls)
        t._core = core
        return t

    @classmethod
    def builtin(cls, name: str = "production_safety") -> "GradingTable":
        """A built-in table by name: ``'production_safety'``."""
        if name not in _BUILTIN_TABLES:
            raise _invalid("table", None, name, f"unknown built-in table (have: {', '.join(_BUILTIN_TABLES)})")
        return cls._wrap(_BUILTIN_TABLES[name]())

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def source(self) -> str:
        return self._core.source

    @property
    def indicators(self) -> List[str]:
        return list(self._core.indicators)

    @property
    def grades(self) -> List[Dict[str, Any]]:
        out = []
        for name, en, roman, level, crit in self._core._grades:
            any_of = []
            for c in crit:
                d = {"indicator": c[0]}
                d.update({k: v for k, v in zip(("at_least", "more_than", "below", "at_most"), c[1:5]) if v is not None})
                if c[5]:
                    d["text"] = c[5]
                any_of.append(d)
            out.append({"name": name, "name_en": en, "roman": roman, "level": level.name, "any_of": any_of})
        return out

    def grade(self, indicators: Any = None, /, **more: Any) -> "NationalGrade":
        """Grade one event (see ``national_grade``)."""
        g, level, reasons, missing, could_be = _core._national_grade(self._core, _items(indicators, more))
        rules = self._core._grades
        return NationalGrade(
            table=self.name,
            grade=rules[g][0] if g >= 0 else None,
            name_en=rules[g][1] if g >= 0 else None,
            roman=rules[g][2] if g >= 0 else None,
            level=level,
            reasons=list(reasons),
            missing=list(missing),
            could_be=rules[could_be][0] if could_be >= 0 else None,
        )

    def to_frame(self) -> pd.DataFrame:
        """The rules, one row per criterion."""
        rows = [
            {"grade": g["name"], "roman": g["roman"], "level": g["level"], **c} for g in self.grades for c in g["any_of"]
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "source": self.source, "grades": self.grades}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "GradingTable":
        unknown = set(d) - {"name", "source", "grades"}
        if unknown:
            raise _invalid("table", None, sorted(unknown)[0], "unknown key (expected name, source, grades)")
        return cls(d.get("name", ""), d.get("grades", []), d.get("source", ""))


    def __repr__(self) -> str:
        return f"GradingTable({self.name!r}, grades={[g['name'] for g in self.grades]}, reads={self.indicators})"


@dataclass(frozen=True)
class NationalGrade:
    """The grade of one event under a table. ``grade`` is None when no grade
    is met; ``could_be`` names a more severe grade that the ``missing``
    indicators could still reach (the grade is then a lower bound)."""

    table: str
    grade: Optional[str]
    name_en: Optional[str]
    roman: Optional[str]
    level: Any
    reasons: List[str]
    missing: List[str]
    could_be: Optional[str]

    def __str__(self) -> str:
        if self.grade is None:
            return f"{self.table}: no grade met"
        s = f"{self.table}: {self.grade} ({self.roman}, {self.level.name}) because {'; '.join(self.reasons)}"
        if self.could_be:
            s += f" — could still be {self.could_be}: {', '.join(self.missing)} not given"
        return s


def national_grade(table: Any, /, **indicators: Any) -> Any:
    """Grade an event under a national table: ``national_grade('production_safety',
    deaths=12, serious_injuries=3, economic_loss_cny=2e7)`` → ``NationalGrade``
    (重大, Ⅱ, WARNING). ``table`` is a ``GradingTable`` or a built-in name.

    Called with an ``AlertLevel`` (or its number or name) and nothing else it
    returns that level's national grade number 1–4 (0 for NONE), as before."""
    if isinstance(table, GradingTable):
        return table.grade(**indicators)
    if isinstance(table, str) and table in _BUILTIN_TABLES:
        return GradingTable.builtin(table).grade(**indicators)
    if not indicators:
        return _core.national_grade(table)
    raise _invalid("table", None, table, f"expected a GradingTable or one of {', '.join(_BUILTIN_TABLES)}")
