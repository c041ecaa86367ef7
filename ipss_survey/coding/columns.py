"""Which file column carries which item (and the id and group columns).

Item codes match column names ignoring case and spaces; a mapping file (``--columns``)
renames other columns first. Two columns carrying one name are an error only when that name
is needed. When item columns are missing, the message says the likeliest cause.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ipss_survey.errors import DataError, name_list
from ipss_survey.instrument import normalise_column, normalise_label
from ipss_survey.warnings import RunWarning, WarningCode
from ipss_survey.yamltext import YamlSyntaxError, safe_load

if TYPE_CHECKING:
    from ipss_survey.read import RawTable
    from ipss_survey.read.platforms import Layout


class ColumnMap(dict[str, str]):
    """A mapping file's ``file column: instrument code`` pairs, and the file's name
    (``source``) for messages about its lines."""

    def __init__(self, pairs: dict[str, str], source: str) -> None:
        super().__init__(pairs)
        self.source = source


def load_column_map(path: str | Path) -> ColumnMap:
    """A mapping file: YAML ``file column: instrument code`` pairs (loaded safely).

    Parameters
    ----------
    path
        The ``--columns`` file.

    Returns
    -------
    ColumnMap
        The pairs in the file's order; ``source`` names the file.
    """

    p = Path(path)
    try:
        doc = safe_load(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DataError(f"{p}: no such column mapping file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot be read as UTF-8 text ({exc})") from None
    except YamlSyntaxError as exc:
        raise DataError(f"{p}: not valid YAML: {exc}") from None
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
    return ColumnMap(out, str(p))


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
        self.column_map = dict(column_map or {})
        self.map_source = getattr(column_map, "source", "the column mapping (--columns)")
        self.mapped_from: dict[int, str] = {}  # column position -> the mapping line's column
        self.absent: list[tuple[str, str]] = []  # mapping lines whose column the file lacks
        renamed = self._renamed(self.column_map)
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
                self.absent.append((src, dst))
                close = difflib.get_close_matches(src, self.columns, n=1, cutoff=0.7)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.warnings.append(
                    RunWarning(
                        WarningCode.MAPPED_COLUMN_ABSENT,
                        f"{self.map_source}: line '{src}: {dst}': {self.source} has no "
                        f"column {src!r}{hint}; the line is ignored",
                    )
                )
                continue
            for j in cols:
                renamed[j] = dst
                self.mapped_from[j] = src
        return renamed

    def check_targets(self, known: Iterable[str], codes: list[str], instrument_id: str) -> None:
        """Every mapping line that renames a column of the file names something the run
        looks for (an item or question code, or a column an option names); else an error
        naming the line, with the code it most resembles.

        Parameters
        ----------
        known
            Every name the run looks a column up by.
        codes
            The instrument's item codes, listed in the message.
        instrument_id
            Named in the message.
        """
        wanted = {normalise_column(k) for k in known}
        present = set(self.mapped_from.values())
        for src, dst in self.column_map.items():
            if src not in present or normalise_column(dst) in wanted:
                continue
            by_key = {normalise_column(c): c for c in codes}
            close = difflib.get_close_matches(normalise_column(dst), list(by_key), n=1)
            hint = f"did you mean {by_key[close[0]]!r}? " if close else ""
            raise DataError(
                f"{self.map_source}: line '{src}: {dst}': {dst!r} is no item code of "
                f"instrument {instrument_id!r} (nor a question, or a column an option names); "
                f"{hint}item codes: {name_list(codes, 20)}; correct the line or remove it"
            )

    def mapping_hint(self, missing: list[str]) -> str:
        """What the mapping file did to the items that are missing, or ''."""
        keys = {normalise_column(c) for c in missing}
        for src, dst in self.absent:
            if normalise_column(dst) in keys:
                return (
                    f"{self.map_source} maps {src!r} to {dst}, but {self.source} has no column "
                    f"{src!r}; correct the line (the file's columns: {name_list(self.columns, 12)})"
                )
        for j, src in self.mapped_from.items():
            if normalise_column(self.columns[j]) in keys:
                return (
                    f"{self.map_source} renames the file's column {self.columns[j]!r} to "
                    f"{self.column_map[src]!r}; correct or remove that line"
                )
        return ""

    def has(self, name: str) -> bool:
        key = normalise_column(name)
        return key in self.by_name or key in self.by_alias

    def find(self, name: str, role: str, text: str = "") -> int | None:
        """Position of the one column carrying ``name`` (or, failing names, ``text``)."""
        key = normalise_column(name)
        if found := self.by_name.get(key):
            return self._one(found, f"{role} {name!r}", by_name=True)
        if found := self.by_alias.get(key):
            return self._one(found, f"{role} {name!r}")
        if text and (found := self.by_text.get(normalise_text(text))):
            return self._one(found, f"the wording of {role} {name!r}")
        return None

    def _one(self, positions: list[int], what: str, by_name: bool = False) -> int:
        """The one position, or an error saying why two columns answer to ``what``: two
        lines of the mapping, a mapped column and one named so, two columns of one name."""
        if len(positions) == 1:
            return positions[0]
        a, b = positions[:2]
        first, second = self.columns[a], self.columns[b]
        mapped = [j for j in (a, b) if j in self.mapped_from] if by_name else []
        if len(mapped) == 2:
            raise DataError(
                f"{self.source}: {self.map_source} maps both {first!r} (column {a + 1}) and "
                f"{second!r} (column {b + 1}) to {what}; map each column to its own code"
            )
        if len(mapped) == 1:
            (j,) = mapped
            other = b if j == a else a
            raise DataError(
                f"{self.source}: {self.map_source} maps {self.columns[j]!r} (column {j + 1}) "
                f"to {what}, but column {other + 1} is {self.columns[other]!r} itself; map or "
                "rename that column too, or remove the line"
            )
        if first == second:
            raise DataError(
                f"{self.source}: columns {a + 1} and {b + 1} are both named {first!r} "
                f"({what}); rename one of them in the file"
            )
        raise DataError(
            f"{self.source}: columns {a + 1} and {b + 1} ({first!r} and {second!r}) both "
            f"match {what} (names are compared ignoring case and spaces); rename or remove "
            "one, or map them with --columns"
        )


def missing_columns_hint(
    raw: RawTable, matcher: ColumnMatcher, item_codes: list[str], missing: list[str]
) -> str:
    """What to do about missing item columns: the likeliest cause first."""
    columns = matcher.columns
    mapped = matcher.mapping_hint(missing)
    if mapped:
        return mapped
    if len(missing) < len(item_codes):
        unused = [c for j, c in enumerate(columns) if not _claimed(matcher, j, item_codes)]
        others = f" (the file's other columns: {name_list(unused, 12)})" if unused else ""
        return f"rename those columns or map them with --columns map.yaml{others}"
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
    example = next((c for c in columns if normalise_column(c) not in _ID_NAMES), columns[0])
    return (
        f"the file's columns are {name_list(columns, 12)}, the instrument's codes "
        f"{name_list(item_codes, 12)}: map them with --columns map.yaml (lines such as "
        f"'{example}: {item_codes[0]}'), or check that this is the right --instrument"
    )


_ID_NAMES = {"id", "respondent_id", "respondentid", "responseid", "_uuid", "key"}


def _claimed(matcher: ColumnMatcher, position: int, item_codes: list[str]) -> bool:
    """Whether the column at ``position`` is one an item was matched to by name."""
    return any(position in matcher.by_name.get(normalise_column(c), []) for c in item_codes)
