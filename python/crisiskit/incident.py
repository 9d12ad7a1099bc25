"""The closed-loop incident lifecycle (事件闭环): report → dispatch → sign →
handle → feedback → assess (上报-派单-签收-办理-反馈-考核), reopen, SLAs and KPIs.

The rules live in C++ (``include/crisiskit/incident/``); this module gives
them a Python API with DataFrames, and reads computer-aided dispatch (CAD)
exports (:func:`read_cad`).
"""

from __future__ import annotations

import io
import os
import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._frames import _times
from ._time import NO_TIME, to_duration, to_seconds

__all__ = ["IncidentLog", "CadImport", "read_cad", "INCIDENT_STATES", "INCIDENT_ACTIONS", "SLA_KINDS"]

#: Lifecycle states, in path order (see the README's diagram).
INCIDENT_STATES = ("REPORTED", "DISPATCHED", "SIGNED", "HANDLED", "FEEDBACK", "ASSESSED")
#: Actions: the six steps, REOPEN, and the two milestones.
INCIDENT_ACTIONS = ("REPORT", "DISPATCH", "SIGN", "HANDLE", "FEEDBACK", "ASSESS", "REOPEN", "PUBLIC_INFO", "ON_SITE")
#: SLA kinds, as named in :meth:`IncidentLog.overdue` and the KPI columns (lower case there).
SLA_KINDS = ("FIRST_REPORT", "FIRST_INFO", "ON_SITE", "RESPONSE")
_SLA_STATUS = np.array(["NOT_APPLICABLE", "PENDING", "ON_TIME", "LATE"], dtype=object)
_STATES = np.array(INCIDENT_STATES, dtype=object)
_FROM_STATES = np.array(("",) + INCIDENT_STATES, dtype=object)  # index from + 1; REPORT has none
_ACTIONS = np.array(INCIDENT_ACTIONS, dtype=object)
_SLAS = np.array(SLA_KINDS, dtype=object)
_LEVELS = np.array([""] + [m.name for m in _core.AlertLevel][1:], dtype=object)  # NONE shows as ""
_LEVEL_NUMBER = {m.name: int(m) for m in _core.AlertLevel}
_STAGE_COLUMNS = ("reported_at", "dispatched_at", "signed_at", "handled_at", "feedback_at", "assessed_at")
_DEFAULT = object()
_DEFAULT_SLA: Dict[str, int] = _core._default_sla()


def _names(codes: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Codes (−1 = none) → object array of names ("" for none)."""
    table = np.asarray(list(names) + [""], dtype=object)  # code −1 picks the last entry
    return table[np.asarray(codes, dtype=np.int64)]


def _opt_seconds(values: Any, field: str, n: int) -> Optional[np.ndarray]:
    """An optional time column → int64 UTC seconds with NO_TIME for missing cells (NaT, None, NaN)."""
    if values is None:
        return None
    if isinstance(values, (pd.Series, pd.Index)):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            utc = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None).to_numpy()
            return utc.astype("datetime64[s]").view(np.int64)
        if values.dtype.kind == "M":
            first = values.dropna().to_numpy()
            raise invalid(field, None, first[0] if len(first) else values.dtype,
                          "naive datetimes have no time zone; localize the column (Series.dt.tz_localize)")
        values = values.to_numpy(dtype=object) if values.dtype == object else values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise invalid(field, None, getattr(arr, "shape", None), f"must be a column of {n} times, like id")
    if arr.dtype.kind == "M":  # numpy datetimes are UTC by numpy's definition; NaT = NO_TIME
        return arr.astype("datetime64[s]").view(np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f":
        out = np.full(n, NO_TIME, dtype=np.int64)
        ok = ~np.isnan(arr)
        if not np.all(arr[ok] == np.floor(arr[ok])):
            i = int(np.flatnonzero(ok & (arr != np.floor(arr)))[0])
            raise invalid(field, i, float(arr[i]), "UTC seconds must be whole")
        out[ok] = arr[ok].astype(np.int64)
        return out
    out = np.empty(n, dtype=np.int64)
    for i, v in enumerate(arr.tolist()):
        if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v):
            out[i] = NO_TIME
            continue
        try:
            out[i] = to_seconds(v, field)
        except ValueError as e:
            raise ValueError(str(e).replace(f"invalid {field} =", f"invalid {field}[{i}] =", 1)) from None
    return out


def _secs(values: Any, field: str, n: int) -> np.ndarray:
    """`_opt_seconds` for a column that is there."""
    out = _opt_seconds(values, field, n)
    assert out is not None
    return out


def _opt_names(values: Any, field: str, n: int) -> Optional[np.ndarray]:
    """An optional text column → object array of str ("" for missing)."""
    if values is None:
        return None
    arr = values.to_numpy(dtype=object) if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values, dtype=object)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise invalid(field, None, getattr(arr, "shape", None), f"must be a column of {n} values, like id")
    missing = pd.isna(arr)
    if missing.any():
        arr = arr.copy()
        arr[missing] = ""
    return arr


def _levels(values: Any, n: int) -> Optional[np.ndarray]:
    if values is None:
        return None
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.dtype.kind not in "iu":
        arr = arr.astype(object)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int8) if ((arr >= 0) & (arr <= 4)).all() else _bad_level(arr, np.flatnonzero((arr < 0) | (arr > 4))[0])
    out = np.empty(n, dtype=np.int8)
    for i, v in enumerate(arr.tolist()):
        if v is None or v == "" or (isinstance(v, float) and v != v):
            out[i] = 0
        elif isinstance(v, str) and v.upper() in _LEVEL_NUMBER:
            out[i] = _LEVEL_NUMBER[v.upper()]
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= int(v) <= 4:
            out[i] = int(v)
        else:
            _bad_level(arr, i)
    return out


def _bad_level(arr: np.ndarray, i: int) -> Any:
    raise invalid("level", int(i), arr[i], "an alert level must be NONE, GENERAL, ATTENTION, WARNING, EMERGENCY or 0..4")


def _sla_arg(value: Any, name: str) -> Any:
    if value is _DEFAULT:
        return _DEFAULT_SLA[name]
    return None if value is None else to_duration(value, name)


def _period_seconds(period: Any) -> int:
    try:
        td = pd.Timedelta(period)
    except (ValueError, TypeError):
        raise invalid("period", None, period, "expected a duration such as '1D', '7D', '6h', or a sequence of edges") from None
    if td is pd.NaT or td.value % 1_000_000_000 != 0 or td.value <= 0:
        raise invalid("period", None, period, "must be a positive whole number of seconds")
    return int(td.value // 1_000_000_000)


class IncidentLog(_core._IncidentLogCore):
    """Many incidents moving through the closed loop 上报-派单-签收-办理-反馈-考核.

    Parameters
    ----------
    first_report, first_info, on_site : duration or None, optional
        SLA durations (seconds, ``timedelta``, ``pd.Timedelta``); ``None``
        switches the SLA off. Defaults (the source texts): first report
        within 1 h of occurrence (首报负责制), first public information
        within 4 h (黄金4小时, from occurrence, else from the report), expert
        team on site within 30 min of the report.
    response_plan : ResponsePlan, optional
        Per-level response deadlines, reported → signed (签收); default
        :meth:`ResponsePlan.defaults` (GENERAL 2 h, ATTENTION 4 h, WARNING
        12 h, EMERGENCY immediately). A level without obligations has no
        RESPONSE SLA.
    info_min_level, on_site_min_level : AlertLevel, int or str, optional
        Lowest alert level the FIRST_INFO / ON_SITE SLAs apply to (default
        ``"GENERAL"``; ``"NONE"`` applies them to every incident).

    Notes
    -----
    **States.** ``REPORTED → DISPATCHED → SIGNED → HANDLED → FEEDBACK →
    ASSESSED``; ``reopen`` sends a FEEDBACK or ASSESSED incident back to
    REPORTED. ``public_info`` and ``on_site`` are milestones, legal in every
    state. Any other action raises :class:`crisiskit.StateError` naming the
    incident, its state and the action, and changes nothing.

    **Departments.** ``dispatch`` names the department the incident goes to
    (the assignee: the ``department`` of :meth:`to_frame` and of the KPIs);
    ``sign``, ``handle`` and ``feedback`` are by the assignee (another name
    is refused). ``report``'s department is the reporting unit.

    **Times.** UTC inside; pass int seconds, datetime64, aware datetimes or
    ISO text with an offset. Per incident, time never goes backwards (a
    ``ValueError`` naming the incident). A report is not before
    ``occurred_at``.

    **Errors.** Bad input raises :class:`crisiskit.InvalidInput` (a
    ``ValueError`` with ``field``, ``index``, ``value``); a call that raises
    changes nothing (a batch :meth:`ingest` is all or nothing).

    **Threads.** Every call takes the log's mutex; batch work (``ingest``,
    ``kpis``, frames, pickling) runs without the GIL.

    The log pickles exactly; ``to_bytes()`` / :meth:`from_bytes` are the
    bytes C++'s ``IncidentLog::to_bytes`` writes.

    Examples
    --------
    >>> log = ck.IncidentLog()
    >>> log.report("E-1", at="2026-07-20T08:00:00+08:00", kind="waterlogging", level="WARNING")
    >>> log.dispatch("E-1", at="2026-07-20T08:05:00+08:00", department="drainage")
    >>> log.state("E-1")
    'DISPATCHED'
    """

    def __init__(self, *, first_report: Any = _DEFAULT, first_info: Any = _DEFAULT, on_site: Any = _DEFAULT,
                 response_plan: Optional["_core.ResponsePlan"] = None, info_min_level: Any = _DEFAULT,
                 on_site_min_level: Any = _DEFAULT) -> None:
        super().__init__(
            _sla_arg(first_report, "first_report"), _sla_arg(first_info, "first_info"), _sla_arg(on_site, "on_site"),
            response_plan,
            _DEFAULT_SLA["info_min_level"] if info_min_level is _DEFAULT else info_min_level,
            _DEFAULT_SLA["on_site_min_level"] if on_site_min_level is _DEFAULT else on_site_min_level)

    # ---- live changes ------------------------------------------------------------

    def report(self, id: str, *, at: Any, kind: str = "", place: str = "", level: Any = "NONE",
               occurred_at: Any = None, actor: str = "", department: str = "") -> None:
        """Report a new incident (上报).

        Parameters
        ----------
        id : str
            Stable incident id (non-empty, no control characters).
        at : time
            Report time.
        kind, place : str
            Incident kind (``"waterlogging"``) and place id; may be empty.
        level : AlertLevel, int or str
            Alert level (``"NONE"`` for routine cases); drives the RESPONSE,
            FIRST_INFO and ON_SITE SLAs.
        occurred_at : time, optional
            When it happened (not after ``at``); starts FIRST_REPORT and FIRST_INFO.
        actor, department : str
            Who reported, and the reporting unit.

        Raises
        ------
        InvalidInput
            Bad id, level or time; ``occurred_at`` after ``at``.
        StateError
            The id is already reported.
        """
        self._report(id, kind, place, level, occurred_at, at, actor, department)

    def apply(self, id: str, action: str, *, at: Any, actor: str = "", department: str = "",
              satisfaction: Optional[float] = None) -> None:
        """Apply any action by name (``"SIGN"``, ``"REOPEN"``, ``"PUBLIC_INFO"``, …).

        Raises
        ------
        InvalidInput
            Unknown incident or action, bad time, a department other than the
            assignee for SIGN/HANDLE/FEEDBACK, a satisfaction on another action
            or outside 0..100.
        StateError
            The action is not legal in the incident's state.
        """
        self._apply(id, action, at, actor, department, float("nan") if satisfaction is None else float(satisfaction))

    def dispatch(self, id: str, *, at: Any, department: str, actor: str = "") -> None:
        """派单: dispatch to ``department`` (REPORTED → DISPATCHED)."""
        self._apply(id, "DISPATCH", at, actor, department, float("nan"))

    def sign(self, id: str, *, at: Any, actor: str = "", department: str = "") -> None:
        """签收: the assignee signs for it (DISPATCHED → SIGNED); meets the RESPONSE SLA."""
        self._apply(id, "SIGN", at, actor, department, float("nan"))

    def handle(self, id: str, *, at: Any, actor: str = "", department: str = "") -> None:
        """办理: handling finished (SIGNED → HANDLED)."""
        self._apply(id, "HANDLE", at, actor, department, float("nan"))

    def feedback(self, id: str, *, at: Any, actor: str = "", department: str = "") -> None:
        """反馈: result reported back (HANDLED → FEEDBACK); the loop is closed."""
        self._apply(id, "FEEDBACK", at, actor, department, float("nan"))

    def assess(self, id: str, *, at: Any, satisfaction: Optional[float] = None, actor: str = "",
               department: str = "") -> None:
        """考核 (FEEDBACK → ASSESSED), with an optional satisfaction score, 0..100 on your scale."""
        self.apply(id, "ASSESS", at=at, actor=actor, department=department, satisfaction=satisfaction)

    def reopen(self, id: str, *, at: Any, actor: str = "", department: str = "") -> None:
        """重办: FEEDBACK or ASSESSED → REPORTED, to be dispatched again."""
        self._apply(id, "REOPEN", at, actor, department, float("nan"))

    def public_info(self, id: str, *, at: Any, actor: str = "", department: str = "") -> None:
        """Milestone: public information released; the first meets FIRST_INFO (黄金4小时)."""
        self._apply(id, "PUBLIC_INFO", at, actor, department, float("nan"))

    def on_site(self, id: str, *, at: Any, actor: str = "", department: str = "") -> None:
        """Milestone: expert team / unit on site; the first meets ON_SITE."""
        self._apply(id, "ON_SITE", at, actor, department, float("nan"))

    # ---- batch -------------------------------------------------------------------

    def ingest(self, incidents: Any) -> int:
        """Add many incidents from a table, one row per incident, all or nothing.

        Parameters
        ----------
        incidents : pandas.DataFrame or mapping of column → array
            ``id`` and ``reported_at`` are required. Optional: ``kind``,
            ``place``, ``department`` (the assignee; required on dispatched
            rows), ``reporter`` (reporting unit), ``level`` (names or 0..4),
            ``occurred_at``, ``dispatched_at``, ``signed_at``, ``handled_at``,
            ``feedback_at``, ``assessed_at`` (NaT = not reached; reached
            stages must be a prefix of the path, in time order),
            ``first_info_at``, ``on_site_at`` (not before the report),
            ``satisfaction`` (NaN = none; only on assessed rows). Times as
            tz-aware columns, datetime64 (UTC) or int UTC seconds.

        Returns
        -------
        int
            The number of incidents added.

        Raises
        ------
        InvalidInput
            Naming the column and row: a repeated or known id, a missing
            report time, a stage without the one before, times out of order,
            a dispatched row without department, a bad level or satisfaction.
        """
        if "id" not in incidents or "reported_at" not in incidents:
            raise invalid("incidents", None, "id" if "id" not in incidents else "reported_at",
                          "a required column is missing")
        n = len(incidents["id"])
        ids = _opt_names(incidents["id"], "id", n)

        def col(name: str) -> Any:
            return incidents[name] if name in incidents else None

        stages = [_opt_seconds(col(c), c, n) for c in _STAGE_COLUMNS]
        sat = col("satisfaction")
        self._ingest(ids, _opt_names(col("kind"), "kind", n), _opt_names(col("place"), "place", n),
                     _opt_names(col("department"), "department", n), _opt_names(col("reporter"), "reporter", n),
                     _levels(col("level"), n), _opt_seconds(col("occurred_at"), "occurred_at", n), stages,
                     _opt_seconds(col("first_info_at"), "first_info_at", n),
                     _opt_seconds(col("on_site_at"), "on_site_at", n),
                     None if sat is None else np.asarray(sat, dtype=np.float64))
        return n

    # ---- queries -----------------------------------------------------------------

    def state(self, id: str) -> str:
        """Current state name of incident ``id``."""
        return self._state(id)

    @property
    def sla(self) -> Dict[str, Any]:
        """This log's SLA settings: durations in seconds (None = off), RESPONSE per level, minimum levels."""
        d = self._sla
        out: Dict[str, Any] = {k: (None if d[k] < 0 else d[k]) for k in ("first_report", "first_info", "on_site")}
        out["response"] = {m.name: (None if w < 0 else w) for m, w in zip(_core.AlertLevel, d["response"])}
        out["info_min_level"] = _core.AlertLevel(d["info_min_level"]).name
        out["on_site_min_level"] = _core.AlertLevel(d["on_site_min_level"]).name
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per incident, in report order.

        Returns
        -------
        pandas.DataFrame
            ``incident``, ``kind``, ``place``, ``department`` (assignee, ""
            if never dispatched), ``level`` (name, "" for NONE),
            ``occurred_at``, ``reported_at``, ``dispatched_at``, ``signed_at``,
            ``handled_at``, ``feedback_at``, ``assessed_at`` (UTC, NaT where
            not reached; the *first* entry into each state, so each row is in
            path order and response times run from the first report),
            ``first_info_at``, ``on_site_at`` (first milestone, NaT if none),
            ``reopen_count``, ``satisfaction`` (latest score, NaN if none),
            ``state``; then ``last_reported_at`` … ``last_assessed_at`` (the
            latest entry into each state: for a reopened incident
            ``last_reported_at`` is the reopen and ``last_assessed_at`` the
            final closure).

        Notes
        -----
        First entries are what the SLAs and KPIs use and what
        :func:`crisiskit.review` expects, so ``ck.review(incidents=log.to_frame(),
        transitions=log.transitions_frame())`` works for reopened incidents too.
        """
        c = self._incident_columns()
        last, first = c["last_at"], c["first_at"]
        df = pd.DataFrame({
            "incident": np.asarray(c["id"], dtype=object),
            "kind": _names(c["kind"], c["kinds"]),
            "place": _names(c["place"], c["places"]),
            "department": _names(c["department"], c["departments"]),
            "level": _LEVELS[c["level"]],
            "occurred_at": _times(c["occurred_at"]),
        })
        for s, name in enumerate(_STAGE_COLUMNS):
            df[name] = _times(first[:, s])
        df["first_info_at"] = _times(c["first_info_at"])
        df["on_site_at"] = _times(c["on_site_at"])
        df["reopen_count"] = c["reopen_count"].astype(np.int64)
        df["satisfaction"] = c["satisfaction"]
        df["state"] = _STATES[c["state"]]
        for s, name in enumerate(_STAGE_COLUMNS):
            df[f"last_{name}"] = _times(last[:, s])
        return df

    def events_frame(self) -> pd.DataFrame:
        """Every event in log order: ``incident``, ``action``, ``from_state``
        ("" for REPORT), ``to_state``, ``at``, ``actor``, ``department``,
        ``satisfaction`` (ASSESS only, else NaN). Milestones have from = to."""
        c = self._event_columns()
        ids = np.asarray(self.ids, dtype=object)
        return pd.DataFrame({
            "incident": ids[c["incident"]] if len(c["incident"]) else np.empty(0, dtype=object),
            "action": _ACTIONS[c["action"]],
            "from_state": _FROM_STATES[c["from"].astype(np.int64) + 1],
            "to_state": _STATES[c["to"]],
            "at": _times(c["at"]),
            "actor": _names(c["actor"], c["actors"]),
            "department": _names(c["department"], c["departments"]),
            "satisfaction": c["satisfaction"],
        })

    def transitions_frame(self) -> pd.DataFrame:
        """One row per state transition (milestones left out), in log order:
        ``incident``, ``from_state`` ("" for the report), ``to_state``,
        ``at``, ``actor``, ``department``, ``action``."""
        ev = self.events_frame()
        ev = ev[~ev["action"].isin(["PUBLIC_INFO", "ON_SITE"])].reset_index(drop=True)
        return ev[["incident", "from_state", "to_state", "at", "actor", "department", "action"]]

    def sla_frame(self, at: Any = None) -> pd.DataFrame:
        """Every SLA that applies, per incident: ``incident``, ``sla``,
        ``due_at``, ``met_at`` (first time the target was reached, NaT if
        not), ``status`` (ON_TIME, LATE or PENDING at ``at``; default the
        log's last event)."""
        c = self._sla_columns(at)
        n = len(self)
        ids = np.repeat(np.asarray(self.ids, dtype=object), len(SLA_KINDS))
        kinds = np.tile(_SLAS, n)
        keep = c["due"] != NO_TIME
        return pd.DataFrame({
            "incident": ids[keep], "sla": kinds[keep], "due_at": _times(c["due"][keep]),
            "met_at": _times(c["met"][keep]), "status": _SLA_STATUS[c["status"][keep]],
        })

    def overdue(self, at: Any) -> pd.DataFrame:
        """SLAs not met and past due at ``at`` (``at`` > due), earliest due first.

        Answers from the current state ("what is late, if now is ``at``");
        O(log n + k) for k rows, from a deadline index rather than a scan.

        Returns
        -------
        pandas.DataFrame
            ``incident``, ``sla`` (FIRST_REPORT, FIRST_INFO, ON_SITE,
            RESPONSE), ``due_at`` (UTC), ``late_s`` (seconds past due, int).
        """
        c = self._overdue(at)
        ids = np.asarray(self.ids, dtype=object)
        return pd.DataFrame({
            "incident": ids[c["incident"]] if len(c["incident"]) else np.empty(0, dtype=object),
            "sla": _SLAS[c["sla"]], "due_at": _times(c["due_at"]), "late_s": c["late_s"],
        })

    def kpis(self, period: Any = "1D", by: Optional[str] = "department", *, at: Any = None,
             offset: Union[str, int] = 0) -> pd.DataFrame:
        """KPIs per period and group.

        Parameters
        ----------
        period : str, timedelta or sequence of times
            Fixed-width periods (``"1D"``, ``"7D"``, ``"6h"``), aligned to
            Monday 1970-01-05 00:00 in the zone ``offset`` (so ``"1D"`` is
            local days and ``"7D"`` Monday weeks); or the edges of custom
            periods ``[e0, e1), [e1, e2), …`` (incidents reported outside
            are left out).
        by : {"department", "kind", "place", "level", None}
            Group within periods; ``department`` is the assignee ("" if never
            dispatched).
        at : time, optional
            Evaluation time for unmet SLAs (default: the log's last event;
            not before it).
        offset : str or int
            Zone of the period boundaries, ``"+08:00"`` or minutes east of UTC.

        Returns
        -------
        pandas.DataFrame
            One row per non-empty (period, group), sorted by period, then
            group name: ``period_start``,
            ``period_end``, the group column, then (definitions as in
            ``incident/kpi.hpp``; an incident belongs to the period of its
            *first* report):

            - ``reported``: incidents (the denominator unless said otherwise;
              open incidents included);
            - ``dispatched``, ``signed``: ever dispatched / signed;
            - ``dispatch_median_s``, ``dispatch_p90_s``, ``sign_median_s``,
              ``sign_p90_s``: first dispatch / first sign minus first report,
              seconds, over the incidents that have one (numpy's linear
              percentile; NaN if none);
            - ``closed``: in FEEDBACK or ASSESSED now; ``closure_rate`` =
              closed / reported;
            - ``fed_back``: ever reached FEEDBACK; ``reopened``: reopened at
              least once; ``reopen_rate`` = reopened / fed_back;
            - ``assessed``: with a satisfaction score; ``satisfaction_mean``;
            - per SLA (``first_report``, ``first_info``, ``on_site``,
              ``response``): ``<sla>_on_time``, ``<sla>_late`` (unmet and past
              due at ``at`` counts as late; pending and not-applicable are in
              neither), ``<sla>_on_time_rate`` = on_time / (on_time + late).
        """
        off = _core.parse_offset(offset) if isinstance(offset, str) else int(offset)
        edges = None
        width = 86400
        if isinstance(period, (str, pd.Timedelta)) or hasattr(period, "total_seconds") or isinstance(period, np.timedelta64):
            width = _period_seconds(period)
        else:
            edges = _opt_seconds(pd.Series(list(period)) if not isinstance(period, (np.ndarray, pd.Series, pd.Index)) else period,
                                 "period", len(period))
        c = self._kpis(width, off, edges, by, at)
        df = pd.DataFrame({"period_start": _times(c["period_start"]), "period_end": _times(c["period_end"])})
        if by == "level":
            df["level"] = _LEVELS[c["group"]]
        elif by is not None:
            df[by] = _names(c["group"], c["groups"])
        for name in ("reported", "dispatched", "signed", "dispatch_median_s", "dispatch_p90_s", "sign_median_s",
                     "sign_p90_s", "closed", "closure_rate", "fed_back", "reopened", "reopen_rate", "assessed",
                     "satisfaction_mean"):
            df[name] = c[name]
        for k, sla in enumerate(SLA_KINDS):
            s = sla.lower()
            df[f"{s}_on_time"] = c["on_time"][k]
            df[f"{s}_late"] = c["late"][k]
            df[f"{s}_on_time_rate"] = c["on_time_rate"][k]
        if by is not None:  # C++ orders groups by first appearance; people look for names
            df = df.sort_values(["period_start", by], kind="stable").reset_index(drop=True)
        df.attrs["at"] = pd.Timestamp(int(c["at"]), unit="s", tz="UTC")
        return df

    # ---- persistence -------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes) -> "IncidentLog":
        """Rebuild a log from :meth:`to_bytes` (events replayed through the rules);
        ``InvalidInput`` naming the byte offset or event if corrupted."""
        log = cls.__new__(cls)
        _core._IncidentLogCore.__init__(log, bytes(data))
        return log

    def __reduce__(self) -> Any:
        return (type(self).from_bytes, (self.to_bytes(),))

    __hash__ = None


# ---- CAD import ------------------------------------------------------------------

class CadImport(NamedTuple):
    """What :func:`read_cad` returns."""

    log: IncidentLog
    """The log the incidents went into."""
    problems: pd.DataFrame
    """Rows or incidents left out: ``row`` (0-based data row), ``field``, ``value``, ``problem``."""
    incidents: pd.DataFrame
    """Per imported incident: ``incident``, ``units`` (unit rows), ``first_row``."""
    rows: int
    """Data rows read."""
    rows_used: int
    """Rows that went into an incident."""
    filled: int
    """Missing dispatch / en-route cells filled from the next later time."""


_CAD_FIELDS = ("incident", "unit", "kind", "place", "department", "received", "dispatched", "en_route", "on_scene",
               "closed")
_CAD_DEFAULTS = {"incident": "incident_id", "unit": "unit_id", "kind": "call_type", "place": "place",
                 "department": "agency", "received": "received", "dispatched": "dispatched", "en_route": "en_route",
                 "on_scene": "on_scene", "closed": "closed"}
_HAS_OFFSET = re.compile(r"(Z|z|[+-]\d\d(:?\d\d)?)$")


def _cad_times(col: pd.Series, name: str, tz: Any, problems: List[tuple], skip: np.ndarray) -> np.ndarray:
    """A CAD time column → int64 UTC seconds (NO_TIME for empty cells); bad cells become problems."""
    n = len(col)
    out = np.full(n, NO_TIME, dtype=np.int64)
    if isinstance(col.dtype, pd.DatetimeTZDtype) or col.dtype.kind == "M":
        s = col
        if s.dtype.kind == "M" and not isinstance(s.dtype, pd.DatetimeTZDtype):
            if tz is None:
                raise invalid("tz", None, None, f"column {name!r} has times without a zone: pass tz=")
            s = s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        return _secs(s.reset_index(drop=True), name, n)
    text = col.astype(object).where(col.notna(), "").astype(str).str.strip().to_numpy(dtype=object)
    present = text != ""
    aware = present & np.array([bool(_HAS_OFFSET.search(t)) for t in text], dtype=bool)
    naive = present & ~aware
    if aware.any():
        parsed = pd.to_datetime(pd.Series(text[aware]), format="ISO8601", errors="coerce", utc=True)
        out[aware] = _secs(parsed, name, int(aware.sum()))
    if naive.any():
        if tz is None:
            i = int(np.flatnonzero(naive)[0])
            raise invalid("tz", None, text[i], f"column {name!r} has times without an offset: pass tz=")
        parsed = pd.to_datetime(pd.Series(text[naive]), format="ISO8601", errors="coerce")
        if isinstance(tz, (int, np.integer)) or (isinstance(tz, str) and re.fullmatch(r"[+-]\d\d:?\d\d|Z", tz)):
            minutes: int = _core.parse_offset(tz) if isinstance(tz, str) else int(tz)
            secs = _secs(parsed.to_numpy(), name, int(naive.sum()))
            secs[secs != NO_TIME] -= minutes * 60
            out[naive] = secs
        else:
            out[naive] = _secs(parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT"), name, int(naive.sum()))
    bad = present & (out == NO_TIME)
    for i in np.flatnonzero(bad).tolist():
        if not skip[i]:
            problems.append((int(i), name, str(text[i]),
                             "is not a time (expected ISO date and time; a local time that does not exist or is "
                             "ambiguous at a DST change needs an offset)"))
        skip[i] = 1
    return out


def read_cad(frame_or_csv: Any, *, tz: Any = None, columns: Optional[Mapping[str, str]] = None,
             feedback_at_close: bool = False, log: Optional[IncidentLog] = None, engine: str = "pandas") -> CadImport:
    """Import a computer-aided dispatch (CAD) export into an :class:`IncidentLog`.

    Parameters
    ----------
    frame_or_csv : pandas.DataFrame, path, or file-like
        One row per unit per incident (see the README's CAD mapping table):
        incident id, unit id, agency, call type, place, and the times
        received, dispatched, en route, on scene, closed.
    tz : str or int, optional
        Zone of times written without an offset: an IANA name
        (``"America/New_York"``, DST-aware; a local time that is ambiguous or
        missing at a DST change is reported as a problem) or a fixed offset
        (``"-05:00"``, minutes). Required if such times occur.
    columns : mapping, optional
        Column names for the fields ``incident``, ``unit``, ``kind``,
        ``place``, ``department``, ``received``, ``dispatched``,
        ``en_route``, ``on_scene``, ``closed`` (defaults ``incident_id``,
        ``unit_id``, ``call_type``, ``place``, ``agency``, ``received``, …).
        ``incident`` and ``received`` must exist.
    feedback_at_close : bool
        Also record FEEDBACK (loop closed) at the time the last unit cleared.
    log : IncidentLog, optional
        Add to this log (e.g. one with custom SLAs) instead of a new one.
    engine : {"pandas", "c"}
        ``"c"`` parses a CSV file with the C++ reader (``read_cad_csv``;
        ``tz`` must then be a fixed offset or None).

    Returns
    -------
    CadImport
        ``(log, problems, incidents, rows, rows_used, filled)``. A bad row
        (unreadable time, empty incident id, its own times out of order) is
        left out and listed in ``problems`` by row, field and value; every
        good row is kept.

    Raises
    ------
    InvalidInput
        A required column is missing, unknown ``columns`` keys, times without
        offset and no ``tz``.
    """
    names = dict(_CAD_DEFAULTS)
    for k, v in (columns or {}).items():
        if k not in _CAD_DEFAULTS:
            raise invalid("columns", None, k, f"unknown CAD field; expected one of {', '.join(_CAD_FIELDS)}")
        names[k] = v
    if engine == "c":
        if isinstance(frame_or_csv, pd.DataFrame):
            raise invalid("engine", None, engine, "the C++ reader reads CSV text; pass a path or file")
        if hasattr(frame_or_csv, "read"):
            text = frame_or_csv.read()
        else:
            with open(os.fspath(frame_or_csv), encoding="utf-8") as fh:
                text = fh.read()
        d = _core._read_cad_csv(text, names, tz, feedback_at_close)
    elif engine == "pandas":
        if isinstance(frame_or_csv, pd.DataFrame):
            df = frame_or_csv.reset_index(drop=True)
        else:
            df = pd.read_csv(frame_or_csv, dtype=str, keep_default_na=False, skipinitialspace=True)
        for f in ("incident", "received"):
            if names[f] not in df.columns:
                raise invalid("columns", None, names[f], "a required column is missing")
        n = len(df)
        problems: List[tuple] = []
        skip = np.zeros(n, dtype=np.int64)

        def text(f: str) -> List[str]:
            if names[f] not in df.columns:
                return [""] * n
            c = df[names[f]]
            return c.astype(object).where(c.notna(), "").astype(str).str.strip().tolist()

        times = [(_cad_times(df[names[f]], names[f], tz, problems, skip) if names[f] in df.columns
                  else np.full(n, NO_TIME, dtype=np.int64))
                 for f in ("received", "dispatched", "en_route", "on_scene", "closed")]
        d = _core._assemble_cad(text("incident"), text("unit"), text("kind"), text("place"), text("department"),
                                times, skip, problems, feedback_at_close, names)
    else:
        raise invalid("engine", None, engine, "expected 'pandas' or 'c'")
    target = log if log is not None else IncidentLog()
    target._ingest(np.asarray(d["id"], dtype=object), np.asarray(d["kind"], dtype=object),
                   np.asarray(d["place"], dtype=object), np.asarray(d["department"], dtype=object), None, None, None,
                   list(d["stage_at"]), None, d["on_site_at"], None)
    probs = pd.DataFrame(d["problems"], columns=["row", "field", "value", "problem"])
    if engine == "pandas" and len(probs):  # show time cells as written, not as C++ re-rendered them
        for j, (row, field) in enumerate(zip(probs["row"], probs["field"])):
            if field in df.columns and 0 <= row < len(df) and probs.at[j, "value"] != "":
                probs.at[j, "value"] = str(df.at[int(row), field]).strip()
    probs["row"] = probs["row"].astype(np.int64)
    incidents = pd.DataFrame({"incident": np.asarray(d["id"], dtype=object), "units": d["units"],
                              "first_row": d["first_row"]})
    return CadImport(target, probs, incidents, int(d["rows"]), int(d["rows_used"]), int(d["filled"]))
