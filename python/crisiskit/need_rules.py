"""Needs derived from population and damage (需求测算): ``ck.derive_needs``.

How much water, food, shelter, medical and rescue capacity each place needs,
from its population, vulnerable residents and damage, by documented
per-person rates (Sphere Handbook 2018 and WHO IEHK 2017 for the defaults;
``include/crisiskit/match/need_rules.hpp`` has the model and the table). The
result is a needs table ``ck.match`` takes as it is.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from .allocation import _priority_weights, _table, _weights_table

__all__ = ["NEED_BASES", "NEED_RULES", "derive_needs"]

#: Whom a rule counts, in the order of their codes.
NEED_BASES: tuple = tuple(_core._NEED_BASES)


def _default_rules() -> pd.DataFrame:
    rows = _core._default_need_rules()
    return pd.DataFrame(rows, columns=["type", "basis", "rate", "days", "deadline_s", "source"])


#: The default rules (a copy is returned by ``NEED_RULES.copy()``): one row per
#: resource type with ``type``, ``basis``, ``rate`` (units per person, per day
#: when ``days`` > 0), ``days`` (0 = one-off), ``deadline_s`` (longest travel
#: time, inf = none) and ``source``.
NEED_RULES: pd.DataFrame = _default_rules()

_PLACE_COLUMNS = ("population", "vulnerable", "affected_share", "displaced_share",
                  "water_outage", "power_outage", "trapped")
_PASS_THROUGH = ("node", "lon", "lat")


def _numbers(col: pd.Series, field: str) -> np.ndarray:
    """A column as float64; text or other non-numbers are named by row (NaN stays NaN, for C++ to refuse)."""
    num = pd.to_numeric(col, errors="coerce")
    bad = num.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise invalid(field, i, col.iloc[i], "must be a number")
    return num.to_numpy(dtype=np.float64, na_value=np.nan)


def derive_needs(places: Any, rules: Any = None, *, gamma: float = 1.0,
                 priority_weights: Optional[Mapping[str, float]] = None) -> pd.DataFrame:
    """Needs of every place from its population and damage.

    For each place and rule, ``quantity = ceil(people · rate · max(days, 1))``
    where ``people`` is the rule's basis: ``affected`` = affected_share ·
    population, ``displaced`` = displaced_share · affected, ``without_water``
    = water_outage · population, ``without_power`` = power_outage ·
    population, ``trapped`` (given), ``vulnerable`` = affected_share ·
    vulnerable. Each need's weight is its place's priority-class weight times
    ``1 + gamma · vulnerable / max(population, 1)``, so places with more
    vulnerable residents are served first within a class. Rows with a
    quantity of 0 are left out.

    Parameters
    ----------
    places : DataFrame, dict of columns or list of rows
        One row per place: ``population`` (people ≥ 0) and
        ``affected_share`` (0–1) required; optional ``vulnerable`` (people,
        ≤ population), ``displaced_share`` (share of the affected),
        ``water_outage``, ``power_outage`` (shares of the population),
        ``trapped`` (people), ``id`` or ``place`` (name; default the row
        number), ``priority`` (class, English or Chinese; default
        ``"residential"``), and ``node`` or ``lon``/``lat``, copied to the
        result so ``ck.match`` can place the needs.
    rules : DataFrame, dict of columns or list of rows, optional
        ``type``, ``basis`` (one of :data:`NEED_BASES`), ``rate``, ``days``
        and optional ``deadline_s`` (inf = none); default :data:`NEED_RULES`
        (Sphere 2018 water, food and shelter, WHO IEHK medical kits, and
        planning defaults for boats and rescue teams).
    gamma : float
        Weight of the vulnerable share in the priority weight (≥ 0).
    priority_weights : mapping, optional
        Class → weight, replacing those of ``ck.PRIORITY_WEIGHTS``.

    Returns
    -------
    DataFrame
        One row per (place, rule) with a positive quantity: ``need``
        (``"<place>/<type>"``), ``place``, ``type``, ``quantity``, ``priority``,
        ``weight``, ``deadline_s``, ``basis``, ``people`` (the basis count),
        and ``node`` / ``lon`` / ``lat`` when the places have them. Pass it
        to ``ck.match(net, supplies, needs)``.

    Raises
    ------
    ValueError
        ``InvalidInput`` naming the field, row and value: a missing required
        column, a negative or NaN population, a share outside [0, 1],
        vulnerable or trapped people above the population, an unknown basis
        or priority class, a negative rate, days or deadline.

    Examples
    --------
    >>> import crisiskit as ck
    >>> ck.derive_needs({"id": ["riverside"], "population": [10_000], "affected_share": [0.4],
    ...                  "displaced_share": [0.25], "water_outage": [0.3], "trapped": [37]})[["type", "quantity"]]
              type  quantity
    0        water    135000
    1         food      3000
    2         tent       200
    3  medical_kit         4
    4         boat         5
    5       rescue         1
    """
    pl = _table(places, "places")
    rl = NEED_RULES if rules is None else _table(rules, "rules")
    for col in ("population", "affected_share"):
        if col not in pl.columns:
            raise invalid(f"places.{col}", None, list(pl.columns), "is a required column")
    for col in ("type", "basis", "rate", "days"):
        if col not in rl.columns:
            raise invalid(f"rules.{col}", None, list(rl.columns), "is a required column")
    if not (np.isfinite(gamma) and gamma >= 0):
        raise invalid("gamma", None, gamma, "must be finite and ≥ 0")
    basis_code = {b: k for k, b in enumerate(NEED_BASES)}
    codes = []
    for i, b in enumerate(rl["basis"]):
        if b not in basis_code:
            raise invalid("rules.basis", i, b, f"must be one of {', '.join(NEED_BASES)}")
        codes.append(basis_code[b])
    deadline = (np.asarray(rl["deadline_s"], dtype=float) if "deadline_s" in rl.columns
                else np.full(len(rl), np.inf))
    columns = {c: _numbers(pl[c], f"places.{c}") for c in _PLACE_COLUMNS if c in pl.columns}
    rule_type = rl["type"].astype(str).tolist()
    d = _core._derive_needs(columns, rule_type, codes, np.asarray(rl["rate"], dtype=float).tolist(),
                            np.asarray(rl["days"], dtype=float).tolist(), deadline.tolist(), float(gamma))

    names = (pl["id"] if "id" in pl.columns else pl["place"] if "place" in pl.columns
             else pd.Series(np.arange(len(pl)))).astype(str).to_numpy()
    prio = (pl["priority"].astype(str).to_numpy() if "priority" in pl.columns
            else np.full(len(pl), "residential", dtype=object))
    class_w = _priority_weights(prio, _weights_table(priority_weights), "places.priority")
    place, rule = d["place"], d["rule"]
    types = np.asarray(rule_type, dtype=object)[rule]
    out = pd.DataFrame({
        "need": [f"{p}/{t}" for p, t in zip(names[place], types)],
        "place": names[place],
        "type": types,
        "quantity": d["quantity"],
        "priority": prio[place],
        "weight": class_w[place] * d["weight_factor"],
        "deadline_s": deadline[rule],
        "basis": np.asarray(rl["basis"], dtype=object)[rule],
        "people": d["people"],
    })
    for c in _PASS_THROUGH:
        if c in pl.columns:
            out[c] = pl[c].to_numpy()[place]
    return out
