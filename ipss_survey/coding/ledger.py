"""The row ledger: which rows are analysed, and why each other row is not.

A row with no valid answer to any item is left out; of several rows with one respondent id,
the first submission is kept and the others are listed (``--strict`` makes a repeat an
error). With the reader's skipped rows, every row read is accounted for.
"""

from __future__ import annotations

import numpy as np

from ipss_survey.coding.text_columns import TextColumn
from ipss_survey.errors import DataError
from ipss_survey.read import ExcludedRow


def ledger(
    answered: np.ndarray,
    ids: TextColumn,
    row_no: np.ndarray,
    src: str,
    strict: bool,
    left_out: dict[int, str] | None = None,
) -> tuple[np.ndarray, list[ExcludedRow]]:
    """Rows kept, and every row left out with its reason (first submission of an id wins).

    ``left_out`` maps a row position to a reason decided before the answers are looked at
    (a platform's test response, a ``--where`` filter); each row gets one reason.
    """
    left_out = left_out or {}
    free = np.ones(answered.shape, dtype=bool)  # rows no earlier reason left out
    free[list(left_out)] = False
    excluded = [
        ExcludedRow(int(row_no[i]), ids.texts[ids.idx[i]], why) for i, why in left_out.items()
    ]
    excluded += [
        ExcludedRow(int(row_no[i]), ids.texts[ids.idx[i]], "no item answered")
        for i in np.flatnonzero(free & ~answered)
    ]
    keep = answered & free
    key = ids.keys()
    candidates = np.flatnonzero(keep & (key >= 0))
    cand_keys = key[candidates]
    if cand_keys.size and np.bincount(cand_keys).max() > 1:
        order = np.argsort(cand_keys, kind="stable")  # by id, then by row
        sorted_keys = cand_keys[order]
        run_start = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        first_of = candidates[order[run_start]]  # first row of each id
        first_row = dict(zip(sorted_keys[run_start].tolist(), first_of.tolist(), strict=True))
        for i in np.sort(candidates[order[~run_start]]).tolist():
            rid = ids.texts[ids.idx[i]]
            first = int(row_no[first_row[int(key[i])]])
            if strict:
                raise DataError(
                    f"{src}: row {int(row_no[i])}: duplicate respondent id {rid!r} (first in "
                    f"row {first}); remove the repeated submission or drop --strict"
                )
            keep[i] = False
            excluded.append(
                ExcludedRow(int(row_no[i]), rid, f"duplicate respondent id (first in row {first})")
            )
    excluded.sort(key=lambda e: e.row)
    return keep, excluded
