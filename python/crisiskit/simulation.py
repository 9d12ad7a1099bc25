"""Scenario engine (情景推演), second part: the hourly loop through every core.

``ck.scenario.run(city, hazard, plan, start=...)`` steps a hazard over a
synthetic city on the clock it is given and drives every crisiskit core
once per step: the risk map (signals → scores), the alert board (levels,
obligations, deadlines), the severity tracker (every 2 h), need derivation
and matching over the damaged roads with finite stock, the sunshine ledger
(every hand-out), the incident log (report → dispatch → sign → on site →
handle → feedback on seeded delays) and, at the end, the after-action
review. ``ck.scenario.compare`` runs several plans on the same seeds.
Nothing reads the wall clock except the per-core timings.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
import time as _wall
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._time import from_seconds, to_seconds
from .after_action import Review, review
from .allocation import match
from .incident import IncidentLog
from .ledger import Ledger
from .need_rules import NEED_RULES, derive_needs
from .severity import SeverityTracker

__all__ = ["Plan", "PLANS", "ScenarioResult", "run", "compare", "KPI_COLUMNS"]

_H = 3600
_UNITS = {"water": "litre", "food": "ration"}  # other stock types are counted in units
_HIGH = ("hospital", "nursing_home")  # the priority classes a KPI singles out as "high"
_PRIORITIES = ("hospital", "nursing_home", "school", "shelter", "residential", "other")
_SITE_KINDS = ("school", "nursing_home", "hospital", "subway_station")
_BOAT = "boat"  # the stock type lent to places with trapped people and returned (see Plan.boat_trips_per_h)


@dataclass(frozen=True)
class Plan:
    """A response plan: alert thresholds, pre-positioning, evacuation and delays.

    Parameters
    ----------
    name : str
        Label in results and comparisons.
    thresholds : tuple of 4 floats
        Risk-score thresholds of GENERAL / ATTENTION / WARNING / EMERGENCY
        (``ck.GradingPolicy``; the defaults 25 / 50 / 75 / 90).
    preposition_hours : float or None
        Move stock to staging points on high ground next to every
        ``low_lying_area`` this many hours before the rain's first storm
        peak (clamped to the start); ``None`` = no pre-positioning.
    preposition_share : float
        Share of each depot's stock moved (to the staging point nearest the
        depot), 0–1.
    evacuate_hour : float or None
        Hours after the start when evacuation of the flood-prone cells
        begins; ``None`` = no evacuation.
    evacuate_share, evacuate_over_h : float
        Share of the flood-prone cells' residents evacuated, reached
        linearly over ``evacuate_over_h`` hours. Evacuees leave the cells
        (no longer exposed or trapped there).
    shelter_share : float
        Share of the evacuees who go to the public shelters (the staging
        points, priority ``shelter``) and need food, tents and medical kits
        there; the rest stay with family or in hotels and need nothing from
        the response stock. 0.2 is a planning default: evacuation studies
        commonly find that a minority of evacuees, of the order of one in
        five or fewer, use public shelters.
    boat_trips_per_h, rescue_per_member_h : float
        Rescue throughput. A boat (``boat`` stock, lent to a place with
        trapped people and returned to its holder once it is no longer
        needed there) lifts ``1 / rate`` people a trip (8 under the default
        need rule) and makes ``boat_trips_per_h`` trips an hour; a rescue
        team brings out ``rescue_per_member_h`` people per member per hour.
        Both work only for the part of a step left after their travel time.
        Rescued people are no longer trapped (planning defaults 2 and 1).
    flood_prone_quantile : float
        Populated cells at or below this elevation quantile, and every cell
        holding a ``low_lying_area``, are flood-prone.
    report_delay_min, dispatch_delay_min, sign_delay_min, on_site_delay_min,
    handle_delay_h, feedback_delay_min, info_delay_h, obligation_delay_h : float
        Median delays of the incident steps (occurrence → report → dispatch
        → sign → on site / handle → feedback; report → first public
        information) and of completing an alert obligation after it opens.
        Each is drawn log-normal with σ = ``delay_sigma`` around its median.
    delay_sigma : float
    incident_trapped : float
        A grid cell whose trapped residents first reach this many raises a
        ``trapped`` incident; a key site whose cell first holds
        ``incident_depth_m`` of water raises a ``flooding`` incident.
    incident_depth_m : float
    release_hours : tuple of floats
        Crowd hazard: official information releases, hours after the start.
    loads_per_h : float or None
        Dispatch capacity: truckloads each holder (depot or staging point)
        can load and send an hour; ``None`` = unlimited. With ``payloads``
        it caps what a holder can hand out in a step at
        ``loads_per_h · step hours · payload`` units of each type, the rest
        waiting for the next step. This is why stock spread over more
        places moves faster (planning defaults: 10 loads an hour).
    payloads : tuple of (type, units) pairs
        Units of a type one load carries (defaults: an 8 t truck of
        water, 8,000 L; 4,000 rations; 150 family tents; 40 medical kits;
        4 boats on a trailer). Types not listed are not capped.
    """

    name: str = "A"
    thresholds: Tuple[float, float, float, float] = (25.0, 50.0, 75.0, 90.0)
    preposition_hours: Optional[float] = None
    preposition_share: float = 0.4
    evacuate_hour: Optional[float] = None
    evacuate_share: float = 0.7
    evacuate_over_h: float = 6.0
    shelter_share: float = 0.2
    boat_trips_per_h: float = 2.0
    rescue_per_member_h: float = 1.0
    flood_prone_quantile: float = 0.1
    report_delay_min: float = 20.0
    dispatch_delay_min: float = 15.0
    sign_delay_min: float = 10.0
    on_site_delay_min: float = 35.0
    handle_delay_h: float = 3.0
    feedback_delay_min: float = 30.0
    info_delay_h: float = 3.0
    obligation_delay_h: float = 1.5
    delay_sigma: float = 0.5
    incident_trapped: float = 5.0
    incident_depth_m: float = 0.5
    release_hours: Tuple[float, ...] = (12.0,)
    loads_per_h: Optional[float] = 10.0
    payloads: Tuple[Tuple[str, float], ...] = (("water", 8000.0), ("food", 4000.0), ("tent", 150.0),
                                               ("medical_kit", 40.0), ("boat", 4.0))

    def __post_init__(self) -> None:
        th = tuple(float(x) for x in self.thresholds)
        if len(th) != 4 or any(not np.isfinite(x) for x in th) or any(b <= a for a, b in zip(th, th[1:])):
            raise invalid("plan.thresholds", None, self.thresholds, "must be 4 increasing finite scores")
        for f in ("preposition_share", "evacuate_share", "shelter_share", "flood_prone_quantile"):
            v = getattr(self, f)
            if not (0 <= float(v) <= 1):
                raise invalid(f"plan.{f}", None, v, "must be in [0, 1]")
        for f in ("report_delay_min", "dispatch_delay_min", "sign_delay_min", "on_site_delay_min", "handle_delay_h",
                  "feedback_delay_min", "info_delay_h", "obligation_delay_h", "delay_sigma", "evacuate_over_h",
                  "boat_trips_per_h", "rescue_per_member_h",
                  "incident_trapped", "incident_depth_m"):
            v = getattr(self, f)
            if not (np.isfinite(float(v)) and float(v) >= 0):
                raise invalid(f"plan.{f}", None, v, "must be a finite number ≥ 0")
        if self.loads_per_h is not None and not (np.isfinite(float(self.loads_per_h)) and float(self.loads_per_h) > 0):
            raise invalid("plan.loads_per_h", None, self.loads_per_h, "must be None or a finite number > 0")
        for i, pair in enumerate(self.payloads):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str)
                    and isinstance(pair[1], (int, float, np.integer, np.floating))
                    and np.isfinite(float(pair[1])) and float(pair[1]) > 0):
                raise invalid("plan.payloads", i, pair, "must be a (type, units > 0) pair")
        for f in ("preposition_hours", "evacuate_hour"):
            v = getattr(self, f)
            if v is not None and not (np.isfinite(float(v)) and float(v) >= 0):
                raise invalid(f"plan.{f}", None, v, "must be None or a finite number of hours ≥ 0")

    def policy(self) -> Any:
        """The ``ck.GradingPolicy`` of ``thresholds`` (default margins and dwells)."""
        return _core.GradingPolicy(thresholds=list(self.thresholds))


#: The three documented presets. **A** (baseline): react to what happens —
#: no pre-positioning, no evacuation. **B**: A plus 40 % of every depot's
#: stock moved to high-ground staging points next to the low-lying areas
#: 48 h before the first storm peak. **C**: B plus evacuation of 70 % of the
#: flood-prone cells' residents, starting at hour 0 over 6 h, and the first
#: crowd release after 4 h instead of 12 h.
PLANS: Dict[str, Plan] = {
    "A": Plan("A"),
    "B": Plan("B", preposition_hours=48.0),
    "C": Plan("C", preposition_hours=48.0, evacuate_hour=0.0, release_hours=(4.0,)),
}

#: The KPI names of ``ScenarioResult.kpis()`` (see the README for definitions).
KPI_COLUMNS: Tuple[str, ...] = (
    "people_in_need", "people_reached", "reached_share", "trapped_hours", "peak_trapped",
    "obligations", "overdue_obligations", "incidents", "incidents_closed",
    "rescued", "rescue_arrival_min", "peak_sheltered",
    *(f"unmet_share_{p}" for p in _PRIORITIES), "unmet_share_high", "unmet_share", "unmet_unit_hours",
    "fairness_jain", "travel_unit_hours", "units_handed_out", "units_prepositioned", "review_overall")


@dataclass(repr=False)
class ScenarioResult:
    """Outcome of :func:`run` (pickles; holds no reference to the city).

    Attributes
    ----------
    plan : Plan
    hazard : str
    seed : int
    times : pandas.DatetimeIndex
        The step times (tz-aware UTC).
    risk : pandas.DataFrame
        Risk score (0–100) by step (rows) and place (columns): every place
        whose score ever reached ``top`` rank among the places, ``top`` = 50
        by default (``run(..., risk_top=None)`` keeps all).
    levels : pandas.DataFrame
        Alert level (0–4) by step and place (the places of ``risk``).
    alerts : pandas.DataFrame
        Per step: ``time``, number of places at each level, escalations,
        open obligations and obligations overdue at the step.
    severity : pandas.DataFrame
        ``SeverityTracker.to_frame()`` of the event: one row per 2-hour
        re-assessment (scope, harm, trend, overall, level and indicators).
    coverage : pandas.DataFrame
        Per step and priority class: ``need`` (outstanding units), ``served``,
        ``unmet`` (served + unmet = need).
    per_need : pandas.DataFrame
        One row per need over the run: ``need, quantity`` (its largest
        requirement), ``served`` (the most met), ``unmet``, ``priority``,
        ``place`` — what the ``unmet_share`` KPIs and the review read.
    hazard_frame : pandas.DataFrame
        Per step: ``trapped`` (after evacuation and rescue), ``evacuated``,
        ``sheltered`` (evacuees in public shelters), ``rescued`` (so far),
        ``boats_on_loan``,
        ``closed_edges``, ``slowed_edges``, ``flooded_cells``,
        ``max_depth_m``, ``without_power``, ``without_water`` (rainstorm) or
        ``crowd``, ``heat``, ``negative_share`` (crowd).
    handouts : pandas.DataFrame
        Every stock hand-out: ``time, depot, type, quantity, need, place,
        priority, time_s`` (travel seconds).
    returns : pandas.DataFrame
        Boats handed back (RETURN in the ledger) once a place needs fewer:
        ``time, place, need, depot, type, quantity``. Boats handed out and
        not returned are still on loan at the end.
    needs : pandas.DataFrame
        Every step's matched needs (``time`` + ``MatchResult.needs`` columns
        and ``place``, ``people``), what the review reads.
    ledger : Ledger
        In-memory sunshine ledger: AGREEMENT_STOCK at the start, MOVE for
        pre-positioning, HAND_OUT per allocation; committed per step.
    incidents : IncidentLog
    review : Review
    stock_initial, stock_final : pandas.DataFrame
        ``holder, type, quantity`` before the first and after the last step.
    place_geo : pandas.DataFrame
        ``id, kind, lon, lat, population`` of the places in ``risk``.
    cell_geo : pandas.DataFrame
        ``id, lon, lat, population, dlon, dlat`` of every grid cell (centre
        and half extent in degrees), the columns of ``depth_m``.
    depth_m : numpy.ndarray
        Water depth (m, float32) by step × cell (rainstorm; empty for crowd).
    routes : pandas.DataFrame
        One row per stock hand-out: ``time, depot, need, place, type,
        quantity, time_s`` and ``coords`` (list of ``(lon, lat)`` along the
        matched road route, depot → need).
    closures : pandas.DataFrame
        Every road edge closed at some step: ``edge, lon0, lat0, lon1, lat1,
        first_closed, hours_closed``.
    cap : list of str
        CAP 1.2 XML of every alert transition (``AlertBoard.cap_messages``,
        times at +08:00, status ``Exercise``, a circle around each place).
    timings : pandas.DataFrame
        Wall-clock seconds per step and core (``hazard``, ``risk``,
        ``alert``, ``severity``, ``needs``, ``match``, ``ledger``,
        ``incidents``); ``timings_fixed`` holds ``setup`` and ``review``.
    """

    plan: Plan
    hazard: str
    seed: int
    times: pd.DatetimeIndex
    risk: pd.DataFrame
    levels: pd.DataFrame
    alerts: pd.DataFrame
    severity: pd.DataFrame
    coverage: pd.DataFrame
    hazard_frame: pd.DataFrame
    handouts: pd.DataFrame
    needs: pd.DataFrame
    ledger: Ledger
    incidents: IncidentLog
    review: Review
    stock_initial: pd.DataFrame
    stock_final: pd.DataFrame
    timings: pd.DataFrame
    timings_fixed: Dict[str, float]
    obligations: pd.DataFrame
    alert_history: pd.DataFrame
    prepositioned: pd.DataFrame
    per_need: pd.DataFrame = field(default_factory=pd.DataFrame)
    returns: pd.DataFrame = field(default_factory=pd.DataFrame)
    place_geo: pd.DataFrame = field(default_factory=pd.DataFrame)
    cell_geo: pd.DataFrame = field(default_factory=pd.DataFrame)
    depth_m: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    routes: pd.DataFrame = field(default_factory=pd.DataFrame)
    closures: pd.DataFrame = field(default_factory=pd.DataFrame)
    cap: List[str] = field(default_factory=list)
    _kpis: Dict[str, float] = field(default_factory=dict)

    def kpis(self) -> pd.Series:
        """The headline figures (``KPI_COLUMNS``; definitions in the README).

        - ``people_in_need`` / ``people_reached`` / ``reached_share``: a place
          (grid cell's residents, a school, nursing home, hospital or
          shelter) counts with the people behind its largest need at the
          first step it has any need; it is reached in time if every need it
          had at that step was fully served (``ck.match`` serves only within
          each need's deadline).
        - ``trapped_hours``: Σ over steps of trapped people × step hours;
          ``peak_trapped``: the most at one step.
        - ``obligations`` / ``overdue_obligations``: alert obligations
          opened; those completed after their due time or still open past
          due at the end.
        - ``incidents`` / ``incidents_closed``: reported; in FEEDBACK or later.
        - ``rescued``: people brought out by boats and rescue teams;
          ``rescue_arrival_min``: mean travel minutes of a boat or a rescue
          team sent to trapped people (each boat and each team dispatch);
          ``peak_sheltered``: the most evacuees in public shelters at once.
        - ``unmet_share_<class>``: per need (one place's need of one type),
          its requirement is the largest it reached (outstanding + already
          delivered or on loan) and what was met the most units delivered
          (consumables), lent at once (boats) or served in one step (rescue
          teams); the share is Σ (requirement − met) / Σ requirement over
          the class's needs, so a need counts once however long it waits.
          ``unmet_share_high`` for hospitals and nursing homes together;
          ``unmet_share`` overall. The table is ``ScenarioResult.per_need``.
        - ``unmet_unit_hours``: Σ over steps of the units left unmet × step
          hours (``coverage``), the waiting the shares do not show.
        - ``fairness_jain``: Jain's index (Σx)² / (n Σx²) of x = met /
          requirement per place, over places with needs (1 = every place
          got the same share).
        - ``travel_unit_hours``: Σ hand-out quantity × travel time (h), the
          transport cost; ``units_handed_out``; ``units_prepositioned``.
        - ``review_overall``: ``ck.review``'s overall score (0–100).
        """
        return pd.Series(self._kpis, name=self.plan.name).reindex(list(KPI_COLUMNS))

    def __repr__(self) -> str:
        k = self._kpis
        return (f"ScenarioResult(plan={self.plan.name!r}, hazard={self.hazard!r}, seed={self.seed}, "
                f"{len(self.times)} steps {self.times[0] if len(self.times) else ''} → "
                f"{self.times[-1] if len(self.times) else ''}; reached {k.get('reached_share', float('nan')):.0%}, "
                f"trapped-hours {k.get('trapped_hours', float('nan')):,.0f}, "
                f"{int(k.get('incidents', 0))} incidents, review {k.get('review_overall', float('nan')):.1f})")


class _Clock:
    """Per-core wall-clock timer for one step."""

    def __init__(self) -> None:
        self.rows: List[Dict[str, float]] = []
        self.row: Dict[str, float] = {}
        self._t = 0.0

    def start(self) -> None:
        self.row = {}
        self._t = _wall.perf_counter()

    def lap(self, core: str) -> None:
        now = _wall.perf_counter()
        self.row[core] = self.row.get(core, 0.0) + now - self._t
        self._t = now

    def close(self) -> None:
        self.rows.append(self.row)


def _shifted(stock: pd.DataFrame, holder: Any, type_: Any, quantity: Any, sign: int) -> np.ndarray:
    """``stock.quantity`` after adding ``sign`` × the summed ``quantity`` of each (holder, type) pair."""
    by = pd.Series(np.asarray(quantity, dtype=np.int64)).groupby([np.asarray(holder), np.asarray(type_)]).sum()
    return stock.quantity.to_numpy() + sign * by.reindex(pd.MultiIndex.from_arrays([stock.holder, stock.type]),
                                                         fill_value=0).to_numpy()


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return float(median * np.exp(sigma * rng.standard_normal())) if median > 0 else 0.0


def _staging(cells: pd.DataFrame, sites: pd.DataFrame, shape: Tuple[int, int], radius: int = 3) -> pd.DataFrame:
    """One staging point (集结点/安置点) per low-lying area: the highest
    populated, non-river cell within ``radius`` cells of it on the same bank
    (joined to the area's cell by land within the window, 4-neighbours), so
    staged stock does not wait on a bridge over the flooding river."""
    from scipy.ndimage import label
    rows, cols = shape
    elev = cells.elevation_m.to_numpy().reshape(rows, cols)
    land = (~cells.river.to_numpy()).reshape(rows, cols)
    ok = (cells.population.to_numpy() > 0).reshape(rows, cols) & land
    out = []
    for s in sites[sites.kind == "low_lying_area"].itertuples():
        r, c = divmod(int(s.cell), cols)
        r0, r1, c0, c1 = max(0, r - radius), min(rows, r + radius + 1), max(0, c - radius), min(cols, c + radius + 1)
        parts, _ = label(land[r0:r1, c0:c1])
        bank = parts == parts[r - r0, c - c0] if parts[r - r0, c - c0] > 0 else np.ones_like(parts, bool)
        win = np.where(ok[r0:r1, c0:c1] & bank, elev[r0:r1, c0:c1], -np.inf)
        if not np.isfinite(win.max()):
            continue
        rr, cc = np.unravel_index(int(np.argmax(win)), win.shape)
        cell = (r0 + rr) * cols + (c0 + cc)
        out.append({"id": f"stage-{s.id}", "area": s.id, "cell": cell, "node": int(cells.node.iat[cell]),
                    "lon": float(cells.lon.iat[cell]), "lat": float(cells.lat.iat[cell])})
    return pd.DataFrame(out, columns=["id", "area", "cell", "node", "lon", "lat"])


def _resolve_plan(plan: Any, field: str, index: Optional[int]) -> Plan:
    """A :class:`Plan` or a preset name → the Plan; anything else raises naming ``field[index]``."""
    if isinstance(plan, str):
        if plan not in PLANS:
            raise invalid(field, index, plan, f"must be a Plan or one of {sorted(PLANS)}")
        return PLANS[plan]
    if not isinstance(plan, Plan):
        raise invalid(field, index, type(plan).__name__, "must be a ck.scenario.Plan or a preset name")
    return plan


def _check_run_args(city: Any, hazard: str, plan: Any, hours: Any, step: Any) -> Tuple[Plan, int, int]:
    from .scenario import City
    if not isinstance(city, City):
        raise invalid("city", None, type(city).__name__, "must be a ck.scenario.City")
    if hazard not in ("rainstorm", "crowd"):
        raise invalid("hazard", None, hazard, "must be 'rainstorm' or 'crowd'")
    plan = PLANS["A"] if plan is None else _resolve_plan(plan, "plan", None)
    try:
        step_s = int(pd.Timedelta(step).total_seconds())
    except (TypeError, ValueError):
        raise invalid("step", None, step, "must be a duration ('1h', '30min', a Timedelta)") from None
    if step_s <= 0:
        raise invalid("step", None, step, "must be positive")
    if not (isinstance(hours, (int, float, np.integer, np.floating)) and np.isfinite(hours) and hours > 0):
        raise invalid("hours", None, hours, "must be a positive number of hours")
    n = int(round(float(hours) * _H / step_s))
    if n < 1:
        raise invalid("hours", None, hours, "must cover at least one step")
    return plan, step_s, n


def run(city: Any, hazard: str = "rainstorm", plan: Any = None, *, start: Any, hours: float = 72, step: Any = "1h",
        seed: int = 0, risk_top: Optional[int] = 50, severity_every: Any = "2h", storms: Any = None,
        hazard_params: Optional[Mapping[str, Any]] = None, match_threads: Optional[int] = None,
        progress: Optional[Callable[[int, int], None]] = None) -> ScenarioResult:
    """Run a hazard over a city hour by hour through every core.

    Parameters
    ----------
    city : City
        From :func:`generate_city`; not modified.
    hazard : {"rainstorm", "crowd"}
        :class:`Rainstorm` (flood, road damage, trapped people, outages →
        needs and matching) or :class:`CrowdGathering` (crowd, incident
        reports, public opinion and releases; no material needs).
    plan : Plan, "A", "B", "C" or None
        The response plan (default :data:`PLANS` ``["A"]``).
    start : time
        The clock time of the dry initial state (int UTC seconds,
        datetime64, aware datetime/Timestamp or ISO text with an offset).
        Step k is at ``start + k·step``; nothing reads the wall clock.
    hours : float
        Length of the run (72).
    step : duration
        Step length ("1h").
    seed : int
        Seeds the hazard (storm cells or crowd) and every simulated delay;
        same seed and inputs → identical result.
    risk_top : int or None
        Keep in ``risk``/``levels`` the places ranked in the top this many
        at any step (None = all places).
    severity_every : duration
        Re-assessment interval of the event ("2h").
    storms : DataFrame, optional
        Storm cells for :class:`Rainstorm` (default its preset).
    hazard_params : mapping, optional
        Extra keyword arguments of the hazard class.
    match_threads : int, optional
        Threads for ``ck.match``'s searches.
    progress : callable, optional
        Called as ``progress(k, n)`` after step k of n (e.g. a progress bar).

    Returns
    -------
    ScenarioResult

    Raises
    ------
    ValueError
        ``InvalidInput`` naming the argument and value.

    Examples
    --------
    >>> import crisiskit as ck
    >>> city = ck.scenario.generate_city(20_000, seed=1)
    >>> r = ck.scenario.run(city, plan="B", start="2026-07-20T00:00:00+08:00", hours=6, seed=1)
    >>> len(r.times)
    6
    """
    from .scenario import CrowdGathering, Rainstorm
    plan, step_s, n_steps = _check_run_args(city, hazard, plan, hours, step)
    if not (isinstance(seed, (int, np.integer)) and 0 <= int(seed) < 2**63):
        raise invalid("seed", None, seed, "must be an integer in [0, 2^63)")
    sev_s = int(pd.Timedelta(severity_every).total_seconds())
    if sev_s <= 0:
        raise invalid("severity_every", None, severity_every, "must be a positive duration")
    t0 = to_seconds(start, "start")
    clock = _Clock()
    wall0 = _wall.perf_counter()
    rng = np.random.default_rng([int(seed), 0x5CE7])  # delays; the hazard has its own seed

    # ---- setup: tables, risk map, board, tracker, ledger, log ---------------
    places = city._memo("places", city._make_places)
    cells = city._memo("cells", city._make_cells)
    sites = city._memo("sites", city._make_sites)
    place_ids = places["id"].to_numpy()
    rm = city.to_risk_map()
    board = _core.AlertBoard(plan.policy())
    tracker = SeverityTracker(interval=sev_s)
    ledger = Ledger()
    log = IncidentLog()
    pop = cells.population.to_numpy(dtype=float)
    n_cells = len(cells)
    ids_all = place_ids

    stock = city.depots.rename(columns={"id": "holder"})[["holder", "node", "type", "quantity"]].copy()
    stock["quantity"] = stock["quantity"].astype(np.int64)
    stock_initial = stock[["holder", "type", "quantity"]].copy()
    ledger.append_many(pd.DataFrame({
        "kind": "AGREEMENT_STOCK", "item": stock["type"], "quantity": stock["quantity"],
        "unit": [_UNITS.get(t, "unit") for t in stock["type"]], "from": "agreement-suppliers",
        "to": stock["holder"], "actor": "scenario", "note": f"plan {plan.name}"})[stock["quantity"] > 0],
        time=t0)
    ledger.commit()

    staging = _staging(cells, sites, city.shape)
    if plan.flood_prone_quantile > 0 and (pop > 0).any():
        cut = np.quantile(cells.elevation_m.to_numpy()[pop > 0], plan.flood_prone_quantile)
        prone = (pop > 0) & (cells.elevation_m.to_numpy() <= cut)
    else:
        prone = np.zeros(n_cells, bool)
    prone[sites.cell[sites.kind == "low_lying_area"].to_numpy()] = True
    prone &= ~cells.river.to_numpy()
    # evacuees of a flood-prone cell go to the nearest staging point (the shelter)
    if len(staging):
        d2 = ((cells.lon.to_numpy()[:, None] - staging.lon.to_numpy()[None, :]) ** 2
              + (cells.lat.to_numpy()[:, None] - staging.lat.to_numpy()[None, :]) ** 2)
        shelter_of_cell = np.argmin(d2, axis=1)
    else:
        shelter_of_cell = np.full(n_cells, -1)
    row_cell = pd.Series(np.concatenate([np.arange(n_cells), sites.cell.to_numpy()]),
                         index=np.concatenate([cells.id.to_numpy(), sites.id.to_numpy()]))

    if hazard == "rainstorm":
        model: Any = Rainstorm(city, storms, start=t0, seed=int(seed), **dict(hazard_params or {}))
        net = city.road_network()
        first_peak = int(model.storms["peak"].min().value // 10**9) if len(model.storms) else t0
        releases: List[int] = []
    else:
        releases = [t0 + int(h * _H) for h in plan.release_hours]
        model = CrowdGathering(city, start=t0, releases=releases, seed=int(seed), **dict(hazard_params or {}))
        net, first_peak = None, t0
    teams = city.teams
    prepositioned = pd.DataFrame(columns=["time", "from", "to", "type", "quantity"])
    pre_at = (None if plan.preposition_hours is None or hazard != "rainstorm" or not len(staging)
              else max(t0, first_peak - int(plan.preposition_hours * _H)))
    timings_fixed = {"setup": _wall.perf_counter() - wall0}

    # ---- state carried between steps ---------------------------------------
    delivered: Dict[str, int] = {}          # need id → units handed out so far (stock types)
    required: Dict[str, int] = {}           # need id → largest outstanding + delivered seen
    need_place: Dict[str, str] = {}
    need_priority: Dict[str, str] = {}
    met_max: Dict[str, int] = {}            # need id → most units delivered (stock), lent (boats) or served (teams)
    lent: Dict[str, Dict[str, int]] = {}    # boat need id → {holder: boats on loan there}
    rescued_at: Dict[str, float] = {}       # needs-place id → people rescued there so far
    rescued_total = 0.0
    rescue_s, rescue_n = 0.0, 0             # Σ travel seconds, Σ boats + team dispatches sent to trapped people
    team_size = dict(zip(city.teams.id, city.teams.headcount.astype(float)))
    boat_rate = float(NEED_RULES.set_index("type").rate.get(_BOAT, 0.125))  # boats per trapped person
    first_seen: Dict[str, Tuple[float, bool]] = {}  # place → (people, all met) at its first step with need
    crossed = np.zeros(n_cells, bool)
    site_flooded = np.zeros(len(sites), bool)
    key_sites = sites.kind.isin(_SITE_KINDS).to_numpy()
    events: List[Tuple[int, int, str, str, Dict[str, Any]]] = []  # heap: (time, seq, action, incident, kwargs)
    seq = [0]
    scheduled_obl: Dict[int, int] = {}     # obligation id → completion time
    n_inc = [0]
    score_rows, level_rows, alert_rows, cov_rows, haz_rows = [], [], [], [], []
    hand_frames, need_frames, return_frames = [], [], []
    opinion_rows: List[Dict[str, Any]] = []
    times: List[int] = []

    def push(t: int, action: str, inc: str, **kw: Any) -> None:
        seq[0] += 1
        heapq.heappush(events, (int(t), seq[0], action, inc, kw))

    def new_incident(kind: str, place: str, t_prev: int, t_now: int, department: str) -> None:
        n_inc[0] += 1
        inc = f"INC-{n_inc[0]:05d}"
        occ = t_prev + int(rng.uniform(0, t_now - t_prev))
        rep = occ + int(60 * _lognormal(rng, plan.report_delay_min, plan.delay_sigma))
        disp = rep + int(60 * _lognormal(rng, plan.dispatch_delay_min, plan.delay_sigma))
        sign = disp + int(60 * _lognormal(rng, plan.sign_delay_min, plan.delay_sigma))
        on_site = sign + int(60 * _lognormal(rng, plan.on_site_delay_min, plan.delay_sigma))
        handle = max(on_site, sign + int(_H * _lognormal(rng, plan.handle_delay_h, plan.delay_sigma)))
        fb = handle + int(60 * _lognormal(rng, plan.feedback_delay_min, plan.delay_sigma))
        info = rep + int(_H * _lognormal(rng, plan.info_delay_h, plan.delay_sigma))
        push(rep, "report", inc, kind=kind, place=place, occurred_at=occ)
        push(disp, "dispatch", inc, department=department)
        push(sign, "sign", inc, department=department)
        push(on_site, "on_site", inc, department=department)
        push(info, "public_info", inc, department="publicity")
        push(handle, "handle", inc, department=department)
        push(fb, "feedback", inc, department=department)

    def drain_events(t_now: int) -> None:
        while events and events[0][0] <= t_now:
            t, _, action, inc, kw = heapq.heappop(events)
            if action == "report":
                lvl = int(board.level(kw["place"])) if kw["place"] in known else 0
                log.report(inc, at=t, kind=kw["kind"], place=kw["place"], level=lvl,
                           occurred_at=kw["occurred_at"], actor="grid-worker")
            else:
                getattr(log, action)(inc, at=t, actor="responder", department=kw.get("department", ""))

    known = set(place_ids.tolist())
    depth_rows: List[np.ndarray] = []
    route_frames: List[pd.DataFrame] = []
    closed_steps: Dict[int, List[int]] = {}  # edge → [first step time, steps closed]

    def evac_remaining(t: int) -> np.ndarray:
        remain = np.ones(n_cells)
        if plan.evacuate_hour is not None and hazard == "rainstorm":
            t_e = t0 + plan.evacuate_hour * _H
            frac = np.clip((t - t_e) / max(plan.evacuate_over_h * _H, 1.0), 0.0, 1.0)
            remain[prone] = 1.0 - plan.evacuate_share * frac
        return remain

    stock_ref = [stock]  # the current stock table: holder, node, type, quantity

    def preposition(t: int) -> None:
        nonlocal prepositioned
        cur = stock_ref[0]
        dl = cur.merge(city.nodes[["lon", "lat"]], left_on="node", right_index=True, sort=False)
        d2 = ((dl.lon.to_numpy()[:, None] - staging.lon.to_numpy()[None, :]) ** 2
              + (dl.lat.to_numpy()[:, None] - staging.lat.to_numpy()[None, :]) ** 2)
        target = staging.iloc[np.argmin(d2, axis=1)]
        qty = np.floor(dl.quantity.to_numpy() * plan.preposition_share).astype(np.int64)
        moves = pd.DataFrame({"time": from_seconds(t), "from": dl.holder.to_numpy(), "to": target.id.to_numpy(),
                              "node": target.node.to_numpy(), "type": dl.type.to_numpy(), "quantity": qty})
        moves = moves[moves.quantity > 0].reset_index(drop=True)
        if not len(moves):
            return
        ledger.append_many(pd.DataFrame({"kind": "MOVE", "item": moves.type, "quantity": moves.quantity,
                                         "unit": [_UNITS.get(x, "unit") for x in moves.type], "from": moves["from"],
                                         "to": moves.to, "actor": "logistics", "note": "pre-positioning"}), time=t)
        ledger.commit()
        cur = cur.assign(quantity=_shifted(cur, moves["from"], moves.type, moves.quantity, -1))
        add = moves.groupby(["to", "node", "type"], as_index=False, sort=True).quantity.sum()
        stock_ref[0] = pd.concat([cur, add.rename(columns={"to": "holder"})], ignore_index=True)
        prepositioned = moves.drop(columns=["node"])

    if pre_at is not None and pre_at <= t0:
        preposition(t0)

    t_prev = t0
    last_sev: Optional[int] = None
    for k in range(1, n_steps + 1):
        t = t0 + k * step_s
        times.append(t)
        clock.start()
        if pre_at is not None and t_prev < pre_at <= t:
            preposition(pre_at)
        # 1. hazard
        state = model.step(t)
        clock.lap("hazard")
        # 2. risk map
        if len(state.signals):
            rm.add_signals(state.signals)
        scores = np.asarray(rm.scores(t), dtype=float)
        clock.lap("risk")
        # 3. alerts and obligations
        summ = board.update(ids_all, scores, t)
        obl = board.obligations() if summ.obligations_opened else None
        for o in (obl.itertuples() if obl is not None else ()):
            if o.id not in scheduled_obl:
                opened = int(pd.Timestamp(o.opened).value // 10**9)
                done = opened + int(_H * _lognormal(rng, plan.obligation_delay_h, plan.delay_sigma))
                scheduled_obl[o.id] = done
        for oid, done in sorted(scheduled_obl.items()):
            if 0 <= done <= t:
                board.complete(int(oid), done, "duty-officer")
                scheduled_obl[oid] = -1
        lv = np.asarray(board.levels, dtype=np.int8)
        score_rows.append(scores)
        level_rows.append(lv)
        n_over = len(board.overdue(t))
        alert_rows.append({"time": from_seconds(t), **{f"level_{i}": int(np.sum(lv == i)) for i in range(5)},
                           "escalations": int(summ.escalated), "deescalations": int(summ.deescalated),
                           "open_obligations": int(sum(1 for v in scheduled_obl.values() if v >= 0)),
                           "overdue_obligations": n_over})
        clock.lap("alert")

        if hazard == "rainstorm":
            remain = evac_remaining(t)
            evacuated = float(pop @ (1 - remain))
            sm = state.summary()
            # who is where: evacuees have left; the rescued are no longer trapped
            npl = state.needs_places()
            rc = row_cell.reindex(npl["id"]).to_numpy()
            f = remain[rc]
            for c in ("population", "vulnerable", "trapped"):
                npl[c] = npl[c].to_numpy() * f
            if rescued_at:
                npl["trapped"] = np.maximum(npl.trapped.to_numpy() - npl["id"].map(rescued_at).fillna(0.0).to_numpy(), 0.0)
            trapped = np.bincount(rc, weights=npl.trapped.to_numpy(), minlength=n_cells)
            clock.lap("needs")  # (the places' needs are read before severity, which uses the trapped count)
            # 4. severity every interval
            if last_sev is None or t - last_sev >= sev_s:
                depth_sites = state.depth_m[sites.cell.to_numpy()]
                wet = depth_sites >= 0.3
                tracker.update("rainstorm", t, affected_population=float((state.affected_share * remain) @ pop),
                               trapped=float(trapped.sum()), power_outage_share=float(state.power_outage @ pop / pop.sum()),
                               water_outage_share=float(state.water_outage @ pop / pop.sum()),
                               transport_outage_share=float(len(state.closed_edges) / max(len(city.roads), 1)),
                               schools_affected=float(np.sum(wet & (sites.kind == "school").to_numpy())),
                               nursing_homes_affected=float(np.sum(wet & (sites.kind == "nursing_home").to_numpy())),
                               hospitals_affected=float(np.sum(wet & (sites.kind == "hospital").to_numpy())))
                last_sev = t
            clock.lap("severity")
            # 5. needs (outstanding = derived − delivered), evacuees at shelters
            sheltered = 0.0
            if evacuated > 0 and len(staging) and plan.shelter_share > 0:
                ev = np.bincount(shelter_of_cell, weights=pop * (1 - remain), minlength=len(staging)) * plan.shelter_share
                sheltered = float(ev.sum())
                sh = pd.DataFrame({"id": "shelter-" + staging.area, "kind": "shelter", "priority": "shelter", "population": ev,
                                   "vulnerable": 0.0, "affected_share": 1.0, "displaced_share": 1.0,
                                   "water_outage": 0.0, "power_outage": 0.0, "trapped": 0.0, "node": staging.node,
                                   "lon": staging.lon, "lat": staging.lat})
                npl = pd.concat([npl, sh[sh.population > 0]], ignore_index=True)
            npl = npl[npl.population > 0]
            needs = derive_needs(npl)
            stock_types = set(stock_ref[0].type)
            is_stock = needs.type.isin(stock_types).to_numpy()
            # outstanding = derived − already delivered (consumables) or on loan there (boats)
            got = np.array([sum(lent[x].values()) if x in lent else delivered.get(x, 0) for x in needs.need],
                           dtype=np.int64)
            needs["quantity"] = np.where(is_stock, np.maximum(needs.quantity.to_numpy() - got, 0), needs.quantity)
            for nid, q, g, pl_, pr in zip(needs.need, needs.quantity, got, needs.place, needs.priority):
                required[nid] = max(required.get(nid, 0), int(q) + int(g))
                need_place[nid] = pl_
                need_priority[nid] = pr
            needs = needs[needs.quantity > 0].reset_index(drop=True)
            clock.lap("needs")
            # 6. matching over the damaged network with what is left
            state.apply_to(net)
            sup = stock_ref[0]
            sup = sup[sup.quantity > 0].rename(columns={"holder": "id"})
            if plan.loads_per_h is not None and len(sup):  # what each holder can load and send this step
                per_load = sup.type.map(dict(plan.payloads)).to_numpy(dtype=float, na_value=np.inf)
                cap_units = np.floor(plan.loads_per_h * step_s / _H * per_load)
                sup = sup.assign(quantity=np.minimum(sup.quantity.to_numpy(), cap_units).astype(np.int64))
                sup = sup[sup.quantity > 0]
            if len(needs):
                mr = match(net, sup, needs, teams=teams, routes=True, threads=match_threads)
                nf = mr.needs.copy()
                nf["place"] = needs.place.to_numpy()
                nf["people"] = needs.people.to_numpy()
                al = mr.allocations
                al_team = al[al.kind == "team"]
                al = al[al.kind == "stock"]
            else:
                nf = pd.DataFrame(columns=["need", "type", "priority", "weight", "quantity", "served", "unmet",
                                           "reason", "place", "people"])
                al = pd.DataFrame(columns=["supply", "need", "type", "quantity", "time_s"])
                al_team = al
            nf.insert(0, "time", from_seconds(t))
            need_frames.append(nf)
            for p in _PRIORITIES:
                sel = nf[nf.priority == p]
                cov_rows.append({"time": from_seconds(t), "priority": p, "need": int(sel.quantity.sum()),
                                 "served": int(sel.served.sum()), "unmet": int(sel.unmet.sum())})
            # first step with need per place: all met?
            if len(nf):
                g = nf.groupby("place").agg(people=("people", "max"), unmet=("unmet", "sum"))
                for pl_, row in g.iterrows():
                    if pl_ not in first_seen:
                        first_seen[pl_] = (float(row.people), bool(row.unmet == 0))
            clock.lap("match")
            # 7. ledger: hand-outs, stock depleted
            if len(al):
                pri = dict(zip(nf.need, nf.priority))
                ho = pd.DataFrame({"time": from_seconds(t), "depot": al.supply.to_numpy(), "type": al.type.to_numpy(),
                                   "quantity": al.quantity.to_numpy().astype(np.int64), "need": al.need.to_numpy(),
                                   "place": [need_place[x] for x in al.need], "priority": [pri[x] for x in al.need],
                                   "time_s": al.time_s.to_numpy()})
                ledger.append_many(pd.DataFrame({"kind": "HAND_OUT", "item": ho.type, "quantity": ho.quantity,
                                                 "unit": [_UNITS.get(x, "unit") for x in ho.type], "from": ho.depot,
                                                 "to": ho.place, "need": ho.need, "actor": "logistics"}), time=t)
                ledger.commit()
                stock_ref[0]["quantity"] = _shifted(stock_ref[0], ho.depot, ho.type, ho.quantity, -1)
                hand_frames.append(ho)
                route_frames.append(ho[["time", "depot", "need", "place", "type", "quantity", "time_s"]].assign(
                    route=al.route.to_numpy()))
            else:
                ho = None
            # rescue in the coming step: boats on loan work the whole step, new ones and teams what is left
            # of it after travelling; the rescued leave the trapped count from the next step on
            step_h = step_s / _H
            per_boat_h = plan.boat_trips_per_h / boat_rate if boat_rate > 0 else 0.0
            cap: Dict[str, float] = defaultdict(float)
            for nid, by_holder in lent.items():
                cap[need_place[nid]] += per_boat_h * step_h * sum(by_holder.values())
            if ho is not None:
                for nid, dep, q, ts, ty in zip(ho.need, ho.depot, ho.quantity, ho.time_s, ho.type):
                    if ty != _BOAT:
                        delivered[nid] = delivered.get(nid, 0) + int(q)
                        continue
                    rescue_s += float(ts) * int(q)
                    rescue_n += int(q)
                    lent.setdefault(nid, {})
                    lent[nid][dep] = lent[nid].get(dep, 0) + int(q)
                    cap[need_place[nid]] += per_boat_h * int(q) * max(step_s - ts, 0.0) / _H
            rescue_s += float(al_team.time_s.sum())
            rescue_n += len(al_team)
            for nid, team, ts in zip(al_team.need, al_team.supply, al_team.time_s):
                cap[need_place[nid]] += plan.rescue_per_member_h * team_size.get(team, 0.0) * max(step_s - ts, 0.0) / _H
            trapped_at = dict(zip(npl["id"], npl.trapped.to_numpy()))
            for pl_, c_ in cap.items():
                r_ = min(trapped_at.get(pl_, 0.0), c_)
                if r_ > 0:
                    rescued_at[pl_] = rescued_at.get(pl_, 0.0) + r_
                    trapped_at[pl_] -= r_
                    rescued_total += r_
            for nid, q, srv in zip(nf.need, nf.type, nf.served):
                m = sum(lent[nid].values()) if nid in lent else delivered.get(nid, 0) if q in stock_types else int(srv)
                met_max[nid] = max(met_max.get(nid, 0), int(m))
            # boats no longer needed where they are go back to their holders (one per 1/rate still trapped kept)
            back = []
            for nid in sorted(lent):
                keep = int(np.ceil(trapped_at.get(need_place[nid], 0.0) * boat_rate - 1e-9))
                for dep in sorted(lent[nid]):
                    on = lent[nid][dep]
                    r_ = min(on, max(sum(lent[nid].values()) - keep, 0))
                    if r_ > 0:
                        back.append((dep, nid, r_))
                        lent[nid][dep] = on - r_
                if not any(lent[nid].values()):
                    del lent[nid]
            if back:
                bk = pd.DataFrame(back, columns=["depot", "need", "quantity"])
                return_frames.append(bk.assign(time=from_seconds(t), place=[need_place[x] for x in bk.need],
                                               type=_BOAT)[["time", "place", "need", "depot", "type", "quantity"]])
                ledger.append_many(pd.DataFrame({"kind": "RETURN", "item": _BOAT, "quantity": bk.quantity,
                                                 "unit": "unit", "from": [need_place[x] for x in bk.need],
                                                 "to": bk.depot, "need": bk.need, "actor": "fire_rescue"}), time=t)
                ledger.commit()
                stock_ref[0]["quantity"] = _shifted(stock_ref[0], bk.depot, [_BOAT] * len(bk), bk.quantity, +1)
            clock.lap("ledger")
            # 8. incidents: cells newly crossing the trapped threshold, key sites newly flooded
            new_cells = np.flatnonzero((trapped >= max(plan.incident_trapped, 1e-9)) & ~crossed)
            crossed[new_cells] = True
            for c in new_cells:
                new_incident("trapped", str(cells.id.iat[c]), t_prev, t, "fire_rescue")
            wet_sites = np.flatnonzero(key_sites & (state.depth_m[sites.cell.to_numpy()] >= plan.incident_depth_m)
                                       & ~site_flooded)
            site_flooded[wet_sites] = True
            for w in wet_sites:
                new_incident("flooding", str(sites.id.iat[w]), t_prev, t, "drainage")
            drain_events(t)
            clock.lap("incidents")
            depth_rows.append(np.asarray(state.depth_m, dtype=np.float32))
            for e in np.asarray(state.closed_edges, dtype=np.int64).tolist():
                closed_steps.setdefault(e, [t, 0])[1] += 1
            haz_rows.append({"time": from_seconds(t), "trapped": float(trapped.sum()), "evacuated": evacuated,
                             "sheltered": sheltered, "rescued": rescued_total,
                             "boats_on_loan": int(sum(sum(v.values()) for v in lent.values())),
                             "closed_edges": sm["closed_edges"], "slowed_edges": sm["slowed_edges"],
                             "flooded_cells": sm["flooded_cells"], "max_depth_m": sm["depth_m_max"],
                             "without_power": sm["without_power"], "without_water": sm["without_water"]})
        else:
            if last_sev is None or t - last_sev >= sev_s:
                tracker.update("crowd", t, gathering_size=float(state.crowd),
                               negative_opinion_share=float(state.negative_share))
                last_sev = t
            clock.lap("severity")
            sig = state.signals
            inc = sig[sig.kind == "incident"] if len(sig) else sig
            for p_ in inc.place.astype(str):
                new_incident("crowd_incident", p_, t_prev, t, "police")
            drain_events(t)
            clock.lap("incidents")
            opinion_rows.append({"at": from_seconds(t), "negative_share": float(state.negative_share),
                                 "heat": float(state.heat)})
            haz_rows.append({"time": from_seconds(t), "trapped": 0.0, "evacuated": 0.0, "sheltered": 0.0,
                             "rescued": 0.0, "boats_on_loan": 0, "crowd": float(state.crowd),
                             "heat": float(state.heat), "negative_share": float(state.negative_share),
                             "incident_reports": int(state.new_incidents)})
        clock.close()
        t_prev = t
        if progress is not None:
            progress(k, n_steps)

    # ---- the end: review ----------------------------------------------------
    wall1 = _wall.perf_counter()
    t_end = times[-1]
    tix = pd.DatetimeIndex([from_seconds(x) for x in times])
    score_mat = np.vstack(score_rows)
    level_mat = np.vstack(level_rows)
    if risk_top is not None and risk_top < score_mat.shape[1]:
        top = np.argsort(-score_mat, axis=1, kind="stable")[:, :risk_top]
        keep = np.unique(top)
    else:
        keep = np.arange(score_mat.shape[1])
    risk = pd.DataFrame(score_mat[:, keep], index=tix, columns=place_ids[keep])
    levels = pd.DataFrame(level_mat[:, keep], index=tix, columns=place_ids[keep])
    needs_all = (pd.concat(need_frames, ignore_index=True) if need_frames else
                 pd.DataFrame(columns=["time", "need", "type", "priority", "quantity", "served", "unmet", "place"]))
    handouts = (pd.concat(hand_frames, ignore_index=True) if hand_frames else
                pd.DataFrame(columns=["time", "depot", "type", "quantity", "need", "place", "priority", "time_s"]))
    returns = (pd.concat(return_frames, ignore_index=True) if return_frames else
               pd.DataFrame(columns=["time", "place", "need", "depot", "type", "quantity"]))
    obligations = board.obligations()
    history = board.history()
    inc_frame, tr_frame = log.to_frame(), log.transitions_frame()
    pop_map = dict(zip(place_ids, places.population.to_numpy()))
    # one row per need: its largest requirement, the most of it met at once, the rest unmet
    per_need = pd.DataFrame({"need": list(required), "quantity": np.array(list(required.values()), dtype=np.int64)})
    per_need["served"] = np.minimum([met_max.get(x, 0) for x in per_need.need], per_need.quantity).astype(np.int64)
    per_need["unmet"] = per_need.quantity - per_need.served
    per_need["priority"] = [need_priority[x] for x in per_need.need]
    per_need["place"] = [need_place[x] for x in per_need.need]
    per_need = per_need[per_need.quantity > 0].reset_index(drop=True)
    rev_needs = per_need[["quantity", "served", "unmet", "priority"]] if len(per_need) else None
    rev = review(inc_frame, tr_frame, alerts=history, obligations=obligations, needs=rev_needs,
                 opinion=pd.DataFrame(opinion_rows) if opinion_rows else None,
                 releases=[from_seconds(r) for r in releases if r <= t_end] or None,
                 population=pop_map, as_of=from_seconds(t_end))
    timings_fixed["review"] = _wall.perf_counter() - wall1

    # ---- KPIs ------------------------------------------------------------------
    haz = pd.DataFrame(haz_rows)
    cov = pd.DataFrame(cov_rows, columns=["time", "priority", "need", "served", "unmet"])
    kp: Dict[str, float] = {}
    kp["people_in_need"] = float(sum(p for p, _ in first_seen.values()))
    kp["people_reached"] = float(sum(p for p, ok in first_seen.values() if ok))
    kp["reached_share"] = kp["people_reached"] / kp["people_in_need"] if kp["people_in_need"] > 0 else float("nan")
    kp["trapped_hours"] = float(haz.trapped.sum() * step_s / _H) if len(haz) else 0.0
    kp["peak_trapped"] = float(haz.trapped.max()) if len(haz) else 0.0
    kp["obligations"] = float(len(obligations))
    if len(obligations):
        due = pd.to_datetime(obligations["due"], utc=True)
        comp = pd.to_datetime(obligations["completed_at"], utc=True)
        late = (comp > due) | (comp.isna() & (due < from_seconds(t_end)))
        kp["overdue_obligations"] = float(late.sum())
    else:
        kp["overdue_obligations"] = 0.0
    kp["incidents"] = float(len(inc_frame))
    kp["incidents_closed"] = float(inc_frame.state.isin(["FEEDBACK", "ASSESSED"]).sum()) if len(inc_frame) else 0.0
    by = per_need.groupby("priority")[["quantity", "unmet"]].sum()
    for p in _PRIORITIES:
        n_, u_ = (by.loc[p, "quantity"], by.loc[p, "unmet"]) if p in by.index else (0, 0)
        kp[f"unmet_share_{p}"] = float(u_ / n_) if n_ > 0 else 0.0
    hi = by.reindex(list(_HIGH)).fillna(0).sum()
    kp["unmet_share_high"] = float(hi.unmet / hi.quantity) if hi.quantity > 0 else 0.0
    kp["unmet_share"] = float(by.unmet.sum() / by.quantity.sum()) if by.quantity.sum() > 0 else 0.0
    kp["unmet_unit_hours"] = float(cov.unmet.sum() * step_s / _H) if len(cov) else 0.0
    if len(per_need):
        pp = per_need.groupby("place")[["quantity", "served"]].sum()
        x = (pp.served / pp.quantity).to_numpy()
        kp["fairness_jain"] = float(x.sum() ** 2 / (len(x) * (x ** 2).sum())) if (x ** 2).sum() > 0 else 0.0
    else:
        kp["fairness_jain"] = float("nan")
    kp["rescued"] = float(rescued_total)
    kp["rescue_arrival_min"] = rescue_s / rescue_n / 60 if rescue_n else float("nan")
    kp["peak_sheltered"] = float(haz.sheltered.max()) if len(haz) else 0.0
    kp["travel_unit_hours"] = float((handouts.quantity * handouts.time_s).sum() / _H) if len(handouts) else 0.0
    kp["units_handed_out"] = float(handouts.quantity.sum()) if len(handouts) else 0.0
    kp["units_prepositioned"] = float(prepositioned.quantity.sum()) if len(prepositioned) else 0.0
    kp["review_overall"] = float(rev.overall)

    geo = _geometry(city, places, cells, keep, place_ids, route_frames, closed_steps, step_s, n_cells)
    cap = _cap_xml(board, places, plan, seed, hazard)

    final = stock_ref[0]
    timings = pd.DataFrame(clock.rows, index=tix).fillna(0.0)
    return ScenarioResult(
        plan=plan, hazard=hazard, seed=int(seed), times=tix, risk=risk, levels=levels,
        alerts=pd.DataFrame(alert_rows), severity=tracker.to_frame(), coverage=cov, hazard_frame=haz,
        handouts=handouts, needs=needs_all, ledger=ledger, incidents=log, review=rev,
        stock_initial=stock_initial.reset_index(drop=True),
        stock_final=final[["holder", "type", "quantity"]].reset_index(drop=True),
        timings=timings, timings_fixed=timings_fixed, obligations=obligations, alert_history=history,
        prepositioned=prepositioned, per_need=per_need, returns=returns, depth_m=(np.vstack(depth_rows) if depth_rows
                                              else np.zeros((0, n_cells), np.float32)), cap=cap, **geo, _kpis=kp)


def _geometry(city: Any, places: pd.DataFrame, cells: pd.DataFrame, keep: np.ndarray, place_ids: np.ndarray,
              route_frames: List[pd.DataFrame], closed_steps: Dict[int, List[int]], step_s: int,
              n_cells: int) -> Dict[str, pd.DataFrame]:
    """Coordinates the report and the GeoJSON need, so a result stays usable without its city."""
    pg = places.set_index("id").loc[place_ids[keep], ["kind", "lon", "lat", "population"]].reset_index()
    cg = cells[["id", "lon", "lat", "population"]].copy()
    rows, cols = city.shape
    lon = cells.lon.to_numpy().reshape(rows, cols)
    lat = cells.lat.to_numpy().reshape(rows, cols)
    # half the spacing to the neighbouring cell centre (the grid is regular in metres)
    cg["dlon"] = float(np.abs(np.diff(lon, axis=1)).mean()) / 2 if cols > 1 else 0.005
    cg["dlat"] = float(np.abs(np.diff(lat, axis=0)).mean()) / 2 if rows > 1 else 0.005
    nodes = city.nodes
    nlon, nlat = nodes.lon.to_numpy(), nodes.lat.to_numpy()
    if route_frames:
        rt = pd.concat(route_frames, ignore_index=True)
        rt["coords"] = [list(zip(nlon[r].round(6).tolist(), nlat[r].round(6).tolist())) for r in rt.pop("route")]
    else:
        rt = pd.DataFrame(columns=["time", "depot", "need", "place", "type", "quantity", "time_s", "coords"])
    roads = city.roads
    e = np.fromiter(closed_steps, dtype=np.int64, count=len(closed_steps))
    fr, to = roads["from"].to_numpy()[e], roads["to"].to_numpy()[e]
    cl = pd.DataFrame({"edge": e, "lon0": nlon[fr], "lat0": nlat[fr], "lon1": nlon[to], "lat1": nlat[to],
                       "first_closed": [from_seconds(closed_steps[x][0]) for x in e.tolist()],
                       "hours_closed": [closed_steps[x][1] * step_s / _H for x in e.tolist()]})
    return {"place_geo": pg, "cell_geo": cg, "routes": rt, "closures": cl.sort_values("edge", ignore_index=True)}


def _cap_xml(board: Any, places: pd.DataFrame, plan: Plan, seed: int, hazard: str) -> List[str]:
    """CAP 1.2 XML of the board's transitions: a 1 km circle around each place that changed level."""
    hist = board.history()
    if not len(hist):
        return []
    pl = places.set_index("id").loc[pd.unique(hist.subject)]
    areas = {i: _core.CapArea(f"{i} ({k})", circles=[_core.CapCircle(float(la), float(lo), 1.0)])
             for i, k, lo, la in zip(pl.index, pl.kind, pl.lon, pl.lat)}
    msgs = board.cap_messages(sender="scenario@crisiskit.example", sender_name="crisiskit scenario engine",
                              identifier_prefix=f"crisiskit-scenario-{plan.name}-{seed}", offset="+08:00",
                              status="Exercise", areas=areas,
                              event="暴雨 Rainstorm" if hazard == "rainstorm" else "人群聚集 Crowd gathering",
                              category="Met" if hazard == "rainstorm" else "Safety")
    return [_core.to_cap(m) for m in msgs]


def compare(city: Any, plans: Sequence[Any] = ("A", "B", "C"), seeds: Sequence[int] = (0,), *,
            hazard: str = "rainstorm", start: Any, progress: Optional[Callable[[int, int], None]] = None,
            on_result: Optional[Callable[[ScenarioResult], None]] = None, **kwargs: Any) -> pd.DataFrame:
    """Run every plan on every seed (same city, same storms) and tabulate the KPIs.

    Parameters
    ----------
    city : City
    plans : sequence of Plan or preset names
    seeds : sequence of int
        Each seed fixes the hazard and the delays; every plan sees the same.
    hazard, start, **kwargs :
        As :func:`run`.
    progress : callable, optional
        Called as ``progress(done, total)`` over all runs' steps.
    on_result : callable, optional
        Called with each :class:`ScenarioResult` as it completes (e.g. to
        keep one for :func:`report`).

    Returns
    -------
    pandas.DataFrame
        One row per plan × seed: ``plan``, ``seed``, then ``KPI_COLUMNS``;
        :func:`sweep` with no client (it also takes a Dask client).
    """
    from .sweep import _check_plans, _check_seeds, _run_in_turn
    jobs = [(p, s) for p in _check_plans(plans) for s in _check_seeds(seeds)]
    rows = _run_in_turn(city, jobs, hazard, dict(kwargs, start=start), progress, on_result)
    return pd.DataFrame(rows, columns=["plan", "seed", *KPI_COLUMNS])
