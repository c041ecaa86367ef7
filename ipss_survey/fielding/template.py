"""A data-entry workbook for paper questionnaires, and what it tells the reader about itself.

Paper questionnaires are typed into Excel, and a blank sheet invites free spelling ("agree",
"Agree ", "4 - agree"). The template gives every item column a drop-down of its scale's
labels, so what is typed is what the instrument accepts. Its first sheet is the data, one row
per respondent; a Codebook sheet lists every column; the hidden sheet ``ipss_template`` holds
what analysing a filled template needs (the instrument, or a built-in instrument's id, and the
id and group columns), so it can be analysed with no options: ``read_template_metadata``
returns them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from ipss_survey.errors import InstrumentError
from ipss_survey.instrument.builtin import builtin_ids, builtin_instrument
from ipss_survey.instrument.dump import instrument_yaml, scale_key
from ipss_survey.instrument.loader import parse_instrument
from ipss_survey.instrument.matching import normalise_column
from ipss_survey.instrument.model import Instrument, Scale

DATA_SHEET = "Data"
CODEBOOK_SHEET = "Codebook"
META_SHEET = "ipss_template"
LISTS_SHEET = "ipss_lists"
FORMAT = 1
MAX_ROWS = 1_048_575  # Excel's rows, less the header
CHUNK = 32_000  # an Excel cell holds at most 32,767 characters


def _is_builtin(instrument: Instrument) -> bool:
    """Whether the instrument is a built-in one as shipped (same file, labels and all)."""
    if instrument.id not in builtin_ids():
        return False
    return instrument_yaml(instrument) == instrument_yaml(builtin_instrument(instrument.id))


def _answers(scale: Scale) -> list[str | int]:
    """What the drop-down offers: each point's label (its code when it has none), then the
    labelled "no answer" codes. An empty cell is no answer too."""
    out: list[str | int] = [scale.labels.get(p, p) for p in scale.points]
    out += [scale.labels[m] for m in scale.missing if m in scale.labels]
    return out


def _codes_text(scale: Scale) -> str:
    parts = [f"{p} = {scale.labels[p]}" if p in scale.labels else str(p) for p in scale.points]
    return "; ".join(parts)


def _set_text(cell: Any, value: str) -> None:
    """A text cell that stays text: openpyxl takes a value starting with "=" as a formula."""
    cell.value = value
    if value.startswith("="):
        cell.data_type = "s"


def _yaml_chunks(text: str) -> list[tuple[str, str]]:
    """YAML in cell-sized pieces: ("instrument_yaml", lines) starts a line, a piece of an
    over-long line continues the one before ("instrument_yaml+")."""
    out: list[tuple[str, str]] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        if size + len(line) + 1 > CHUNK and current:
            out.append(("instrument_yaml", "\n".join(current)))
            current, size = [], 0
        if len(line) > CHUNK:
            pieces = [line[i : i + CHUNK] for i in range(0, len(line), CHUNK)]
            out.append(("instrument_yaml", pieces[0]))
            out += [("instrument_yaml+", p) for p in pieces[1:]]
            continue
        current.append(line)
        size += len(line) + 1
    if current:
        out.append(("instrument_yaml", "\n".join(current)))
    return out


def template_bytes(
    instrument: Instrument, *, group_column: str | None = None, rows: int = 200
) -> bytes:
    """A data-entry workbook (.xlsx bytes) for typing paper questionnaires.

    Parameters
    ----------
    instrument
        The instrument the questionnaires were printed from.
    group_column
        A column for the group a respondent belongs to (a municipality, a department), put
        after the id column, for comparing groups later; None for no such column.
    rows
        How many respondent rows get the drop-downs (from 1 to 1,048,575).

    Returns
    -------
    bytes
        The workbook: sheet ``Data`` first (id column, group column, one column per item with
        a drop-down of its scale's labels, one per question), a ``Codebook`` sheet, and the
        hidden sheets ``ipss_template`` (for ``read_template_metadata``) and ``ipss_lists``
        (the drop-downs' entries).

    Raises
    ------
    InstrumentError
        When ``rows`` is out of range, or the group column's name is already a column.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    source = f"instrument {instrument.id}"
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
        raise InstrumentError(
            source, "template", f"rows must be a whole number from 1 to {MAX_ROWS:,}"
        )
    id_column = instrument.respondent_id or "id"
    columns = [id_column]
    if group_column is not None:
        if not group_column.strip():
            raise InstrumentError(source, "template", "the group column needs a name")
        columns.append(group_column.strip())
    columns += [it.code for it in instrument.items] + [q.code for q in instrument.questions]
    seen: dict[str, str] = {}
    for col in columns:
        if normalise_column(col) in seen:
            raise InstrumentError(
                source,
                "template",
                f"column {col!r} would appear twice (it is also {seen[normalise_column(col)]!r}); "
                "give the group column another name",
            )
        seen[normalise_column(col)] = col

    wb = openpyxl.Workbook()
    data = wb.active
    data.title = DATA_SHEET
    codebook = wb.create_sheet(CODEBOOK_SHEET)
    meta = wb.create_sheet(META_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    meta.sheet_state = "hidden"
    lists.sheet_state = "hidden"
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")

    # The drop-downs' entries, one column of the hidden sheet per distinct list.
    list_refs: dict[Any, str] = {}

    def list_ref(key: Any, entries: list[str | int]) -> str:
        if key not in list_refs:
            col = len(list_refs) + 1
            for r, entry in enumerate(entries, start=1):
                cell = lists.cell(r, col)
                if isinstance(entry, str):
                    _set_text(cell, entry)
                else:
                    cell.value = entry
            letter = get_column_letter(col)
            list_refs[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(entries)}"
        return list_refs[key]

    last_row = rows + 1
    for c, name in enumerate(columns, start=1):
        cell = data.cell(1, c)
        _set_text(cell, name)
        cell.font = bold
        cell.fill = header_fill
    widths = [max(len(id_column), 8) + 4]
    if group_column is not None:
        widths.append(max(len(group_column), 12) + 4)
    first_item_col = len(widths) + 1
    for i, it in enumerate(instrument.items):
        entries = _answers(it.scale)
        ref = list_ref(scale_key(it.scale), entries)
        _validate(data, DataValidation, ref, first_item_col + i, last_row)
        longest = max(len(str(e)) for e in entries)
        widths.append(min(max(len(it.code), longest) + 4, 40))
    first_q_col = first_item_col + len(instrument.items)
    for i, q in enumerate(instrument.questions):
        if q.type == "categorical" and q.options:
            entries = [opt.label for opt in q.options]
            ref = list_ref(("options", q.code), list(entries))
            _validate(data, DataValidation, ref, first_q_col + i, last_row)
            longest = max(len(e) for e in entries)
            widths.append(min(max(len(q.code), longest) + 4, 40))
        else:
            widths.append(min(max(len(q.code) + 4, 30 if q.type == "text" else 20), 40))
    for c, width in enumerate(widths, start=1):
        data.column_dimensions[get_column_letter(c)].width = width
    data.freeze_panes = "B2"

    # The codebook: every column of the data sheet, what it holds and the answers' codes.
    head = ["Column", "Kind", "Dimension", "Sub-dimension", "Statement or question", "Reverse"]
    head += ["Answers (code = label)", "Agreement", "Neutral", "No answer"]
    codebook.append(head)
    codebook.append([id_column, "respondent id", None, None, "Questionnaire number"])
    if group_column is not None:
        codebook.append([group_column.strip(), "group", None, None, "The respondent's group"])
    names = {c.id: c.name for c in instrument.constructs}
    for it in instrument.items:
        sc = it.scale
        missing = "; ".join(
            f"{m} = {sc.labels[m]}" if m in sc.labels else str(m) for m in sc.missing
        )
        codebook.append(
            [
                it.code,
                "item",
                names.get(it.dimension, it.dimension),
                names.get(it.subdimension, it.subdimension) if it.subdimension else None,
                it.text or None,
                "yes" if it.reverse else None,
                _codes_text(sc),
                ", ".join(str(c) for c in sc.agree),
                ", ".join(str(c) for c in sc.neutral) or None,
                missing or "empty cell",
            ]
        )
    for q in instrument.questions:
        answers = "; ".join(
            f"{o.code} = {o.label}" if o.label != o.code else o.code for o in q.options
        )
        kind = {"select_multiple": "several choices", "categorical": "one choice"}.get(q.type)
        codebook.append(
            [
                q.code,
                kind or "open text",
                names.get(q.dimension, q.dimension) if q.dimension else None,
                None,
                q.text or None,
                None,
                answers or None,
            ]
        )
    for row in codebook.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in codebook[1]:
        cell.font = bold
        cell.fill = header_fill
    for letter, width in zip("ABCDEFGHIJ", (14, 14, 24, 24, 60, 9, 50, 11, 9, 16), strict=True):
        codebook.column_dimensions[letter].width = width
    codebook.freeze_panes = "A2"

    # What a reader needs: which instrument, which columns.
    builtin = _is_builtin(instrument)
    meta.append(["key", "value"])
    entries: list[tuple[str, str]] = [
        ("format", str(FORMAT)),
        ("instrument_id", instrument.id),
        ("builtin", "true" if builtin else "false"),
        ("data_sheet", DATA_SHEET),
        ("id_column", id_column),
        ("group_column", group_column.strip() if group_column is not None else ""),
    ]
    if not builtin:
        entries += _yaml_chunks(instrument_yaml(instrument))
    for r, (key, value) in enumerate(entries, start=2):
        meta.cell(r, 1).value = key
        _set_text(meta.cell(r, 2), value)
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _validate(ws: Any, validation: Any, ref: str, col: int, last_row: int) -> None:
    """A drop-down on one column's answer cells; other text is warned about, not refused
    (a code typed from the questionnaire is accepted after the warning)."""
    from openpyxl.utils import get_column_letter

    dv = validation(
        type="list",
        formula1=ref,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not an answer of this scale",
        error="Choose an answer from the list, or leave the cell empty for no answer.",
    )
    letter = get_column_letter(col)
    dv.add(f"{letter}2:{letter}{last_row}")
    ws.add_data_validation(dv)


def read_template_metadata(path: str | Path) -> dict[str, Any] | None:
    """What a filled template says about itself, or None when the file is not a template.

    Parameters
    ----------
    path
        A data file; anything that is not an .xlsx workbook with an ``ipss_template`` sheet
        gives None, so a reader may call this on every file.

    Returns
    -------
    dict or None
        ``instrument`` (the Instrument to analyse with), ``instrument_id``, ``builtin``
        (whether it is the built-in instrument of that id), ``data_sheet``, ``id_column``,
        ``group_column`` (None when the template has none) and ``format``.

    Raises
    ------
    InstrumentError
        When the sheet is there but damaged, or names a built-in instrument this version of
        the package does not have.
    """
    p = Path(path)
    if p.suffix.lower() not in {".xlsx", ".xlsm"} or not p.is_file():
        return None
    import openpyxl

    try:
        if not zipfile.is_zipfile(p):
            return None
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True, keep_links=False)
    except Exception:  # not a workbook openpyxl can open: then it is not a template either
        return None
    try:
        if META_SHEET not in wb.sheetnames:
            return None
        values: dict[str, str] = {}
        yaml_parts: list[str] = []
        for row in wb[META_SHEET].iter_rows(min_row=2, max_col=2, values_only=True):
            key = str(row[0]).strip() if row and row[0] is not None else ""
            value = "" if len(row) < 2 or row[1] is None else str(row[1])
            if key == "instrument_yaml":
                yaml_parts.append(("\n" if yaml_parts else "") + value)
            elif key == "instrument_yaml+":
                yaml_parts.append(value)
            elif key:
                values[key] = value
    finally:
        wb.close()
    source = f"{p} (sheet {META_SHEET})"
    if values.get("format") != str(FORMAT):
        raise InstrumentError(
            source,
            "format",
            f"template format {values.get('format')!r} is not one this version reads ({FORMAT}); "
            "make the template again with this version, or analyse with --instrument",
        )
    iid = values.get("instrument_id", "")
    builtin = values.get("builtin") == "true"
    if builtin:
        if iid not in builtin_ids():
            raise InstrumentError(
                source,
                "instrument_id",
                f"the template was made for built-in instrument {iid!r}, which this version "
                "does not have; analyse with --instrument",
            )
        instrument = builtin_instrument(iid)
    else:
        if not yaml_parts:
            raise InstrumentError(source, "instrument_yaml", "the instrument is missing")
        instrument = parse_instrument("".join(yaml_parts), source)
    return {
        "format": FORMAT,
        "instrument": instrument,
        "instrument_id": iid,
        "builtin": builtin,
        "data_sheet": values.get("data_sheet") or DATA_SHEET,
        "id_column": values.get("id_column") or "id",
        "group_column": values.get("group_column") or None,
    }
