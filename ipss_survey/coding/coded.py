"""What coding produces: every analysed row's answers as small codes, with the row ledger.

Answers are held as ``int8`` codes with ``MISSING`` as the marker for no valid answer, in one
row-major (rows x items) matrix: rows x items bytes, so a million respondents and 94 items
take 94 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ipss_survey.read import ExcludedRow
from ipss_survey.warnings import RunWarning

if TYPE_CHECKING:
    from ipss_survey.coding.design_columns import DesignColumns
    from ipss_survey.coding.questions import QuestionAnswers

MISSING = np.int8(-128)


@dataclass
class CodedData:
    """Answers of the analysed rows, as given (not reverse-keyed), with the row ledger."""

    codes: np.ndarray  # (rows analysed) x (items), int8, MISSING for no valid answer
    item_codes: list[str]
    row_numbers: np.ndarray  # 1-based data row of each analysed row
    ids: list[str | None]
    groups: list[str | None] | None
    group_column: str | None
    rows_read: int
    excluded: list[ExcludedRow] = field(default_factory=list)
    warnings: list[RunWarning] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # item code -> file column
    layout: str = ""  # the platform layout recognised ("" for a plain table)
    rows: np.ndarray | None = None  # positions in the read table of the analysed rows
    questions: dict[str, QuestionAnswers] = field(default_factory=dict)  # analysed rows only
    design: DesignColumns | None = None  # weights, strata, clusters of the analysed rows
    # text question code -> {coder's column: its cells}, analysed rows only
    coders: dict[str, dict[str, list[object]]] = field(default_factory=dict)
