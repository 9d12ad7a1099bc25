"""The need board (需求发布 / 社会认领): needs are published, volunteer
groups and companies claim parts of them, deliver, or withdraw.

The rules live in C++ (``include/crisiskit/match/need_board.hpp``); this
module gives them a Python API with DataFrames. Priority classes and their
default weights are in ``include/crisiskit/match/priority.hpp`` and in
:data:`PRIORITY_WEIGHTS`.
"""

from __future__ import annotations

import types
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from ._errors import invalid
from ._frames import _times
from ._time import to_seconds

__all__ = ["NeedBoard", "PRIORITY_CLASSES", "PRIORITY_WEIGHTS"]

#: Built-in priority classes: name → (Chinese name, weight), heaviest first.
PRIORITY_CLASSES: Mapping[str, tuple] = types.MappingProxyType(
    {name: (zh, weight) for name, zh, weight in _core._default_priorities()})
#: Built-in priority weights (dimensionless, larger = served first), read-only:
#: hospital 10, nursing_home 8, school 6, shelter 5, residential 2, other 1.
#: Override per board with ``NeedBoard(priority_weights={...})``.
PRIORITY_WEIGHTS: Mapping[str, float] = types.MappingProxyType(
    {name: weight for name, (_, weight) in PRIORITY_CLASSES.items()})

_NEED_TIMES = ("deadline", "published_at", "cancelled_at", "last_change")
_CLAIM_TIMES = ("time", "promised", "due", "closed_at")
_NEED_COLUMNS = ("id", "place", "type", "quantity", "priority", "deadline", "node", "unit")


def _frame(cols: Dict[str, Any], times: Sequence[str], index: str = "id") -> pd.DataFrame:
    for c in times:
        cols[c] = _times(cols[c])
    df = pd.DataFrame(cols)
    return df.set_index(index) if index else df


def _column(rows: Any, name: str, n: int, default: Any) -> List[Any]:
    if name not in rows:
        return [default] * n
    col = rows[name]
    values = col.tolist() if hasattr(col, "tolist") else list(col)
    # a missing cell (None, NaN, pd.NA) takes the default: a generated id, no node, no unit
    return [default if v is None or v is pd.NA or (isinstance(v, float) and v != v and name != "quantity") else v
            for v in values]


class NeedBoard(_core._NeedBoardCore):
    """The need board: published needs, the claims on them, and every change.

    Parameters
    ----------
    priority_weights : mapping of str to float, optional
        Weights that replace the defaults of :data:`PRIORITY_WEIGHTS`
        (``{"school": 9}``) or add classes (``{"dialysis": 12}``). Weights are
        dimensionless, finite and > 0; larger is served first.

    Notes
    -----
    **Model.** A need is a quantity of one resource type at one place (a place
    id, optionally a road-network ``node``), with a priority class and a
    deadline. Quantities are whole units (int, 1 … 2**53; a float must be
    whole): choose the unit so that claims are whole (kg rather than t).
    Times are UTC; pass int seconds, datetime64, aware datetimes or ISO text
    with an offset, as everywhere in crisiskit. Per need, time must not go
    backwards.

    **Rules.** A claim takes at most the open quantity. Withdrawing an active
    claim returns its undelivered part to the need; what it delivered stays
    delivered. ``open = quantity − claimed``, where ``claimed`` counts active
    claims in full and ended ones by what they delivered. ``close`` lowers the
    quantity to what is claimed (no further claims; active claims are kept
    and still delivered or withdrawn). ``cancel`` ends the need: every active
    claim on it is released (status ``CANCELLED``; the ids are returned so
    claimants can be told), deliveries stay on record. A need's status is
    ``OPEN``, ``PARTLY_CLAIMED``, ``FULLY_CLAIMED``, ``FULFILLED`` (all
    delivered) or ``CANCELLED``; a claim's is ``ACTIVE``, ``DELIVERED``,
    ``WITHDRAWN`` or ``CANCELLED``.

    **Errors.** Malformed input (unknown id, quantity ≤ 0 or NaN, unknown
    priority class, time going backwards) raises :class:`crisiskit.InvalidInput`
    (a ``ValueError``) naming field, row and value; an operation the state
    forbids (claiming more than is open, claiming a cancelled need,
    withdrawing twice) raises :class:`crisiskit.StateError`. A call that raises
    changes nothing.

    **Threads.** Every call takes the board's mutex: one board may be shared
    between threads, calls are serialised. The C++ ``NeedBoard`` itself does
    no locking.

    The board pickles (and ``copy.deepcopy``-s) exactly; ``to_bytes()`` /
    ``NeedBoard.from_bytes()`` are the same bytes as C++'s.

    Examples
    --------
    >>> b = ck.NeedBoard()
    >>> n = b.publish("敬老院-3", "drinking_water", 100, priority="nursing_home",
    ...               deadline="2026-07-20T20:00:00+08:00", time="2026-07-20T08:00:00+08:00")
    >>> c = b.claim(n, "蓝天救援队", 60, time="2026-07-20T09:00:00+08:00")
    >>> b.status(n), b.open_quantity(n)
    ('PARTLY_CLAIMED', 40)
    """

    def __init__(self, priority_weights: Optional[Mapping[str, float]] = None) -> None:
        super().__init__(priority_weights)

    # ---- changes -------------------------------------------------------------

    def publish(self, place: str, type: str, quantity: Union[int, float], *, deadline: Any, time: Any,
                priority: str = "residential", id: Optional[str] = None, node: Optional[int] = None,
                unit: str = "", actor: str = "") -> str:
        """Publish one need.

        Parameters
        ----------
        place : str
            Place id (a community, a building, a site code).
        type : str
            Resource type id, e.g. ``"drinking_water"``.
        quantity : int
            Whole units, 1 … 2**53.
        deadline : time
            When it is needed by (UTC; not before ``time``).
        time : time
            When it is published.
        priority : str
            Priority class name (English or Chinese; see :data:`PRIORITY_WEIGHTS`).
        id : str, optional
            Stable id; generated (``need-1``, ``need-2``, …) if omitted.
        node : int, optional
            Road-network node of the place, for the matcher.
        unit : str
            Unit label for people (``"box"``, ``"kg"``).
        actor : str
            Who publishes, for the log.

        Returns
        -------
        str
            The need id.

        Raises
        ------
        InvalidInput
            Bad or taken id, empty place or type, quantity not a whole number
            ≥ 1, unknown priority class, deadline missing or before ``time``.
        """
        return self.publish_many({"id": [id], "place": [place], "type": [type], "quantity": [quantity],
                                  "priority": [priority], "deadline": [deadline], "node": [node], "unit": [unit]},
                                 time=time, actor=actor)[0]

    def publish_many(self, needs: Any, *, time: Any, actor: str = "") -> List[str]:
        """Publish many needs at once, all or nothing.

        Parameters
        ----------
        needs : pandas.DataFrame, or mapping of column → sequence
            Columns ``place``, ``type``, ``quantity``, ``deadline`` (required),
            ``priority`` (default ``"residential"``), ``id``, ``node``,
            ``unit`` (optional; a missing cell = generated id, no node, no
            unit). ``deadline`` may be a tz-aware datetime column.
        time : time
            When they are published.
        actor : str
            Who publishes.

        Returns
        -------
        list of str
            The need ids, in row order.

        Raises
        ------
        InvalidInput
            As :meth:`publish`, naming the column and the row; nothing is
            published.
        """
        for name in ("place", "type", "quantity", "deadline"):
            if name not in needs:
                raise invalid("needs", None, name, "a required column is missing")
        n = len(needs["place"])
        deadlines = needs["deadline"]
        if isinstance(deadlines, pd.Series):
            deadlines = deadlines.reset_index(drop=True)
        return self._publish(_column(needs, "id", n, None), _column(needs, "place", n, None),
                             _column(needs, "type", n, None), _column(needs, "quantity", n, None),
                             _column(needs, "priority", n, "residential"), deadlines, _column(needs, "node", n, None),
                             _column(needs, "unit", n, ""), time, actor)

    def claim(self, need: str, claimant: str, quantity: Union[int, float], *, time: Any, promised: Any = None,
              id: Optional[str] = None, actor: Optional[str] = None) -> str:
        """Claim part of a need (认领).

        Parameters
        ----------
        need : str
            Need id.
        claimant : str
            Who claims: a volunteer group or company name.
        quantity : int
            Whole units, at most what is open.
        time : time
            When claimed.
        promised : time, optional
            Promised delivery time (not before ``time``); the claim is overdue
            after it, or after the need's deadline if not given.
        id : str, optional
            Stable claim id; generated (``claim-1``, …) if omitted.
        actor : str, optional
            Who records it; defaults to the claimant.

        Returns
        -------
        str
            The claim id.

        Raises
        ------
        InvalidInput
            Unknown need, bad or taken id, empty claimant, quantity not a
            whole number ≥ 1, ``promised`` before ``time``, ``time`` before the
            need's last change.
        StateError
            The need is cancelled, or ``quantity`` exceeds what is open.
        """
        return self._claim(need, claimant, quantity, time, promised, id, actor or "")

    def deliver(self, claim: str, quantity: Union[int, float, None] = None, *, time: Any, actor: str = "") -> None:
        """Record a delivery on a claim: ``quantity`` units, or everything it still owes.

        Raises
        ------
        InvalidInput
            Unknown claim, bad quantity, time before the need's last change.
        StateError
            The claim is not active, or ``quantity`` exceeds what it owes.
        """
        self._deliver(claim, quantity, time, actor)

    def withdraw(self, claim: str, *, time: Any, actor: str = "", reason: str = "") -> int:
        """Withdraw an active claim; its undelivered part returns to the need.

        Returns
        -------
        int
            The quantity returned to the need.

        Raises
        ------
        InvalidInput
            Unknown claim, time before the need's last change.
        StateError
            The claim is not active (withdrawn already, fully delivered, or
            cancelled with its need).
        """
        return int(self._withdraw(claim, time, actor, reason))

    def amend(self, need: str, *, time: Any, quantity: Union[int, float, None] = None, deadline: Any = None,
              actor: str = "", note: str = "") -> None:
        """Change a need's quantity and/or deadline (at least one).

        Raising the quantity of a fulfilled need reopens it.

        Raises
        ------
        InvalidInput
            Unknown need, neither given, bad quantity, deadline before
            publication, time before the need's last change.
        StateError
            The need is cancelled, or ``quantity`` is below what is claimed.
        """
        self._amend(need, quantity, deadline, time, actor, note)

    def close(self, need: str, *, time: Any, actor: str = "", reason: str = "") -> None:
        """Close a need to further claims: its quantity becomes what is claimed.

        Active claims are kept and may still be delivered or withdrawn (a
        withdrawal reopens that part).

        Raises
        ------
        InvalidInput
            Unknown need, time before its last change.
        StateError
            Cancelled, nothing claimed (cancel it instead), or nothing open.
        """
        self._close(need, time, actor, reason)

    def cancel(self, need: str, *, time: Any, actor: str = "", reason: str = "") -> List[str]:
        """Cancel a need; every active claim on it is released.

        Returns
        -------
        list of str
            Ids of the claims released (status ``CANCELLED``): tell their
            claimants. Deliveries already made stay on record.

        Raises
        ------
        InvalidInput
            Unknown need, time before its last change.
        StateError
            Already cancelled, or fulfilled.
        """
        return list(self._cancel(need, time, actor, reason))

    # ---- queries -------------------------------------------------------------

    def status(self, need: str) -> str:
        """``OPEN``, ``PARTLY_CLAIMED``, ``FULLY_CLAIMED``, ``FULFILLED`` or ``CANCELLED``."""
        return self._status(need)

    def open_quantity(self, need: str) -> int:
        """Units of a need still open to claims (0 once cancelled)."""
        return int(self._open(need))

    def to_frame(self) -> pd.DataFrame:
        """Every need, one row each, indexed by id.

        Columns: ``place, node, type, unit, priority, weight, quantity,
        claimed, delivered, open`` (whole units), ``status``, ``deadline,
        published_at`` (UTC), ``published_by``, ``cancelled_at`` (NaT unless
        cancelled), ``last_change``.
        """
        return _frame(self._needs(None, None, None, False), _NEED_TIMES)

    def open_needs(self, type: Optional[str] = None, priority: Optional[str] = None,
                   place: Optional[str] = None) -> pd.DataFrame:
        """Needs with something open, optionally of one type, priority class or place; columns as :meth:`to_frame`.

        Raises
        ------
        InvalidInput
            ``priority`` is not a class of this board.
        """
        return _frame(self._needs(type, priority, place, True), _NEED_TIMES)

    def claims(self, need: Optional[str] = None, claimant: Optional[str] = None) -> pd.DataFrame:
        """Claims (all, of one need, or of one claimant), indexed by claim id.

        Columns: ``need, claimant, quantity, delivered, outstanding, status,
        time, promised`` (NaT if none), ``due`` (promised, else the need's
        deadline), ``closed_at`` (NaT while active).
        """
        if need is not None and claimant is not None:
            df = self.claims(need=need)
            return df[df["claimant"] == claimant]
        return _frame(self._claims(need, claimant, None), _CLAIM_TIMES)

    def claims_of(self, claimant: str) -> pd.DataFrame:
        """Claims made by one claimant (exact name); columns as :meth:`claims`."""
        return self.claims(claimant=claimant)

    def overdue_claims(self, at: Any) -> pd.DataFrame:
        """Active claims past due at ``at`` (``at`` > due), with a ``late_by`` column."""
        df = _frame(self._claims(None, None, at), _CLAIM_TIMES)
        df["late_by"] = pd.Timestamp(to_seconds(at, "at"), unit="s", tz="UTC") - df["due"]
        return df

    def history(self, need: Optional[str] = None, start: int = 0) -> pd.DataFrame:
        """The event log (all, or one need's) from event ``start``, oldest first.

        Columns: ``seq`` (position in the log), ``time`` (UTC), ``kind``
        (PUBLISH, AMEND, CLOSE, CANCEL, CLAIM, DELIVER, WITHDRAW, RELEASE),
        ``need``, ``claim`` (None for need events), ``quantity``,
        ``open_after``, ``deadline`` (the need's for PUBLISH/AMEND, the
        promised time for CLAIM, else NaT), ``actor``, ``note``. What
        ``quantity`` means per kind is in ``need_board.hpp``.
        """
        return _frame(self._events(need, int(start)), ("time", "deadline"), index="")

    def open_demand(self) -> Dict[str, np.ndarray]:
        """What is still open, as arrays for the matcher (one row per need with open > 0).

        Returns
        -------
        dict of numpy.ndarray
            ``need``, ``place``, ``type`` (ids, object); ``place_index``,
            ``type_index`` (dense int64 indices, stable for the board's
            lifetime); ``node`` (int64, −1 = not given); ``quantity`` (int64,
            open units); ``weight`` (float64 priority weight); ``deadline``
            (int64 UTC seconds).
        """
        cols = self._open_demand()
        return {k: np.asarray(v, dtype=object) if isinstance(v, list) else v for k, v in cols.items()}

    def open_demand_frame(self) -> pd.DataFrame:
        """:meth:`open_demand` as a DataFrame (``deadline`` as UTC datetimes)."""
        cols = self._open_demand()
        return _frame(cols, ("deadline",), index="")

    @property
    def priority_weights(self) -> Dict[str, float]:
        """This board's priority classes and weights (a copy)."""
        return {name: weight for name, _, weight in self._priorities}

    # ---- persistence -----------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes) -> "NeedBoard":
        """Rebuild a board from :meth:`to_bytes`; ``InvalidInput`` naming the byte offset if corrupted."""
        board = cls.__new__(cls)
        _core._NeedBoardCore.__init__(board, bytes(data))
        return board

    def __reduce__(self) -> Any:
        return (type(self).from_bytes, (self.to_bytes(),))

    __hash__ = None
