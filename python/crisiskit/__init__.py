"""crisiskit — public-crisis decision support.

    import crisiskit as ck

Risk map (风险图谱): ``ck.RiskMap`` — places, links and multi-source
signals → explainable 0–100 scores, latent causes (潜在诱因) and 72-hour
incident forecasts from a Hawkes model (``ck.HawkesModel``, ``ck.RiskConfig``,
``ck.SourceKind``).

Severity (三维评估): ``ck.SeverityAssessor`` scores impact scope × harm ×
trend (0–10 each and overall, explainable, missing indicators bounded),
``ck.SeverityTracker`` keeps each event's history and the 2-hour
re-assessment clock, ``ck.national_grade`` applies regulation tables
(``ck.GradingTable``, built-in: the production-safety accident grades).

Four-level alert grading: ``ck.AlertLevel``, ``ck.GradingPolicy``,
``ck.ResponsePlan``, ``ck.grade`` (stateless, vectorised), ``ck.AlertBoard``
(stateful: hysteresis, obligations, deadlines, history), and CAP 1.2 exchange
(``ck.to_cap``, ``ck.from_cap``, ``AlertBoard.cap_messages``, ``ck.write_cap``).

Matching (需求-资源匹配): ``ck.RoadNetwork`` (damage, bounded many-to-many
travel times, snapping, flooded polygons; imported by ``ck.read_osm``,
``ck.read_dimacs``, ``ck.read_pace``, ``ck.from_networkx`` and
``ck.read_geojson``), ``ck.match`` (stock and teams to
needs: priorities, deadlines, fairness, unmet reasons, routes), the
``ck.min_cost_flow`` primitive, and the need board ``ck.NeedBoard``
(需求发布 / 社会认领: publish needs, claims, deliveries, withdrawals, an event
log; priority classes in ``ck.PRIORITY_WEIGHTS``).

Sunshine ledger (阳光台账): ``ck.Ledger`` — every receipt, move, hand-out,
return and write-off of material in a durable, append-only RFC 6962 Merkle
log (SHA-256 or SM3), with balances, ``trace`` and ``verify``; auditors check
proofs with ``ck.verify_inclusion`` / ``ck.verify_consistency`` and
``ck.merkle_root``.

Incident lifecycle (事件闭环): ``ck.IncidentLog`` — report → dispatch →
sign → handle → feedback → assess (上报-派单-签收-办理-反馈-考核) and reopen,
SLAs (首报 1 h, 黄金4小时, experts on site 30 min, per-level response
deadlines) with an overdue index, KPIs per period and department, and
``ck.read_cad`` for computer-aided dispatch exports.

After-action review (复盘): ``ck.review`` scores warning accuracy (POD, FAR,
CSI, lead times, coverage), response timeliness (SLAs and obligations),
coordination (dispatch → sign, hand-offs, unmet need) and public
communication (negative share and heat around releases) 0–100 with their
evidence, in a ``ck.Review`` report (table, Markdown, figure).

Scenario engine (情景推演), first part: ``ck.scenario.generate_city``
(a deterministic synthetic city), ``ck.scenario.Rainstorm`` and
``ck.scenario.CrowdGathering`` (hazards stepped on your clock, emitting
risk-map signals, road damage and damage per place).

Times: UTC seconds inside; from Python pass int seconds, numpy datetime64,
timezone-aware datetimes or pandas Timestamps, or ISO text with an offset.
Naive datetimes are refused. Errors: bad input raises ``ValueError``
(``ck.InvalidInput``, with ``field``, ``index`` and ``value``); state
conflicts raise ``ck.StateError``.
"""

from __future__ import annotations

import os
from typing import Iterable, List, Union

from . import _core
from ._core import (
    AlertBoard,
    AlertLevel,
    CapAlert,
    CapArea,
    CapCircle,
    CapInfo,
    CapPoint,
    CapValue,
    Error,
    GradingPolicy,
    HawkesModel,
    IdMap,
    InvalidInput,
    ObligationSpec,
    ObligationStatus,
    ResponsePlan,
    RiskConfig,
    SourceKind,
    StateError,
    SubjectState,
    TransitionReason,
    UpdateSummary,
    WarningColor,
    alert_level,
    cap_codes,
    cap_reference,
    default_place_factors,
    default_source_kinds,
    format_time,
    from_cap,
    grade,
    haversine_m,
    name_zh,
    national_grade_roman,
    parse_offset,
    parse_time,
    simd_path,
    to_cap,
    validate_cap,
    warning_color,
)
from .allocation import UNMET_REASONS, MatchResult, match
from .matching import FlowResult, RoadNetwork, min_cost_flow
from .incident import INCIDENT_ACTIONS, INCIDENT_STATES, SLA_KINDS, CadImport, IncidentLog, read_cad
from .ledger import (
    LEDGER_KINDS,
    Ledger,
    LedgerVerification,
    leaf_hash,
    merkle_root,
    verify_consistency,
    verify_inclusion,
)
from .need_board import PRIORITY_CLASSES, PRIORITY_WEIGHTS, NeedBoard
from .need_rules import NEED_BASES, NEED_RULES, derive_needs
from .after_action import DEFAULT_SLAS, Review, alerts_from_history, review
from .risk import Explanation, RiskMap
from . import scenario
from .road_io import from_networkx, read_dimacs, read_geojson, read_osm, read_pace
from .severity import (
    GradingTable,
    Indicators,
    NationalGrade,
    SeverityAssessor,
    SeverityConfig,
    SeverityResult,
    SeverityTracker,
    national_grade,
    secondary_likelihood,
)
from ._time import from_seconds, to_duration, to_seconds, to_seconds_array

__version__ = "0.1.0"

__all__ = [
    "AlertBoard",
    "AlertLevel",
    "CadImport",
    "INCIDENT_ACTIONS",
    "INCIDENT_STATES",
    "IncidentLog",
    "SLA_KINDS",
    "MatchResult",
    "UNMET_REASONS",
    "DEFAULT_SLAS",
    "CapAlert",
    "CapArea",
    "CapCircle",
    "CapInfo",
    "CapPoint",
    "CapValue",
    "Error",
    "Explanation",
    "FlowResult",
    "GradingPolicy",
    "GradingTable",
    "HawkesModel",
    "IdMap",
    "LEDGER_KINDS",
    "Ledger",
    "LedgerVerification",
    "Indicators",
    "InvalidInput",
    "NationalGrade",
    "NEED_BASES",
    "NEED_RULES",
    "NeedBoard",
    "ObligationSpec",
    "ObligationStatus",
    "PRIORITY_CLASSES",
    "PRIORITY_WEIGHTS",
    "ResponsePlan",
    "RiskConfig",
    "Review",
    "RiskMap",
    "RoadNetwork",
    "SeverityAssessor",
    "SeverityConfig",
    "SeverityResult",
    "SeverityTracker",
    "SourceKind",
    "StateError",
    "SubjectState",
    "TransitionReason",
    "UpdateSummary",
    "WarningColor",
    "alert_level",
    "alerts_from_history",
    "cap_codes",
    "cap_reference",
    "default_place_factors",
    "default_source_kinds",
    "format_time",
    "from_cap",
    "from_networkx",
    "from_seconds",
    "grade",
    "haversine_m",
    "derive_needs",
    "leaf_hash",
    "match",
    "merkle_root",
    "name_zh",
    "national_grade",
    "national_grade_roman",
    "parse_offset",
    "min_cost_flow",
    "parse_time",
    "read_dimacs",
    "read_geojson",
    "read_osm",
    "read_cad",
    "read_pace",
    "review",
    "scenario",
    "simd_path",
    "secondary_likelihood",
    "to_cap",
    "to_duration",
    "to_seconds",
    "to_seconds_array",
    "validate_cap",
    "verify_consistency",
    "verify_inclusion",
    "warning_color",
    "write_cap",
]


def write_cap(messages: Iterable[CapAlert], directory: Union[str, "os.PathLike[str]"]) -> List[str]:
    """Write CAP messages as ``<directory>/<identifier>.xml`` files.

    Parameters
    ----------
    messages : iterable of CapAlert
        E.g. ``board.cap_messages(offset="+08:00")``.
    directory : str or path
        Created if missing.

    Returns
    -------
    list of str
        The paths written, in order.

    Raises
    ------
    ValueError
        If a message breaks a CAP rule (nothing is written for it), or an
        identifier cannot be a file name.
    """
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i, m in enumerate(messages):
        xml = to_cap(m)
        name = m.identifier
        if "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"invalid messages[{i}].identifier = {name!r}: cannot be used as a file name")
        path = os.path.join(os.fspath(directory), name + ".xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(xml)
        paths.append(path)
    return paths
