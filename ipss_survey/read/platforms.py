"""Survey platforms' export layouts, recognised from their own marks.

Qualtrics, LimeSurvey, Google Forms, KoboToolbox and ODK Central each write their columns in
a way of their own: extra header rows, question ids beside the column names, group paths in
the names, metadata columns, a respondent id of their own. Recognising the layout lets the
instrument's item codes (or their wording) find their columns with no column map, keeps the
header rows and test responses out of the respondents, and lets the summary say what was
recognised. Nothing here interprets answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ipss_survey.read.rows import per_value
from ipss_survey.read.table import RawTable
from ipss_survey.warnings import RunWarning, WarningCode

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Layout:
    """What a platform's export says about its columns and rows.

    ``aliases`` maps a column to other names it answers to (a Qualtrics ImportId, a Kobo name
    without its group path, a LimeSurvey code without its question text); ``texts`` to the
    question wording it carries (matched to an item's text when no name matches); ``test_rows``
    marks rows that are the platform's previews or tests, with ``test_reason``.
    """

    name: str
    label: str
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    id_columns: tuple[str, ...] = ()
    metadata: frozenset[str] = frozenset()
    test_rows: np.ndarray | None = None
    test_reason: str = ""


def _names(frame: pd.DataFrame) -> list[str]:
    return [str(c) for c in frame.columns]


def _folded(names: list[str]) -> dict[str, str]:
    return {n.strip().casefold(): n for n in names}


def _first_present(names: list[str], wanted: tuple[str, ...]) -> tuple[str, ...]:
    folded = _folded(names)
    return tuple(folded[w.casefold()] for w in wanted if w.casefold() in folded)


def _cell(frame: pd.DataFrame, row: int, col: int) -> str:
    value = frame.iat[row, col]
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


# --------------------------------------------------------------------------- Qualtrics

_QUALTRICS_MARKS = ("ResponseId", "StartDate", "EndDate", "Status", "Finished", "RecordedDate")
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:\s*"([^"]*)"')
_QUALTRICS_TEST_STATUS = {"survey preview", "survey test", "1", "2", "1.0", "2.0"}
_QUALTRICS_TEST_CHANNEL = {"preview", "test"}


def _qualtrics(table: RawTable) -> tuple[RawTable, Layout] | None:
    frame = table.frame
    names = _names(frame)
    if len(_first_present(names, _QUALTRICS_MARKS)) < 3:
        return None
    # The rows below the header: the question text, then {"ImportId": ...} (newer exports).
    extra, aliases, texts = 0, {}, {}
    if len(frame) >= 1 and any(_IMPORT_ID.match(_cell(frame, 0, j)) for j in range(len(names))):
        extra = 1  # ImportId row right below the names (text row absent)
        id_row, text_row = 0, None
    elif len(frame) >= 2 and any(_IMPORT_ID.match(_cell(frame, 1, j)) for j in range(len(names))):
        extra, id_row, text_row = 2, 1, 0
    else:
        id_row = None
        text_row = 0 if len(frame) and _looks_like_text_row(frame, names) else None
        extra = 1 if text_row is not None else 0
    for j, name in enumerate(names):
        if id_row is not None:
            m = _IMPORT_ID.match(_cell(frame, id_row, j))
            if m and m.group(1) and m.group(1) != name:
                aliases[name] = (m.group(1),)
        if text_row is not None:
            text = _cell(frame, text_row, j).strip()
            if text and text != name:
                texts[name] = (text, *_grid_part(text))
    if extra:
        table = _drop_leading_rows(table, extra)
        frame = table.frame
    test_rows, reason = _qualtrics_tests(frame, names)
    label = "Qualtrics export" + (f" ({1 + extra} header rows)" if extra else "")
    layout = Layout(
        "qualtrics",
        label,
        aliases=aliases,
        texts=texts,
        id_columns=_first_present(names, ("ResponseId", "ResponseID", "_recordId")),
        metadata=frozenset(_first_present(names, _QUALTRICS_META)),
        test_rows=test_rows,
        test_reason=reason,
    )
    return table, layout


_QUALTRICS_META = (
    *_QUALTRICS_MARKS,
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)


def _looks_like_text_row(frame: pd.DataFrame, names: list[str]) -> bool:
    """The legacy second header row: 'Response ID' under ResponseId, 'Start Date' ..."""
    folded = _folded(names)
    for mark, text in (("responseid", "response id"), ("startdate", "start date")):
        if mark in folded:
            j = names.index(folded[mark])
            return _cell(frame, 0, j).strip().casefold() == text
    return False


def _qualtrics_tests(frame: pd.DataFrame, names: list[str]) -> tuple[np.ndarray | None, str]:
    """Survey previews and tests (Status, DistributionChannel): not respondents."""
    folded = _folded(names)
    hit = np.zeros(len(frame), dtype=bool)
    for key, values in (
        ("status", _QUALTRICS_TEST_STATUS),
        ("distributionchannel", _QUALTRICS_TEST_CHANNEL),
    ):
        if key in folded:
            col = frame[folded[key]]
            hit |= per_value(col, lambda v, vs=values: str(v).strip().casefold() in vs)
    if not hit.any():
        return None, ""
    return hit, "Qualtrics survey preview or test response"


def _drop_leading_rows(table: RawTable, k: int) -> RawTable:
    """The table without its first k data rows, which belong to the header: the rows below
    are renumbered from 1, as the header spans k more rows."""
    frame = table.frame.iloc[k:].reset_index(drop=True)
    n = len(frame)
    skipped = [replace(e, row=e.row - k) for e in table.skipped if e.row > k]
    return replace(
        table,
        frame=frame,
        row_numbers=np.arange(1, n + 1, dtype=np.int64)
        if table.row_numbers is None
        else np.asarray(table.row_numbers[k:]) - k,
        skipped=skipped,
        header_row=table.header_row + k,
    )


def _grid_part(text: str) -> tuple[str, ...]:
    """The statement of a grid question's column, 'Rate these [Statement]' or '... - Statement'."""
    m = re.search(r"\[([^\[\]]+)\]\s*$", text)
    if m:
        return (m.group(1).strip(),)
    m = re.search(r"\s-\s([^-]+)$", text)  # Qualtrics matrix: "Question text - Statement"
    return (m.group(1).strip(),) if m else ()


# --------------------------------------------------------------------------- LimeSurvey

_LIME_MARKS = ("id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp")
_LIME_HEADER = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(?:\[[^\]]+\])*)(?:\.\s+(?P<text>.+))?$")


def _limesurvey(table: RawTable) -> tuple[RawTable, Layout] | None:
    names = _names(table.frame)
    marks = _first_present(names, _LIME_MARKS)
    if len(marks) < 3 or "submitdate" not in {m.casefold() for m in marks}:
        return None
    aliases: dict[str, tuple[str, ...]] = {}
    texts: dict[str, tuple[str, ...]] = {}
    for name in names:
        m = _LIME_HEADER.match(name.strip())
        if not m:
            continue
        code, text = m.group("code"), m.group("text")
        forms = [code] if text else []
        sub = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)\[([^\]]+)\]", code)
        if sub:  # Q2[SQ001] also answers to Q2_SQ001 and Q2SQ001
            forms += [f"{sub.group(1)}_{sub.group(2)}", f"{sub.group(1)}{sub.group(2)}"]
        forms = [f for f in forms if f != name]
        if forms:
            aliases[name] = tuple(dict.fromkeys(forms))
        if text:
            texts[name] = (text.strip(), *_grid_part(text.strip()))
    layout = Layout(
        "limesurvey",
        "LimeSurvey export",
        aliases=aliases,
        texts=texts,
        id_columns=_first_present(names, ("id",)),
        metadata=frozenset(_first_present(names, (*_LIME_MARKS, "token", "ipaddr", "refurl"))),
    )
    return table, layout


# --------------------------------------------------------------------------- Google Forms

_TIMESTAMPS = (
    "Timestamp",
    "Marca temporal",
    "Horodateur",
    "Zeitstempel",
    "Carimbo de data/hora",
    "Tijdstempel",
    "Informazioni cronologiche",
)


def _google_forms(table: RawTable) -> tuple[RawTable, Layout] | None:
    names = _names(table.frame)
    if not names or names[0].strip().casefold() not in {t.casefold() for t in _TIMESTAMPS}:
        return None
    texts = {n: (n, *_grid_part(n)) for n in names[1:]}
    emails = _first_present(names, ("Email Address", "Email address", "Username"))
    layout = Layout(
        "google-forms",
        "Google Forms export",
        texts=texts,
        metadata=frozenset((names[0], *emails)),
    )
    return table, layout


# --------------------------------------------------------------------------- Kobo and ODK

_KOBO_MARKS = ("_uuid", "_submission_time", "_index", "_validation_status", "X_uuid", "X_index")
_KOBO_META = (
    *_KOBO_MARKS,
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
    "_id",
    "X_id",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_version_",
    "_tags",
    "meta/instanceID",
    "formhub/uuid",
    "X_submission_time",
    "X_validation_status",
)
_ODK_MARKS = ("SubmissionDate", "KEY", "meta-instanceID", "instanceID", "SubmitterID")
_ODK_META = (
    *_ODK_MARKS,
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "start",
    "end",
    "today",
    "deviceid",
)


def _kobo(table: RawTable) -> tuple[RawTable, Layout] | None:
    names = _names(table.frame)
    marks = _first_present(names, _KOBO_MARKS)
    if not marks:
        return None
    mangled = any(m.startswith("X_") for m in marks)  # read.csv's names: '/' became '.'
    aliases = _path_aliases(names, "." if mangled else "/")
    ids = _first_present(names, ("_uuid", "X_uuid", "meta/instanceID", "_id", "X_id", "_index"))
    layout = Layout(
        "kobo",
        "KoboToolbox export" + (" (names as R's read.csv writes them)" if mangled else ""),
        aliases=aliases,
        id_columns=ids,
        metadata=frozenset(_first_present(names, _KOBO_META)),
    )
    return table, layout


def _odk_central(table: RawTable) -> tuple[RawTable, Layout] | None:
    names = _names(table.frame)
    if len(_first_present(names, _ODK_MARKS)) < 2:
        return None
    layout = Layout(
        "odk-central",
        "ODK Central export",
        aliases=_path_aliases(names, "-"),
        id_columns=_first_present(names, ("KEY", "meta-instanceID", "instanceID")),
        metadata=frozenset(_first_present(names, _ODK_META)),
    )
    return table, layout


def _path_aliases(names: list[str], sep: str) -> dict[str, tuple[str, ...]]:
    """A question under groups answers to its name and its shorter paths: grp/sub/q -> q,
    sub/q. A short name several columns share (q under two groups) is not an alias."""
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        parts = [p for p in name.split(sep) if p]
        if len(parts) > 1:
            out[name] = tuple(sep.join(parts[i:]) for i in range(len(parts) - 1, 0, -1))
    taken = [a for forms in out.values() for a in forms]
    shared = {a for a in taken if taken.count(a) > 1} | set(names)
    return {
        n: kept for n, forms in out.items() if (kept := tuple(f for f in forms if f not in shared))
    }


# --------------------------------------------------------------------------- recognition

_RECOGNISERS = (_qualtrics, _limesurvey, _google_forms, _kobo, _odk_central)


def recognise(table: RawTable) -> RawTable:
    """``table`` with its platform's layout recognised (``table.layout``) and the header rows
    a platform writes below the names removed; a generic layout when no platform's marks are
    found."""
    for recogniser in _RECOGNISERS:
        found = recogniser(table)
        if found is not None:
            new, layout = found
            return replace(new, layout=layout, warnings=[*new.warnings, *_notes(new, layout)])
    return replace(table, layout=Layout("", ""))


def _notes(table: RawTable, layout: Layout) -> list[RunWarning]:
    """What a user should know about how the export was read."""
    notes = []
    if layout.name == "limesurvey":
        col = _first_present(_names(table.frame), ("submitdate",))
        if col:
            empty = per_value(table.frame[col[0]], _is_blank)
            if empty.any():
                notes.append(
                    RunWarning(
                        WarningCode.INCOMPLETE_RESPONSES,
                        f"{table.where}: {int(empty.sum())} response(s) have no submitdate "
                        "(not submitted); leave them out with --where submitdate!=",
                        count=int(empty.sum()),
                    )
                )
    return notes


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()
