"""What scoring reports of each item and construct, overall and per group.

These are the ``items``, ``constructs`` and ``groups`` entries of results.json (field names
and order are the contract, ``docs/results.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ipss_survey.jsonform import OMIT_NONE
from ipss_survey.scoring.choices import ChoiceSummary


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
    """One group's constructs and items (``groups[]``; only with ``--group``)."""

    group: str
    n: int
    constructs: list[ConstructStats]
    items: list[ItemStats] = field(default_factory=list)
    # Only when the instrument has such questions:
    multiple_choice: list[ChoiceSummary] | None = field(default=None, metadata=OMIT_NONE)
    categories: list[ChoiceSummary] | None = field(default=None, metadata=OMIT_NONE)
