"""What a statistic could not do, said rather than raised.

A statistic that cannot be computed (too few items, no variance, a group too small) returns
None for the number and a ``Note`` saying why; the pipeline turns notes into the run's
warnings. Every code is declared here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoteCode(StrEnum):
    # reliability
    ITEM_NO_VARIANCE = "item_no_variance"
    TOO_FEW_ITEMS = "too_few_items"
    FEWER_RESPONDENTS_THAN_ITEMS = "fewer_respondents_than_items"
    TOO_FEW_PAIRS = "too_few_pairs"
    NEGATIVE_ALPHA = "negative_alpha"
    NO_INTERVAL = "no_interval"
    OMEGA_NOT_ESTIMATED = "omega_not_estimated"
    OMEGA_ITEMS_REVERSED = "omega_items_reversed"
    OMEGA_HEYWOOD = "omega_heywood"
    # acceptance tests
    NO_TRIALS = "no_trials"
    NO_SCORES = "no_scores"
    ALL_ZERO = "all_zero"
    # group tests
    GROUPS_EXCLUDED = "groups_excluded"
    TOO_FEW_GROUPS = "too_few_groups"
    NO_VARIANCE = "no_variance"
    NOT_TWO_GROUPS = "not_two_groups"
    EMPTY_MARGIN = "empty_margin"
    AGREEMENT_CONSTANT = "agreement_constant"
    SMALL_EXPECTED_COUNTS = "small_expected_counts"
    # coder agreement (Cohen's kappa, Krippendorff's alpha)
    THEME_NOT_USED = "theme_not_used"
    AGREEMENT_UNDEFINED = "agreement_undefined"
    TOO_FEW_CODED = "too_few_coded"
    # change between waves
    NO_PAIRS = "no_pairs"
    NO_DISCORDANT_PAIRS = "no_discordant_pairs"
    # agreement within groups
    GROUP_TOO_SMALL = "group_too_small"
    RWG_TRUNCATED = "rwg_truncated"
    # design-based (survey-weighted) statistics
    LONELY_PSU = "lonely_psu"
    NO_DEGREES_OF_FREEDOM = "no_degrees_of_freedom"


@dataclass(frozen=True)
class Note:
    """Why a statistic is missing or to be read with care; ``items``/``groups`` name what."""

    code: str  # a NoteCode (the pipeline adds a few notes of its own with a WarningCode)
    message: str
    items: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
