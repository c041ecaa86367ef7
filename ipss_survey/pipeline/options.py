"""Every option that shapes a run's numbers, checked once; recorded in results.json."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ipss_survey.coding.design_columns import DesignSpec
from ipss_survey.coding.filters import RowFilter, parse_filter
from ipss_survey.errors import DataError
from ipss_survey.stats.design import LONELY_PSU_POLICIES
from ipss_survey.stats.groups import MIN_GROUP_SIZE
from ipss_survey.stats.padjust import METHODS as P_ADJUST_METHODS


@dataclass(frozen=True)
class Options:
    """What ``analyze`` does beyond reading the file: grouping, tests, thresholds, columns.

    The names are the command line's long options with underscores for dashes.
    """

    group: str | None = None
    threshold: float = 50.0
    alpha: float = 0.05
    p_adjust: str = "holm"
    min_answered: float = 0.5
    min_group_size: int = MIN_GROUP_SIZE
    strict: bool = False
    columns: str | None = None
    id_column: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 1
    where: tuple[str, ...] = ()  # row filters, all of which must hold (``coding.filters``)
    keep_test_responses: bool = False  # analyse a platform's preview and test responses too
    weight: str | None = None  # the survey design's columns (``coding.design_columns``)
    strata: str | None = None
    cluster: str | None = None
    lonely_psu: str = "fail"  # R's options(survey.lonely.psu), R's default
    coders: tuple[str, ...] = ()  # human coders' columns of open answers (``coding.coder_columns``)
    rwg_cutoff: float = 0.70  # rwg below which a panel's item is flagged as disagreed

    def check(self) -> None:
        """Refuse an option value that cannot be meant, naming the option and its range."""
        if not 0 < self.threshold < 100:
            raise DataError(
                f"--threshold must lie between 0 and 100 (percent), not {self.threshold:g}"
            )
        if not 0 < self.alpha < 1:
            raise DataError(f"--alpha must lie between 0 and 1, not {self.alpha:g}")
        if self.p_adjust not in P_ADJUST_METHODS:
            raise DataError(
                f"--p-adjust must be one of {', '.join(P_ADJUST_METHODS)}, not {self.p_adjust!r}"
            )
        if not 0 < self.min_answered <= 1:
            raise DataError(
                f"--min-answered is the share of a construct's items a respondent "
                f"must answer, between 0 and 1 (default 0.5), not "
                f"{self.min_answered:g}"
            )
        if self.header_row < 1:
            raise DataError(f"--header-row counts from 1 (the first row), not {self.header_row}")
        if self.min_group_size < 1:
            raise DataError(f"--min-group-size must be at least 1, not {self.min_group_size}")
        self.filters()  # a malformed --where fails before the file is read
        if not 0 < self.rwg_cutoff <= 1:
            raise DataError(f"--rwg-cutoff must lie between 0 and 1, not {self.rwg_cutoff:g}")
        if self.lonely_psu not in LONELY_PSU_POLICIES:
            raise DataError(
                f"--lonely-psu must be one of {', '.join(LONELY_PSU_POLICIES)}, not "
                f"{self.lonely_psu!r}"
            )

    def design(self) -> DesignSpec:
        return DesignSpec(self.weight, self.strata, self.cluster, self.lonely_psu)

    def filters(self) -> list[RowFilter]:
        return [parse_filter(w) for w in self.where]

    def recorded(self) -> dict[str, Any]:
        """The options as results.json records them (a column map by its file name only)."""
        out = asdict(self)
        out["columns"] = Path(self.columns).name if self.columns else None
        out["where"] = list(self.where)
        out["coders"] = list(self.coders)
        return out
