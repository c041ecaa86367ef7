"""Validate and code: turn raw cells into compact response codes, and account for every row.

Cells may hold codes, label text or (for SPSS/Stata/SAS) labelled values; each distinct cell
value is interpreted once and the answer matrix is filled by lookup, so the cost does not grow
with the number of distinct respondents' quirks. Answers are held as ``int8`` codes with
``MISSING`` as the marker for no valid answer, in one row-major (rows x items) matrix filled a
block of rows at a time: rows x items bytes, with no second copy (a million respondents and 94
items take 94 MB). Ids and groups are worked out once per distinct value as well.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.errors import DataError
from ipss_survey.instrument import Instrument, Scale, normalise_column, normalise_label
from ipss_survey.readers import one_line

if TYPE_CHECKING:
    from ipss_survey.readers import RawTable

MISSING = np.int8(-128)

# Interpretation of one distinct cell value.
# Outside any code a scale may use (-100..100).
_BLANK, _MISSING_CODE, _OUT_OF_RANGE, _UNKNOWN_LABEL = -1001, -1002, -1003, -1004
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_QUOTES_OPEN = "\"'\u201c\u2018\u00ab"
_QUOTES_CLOSE = "\"'\u201d\u2019\u00bb"
_CODE_AND_LABEL = re.compile(r"^\s*([+-]?\d+)\s*(?:[-:.)=]|\s)\s*(\S.*)$")


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
    excluded: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # item code -> file column


def load_column_map(path: str | Path) -> dict[str, str]:
    """A mapping file: YAML ``file column: instrument code`` pairs (loaded safely)."""
    import yaml

    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError(f"{p}: no such column mapping file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot be read as UTF-8 text ({exc})") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if isinstance(doc, dict) and set(doc) == {"columns"}:
        doc = doc["columns"]
    if not isinstance(doc, dict) or not doc:
        raise DataError(
            f"{p}: expected a mapping of 'file column: instrument code' lines, e.g. 'Q1: LEA01'"
        )
    out: dict[str, str] = {}
    for k, v in doc.items():
        if not isinstance(v, str | int) or isinstance(v, bool) or str(v).strip() == "":
            raise DataError(f"{p}: {k}: expected an instrument code or column name, found {v!r}")
        out[str(k).strip()] = str(v).strip()
    return out


class _CellCoder:
    """Interprets distinct cell values of one column against one scale."""

    def __init__(
        self,
        scale: Scale,
        value_labels: dict[Any, str] | None,
        user_missing: set[float],
        missing_ranges: list[tuple[float, float]],
    ) -> None:
        self.scale = scale
        self.points = set(scale.points)
        self.missing = set(scale.missing)
        self.by_label = {normalise_label(t): c for c, t in scale.labels.items()}
        self.value_labels = value_labels or {}
        self.user_missing = user_missing
        self.missing_ranges = missing_ranges
        self.relabelled: Counter[tuple[Any, int]] = Counter()

    def number(self, x: float) -> int:
        if not math.isfinite(x):  # inf cannot be a code (and math.floor(inf) raises)
            return _OUT_OF_RANGE
        if any(lo <= x <= hi for lo, hi in self.missing_ranges) or x in self.user_missing:
            return _MISSING_CODE
        if x != math.floor(x):
            return _OUT_OF_RANGE
        c = int(x)
        if c in self.points:
            return c
        return _MISSING_CODE if c in self.missing else _OUT_OF_RANGE

    def text(self, s: str) -> int:
        t = normalise_label(s)
        if not t:
            return _BLANK
        if t in self.by_label:
            c = self.by_label[t]
            return c if c in self.points else _MISSING_CODE
        if _NUMBER.match(t):
            return self.number(float(t.replace(",", ".")))
        m = _CODE_AND_LABEL.match(t)
        if m and self.by_label.get(m.group(2).strip()) == int(m.group(1)):
            return self.number(float(m.group(1)))
        if len(t) > 2 and t[0] in _QUOTES_OPEN and t[-1] in _QUOTES_CLOSE:
            return self.text(t[1:-1])  # a label pasted with its quotes: "Agree"
        return _UNKNOWN_LABEL

    def __call__(self, value: Any) -> int:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return _BLANK
        if isinstance(value, bool):
            return _UNKNOWN_LABEL
        if value in self.value_labels and value not in self.user_missing:
            label = normalise_label(self.value_labels[value])
            if label in self.by_label:
                code = self.by_label[label]
                if isinstance(value, int | float) and code != value:
                    self.relabelled[(value, code)] += 1
                return code if code in self.points else _MISSING_CODE
        if isinstance(value, int | float | np.integer | np.floating):
            return self.number(float(value))
        if isinstance(value, str) and value in self.user_missing:
            return _MISSING_CODE
        return self.text(str(value))


def _match_columns(
    columns: list[str], column_map: dict[str, str] | None, source: str
) -> tuple[dict[str, list[int]], list[dict[str, Any]]]:
    """normalised target name -> positions of the file columns that carry it (after mapping).

    Two columns with the same name are only an error when that name is needed (an item, the
    id or the group column): a file may well repeat a "Comment" column nobody asked for.
    """
    warnings: list[dict[str, Any]] = []
    renamed: dict[int, str] = {}
    if column_map:
        by_norm: dict[str, list[int]] = {}
        for j, c in enumerate(columns):
            by_norm.setdefault(normalise_column(c), []).append(j)
        for src, dst in column_map.items():
            cols = by_norm.get(normalise_column(src))
            if not cols:
                warnings.append(
                    {
                        "code": "mapped_column_absent",
                        "message": f"the column mapping names {src!r}, which {source} lacks",
                    }
                )
                continue
            for j in cols:
                renamed[j] = dst
    found: dict[str, list[int]] = {}
    for j, col in enumerate(columns):
        found.setdefault(normalise_column(renamed.get(j, col)), []).append(j)
    return found, warnings


def _column(
    found: dict[str, list[int]], columns: list[str], name: str, src: str, role: str
) -> int | None:
    """Position of the one column carrying ``name``; an error if several do."""
    positions = found.get(normalise_column(name))
    if not positions:
        return None
    if len(positions) > 1:
        a, b = positions[:2]
        raise DataError(
            f"{src}: columns {a + 1} and {b + 1} ({columns[a]!r} and {columns[b]!r}) both "
            f"match {role} {name!r}; rename or remove one, or map them with --columns"
        )
    return positions[0]


def _text_value(value: Any, labels: dict[Any, str] | None) -> str | None:
    """A group or id cell as text (value labels applied), None when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if labels and value in labels:
        return str(labels[value]).strip() or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    s = str(value).strip()
    return s or None


@dataclass
class _TextColumn:
    """An id or group column as text, held per distinct value: ``texts[idx]`` is row by row.

    ``key`` numbers the distinct texts (-1 for no text), so that equal texts from different
    cells (' p1' and 'p1', or 1 and 1.0 in Excel) share one number.
    """

    idx: np.ndarray  # per row: position in ``texts``; -1 (the last slot) for an empty cell
    texts: np.ndarray  # object: the text of each distinct cell value, None when empty
    key: np.ndarray  # per slot of ``texts``: number of the text, -1 for None

    def rows(self, which: np.ndarray | None = None) -> np.ndarray:
        return self.texts[self.idx if which is None else self.idx[which]]

    def keys(self) -> np.ndarray:
        return self.key[self.idx]


def _text_column(values: Any, labels: dict[Any, str] | None) -> _TextColumn:
    """A whole id or group column as text (None when empty), worked out once per value."""
    import pandas as pd

    idx, uniques = _factorize(values)
    texts = np.empty(len(uniques) + 1, dtype=object)
    plain = bool(not labels and len(uniques) and pd.api.types.is_string_dtype(uniques))
    if plain:
        # Text cells (CSV, Excel text): a million distinct ids stay fast.
        stripped = texts[:-1]
        stripped[:] = [u.strip() for u in uniques]
        # Distinct cells stay distinct texts unless stripping changed one.
        plain = bool(np.equal(stripped, uniques).all())
        stripped[np.equal(stripped, "")] = None
    else:
        texts[:-1] = [_text_value(u, labels) for u in uniques]
    texts[-1] = None
    if plain:
        key = np.arange(len(texts), dtype=np.int64)
        key[np.equal(texts, None)] = -1
    else:
        key = np.asarray(pd.factorize(texts, use_na_sentinel=True)[0], dtype=np.int64)
    return _TextColumn(np.asarray(idx), texts, key)


def code_responses(
    raw: RawTable,
    instrument: Instrument,
    *,
    column_map: dict[str, str] | None = None,
    group: str | None = None,
    id_column: str | None = None,
    strict: bool = False,
) -> CodedData:
    """Match columns, code every answer, and build the row ledger.

    Every row the reader met is accounted for: ``rows_read`` = analysed + excluded, where the
    excluded rows include the blank and repeated header rows the reader skipped.
    """
    frame = raw.frame
    src = raw.where or raw.source
    columns = [str(c) for c in frame.columns]
    found, warnings = _match_columns(columns, column_map, src)
    n = len(frame)
    row_no = (
        np.asarray(raw.row_numbers, dtype=np.int64)
        if raw.row_numbers is not None
        else np.arange(1, n + 1, dtype=np.int64)
    )

    item_codes = [it.code for it in instrument.items]
    missing_cols = [c for c in item_codes if normalise_column(c) not in found]
    if missing_cols:
        shown = _list_columns(missing_cols, 20)
        hint = _missing_columns_hint(raw, columns, item_codes, len(missing_cols))
        raise DataError(
            f"{src}: columns: {len(missing_cols)} item column(s) of instrument "
            f"{instrument.id!r} are missing: {shown}; {hint}"
        )

    if n == 0:
        if raw.skipped:
            raise DataError(
                f"{src}: no data rows: the {len(raw.skipped)} row(s) after the header are blank "
                "or repeat the header; check that this is the file with the answers"
            )
        raise DataError(
            f"{src}: the file has a header row but no data rows; check that this is the export "
            "with the answers"
        )
    per_item: list[tuple[np.ndarray, np.ndarray]] = []  # (cell value per row, code lookup)
    columns_used: dict[str, str] = {}
    for item in instrument.items:
        pos = _column(found, columns, item.code, src, "item")
        assert pos is not None  # checked above
        col = columns[pos]
        columns_used[item.code] = col
        um = raw.user_missing.get(col, [])
        coder = _CellCoder(
            item.scale,
            raw.value_labels.get(col),
            {float(v) for v in um if isinstance(v, int | float)}
            | {v for v in um if isinstance(v, str)},
            raw.missing_ranges.get(col, []),
        )
        idx, uniques = _factorize(frame.iloc[:, pos])
        # One interpretation per distinct value; the last slot is for empty (NA) cells.
        mapped = np.array([coder(u) for u in uniques] + [_BLANK], dtype=np.int16)
        as_code = np.where(mapped > -1000, mapped, MISSING).astype(np.int8)
        per_item.append(_lookup(_narrow(idx, len(uniques)), as_code))
        per_value = _value_counts(idx, len(mapped))  # aligned with ``mapped``
        warnings.extend(
            _cell_warnings(
                item.code,
                item.scale,
                idx,
                uniques,
                mapped,
                per_value,
                coder,
                src,
                strict,
                col,
                row_no,
            )
        )

    codes, answered = _answer_matrix(per_item, n)
    del per_item

    # ---- respondent ids, groups and the row ledger
    id_pos = None
    wanted_id = id_column or instrument.respondent_id
    if wanted_id:
        id_pos = _column(found, columns, wanted_id, src, "the respondent id")
        if id_pos is None and id_column:
            raise DataError(
                f"{src}: columns: no respondent id column {id_column!r}; columns are: "
                f"{_list_columns(columns)}; give one of them to --id"
            )
    ids = (
        _text_column(frame.iloc[:, id_pos], raw.value_labels.get(columns[id_pos]))
        if id_pos is not None
        else _TextColumn(
            np.full(n, -1, dtype=np.int8),
            np.array([None], dtype=object),
            np.array([-1], dtype=np.int64),
        )
    )
    group_col = None
    groups_all: _TextColumn | None = None
    if group:
        g_pos = _column(found, columns, group, src, "the group column")
        if g_pos is None:
            raise DataError(
                f"{src}: no column {group!r} to group by; columns are: "
                f"{_list_columns(columns)}; give one of them to --group"
            )
        group_col = columns[g_pos]
        groups_all = _text_column(frame.iloc[:, g_pos], raw.value_labels.get(group_col))

    keep, excluded = _ledger(answered, ids, row_no, src, strict)
    skipped = [dict(e) for e in raw.skipped]
    if skipped:
        excluded = sorted(skipped + excluded, key=lambda e: e["row"])
    if not keep.any():
        raise DataError(
            f"{src}: no row has any valid answer to the instrument's items "
            f"({n} row(s) read); check the --instrument and the scale codes"
        )

    rows = np.flatnonzero(keep)
    everyone = rows.size == n
    groups = None
    if groups_all is not None:
        groups = groups_all.rows(None if everyone else rows).tolist()
        keys = groups_all.keys()
        empty = int(np.count_nonzero((keys if everyone else keys[rows]) < 0))
        if empty:
            warnings.append(
                {
                    "code": "empty_group",
                    "message": f"{empty} analysed row(s) have no value in {group_col!r}: they are "
                    "left out of per-group results and group tests",
                    "count": empty,
                }
            )
    return CodedData(
        codes=codes if everyone else codes[rows],
        item_codes=item_codes,
        row_numbers=row_no[rows],
        ids=ids.rows(None if everyone else rows).tolist(),
        groups=groups,
        group_column=group_col,
        rows_read=n + len(skipped),
        excluded=excluded,
        warnings=raw_notes(raw) + warnings,
        columns=columns_used,
    )


def _missing_columns_hint(
    raw: RawTable, columns: list[str], item_codes: list[str], n_missing: int
) -> str:
    """What to do about missing item columns: the likeliest cause first."""
    if n_missing < len(item_codes):
        return "rename those columns or map them with --columns map.yaml"
    wanted = {normalise_column(c) for c in item_codes}
    # Column names further down (a title row above the header)?
    frame = raw.frame
    for i in range(min(len(frame), 30)):
        cells = {normalise_column(str(v)) for v in frame.iloc[i].tolist() if isinstance(v, str)}
        if len(cells & wanted) >= max(1, len(wanted) // 2):
            data_row = int(raw.row_numbers[i]) if raw.row_numbers is not None else i + 1
            return (
                f"the item codes appear in row {raw.header_row + data_row}: pass "
                f"--header-row {raw.header_row + data_row}"
            )
    if len(raw.sheets) > 1:
        return (
            f"this is sheet {raw.sheet!r}; the workbook also has "
            f"{', '.join(repr(s) for s in raw.sheets if s != raw.sheet)}: choose one with --sheet"
        )
    if len(columns) == 1 and any(d in columns[0] for d in ",;\t|"):
        return (
            f"only one column was found ({columns[0][:60]!r}): the file may use an unusual "
            "delimiter; save it as CSV with commas"
        )
    return "no item column of the instrument was found: is this the right --instrument?"


def _ledger(
    answered: np.ndarray, ids: _TextColumn, row_no: np.ndarray, src: str, strict: bool
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Rows kept, and every row left out with its reason (first submission of an id wins)."""
    excluded = [
        {"row": int(row_no[i]), "id": ids.texts[ids.idx[i]], "reason": "no item answered"}
        for i in np.flatnonzero(~answered)
    ]
    keep = answered.copy()
    key = ids.keys()
    candidates = np.flatnonzero(answered & (key >= 0))
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
                {
                    "row": int(row_no[i]),
                    "id": rid,
                    "reason": f"duplicate respondent id (first in row {first})",
                }
            )
    excluded.sort(key=lambda e: e["row"])
    return keep, excluded


def raw_notes(raw: RawTable) -> list[dict[str, Any]]:
    """The reader's warnings (and plain notes), first in the run's warnings."""
    notes = [{"code": "read_note", "message": note} for note in raw.notes]
    return notes + [dict(w) for w in raw.warnings]


def _factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes per cell (-1 for NA) and the distinct values, whatever the column's dtype."""
    import pandas as pd

    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cats = values.cat.categories
        return np.asarray(values.cat.codes), cats.to_numpy(dtype=object)
    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(idx), np.asarray(uniques, dtype=object)


def _narrow(idx: np.ndarray, n_values: int) -> np.ndarray:
    """Cell-value numbers in the smallest integer type (pandas gives 8 bytes a cell)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_values < np.iinfo(dtype).max:
            return idx.astype(dtype, copy=False)
    return idx


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


def _list_columns(columns: Any, limit: int = 15) -> str:
    """Names for a one-line message (a name may hold a line break: shown escaped)."""
    cols = [one_line(c) for c in columns]
    more = f" ... ({len(cols)} in all)" if len(cols) > limit else ""
    return ", ".join(cols[:limit]) + more


def _cell_warnings(
    code: str,
    scale: Scale,
    idx: np.ndarray,
    uniques: np.ndarray,
    mapped: np.ndarray,
    per_value: np.ndarray,
    coder: _CellCoder,
    src: str,
    strict: bool,
    col: str,
    row_no: np.ndarray,
) -> list[dict[str, Any]]:
    """Warnings for one column, counted per distinct value (``per_value`` aligned with
    ``mapped``), so no pass over the rows is needed unless --strict must name a row."""
    out: list[dict[str, Any]] = []

    def n_of(kind: int) -> int:
        return int(per_value[mapped == kind].sum())

    def bad_values(kind: int) -> list[str]:
        # Only values some cell holds: categories may keep values of rows the reader dropped.
        which = np.flatnonzero((mapped[:-1] == kind) & (per_value[:-1] > 0))
        top = which[np.argsort(-per_value[which], kind="stable")][:5]
        return [f"{str(uniques[u])[:80]!r} ({int(per_value[u])}x)" for u in top]

    n_missing_code = n_of(_MISSING_CODE)
    if n_missing_code:
        out.append(
            {
                "code": "missing_code",
                "message": f"{code}: {n_missing_code} answer(s) hold a 'no answer' code; "
                "counted as missing",
                "item": code,
                "count": n_missing_code,
            }
        )
    for kind, name in ((_OUT_OF_RANGE, "out_of_range"), (_UNKNOWN_LABEL, "unknown_label")):
        n_bad = n_of(kind)
        if not n_bad:
            continue
        shown = ", ".join(bad_values(kind))
        if kind == _OUT_OF_RANGE:
            what = (
                f"{n_bad} value(s) outside the scale {list(scale.points)} "
                f"(missing codes {list(scale.missing)}): {shown}"
            )
        else:
            accepted = ", ".join(repr(t) for t in scale.labels.values()) or "none defined"
            what = (
                f"{n_bad} cell(s) hold text that matches no label of the scale: {shown}; "
                f"accepted labels: {accepted}, or the codes {list(scale.points)}"
            )
        if strict:
            bad = np.flatnonzero(mapped[:-1] == kind)
            first = int(row_no[int(np.flatnonzero(np.isin(idx, bad))[0])])
            raise DataError(
                f"{src}: column {col!r}, row {first}: {what}; correct the cells or drop "
                "--strict to count them as missing"
            )
        out.append(
            {
                "code": name,
                "message": f"{code}: {what}; counted as missing",
                "item": code,
                "count": n_bad,
            }
        )
    for (value, new), count in sorted(coder.relabelled.items(), key=lambda kv: str(kv[0])):
        out.append(
            {
                "code": "recoded_by_label",
                "message": f"{code}: value {value!r} carries the label of code {new}; "
                f"{count} answer(s) coded {new}",
                "item": code,
                "count": count,
            }
        )
    return out
