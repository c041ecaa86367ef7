"""The one ``Results`` object a run produces; ``results.json`` is its faithful form.

Field names and order follow ``contracts/results-v1.md``; every table, chart and report is
drawn from this object, so a number never differs between outputs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class ItemStats:
    """Answers to one item as given (reverse-keyed items not flipped, except pct_favourable)."""

    code: str
    dimension: str
    subdimension: str | None
    text: str
    reverse: bool
    n: int
    missing: int
    mean: float | None
    sd: float | None
    median: float | None
    counts: dict[str, int]
    pct_agree: float | None
    pct_neutral: float | None
    pct_disagree: float | None
    pct_favourable: float | None


@dataclass
class ConstructStats:
    """A dimension or sub-dimension: respondents' scores and pooled acceptance."""

    id: str
    level: str
    name: str
    parent: str | None
    items: list[str]
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    pct_agree: float | None
    acceptance_range: list[float] | None
    pct_neutral: float | None = None
    pct_disagree: float | None = None


@dataclass
class GroupStats:
    group: str
    n: int
    constructs: list[ConstructStats]
    items: list[ItemStats] = field(default_factory=list)


@dataclass
class Results:
    schema_version: int
    tool: dict[str, Any]
    options: dict[str, Any]
    instrument: dict[str, Any]
    data: dict[str, Any]
    items: list[ItemStats]
    constructs: list[ConstructStats]
    groups: list[GroupStats] = field(default_factory=list)
    reliability: list[dict[str, Any]] = field(default_factory=list)
    acceptance_tests: list[dict[str, Any]] = field(default_factory=list)
    group_tests: list[dict[str, Any]] = field(default_factory=list)
    maturity: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _clean(self._fields())

    def _fields(self) -> dict[str, Any]:
        """The top level of results.json, values as held (not yet made plain)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        if not self.data.get("group_by"):
            d.pop("groups")
            d.pop("group_tests")
        if not self.maturity:
            d.pop("maturity")
        return d

    def to_json(self) -> str:
        """Deterministic JSON: insertion order, full precision, NaN as null, final newline.

        One line (no indent): json's fast C encoder only runs without indentation, and a run
        with 50 groups holds tens of thousands of numbers. Pretty-print with ``python -m
        json.tool`` when reading it by eye.
        """
        try:  # usually every number is plain already: json walks the tree once, in C
            text = json.dumps(
                self._fields(), ensure_ascii=False, allow_nan=False, default=_plain_leaf
            )
        except (ValueError, TypeError):  # NaN, numpy keys...: clean the whole tree first
            text = json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False)
        return text + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Results:
        """Rebuild from a saved results.json (for redrawing reports without the data)."""
        if d.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema_version {d.get('schema_version')!r} is not {SCHEMA_VERSION}")

        def construct(c: dict[str, Any]) -> ConstructStats:
            return ConstructStats(**c)

        return cls(
            schema_version=d["schema_version"],
            tool=d["tool"],
            options=d["options"],
            instrument=d["instrument"],
            data=d["data"],
            items=[ItemStats(**i) for i in d["items"]],
            constructs=[construct(c) for c in d["constructs"]],
            groups=[
                GroupStats(
                    group=g["group"],
                    n=g["n"],
                    constructs=[construct(c) for c in g["constructs"]],
                    items=[ItemStats(**i) for i in g.get("items", [])],
                )
                for g in d.get("groups", [])
            ],
            reliability=d.get("reliability", []),
            acceptance_tests=d.get("acceptance_tests", []),
            group_tests=d.get("group_tests", []),
            maturity=d.get("maturity", []),
        )


_LEAF_TYPES = frozenset({str, int, bool, type(None)})


def _plain_leaf(value: Any) -> Any:
    """json's hook for what it cannot write itself: a dataclass (one level: json walks on)
    or a numpy number. Anything that would change in ``_clean`` raises instead (the caller
    then cleans the whole tree), so both ways give the same text."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        plain = value.item()
        if type(plain) in _LEAF_TYPES or (type(plain) is float and math.isfinite(plain)):
            return plain
    raise TypeError(f"not JSON-ready: {type(value).__name__}")


def _clean(value: Any) -> Any:
    """Plain JSON-ready data: dataclasses become dicts, NaN and infinities None, numpy scalars
    Python numbers.

    One walk over the tree (dataclasses.asdict deep-copies every leaf first; with 50 groups
    the results hold tens of thousands of pairwise entries).
    """
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind in _LEAF_TYPES:
        return value
    if kind is dict:
        return {str(k): _clean(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_clean(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _clean(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return _clean(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
