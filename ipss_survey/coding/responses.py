"""Validate and code: turn raw cells into compact response codes, and account for every row.

Cells may hold codes, label text or (for SPSS/Stata/SAS) labelled values; each distinct cell
value is interpreted once (``cells``) and the answer matrix is filled by lookup, so the cost
does not grow with the number of distinct respondents' quirks. The matrix is filled a block
of rows at a time: rows x items bytes, with no second copy. Ids and groups are worked out
once per distinct value as well (``text_columns``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ipss_survey.coding.cells import (
    BLANK,
    CellCoder,
    ColumnValues,
    cell_warnings,
    check_mostly_answers,
)
from ipss_survey.coding.coded import MISSING, CodedData
from ipss_survey.coding.coder_columns import coder_spec, read_coders
from ipss_survey.coding.columns import ColumnMatcher, missing_columns_hint
from ipss_survey.coding.design_columns import DesignSpec, read_design
from ipss_survey.coding.filters import RowFilter, filter_rows
from ipss_survey.coding.ledger import ledger
from ipss_survey.coding.questions import read_questions
from ipss_survey.coding.text_columns import (
    TextColumn,
    UserMissing,
    factorize,
    merge_spellings,
    narrow,
    text_column,
)
from ipss_survey.errors import DataError, name_list
from ipss_survey.instrument import Instrument, Item, normalise_label
from ipss_survey.warnings import RunWarning, WarningCode

if TYPE_CHECKING:
    from ipss_survey.read import RawTable


def code_responses(
    raw: RawTable,
    instrument: Instrument,
    *,
    column_map: dict[str, str] | None = None,
    group: str | None = None,
    id_column: str | None = None,
    strict: bool = False,
    where: Sequence[RowFilter] = (),
    keep_test_responses: bool = False,
    design: DesignSpec | None = None,
    coders: Sequence[str] = (),
) -> CodedData:
    """Match columns, code every answer, and build the row ledger.

    Every row the reader met is accounted for: ``rows_read`` = analysed + excluded, where the
    excluded rows include the blank and repeated header rows the reader skipped, a platform's
    test responses (unless ``keep_test_responses``) and the rows ``where`` filters remove.
    ``design`` names the weight, strata and cluster columns (``design_columns``), ``coders``
    human coders' columns of open-ended answers (``coder_columns``).
    """
    coder_columns = coder_spec(instrument, coders)
    src = raw.where or raw.source
    columns = [str(c) for c in raw.frame.columns]
    matcher = ColumnMatcher(columns, column_map, src, raw.layout)
    if column_map:
        named = _names_looked_up(instrument, raw, group, id_column, where, design, coder_columns)
        matcher.check_targets(named, [it.code for it in instrument.items], instrument.id)
    warnings = list(matcher.warnings)
    n = len(raw.frame)
    row_no = (
        np.asarray(raw.row_numbers, dtype=np.int64)
        if raw.row_numbers is not None
        else np.arange(1, n + 1, dtype=np.int64)
    )
    positions = _item_columns(raw, instrument, matcher, src)
    codes, answered = _answers(raw, instrument, positions, strict, row_no, warnings)

    # ---- respondent ids, groups and the row ledger
    ids = _id_column(raw, instrument, matcher, src, id_column)
    group_col, groups_all = _group_column(raw, matcher, src, group)
    if groups_all is not None:
        groups_all, merged = merge_spellings(groups_all, _option_labels(instrument, group or ""))
        warnings += [
            RunWarning(
                WarningCode.GROUP_SPELLINGS_MERGED,
                f"{group_col!r}: {', '.join(repr(v) for v in others)} counted as {label!r} "
                "(group labels are matched ignoring case and spaces)",
            )
            for label, others in merged
        ]
    left_out = filter_rows(raw, matcher, where, src)
    layout = raw.layout
    if layout is not None and layout.test_rows is not None and not keep_test_responses:
        for i in np.flatnonzero(layout.test_rows).tolist():
            left_out.setdefault(i, layout.test_reason)
    questions, more = read_questions(raw, instrument.questions, matcher, src)
    warnings.extend(more)
    keep, excluded = ledger(answered, ids, row_no, src, strict, left_out)
    if raw.skipped:
        excluded = sorted(list(raw.skipped) + excluded, key=lambda e: e.row)
    if not keep.any():
        if where:
            raise DataError(
                f"{src}: no row with a valid answer passes the --where filters ({n} row(s) "
                "read); check the filters' columns and values"
            )
        raise DataError(
            f"{src}: no row has any valid answer to the instrument's items "
            f"({n} row(s) read); check the --instrument and the scale codes"
        )
    rows = np.flatnonzero(keep)
    everyone = rows.size == n
    design_columns = read_design(raw, matcher, design or DesignSpec(), rows, row_no, src)
    coder_cells = read_coders(raw, matcher, coder_columns, rows, src)
    groups = None
    if groups_all is not None:
        groups = groups_all.rows(None if everyone else rows).tolist()
        keys = groups_all.keys()
        empty = int(np.count_nonzero((keys if everyone else keys[rows]) < 0))
        if empty:
            warnings.append(
                RunWarning(
                    WarningCode.EMPTY_GROUP,
                    f"{empty} analysed row(s) have no value in {group_col!r}: they are "
                    "left out of per-group results and group tests",
                    count=empty,
                )
            )
    return CodedData(
        codes=codes if everyone else codes[rows],
        item_codes=[it.code for it in instrument.items],
        row_numbers=row_no[rows],
        ids=ids.rows(None if everyone else rows).tolist(),
        groups=groups,
        group_column=group_col,
        rows_read=n + len(raw.skipped),
        excluded=excluded,
        warnings=list(raw.warnings) + warnings,
        columns={it.code: columns[p] for it, p in zip(instrument.items, positions, strict=True)},
        layout=layout.label if layout is not None else "",
        rows=rows,
        questions={code: q.subset(rows) for code, q in questions.items()},
        design=design_columns,
        coders=coder_cells,
    )


def _answers(
    raw: RawTable,
    instrument: Instrument,
    positions: list[int],
    strict: bool,
    row_no: np.ndarray,
    warnings: list[RunWarning],
) -> tuple[np.ndarray, np.ndarray]:
    """Every item's answers coded: the answer matrix and which rows answered any item; each
    item's warnings are added to ``warnings``."""
    src = raw.where or raw.source
    columns = [str(c) for c in raw.frame.columns]
    per_item: list[tuple[np.ndarray, np.ndarray]] = []  # (cell value per row, code lookup)
    for item, pos in zip(instrument.items, positions, strict=True):
        col = columns[pos]
        lookup, more = _code_item(raw, item, pos, col, f"{src}: column {col!r}", strict, row_no)
        per_item.append(lookup)
        warnings.extend(more)
    return _answer_matrix(per_item, len(raw.frame))


def _code_item(
    raw: RawTable, item: Item, pos: int, col: str, where: str, strict: bool, row_no: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], list[RunWarning]]:
    """One item's column: the (index, table) lookup of its codes, and its warnings."""
    um = raw.user_missing.get(col, [])
    coder = CellCoder(
        item.scale,
        raw.value_labels.get(col),
        {float(v) for v in um if isinstance(v, int | float)}
        | {v for v in um if isinstance(v, str)},
        raw.missing_ranges.get(col, []),
    )
    idx, uniques = factorize(raw.frame.iloc[:, pos])
    # One interpretation per distinct value; the last slot is for empty (NA) cells.
    mapped = np.array([coder(u) for u in uniques] + [BLANK], dtype=np.int16)
    as_code = np.where(mapped > -1000, mapped, MISSING).astype(np.int8)
    values = ColumnValues(idx, uniques, mapped, _value_counts(idx, len(mapped)))
    check_mostly_answers(item.code, item.scale, values, where)
    warnings = cell_warnings(item.code, item.scale, values, coder, strict, where, row_no)
    return _lookup(narrow(idx, len(uniques)), as_code), warnings


def _id_column(
    raw: RawTable, instrument: Instrument, matcher: ColumnMatcher, src: str, id_column: str | None
) -> TextColumn:
    """The respondent ids: ``--id``, else the instrument's ``respondent_id``, else the id the
    platform's export carries (Qualtrics ResponseId, Kobo _uuid ...), else none."""
    wanted = id_column or instrument.respondent_id
    pos = matcher.find(wanted, "the respondent id") if wanted else None
    if pos is None and id_column:
        raise DataError(
            f"{src}: columns: no respondent id column {id_column!r}; columns are: "
            f"{name_list(matcher.columns, 15)}; give one of them to --id"
        )
    if pos is None and raw.layout is not None:
        for candidate in raw.layout.id_columns:
            pos = matcher.find(candidate, "the respondent id")
            if pos is not None:
                break
    if pos is None:
        return TextColumn.empty(len(raw.frame))
    name = matcher.columns[pos]
    return text_column(raw.frame.iloc[:, pos], raw.value_labels.get(name), _missing(raw, name))


def _missing(raw: RawTable, column: str) -> UserMissing:
    """The column's declared missing values (SPSS/Stata), as the id and group columns use."""
    return UserMissing(
        frozenset(raw.user_missing.get(column, [])), tuple(raw.missing_ranges.get(column, []))
    )


def _group_column(
    raw: RawTable, matcher: ColumnMatcher, src: str, group: str | None
) -> tuple[str | None, TextColumn | None]:
    """The ``--group`` column's name in the file and its values, or (None, None)."""
    if not group:
        return None, None
    pos = matcher.find(group, "the group column")
    if pos is None:
        raise DataError(
            f"{src}: no column {group!r} to group by; columns are: "
            f"{name_list(matcher.columns, 15)}; give one of them to --group"
        )
    name = matcher.columns[pos]
    return name, text_column(
        raw.frame.iloc[:, pos], raw.value_labels.get(name), _missing(raw, name)
    )


def _names_looked_up(
    instrument: Instrument,
    raw: RawTable,
    group: str | None,
    id_column: str | None,
    where: Sequence[RowFilter],
    design: DesignSpec | None,
    coders: dict[str, tuple[str, ...]],
) -> list[str]:
    """Every name a run looks a column up by: the instrument's item and question codes (a
    multi-select question's per-option columns too), its respondent id, a platform's id
    columns and the columns the options name."""
    names = [it.code for it in instrument.items]
    for q in instrument.questions:
        names.append(q.code)
        names += [f"{q.code}{sep}{o.code}" for o in q.options for sep in ("/", ".", "_")]
        names += [f"{q.code}[{o.code}]" for o in q.options]
    names += [n for n in (instrument.respondent_id, group, id_column) if n]
    names += list(raw.layout.id_columns) if raw.layout is not None else []
    names += [f.column for f in where]
    if design is not None:
        names += [n for n in (design.weight, design.strata, design.cluster) if n]
    names += [c for cols in coders.values() for c in cols]
    return names


def _option_labels(instrument: Instrument, column: str) -> dict[str, str]:
    """A categorical question's options as group labels: every code and label -> its label."""
    for q in instrument.questions:
        if q.type == "categorical" and normalise_label(q.code) == normalise_label(column):
            return {normalise_label(t): o.label for o in q.options for t in (o.code, *o.labels)}
    return {}


def _lookup(idx: np.ndarray, as_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index, table) with ``table[index]`` the code of each cell; -1 (empty) takes the last
    slot of ``as_code``. Small codes are read unsigned (-1 becomes the table's last entry),
    which numpy looks up about three times faster than negative indices."""
    if idx.dtype in (np.int8, np.int16):
        unsigned = idx.view(np.uint8 if idx.dtype == np.int8 else np.uint16)
        table = np.full(1 << (8 * idx.dtype.itemsize), MISSING, dtype=np.int8)
        table[: as_code.size - 1] = as_code[:-1]
        table[-1] = as_code[-1]
        return unsigned, table
    return np.where(idx < 0, as_code.size - 1, idx), as_code


def _value_counts(idx: np.ndarray, slots: int) -> np.ndarray:
    """How many cells hold each distinct value; the last slot counts the empty (-1) cells."""
    if slots <= 16:  # a few answer values: one comparison each beats a general count
        counts = np.array([np.count_nonzero(idx == v) for v in range(slots - 1)] + [0])
        counts[-1] = idx.size - counts[:-1].sum()
        return counts
    if idx.dtype in (np.int8, np.int16):  # -1 becomes the largest unsigned value
        unsigned = idx.view(np.uint8 if idx.dtype == np.int8 else np.uint16)
        counts = np.bincount(unsigned, minlength=1 << (8 * idx.dtype.itemsize))
        return np.append(counts[: slots - 1], counts[-1])
    return np.roll(np.bincount(idx.astype(np.intp) + 1, minlength=slots), -1)


def _answer_matrix(
    per_item: list[tuple[np.ndarray, np.ndarray]], n: int, block: int = 16_384
) -> tuple[np.ndarray, np.ndarray]:
    """The (rows x items) int8 code matrix, row-major, and which rows answered any item.

    Filled a block of rows at a time, all items per block, so each block stays in cache and
    no second, column-major copy of the matrix is ever made.
    """
    codes = np.empty((n, len(per_item)), dtype=np.int8)
    answered = np.empty(n, dtype=bool)
    scratch = np.empty((len(per_item), min(block, max(n, 1))), dtype=np.int8)
    for start in range(0, n, block):
        stop = min(start + block, n)
        part = scratch[:, : stop - start]
        for j, (index, table) in enumerate(per_item):
            np.take(table, index[start:stop], out=part[j], mode="clip")
        codes[start:stop] = part.T
        # MISSING is the smallest int8: a row answered something if its largest code is not.
        top = codes[start:stop].max(axis=1, initial=MISSING)
        np.greater(top, MISSING, out=answered[start:stop])
    return codes, answered


def _item_columns(
    raw: RawTable, instrument: Instrument, matcher: ColumnMatcher, src: str
) -> list[int]:
    """The file column of every item (by name, alias or wording), and at least one data row."""
    found = [matcher.find(it.code, "item", it.text) for it in instrument.items]
    missing_cols = [it.code for it, p in zip(instrument.items, found, strict=True) if p is None]
    if missing_cols:
        item_codes = [it.code for it in instrument.items]
        hint = missing_columns_hint(raw, matcher, item_codes, missing_cols)
        if len(missing_cols) == len(item_codes):
            raise DataError(
                f"{src}: columns: none of the {len(item_codes)} item column(s) of instrument "
                f"{instrument.id!r} is in the file; {hint}"
            )
        raise DataError(
            f"{src}: columns: {len(missing_cols)} item column(s) of instrument "
            f"{instrument.id!r} are missing: {name_list(missing_cols, 20)}; {hint}"
        )
    if len(raw.frame) == 0:
        if raw.skipped:
            raise DataError(
                f"{src}: no data rows: the {len(raw.skipped)} row(s) after the header are blank "
                "or repeat the header; check that this is the file with the answers"
            )
        raise DataError(
            f"{src}: the file has a header row but no data rows; check that this is the export "
            "with the answers"
        )
    return [p for p in found if p is not None]
