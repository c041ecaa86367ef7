"""Reading an XLSForm (the KoboToolbox/ODK form workbook) as an instrument.

A form says what was asked, not how to score it, so reading one is part reading and part
inference. What is read: ``select_one`` questions are items, ``begin group``/``end group``
rows are dimensions (a nested group a sub-dimension), each choice list is a scale whose
labels in every language of the form, and whose choice names, are all accepted in the data.
What is inferred, each time with a note that says so: the codes of a list whose choice names
are not numbers (1-based positions, the favourable end highest), which end of a list is
favourable (from the wording of its first and last choices), which points count as agreement,
which choices mean "no answer", and which lists are not rating scales at all (places, long
lists, lists with an "other" choice: their questions become categorical questions).

The project's own columns (``ipss_*``, ignored by pyxform and by Kobo) say what a form alone
cannot, so a form this tool exported comes back as the instrument it was written from; where
a column holds a value, it wins over the inference. ``docs/xlsform.md`` lists them.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from ipss_survey.errors import InstrumentError, name_list, one_line
from ipss_survey.instrument.anchors import MISSING_KINDS, anchor_side, is_other, missing_kind
from ipss_survey.instrument.loader import parse_classifications
from ipss_survey.instrument.matching import normalise_column, normalise_label
from ipss_survey.instrument.model import (
    DIRECTIONS,
    PROVENANCES,
    Classification,
    Construct,
    Instrument,
    Item,
    MaturityLevel,
    Option,
    Question,
    Scale,
)

MAX_FORM_BYTES = 20_000_000  # an XLSForm is a few hundred kilobytes; this is a workbook of data
MAX_RATING_POINTS = 11  # a 0-10 scale; a longer list is a list of things, not a rating


class ImportNote(NamedTuple):
    """Something the import inferred (level "note") or could not tell (level "warning").

    ``code`` is a stable word for programs (``direction_guessed``), ``message`` the sentence
    for people. ``scope`` and ``subjects`` say what it is about, so that an instrument file
    written from the import can put it beside the part it concerns: "scale" (``subjects``: the
    items on that list), "item" or "question" (their codes), "dimension" (a construct id) or
    "form" (the whole instrument).
    """

    code: str
    message: str
    level: str = "note"
    scope: str = "form"
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class XlsformImport:
    """An instrument read from an XLSForm, with what was inferred to read it."""

    instrument: Instrument
    notes: tuple[ImportNote, ...] = ()

    @property
    def warnings(self) -> tuple[ImportNote, ...]:
        """The notes a user should act on: what the form did not say and could not be told."""
        return tuple(n for n in self.notes if n.level == "warning")


# ---------------------------------------------------------------------------------------------
# Words in a question's or list's name that mark a list of places or of background facts.
_BACKGROUND_WORDS = frozenset(
    """
    municipality municipalities municipal district province region country county city town
    village ward location place site suburb commune municipio provincia departamento distrito
    gemeente munisipaliteit area facility office department directorate unit branch sector
    organisation organization employer gender sex age role position occupation education
    language designation grade rank muni dist prov loc geo
    """.split()  # noqa: SIM905
)
_RESPONDENT_ID_NAMES = frozenset(
    """
    respondent_id respondent resp_id respondentid participant_id participant interview_id
    questionnaire_id case_id id
    """.split()  # noqa: SIM905
)
_TRUE = frozenset({"true", "yes", "y", "1", "x"})
_FALSE = frozenset({"false", "no", "n", "0"})
_ACCEPTED_TYPES = "begin group, end group, select_one LIST, select_multiple LIST, text"


# ---------------------------------------------------------------------------------------------
# The workbook as plain rows.


def _cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing ".0", booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_LABEL_HEADER = re.compile(r"^label\s*(?:::?\s*(.+))?$", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _plain(text: str) -> str:
    """A label without the HTML spans form builders put in (colour, bold)."""
    return " ".join(_TAG.sub("", text).split()) if "<" in text else text


@dataclass
class _Sheet:
    """One sheet: its header (case ignored) and its rows, numbered as the workbook shows them."""

    title: str
    columns: dict[str, int]  # header, casefolded -> column index
    headers: list[str]
    rows: list[tuple[int, tuple[Any, ...]]]
    label_columns: list[tuple[int, str]] = field(default_factory=list)  # (index, language)

    def has(self, key: str) -> bool:
        return key in self.columns

    def get(self, values: tuple[Any, ...], *keys: str) -> str:
        """The first of ``keys`` this sheet has, as text ("" if the sheet has none)."""
        for key in keys:
            i = self.columns.get(key)
            if i is not None:
                return _cell_text(values[i]) if i < len(values) else ""
        return ""

    def labels(self, values: tuple[Any, ...]) -> list[str]:
        """The row's labels, the default language first; empty ones left out."""
        out = []
        for i, _lang in self.label_columns:
            text = _plain(_cell_text(values[i])) if i < len(values) else ""
            if text:
                out.append(text)
        return out


def _language_matches(lang: str, wanted: str) -> bool:
    """``English (en)`` matches a default_language of ``English (en)``, ``English`` or ``en``."""

    def parts(s: str) -> set[str]:
        s = s.strip().casefold()
        m = re.fullmatch(r"(.*?)\s*\((.+)\)", s)
        return {s, m.group(1).strip(), m.group(2).strip()} if m else {s}

    return bool(lang) and bool(parts(lang) & parts(wanted))


def _sheet(ws: Any, title: str, default_language: str = "") -> _Sheet:
    rows_iter = ws.iter_rows(values_only=True)
    header_row = next(rows_iter, None) or ()
    headers = [_cell_text(h) for h in header_row]
    columns: dict[str, int] = {}
    labels: list[tuple[int, str]] = []
    for i, h in enumerate(headers):
        key = " ".join(h.split()).casefold()
        if key and key not in columns:
            columns[key] = i
            m = _LABEL_HEADER.match(h.strip())
            if m:
                labels.append((i, (m.group(1) or "").strip()))
    if default_language:
        first = [c for c in labels if _language_matches(c[1], default_language)][:1]
        labels = first + [c for c in labels if c not in first]
    rows = []
    for r, values in enumerate(rows_iter, start=2):
        if values and any(_cell_text(v) for v in values):
            rows.append((r, tuple(values)))
    return _Sheet(title, columns, headers, rows, labels)


def _open_workbook(path: Path, source: str) -> Any:
    import openpyxl

    if not path.exists():
        raise InstrumentError(source, "", "no such file; check the path")
    if path.is_dir():
        raise InstrumentError(source, "", "is a folder; give the XLSForm workbook (.xlsx)")
    if path.suffix.lower() == ".xls":
        raise InstrumentError(
            source, "", "is an old-style .xls workbook; open it in Excel and save it as .xlsx"
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise InstrumentError(source, "", f"cannot be read ({exc.strerror})") from None
    if size > MAX_FORM_BYTES:
        raise InstrumentError(
            source, "", f"is {size:,} bytes, too large for an XLSForm; is it a data export?"
        )
    if head != b"PK\x03\x04" or not zipfile.is_zipfile(path):
        raise InstrumentError(
            source, "", "is not an .xlsx workbook; save the XLSForm from Excel as .xlsx"
        )
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on a damaged package
        raise InstrumentError(
            source, "", f"the workbook cannot be read ({type(exc).__name__}); save it again"
        ) from None


# ---------------------------------------------------------------------------------------------
# What the survey sheet holds.


@dataclass
class _Group:
    row: int
    name: str
    label: str
    kind: str  # "group" or "repeat"
    parent: _Group | None
    dimension: str  # ipss_dimension / ipss_subdimension on the row, if given
    subdimension: str
    direction: str | None
    description: str

    @property
    def depth(self) -> int:
        return 1 + (self.parent.depth if self.parent else 0)

    def ancestors(self) -> list[_Group]:
        """Outermost first, this group last."""
        return ([*self.parent.ancestors()] if self.parent else []) + [self]

    def in_repeat(self) -> bool:
        return any(g.kind == "repeat" for g in self.ancestors())


@dataclass
class _Question:
    row: int
    kind: str  # "select_one", "select_multiple", "text", "select_one_from_file"
    name: str
    code: str
    list_name: str
    or_other: bool
    text: str
    group: _Group | None
    values: tuple[Any, ...]
    where: str


@dataclass
class _Choice:
    row: int
    name: str
    labels: list[str]
    values: tuple[Any, ...]

    @property
    def texts(self) -> list[str]:
        return [*self.labels, self.name]


@dataclass
class _List:
    """A choice list read as a rating scale, or the reasons it is not one."""

    scale: Scale | None
    not_rating: str  # why it is not a rating scale ("" if it is)
    direction_known: bool
    notes: list[ImportNote]


_SELECT = re.compile(
    r"^(select_one|select one|select1|select_multiple|select multiple)\s+(\S+)"
    r"(?:\s+(or_other|or other))?$"
)


class _FormReader:
    """Reads one form: the survey walk, then the lists, then the constructs."""

    def __init__(self, source: str, path: Path, sheets: dict[str, _Sheet]) -> None:
        self.source = source
        self.path = path
        self.survey = sheets["survey"]
        self.choices = sheets.get("choices")
        self.settings = sheets.get("settings")
        self.maturity_sheet = sheets.get("ipss_maturity")
        self.classification_sheet = sheets.get("ipss_classifications")
        self.notes: list[ImportNote] = []
        self.lists: dict[str, list[_Choice]] = {}
        self.list_rows: dict[str, int] = {}
        self.list_cache: dict[str, _List] = {}
        self.setting_values: dict[str, str] = {}
        if self.settings and self.settings.rows:
            values = self.settings.rows[0][1]
            for key in self.settings.columns:
                self.setting_values[key] = self.settings.get(values, key)

    def fail(self, where: str, message: str) -> InstrumentError:
        return InstrumentError(self.source, where, message)

    def note(self, code: str, message: str, **kw: Any) -> None:
        self.notes.append(ImportNote(code, message, **kw))

    # -- small readers ------------------------------------------------------------------------

    def flag(self, sheet: _Sheet, values: tuple[Any, ...], key: str, where: str) -> bool | None:
        text = sheet.get(values, key).casefold()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self.fail(f"{where}, column {key}", f"expected true or false, found {text!r}")

    def choice_of(self, text: str, where: str, allowed: Sequence[str]) -> str | None:
        if not text:
            return None
        if text not in allowed:
            raise self.fail(where, f"expected one of {', '.join(allowed)}, found {text!r}")
        return text

    # -- the choices sheet ----------------------------------------------------------------------

    def read_choices(self) -> None:
        sheet = self.choices
        if sheet is None:
            return
        if not (sheet.has("list_name") or sheet.has("list name")):
            raise self.fail(
                f"sheet {sheet.title}, row 1",
                "the choices sheet needs a 'list_name' column (and 'name', 'label')",
            )
        for r, values in sheet.rows:
            list_name = sheet.get(values, "list_name", "list name")
            name = sheet.get(values, "name", "value")
            if not list_name:
                continue
            where = f"choices row {r} (list {list_name}, name: {name})"
            if not name:
                raise self.fail(f"choices row {r} (list {list_name})", "a choice needs a 'name'")
            entries = self.lists.setdefault(list_name, [])
            self.list_rows.setdefault(list_name, r)
            for other in entries:
                if other.name == name:
                    raise self.fail(
                        where,
                        f"choice name {name!r} is used twice in list {list_name!r} (first at "
                        f"row {other.row}); give each choice of a list its own name",
                    )
            entries.append(_Choice(r, name, sheet.labels(values), values))

    # -- the survey sheet -----------------------------------------------------------------------

    def walk(self) -> tuple[list[_Question], list[_Group], list[tuple[int, str, str]]]:
        """Every question row, every group, and the rows that are neither (row, type, name)."""
        sheet = self.survey
        if not sheet.has("type"):
            raise self.fail(
                f"sheet {sheet.title}, row 1",
                "the survey sheet has no 'type' column; the first row must hold the column "
                "names (type, name, label)",
            )
        questions: list[_Question] = []
        groups: list[_Group] = []
        ignored: list[tuple[int, str, str]] = []
        open_groups: list[_Group] = []
        for r, values in sheet.rows:
            raw_type = " ".join(sheet.get(values, "type").split())
            kind = raw_type.casefold()
            name = sheet.get(values, "name")
            where = f"survey row {r}" + (f" (name: {name})" if name else "")
            if not kind:
                if name:
                    ignored.append((r, "(no type)", name))
                continue
            parent = open_groups[-1] if open_groups else None
            if kind in {"begin group", "begin_group", "begin repeat", "begin_repeat"}:
                labels = sheet.labels(values)
                group = _Group(
                    row=r,
                    name=name,
                    label=labels[0] if labels else "",
                    kind="repeat" if "repeat" in kind else "group",
                    parent=parent,
                    dimension=sheet.get(values, "ipss_dimension"),
                    subdimension=sheet.get(values, "ipss_subdimension"),
                    direction=self.choice_of(
                        sheet.get(values, "ipss_direction"),
                        f"{where}, column ipss_direction",
                        DIRECTIONS,
                    ),
                    description=sheet.get(values, "ipss_description"),
                )
                open_groups.append(group)
                groups.append(group)
                continue
            if kind in {"end group", "end_group", "end repeat", "end_repeat"}:
                want = "repeat" if "repeat" in kind else "group"
                if not open_groups:
                    raise self.fail(where, f"'{raw_type}' with no 'begin {want}' before it")
                top = open_groups.pop()
                if top.kind != want:
                    raise self.fail(
                        where,
                        f"'{raw_type}' closes 'begin {top.kind}' of row {top.row}; end it with "
                        f"'end {top.kind}'",
                    )
                continue
            m = _SELECT.match(kind)
            id_row = kind == "integer" and name.casefold() in _RESPONDENT_ID_NAMES
            if m or kind == "text" or id_row or kind.startswith("select_one_from_file"):
                if not name:
                    raise self.fail(where, f"a '{raw_type}' question needs a 'name'")
                if m:
                    qkind = "select_multiple" if "multiple" in m.group(1) else "select_one"
                    list_name = raw_type.split()[-2 if m.group(3) else -1]
                    if m.group(3) == "or other":
                        list_name = raw_type.split()[-3]
                elif kind in {"text", "integer"}:
                    qkind, list_name = kind, ""
                else:
                    qkind, list_name = "select_one_from_file", ""
                labels = sheet.labels(values)
                code = sheet.get(values, "ipss_code") or name
                text = labels[0] if labels else ""
                questions.append(
                    _Question(
                        row=r,
                        kind=qkind,
                        name=name,
                        code=code,
                        list_name=list_name,
                        or_other=bool(m and m.group(3)),
                        text="" if text in (code, name) else text,
                        group=parent,
                        values=values,
                        where=where,
                    )
                )
                continue
            ignored.append((r, raw_type, name))
        if open_groups:
            g = open_groups[-1]
            raise self.fail(
                f"survey row {g.row}" + (f" (name: {g.name})" if g.name else ""),
                f"'begin {g.kind}' has no matching 'end {g.kind}'; add one after its last question",
            )
        return questions, groups, ignored

    # -- choice lists as scales -----------------------------------------------------------------

    def rating_list(self, list_name: str, used_by: list[str]) -> _List:
        """The list read as a rating scale, once for all the questions that use it."""
        if list_name in self.list_cache:
            return self.list_cache[list_name]
        found = self.build_list(list_name, used_by)
        self.list_cache[list_name] = found
        return found

    def build_list(self, list_name: str, used_by: list[str]) -> _List:
        sheet = self.choices
        assert sheet is not None
        choices = self.lists[list_name]
        notes: list[ImportNote] = []

        def note(code: str, message: str, level: str = "note") -> None:
            notes.append(ImportNote(code, message, level, "scale", tuple(used_by)))

        def where(ch: _Choice) -> str:
            return f"choices row {ch.row} (list {list_name}, name: {ch.name})"

        # Which choices mean "no answer": the ipss_missing column, else the vocabulary.
        missing: dict[int, str] = {}  # index in list -> kind
        guessed: list[int] = []  # missing by the vocabulary, not by the column
        for i, ch in enumerate(choices):
            marked = self.flag(sheet, ch.values, "ipss_missing", where(ch))
            kind = missing_kind(ch.texts)
            if marked is True:
                missing[i] = kind or "marked"
            elif marked is None and kind:
                missing[i] = kind
                guessed.append(i)
        substantive = [i for i in range(len(choices)) if i not in missing]
        explicit = any(sheet.get(choices[i].values, "ipss_code") for i in substantive)
        if len(substantive) > MAX_RATING_POINTS and not explicit:
            return _List(None, f"it has {len(substantive)} choices", False, notes)
        if not explicit and any(is_other(choices[i].texts) for i in substantive):
            return _List(None, "it has an 'other' choice", False, notes)
        if len(substantive) < 2:
            return _List(None, "it has fewer than two substantive choices", False, notes)

        # Codes: the ipss_code column; else the names when all are whole numbers; else the
        # positions, turned round when the favourable answer is listed first.
        codes: dict[int, int] = {}
        by_name = not explicit and all(_integer(choices[i].name) is not None for i in substantive)
        for i in substantive if explicit or by_name else ():
            ch = choices[i]
            text = sheet.get(ch.values, "ipss_code") if explicit else ch.name
            if not text:
                raise self.fail(
                    where(ch),
                    "this list gives other choices an ipss_code; give every choice of the "
                    "list one, or none",
                )
            codes[i] = self.int_code(text, f"{where(ch)}, column ipss_code")
        given = explicit or by_name
        ordered = sorted(substantive, key=lambda i: codes[i]) if given else substantive
        first_choice, last_choice = choices[ordered[0]], choices[ordered[-1]]
        first, last = anchor_side(first_choice.texts), anchor_side(last_choice.texts)
        up = first == "unfavourable" or last == "favourable"
        down = first == "favourable" or last == "unfavourable"
        direction = "up" if up and not down else "down" if down and not up else "unknown"
        if not given:
            order = substantive[::-1] if direction == "down" else substantive
            codes.update((i, pos) for pos, i in enumerate(order, start=1))
        seen: dict[int, int] = {}
        for i in substantive:
            if codes[i] in seen:
                raise self.fail(
                    where(choices[i]),
                    f"code {codes[i]} is also the code of row {choices[seen[codes[i]]].row}",
                )
            seen[codes[i]] = i
        points = tuple(sorted(codes.values()))
        if points[0] < -100 or points[-1] > 100:
            raise self.fail(
                f"choices row {self.list_rows[list_name]} (list {list_name})",
                "a scale's codes must lie between -100 and 100",
            )
        ends = f"{_show(first_choice)} ... {_show(last_choice)}"
        if direction == "down" and not given:
            top = choices[seen[points[-1]]]
            note(
                "direction_guessed",
                f"list {list_name!r} lists the favourable answer first ({ends}); coded so "
                f"that {_show(top)} is {points[-1]}, the highest code",
            )

        # Missing codes: the ipss_code column, a numeric name, else by kind (97, 98, 99).
        taken = set(points)
        for i, kind in missing.items():
            ch = choices[i]
            text = sheet.get(ch.values, "ipss_code")
            code = self.int_code(text, f"{where(ch)}, column ipss_code") if text else None
            if code is None and _integer(ch.name) is not None:
                code = _integer(ch.name)
            if code is not None and code in taken:
                if text:
                    raise self.fail(where(ch), f"missing code {code} is also used in this list")
                code = None
            if code is None:
                code = MISSING_KINDS.get(kind, (99, ""))[0]
                while code in taken:
                    code -= 1
            codes[i] = code
            taken.add(code)
        if guessed:
            shown = ", ".join(f"{codes[i]} = {_show(choices[i])}" for i in guessed)
            note("missing_guessed", f"list {list_name!r}: 'no answer' choices: {shown}")

        marks = self.agreement_marks(list_name, choices, substantive, codes)
        if marks is not None:
            agree, neutral = marks
        else:
            low = given and direction == "down"
            if direction == "unknown":
                note(
                    "direction_unknown",
                    f"list {list_name!r}: which end is favourable cannot be told from {ends}; "
                    "the highest code is taken as the favourable end (mark the agreement "
                    "choices with ipss_agree, or a list that is not a rating with ipss_type: "
                    "categorical on its questions)",
                    "warning",
                )
            elif low:
                bottom = choices[seen[points[0]]]
                note(
                    "direction_guessed",
                    f"list {list_name!r}: the favourable answer has the lowest code "
                    f"({points[0]} = {_show(bottom)}), so agreement is the low end of the scale",
                )
            agree, neutral = _guess_agreement(points, low=low)
            by_code = {codes[i]: choices[i] for i in substantive}
            words = "the favourable point" if len(agree) == 1 else "the two favourable points"
            message = f"agreement codes guessed: {words} (" + ", ".join(
                f"{c} = {_show(by_code[c])}" for c in agree
            )
            message += ")"
            if neutral:
                message += f"; neutral: the middle point ({neutral[0]} = "
                message += f"{_show(by_code[neutral[0]])})"
            note("agree_guessed", message)
        labels, aliases = self.texts(list_name, choices, codes, note)
        missing_codes = tuple(codes[i] for i in missing)
        scale = Scale(points, labels, agree, neutral, missing_codes, aliases)
        known = direction != "unknown" or explicit or marks is not None
        return _List(scale, "", known, notes)

    def agreement_marks(
        self,
        list_name: str,
        choices: list[_Choice],
        substantive: list[int],
        codes: dict[int, int],
    ) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """Agreement and neutral codes as the ipss_agree/ipss_neutral columns mark them; None
        when the list marks neither (then they are guessed)."""
        sheet = self.choices
        assert sheet is not None
        marked = False
        agree: list[int] = []
        neutral: list[int] = []
        for i in substantive:
            ch = choices[i]
            where = f"choices row {ch.row} (list {list_name}, name: {ch.name})"
            a = self.flag(sheet, ch.values, "ipss_agree", where)
            n = self.flag(sheet, ch.values, "ipss_neutral", where)
            marked = marked or a is not None or n is not None
            if a and n:
                raise self.fail(where, "a choice cannot be both ipss_agree and ipss_neutral")
            if a:
                agree.append(codes[i])
            if n:
                neutral.append(codes[i])
        if not marked:
            return None
        if not agree:
            raise self.fail(
                f"choices row {self.list_rows[list_name]} (list {list_name})",
                "the list marks ipss_agree on no choice; mark the choices that count as "
                "agreement true",
            )
        return tuple(sorted(agree)), tuple(sorted(neutral))

    def texts(
        self,
        list_name: str,
        choices: list[_Choice],
        codes: dict[int, int],
        note: Any,
    ) -> tuple[dict[int, str], dict[int, tuple[str, ...]]]:
        """Every text accepted for each code: labels in every language (the default first),
        the ipss_aliases lines, and the choice name (unless it is the number itself)."""
        sheet = self.choices
        assert sheet is not None
        used: dict[str, int] = {}
        labels: dict[int, str] = {}
        aliases: dict[int, tuple[str, ...]] = {}
        for i, ch in enumerate(choices):
            code = codes[i]
            texts = [*ch.labels, *_lines(sheet.get(ch.values, "ipss_aliases"))]
            if _integer(ch.name) is None:
                texts.append(ch.name)
            kept: list[str] = []
            own: set[str] = set()
            for text in texts:
                norm = normalise_label(text)
                if not norm or text == str(code) or norm in own:
                    continue
                if used.get(norm, code) != code:
                    note(
                        "alias_dropped",
                        f"list {list_name!r}: {text!r} (choices row {ch.row}) is already a "
                        f"text of code {used[norm]}, so it is not accepted for {code} too",
                        "warning",
                    )
                    continue
                used[norm] = code
                own.add(norm)
                kept.append(text)
            if kept:
                labels[code] = kept[0]
                aliases[code] = tuple(kept)
        order = sorted(labels)
        return {k: labels[k] for k in order}, {k: aliases[k] for k in order}

    def int_code(self, text: str, where: str) -> int:
        value = _integer(text)
        if value is None:
            raise self.fail(where, f"expected a whole-number code, found {text!r}")
        return value

    def options(self, list_name: str, q: _Question) -> tuple[Option, ...]:
        """A list as the options of a question that is not rated: code = choice name (or
        ipss_code), labels = the labels in every language."""
        sheet = self.choices
        assert sheet is not None
        out: list[Option] = []
        used: dict[str, str] = {}
        for ch in self.lists[list_name]:
            code = sheet.get(ch.values, "ipss_code") or ch.name
            if normalise_label(code) in used:
                raise self.fail(
                    f"choices row {ch.row} (list {list_name}, name: {ch.name})",
                    f"option code {code!r} is also a text of option "
                    f"{used[normalise_label(code)]!r}; give each option its own name",
                )
            used[normalise_label(code)] = code
            kept: list[str] = []
            for text in [*ch.labels, *_lines(sheet.get(ch.values, "ipss_aliases"))]:
                norm = normalise_label(text)
                if not norm or any(normalise_label(k) == norm for k in kept):
                    continue
                if used.get(norm, code) != code:
                    self.note(
                        "alias_dropped",
                        f"list {list_name!r}: {text!r} (choices row {ch.row}) is already a text "
                        f"of option {used[norm]!r}, so it is not accepted for {code!r} too",
                        level="warning",
                        scope="question",
                        subjects=(q.code,),
                    )
                    continue
                used[norm] = code
                kept.append(text)
            out.append(Option(code, tuple(kept) or (code,)))
        return tuple(out)

    # -- the instrument -------------------------------------------------------------------------

    def run(self) -> XlsformImport:
        self.read_choices()
        questions, groups, ignored = self.walk()
        sheet = self.survey
        has_ipss_type = sheet.has("ipss_type")

        respondent_id: str | None = None
        items: list[tuple[_Question, Scale]] = []
        plain: list[tuple[_Question, Question]] = []
        seen_codes: dict[str, str] = {}
        repeat_skipped: list[str] = []
        for q in questions:
            if q.group and q.group.in_repeat():
                repeat_skipped.append(q.name)
                continue
            norm = normalise_column(q.code)
            if norm in seen_codes:
                raise self.fail(
                    q.where,
                    f"code {q.code!r} is already used at {seen_codes[norm]}; each question "
                    "needs its own name (names that differ only in case count as one)",
                )
            seen_codes[norm] = q.where
            ipss_type = sheet.get(q.values, "ipss_type").casefold()
            if ipss_type and ipss_type not in {"item", "categorical", "respondent_id"}:
                raise self.fail(
                    f"{q.where}, column ipss_type",
                    f"expected item, categorical or respondent_id, found {ipss_type!r}",
                )
            if ipss_type == "respondent_id" or (
                not has_ipss_type
                and respondent_id is None
                and q.kind in {"text", "integer"}
                and q.name.casefold() in _RESPONDENT_ID_NAMES
            ):
                respondent_id = q.code
                if ipss_type != "respondent_id":
                    self.note(
                        "respondent_id",
                        f"question {q.name!r} (survey row {q.row}) is taken as the respondent "
                        "id column",
                    )
                continue
            if q.kind in {"select_one", "select_multiple"}:
                if self.choices is None:
                    raise self.fail(
                        q.where,
                        f"the question uses choice list {q.list_name!r}, but the workbook has "
                        "no 'choices' sheet",
                    )
                if q.list_name not in self.lists:
                    known = name_list(sorted(self.lists), limit=12) or "none"
                    raise self.fail(
                        q.where,
                        f"choice list {q.list_name!r} has no choices on the choices sheet "
                        f"(lists: {known}); add its choices or correct the list name in 'type'",
                    )
            if q.kind == "select_one" and ipss_type == "categorical":
                plain.append((q, self.question(q, "categorical", self.options(q.list_name, q))))
            elif q.kind == "select_one":
                users = [x.code for x in questions if x.list_name == q.list_name]
                found = self.rating_list(q.list_name, users)
                why = found.not_rating
                if not why and not found.direction_known and ipss_type != "item":
                    words = _name_words(q.name) | _name_words(q.list_name)
                    if words & _BACKGROUND_WORDS:
                        why = "its name suggests a place or background fact"
                    elif sheet.get(q.values, "choice_filter"):
                        why = "it is filtered by an earlier answer (a cascading list)"
                if q.or_other:
                    why = why or "it has an 'or_other' choice"
                if why and ipss_type != "item":
                    self.note(
                        "categorical",
                        f"question {q.code!r} is categorical (not scored, usable for "
                        f"grouping): its list {q.list_name!r} is not a rating scale ({why})",
                        scope="question",
                        subjects=(q.code,),
                    )
                    plain.append((q, self.question(q, "categorical", self.options(q.list_name, q))))
                    continue
                if found.scale is None:
                    raise self.fail(
                        q.where,
                        f"ipss_type is item, but list {q.list_name!r} is not a rating scale "
                        f"({found.not_rating})",
                    )
                items.append((q, found.scale))
            elif q.kind == "select_multiple":
                options = self.options(q.list_name, q)
                if len(options) < 2:
                    raise self.fail(q.where, "a select_multiple question needs two or more choices")
                plain.append((q, self.question(q, "select_multiple", options)))
            elif q.kind == "select_one_from_file":
                plain.append((q, self.question(q, "categorical", ())))
            elif q.kind == "integer":
                ignored.append((q.row, "integer", q.name))
            else:
                plain.append((q, self.question(q, "text", ())))
        if repeat_skipped:
            self.note(
                "repeat_ignored",
                f"{len(repeat_skipped)} question(s) inside repeats are not read (a repeat "
                f"holds several answers per respondent): {name_list(repeat_skipped, 8)}",
                level="warning",
            )
        if ignored:
            counts = Counter(t for _, t, _ in ignored)
            shown = ", ".join(f"{n} {t}" for t, n in counts.most_common())
            self.note("rows_ignored", f"rows not read as questions: {shown}")
        for name, found in self.list_cache.items():
            if found.scale is not None and any(q.list_name == name for q, _ in items):
                self.notes.extend(
                    n._replace(subjects=tuple(q.code for q, _ in items if q.list_name == name))
                    for n in found.notes
                )
        if not items:
            raise self.fail(
                "survey",
                f"no rating questions: the form has {len(plain)} other question(s) and no "
                "select_one question whose list is a rating scale; the accepted rows are "
                + _ACCEPTED_TYPES,
            )
        return self.assemble(items, plain, groups, respondent_id)

    def question(self, q: _Question, kind: str, options: tuple[Option, ...]) -> Question:
        sheet = self.survey
        codebook = sheet.get(q.values, "ipss_codebook") or None
        if codebook and kind != "text":
            raise self.fail(
                f"{q.where}, column ipss_codebook", "only a text question has a codebook"
            )
        return Question(
            code=q.code,
            type=kind,
            text=q.text,
            options=options,
            codebook=codebook,
            dimension=sheet.get(q.values, "ipss_dimension") or None,
            source=sheet.get(q.values, "ipss_source"),
            provenance=self.choice_of(
                sheet.get(q.values, "ipss_provenance"),
                f"{q.where}, column ipss_provenance",
                PROVENANCES,
            ),
        )

    def form_identity(self) -> tuple[str, str, str]:
        s = self.setting_values
        iid = s.get("ipss_id") or s.get("form_id") or self.path.stem
        iid = re.sub(r"\s+", "-", iid.strip()) or "form"
        title = s.get("form_title") or s.get("title") or iid
        return iid, title, s.get("version", "")

    def assemble(
        self,
        items: list[tuple[_Question, Scale]],
        plain: list[tuple[_Question, Question]],
        groups: list[_Group],
        respondent_id: str | None,
    ) -> XlsformImport:
        sheet = self.survey
        iid, title, version = self.form_identity()
        # Where each item goes: (dimension key, sub-dimension key or None).
        dims: dict[str, _Dim] = {}
        explicit_ids: set[str] = set()
        for g in groups:
            for value in (g.dimension, g.subdimension):
                if value:
                    explicit_ids.add(value.casefold())
        for q, _scale in items:
            for key in ("ipss_dimension", "ipss_subdimension"):
                if sheet.get(q.values, key):
                    explicit_ids.add(sheet.get(q.values, key).casefold())
        ids = _Ids(explicit_ids)
        group_dims: dict[int, _Dim] = {}
        group_subs: dict[int, str] = {}
        form_dim: _Dim | None = None
        for q, scale in items:
            chain = [g for g in (q.group.ancestors() if q.group else [])]
            dim_id = sheet.get(q.values, "ipss_dimension")
            sub_id = sheet.get(q.values, "ipss_subdimension")
            if dim_id:
                dim = dims.get(dim_id)
                if dim is None:
                    named = next((g for g in groups if g.dimension == dim_id), None)
                    dim = _Dim(dim_id, named.label or dim_id if named else dim_id, named)
                    dims[dim_id] = dim
                    ids.claim(dim_id)
                in_group = bool(chain) and group_dims.get(chain[0].row) is dim
                sub_group = chain[1] if in_group and len(chain) > 1 else None
            elif chain:
                top = chain[0]
                dim = group_dims.get(top.row)
                if dim is None:
                    did = top.dimension or ids.new(
                        top.name or _slug(top.label) or f"group{top.row}"
                    )
                    if top.dimension:
                        ids.claim(did)
                    dim = dims.get(did) or _Dim(did, top.label or did, top)
                    dims.setdefault(did, dim)
                    group_dims[top.row] = dim
                sub_group = chain[1] if len(chain) > 1 else None
                if len(chain) > 2:
                    self.note(
                        "groups_flattened",
                        f"question {q.code!r} is in a group nested {len(chain)} deep; it is "
                        f"put in sub-dimension {chain[1].name or chain[1].label!r}",
                        scope="item",
                        subjects=(q.code,),
                    )
            else:
                if form_dim is None:
                    form_dim = _Dim(ids.new(_slug(iid) or "form"), title, None)
                    dims[form_dim.id] = form_dim
                    self.note(
                        "ungrouped_items",
                        f"questions outside any group form dimension {form_dim.id!r} "
                        f"(named after the form)",
                        scope="dimension",
                        subjects=(form_dim.id,),
                    )
                dim = form_dim
                sub_group = None
            if not sub_id and sub_group is not None:
                if sub_group.row not in group_subs:
                    group_subs[sub_group.row] = sub_group.subdimension or ids.new(
                        sub_group.name or _slug(sub_group.label) or f"group{sub_group.row}",
                        prefix=dim.id,
                    )
                    if sub_group.subdimension:
                        ids.claim(sub_group.subdimension)
                sub_id = group_subs[sub_group.row]
                dim.sub_groups.setdefault(sub_id, sub_group)
            elif sub_id:
                named = next((g for g in groups if g.subdimension == sub_id), None)
                if named is not None:
                    dim.sub_groups.setdefault(sub_id, named)
                ids.claim(sub_id)
            dim.place(sub_id or None, q, scale)
        # Sub-dimension ids must belong to one dimension only.
        owner: dict[str, str] = {}
        for dim in dims.values():
            for sid in dim.subs:
                if sid is None:
                    continue
                if sid.casefold() in owner and owner[sid.casefold()] != dim.id:
                    row = dim.subs[sid][0][0]
                    raise self.fail(
                        row.where,
                        f"sub-dimension {sid!r} is also a sub-dimension of "
                        f"{owner[sid.casefold()]!r}; give each sub-dimension its own id",
                    )
                owner[sid.casefold()] = dim.id
        all_items: list[Item] = []
        constructs: list[Construct] = []
        for dim in dims.values():
            direction = (dim.group.direction if dim.group else None) or DIRECTIONS[0]
            description = dim.group.description if dim.group else ""
            if None in dim.subs and len(dim.subs) > 1:
                gid = ids.new(f"{dim.id}-items")
                dim.subs = {(gid if k is None else k): v for k, v in dim.subs.items()}
                self.note(
                    "direct_items",
                    f"group {dim.id!r} holds questions and groups; its own questions form "
                    f"sub-dimension {gid!r}",
                    scope="dimension",
                    subjects=(dim.id,),
                )
                dim.sub_names[gid] = dim.name
            if list(dim.subs) == [None]:
                codes = []
                for q, scale in dim.subs[None]:
                    all_items.append(self.item(q, scale, dim.id, None))
                    codes.append(q.code)
                constructs.append(
                    Construct(
                        dim.id, dim.name, "dimension", None, tuple(codes), direction, description
                    )
                )
                continue
            subs = []
            for sid, members in dim.subs.items():
                assert sid is not None
                g = dim.sub_groups.get(sid)
                sname = dim.sub_names.get(sid) or (g.label if g and g.label else sid)
                sdir = (g.direction if g else None) or direction
                codes = []
                for q, scale in members:
                    all_items.append(self.item(q, scale, dim.id, sid))
                    codes.append(q.code)
                subs.append(
                    Construct(
                        sid,
                        sname,
                        "subdimension",
                        dim.id,
                        tuple(codes),
                        sdir,
                        g.description if g else "",
                    )
                )
            constructs.append(
                Construct(
                    dim.id,
                    dim.name,
                    "dimension",
                    None,
                    tuple(c for s in subs for c in s.items),
                    direction,
                    description,
                )
            )
            constructs.extend(subs)
        first_use: dict[str, str] = {}
        for c in constructs:
            if c.id.casefold() in first_use and first_use[c.id.casefold()] != c.level + c.id:
                raise self.fail(
                    "survey",
                    f"construct id {c.id!r} names both a dimension and a sub-dimension (ids "
                    "that differ only in case count as one); change ipss_dimension or "
                    "ipss_subdimension, or the group name",
                )
            first_use.setdefault(c.id.casefold(), c.level + c.id)
        dim_ids = {c.id for c in constructs if c.level == "dimension"}
        placed = []
        for row, q in plain:
            if q.dimension is not None and q.dimension not in dim_ids:
                raise self.fail(
                    f"{row.where}, column ipss_dimension",
                    f"no dimension {q.dimension!r}; dimensions: {', '.join(sorted(dim_ids))}",
                )
            if q.dimension is None and row.group is not None:
                dim = group_dims.get(row.group.ancestors()[0].row)
                q = replace(q, dimension=dim.id if dim else None)
            placed.append(q)
        items_done, questions_done = tuple(all_items), tuple(placed)
        instrument = Instrument(
            id=iid,
            title=title,
            version=version,
            source=self.setting_values.get("ipss_source", ""),
            description=self.setting_values.get("ipss_description", ""),
            respondent_id=respondent_id,
            scale=self.instrument_scale(all_items),
            items=tuple(all_items),
            constructs=tuple(constructs),
            maturity=self.maturity(),
            maturity_basis=self.setting_values.get("ipss_maturity_basis", ""),
            origin=self.source,
            questions=questions_done,
            classifications=self.classifications(items_done, questions_done),
        )
        return XlsformImport(instrument, tuple(self.notes))

    def item(self, q: _Question, scale: Scale, dim: str, sub: str | None) -> Item:
        sheet = self.survey
        reverse = bool(self.flag(sheet, q.values, "ipss_reverse", q.where))
        if reverse and {scale.reverse(p) for p in scale.points} != set(scale.points):
            raise self.fail(
                f"{q.where}, column ipss_reverse",
                f"the item is reverse-keyed (min + max - value), but its list's codes "
                f"{list(scale.points)} are not symmetric; give the list evenly spaced codes",
            )
        return Item(
            code=q.code,
            text=q.text,
            reverse=reverse,
            scale=scale,
            dimension=dim,
            subdimension=sub,
            text_incomplete=bool(self.flag(sheet, q.values, "ipss_text_incomplete", q.where)),
            source=sheet.get(q.values, "ipss_source"),
            provenance=self.choice_of(
                sheet.get(q.values, "ipss_provenance"),
                f"{q.where}, column ipss_provenance",
                PROVENANCES,
            ),
        )

    def instrument_scale(self, items: list[Item]) -> Scale | None:
        """The instrument-wide scale: the list the settings sheet names (ipss_scale), else
        the one most items use."""
        if "ipss_scale" in self.setting_values:
            name = self.setting_values["ipss_scale"]
            if not name:
                return None
            where = "settings row 2, column ipss_scale"
            if name not in self.lists:
                raise self.fail(where, f"no choice list {name!r} on the choices sheet")
            found = self.rating_list(name, [])
            if found.scale is None:
                raise self.fail(where, f"list {name!r} is not a rating scale ({found.not_rating})")
            return found.scale
        counts = Counter(id(it.scale) for it in items)
        best = max(counts.values())
        return next(it.scale for it in items if counts[id(it.scale)] == best)

    def classifications(
        self, items: tuple[Item, ...], questions: tuple[Question, ...]
    ) -> tuple[Classification, ...]:
        """The ``ipss_classifications`` sheet (a row per class, conditions as YAML flow text
        in ``when``), checked as an instrument file's ``classifications:`` are."""
        import yaml

        sheet = self.classification_sheet
        if sheet is None:
            return ()
        found: dict[str, dict[str, Any]] = {}
        for r, values in sheet.rows:
            where = f"sheet {sheet.title} row {r}"
            cid = sheet.get(values, "classification")
            if not cid:
                raise self.fail(where, "a row needs the id of its 'classification'")
            entry = found.setdefault(cid, {"id": cid, "classes": []})
            for column, key in (
                ("classification_name", "name"),
                ("classification_description", "description"),
                ("classification_source", "source"),
            ):
                if sheet.get(values, column):
                    entry[key] = sheet.get(values, column)
            rule: dict[str, Any] = {"id": sheet.get(values, "class")}
            for column, key in (("class_name", "name"), ("class_description", "description")):
                if sheet.get(values, column):
                    rule[key] = sheet.get(values, column)
            if sheet.get(values, "otherwise").casefold() in {"true", "yes", "1"}:
                entry["otherwise"] = rule
                continue
            text = sheet.get(values, "when")
            try:
                rule["when"] = yaml.safe_load(text) if text else None
            except yaml.YAMLError:
                raise self.fail(
                    f"{where}, column when",
                    "expected the conditions as YAML, as in [{question: TARGET, equals: external}]",
                ) from None
            entry["classes"].append(rule)
        try:
            return parse_classifications(list(found.values()), self.source, items, questions)
        except InstrumentError as exc:
            message = str(exc)[len(f"{exc.source}: {exc.path}: ") :]
            raise self.fail(f"sheet {sheet.title}: {exc.path}", message) from None

    def maturity(self) -> tuple[MaturityLevel, ...]:
        sheet = self.maturity_sheet
        if sheet is None:
            return ()
        levels: list[MaturityLevel] = []
        for r, values in sheet.rows:
            where = f"sheet {sheet.title} row {r}"
            low_text, label = sheet.get(values, "min"), sheet.get(values, "label")
            try:
                low = float(low_text)
            except ValueError:
                raise self.fail(where, f"'min' must be a number, found {low_text!r}") from None
            if not label:
                raise self.fail(where, "a maturity level needs a 'label'")
            if levels and low <= levels[-1].min:
                raise self.fail(where, "levels must be listed lowest first with rising minimums")
            levels.append(MaturityLevel(low, label))
        return tuple(levels)


@dataclass
class _Dim:
    id: str
    name: str
    group: _Group | None
    subs: dict[str | None, list[tuple[_Question, Scale]]] = field(default_factory=dict)
    sub_groups: dict[str, _Group] = field(default_factory=dict)
    sub_names: dict[str, str] = field(default_factory=dict)

    def place(self, sub: str | None, q: _Question, scale: Scale) -> None:
        self.subs.setdefault(sub, []).append((q, scale))


class _Ids:
    """Construct ids, unique ignoring case: a group name already taken gets its dimension's id
    as a prefix (``LEA-data``), then a number."""

    def __init__(self, reserved: set[str]) -> None:
        self.reserved = set(reserved)
        self.used: set[str] = set()

    def claim(self, cid: str) -> None:
        self.used.add(cid.casefold())

    def new(self, base: str, prefix: str = "") -> str:
        base = re.sub(r"\s+", "_", base.strip()) or "group"
        taken = self.used | self.reserved
        candidates = [base] + ([f"{prefix}-{base}"] if prefix else [])
        for cand in candidates:
            if cand.casefold() not in taken:
                self.used.add(cand.casefold())
                return cand
        n = 2
        while f"{candidates[-1]}_{n}".casefold() in taken:
            n += 1
        self.used.add(f"{candidates[-1]}_{n}".casefold())
        return f"{candidates[-1]}_{n}"


def _guess_agreement(
    points: tuple[int, ...], *, low: bool
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Agreement where the form does not say: the favourable point of a list of two or three
    points, the two favourable points of a longer one; the middle point of an odd list of
    three or more is neutral."""
    n = len(points)
    take = 1 if n <= 3 else 2
    agree = points[:take] if low else points[-take:]
    neutral = (points[n // 2],) if n % 2 and n >= 3 else ()
    return agree, neutral


def _integer(text: str) -> int | None:
    t = text.strip()
    if re.fullmatch(r"[-+]?\d+", t):
        return int(t)
    return None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "_", text.strip()).strip("_")


def _name_words(name: str) -> set[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return {w.casefold() for w in re.split(r"[^A-Za-z]+", spaced) if w}


def _show(choice: _Choice) -> str:
    return repr(one_line(choice.labels[0] if choice.labels else choice.name))


def read_xlsform(path: str | Path) -> XlsformImport:
    """Read an XLSForm (.xlsx) as an instrument, with what had to be inferred to read it.

    Parameters
    ----------
    path
        The form workbook, as designed in Excel or downloaded from KoboToolbox/ODK.

    Returns
    -------
    XlsformImport
        ``instrument`` (its ``origin`` is ``str(path)``) and ``notes``: each inference as an
        ``ImportNote`` (level "note"), each thing that could not be told (level "warning").

    Raises
    ------
    InstrumentError
        When the form cannot be an instrument: no ``survey`` sheet, a question on a missing
        or empty list, duplicate names, unbalanced groups, a custom column with a bad value.
        The message names the sheet, the row and what to do.
    """
    p = Path(path)
    source = str(p)
    wb = _open_workbook(p, source)
    try:
        by_name = {str(ws.title).strip().casefold(): ws for ws in wb.worksheets}
        if "survey" not in by_name:
            if "ipss_template" in by_name:
                raise InstrumentError(
                    source,
                    "",
                    "is a data-entry template, not an XLSForm: give it as the data file "
                    f"(ipss-survey analyze {p.name}); it names its own instrument",
                )
            raise InstrumentError(
                source,
                "",
                f"the workbook has no 'survey' sheet (sheets: {name_list(wb.sheetnames, 8)}), "
                "so it is not an XLSForm (sheets survey, choices, settings); if it holds "
                f"answers, give it as the data file (ipss-survey analyze {p.name} "
                "--instrument ID)",
            )
        settings_ws = by_name.get("settings")
        settings = _sheet(settings_ws, settings_ws.title) if settings_ws is not None else None
        default_language = ""
        if settings and settings.rows:
            default_language = settings.get(settings.rows[0][1], "default_language")
        sheets = {"settings": settings} if settings else {}
        for name in ("survey", "choices", "ipss_maturity", "ipss_classifications"):
            ws = by_name.get(name)
            if ws is not None:
                sheets[name] = _sheet(ws, ws.title, default_language)
    finally:
        wb.close()
    return _FormReader(source, p, sheets).run()  # type: ignore[arg-type]
