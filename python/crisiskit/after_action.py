"""After-action review (复盘): ``ck.review`` and the ``Review`` report.

Tables in (incidents, transitions, alerts, obligations, needs, opinion,
releases), arrays to the C++ core (``crisiskit/incident/review.hpp``, where
every number is computed), a report out: one row per metric with its
evidence, Markdown for a commander's document, a matplotlib figure.

The definitions and scoring formulas are those of ``review.hpp`` and the
README section "After-action review (复盘)".
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._time import NO_TIME, to_duration, to_seconds

__all__ = ["Review", "review", "DEFAULT_SLAS", "DIMENSIONS", "alerts_from_history"]

#: Review dimensions in report order: (key, English title, Chinese title).
DIMENSIONS: Tuple[Tuple[str, str, str], ...] = (
    ("warning_accuracy", "Warning accuracy", "预警精准度"),
    ("response_timeliness", "Response timeliness", "响应及时性"),
    ("coordination", "Coordination effectiveness", "协同有效性"),
    ("public_communication", "Effect of public communication", "舆情引导效果"),
)

_LEVELS = ("GENERAL", "ATTENTION", "WARNING", "EMERGENCY")


def _level_deadlines(plan: Any = None) -> Dict[str, int]:
    """Seconds from report to the start of each level's response, from a ResponsePlan (first obligation)."""
    plan = plan if plan is not None else _core.ResponsePlan.defaults()
    out = {}
    for name in _LEVELS:
        specs = plan.obligations(name)
        if specs:
            out[name] = int(specs[0].within)
    return out


#: Default SLA clocks scored from the incidents table: name → (start column,
#: end column, allowed duration). ``level_response`` is a mapping level →
#: seconds taken from ``ResponsePlan.defaults()`` (General 2 h, Attention 4 h,
#: Warning 12 h, Emergency immediately), measured from report to sign-for
#: (the response started).
DEFAULT_SLAS: Dict[str, Any] = {
    "first_report": ("occurred_at", "reported_at", 3600),        # 首报负责制: 1 h
    "first_information": ("occurred_at", "first_info_at", 4 * 3600),  # 黄金4小时
    "on_site": ("reported_at", "on_site_at", 30 * 60),           # experts on site within 30 min of the report (as IncidentLog)
    "level_response": ("reported_at", "signed_at", _level_deadlines()),
}

_STATUS = np.array(["met", "late", "open_overdue", "pending", "not_started"], dtype=object)


# ---- input adapters ---------------------------------------------------------

def _duration(v: Any, name: str) -> int:
    if isinstance(v, str):
        try:
            v = pd.Timedelta(v)
        except ValueError:
            raise invalid(name, None, v, "expected a duration ('30min', '4h'), seconds or a timedelta") from None
    return to_duration(v, name)


def _frame(obj: Any, table: str) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        return obj.reset_index(drop=True)
    if isinstance(obj, Mapping) or isinstance(obj, list):
        try:
            return pd.DataFrame(obj)
        except (ValueError, TypeError) as e:
            raise invalid(table, None, type(obj).__name__, f"cannot be read as a table ({e})") from None
    raise invalid(table, None, type(obj).__name__, "expected a DataFrame, a dict of columns or a list of rows")


def _need(df: pd.DataFrame, table: str, cols: Sequence[str]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise invalid(table, None, list(df.columns), f"needs the column(s) {', '.join(missing)}")


def _times(df: pd.DataFrame, col: str, table: str, required: bool = False) -> np.ndarray:
    """A time column → int64 UTC seconds, NaT/None → NO_TIME (refused when ``required``)."""
    field_ = f"{table}.{col}"
    if col not in df.columns:
        if required:
            raise invalid(table, None, list(df.columns), f"needs the column {col}")
        return np.full(len(df), NO_TIME, dtype=np.int64)
    s = df[col]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype(np.int64)
    elif np.issubdtype(s.dtype, np.datetime64):
        i = int(np.flatnonzero(s.notna().to_numpy())[0]) if s.notna().any() else 0
        raise invalid(field_, i, s.iloc[i] if len(s) else None,
                      "a naive datetime has no time zone; use tz-aware timestamps (e.g. .dt.tz_localize('Asia/Shanghai'))")
    elif s.dtype.kind in "iu":
        out = s.to_numpy().astype(np.int64)
    else:
        out = np.empty(len(s), dtype=np.int64)
        for i, v in enumerate(s.tolist()):
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
                out[i] = NO_TIME
                continue
            try:
                out[i] = to_seconds(v, field_)
            except ValueError as e:
                raise invalid(field_, i, v, str(e).split(": ", 1)[-1]) from None
    if required and (out == NO_TIME).any():
        i = int(np.flatnonzero(out == NO_TIME)[0])
        raise invalid(field_, i, "NaT", "a time is required")
    return out


def _codes(values: Sequence[Any]) -> Tuple[np.ndarray, List[str]]:
    labels = pd.Series(values, dtype=object).astype(str)
    codes, uniques = pd.factorize(labels, sort=False)
    return codes.astype(np.int64), [str(u) for u in uniques]


def _level_codes(values: Any, field_: str) -> np.ndarray:
    out = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(list(values)):
        try:
            if isinstance(v, (np.integer, np.floating)) or (isinstance(v, float) and v.is_integer()):
                v = int(v) if float(v).is_integer() else v
            out[i] = int(_core.alert_level(v))
        except (ValueError, TypeError):
            raise invalid(field_, i, v, "expected an alert level (GENERAL … EMERGENCY, 一般 … 紧急, or 1 … 4)") from None
        if out[i] == 0:
            raise invalid(field_, i, v, "an alert's level must be 1 (GENERAL) .. 4 (EMERGENCY), not NONE")
    return out


def alerts_from_history(history: pd.DataFrame) -> pd.DataFrame:
    """Alerts from ``AlertBoard.history()``: each escalation issues an alert at
    its new level, ended when the subject's level next drops below it.

    Parameters
    ----------
    history : pandas.DataFrame
        ``subject``, ``time``, ``from_level``, ``to_level`` (as the board writes them).

    Returns
    -------
    pandas.DataFrame
        ``place``, ``level`` (1–4), ``issued_at``, ``ended_at`` (NaT while in force).
    """
    h = _frame(history, "alerts")
    _need(h, "alerts", ["subject", "time", "from_level", "to_level"])
    t = _times(h, "time", "alerts", required=True)
    frm = h["from_level"].to_numpy().astype(np.int64)
    to = h["to_level"].to_numpy().astype(np.int64)
    subj = h["subject"].astype(str).to_numpy()
    rows: List[Tuple[str, int, int, int]] = []
    open_: Dict[str, List[int]] = {}
    for i in np.lexsort((np.arange(len(h)), t)):  # time order, ties in board order
        s = subj[i]
        mine = open_.setdefault(s, [])
        if to[i] > frm[i]:
            rows.append((s, int(to[i]), int(t[i]), NO_TIME))
            mine.append(len(rows) - 1)
        else:
            keep = []
            for k in mine:
                if rows[k][1] > to[i]:
                    rows[k] = rows[k][:3] + (int(t[i]),)
                else:
                    keep.append(k)
            open_[s] = keep
    times = lambda xs: pd.to_datetime(pd.Series(xs, dtype="int64").where(lambda v: v != NO_TIME), unit="s", utc=True)
    return pd.DataFrame({
        "place": pd.Series([r[0] for r in rows], dtype=object),
        "level": pd.Series([r[1] for r in rows], dtype=np.int64),
        "issued_at": times([r[2] for r in rows]),
        "ended_at": times([r[3] for r in rows]),
    })


def _alerts_table(alerts: Any) -> pd.DataFrame:
    df = _frame(alerts, "alerts")
    if {"subject", "time", "from_level", "to_level"} <= set(df.columns):
        return alerts_from_history(df)
    _need(df, "alerts", ["place", "level", "issued_at"])
    return df


def _population(population: Any, incidents: pd.DataFrame) -> Optional[Dict[str, float]]:
    if population is None:
        if "population" not in incidents.columns:
            return None
        pop: Dict[str, float] = {}
        for i, (p, v) in enumerate(zip(incidents["place"].astype(str), incidents["population"])):
            v = float(v)
            if p in pop and pop[p] != v and not (math.isnan(v) and math.isnan(pop[p])):
                raise invalid("incidents.population", i, v, f"differs from {pop[p]} given for place '{p}' earlier")
            pop[p] = v
        return pop
    if isinstance(population, pd.DataFrame):
        _need(population, "population", ["place", "population"])
        population = dict(zip(population["place"].astype(str), population["population"]))
    if isinstance(population, pd.Series):
        population = population.to_dict()
    if not isinstance(population, Mapping):
        raise invalid("population", None, type(population).__name__, "expected a mapping place → population")
    return {str(k): float(v) for k, v in population.items()}


# ---- the report -------------------------------------------------------------

def _fmt(v: Any, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if unit == "share":
        return f"{100 * v:.1f} %"
    if unit == "s":
        v = float(v)
        if abs(v) >= 3600:
            return f"{v / 3600:.2f} h"
        if abs(v) >= 60:
            return f"{v / 60:.1f} min"
        return f"{v:.0f} s"
    if unit == "score":
        return f"{v:.1f}"
    if isinstance(v, (int, np.integer)):
        return f"{int(v)}"
    return f"{v:.4g}"


def _blank(ax: Any, what: str) -> None:
    ax.text(0.5, 0.5, f"{what} not assessed", ha="center", va="center")
    ax.set_axis_off()


@dataclass(eq=False)
class Review:
    """An after-action review (复盘) report, from :func:`review`.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per dimension: ``dimension``, ``title``, ``title_zh``,
        ``score`` (0–100, NaN when not assessed), ``assessed``, ``reason``,
        ``components`` (name → (value in [0, 1], weight)).
    overall : float
        Weighted mean of the assessed dimensions' scores (NaN if none).
    metrics : pandas.DataFrame
        One row per metric: ``dimension``, ``metric``, ``value``, ``unit``,
        ``evidence`` (see :meth:`to_frame`).
    evidence : dict of str → pandas.DataFrame
        The rows behind the numbers: ``contingency`` (per level),
        ``incidents`` (each incident's first matching alert and lead),
        ``alerts`` (incidents each alert matched), ``slas`` (every deadline
        item with status, elapsed and lateness), ``lateness_histogram``,
        ``handoffs`` (per incident), ``needs`` (by priority class),
        ``releases`` (per release), ``opinion`` (the series as read). Only
        the dimensions given appear.
    as_of : pandas.Timestamp or None
        The review time used for items still open.
    options : dict
        Windows, targets and weights used.
    """

    scores: pd.DataFrame
    overall: float
    metrics: pd.DataFrame
    evidence: Dict[str, pd.DataFrame]
    as_of: Optional[pd.Timestamp]
    options: Dict[str, Any] = field(repr=False)

    def score(self, dimension: str) -> float:
        """Score (0–100) of one dimension by key (e.g. ``"warning_accuracy"``); NaN if not assessed."""
        row = self.scores[self.scores["dimension"] == dimension]
        if row.empty:
            raise invalid("dimension", None, dimension, f"is not one of {', '.join(d[0] for d in DIMENSIONS)}")
        return float(row["score"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: ``dimension``, ``metric``, ``value`` (float; NaN
        when it cannot be computed), ``unit`` (``share``, ``s``, ``count``,
        ``score``, ``ratio``, ``people``), ``evidence`` (the counts or rows behind it)."""
        return self.metrics.copy()

    def to_markdown(self) -> str:
        """A readable report a commander can paste into a document."""
        lines = ["# After-action review (复盘)", ""]
        if self.as_of is not None:
            lines += [f"Review time: {self.as_of.isoformat()}", ""]
        ov = "not assessed" if math.isnan(self.overall) else f"{self.overall:.1f} / 100"
        lines += [f"**Overall score: {ov}**", "", "| dimension | score | note |", "|---|---|---|"]
        for r in self.scores.itertuples(index=False):
            sc = f"{r.score:.1f}" if r.assessed else "not assessed"
            lines.append(f"| {r.title} ({r.title_zh}) | {sc} | {r.reason if not r.assessed else ''} |")
        for key, title, zh in DIMENSIONS:
            lines += ["", f"## {title} ({zh})", ""]
            srow = self.scores[self.scores["dimension"] == key].iloc[0]
            if not srow["assessed"]:
                lines.append(f"Not assessed: {srow['reason']}.")
            else:
                comp = ", ".join(f"{n} {_fmt(v, 'share')} (weight {w:g})" for n, (v, w) in srow["components"].items())
                lines.append(f"Score {srow['score']:.1f} = 100 × weighted mean of: {comp}.")
            m = self.metrics[self.metrics["dimension"] == key]
            if len(m):
                lines += ["", "| metric | value | evidence |", "|---|---|---|"]
                for r in m.itertuples(index=False):
                    lines.append(f"| {r.metric} | {_fmt(r.value, r.unit)} | {r.evidence} |")
            lines += self._evidence_lines(key)
        return "\n".join(lines) + "\n"

    def _evidence_lines(self, key: str) -> List[str]:
        out: List[str] = []
        ev = self.evidence
        if key == "warning_accuracy" and "incidents" in ev:
            miss = ev["incidents"][ev["incidents"]["outcome"] == "miss"]
            if len(miss):
                out += ["", f"Missed incidents ({len(miss)}): " + ", ".join(
                    f"{r.incident} at {r.place}" for r in miss.head(10).itertuples(index=False))
                    + (" …" if len(miss) > 10 else "")]
            fa = ev["alerts"][ev["alerts"]["incidents_matched"] == 0]
            if len(fa):
                out += ["", f"False alarms ({len(fa)}): " + ", ".join(
                    f"{r.place} level {r.level} at {r.issued_at.isoformat()}" for r in fa.head(10).itertuples(index=False))
                    + (" …" if len(fa) > 10 else "")]
        if key == "response_timeliness" and "slas" in ev:
            bad = ev["slas"][ev["slas"]["status"].isin(["late", "open_overdue"])].sort_values(
                "lateness_s", ascending=False)
            if len(bad):
                out += ["", "Latest items:", ""]
                for r in bad.head(10).itertuples(index=False):
                    out.append(f"- {r.kind} — {r.source} {r.item}: {r.status.replace('_', ' ')}, {_fmt(r.lateness_s, 's')} late")
        if key == "coordination" and "handoffs" in ev:
            h = ev["handoffs"].sort_values("handoffs", ascending=False)
            h = h[h["handoffs"] > self.options["max_handoffs"]]
            if len(h):
                out += ["", "Incidents with most hand-offs: " + ", ".join(
                    f"{r.incident} ({r.handoffs}: {r.path})" for r in h.head(5).itertuples(index=False))]
        if key == "public_communication" and "releases" in ev:
            out += ["", "| release | share before | share after | drop | heat drop |", "|---|---|---|---|---|"]
            for r in ev["releases"].itertuples(index=False):
                out.append(f"| {r.at.isoformat()} {r.series} | {_fmt(r.share_before, 'share')} | "
                           f"{_fmt(r.share_after, 'share')} | {_fmt(r.relative_drop, 'share')} | {_fmt(r.heat_drop, 'share')} |")
        return out

    def plot(self, fig: Any = None) -> Any:
        """A 2×2 matplotlib figure: the four scores, POD/FAR/CSI by level, the
        lateness distribution of deadline items, and the negative-share curve
        with the releases. Returns the Figure."""
        import matplotlib.pyplot as plt

        if fig is None:
            fig = plt.figure(figsize=(11, 8))
        axs = fig.subplots(2, 2)
        ax = axs[0][0]
        names = ["Warning accuracy", "Timeliness", "Coordination", "Communication"]
        vals = self.scores["score"].to_numpy(dtype=float)
        colors = ["tab:grey" if math.isnan(v) else ("tab:green" if v >= 80 else "tab:orange" if v >= 60 else "tab:red")
                  for v in vals]
        ax.barh(names, np.nan_to_num(vals), color=colors)
        for i, v in enumerate(vals):
            ax.text(1 if math.isnan(v) else v + 1, i, "not assessed" if math.isnan(v) else f"{v:.0f}", va="center")
        ax.set_xlim(0, 110)
        ax.invert_yaxis()
        ov = "n/a" if math.isnan(self.overall) else f"{self.overall:.0f}"
        ax.set_title(f"Scores (overall {ov})")
        ax = axs[0][1]
        if "contingency" in self.evidence:
            c = self.evidence["contingency"]
            x = np.arange(len(c))
            for k, (col, lab) in enumerate((("pod", "POD"), ("far", "FAR"), ("csi", "CSI"))):
                ax.bar(x + (k - 1) * 0.27, c[col].to_numpy(dtype=float), 0.27, label=lab)
            ax.set_xticks(x, c["level"].tolist(), fontsize=8)
            ax.set_ylim(0, 1)
            ax.legend(fontsize=8)
            ax.set_title("Warning verification by level (alerts ≥ level)")
        else:
            _blank(ax, "warning accuracy")
        ax = axs[1][0]
        if "lateness_histogram" in self.evidence:
            h = self.evidence["lateness_histogram"]
            ax.bar(range(len(h)), h["items"].to_numpy(), color="tab:blue")
            ax.set_xticks(range(len(h)), h["bin"].tolist(), rotation=30, fontsize=8)
            ax.set_ylabel("items")
            ax.set_title("Lateness after deadline (all deadline items)")
        else:
            _blank(ax, "response timeliness")
        ax = axs[1][1]
        if "opinion" in self.evidence:
            o = self.evidence["opinion"]
            for s, g in o.groupby("series", sort=False):
                ax.plot(g["at"], g["negative_share"], marker=".", label=str(s) if s else "negative share")
            for t in self.evidence["releases"]["at"]:
                ax.axvline(t, color="tab:red", ls="--", lw=0.8)
            ax.set_ylim(0, max(0.05, float(np.nanmax(o["negative_share"].to_numpy(dtype=float))) * 1.1) if len(o) else 1)
            ax.set_ylabel("negative share")
            ax.set_title("Public opinion and releases (dashed)")
            ax.legend(fontsize=8)
            ax.tick_params(axis="x", labelrotation=30, labelsize=8)
        else:
            _blank(ax, "public communication")
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        parts = []
        for r in self.scores.itertuples(index=False):
            parts.append(f"{r.dimension}={'n/a' if not r.assessed else f'{r.score:.1f}'}")
        ov = "n/a" if math.isnan(self.overall) else f"{self.overall:.1f}"
        return f"Review(overall={ov}, {', '.join(parts)})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(r.title)} ({html.escape(r.title_zh)})</td>"
            f"<td>{'not assessed' if not r.assessed else f'{r.score:.1f}'}</td>"
            f"<td>{html.escape(r.reason)}</td></tr>" for r in self.scores.itertuples(index=False))
        ov = "not assessed" if math.isnan(self.overall) else f"{self.overall:.1f}"
        m = self.metrics.copy()
        m["value"] = [_fmt(v, u) for v, u in zip(m["value"], m["unit"])]
        return (f"<b>After-action review</b> — overall {ov}<table><tr><th>dimension</th><th>score</th>"
                f"<th>note</th></tr>{rows}</table>" + m.to_html(index=False))


# ---- ck.review --------------------------------------------------------------

class _Metrics:
    def __init__(self) -> None:
        self.rows: List[Tuple[str, str, float, str, str]] = []

    def add(self, dim: str, metric: str, value: Any, unit: str, evidence: str) -> None:
        v = float("nan") if value is None else float(value)
        self.rows.append((dim, metric, v, unit, evidence))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["dimension", "metric", "value", "unit", "evidence"])


def _ts(x: np.ndarray) -> pd.Series:
    x = np.asarray(x, dtype=np.int64)
    return pd.Series(pd.to_datetime(np.where(x == NO_TIME, np.datetime64("NaT"), x.astype("datetime64[s]")), utc=True))


def _sla_items(incidents: Optional[pd.DataFrame], obligations: Any, slas: Mapping[str, Any]) -> Optional[pd.DataFrame]:
    """Every deadline item as rows: source, item, kind, start, done, limit (seconds)."""
    parts = []
    if incidents is not None and len(incidents):
        ids = incidents["incident"].astype(str).to_numpy() if "incident" in incidents.columns else \
            np.array([str(i) for i in range(len(incidents))], dtype=object)
        for name, spec in slas.items():
            if spec is None:
                continue
            if not (isinstance(spec, tuple) and len(spec) == 3):
                raise invalid(f"slas.{name}", None, spec, "expected (start column, end column, duration)")
            a, b, lim = spec
            if a not in incidents.columns or b not in incidents.columns:
                continue  # this table does not carry that clock
            start = _times(incidents, a, "incidents")
            done = _times(incidents, b, "incidents")
            bad = (start != NO_TIME) & (done != NO_TIME) & (done < start)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise invalid(f"incidents.{b}", i, _dt.datetime.fromtimestamp(int(done[i]), _dt.timezone.utc).isoformat(),
                              f"is before {a} of the same incident ({_dt.datetime.fromtimestamp(int(start[i]), _dt.timezone.utc).isoformat()})")
            if isinstance(lim, Mapping):  # per alert level
                if "level" not in incidents.columns:
                    continue
                lv = incidents["level"].fillna("").astype(str).str.strip().to_numpy()
                limits = {}
                for k, v in lim.items():
                    limits[_core.AlertLevel(int(_core.alert_level(k))).name] = _duration(v, f"slas.{name}.{k}")
                for i, l in enumerate(lv):
                    if l == "" or l.upper() == "NONE" or l == "无":
                        continue
                    try:
                        key = _core.AlertLevel(int(_core.alert_level(l))).name
                    except ValueError:
                        raise invalid("incidents.level", i, l, "is not an alert level name") from None
                    if key in limits:
                        parts.append(("incidents", ids[i], f"{name} ({key})", start[i], done[i], limits[key]))
            else:
                d = _duration(lim, f"slas.{name}")
                for i in range(len(incidents)):
                    parts.append(("incidents", ids[i], name, start[i], done[i], d))
    if obligations is not None:
        ob = _frame(obligations, "obligations")
        if {"opened", "due"} <= set(ob.columns):  # AlertBoard.obligations()
            start = _times(ob, "opened", "obligations", required=True)
            due = _times(ob, "due", "obligations", required=True)
            done = _times(ob, "completed_at", "obligations")
            names = ob["name"].astype(str).to_numpy() if "name" in ob.columns else np.array(["obligation"] * len(ob))
            item = (ob["subject"].astype(str) + "#" + ob["id"].astype(str)).to_numpy() if {"subject", "id"} <= set(ob.columns) \
                else np.array([str(i) for i in range(len(ob))], dtype=object)
        else:
            _need(ob, "obligations", ["kind", "start", "done"])
            start = _times(ob, "start", "obligations", required=True)
            done = _times(ob, "done", "obligations")
            if "due" in ob.columns:
                due = _times(ob, "due", "obligations", required=True)
            elif "limit" in ob.columns:
                due = start + np.array([_duration(v, f"obligations.limit[{i}]") for i, v in enumerate(ob["limit"])], dtype=np.int64)
            else:
                raise invalid("obligations", None, list(ob.columns), "needs a 'due' or a 'limit' column")
            names = ob["kind"].astype(str).to_numpy()
            item = ob["item"].astype(str).to_numpy() if "item" in ob.columns else np.array([str(i) for i in range(len(ob))], dtype=object)
        for i in range(len(ob)):
            if due[i] < start[i]:
                raise invalid("obligations.due", i, int(due[i]), "is before the obligation was opened")
            if done[i] != NO_TIME and done[i] < start[i]:
                raise invalid("obligations.completed_at" if "opened" in ob.columns else "obligations.done", i,
                              int(done[i]), "is before the obligation was opened")
            parts.append(("obligations", item[i], f"obligation: {names[i]}", start[i], done[i], int(due[i] - start[i])))
    if not parts:
        return None if incidents is None and obligations is None else pd.DataFrame(
            columns=["source", "item", "kind", "start", "done", "limit"])
    return pd.DataFrame(parts, columns=["source", "item", "kind", "start", "done", "limit"])


def review(incidents: Any = None, transitions: Any = None, *, alerts: Any = None, obligations: Any = None,
           needs: Any = None, opinion: Any = None, releases: Any = None,
           groups: Optional[Mapping[str, Any]] = None, population: Any = None,
           slas: Optional[Mapping[str, Any]] = None, as_of: Any = None,
           window: Any = "72h", lead_target: Any = "1h", grace: Any = "1h", bins: Optional[Sequence[Any]] = None,
           sign_target: Any = "15min", max_handoffs: int = 1,
           before: Any = "6h", after: Any = "6h", heat_horizon: Any = "24h",
           weights: Optional[Mapping[str, Any]] = None) -> Review:
    """After-action review (复盘) on four dimensions, each scored 0–100 with its evidence.

    Parameters
    ----------
    incidents : DataFrame, optional
        One row per incident (``IncidentLog.to_frame()``): ``incident``,
        ``place``, ``level``, ``occurred_at``, ``reported_at``,
        ``dispatched_at``, ``signed_at``, ``first_info_at``, ``on_site_at``, …
        (tz-aware timestamps, NaT when not reached; missing columns skip what
        needs them). An optional ``population`` column gives each place's
        population.
    transitions : DataFrame, optional
        One row per state change (``IncidentLog.transitions_frame()``):
        ``incident``, ``at``, ``department`` (hand-offs).
    alerts : DataFrame, optional
        ``place``, ``level`` (name, Chinese name or 1–4), ``issued_at``
        [, ``ended_at``], or ``AlertBoard.history()`` as it is (see
        :func:`alerts_from_history`).
    obligations : DataFrame, optional
        ``AlertBoard.obligations()`` as it is, or ``kind``, ``start``,
        ``done`` and ``due`` or ``limit`` [, ``item``].
    needs : MatchResult or DataFrame, optional
        A ``ck.match`` result or its ``needs`` frame (``quantity``,
        ``served``, ``unmet`` [, ``priority``]).
    opinion : DataFrame, optional
        ``at`` and ``negative_share`` (0–1) or ``n_negative`` and ``n_total``;
        optional ``heat`` (else ``n_total`` is the heat) and a series column
        ``series``, ``place`` or ``topic`` (the first present).
    releases : DataFrame, Series or sequence of times, optional
        Public information releases: ``at`` [, the same series column; empty
        = addresses every series].
    groups : mapping place → group, optional
        Alerts match incidents in the same group (default: the same place).
    population : mapping, Series or DataFrame (``place``, ``population``), optional
        Population per place, for population warning coverage.
    slas : mapping, optional
        Overrides of :data:`DEFAULT_SLAS`: name → duration (keep the columns),
        → (start column, end column, duration), → None (drop); for
        ``level_response`` a mapping level → duration or a ``ck.ResponsePlan``.
    as_of : time, optional
        Review time for items still open (default: the latest time in the
        incidents, transitions and obligations).
    window, lead_target, grace, sign_target, before, after, heat_horizon : duration
        Defaults 72 h, 1 h, 1 h, 15 min, 6 h, 6 h, 24 h (seconds, timedelta or
        text such as ``"30min"``). See the README for their role.
    bins : sequence of durations, optional
        Lateness histogram edges (default 0, 15 min, 1 h, 4 h, 12 h, 24 h).
    max_handoffs : int
        Incidents with at most this many department changes count as smooth.
    weights : mapping, optional
        Component weights (``pod``, ``one_minus_far``, ``lead``, ``coverage``,
        ``met``, ``grace``, ``signed_in_time``, ``smooth``, ``need_met``,
        ``dropped``, ``negative_drop``, ``heat_drop``), targets
        (``target_negative_drop`` 0.875, ``target_heat_drop`` 0.8) and
        ``dimension`` (4 weights for the overall score).

    Returns
    -------
    Review

    Raises
    ------
    ValueError
        Bad input, naming the table column, row and value (a naive
        timestamp, an unknown level, an end before its start, inconsistent
        need quantities, a share outside [0, 1], …).
    """
    m = _Metrics()
    evidence: Dict[str, pd.DataFrame] = {}
    opts: Dict[str, Any] = {
        "window": _duration(window, "window"), "lead_target": _duration(lead_target, "lead_target"),
        "grace": _duration(grace, "grace"), "sign_target": _duration(sign_target, "sign_target"),
        "max_handoffs": int(max_handoffs), "before": _duration(before, "before"),
        "after": _duration(after, "after"), "heat_horizon": _duration(heat_horizon, "heat_horizon"),
    }
    if bins is not None:
        opts["bins"] = [_duration(b, f"bins[{i}]") for i, b in enumerate(bins)]
    if weights is not None:
        w = dict(weights)
        unknown = set(w) - {"pod", "one_minus_far", "lead", "coverage", "met", "grace", "signed_in_time", "smooth",
                            "need_met", "dropped", "negative_drop", "heat_drop", "target_negative_drop",
                            "target_heat_drop", "dimension"}
        if unknown:
            raise invalid("weights", None, sorted(unknown)[0], "is not a weight name")
        if "dimension" in w:
            d = w["dimension"]
            if isinstance(d, Mapping):
                d = [float(d.get(k, 1.0)) for k, _, _ in DIMENSIONS]
            if len(d) != 4:
                raise invalid("weights.dimension", None, d, "must hold 4 weights (one per dimension)")
            w["dimension"] = [float(x) for x in d]
        opts["weights"] = w
    if as_of is not None:
        opts["as_of"] = to_seconds(as_of, "as_of")

    inc = _frame(incidents, "incidents") if incidents is not None else None
    if inc is not None and "incident" not in inc.columns:
        inc = inc.assign(incident=[str(i) for i in range(len(inc))])

    # 1. warnings
    warn_in = None
    al = None
    if alerts is not None and inc is not None:
        al = _alerts_table(alerts)
        _need(inc, "incidents", ["place", "occurred_at"])
        gmap = {str(k): str(v) for k, v in (groups or {}).items()}
        a_place = al["place"].astype(str).to_numpy()
        i_place = inc["place"].astype(str).to_numpy()
        g_codes, _ = _codes([gmap.get(p, p) for p in np.concatenate([a_place, i_place])])
        p_codes, p_names = _codes(i_place)
        pop = _population(population, inc)
        a_cols = {
            "group": g_codes[: len(al)], "level": _level_codes(al["level"], "alerts.level"),
            "issued": _times(al, "issued_at", "alerts", required=True),
        }
        if "ended_at" in al.columns:
            a_cols["ended"] = _times(al, "ended_at", "alerts")
        i_cols: Dict[str, Any] = {"group": g_codes[len(al):], "occurred": _times(inc, "occurred_at", "incidents"),
                                  "place": p_codes}
        if pop is not None:
            missing = [i for i, p in enumerate(i_place) if p not in pop]
            if missing:
                raise invalid("population", None, i_place[missing[0]],
                              f"has no population for this place (incident row {missing[0]})")
            i_cols["place_population"] = np.array([pop[p] for p in p_names], dtype=float)
        warn_in = (a_cols, i_cols)

    # 2. timeliness
    sla_spec = dict(DEFAULT_SLAS)
    for k, v in (slas or {}).items():
        if v is None or isinstance(v, tuple):
            sla_spec[k] = v
        elif k in DEFAULT_SLAS and isinstance(DEFAULT_SLAS[k], tuple):
            a, b, base = DEFAULT_SLAS[k]
            if isinstance(base, Mapping):
                v = _level_deadlines(v) if isinstance(v, _core.ResponsePlan) else {**base, **dict(v)}
            sla_spec[k] = (a, b, v)
        else:
            raise invalid(f"slas.{k}", None, v, "a new clock needs (start column, end column, duration)")
    items = _sla_items(inc, obligations, sla_spec)
    sla_in = None
    kind_names: List[str] = []
    if items is not None:
        kc, kind_names = _codes(items["kind"].to_numpy())
        sla_in = {"kind": kc, "start": items["start"].to_numpy(np.int64), "done": items["done"].to_numpy(np.int64),
                  "limit": items["limit"].to_numpy(np.int64)}

    # 3. coordination
    coord_in: Optional[Dict[str, Any]] = None
    dept_codes: List[str] = []
    t_ids: List[str] = []
    tr = None
    if inc is not None or transitions is not None or needs is not None:
        coord_in = {}
        if inc is not None and "dispatched_at" in inc.columns and "signed_at" in inc.columns:
            d = _times(inc, "dispatched_at", "incidents")
            s = _times(inc, "signed_at", "incidents")
            bad = (d != NO_TIME) & (s != NO_TIME) & (s < d)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise invalid("incidents.signed_at", i, str(inc["signed_at"].iloc[i]), "is before dispatched_at")
            coord_in["dispatched"], coord_in["signed"] = d, s
        if transitions is not None:
            tr = _frame(transitions, "transitions")
            _need(tr, "transitions", ["incident", "at", "department"])
            codes, t_ids = _codes(tr["incident"].to_numpy())
            dep = tr["department"].fillna("").astype(str).str.strip().to_numpy()
            dc, dept_codes = _codes(dep)
            empty = [k for k, n in enumerate(dept_codes) if n == ""]
            dcodes = np.where(np.isin(dc, empty), -1, dc).astype(np.int64)
            coord_in.update(transition_incident=codes, transition_at=_times(tr, "at", "transitions", required=True),
                            transition_department=dcodes)
        if needs is not None:
            nd = needs.needs if hasattr(needs, "needs") and not isinstance(needs, pd.DataFrame) else _frame(needs, "needs")
            _need(nd, "needs", ["quantity", "served", "unmet"])
            for c in ("quantity", "served", "unmet"):
                v = pd.to_numeric(nd[c], errors="coerce").to_numpy(dtype=float)
                bad = ~np.isfinite(v) | (v != np.floor(v))
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise invalid(f"needs.{c}", i, nd[c].iloc[i], "must be a whole number")
            coord_in.update(need_quantity=nd["quantity"].to_numpy().astype(np.int64),
                            need_served=nd["served"].to_numpy().astype(np.int64),
                            need_unmet=nd["unmet"].to_numpy().astype(np.int64))
            if "priority" in nd.columns:
                pc, p_classes = _codes(nd["priority"].to_numpy())
                coord_in["need_class"] = pc
            else:
                p_classes = []
        if not coord_in:
            coord_in = None

    # 4. communication
    op_in = rel_in = None
    op = rl = None
    series_names: List[str] = []
    if opinion is not None and releases is not None:
        op = _frame(opinion, "opinion")
        scol = next((c for c in ("series", "place", "topic") if c in op.columns), None)
        o_at = _times(op, "at", "opinion", required=True)
        if "negative_share" in op.columns:
            neg = pd.to_numeric(op["negative_share"], errors="coerce").to_numpy(dtype=float)
            tot = None
            share = neg
        elif {"n_negative", "n_total"} <= set(op.columns):
            neg = pd.to_numeric(op["n_negative"], errors="coerce").to_numpy(dtype=float)
            tot = pd.to_numeric(op["n_total"], errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = neg / tot
        else:
            raise invalid("opinion", None, list(op.columns), "needs 'negative_share' or 'n_negative' and 'n_total'")
        if isinstance(releases, pd.DataFrame):
            rl = releases.reset_index(drop=True)
            _need(rl, "releases", ["at"])
        else:
            seq = releases.to_list() if isinstance(releases, (pd.Series, pd.Index)) else list(releases)
            rl = pd.DataFrame({"at": pd.Series(seq, dtype=object)})
        r_at = _times(rl, "at", "releases", required=True)
        op_in = {"at": o_at, "negative": neg}
        if tot is not None:
            op_in["total"] = tot
        if "heat" in op.columns:
            op_in["heat"] = pd.to_numeric(op["heat"], errors="coerce").to_numpy(dtype=float)
        rel_in = {"at": r_at}
        if scol is not None:
            sc, series_names = _codes(op[scol].to_numpy())
            op_in["series"] = sc
            if scol in rl.columns:
                lookup = {n: k for k, n in enumerate(series_names)}
                rs = []
                for j, v in enumerate(rl[scol].tolist()):
                    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) == "":
                        rs.append(-1)
                    elif str(v) in lookup:
                        rs.append(lookup[str(v)])
                    else:
                        raise invalid(f"releases.{scol}", j, v, f"names no series of the opinion table's {scol} column")
                rel_in["series"] = np.array(rs, dtype=np.int64)

    raw = _core._review(warn_in[0] if warn_in else None, warn_in[1] if warn_in else None, sla_in, coord_in,
                        op_in, rel_in, opts)
    as_of_ts = None if raw["as_of"] == NO_TIME else pd.Timestamp(int(raw["as_of"]), unit="s", tz="UTC")

    # ---- evidence tables and metrics ---------------------------------------
    W, T, C, P = (d[0] for d in DIMENSIONS)
    if "warning" in raw:
        w = raw["warning"]
        rows = []
        for k, c in enumerate(w["by_level"]):
            rows.append({"level": f"≥ {_LEVELS[k]}", **{x: c[x] for x in ("alerts", "incidents", "hits", "misses",
                                                                         "false_alarms", "alerts_verified", "pod",
                                                                         "far", "csi", "false_alarm_share",
                                                                         "lead_timely_share")},
                         "lead_median_s": c["lead"]["median"], "lead_mean_s": c["lead"]["mean"],
                         "lead_min_s": c["lead"]["min"], "lead_max_s": c["lead"]["max"]})
        evidence["contingency"] = pd.DataFrame(rows)
        fa = np.asarray(w["first_alert"])
        occ = warn_in[1]["occurred"]
        evidence["incidents"] = pd.DataFrame({
            "incident": inc["incident"].astype(str).to_numpy(), "place": inc["place"].astype(str).to_numpy(),
            "occurred_at": _ts(occ),
            "outcome": np.where(occ == NO_TIME, "no_time", np.where(fa >= 0, "hit", "miss")),
            "first_alert": fa, "warned_level": np.asarray(w["warned_level"]).astype(np.int64),
            "lead_s": w["lead_s"]})
        evidence["alerts"] = pd.DataFrame({
            "place": al["place"].astype(str).to_numpy(), "level": warn_in[0]["level"],
            "issued_at": _ts(warn_in[0]["issued"]),
            "ended_at": _ts(warn_in[0].get("ended", np.full(len(al), NO_TIME, dtype=np.int64))),
            "incidents_matched": w["alert_hits"]})
        o = w["overall"]
        abc = f"a={o['hits']} hits, b={o['false_alarms']} false alarms, c={o['misses']} misses"
        m.add(W, "pod", o["pod"], "share", f"a/(a+c); {abc}")
        m.add(W, "far", o["far"], "share", f"b/(a+b); {abc}")
        m.add(W, "csi", o["csi"], "share", f"a/(a+b+c); {abc}")
        m.add(W, "false_alarm_share", o["false_alarm_share"], "share",
              f"{o['false_alarms']} of {o['alerts']} alerts matched no incident")
        m.add(W, "lead_median", o["lead"]["median"], "s", f"over {o['hits']} hits (first matching alert)")
        m.add(W, "lead_p90", o["lead"]["p90"], "s", f"over {o['hits']} hits")
        m.add(W, "lead_timely_share", o["lead_timely_share"], "share",
              f"hits with lead ≥ {_fmt(opts['lead_target'], 's')}")
        for k, c in enumerate(w["by_level"][1:], start=1):
            m.add(W, f"pod_{_LEVELS[k].lower()}", c["pod"], "share",
                  f"alerts ≥ {_LEVELS[k]}: {c['hits']} hits, {c['misses']} misses, {c['false_alarms']} false alarms")
        m.add(W, "place_coverage", w["place_coverage"], "share",
              f"{w['places_warned']} of {w['places_affected']} affected places had every incident warned")
        m.add(W, "population_coverage", w["population_coverage"], "share",
              "no population given" if math.isnan(w["population_coverage"]) else
              f"{w['population_warned']:.0f} of {w['population_affected']:.0f} people in affected places")
        if w["incidents_without_time"]:
            m.add(W, "incidents_without_time", w["incidents_without_time"], "count", "left out: occurred_at is NaT")
    if "timeliness" in raw:
        t = raw["timeliness"]
        st = _STATUS[np.asarray(t["status"]).astype(np.int64)] if len(items) else np.empty(0, dtype=object)
        ev = items.assign(start=_ts(items["start"].to_numpy(np.int64)), done=_ts(items["done"].to_numpy(np.int64)),
                          status=st, elapsed_s=t["elapsed_s"], lateness_s=t["lateness_s"])
        ev["deadline"] = ev["start"] + pd.to_timedelta(ev["limit"].astype(np.int64), unit="s")
        evidence["slas"] = ev.rename(columns={"limit": "limit_s"})
        o = t["overall"]
        edges = opts.get("bins", [0, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600])
        labels = ["on time" if edges[0] == 0 else f"≤ {_fmt(edges[0], 's')}"]
        labels += [f"{_fmt(edges[k - 1], 's')}–{_fmt(edges[k], 's')}" for k in range(1, len(edges))]
        labels.append(f"> {_fmt(edges[-1], 's')}")
        evidence["lateness_histogram"] = pd.DataFrame({"bin": labels, "items": np.asarray(o["histogram"])})
        decided = o["met"] + o["late"] + o["open_overdue"]
        m.add(T, "met_share", o["met_share"], "share",
              f"{o['met']} met of {decided} decided ({o['late']} late, {o['open_overdue']} open past due; "
              f"{o['pending']} pending and {o['not_started']} never started left out)")
        m.add(T, "within_grace_share", o["within_grace_share"], "share",
              f"done ≤ {_fmt(opts['grace'], 's')} after the deadline")
        m.add(T, "elapsed_median", o["elapsed"]["median"], "s", f"start → done over {o['elapsed']['n']} done items")
        m.add(T, "elapsed_p90", o["elapsed"]["p90"], "s", f"over {o['elapsed']['n']} done items")
        m.add(T, "lateness_median", o["lateness"]["median"], "s", f"over {o['lateness']['n']} decided items")
        m.add(T, "lateness_p90", o["lateness"]["p90"], "s", f"over {o['lateness']['n']} decided items")
        m.add(T, "lateness_max", o["lateness"]["max"], "s", "open items censored at the review time")
        for k, s in enumerate(t["by_kind"]):
            m.add(T, f"met_share[{kind_names[k]}]", s["met_share"], "share",
                  f"{s['met']} met, {s['late']} late, {s['open_overdue']} open past due, {s['pending']} pending; "
                  f"median {_fmt(s['elapsed']['median'], 's')}")
    if "coordination" in raw:
        c = raw["coordination"]
        so = c["sign"]["overall"]
        if "dispatched" in coord_in:
            m.add(C, "sign_within_target_share", so["met_share"], "share",
                  f"{so['met']} of {so['met'] + so['late'] + so['open_overdue']} dispatches signed within "
                  f"{_fmt(opts['sign_target'], 's')}")
            m.add(C, "dispatch_to_sign_median", so["elapsed"]["median"], "s", f"over {so['elapsed']['n']} signed")
            m.add(C, "dispatch_to_sign_p90", so["elapsed"]["p90"], "s", f"over {so['elapsed']['n']} signed")
            m.add(C, "dispatch_to_sign_max", so["elapsed"]["max"], "s", f"over {so['elapsed']['n']} signed")
        if transitions is not None:
            hpi = np.asarray(c["handoffs_per_incident"])
            paths = []
            order = np.lexsort((np.arange(len(tr)), coord_in["transition_at"], coord_in["transition_incident"]))
            per: Dict[int, List[str]] = {}
            for i in order:
                dcode = coord_in["transition_department"][i]
                if dcode >= 0:
                    seq = per.setdefault(int(coord_in["transition_incident"][i]), [])
                    if not seq or seq[-1] != dept_codes[dcode]:
                        seq.append(dept_codes[dcode])
            for k in range(len(hpi)):
                paths.append(" → ".join(per.get(k, [])))
            evidence["handoffs"] = pd.DataFrame({"incident": t_ids[: len(hpi)], "handoffs": hpi, "path": paths})
            h = c["handoffs"]
            m.add(C, "handoffs_mean", h["mean"], "count", f"department changes over {h['n']} incidents with departments")
            m.add(C, "handoffs_max", h["max"], "count", f"over {h['n']} incidents")
            m.add(C, "smooth_share", c["smooth_share"], "share", f"incidents with ≤ {opts['max_handoffs']} hand-offs")
        if needs is not None:
            nd_all = c["need"]
            m.add(C, "unmet_share", nd_all["unmet_share"], "share",
                  f"{nd_all['unmet']} of {nd_all['quantity']} units unmet over {nd_all['needs']} needs")
            rows = [{"priority": "all", **nd_all}] + [{"priority": p_classes[k], **s} for k, s in enumerate(c["need_by_class"])]
            evidence["needs"] = pd.DataFrame(rows)
            for k, s in enumerate(c["need_by_class"]):
                m.add(C, f"unmet_share[{p_classes[k]}]", s["unmet_share"], "share",
                      f"{s['unmet']} of {s['quantity']} units")
    if "communication" in raw:
        cm = raw["communication"]
        rr = cm["releases"]
        scol_r = rel_in.get("series")
        evidence["releases"] = pd.DataFrame({
            "at": _ts(rel_in["at"]),
            "series": [("" if scol_r is None or scol_r[j] < 0 else series_names[scol_r[j]]) for j in range(len(rel_in["at"]))],
            **{k: np.asarray(v) for k, v in rr.items()}})
        evidence["opinion"] = pd.DataFrame({
            "at": _ts(op_in["at"]),
            "series": [series_names[k] for k in op_in["series"]] if "series" in op_in else [""] * len(op_in["at"]),
            "negative_share": share}).sort_values("at", kind="stable").reset_index(drop=True)
        n_rel = len(rel_in["at"])
        m.add(P, "negative_share_before", cm["mean_share_before"], "share",
              f"mean over {cm['assessed']} of {n_rel} releases, window {_fmt(opts['before'], 's')} before")
        m.add(P, "negative_share_after", cm["mean_share_after"], "share",
              f"window {_fmt(opts['after'], 's')} after")
        m.add(P, "negative_drop", cm["mean_drop"], "share", "before − after, mean over releases")
        m.add(P, "negative_relative_drop", cm["mean_relative_drop"], "share", "(before − after) / before")
        m.add(P, "dropped_share", cm["dropped_share"], "share", "releases followed by a lower negative share")
        m.add(P, "negative_share_first", cm["share_first"], "share", "before the first release")
        m.add(P, "negative_share_last", cm["share_last"], "share", "after the last release")
        m.add(P, "heat_drop", cm["mean_heat_drop"], "share",
              f"1 − heat at {_fmt(opts['heat_horizon'], 's')} / heat before, mean over {cm['heat_assessed']} releases"
              if cm["heat_assessed"] else "no heat (give 'heat' or 'n_total') or no observations at the horizon")

    srows = []
    for (key, title, zh), s in zip(DIMENSIONS, raw["scores"]):
        assessed = not math.isnan(s["score"])
        srows.append({"dimension": key, "title": title, "title_zh": zh, "score": s["score"], "assessed": assessed,
                      "reason": s["reason"], "components": {n: (v, wt) for n, v, wt in s["components"]}})
        m.add(key, "score", s["score"], "score",
              "; ".join(f"{n}={_fmt(v, 'share')}×{wt:g}" for n, v, wt in s["components"] if not math.isnan(v))
              if assessed else f"not assessed: {s['reason']}")
    m.add("overall", "score", raw["overall"], "score", "weighted mean of the assessed dimensions")
    return Review(scores=pd.DataFrame(srows), overall=float(raw["overall"]), metrics=m.frame(), evidence=evidence,
                  as_of=as_of_ts, options=opts)
