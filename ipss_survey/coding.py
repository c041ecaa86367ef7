"""Validate and code: turn raw cells into compact response codes, and account for every row.

Cells may hold codes, label text or (for SPSS/Stata/SAS) labelled values; each distinct cell
value is interpreted once and the answer matrix is filled by lookup, so the cost does not grow
with the number of distinct respondents' quirks. Answers are held as ``int8`` codes with
``MISSING`` as the marker for no valid answer.
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

if TYPE_CHECKING:
    from ipss_survey.readers import RawTable

MISSING = np.int8(-128)

# Interpretation of one distinct cell value.
# Outside any code a scale may use (-100..100).
_BLANK, _MISSING_CODE, _OUT_OF_RANGE, _UNKNOWN_LABEL = -1001, -1002, -1003, -1004
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
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
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """normalised target name -> file column, after applying the mapping file."""
    warnings: list[dict[str, Any]] = []
    renamed: dict[str, str] = {}
    if column_map:
        by_norm = {normalise_column(c): c for c in columns}
        for src, dst in column_map.items():
            col = by_norm.get(normalise_column(src))
            if col is None:
                warnings.append(
                    {
                        "code": "mapped_column_absent",
                        "message": f"the column mapping names {src!r}, which {source} lacks",
                    }
                )
                continue
            renamed[col] = dst
    found: dict[str, str] = {}
    for col in columns:
        key = normalise_column(renamed.get(col, col))
        if key in found:
            raise DataError(
                f"{source}: columns {found[key]!r} and {col!r} both match {key!r}; rename one "
                "or map them with --columns"
            )
        found[key] = col
    return found, warnings


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


def code_responses(
    raw: RawTable,
    instrument: Instrument,
    *,
    column_map: dict[str, str] | None = None,
    group: str | None = None,
    id_column: str | None = None,
    strict: bool = False,
) -> CodedData:
    """Match columns, code every answer, and build the row ledger."""
    frame = raw.frame
    src = raw.where or raw.source
    found, warnings = _match_columns(list(frame.columns), column_map, src)

    item_codes = [it.code for it in instrument.items]
    missing_cols = [c for c in item_codes if normalise_column(c) not in found]
    if missing_cols:
        shown = ", ".join(missing_cols[:20]) + (" ..." if len(missing_cols) > 20 else "")
        hint = (
            "no item column of the instrument was found: is this the right --instrument?"
            if len(missing_cols) == len(item_codes)
            else "rename those columns or map them with --columns map.yaml"
        )
        raise DataError(
            f"{src}: {len(missing_cols)} item column(s) of instrument {instrument.id!r} are "
            f"missing: {shown}; {hint}"
        )

    n = len(frame)
    if n == 0:
        raise DataError(f"{src}: the file has a header row but no data rows")
    codes = np.full((n, len(item_codes)), MISSING, dtype=np.int8)
    columns: dict[str, str] = {}
    for j, item in enumerate(instrument.items):
        col = found[normalise_column(item.code)]
        columns[item.code] = col
        um = raw.user_missing.get(col, [])
        coder = _CellCoder(
            item.scale,
            raw.value_labels.get(col),
            {float(v) for v in um if isinstance(v, int | float)}
            | {v for v in um if isinstance(v, str)},
            raw.missing_ranges.get(col, []),
        )
        values = frame[col]
        idx, uniques = _factorize(values)
        mapped = np.array([coder(u) for u in uniques] + [_BLANK], dtype=np.int16)
        col_codes = mapped[idx]  # idx == -1 (NA) picks the trailing _BLANK
        ok = col_codes > -1000
        codes[ok, j] = col_codes[ok].astype(np.int8)
        warnings.extend(
            _cell_warnings(
                item.code,
                item.scale,
                col_codes,
                values,
                idx,
                uniques,
                mapped,
                coder,
                src,
                strict,
                col,
            )
        )

    # ---- respondent ids, groups and the row ledger
    id_col = None
    wanted_id = id_column or instrument.respondent_id
    if wanted_id:
        id_col = found.get(normalise_column(wanted_id))
        if id_col is None and id_column:
            raise DataError(
                f"{src}: no respondent id column {id_column!r}; columns are: "
                f"{_list_columns(frame.columns)}"
            )
    ids: list[str | None] = (
        [_text_value(v, raw.value_labels.get(id_col)) for v in frame[id_col].tolist()]
        if id_col
        else [None] * n
    )
    group_col = None
    groups_all: list[str | None] | None = None
    if group:
        group_col = found.get(normalise_column(group))
        if group_col is None:
            raise DataError(
                f"{src}: no column {group!r} to group by; columns are: "
                f"{_list_columns(frame.columns)}"
            )
        labels = raw.value_labels.get(group_col)
        groups_all = [_text_value(v, labels) for v in frame[group_col].tolist()]

    answered = (codes != MISSING).any(axis=1)
    keep, excluded = _ledger(answered, ids, src, strict)
    if not keep.any():
        raise DataError(
            f"{src}: no row has any valid answer to the instrument's items "
            f"({n} row(s) read); check the --instrument and the scale codes"
        )

    rows = np.flatnonzero(keep)
    groups = None
    if groups_all is not None:
        groups = [groups_all[i] for i in rows]
        empty = sum(g is None for g in groups)
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
        codes=codes[rows],
        item_codes=item_codes,
        row_numbers=rows + 1,
        ids=[ids[i] for i in rows],
        groups=groups,
        group_column=group_col,
        rows_read=n,
        excluded=excluded,
        warnings=raw_notes(raw) + warnings,
        columns=columns,
    )


def _ledger(
    answered: np.ndarray, ids: list[str | None], src: str, strict: bool
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Rows kept, and every row left out with its reason (first submission of an id wins)."""
    import pandas as pd

    excluded = [
        {"row": int(i) + 1, "id": ids[i], "reason": "no item answered"}
        for i in np.flatnonzero(~answered)
    ]
    keep = answered.copy()
    s = pd.Series(ids, dtype=object)
    candidates = s[answered & s.notna().to_numpy()]
    dup = candidates.duplicated(keep="first")
    if dup.any():
        first = candidates.reset_index().groupby(0)["index"].min()
        for i in candidates.index[dup.to_numpy()]:
            rid = ids[i]
            first_row = int(first[rid]) + 1
            if strict:
                raise DataError(
                    f"{src}: row {i + 1}: duplicate respondent id {rid!r} (first in row "
                    f"{first_row}); remove the repeated submission or drop --strict"
                )
            keep[i] = False
            excluded.append(
                {
                    "row": int(i) + 1,
                    "id": rid,
                    "reason": f"duplicate respondent id (first in row {first_row})",
                }
            )
    excluded.sort(key=lambda e: e["row"])
    return keep, excluded


def raw_notes(raw: RawTable) -> list[dict[str, Any]]:
    return [{"code": "read_note", "message": note} for note in raw.notes]


def _factorize(values: Any) -> tuple[np.ndarray, list[Any]]:
    import pandas as pd

    idx, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(idx), list(uniques)


def _list_columns(columns: Any) -> str:
    cols = [str(c) for c in columns]
    return ", ".join(cols[:15]) + (f" ... ({len(cols)} in all)" if len(cols) > 15 else "")


def _cell_warnings(
    code: str,
    scale: Scale,
    col_codes: np.ndarray,
    values: Any,
    idx: np.ndarray,
    uniques: list[Any],
    mapped: np.ndarray,
    coder: _CellCoder,
    src: str,
    strict: bool,
    col: str,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def bad_values(kind: int) -> list[str]:
        hits = Counter()
        for u_i, m in enumerate(mapped[:-1]):
            if m == kind:
                hits[str(uniques[u_i])] = int((idx == u_i).sum())
        return [f"{v!r} ({c}x)" for v, c in hits.most_common(5)]

    n_missing_code = int((col_codes == _MISSING_CODE).sum())
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
        count = int((col_codes == kind).sum())
        if not count:
            continue
        shown = ", ".join(bad_values(kind))
        if kind == _OUT_OF_RANGE:
            what = (
                f"{count} value(s) outside the scale {list(scale.points)} "
                f"(missing codes {list(scale.missing)}): {shown}"
            )
        else:
            accepted = ", ".join(repr(t) for t in scale.labels.values()) or "none defined"
            what = (
                f"{count} cell(s) hold text that matches no label of the scale: {shown}; "
                f"accepted labels: {accepted}, or the codes {list(scale.points)}"
            )
        if strict:
            first = int(np.flatnonzero(col_codes == kind)[0]) + 1
            raise DataError(f"{src}: column {col!r}, row {first}: {what} (--strict)")
        out.append(
            {
                "code": name,
                "message": f"{code}: {what}; counted as missing",
                "item": code,
                "count": count,
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
