"""Which file column carries which item (and the id and group columns).

Item codes match column names ignoring case and spaces; a mapping file (``--columns``)
renames other columns first. Two columns carrying one name are an error only when that name
is needed. When item columns are missing, the message says the likeliest cause.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ipss_survey.errors import DataError
from ipss_survey.instrument import normalise_column, normalise_label
from ipss_survey.warnings import RunWarning, WarningCode

if TYPE_CHECKING:
    from ipss_survey.read import RawTable
    from ipss_survey.read.platforms import Layout


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


_PUNCTUATION = re.compile(r"[\W_]+")


def normalise_text(text: str) -> str:
    """Question wording as a matching key: case, spaces and punctuation ignored."""
    return _PUNCTUATION.sub("", normalise_label(text))


class ColumnMatcher:
    """Which file column carries an item, the id or the group: by name, then by the names
    and the wording the platform's layout gives a column.

    Names match ignoring case and spaces, after the mapping file (``--columns``) renamed
    columns; a layout's aliases (a Qualtrics ImportId, a Kobo name without its group path)
    count where no column bears the name itself; an item's wording matches a column's
    question text (Google Forms headers, Qualtrics' text row) ignoring case, spaces and
    punctuation, when no name matches. Two columns answering to one name are an error only
    when that name is needed: a file may well repeat a "Comment" column nobody asked for.
    """

    def __init__(
        self,
        columns: list[str],
        column_map: dict[str, str] | None,
        source: str,
        layout: Layout | None = None,
    ) -> None:
        self.columns = columns
        self.source = source
        self.warnings: list[RunWarning] = []
        renamed = self._renamed(column_map or {})
        self.by_name: dict[str, list[int]] = {}
        for j, col in enumerate(columns):
            self.by_name.setdefault(normalise_column(renamed.get(j, col)), []).append(j)
        self.by_alias: dict[str, list[int]] = {}
        self.by_text: dict[str, list[int]] = {}
        if layout is not None:
            index = {c: j for j, c in enumerate(columns)}
            for col, forms in layout.aliases.items():
                for form in forms:
                    self.by_alias.setdefault(normalise_column(form), []).append(index[col])
            for col, texts in layout.texts.items():
                for text in texts:
                    key = normalise_text(text)
                    if key and index[col] not in self.by_text.get(key, []):
                        self.by_text.setdefault(key, []).append(index[col])

    def _renamed(self, column_map: dict[str, str]) -> dict[int, str]:
        by_norm: dict[str, list[int]] = {}
        for j, c in enumerate(self.columns):
            by_norm.setdefault(normalise_column(c), []).append(j)
        renamed: dict[int, str] = {}
        for src, dst in column_map.items():
            cols = by_norm.get(normalise_column(src))
            if not cols:
                self.warnings.append(
                    RunWarning(
                        WarningCode.MAPPED_COLUMN_ABSENT,
                        f"the column mapping names {src!r}, which {self.source} lacks",
                    )
                )
                continue
            for j in cols:
                renamed[j] = dst
        return renamed

    def has(self, name: str) -> bool:
        key = normalise_column(name)
        return key in self.by_name or key in self.by_alias

    def find(self, name: str, role: str, text: str = "") -> int | None:
        """Position of the one column carrying ``name`` (or, failing names, ``text``)."""
        key = normalise_column(name)
        for found in (self.by_name.get(key), self.by_alias.get(key)):
            if found:
                return self._one(found, f"{role} {name!r}")
        if text and (found := self.by_text.get(normalise_text(text))):
            return self._one(found, f"the wording of {role} {name!r}")
        return None

    def _one(self, positions: list[int], what: str) -> int:
        if len(positions) > 1:
            a, b = positions[:2]
            raise DataError(
                f"{self.source}: columns {a + 1} and {b + 1} ({self.columns[a]!r} and "
                f"{self.columns[b]!r}) both match {what}; rename or remove one, or map them "
                "with --columns"
            )
        return positions[0]


def missing_columns_hint(
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
