"""Groups of respondents for the group tests: their order, their counts and the results' shape.

The order of groups is part of a test's definition (the Mann-Whitney W is the U of the first
group), so the one rule lives here and every part of the package that lists groups
(``groups[]``, ``group_tests[].groups``, tables and charts) uses ``group_order``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ipss_survey.stats.notes import Note, NoteCode

MIN_GROUP_SIZE = 5


def _finite_number(label: str) -> float | None:
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def group_order(labels: Iterable[str]) -> list[str]:
    """Distinct group labels in the contract's order: numeric when every label is a finite
    number ("2" before "10"), otherwise as text ("inf" and "nan" are text)."""
    distinct = set(labels)
    numbers = {label: _finite_number(label) for label in distinct}
    if distinct and all(v is not None for v in numbers.values()):
        return sorted(distinct, key=lambda s: (numbers[s], s))
    return sorted(distinct)


@dataclass(frozen=True)
class Effect:
    """An effect size: {name, value} in results.json."""

    name: str
    value: float | None


@dataclass(frozen=True)
class PairwiseTest:
    """Mann-Whitney test of group a against group b (a sorts before b); p_adj is adjusted
    over all pairs of the construct with the run's method (``--p-adjust``, Holm by default)."""

    a: str
    b: str
    statistic: float | None
    p_value: float | None
    p_adj: float | None
    effect: Effect


@dataclass(frozen=True)
class ExcludedGroup:
    """A group left out of a test for having fewer than ``min_group_size`` values."""

    group: str
    n: int


@dataclass(frozen=True)
class GroupTest:
    """One test comparing groups on one construct.

    The caller adjusts p across constructs (p_adj is left None here). groups/group_sizes
    list the groups that were tested, in order; excluded_groups those left out.
    """

    test: str
    statistic: float | None
    df: int | list[float] | None  # [ndf, ddf] for F tests
    p_value: float | None
    effect: Effect | None
    method: str
    pairwise: list[PairwiseTest] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    group_sizes: list[int] = field(default_factory=list)
    excluded_groups: list[ExcludedGroup] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def excluded_note(excluded: Sequence[ExcludedGroup], min_group_size: int) -> list[Note]:
    """The note naming the groups left out of the tests for being too small."""
    if not excluded:
        return []
    listed = ", ".join(f"{e.group} (n={e.n})" for e in excluded)
    return [
        Note(
            NoteCode.GROUPS_EXCLUDED,
            f"groups with fewer than {min_group_size} values left out of the group tests: {listed}",
            groups=tuple(e.group for e in excluded),
        )
    ]


@dataclass(frozen=True)
class GroupCounts:
    """Groups' scores as counts of each distinct value: the rank tests need nothing more."""

    labels: list[str]
    values: np.ndarray  # (D,) sorted distinct values
    counts: np.ndarray  # (groups, D)

    @classmethod
    def from_values(cls, labels: Sequence[str], values: Sequence[np.ndarray]) -> GroupCounts:
        pooled = np.concatenate([np.asarray(v, dtype=float) for v in values])
        distinct = np.unique(pooled)
        counts = np.zeros((len(labels), distinct.size), dtype=np.int64)
        for i, v in enumerate(values):
            counts[i] = np.bincount(np.searchsorted(distinct, v), minlength=distinct.size)
        return cls(list(labels), distinct, counts)

    @classmethod
    def from_scores(cls, scores: Any, groups: Any) -> GroupCounts:
        """Counts from one score and one group label per respondent (missing ones dropped),
        groups in ``group_order``."""
        labels, values = _split(scores, groups)
        if not labels:
            return cls([], np.empty(0), np.zeros((0, 0), dtype=np.int64))
        return cls.from_values(labels, values)

    @property
    def sizes(self) -> list[int]:
        return [int(v) for v in self.counts.sum(axis=1)]

    def select(self, min_group_size: int) -> tuple[GroupCounts, list[ExcludedGroup], list[Note]]:
        """The groups large enough to test, the others, and a note naming them."""
        sizes = self.counts.sum(axis=1)
        keep = sizes >= min_group_size
        excluded = [
            ExcludedGroup(label, int(n))
            for label, n, k in zip(self.labels, sizes, keep, strict=True)
            if not k
        ]
        tested = GroupCounts(
            [lb for lb, k in zip(self.labels, keep, strict=True) if k],
            self.values,
            self.counts[keep],
        )
        return tested, excluded, excluded_note(excluded, min_group_size)


def _label(value: Any) -> str:
    """A group value as its label: whole floats without '.0', text stripped, '' if missing."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def group_index(groups: Any) -> tuple[list[str], np.ndarray]:
    """Each row's group as an index into the labels in ``group_order`` (-1 where missing).

    The same labels as ``GroupCounts.from_scores`` (whole floats without '.0', text stripped,
    missing values and empty text left out), found on the distinct values only: numeric and
    text arrays are factorised by numpy, so 100,000 rows cost one sort.

    R: ``as.integer(factor(label, levels = labels)) - 1`` (NA as -1).
    """
    values = np.asarray(groups)
    if values.ndim != 1:
        values = values.ravel()
    try:
        distinct, inverse = np.unique(values, return_inverse=True)
    except TypeError:  # mixed types (text with None or NaN): factorise by a dict
        seen: dict[Any, int] = {}
        inverse = np.fromiter(
            (seen.setdefault(v, len(seen)) for v in values.tolist()),
            dtype=np.intp,
            count=values.size,
        )
        distinct = list(seen)
    labels = [_label(v) for v in distinct]
    order = group_order(lb for lb in labels if lb != "")
    position = {lb: i for i, lb in enumerate(order)}
    code = np.array([position.get(lb, -1) for lb in labels], dtype=np.intp)
    return order, code[np.asarray(inverse, dtype=np.intp).ravel()]


def _split(scores: Any, groups: Any) -> tuple[list[str], list[np.ndarray]]:
    """Scores by group label in group_order: missing scores and empty labels dropped."""
    x = np.array(list(scores), dtype=float)
    labels = [_label(g) for g in groups]
    if len(labels) != x.size:
        raise ValueError("values and groups must have the same length")
    keep = ~np.isnan(x) & np.array([lb != "" for lb in labels], dtype=bool)
    kept_labels = [lb for lb, k in zip(labels, keep, strict=True) if k]
    order = group_order(kept_labels)
    position = {lb: i for i, lb in enumerate(order)}
    which = np.array([position[lb] for lb in kept_labels], dtype=np.intp)
    kept = x[keep]
    return order, [kept[which == i] for i in range(len(order))]
