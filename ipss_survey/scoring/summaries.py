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
    """Answers to one item as given (reverse-keyed items not flipped, except pct_favourable).

    Each mean and percentage has its standard error beside it (``se_*``, same units): iid
    without a design, design-based with one; ``counts`` are answers as counted, and
    ``weighted_counts`` (designs with weights only) their weights' sums.
    """

    code: str
    dimension: str
    subdimension: str | None
    text: str
    reverse: bool
    n: int
    n_weighted: float
    missing: int
    mean: float | None
    se_mean: float | None
    sd: float | None
    median: float | None
    counts: dict[str, int]
    pct_agree: float | None
    se_pct_agree: float | None
    pct_neutral: float | None
    se_pct_neutral: float | None
    pct_disagree: float | None
    se_pct_disagree: float | None
    pct_favourable: float | None
    se_pct_favourable: float | None
    weighted_counts: dict[str, float] | None = field(default=None, metadata=OMIT_NONE)


@dataclass
class RespondentsAgreeing:
    """Respondents whose score lies in the agreement range (at least the lowest agreement
    code, or at most the highest where agreement is the bottom of the scale): ``count`` of
    ``n`` respondents with a score, ``pct`` (weighted with a design) and its ``se_pct``."""

    count: int
    n: int
    pct: float | None
    se_pct: float | None


@dataclass
class ConstructStats:
    """A dimension or sub-dimension: respondents' scores and pooled acceptance.

    ``pct_agree`` is the construct's acceptance: agreeing valid keyed answers over all valid
    answers to its items (``answers``), its standard error and logit interval ``ci_pct_agree``
    (percent) treating each respondent (or the design's cluster) as a cluster of answers.
    """

    id: str
    level: str
    name: str
    parent: str | None
    items: list[str]
    n: int
    n_weighted: float
    mean: float | None
    se_mean: float | None
    sd: float | None
    median: float | None
    answers: int
    pct_agree: float | None
    se_pct_agree: float | None
    ci_pct_agree: list[float] | None
    acceptance_range: list[float] | None
    pct_neutral: float | None
    se_pct_neutral: float | None
    pct_disagree: float | None
    se_pct_disagree: float | None
    respondents_agreeing: RespondentsAgreeing | None = field(default=None, metadata=OMIT_NONE)


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
