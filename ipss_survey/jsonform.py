"""How the package's records become JSON: dataclasses to mappings, in field order.

results.json (and every JSON file the tool writes) is its records written field by field, in
declaration order, so the contract's key order is the dataclasses' field order. A field
marked ``OMIT_NONE`` is left out while it is None (a warning carries only the keys it needs);
NaN and infinities become null; numpy numbers become Python numbers.

The text is written by orjson (compact, UTF-8, floats in their shortest round-trip form):
a run with 50 groups holds some 80,000 records and a million numbers, which the standard
library's encoder took 0.6 s to write and orjson writes in a twentieth of that.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from typing import Any

import orjson

OMIT_NONE: dict[str, bool] = {"omit_none": True}

_LEAF_TYPES = frozenset({str, int, bool, type(None)})
# Per dataclass: its fields (name, omitted while None), and whether an instance's __dict__
# is already its record (no omitted fields, no slots: __init__ sets them in field order).
_FIELDS: dict[type, tuple[list[tuple[str, bool]], bool]] = {}


def _fields_of(kind: type) -> tuple[list[tuple[str, bool]], bool]:
    found = _FIELDS.get(kind)
    if found is None:
        names = [(f.name, bool(f.metadata.get("omit_none"))) for f in fields(kind)]
        as_dict = not any(omit for _, omit in names) and not hasattr(kind, "__slots__")
        found = _FIELDS[kind] = (names, as_dict)
    return found


def record(value: Any) -> dict[str, Any]:
    """A dataclass instance as a mapping of its fields (one level; values as held).

    Where the instance holds nothing but its fields this is its own ``__dict__``: read it,
    do not change it.
    """
    names, as_dict = _fields_of(type(value))
    if as_dict:
        held = value.__dict__
        if len(held) == len(names):  # nothing but the fields, in their order
            return held
    out = {}
    for name, omit in names:
        v = getattr(value, name)
        if not (omit and v is None):
            out[name] = v
    return out


def _plain_leaf(value: Any) -> Any:
    """orjson's hook for what it does not write itself: a dataclass (one level: orjson walks
    on, so omitted fields stay out) or a numpy number (as the Python number ``item`` gives,
    as ``plain`` makes it)."""
    if is_dataclass(value) and not isinstance(value, type):
        return record(value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
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

    orjson walks the tree once, calling back only for records and numpy numbers. A mapping
    with keys that are not text sends the tree through ``plain`` first (keys become
    ``str(key)``); an integer beyond 64 bits, which orjson refuses, is written by the
    standard library.
    """
    try:
        return orjson.dumps(
            value, default=_plain_leaf, option=orjson.OPT_PASSTHROUGH_DATACLASS
        ).decode("utf-8")
    except TypeError:
        pass
    tree = plain(value)
    try:
        return orjson.dumps(tree).decode("utf-8")
    except TypeError:
        return json.dumps(tree, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
