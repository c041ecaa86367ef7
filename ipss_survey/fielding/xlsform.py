"""An instrument as an XLSForm: the form KoboToolbox and ODK field, and that reads back whole.

The form is ordinary XLSForm (sheets ``survey``, ``choices``, ``settings``): a group per
dimension and sub-dimension, a ``select_one`` per item on its scale's choice list, the other
questions after them. What XLSForm has no place for (construct ids, reverse keying, which
codes are agreement, neutral or "no answer", sources, the maturity bands, the rules that
classify cases) goes in the project's ``ipss_*`` columns and sheets, which pyxform and Kobo
ignore, so that ``read_xlsform(form)`` gives back the instrument the form was written from.

Choice names are the codes themselves (``1`` ... ``5``, ``9``), so a Kobo or ODK export holds
the numbers the analysis uses. A "no answer" code without a label (a code for data entry
such as 9) is a choice marked ``ipss_hidden`` and filtered out of the form by a
``choice_filter``, so respondents are not offered a bare "9".
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from ipss_survey.instrument.dump import conditions_flow, scale_key
from ipss_survey.instrument.model import Construct, Instrument, Item, Option, Question, Scale

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "choice_filter",
    "ipss_type",
    "ipss_code",
    "ipss_dimension",
    "ipss_subdimension",
    "ipss_reverse",
    "ipss_text_incomplete",
    "ipss_source",
    "ipss_provenance",
    "ipss_direction",
    "ipss_description",
    "ipss_codebook",
)
CHOICE_COLUMNS = (
    "list_name",
    "name",
    "label",
    "ipss_code",
    "ipss_agree",
    "ipss_neutral",
    "ipss_missing",
    "ipss_hidden",
    "ipss_aliases",
)
CLASSIFICATION_COLUMNS = (
    "classification",
    "classification_name",
    "classification_description",
    "classification_source",
    "class",
    "class_name",
    "class_description",
    "when",
    "otherwise",
)
HIDE_FILTER = "not(ipss_hidden = 'true')"  # an absent element is not 'true'

_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_CHOICE_NAME = re.compile(r"[\w.\-]+")


class _Names:
    """XLSForm names, unique in the form: the code where it is a valid name, else one made
    from it (``1a`` becomes ``_1a``, ``Q 1`` becomes ``Q_1``)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name(self, code: str) -> str:
        base = code if _XML_NAME.fullmatch(code) else _xml_name(code)
        name, n = base, 2
        while name.casefold() in self.used:
            name, n = f"{base}_{n}", n + 1
        self.used.add(name.casefold())
        return name


def _xml_name(code: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "_", code.strip()).strip("_") or "q"
    return name if re.match(r"[A-Za-z_]", name) else "_" + name


def _flag(value: bool) -> str:
    return "true" if value else ""


class _Form:
    def __init__(self, instrument: Instrument) -> None:
        self.inst = instrument
        self.names = _Names()
        self.survey: list[dict[str, str]] = []
        self.choices: list[dict[str, str]] = []
        self.lists: dict[tuple[Any, ...], str] = {}  # scale key -> list name
        self.hidden_lists: set[str] = set()
        self.list_names = _Names()

    # -- choice lists ---------------------------------------------------------------------------

    def scale_list(self, scale: Scale, owner: str) -> str:
        """The list of a scale (written the first time a scale is met), named after its owner."""
        key = scale_key(scale)
        if key in self.lists:
            return self.lists[key]
        name = self.list_names.name(owner)
        self.lists[key] = name
        for code in (*scale.points, *scale.missing):
            texts = scale.texts(code)
            missing = code in scale.missing
            hidden = missing and not texts
            if hidden:
                self.hidden_lists.add(name)
            self.choices.append(
                {
                    "list_name": name,
                    "name": str(code),
                    "label": texts[0] if texts else str(code),
                    "ipss_code": str(code),
                    "ipss_agree": _flag(code in scale.agree),
                    "ipss_neutral": _flag(code in scale.neutral),
                    "ipss_missing": "true" if missing else "false",
                    "ipss_hidden": _flag(hidden),
                    "ipss_aliases": "\n".join(texts[1:]),
                }
            )
        return name

    def option_list(self, options: Iterable[Option], owner: str) -> str:
        name = self.list_names.name(owner)
        used: set[str] = set()
        for opt in options:
            choice = opt.code if _CHOICE_NAME.fullmatch(opt.code) else _xml_name(opt.code)
            base, n = choice, 2
            while choice.casefold() in used:
                choice, n = f"{base}_{n}", n + 1
            used.add(choice.casefold())
            self.choices.append(
                {
                    "list_name": name,
                    "name": choice,
                    "label": opt.labels[0] if opt.labels else opt.code,
                    "ipss_code": opt.code if choice != opt.code else "",
                    "ipss_aliases": "\n".join(opt.labels[1:]),
                }
            )
        return name

    # -- survey rows ----------------------------------------------------------------------------

    def row(self, **cells: str) -> None:
        self.survey.append({k: v for k, v in cells.items() if v})

    def begin(self, c: Construct) -> None:
        key = "ipss_dimension" if c.level == "dimension" else "ipss_subdimension"
        self.row(
            type="begin group",
            name=self.names.name(c.id),
            label=c.name,
            ipss_direction=c.direction,
            ipss_description=c.description,
            **{key: c.id},
        )

    def end(self) -> None:
        self.row(type="end group")

    def item(self, it: Item) -> None:
        owner = f"{it.subdimension or it.dimension}_scale"
        list_name = self.scale_list(it.scale, owner)
        name = self.names.name(it.code)
        self.row(
            type=f"select_one {list_name}",
            name=name,
            label=it.text or it.code,
            choice_filter=HIDE_FILTER if list_name in self.hidden_lists else "",
            ipss_code=it.code if name != it.code else "",
            ipss_reverse=_flag(it.reverse),
            ipss_text_incomplete=_flag(it.text_incomplete),
            ipss_source=it.source,
            ipss_provenance=it.provenance or "",
        )

    def question(self, q: Question) -> None:
        name = self.names.name(q.code)
        if q.type == "text":
            kind, ipss_type = "text", ""
        else:
            list_name = self.option_list(q.options, f"{q.code}_options")
            kind = f"select_multiple {list_name}" if q.type == "select_multiple" else ""
            kind = kind or f"select_one {list_name}"
            ipss_type = "categorical" if q.type == "categorical" else ""
        self.row(
            type=kind,
            name=name,
            label=q.text or q.code,
            ipss_type=ipss_type,
            ipss_code=q.code if name != q.code else "",
            ipss_dimension=q.dimension or "",
            ipss_codebook=q.codebook or "",
            ipss_source=q.source,
            ipss_provenance=q.provenance or "",
        )

    def build(self) -> None:
        inst = self.inst
        if inst.scale is not None:
            self.scale_list(inst.scale, "scale")
        if inst.respondent_id is not None:
            name = self.names.name(inst.respondent_id)
            self.row(
                type="text",
                name=name,
                label="Respondent ID",
                ipss_type="respondent_id",
                ipss_code=inst.respondent_id if name != inst.respondent_id else "",
            )
        subs: dict[str, list[Construct]] = {}
        for c in inst.constructs:
            if c.level == "subdimension" and c.parent is not None:
                subs.setdefault(c.parent, []).append(c)
        for dim in inst.dimensions:
            self.begin(dim)
            if dim.id in subs:
                for sub in subs[dim.id]:
                    self.begin(sub)
                    for code in sub.items:
                        self.item(inst.item(code))
                    self.end()
            else:
                for code in dim.items:
                    self.item(inst.item(code))
            self.end()
        for q in inst.questions:
            self.question(q)

    def settings(self) -> dict[str, str]:
        inst = self.inst
        form_id = inst.id if _XML_NAME.fullmatch(inst.id) else _xml_name(inst.id)
        out = {"form_title": inst.title, "form_id": form_id, "version": inst.version}
        if form_id != inst.id:
            out["ipss_id"] = inst.id
        out["ipss_scale"] = self.lists[scale_key(inst.scale)] if inst.scale is not None else ""
        out["ipss_source"] = inst.source
        out["ipss_description"] = inst.description
        out["ipss_maturity_basis"] = inst.maturity_basis
        return out


def classification_rows(instrument: Instrument) -> list[dict[str, str]]:
    """The ``ipss_classifications`` sheet: a row per class, its conditions as YAML flow text;
    the classification's own fields on its first row, the ``otherwise`` class last."""
    rows = []
    for c in instrument.classifications:
        head = {
            "classification": c.id,
            "classification_name": c.name,
            "classification_description": c.description,
            "classification_source": c.source,
        }
        for rule in c.classes:
            rows.append(
                {
                    **head,
                    "class": rule.id,
                    "class_name": rule.name,
                    "class_description": rule.description,
                    "when": conditions_flow(rule.when),
                }
            )
            head = {"classification": c.id}
        if c.otherwise is not None:
            rows.append(
                {
                    **head,
                    "class": c.otherwise.id,
                    "class_name": c.otherwise.name,
                    "class_description": c.otherwise.description,
                    "otherwise": "true",
                }
            )
    return rows


def _sheet(wb: Any, title: str, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> Any:
    ws = wb.create_sheet(title)
    header = list(columns)
    ws.append(header)
    for row in rows:
        ws.append([row.get(c) or None for c in header])
    ws.freeze_panes = "A2"
    for i, col in enumerate(header, start=1):
        width = 40 if col in {"label", "ipss_aliases", "ipss_source"} else max(12, len(col) + 2)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    return ws


def xlsform_bytes(instrument: Instrument) -> bytes:
    """The instrument as an XLSForm workbook (.xlsx bytes) for KoboToolbox or ODK.

    Parameters
    ----------
    instrument
        Any instrument; item codes that are not valid XLSForm names get a valid ``name`` and
        keep the code in ``ipss_code``.

    Returns
    -------
    bytes
        The workbook: sheets ``survey``, ``choices``, ``settings`` (and ``ipss_maturity`` when
        the instrument has maturity levels, ``ipss_classifications`` when it classifies
        cases). pyxform converts it; ``read_xlsform`` reads it back as an instrument equal to
        this one.
    """
    import openpyxl
    from openpyxl.styles import Font

    form = _Form(instrument)
    form.build()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "survey", SURVEY_COLUMNS, form.survey)
    _sheet(wb, "choices", CHOICE_COLUMNS, form.choices)
    settings = form.settings()
    _sheet(wb, "settings", settings, [settings])
    if instrument.maturity:
        levels = [{"min": lvl.min, "label": lvl.label} for lvl in instrument.maturity]
        ws = _sheet(wb, "ipss_maturity", ("min", "label"), [])
        for lvl in levels:
            ws.append([lvl["min"], lvl["label"]])
    if instrument.classifications:
        _sheet(wb, "ipss_classifications", CLASSIFICATION_COLUMNS, classification_rows(instrument))
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
