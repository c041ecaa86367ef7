"""The questionnaire as data: a response scale and a hierarchy of dimensions and items.

These types are what every later stage reads; the rules that follow from them (reverse
keying, which codes count as agreement, whether a construct's items share a scale, which
maturity level a mean reaches) are methods here, so each is written once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Scale:
    """Ordered response codes and what each counts as."""

    points: tuple[int, ...]
    labels: dict[int, str] = field(default_factory=dict, compare=False, hash=False)
    agree: tuple[int, ...] = ()
    neutral: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()

    @property
    def low(self) -> int:
        return self.points[0]

    @property
    def high(self) -> int:
        return self.points[-1]

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2

    @property
    def disagree(self) -> tuple[int, ...]:
        taken = set(self.agree) | set(self.neutral)
        return tuple(p for p in self.points if p not in taken)

    def reverse(self, code: int) -> int:
        """Reverse keying as the format defines it: min + max - value."""
        return self.low + self.high - code

    def favourable_codes(self, reverse: bool) -> tuple[int, ...]:
        """Codes that count as agreement once an item's reverse keying is applied."""
        if not reverse:
            return self.agree
        return tuple(sorted(self.reverse(c) for c in self.agree))

    def as_dict(self) -> dict[str, Any]:
        return {
            "points": list(self.points),
            "labels": {str(k): v for k, v in self.labels.items()},
            "agree": list(self.agree),
            "neutral": list(self.neutral),
            "missing": list(self.missing),
        }

    def key(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """What two items must share for their answers to be pooled: points, agree, neutral."""
        return (self.points, self.agree, self.neutral)


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    reverse: bool
    scale: Scale
    dimension: str
    subdimension: str | None
    text_incomplete: bool = False


@dataclass(frozen=True)
class Construct:
    """A dimension or sub-dimension: a named set of items scored together."""

    id: str
    name: str
    level: str  # "dimension" | "subdimension"
    parent: str | None
    items: tuple[str, ...]


@dataclass(frozen=True)
class MaturityLevel:
    min: float
    label: str


class Band(Protocol):
    """A maturity band as the instrument and results.json both hold one."""

    @property
    def min(self) -> float: ...

    @property
    def label(self) -> str: ...


def find_level(levels: Sequence[Band], mean: float | None) -> tuple[int, str] | None:
    """1-based level and label of the highest band whose minimum the mean reaches.

    None without levels, without a mean, or below the lowest band. A mean within 1e-12 of a
    band's minimum reaches it (a mean of 2.6 computed as 2.5999999999999996 is level 3).
    """
    if not levels or mean is None or math.isnan(mean):
        return None
    found = None
    for i, lvl in enumerate(levels, start=1):
        if mean >= lvl.min - 1e-12:
            found = (i, lvl.label)
    return found


@dataclass(frozen=True)
class Instrument:
    id: str
    title: str
    version: str
    source: str
    description: str
    respondent_id: str | None
    scale: Scale | None
    items: tuple[Item, ...]
    constructs: tuple[Construct, ...]
    maturity: tuple[MaturityLevel, ...] = ()
    maturity_basis: str = ""
    origin: str = ""
    _by_code: dict[str, Item] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        self._by_code.update((it.code, it) for it in self.items)

    def item(self, code: str) -> Item:
        return self._by_code[code]

    @property
    def dimensions(self) -> tuple[Construct, ...]:
        return tuple(c for c in self.constructs if c.level == "dimension")

    def maturity_level(self, mean: float | None) -> tuple[int, str] | None:
        """The maturity level a construct mean reaches (``find_level`` on these bands)."""
        return find_level(self.maturity, mean)

    def shared_scale(self, construct: Construct) -> Scale | None:
        """The scale every item of the construct uses, for pooling their answers: None when
        the items differ in points, agreement or neutral codes (then no pooled acceptance)."""
        scales = [self.item(c).scale for c in construct.items]
        first = scales[0]
        return first if all(s.key() == first.key() for s in scales[1:]) else None

    def shared_points(self, construct: Construct) -> tuple[int, ...] | None:
        """The response codes every item of the construct uses, for averaging them into a
        score: None when the items' points differ (then no construct score)."""
        points = {self.item(c).scale.points for c in construct.items}
        return next(iter(points)) if len(points) == 1 else None
