"""Errors raised from the Python layer, shaped like the C++ ones."""

from __future__ import annotations

from typing import Any, Optional

from . import _core


def invalid(field: str, index: Optional[int], value: Any, problem: str) -> "_core.InvalidInput":
    """An ``InvalidInput`` naming the field, the row (or None) and the value, as C++ does."""
    shown = repr(value)
    where = f"{field}[{index}]" if index is not None else field
    e = _core.InvalidInput(f"invalid {where} = {shown}: {problem}")
    e.field, e.index, e.value = field, index, shown
    return e
