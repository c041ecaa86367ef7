"""Reading an instrument file: YAML to a checked ``Instrument``, or one clear error.

The rules are those of the instrument format (``docs/instrument-format.md``); every error
names the file and the key path (``dimensions[2].items[4]``) so a user can find the line to
mend. Unknown keys are refused, naming the key and the keys allowed there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipss_survey.errors import InstrumentError
from ipss_survey.instrument.matching import normalise_column, normalise_label
from ipss_survey.instrument.model import (
    CATEGORICAL_TESTS,
    COMBINERS,
    DIRECTIONS,
    ITEM_TESTS,
    MULTIPLE_TESTS,
    PROVENANCES,
    QUESTION_TYPES,
    Classification,
    ClassRule,
    Condition,
    Construct,
    Instrument,
    Item,
    MaturityLevel,
    Option,
    Question,
    Scale,
)
from ipss_survey.yamltext import YamlSyntaxError, safe_load

_TOP_KEYS = {
    "id",
    "title",
    "version",
    "source",
    "description",
    "respondent_id",
    "scale",
    "dimensions",
    "maturity",
    "questions",
    "classifications",
}
_SCALE_KEYS = {"points", "labels", "agree", "neutral", "missing"}
_DIMENSION_KEYS = {"id", "name", "description", "direction", "scale", "items", "subdimensions"}
_SUBDIMENSION_KEYS = {"id", "name", "description", "direction", "scale", "items"}
_ITEM_KEYS = {"code", "text", "reverse", "scale", "text_incomplete", "source", "provenance"}
_QUESTION_KEYS = {
    "code",
    "type",
    "text",
    "options",
    "codebook",
    "dimension",
    "source",
    "provenance",
    "coders",
}
_OPTION_KEYS = {"code", "label"}
_MATURITY_KEYS = {"levels", "basis"}
_CLASSIFICATION_KEYS = {"id", "name", "description", "source", "classes", "otherwise"}
_CLASS_KEYS = {"id", "name", "description", "when"}
_OTHERWISE_KEYS = {"id", "name", "description"}
_SUBJECT_KEYS = ("item", "question")
_TESTS = tuple(dict.fromkeys(ITEM_TESTS + CATEGORICAL_TESTS + MULTIPLE_TESTS))
_LEVEL_KEYS = {"min", "label"}

# Data files that are not instruments, by suffix and by their first bytes.
DATA_SUFFIXES = {
    ".csv": "a data file (.csv)",
    ".tsv": "a data file (.tsv)",
    ".tab": "a data file (.tab)",
    ".sav": "an SPSS data file (.sav)",
    ".zsav": "an SPSS data file (.zsav)",
    ".dta": "a Stata data file (.dta)",
    ".sas7bdat": "a SAS data file (.sas7bdat)",
    ".xpt": "a SAS transport file (.xpt)",
}
_MAGIC = (
    (b"PK\x03\x04", "a zip file (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office file (an Excel .xls workbook?)"),
    (b"$FL2", "an SPSS data file"),
    (b"$FL3", "an SPSS data file"),
    (b"%PDF", "a PDF document"),
)
# A first line such as "id: x" or "- item" is YAML; "id,team,A1,A2" is a table's header.
_YAML_LINE = re.compile(r"""^\s*(?:[-{\[#]|[\w .'"-]+:(?:\s|$))""")
_DELIMITERS = (",", ";", "\t", "|")


def data_file_error(source: str, what: str) -> InstrumentError:
    """The error for a data file given where an instrument was expected: what it is and
    where it goes instead (the DATA argument)."""
    name = Path(source).name
    return InstrumentError(
        source,
        "",
        f"is {what}, not an instrument: give it as the data file (ipss-survey analyze "
        f"{name} --instrument ID), and give --instrument a built-in id (ipss-survey "
        "instruments list), an instrument .yaml file or an XLSForm .xlsx",
    )


def _table_header(text: str) -> str | None:
    """The first line of ``text`` when it reads as a table's header rather than YAML."""
    for line in text.splitlines()[:20]:
        if not line.strip():
            continue
        if _YAML_LINE.match(line):
            return None
        if any(line.count(d) >= 2 for d in _DELIMITERS):
            return line.strip()
        return None
    return None


@dataclass
class _Hierarchy:
    """What the walk over ``dimensions`` has collected so far."""

    items: list[Item] = field(default_factory=list)
    constructs: list[Construct] = field(default_factory=list)
    codes_seen: dict[str, str] = field(default_factory=dict)  # item code key -> key path
    ids_seen: dict[str, str] = field(default_factory=dict)  # construct id key -> key path


class _Loader:
    """Walks the parsed YAML once, collecting the first error with its key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InstrumentError:
        return InstrumentError(self.source, path, message)

    def mapping(self, value: Any, path: str, allowed: set[str], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping ({what}), found {_kind(value)}")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                raise self.fail(
                    _join(path, str(key)),
                    f"unknown key {key!r} in {what}; allowed keys: {', '.join(sorted(allowed))}",
                )
        return value

    def text(self, value: Any, path: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, bool):
            raise self.fail(
                path,
                "expected text, found a true/false value (quote words such as Yes, No, On, Off)",
            )
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(path, f"expected non-empty text, found {_kind(value)}")
        return value.strip()

    def code_list(self, value: Any, path: str) -> tuple[int, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of whole-number codes, found {_kind(value)}")
        out = []
        for i, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, int):
                raise self.fail(f"{path}[{i}]", f"expected a whole-number code, found {v!r}")
            out.append(v)
        if len(set(out)) != len(out):
            raise self.fail(path, "a code is listed twice")
        return tuple(out)

    def scale(self, value: Any, path: str) -> Scale:
        d = self.mapping(value, path, _SCALE_KEYS, "scale")
        if "points" not in d:
            raise self.fail(path, "a scale needs 'points' (the ordered response codes)")
        points = self.code_list(d["points"], _join(path, "points"))
        if len(points) < 2:
            raise self.fail(_join(path, "points"), "a scale needs at least two points")
        if list(points) != sorted(points):
            raise self.fail(_join(path, "points"), "points must be listed lowest first")
        if points[0] < -100 or points[-1] > 100:
            raise self.fail(_join(path, "points"), "codes must lie between -100 and 100")
        agree = self.code_list(d.get("agree"), _join(path, "agree"))
        neutral = self.code_list(d.get("neutral"), _join(path, "neutral"))
        missing = self.code_list(d.get("missing"), _join(path, "missing"))
        for key, codes in (("agree", agree), ("neutral", neutral)):
            for i, c in enumerate(codes):
                if c not in points:
                    raise self.fail(
                        f"{_join(path, key)}[{i}]",
                        f"code {c} is not one of the scale's points {list(points)}",
                    )
        if not agree:
            raise self.fail(_join(path, "agree"), "list the codes that count as agreement")
        for key, codes in (("agree", agree), ("neutral", neutral)):
            if codes:
                run = [p for p in points if min(codes) <= p <= max(codes)]
                if sorted(run) != sorted(codes):
                    raise self.fail(
                        _join(path, key),
                        f"codes {list(codes)} skip point(s) "
                        f"{sorted(set(run) - set(codes))} between them; list consecutive "
                        "points of the scale",
                    )
        both = set(agree) & set(neutral)
        if both:
            raise self.fail(path, f"code(s) {sorted(both)} are both 'agree' and 'neutral'")
        for i, c in enumerate(missing):
            if c in points:
                raise self.fail(
                    f"{_join(path, 'missing')}[{i}]",
                    f"missing code {c} is also a scale point; a 'no answer' code must lie "
                    "outside points",
                )
        labels: dict[int, str] = {}
        raw_labels = d.get("labels") or {}
        if not isinstance(raw_labels, dict):
            raise self.fail(
                _join(path, "labels"), f"expected a mapping code: label, found {_kind(raw_labels)}"
            )
        seen: dict[str, int] = {}
        aliases: dict[int, tuple[str, ...]] = {}
        for k, v in raw_labels.items():
            kpath = _join(_join(path, "labels"), str(k))
            if isinstance(k, bool) or not isinstance(k, int):
                raise self.fail(kpath, f"label keys must be whole-number codes, found {k!r}")
            if k not in points and k not in missing:
                raise self.fail(kpath, f"code {k} is not a scale point or missing code")
            texts = self.texts(v, kpath)
            for text in texts:
                norm = normalise_label(text)
                if seen.get(norm, k) != k:
                    raise self.fail(kpath, f"label {text!r} is also used for code {seen[norm]}")
                seen[norm] = k
            labels[k] = texts[0]
            aliases[k] = texts
        return Scale(points, labels, agree, neutral, missing, aliases)

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        """One label, or a list of them (the first is the one reports show)."""
        if isinstance(value, list):
            if not value:
                raise self.fail(path, "expected a label or a non-empty list of labels")
            texts = [self.text(v, f"{path}[{i}]") for i, v in enumerate(value)]
        else:
            texts = [self.text(value, path)]
        return tuple(dict.fromkeys(texts))

    def load(self, doc: Any) -> Instrument:
        top = self.mapping(doc, "", _TOP_KEYS, "instrument")
        if "id" not in top:
            raise self.fail("id", "an instrument needs an 'id' (used as --instrument ID)")
        iid = self.text(top["id"], "id")
        if any(ch.isspace() for ch in iid):
            raise self.fail("id", f"id {iid!r} must not contain spaces")
        title = self.text(top.get("title", iid), "title")
        version = self.text(top.get("version"), "version", required=False)
        source = self.text(top.get("source"), "source", required=False)
        description = self.text(top.get("description"), "description", required=False)
        rid = top.get("respondent_id")
        respondent_id = self.text(rid, "respondent_id") if rid is not None else None
        base = self.scale(top["scale"], "scale") if "scale" in top else None
        dims = top.get("dimensions")
        if not isinstance(dims, list) or not dims:
            raise self.fail("dimensions", "expected a non-empty list of dimensions")
        found = _Hierarchy()
        for d_i, raw_dim in enumerate(dims):
            self.dimension(raw_dim, f"dimensions[{d_i}]", base, found)
        levels: tuple[MaturityLevel, ...] = ()
        basis = ""
        if top.get("maturity") is not None:
            levels, basis = self.maturity(top["maturity"])
        questions = self.questions(top.get("questions"), found)
        classifications = self.classifications(
            top.get("classifications"), tuple(found.items), questions
        )
        return Instrument(
            id=iid,
            title=title,
            version=version,
            source=source,
            description=description,
            respondent_id=respondent_id,
            scale=base,
            items=tuple(found.items),
            constructs=tuple(found.constructs),
            maturity=levels,
            maturity_basis=basis,
            origin=self.source,
            questions=questions,
            classifications=classifications,
        )

    def claim_id(self, cid: str, path: str, found: _Hierarchy) -> None:
        key = cid.casefold()
        if key in found.ids_seen:
            raise self.fail(path, f"construct id {cid!r} is already used at {found.ids_seen[key]}")
        found.ids_seen[key] = path

    def dimension(self, raw: Any, dpath: str, base: Scale | None, found: _Hierarchy) -> None:
        """One dimension: its items, or its sub-dimensions (then the dimension pools them)."""
        dim = self.mapping(raw, dpath, _DIMENSION_KEYS, "dimension")
        if "id" not in dim:
            raise self.fail(dpath, "a dimension needs an 'id'")
        did = self.text(dim["id"], _join(dpath, "id"))
        self.claim_id(did, dpath, found)
        dname = self.text(dim.get("name", did), _join(dpath, "name"))
        ddesc = self.text(dim.get("description"), _join(dpath, "description"), required=False)
        ddir = self.choice(dim.get("direction"), _join(dpath, "direction"), DIRECTIONS)
        dscale = self.scale(dim["scale"], _join(dpath, "scale")) if "scale" in dim else base
        has_items, has_subs = "items" in dim, "subdimensions" in dim
        if has_items and has_subs:
            raise self.fail(dpath, "a dimension holds 'items' or 'subdimensions', not both")
        if not has_items and not has_subs:
            raise self.fail(dpath, f"dimension {did!r} is empty: give it items or subdimensions")
        if has_items:
            codes = self.items(dim["items"], _join(dpath, "items"), dscale, did, None, found)
            found.constructs.append(
                Construct(did, dname, "dimension", None, codes, ddir or DIRECTIONS[0], ddesc)
            )
            return
        subs = dim["subdimensions"]
        if not isinstance(subs, list) or not subs:
            raise self.fail(
                _join(dpath, "subdimensions"),
                f"dimension {did!r} is empty: expected a non-empty list of sub-dimensions",
            )
        sub_constructs = []
        for s_i, raw_sub in enumerate(subs):
            spath = f"{dpath}.subdimensions[{s_i}]"
            sub = self.mapping(raw_sub, spath, _SUBDIMENSION_KEYS, "sub-dimension")
            if "id" not in sub:
                raise self.fail(spath, "a sub-dimension needs an 'id'")
            sid = self.text(sub["id"], _join(spath, "id"))
            self.claim_id(sid, spath, found)
            sname = self.text(sub.get("name", sid), _join(spath, "name"))
            sdesc = self.text(sub.get("description"), _join(spath, "description"), required=False)
            sdir = self.choice(sub.get("direction"), _join(spath, "direction"), DIRECTIONS)
            sscale = self.scale(sub["scale"], _join(spath, "scale")) if "scale" in sub else dscale
            if "items" not in sub:
                raise self.fail(spath, f"sub-dimension {sid!r} is empty: give it items")
            codes = self.items(sub["items"], _join(spath, "items"), sscale, did, sid, found)
            sub_constructs.append(
                Construct(
                    sid, sname, "subdimension", did, codes, sdir or ddir or DIRECTIONS[0], sdesc
                )
            )
        all_codes = tuple(code for sc in sub_constructs for code in sc.items)
        found.constructs.append(
            Construct(did, dname, "dimension", None, all_codes, ddir or DIRECTIONS[0], ddesc)
        )
        found.constructs.extend(sub_constructs)

    def items(
        self,
        value: Any,
        path: str,
        scale: Scale | None,
        dim: str,
        sub: str | None,
        found: _Hierarchy,
    ) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(path, "expected a non-empty list of items")
        codes = []
        for i, raw in enumerate(value):
            item = self.item(raw, f"{path}[{i}]", scale, dim, sub, found)
            found.items.append(item)
            codes.append(item.code)
        return tuple(codes)

    def item(
        self,
        raw: Any,
        ipath: str,
        scale: Scale | None,
        dim: str,
        sub: str | None,
        found: _Hierarchy,
    ) -> Item:
        if isinstance(raw, str | int) and not isinstance(raw, bool):
            entry: dict[str, Any] = {"code": raw}
        else:
            entry = self.mapping(raw, ipath, _ITEM_KEYS, "item")
        if "code" not in entry:
            raise self.fail(ipath, "an item needs a 'code' (its column name)")
        code = self.text(entry["code"], _join(ipath, "code"))
        key = normalise_column(code)
        if key in found.codes_seen:
            raise self.fail(
                _join(ipath, "code"),
                f"duplicate item code {code!r} (first at {found.codes_seen[key]})",
            )
        found.codes_seen[key] = ipath
        iscale = self.scale(entry["scale"], _join(ipath, "scale")) if "scale" in entry else scale
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            raise self.fail(_join(ipath, "reverse"), "expected true or false")
        if iscale is None:
            raise self.fail(
                ipath,
                f"item {code!r} has no scale: set 'scale' on the instrument, its "
                "dimension, sub-dimension or the item"
                + (" (it is reverse-keyed, which needs a known scale)" if reverse else ""),
            )
        if reverse and {iscale.reverse(p) for p in iscale.points} != set(iscale.points):
            raise self.fail(
                _join(ipath, "reverse"),
                f"item {code!r} is reverse-keyed (min + max - value), but its scale "
                f"{list(iscale.points)} is not symmetric, so a reversed answer would "
                "fall off the scale; give it evenly spaced points or recode it in the data",
            )
        incomplete = entry.get("text_incomplete", False)
        if not isinstance(incomplete, bool):
            raise self.fail(_join(ipath, "text_incomplete"), "expected true or false")
        text = self.text(entry.get("text"), _join(ipath, "text"), required=False)
        source = self.text(entry.get("source"), _join(ipath, "source"), required=False)
        provenance = self.choice(entry.get("provenance"), _join(ipath, "provenance"), PROVENANCES)
        return Item(code, text, reverse, iscale, dim, sub, incomplete, source, provenance)

    def choice(self, value: Any, path: str, allowed: tuple[str, ...]) -> str | None:
        """One of ``allowed`` words, or None when the key is absent."""
        if value is None:
            return None
        word = self.text(value, path)
        if word not in allowed:
            raise self.fail(path, f"expected one of {', '.join(allowed)}, found {word!r}")
        return word

    def questions(self, value: Any, found: _Hierarchy) -> tuple[Question, ...]:
        """The questions that are not scored: multi-select, categorical, open-ended."""
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail("questions", f"expected a list of questions, found {_kind(value)}")
        dims = {c.id for c in found.constructs if c.level == "dimension"}
        out = []
        for i, raw in enumerate(value):
            qpath = f"questions[{i}]"
            entry = self.mapping(raw, qpath, _QUESTION_KEYS, "question")
            for key in ("code", "type"):
                if key not in entry:
                    raise self.fail(qpath, f"a question needs a '{key}'")
            code = self.text(entry["code"], _join(qpath, "code"))
            norm = normalise_column(code)
            if norm in found.codes_seen:
                raise self.fail(
                    _join(qpath, "code"),
                    f"duplicate code {code!r} (first at {found.codes_seen[norm]})",
                )
            found.codes_seen[norm] = qpath
            kind = self.choice(entry["type"], _join(qpath, "type"), QUESTION_TYPES)
            options = self.options(entry.get("options"), _join(qpath, "options"))
            if kind == "select_multiple" and len(options) < 2:
                raise self.fail(_join(qpath, "options"), "a multi-select needs two or more options")
            if kind == "text" and options:
                raise self.fail(_join(qpath, "options"), "an open-ended question has no options")
            dimension = entry.get("dimension")
            if dimension is not None and dimension not in dims:
                raise self.fail(
                    _join(qpath, "dimension"),
                    f"no dimension {dimension!r}; dimensions: {', '.join(sorted(dims))}",
                )
            codebook = entry.get("codebook")
            if codebook is not None and kind != "text":
                raise self.fail(_join(qpath, "codebook"), "only a 'text' question has a codebook")
            coders = ()
            if "coders" in entry:
                if kind != "text" or codebook is None:
                    raise self.fail(
                        _join(qpath, "coders"),
                        "only a 'text' question with a codebook has coders' columns",
                    )
                coders = self.texts(entry["coders"], _join(qpath, "coders"))
            out.append(
                Question(
                    code=code,
                    type=kind or "",
                    text=self.text(entry.get("text"), _join(qpath, "text"), required=False),
                    options=options,
                    codebook=self.text(codebook, _join(qpath, "codebook")) if codebook else None,
                    dimension=dimension,
                    source=self.text(entry.get("source"), _join(qpath, "source"), required=False),
                    provenance=self.choice(
                        entry.get("provenance"), _join(qpath, "provenance"), PROVENANCES
                    ),
                    coders=coders,
                )
            )
        return tuple(out)

    def options(self, value: Any, path: str) -> tuple[Option, ...]:
        """Choices as bare codes or {code, label}; a code or label may be used only once."""
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of options, found {_kind(value)}")
        out: list[Option] = []
        seen: dict[str, str] = {}
        for i, raw in enumerate(value):
            opath = f"{path}[{i}]"
            if isinstance(raw, str | int) and not isinstance(raw, bool):
                entry: dict[str, Any] = {"code": raw}
            else:
                entry = self.mapping(raw, opath, _OPTION_KEYS, "option")
            if "code" not in entry:
                raise self.fail(opath, "an option needs a 'code' (as the data holds it)")
            code = self.text(entry["code"], _join(opath, "code"))
            labels = self.texts(entry["label"], _join(opath, "label")) if "label" in entry else ()
            for text in (code, *labels):
                norm = normalise_label(text)
                if seen.get(norm, code) != code:
                    raise self.fail(opath, f"{text!r} is also used for option {seen[norm]!r}")
                seen[norm] = code
            out.append(Option(code, labels or (code,)))
        return tuple(out)

    # -- classifications ------------------------------------------------------------------------

    def classifications(
        self, value: Any, items: tuple[Item, ...], questions: tuple[Question, ...]
    ) -> tuple[Classification, ...]:
        """Rules that sort cases into classes by their answers (``classifications:``)."""
        if value is None:
            return ()
        root = "classifications"
        if not isinstance(value, list) or not value:
            raise self.fail(
                root, f"expected a non-empty list of classifications, found {_kind(value)}"
            )
        subjects = _Subjects(items, questions)
        out: list[Classification] = []
        seen: dict[str, str] = {}
        for i, raw in enumerate(value):
            cpath = f"{root}[{i}]"
            entry = self.mapping(raw, cpath, _CLASSIFICATION_KEYS, "classification")
            cid = self.identifier(entry, cpath, "classification", seen)
            name = self.text(entry.get("name", cid), _join(cpath, "name"))
            description = self.text(
                entry.get("description"), _join(cpath, "description"), required=False
            )
            source = self.text(entry.get("source"), _join(cpath, "source"), required=False)
            raw_classes = entry.get("classes")
            kpath = _join(cpath, "classes")
            if not isinstance(raw_classes, list) or not raw_classes:
                raise self.fail(
                    kpath,
                    f"classification {cid!r} needs a non-empty list of classes, each "
                    "{id, name, when}",
                )
            class_ids: dict[str, str] = {}
            classes = []
            for k, raw_class in enumerate(raw_classes):
                path = f"{kpath}[{k}]"
                c = self.mapping(raw_class, path, _CLASS_KEYS, "class")
                class_id = self.identifier(c, path, "class", class_ids)
                if "when" not in c:
                    raise self.fail(
                        path,
                        f"class {class_id!r} needs 'when': the conditions a case must meet "
                        "(a list; use 'otherwise' for the class of the remaining cases)",
                    )
                when = self.conditions(c["when"], _join(path, "when"), subjects)
                class_name = self.text(c.get("name", class_id), _join(path, "name"))
                about = self.text(c.get("description"), _join(path, "description"), required=False)
                classes.append(ClassRule(class_id, class_name, when, about))
            otherwise = None
            if entry.get("otherwise") is not None:
                opath = _join(cpath, "otherwise")
                o = self.mapping(entry["otherwise"], opath, _OTHERWISE_KEYS, "otherwise class")
                oid = self.identifier(o, opath, "class", class_ids)
                otherwise = ClassRule(
                    oid,
                    self.text(o.get("name", oid), _join(opath, "name")),
                    (),
                    self.text(o.get("description"), _join(opath, "description"), required=False),
                )
            out.append(Classification(cid, name, tuple(classes), otherwise, description, source))
        return tuple(out)

    def identifier(self, entry: dict[str, Any], path: str, what: str, seen: dict[str, str]) -> str:
        """An entry's ``id``: present, without spaces, not used before (ignoring case)."""
        if "id" not in entry:
            raise self.fail(path, f"a {what} needs an 'id'")
        ident = self.text(entry["id"], _join(path, "id"))
        if any(ch.isspace() for ch in ident):
            raise self.fail(_join(path, "id"), f"{what} id {ident!r} must not contain spaces")
        key = ident.casefold()
        if key in seen:
            raise self.fail(
                _join(path, "id"), f"{what} id {ident!r} is already used at {seen[key]}"
            )
        seen[key] = path
        return ident

    def conditions(self, value: Any, path: str, subjects: _Subjects) -> tuple[Condition, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(path, f"expected a non-empty list of conditions, found {_kind(value)}")
        return tuple(self.condition(v, f"{path}[{i}]", subjects) for i, v in enumerate(value))

    def condition(self, raw: Any, path: str, subjects: _Subjects) -> Condition:
        """``{item|question: CODE, TEST: VALUE}``, or ``{all: [...]}`` / ``{any: [...]}``."""
        allowed = {*_SUBJECT_KEYS, *COMBINERS, *_TESTS}
        entry = self.mapping(raw, path, allowed, "condition")
        combiners = [k for k in COMBINERS if k in entry]
        if combiners:
            if len(entry) > 1:
                others = ", ".join(k for k in entry if k != combiners[0])
                raise self.fail(
                    path,
                    f"'{combiners[0]}' combines conditions and stands alone in its mapping; "
                    f"found also {others}",
                )
            word = combiners[0]
            return Condition(word, parts=self.conditions(entry[word], _join(path, word), subjects))
        named = [k for k in _SUBJECT_KEYS if k in entry]
        if len(named) != 1:
            raise self.fail(
                path,
                "a condition names one item ('item: CODE') or one question ('question: CODE'), "
                "or combines conditions ('all: [...]', 'any: [...]')",
            )
        kind = named[0]
        code = self.text(entry[kind], _join(path, kind))
        tests = [k for k in _TESTS if k in entry]
        if len(tests) != 1:
            raise self.fail(
                path,
                f"a condition makes exactly one test ({', '.join(_TESTS)}); found "
                f"{', '.join(tests) if tests else 'none'}",
            )
        test = tests[0]
        tpath = _join(path, test)
        if test == "equals" and isinstance(entry[test], list):
            raise self.fail(tpath, "'equals' takes one value; for several write 'any_of: [...]'")
        if kind == "item":
            item = subjects.item(code)
            if item is None:
                hint = (
                    " (it is a question: write 'question: ...')" if subjects.question(code) else ""
                )
                raise self.fail(_join(path, "item"), f"no item {code!r}{hint}")
            if test not in ITEM_TESTS:
                raise self.fail(
                    tpath,
                    f"'{test}' does not apply to item {item.code!r}; tests for it: "
                    f"{', '.join(ITEM_TESTS)}",
                )
            values = self.item_values(entry[test], tpath, test, item)
            return Condition(test, "item", item.code, values)
        question = subjects.question(code)
        if question is None:
            hint = " (it is an item: write 'item: ...')" if subjects.item(code) else ""
            raise self.fail(_join(path, "question"), f"no question {code!r}{hint}")
        allowed_tests = {"categorical": CATEGORICAL_TESTS, "select_multiple": MULTIPLE_TESTS}.get(
            question.type, ()
        )
        if test not in allowed_tests:
            if not allowed_tests:
                raise self.fail(
                    _join(path, "question"),
                    f"question {question.code!r} is open-ended ({question.type}); a rule can test "
                    "only items, categorical and multi-select questions",
                )
            raise self.fail(
                tpath,
                f"'{test}' does not apply to the {question.type} question {question.code!r}; "
                f"tests for it: {', '.join(allowed_tests)}",
            )
        if test in ("at_least", "at_most"):
            count = self.whole(entry[test], tpath)
            if not 0 <= count <= len(question.options):
                raise self.fail(
                    tpath,
                    f"'{test}' counts the options chosen: expected 0 to "
                    f"{len(question.options)}, found {count}",
                )
            return Condition(test, "question", question.code, (count,))
        single = test == "equals"
        values = self.option_values(entry[test], tpath, question, single=single)
        return Condition(test, "question", question.code, values)

    def whole(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, found {_kind(value)}")
        return value

    def item_values(self, value: Any, path: str, test: str, item: Item) -> tuple[int, ...]:
        """Scale codes an item test compares the answer with, checked against its points."""
        points = item.scale.points
        if test in ("at_least", "at_most"):
            bound = self.whole(value, path)
            if not points[0] <= bound <= points[-1]:
                raise self.fail(
                    path,
                    f"{bound} lies outside the scale of item {item.code!r} "
                    f"({points[0]}-{points[-1]}); give a code of its scale",
                )
            return (bound,)
        raw = [value] if test == "equals" else value
        if test == "any_of" and (not isinstance(value, list) or not value):
            raise self.fail(path, f"expected a non-empty list of scale codes, found {_kind(value)}")
        out = []
        for i, v in enumerate(raw):
            where = path if test == "equals" else f"{path}[{i}]"
            code = self.whole(v, where)
            if code not in points:
                raise self.fail(
                    where, f"code {code} is not one of item {item.code!r}'s points {list(points)}"
                )
            out.append(code)
        return tuple(dict.fromkeys(out))

    def option_values(
        self, value: Any, path: str, question: Question, *, single: bool
    ) -> tuple[str, ...]:
        """Option codes (an option may be named by its code or a label), checked."""
        if single:
            raw = [value]
        elif isinstance(value, list) and value:
            raw = value
        elif isinstance(value, list):
            raise self.fail(path, "expected an option or a non-empty list of options")
        else:
            raw = [value]
        keys: dict[str, str] = {}
        for opt in question.options:
            for text in (opt.code, *opt.labels):
                keys.setdefault(normalise_label(text), opt.code)
        out = []
        for i, v in enumerate(raw):
            where = path if len(raw) == 1 and not isinstance(value, list) else f"{path}[{i}]"
            text = self.text(v, where)
            if not question.options:  # a categorical question that takes the data's values
                out.append(text)
                continue
            found = keys.get(normalise_label(text))
            if found is None:
                raise self.fail(
                    where,
                    f"question {question.code!r} has no option {text!r}; options: "
                    f"{', '.join(o.code for o in question.options)}",
                )
            out.append(found)
        return tuple(dict.fromkeys(out))

    def maturity(self, value: Any) -> tuple[tuple[MaturityLevel, ...], str]:
        m = self.mapping(value, "maturity", _MATURITY_KEYS, "maturity")
        raw = m.get("levels")
        if not isinstance(raw, list) or not raw:
            raise self.fail("maturity.levels", "expected a non-empty list of {min, label}")
        levels = []
        for i, lv in enumerate(raw):
            lpath = f"maturity.levels[{i}]"
            d = self.mapping(lv, lpath, _LEVEL_KEYS, "maturity level")
            low = d.get("min")
            if isinstance(low, bool) or not isinstance(low, int | float):
                raise self.fail(_join(lpath, "min"), f"expected a number, found {low!r}")
            if "label" not in d:
                raise self.fail(lpath, "a maturity level needs a 'label'")
            label = self.text(d.get("label"), _join(lpath, "label"))
            if levels and float(low) <= levels[-1].min:
                raise self.fail(
                    _join(lpath, "min"),
                    f"levels must be listed lowest first with rising minimums ({low} follows "
                    f"{levels[-1].min})",
                )
            levels.append(MaturityLevel(float(low), label))
        basis = self.text(m.get("basis"), "maturity.basis", required=False)
        return tuple(levels), basis


class _Subjects:
    """The items and questions a rule may name, found by code as columns are (ignoring case
    and spaces)."""

    def __init__(self, items: tuple[Item, ...], questions: tuple[Question, ...]) -> None:
        self.items = {normalise_column(it.code): it for it in items}
        self.questions = {normalise_column(q.code): q for q in questions}

    def item(self, code: str) -> Item | None:
        return self.items.get(normalise_column(code))

    def question(self, code: str) -> Question | None:
        return self.questions.get(normalise_column(code))


def parse_classifications(
    value: Any, source: str, items: tuple[Item, ...], questions: tuple[Question, ...]
) -> tuple[Classification, ...]:
    """A ``classifications:`` list (as YAML reads it) checked against an instrument's items
    and questions; errors name ``source`` and the key path, as the loader's do."""
    return _Loader(source).classifications(value, items, questions)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str) and len(value) > 40:
        return f"text {value[:37] + '...'!r}"
    return {dict: "a mapping", list: "a list", str: f"text {value!r}"}.get(
        type(value), f"{type(value).__name__} {value!r}"
    )


def parse_instrument(text: str, source: str) -> Instrument:
    """Parse instrument YAML text; ``source`` names it in error messages."""
    try:
        doc = safe_load(text)
    except YamlSyntaxError as exc:
        raise InstrumentError(source, "", f"not valid YAML: {exc}") from None
    if doc is None:
        raise InstrumentError(source, "", "the file is empty")
    return _Loader(source).load(doc)


def load_instrument(path: str | Path) -> Instrument:
    """Load and check an instrument file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InstrumentError(str(p), "", "no such file") from None
    except IsADirectoryError:
        raise InstrumentError(str(p), "", "is a folder, not an instrument file") from None
    except OSError as exc:
        raise InstrumentError(str(p), "", f"cannot be read ({exc.strerror})") from None
    if len(raw) > 5_000_000:
        raise InstrumentError(str(p), "", "is larger than 5 MB; an instrument file is small YAML")
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise data_file_error(str(p), what)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstrumentError(
            str(p),
            "",
            "is not UTF-8 text: an instrument is a YAML text file (docs/instrument-format.md); "
            "save it as UTF-8, or, if it is a data file, give it as the data file (ipss-survey "
            f"analyze {p.name} --instrument ID)",
        ) from None
    header = _table_header(text)
    if header is not None:
        shown = header if len(header) <= 40 else header[:37] + "..."
        raise data_file_error(str(p), f"a data table (first line {shown!r})")
    return parse_instrument(text, str(p))
