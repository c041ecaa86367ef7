"""Writing an instrument as an instrument file: the YAML that ``parse_instrument`` reads back.

What is written is what the loader reads into an equal instrument (every field the model
compares, and every label and alias). A scale is written once, where most of the items under
it share it: on the instrument, a dimension, a sub-dimension, or an item that differs from its
dimension. Notes from an import (``ImportNote``) go in as comments beside the part they are
about, so the file shows which codes were guessed and which must be checked.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from ipss_survey.errors import one_line
from ipss_survey.instrument.model import (
    DIRECTIONS,
    Classification,
    Condition,
    Construct,
    Instrument,
    Item,
    Question,
    Scale,
)

WIDTH = 100


class Note(Protocol):
    """What ``instrument_yaml`` needs of a note (``xlsform.ImportNote`` is one)."""

    @property
    def message(self) -> str: ...

    @property
    def level(self) -> str: ...

    @property
    def scope(self) -> str: ...

    @property
    def subjects(self) -> tuple[str, ...]: ...


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_WORDS = re.compile(r"[A-Za-z](?:[A-Za-z0-9 _.,'()/&+\-]*[A-Za-z0-9.)])?")
# Characters YAML reads as themselves inside double quotes; the rest are written escaped
# (NEL and the Unicode line and paragraph separators would be read as line breaks).
_PRINTABLE = re.compile(
    "[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _loads_back(text: str) -> bool:
    """Whether YAML reads ``text`` written plain as the same string (not a number, a bool)."""
    import yaml

    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False


def scalar(value: str, *, flow: bool = False) -> str:
    """A string as YAML: plain when it reads back as itself, else double-quoted.

    ``flow`` is for values inside ``[...]`` or ``{...}``, where a comma ends a plain value.
    """
    plain = _TOKEN if flow else _WORDS
    if (
        plain.fullmatch(value)
        and ": " not in value
        and " #" not in value
        and "  " not in value
        and _loads_back(value)
    ):
        return value
    return quoted(value)


def quoted(value: str) -> str:
    """A string double-quoted, as YAML reads it back whatever it holds."""
    out = json.dumps(value, ensure_ascii=False)
    # JSON leaves some characters raw that YAML reads as line breaks or refuses.
    return "".join(ch if _PRINTABLE.fullmatch(ch) else _escape(ch) for ch in out)


def _escape(ch: str) -> str:
    n = ord(ch)
    return f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}"


def _codes(codes: Iterable[int]) -> str:
    return "[" + ", ".join(str(c) for c in codes) + "]"


def _number(x: float) -> str:
    text = repr(float(x))
    if "e" in text or "n" in text:  # 1e-05 reads back as text in YAML 1.1; inf, nan
        if x != x:
            return ".nan"
        if x in (float("inf"), float("-inf")):
            return ".inf" if x > 0 else "-.inf"
        text = f"{x:.20f}".rstrip("0")
        text += "0" if text.endswith(".") else ""
    return text


def scale_key(scale: Scale) -> tuple[Any, ...]:
    """Everything that makes two scales the same in a file: codes, labels and aliases."""
    labelled = sorted(set(scale.labels) | set(scale.aliases))
    return (
        scale.points,
        scale.agree,
        scale.neutral,
        scale.missing,
        tuple((k, scale.texts(k)) for k in labelled),
    )


def _texts(texts: tuple[str, ...]) -> str:
    if len(texts) == 1:
        return scalar(texts[0])
    return "[" + ", ".join(scalar(t, flow=True) for t in texts) + "]"


def scale_lines(scale: Scale, indent: str) -> list[str]:
    """The ``scale:`` block at ``indent``."""
    out = [f"{indent}scale:", f"{indent}  points: {_codes(scale.points)}"]
    labelled = sorted(set(scale.labels) | set(scale.aliases))
    if labelled:
        out.append(f"{indent}  labels:")
        out += [f"{indent}    {k}: {_texts(scale.texts(k))}" for k in labelled]
    out.append(f"{indent}  agree: {_codes(scale.agree)}")
    out.append(f"{indent}  neutral: {_codes(scale.neutral)}")
    if scale.missing:
        out.append(f"{indent}  missing: {_codes(scale.missing)}")
    return out


def _value(value: int | str) -> str:
    return str(value) if isinstance(value, int) else scalar(value, flow=True)


def condition_flow(condition: Condition) -> str:
    """One condition of a classification rule as a YAML flow mapping (``{item: X, at_least:
    4}``), the form the instrument file and the XLSForm's ``ipss_classifications`` sheet hold."""
    if condition.parts:
        inner = ", ".join(condition_flow(c) for c in condition.parts)
        return f"{{{condition.test}: [{inner}]}}"
    values = condition.values
    if condition.test in ("equals", "at_least", "at_most") or (
        condition.test in ("includes", "excludes") and len(values) == 1
    ):
        shown = _value(values[0])
    else:
        shown = "[" + ", ".join(_value(v) for v in values) + "]"
    return f"{{{condition.kind}: {scalar(condition.code, flow=True)}, {condition.test}: {shown}}}"


def conditions_flow(conditions: Iterable[Condition]) -> str:
    """A list of conditions as one YAML flow sequence."""
    return "[" + ", ".join(condition_flow(c) for c in conditions) + "]"


def _comment(note: Note, indent: str) -> list[str]:
    text = one_line(note.message)
    if note.level == "warning":
        text = "warning: " + text
    width = max(40, WIDTH - len(indent) - 2)
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width)]


class _Writer:
    def __init__(self, instrument: Instrument, notes: Sequence[Note]) -> None:
        self.inst = instrument
        self.lines: list[str] = []
        self.by_scope: dict[tuple[str, str], list[Note]] = {}
        self.scale_notes: dict[tuple[Any, ...], list[Note]] = {}
        self.form_notes: list[Note] = []
        codes = {it.code for it in instrument.items}
        constructs = {c.id for c in instrument.constructs}
        questions = {q.code for q in instrument.questions}
        for note in notes:
            subject = note.subjects[0] if note.subjects else ""
            if note.scope == "scale" and subject in codes:
                key = scale_key(instrument.item(subject).scale)
                self.scale_notes.setdefault(key, []).append(note)
            elif (
                (note.scope == "item" and subject in codes)
                or (note.scope == "dimension" and subject in constructs)
                or (note.scope == "question" and subject in questions)
            ):
                self.by_scope.setdefault((note.scope, subject), []).append(note)
            else:
                self.form_notes.append(note)
        self.written_scales: set[tuple[Any, ...]] = set()

    def notes_for(self, scope: str, subject: str, indent: str) -> None:
        for note in self.by_scope.pop((scope, subject), []):
            self.lines += _comment(note, indent)

    def scale(self, scale: Scale, indent: str) -> None:
        key = scale_key(scale)
        if key not in self.written_scales:
            self.written_scales.add(key)
            seen: set[str] = set()
            for note in self.scale_notes.get(key, []):
                if note.message not in seen:
                    seen.add(note.message)
                    self.lines += _comment(note, indent)
        self.lines += scale_lines(scale, indent)

    def field(self, indent: str, key: str, value: str, *, default: str = "") -> None:
        if value != default:
            self.lines.append(f"{indent}{key}: {scalar(value)}")

    def write(self) -> str:
        inst = self.inst
        for note in self.form_notes:
            self.lines += _comment(note, "")
        self.lines.append(f"id: {scalar(inst.id)}")
        self.lines.append(f"title: {scalar(inst.title)}")
        self.field("", "version", inst.version)
        self.field("", "source", inst.source)
        self.field("", "description", inst.description)
        if inst.respondent_id is not None:
            self.lines.append(f"respondent_id: {scalar(inst.respondent_id)}")
        top = scale_key(inst.scale) if inst.scale is not None else None
        if inst.scale is not None:
            self.scale(inst.scale, "")
        self.lines.append("dimensions:")
        subs: dict[str, list[Construct]] = {}
        for c in inst.constructs:
            if c.level == "subdimension" and c.parent is not None:
                subs.setdefault(c.parent, []).append(c)
        for dim in inst.dimensions:
            self.dimension(dim, subs.get(dim.id, []), top)
        if inst.maturity:
            self.lines.append("maturity:")
            self.field("  ", "basis", inst.maturity_basis)
            self.lines.append("  levels:")
            for lvl in inst.maturity:
                self.lines.append(
                    f"    - {{min: {_number(lvl.min)}, label: {scalar(lvl.label, flow=True)}}}"
                )
        if inst.questions:
            self.lines.append("questions:")
            for q in inst.questions:
                self.question(q)
        if inst.classifications:
            self.lines.append("classifications:")
            for c in inst.classifications:
                self.classification(c)
        return "\n".join(self.lines) + "\n"

    def classification(self, c: Classification) -> None:
        self.lines.append(f"  - id: {scalar(c.id)}")
        self.lines.append(f"    name: {scalar(c.name)}")
        self.field("    ", "description", c.description)
        self.field("    ", "source", c.source)
        self.lines.append("    classes:")
        for rule in c.classes:
            self.lines.append(f"      - id: {scalar(rule.id)}")
            self.lines.append(f"        name: {scalar(rule.name)}")
            self.field("        ", "description", rule.description)
            self.lines.append("        when:")
            self.lines += [f"          - {condition_flow(cond)}" for cond in rule.when]
        if c.otherwise is not None:
            o = c.otherwise
            self.lines.append("    otherwise:")
            self.lines.append(f"      id: {scalar(o.id)}")
            self.lines.append(f"      name: {scalar(o.name)}")
            self.field("      ", "description", o.description)

    def construct_head(self, c: Construct, indent: str, parent_direction: str) -> None:
        self.notes_for("dimension", c.id, indent)
        self.lines.append(f"{indent}- id: {scalar(c.id)}")
        inner = indent + "  "
        self.lines.append(f"{inner}name: {scalar(c.name)}")
        self.field(inner, "description", c.description)
        self.field(inner, "direction", c.direction, default=parent_direction)

    def own_scale(self, items: list[Item], inherited: tuple[Any, ...] | None) -> Scale | None:
        """The scale most of these items use, when it is not the one they inherit."""
        counts = Counter(scale_key(it.scale) for it in items)
        best = max(counts.values())
        scale = next(it.scale for it in items if counts[scale_key(it.scale)] == best)
        return None if scale_key(scale) == inherited else scale

    def dimension(self, dim: Construct, subs: list[Construct], top: tuple[Any, ...] | None) -> None:
        inst = self.inst
        self.construct_head(dim, "  ", DIRECTIONS[0])
        items = [inst.item(code) for code in dim.items]
        own = self.own_scale(items, top)
        if own is not None:
            self.scale(own, "    ")
        here = scale_key(own) if own is not None else top
        if not subs:
            self.lines.append("    items:")
            for it in items:
                self.item(it, "      ", here)
            return
        self.lines.append("    subdimensions:")
        for sub in subs:
            self.construct_head(sub, "      ", dim.direction)
            sub_items = [inst.item(code) for code in sub.items]
            sub_own = self.own_scale(sub_items, here)
            if sub_own is not None:
                self.scale(sub_own, "        ")
            sub_here = scale_key(sub_own) if sub_own is not None else here
            self.lines.append("        items:")
            for it in sub_items:
                self.item(it, "          ", sub_here)

    def item(self, it: Item, indent: str, inherited: tuple[Any, ...] | None) -> None:
        self.notes_for("item", it.code, indent)
        entries = []
        if it.text:
            entries.append(("text", quoted(it.text)))
        if it.reverse:
            entries.append(("reverse", "true"))
        if it.text_incomplete:
            entries.append(("text_incomplete", "true"))
        if it.source:
            entries.append(("source", quoted(it.source)))
        if it.provenance is not None:
            entries.append(("provenance", scalar(it.provenance, flow=True)))
        own_scale = scale_key(it.scale) != inherited
        code = scalar(it.code, flow=True)
        if own_scale:
            self.lines.append(f"{indent}- code: {code}")
            self.lines += [f"{indent}  {k}: {v}" for k, v in entries]
            self.scale(it.scale, indent + "  ")
        elif entries:
            body = ", ".join(f"{k}: {v}" for k, v in entries)
            self.lines.append(f"{indent}- {{code: {code}, {body}}}")
        else:
            self.lines.append(f"{indent}- {code}")

    def question(self, q: Question) -> None:
        self.notes_for("question", q.code, "  ")
        self.lines.append(f"  - code: {scalar(q.code)}")
        self.lines.append(f"    type: {q.type}")
        self.field("    ", "text", q.text)
        if q.codebook is not None:
            self.lines.append(f"    codebook: {scalar(q.codebook)}")
        if q.coders:
            listed = ", ".join(scalar(c, flow=True) for c in q.coders)
            self.lines.append(f"    coders: [{listed}]")
        if q.dimension is not None:
            self.lines.append(f"    dimension: {scalar(q.dimension)}")
        self.field("    ", "source", q.source)
        if q.provenance is not None:
            self.lines.append(f"    provenance: {q.provenance}")
        if q.options:
            self.lines.append("    options:")
            for opt in q.options:
                code = scalar(opt.code, flow=True)
                if opt.labels == (opt.code,):
                    self.lines.append(f"      - {code}")
                else:
                    label = (
                        scalar(opt.labels[0], flow=True)
                        if len(opt.labels) == 1
                        else "[" + ", ".join(scalar(t, flow=True) for t in opt.labels) + "]"
                    )
                    self.lines.append(f"      - {{code: {code}, label: {label}}}")


def instrument_yaml(instrument: Instrument, notes: Sequence[Note] = ()) -> str:
    """The instrument as an instrument file (``docs/instrument-format.md``).

    Parameters
    ----------
    instrument
        Any instrument: a built-in one, one loaded from a file, one read from an XLSForm.
    notes
        What an import inferred (``XlsformImport.notes``): each is written as a comment
        beside the scale, dimension, item or question it is about, the rest at the top.

    Returns
    -------
    str
        YAML text that ``parse_instrument`` reads back into an instrument equal to this one,
        labels and aliases included.
    """
    return _Writer(instrument, notes).write()
