"""Build pandas DataFrames from the column arrays the C++ side hands over."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import _core

_LEVEL_NAMES = np.array([m.name for m in _core.AlertLevel], dtype=object)
_REASONS = np.array([m.name for m in _core.TransitionReason], dtype=object)
_STATUS = np.array([m.name for m in _core.ObligationStatus], dtype=object)


def _times(a: np.ndarray) -> pd.DatetimeIndex:
    # crisiskit's "no time" is INT64_MIN, which is exactly numpy's NaT: a
    # view turns it into NaT with no masking pass.
    return pd.DatetimeIndex(np.asarray(a, dtype=np.int64).view("datetime64[s]")).tz_localize("UTC")


def _ids(idx: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    if len(idx) == 0:
        return np.empty(0, dtype=object)
    return np.asarray(ids, dtype=object)[idx]


def transitions_frame(cols: dict[str, Any], ids: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": _ids(cols["subject"], ids),
            "time": _times(cols["time"]),
            "from_level": cols["from_level"],
            "to_level": cols["to_level"],
            "to_name": _LEVEL_NAMES[cols["to_level"]],
            "score": cols["score"],
            "reason": _REASONS[cols["reason"]],
        }
    )


def obligations_frame(cols: dict[str, Any], ids: Sequence[str], at: int | None) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "id": cols["id"],
            "subject": _ids(cols["subject"], ids),
            "level": cols["level"],
            "level_name": _LEVEL_NAMES[cols["level"]],
            "name": cols["name"],
            "name_zh": cols["name_zh"],
            "opened": _times(cols["opened"]),
            "due": _times(cols["due"]),
            "status": _STATUS[cols["status"]],
            "acknowledged_at": _times(cols["acknowledged_at"]),
            "acknowledged_by": cols["acknowledged_by"],
            "completed_at": _times(cols["completed_at"]),
            "completed_by": cols["completed_by"],
            "escalated": cols["escalated"],
            "transition": cols["transition"],
        }
    )
    if at is not None:
        when = pd.Timestamp(int(at), unit="s", tz="UTC")
        late = when - df["due"]
        late[(df["status"] == "COMPLETED") | (late <= pd.Timedelta(0))] = pd.NaT
        df["late_by"] = late
    return df


def states_frame(cols: dict[str, Any], ids: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "level": cols["level"],
            "level_name": _LEVEL_NAMES[cols["level"]],
            "since": _times(cols["since"]),
            "last_time": _times(cols["last_time"]),
            "last_score": cols["last_score"],
        },
        index=pd.Index(list(ids), name="id", dtype=object),
    )
    return df
