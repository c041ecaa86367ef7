"""How the package's records become JSON: dataclasses to mappings, in field order.

results.json (and every JSON file the tool writes) is its records written field by field, in
declaration order, so the contract's key order is the dataclasses' field order. A field
marked ``OMIT_NONE`` is left out while it is None (a warning carries only the keys it needs);
NaN and infinities become null; numpy numbers become Python numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from typing import Any

OMIT_NONE: dict[str, bool] = {"omit_none": True}

_LEAF_TYPES = frozenset({str, int, bool, type(None)})
_FIELDS: dict[type, list[tuple[str, bool]]] = {}


def _fields_of(kind: type) -> list[tuple[str, bool]]:
    found = _FIELDS.get(kind)
    if found is None:
        found = [(f.name, bool(f.metadata.get("omit_none"))) for f in fields(kind)]
        _FIELDS[kind] = found
    return found


def record(value: Any) -> dict[str, Any]:
    """A dataclass instance as a mapping of its fields (one level; values as held)."""
    out = {}
    for name, omit in _fields_of(type(value)):
        v = getattr(value, name)
        if not (omit and v is None):
            out[name] = v
    return out


def _plain_leaf(value: Any) -> Any:
    """json's hook for what it cannot write itself: a dataclass (one level: json walks on)
    or a numpy number. Anything that would change in ``plain`` raises instead (the caller
    then cleans the whole tree), so both ways give the same text."""
    if is_dataclass(value) and not isinstance(value, type):
        return record(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        leaf = value.item()
        if type(leaf) in _LEAF_TYPES or (type(leaf) is float and math.isfinite(leaf)):
            return leaf
    raise TypeError(f"not JSON-ready: {type(value).__name__}")


def plain(value: Any) -> Any:
    """Plain JSON-ready data: dataclasses become dicts, NaN and infinities None, numpy scalars
    Python numbers. One walk over the tree."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind in _LEAF_TYPES:
        return value
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in record(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value: Any) -> str:
    """Deterministic JSON of records: field order, full precision, NaN as null, one line.

    One line (no indent): json's fast C encoder only runs without indentation, and a run with
    50 groups holds tens of thousands of numbers. Usually every number is plain already, so
    json walks the tree once, in C; a NaN or a numpy key sends it through ``plain`` first.
    """
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_plain_leaf)
    except (ValueError, TypeError):
        return json.dumps(plain(value), ensure_ascii=False, allow_nan=False)
