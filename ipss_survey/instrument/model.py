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
    # Every text a data file may hold for a code, the display label first: the wording in
    # other languages, an export's code name ("very_poor").
    aliases: dict[int, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

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

    @property
    def agree_side(self) -> str | None:
        """Where the agreement codes sit: "high" (the top points, as 4-5 of 1-5), "low" (the
        bottom ones, as on a scale coded 1 = Strongly agree), or None when they are not a run
        of points at one end."""
        k = len(self.agree)
        if tuple(sorted(self.agree)) == self.points[-k:]:
            return "high"
        if tuple(sorted(self.agree)) == self.points[:k]:
            return "low"
        return None

    def agrees_on_average(self, scores: Any) -> Any:
        """Which mean scores lie in the agreement range: at least the lowest agreement code when
        agreement is the top of the scale, at most the highest when it is the bottom. Needs
        ``agree_side``; the comparison is elementwise on numpy arrays."""
        side = self.agree_side
        if side == "high":
            return scores >= min(self.agree)
        if side == "low":
            return scores <= max(self.agree)
        raise ValueError("the agreement codes are not at one end of the scale")

    def oriented(self, mean: float) -> float:
        """A mean on a scale where higher means more agreement: mirrored (min + max - mean) when
        the agreement codes are the lowest points, as they are when 1 = Strongly agree."""
        return self.low + self.high - mean if self.agree_side == "low" else mean

    def texts(self, code: int) -> tuple[str, ...]:
        """Every text accepted for ``code``: its label and aliases."""
        found = self.aliases.get(code) or ((self.labels[code],) if code in self.labels else ())
        return found

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


PROVENANCES = ("source", "proposed")  # wording quoted from the source, or written for it


@dataclass(frozen=True)
class Item:
    """A rated statement: its answers are scored."""

    code: str
    text: str
    reverse: bool
    scale: Scale
    dimension: str
    subdimension: str | None
    text_incomplete: bool = False
    source: str = ""  # where the statement comes from
    provenance: str | None = None  # "source" (quoted) or "proposed" (written for the instrument)


@dataclass(frozen=True)
class Option:
    """A choice of a question that is not rated: its code in the data and its labels."""

    code: str
    labels: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else self.code


QUESTION_TYPES = ("select_multiple", "categorical", "text")


@dataclass(frozen=True)
class Question:
    """A question that is not scored: several choices allowed (``select_multiple``), one
    choice of a list that is not a rating scale (``categorical``: a municipality, a field), or
    an open answer (``text``, coded into themes by its ``codebook``)."""

    code: str
    type: str
    text: str = ""
    options: tuple[Option, ...] = ()
    codebook: str | None = None
    dimension: str | None = None  # the dimension reports show it with, if any
    source: str = ""
    provenance: str | None = None
    coders: tuple[str, ...] = ()  # text questions: columns of human coders' theme ids


# What a classification rule may test: an item's code (as answered, before reverse keying),
# a categorical question's option, a multi-select question's options or how many it chose.
ITEM_TESTS = ("equals", "any_of", "at_least", "at_most")
CATEGORICAL_TESTS = ("equals", "any_of")
MULTIPLE_TESTS = ("includes", "includes_any", "excludes", "at_least", "at_most")
COMBINERS = ("all", "any")


@dataclass(frozen=True)
class Condition:
    """One test of one answer (``kind`` "item" or "question", ``code``, ``test``, ``values``),
    or a combination of conditions (``test`` "all" or "any", ``parts``).

    ``values`` are scale codes (item tests), option codes (``equals``, ``any_of``,
    ``includes``, ``includes_any``, ``excludes`` on a question) or one count of chosen options
    (``at_least``, ``at_most`` on a multi-select question).
    """

    test: str
    kind: str = ""  # "item" | "question"; "" for "all" and "any"
    code: str = ""
    values: tuple[int | str, ...] = ()
    parts: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class ClassRule:
    """One class of a classification: the case belongs to it when every condition holds."""

    id: str
    name: str
    when: tuple[Condition, ...]  # empty for the "otherwise" class
    description: str = ""


@dataclass(frozen=True)
class Classification:
    """Cases sorted into classes by rules over their answers (``docs/instrument-format.md``).

    Classes are tried in order; a case belongs to the first whose conditions all hold, once
    every earlier class is known not to hold. ``otherwise`` takes the cases no class holds for.
    A case whose missing answers leave it open is unclassified.
    """

    id: str
    name: str
    classes: tuple[ClassRule, ...]
    otherwise: ClassRule | None = None
    description: str = ""
    source: str = ""


DIRECTIONS = ("higher_better", "higher_worse")


@dataclass(frozen=True)
class Construct:
    """A dimension or sub-dimension: a named set of items scored together."""

    id: str
    name: str
    level: str  # "dimension" | "subdimension"
    parent: str | None
    items: tuple[str, ...]
    direction: str = "higher_better"  # or "higher_worse": a higher score is worse (constraints)
    description: str = ""


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
    questions: tuple[Question, ...] = ()
    classifications: tuple[Classification, ...] = ()
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

    def maturity_level(
        self, mean: float | None, construct: Construct | None = None
    ) -> tuple[int, str] | None:
        """The maturity level a construct mean reaches (``find_level`` on these bands).

        The bands read "higher means more agreement": on a scale whose agreement codes are the
        lowest points the construct's mean is mirrored first (``Scale.oriented``), so that a
        scale and its mirror image reach the same level.
        """
        if mean is None or construct is None:
            return find_level(self.maturity, mean)
        scale = self.shared_scale(construct)
        return find_level(self.maturity, scale.oriented(mean) if scale else mean)

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
