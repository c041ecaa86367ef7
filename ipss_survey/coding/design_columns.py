"""The survey design's columns: weights, strata and clusters of the analysed rows.

A national survey's rows are not a simple random sample: each carries a weight (how many
people it stands for), a stratum (the region it was drawn in) and a cluster (the district or
municipality drawn first). ``--weight``, ``--strata`` and ``--cluster`` name those columns;
this module reads them for the rows that are analysed and builds the design
(``stats.design.survey_design``), turning every value the design cannot use into one error
that names the file, the column, the data rows and what to do. Rows left out of the analysis
(no answer, filtered) are not checked: their weights do not enter any figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.coding.columns import ColumnMatcher
from ipss_survey.coding.text_columns import UserMissing, text_column
from ipss_survey.errors import DataError, name_list
from ipss_survey.stats.design import (
    LONELY_PSU_POLICIES,
    LonelyPSUError,
    SurveyDesign,
    survey_design,
)

if TYPE_CHECKING:
    from ipss_survey.read import RawTable


@dataclass(frozen=True)
class DesignSpec:
    """What the command line named: the design's columns and the lonely-PSU policy."""

    weight: str | None = None
    strata: str | None = None
    cluster: str | None = None
    lonely_psu: str = "fail"

    @property
    def given(self) -> bool:
        return bool(self.weight or self.strata or self.cluster)


@dataclass(frozen=True)
class DesignColumns:
    """The design of the analysed rows and the file columns it was read from."""

    design: SurveyDesign
    weight: str | None
    strata: str | None
    cluster: str | None


def _rows(row_no: np.ndarray, bad: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in row_no[bad[:10]])
    more = f" and {bad.size - 10} more" if bad.size > 10 else ""
    return f"data row(s) {shown}{more}"


def _find(matcher: ColumnMatcher, name: str, option: str, src: str) -> int:
    pos = matcher.find(name, f"the {option} column")
    if pos is None:
        raise DataError(
            f"{src}: no column {name!r} for {option}; columns are: {name_list(matcher.columns, 15)}"
        )
    return pos


def _missing(raw: RawTable, column: str) -> UserMissing:
    return UserMissing(
        frozenset(raw.user_missing.get(column, [])), tuple(raw.missing_ranges.get(column, []))
    )


def _weights(raw: RawTable, pos: int, rows: np.ndarray, row_no: np.ndarray, src: str) -> np.ndarray:
    """The weight column as numbers; a missing, declared-missing or non-numeric value, or one
    that is not positive and finite, is an error naming its rows."""
    import pandas as pd

    name = str(raw.frame.columns[pos])
    cells = raw.frame.iloc[rows, pos]
    if pd.api.types.is_numeric_dtype(cells.dtype):
        w = cells.to_numpy(dtype=float, na_value=np.nan)
    else:  # text: a decimal comma as some spreadsheets write it
        text = cells.astype("string").str.strip()
        values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        w = values.to_numpy(dtype=float, na_value=np.nan)
    declared = _missing(raw, name)
    if declared.values or declared.ranges:
        held = np.array([declared.holds(v) for v in cells.tolist()], dtype=bool)
        w[held] = np.nan
    bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
    if bad.size:
        seen = sorted({str(v) for v in cells.iloc[bad[:50]].tolist()})[:5]
        raise DataError(
            f"{src}: column {name!r} (--weight): {bad.size} analysed row(s) have a weight that "
            f"is missing, zero, negative or not a number ({_rows(row_no[rows], bad)}; values "
            f"{', '.join(repr(v) for v in seen)}); every analysed row needs a positive weight: "
            "fix those cells, or leave the rows out with --where"
        )
    return w


def _labels(
    raw: RawTable, pos: int, rows: np.ndarray, row_no: np.ndarray, src: str, option: str
) -> np.ndarray:
    """A stratum or cluster column as text; an empty or declared-missing cell is an error."""
    name = str(raw.frame.columns[pos])
    column = text_column(raw.frame.iloc[:, pos], raw.value_labels.get(name), _missing(raw, name))
    values = column.rows(rows)
    bad = np.flatnonzero(np.array([v is None for v in values.tolist()], dtype=bool))
    if bad.size:
        raise DataError(
            f"{src}: column {name!r} ({option}): {bad.size} analysed row(s) have no value "
            f"({_rows(row_no[rows], bad)}); a design needs one for every row: fill them in, or "
            "leave the rows out with --where"
        )
    return values


def read_design(
    raw: RawTable,
    matcher: ColumnMatcher,
    spec: DesignSpec,
    rows: np.ndarray,
    row_no: np.ndarray,
    src: str,
) -> DesignColumns | None:
    """The design of the analysed ``rows`` (positions in the table), or None without one.

    ``row_no`` are the table's 1-based data row numbers, for messages.
    """
    if not spec.given:
        return None
    if spec.lonely_psu not in LONELY_PSU_POLICIES:
        raise DataError(
            f"--lonely-psu must be one of {', '.join(LONELY_PSU_POLICIES)}, not {spec.lonely_psu!r}"
        )
    names: dict[str, Any] = {}
    weights = strata = clusters = None
    if spec.weight:
        pos = _find(matcher, spec.weight, "--weight", src)
        names["weight"] = matcher.columns[pos]
        weights = _weights(raw, pos, rows, row_no, src)
    if spec.strata:
        pos = _find(matcher, spec.strata, "--strata", src)
        names["strata"] = matcher.columns[pos]
        strata = _labels(raw, pos, rows, row_no, src, "--strata")
    if spec.cluster:
        pos = _find(matcher, spec.cluster, "--cluster", src)
        names["cluster"] = matcher.columns[pos]
        clusters = _labels(raw, pos, rows, row_no, src, "--cluster")
    try:
        design = survey_design(
            rows.size, weights=weights, strata=strata, clusters=clusters, lonely_psu=spec.lonely_psu
        )
    except LonelyPSUError as exc:
        which = ", ".join(repr(s) for s in exc.strata[:10])
        raise DataError(
            f"{src}: column {names.get('strata')!r} (--strata): stratum {which} has a single "
            f"cluster ({_rows(row_no[rows], np.asarray(exc.rows))}), so its variance cannot be "
            "estimated; choose how to treat it with --lonely-psu adjust|average|remove|"
            "certainty (R's options(survey.lonely.psu)), or merge it with a neighbouring stratum"
        ) from None
    return DesignColumns(design, names.get("weight"), names.get("strata"), names.get("cluster"))
