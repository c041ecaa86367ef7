"""Human coders' columns of open-ended answers: which columns, and their cells.

When people code the answers too, each coder's theme ids are one column beside the answers
(``coding.agreement`` reads them). The instrument names them (``coders:`` on a text question)
or the command line does (``--coders CON_OPEN=coder_a,coder_b``, or ``--coders
coder_a,coder_b`` when the instrument has one text question with a codebook); a named column
the file does not have is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ipss_survey.coding.columns import ColumnMatcher
from ipss_survey.errors import DataError, name_list
from ipss_survey.instrument import Instrument

if TYPE_CHECKING:
    from ipss_survey.read import RawTable


def coder_spec(instrument: Instrument, given: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Question code -> its coders' columns: the instrument's, then each ``--coders`` value."""
    coded = [q for q in instrument.questions if q.type == "text" and q.codebook]
    out = {q.code: q.coders for q in coded if q.coders}
    for text in given:
        question, sep, columns = text.partition("=")
        if not sep:
            if len(coded) != 1:
                which = ", ".join(q.code for q in coded) or "none"
                raise DataError(
                    f"--coders {text!r}: say which question the columns code, as "
                    f"QUESTION=COL1,COL2 (open-ended questions with a codebook: {which})"
                )
            question, columns = coded[0].code, text
        question = question.strip()
        if question not in {q.code for q in coded}:
            which = ", ".join(q.code for q in coded) or "none"
            raise DataError(
                f"--coders {text!r}: {question!r} is not an open-ended question with a "
                f"codebook (those are: {which})"
            )
        names = tuple(c.strip() for c in columns.split(",") if c.strip())
        if not names:
            raise DataError(f"--coders {text!r}: name at least one coder's column")
        out[question] = names
    return out


def read_coders(
    raw: RawTable,
    matcher: ColumnMatcher,
    spec: dict[str, tuple[str, ...]],
    rows: np.ndarray,
    src: str,
) -> dict[str, dict[str, list[object]]]:
    """Question code -> {coder column: its cells for the analysed ``rows``}."""
    out: dict[str, dict[str, list[object]]] = {}
    for question, columns in spec.items():
        cells: dict[str, list[object]] = {}
        for name in columns:
            pos = matcher.find(name, "coder column")
            if pos is None:
                raise DataError(
                    f"{src}: no column {name!r} of a coder of {question!r}; columns are: "
                    f"{name_list(matcher.columns, 15)}"
                )
            values = raw.frame.iloc[rows, pos].tolist()
            cells[matcher.columns[pos]] = values
        out[question] = cells
    return out
