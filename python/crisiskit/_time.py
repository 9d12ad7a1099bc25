"""Time at the Python boundary.

Inside crisiskit every instant is UTC seconds since the epoch (int64). From
Python we accept:

- ``int`` / numpy integer: already UTC seconds;
- ``numpy.datetime64`` (any unit): numpy's datetimes have no zone and are
  read as UTC, as numpy itself documents;
- timezone-aware ``datetime.datetime`` and ``pandas.Timestamp``;
- ISO 8601 text with an offset (``"2026-07-20T08:00:00+08:00"``).

A *naive* ``datetime`` / ``Timestamp`` (no ``tzinfo``), or text without an
offset, is refused with a ``ValueError``: local-or-UTC is exactly the kind of
guess that puts a deadline eight hours off. Fractions of a second are floored.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

__all__ = ["to_seconds", "to_seconds_array", "to_duration", "from_seconds", "NO_TIME"]

NO_TIME = -(2**63)
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _naive(field: str, value: Any) -> ValueError:
    return ValueError(
        f"invalid {field} = {value!r}: a naive datetime has no time zone; attach one "
        "(e.g. datetime(..., tzinfo=timezone.utc) or pd.Timestamp(...).tz_localize('Asia/Shanghai'))"
    )


def to_seconds(value: Any, field: str = "time") -> int:
    """Convert one instant to UTC seconds (int). See the module docstring."""
    if isinstance(value, bool):
        raise ValueError(f"invalid {field} = {value!r}: expected a time, not a bool")
    if isinstance(value, np.timedelta64):
        raise ValueError(f"invalid {field} = {value!r}: a duration is not a time")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError(f"invalid {field} = NaT: a time is required")
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, _dt.datetime):  # includes pandas.Timestamp
        if value.tzinfo is None or value.utcoffset() is None:
            raise _naive(field, value)
        if value != value:  # pandas NaT is a datetime subclass that is never equal
            raise ValueError(f"invalid {field} = NaT: a time is required")
        delta = value - _EPOCH
        return delta.days * 86400 + delta.seconds  # floor: microseconds dropped, days may be negative
    if isinstance(value, _dt.date):
        raise ValueError(f"invalid {field} = {value!r}: a date has no time of day or zone; pass a datetime")
    if isinstance(value, str):
        from . import _core

        return _core.parse_time(value, field)
    if isinstance(value, float):
        raise ValueError(
            f"invalid {field} = {value!r}: pass integer UTC seconds, a datetime64, or an aware datetime"
        )
    raise ValueError(f"invalid {field} = {value!r}: expected a time (int seconds, datetime64, aware datetime)")


def to_seconds_array(values: Any, field: str = "times") -> np.ndarray:
    """Convert many instants to an int64 array of UTC seconds.

    ``datetime64`` arrays and tz-aware pandas columns convert without a Python
    loop; integer arrays pass through; other sequences go element by element.
    """
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(values, (pd.Series, pd.Index, pd.DatetimeIndex)):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            utc = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
            return utc.to_numpy().astype("datetime64[s]").astype(np.int64)
        if np.issubdtype(values.dtype, np.datetime64):
            raise _naive(field, values.iloc[0] if len(values) else values)
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            i = int(np.flatnonzero(np.isnat(arr))[0])
            raise ValueError(f"invalid {field}[{i}] = NaT: a time is required")
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    out = np.empty(arr.shape[0] if arr.ndim else 0, dtype=np.int64)
    for i, v in enumerate(arr.tolist() if arr.dtype.kind != "O" else arr):
        try:
            out[i] = to_seconds(v, field)
        except ValueError as e:
            raise ValueError(str(e).replace(f"invalid {field} =", f"invalid {field}[{i}] =", 1)) from None
    return out


def to_duration(value: Any, field: str = "duration") -> int:
    """Convert a duration to whole seconds: int/float seconds, ``timedelta``, ``timedelta64``."""
    if isinstance(value, bool):
        raise ValueError(f"invalid {field} = {value!r}: expected a duration")
    if isinstance(value, np.timedelta64):  # before np.integer: numpy makes it a subclass
        if np.isnat(value):
            raise ValueError(f"invalid {field} = NaT: a duration is required")
        return int(value.astype("timedelta64[s]").astype(np.int64))
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"invalid {field} = {value!r}: a duration must be finite")
        return int(np.floor(value))
    if isinstance(value, _dt.timedelta):  # includes pandas.Timedelta
        if value != value:
            raise ValueError(f"invalid {field} = NaT: a duration is required")
        return value.days * 86400 + value.seconds
    raise ValueError(f"invalid {field} = {value!r}: expected seconds, a timedelta or a timedelta64")


def from_seconds(t: int):
    """UTC seconds → timezone-aware ``pandas.Timestamp`` (UTC); ``None`` for "no time"."""
    import pandas as pd

    if t == NO_TIME:
        return None
    return pd.Timestamp(int(t), unit="s", tz="UTC")
