"""Reading a study file: YAML to a checked ``Study``, or every problem with its key path.

A study file (``docs/study-format.md``) has a ``title``, ``defaults``, a list of ``analyses``
and a list of ``comparisons``. Inside them the keys are the long option names of ``analyze``
and ``compare`` with underscores for dashes (``--fail-under`` is ``fail_under``, ``--id`` is
``id``), so a command line and a study file say the same thing in the same words. The key
tables below are the one place the format is written down: the loader reads by them and the
JSON Schema (``ipss_survey.study.schema``) is made from them.

Every problem names the study file and the key path (``analyses[2].weight``); the loader goes
on past a problem, so one reading lists them all. Paths in the file are relative to the study
file. Whether the data and instrument files exist, and what they hold, is checked later
(``ipss_survey.study.check``), per analysis.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ipss_survey.errors import DataError, SurveyError, one_line
from ipss_survey.instrument import builtin_ids
from ipss_survey.pipeline import Options
from ipss_survey.report.compare import COMPARE_FORMATS, parse_compare_formats
from ipss_survey.report.write import FORMATS, parse_formats
from ipss_survey.stats.design import LONELY_PSU_POLICIES
from ipss_survey.stats.padjust import METHODS as P_ADJUST_METHODS
from ipss_survey.yamltext import YamlSyntaxError, safe_load

STUDY_FORMAT_VERSION = 1
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_NAME = re.compile(NAME_PATTERN)
MAX_STUDY_BYTES = 5_000_000


@dataclass(frozen=True)
class Key:
    """One key of the study format.

    ``kind`` says what values it takes (``KINDS``); ``option`` is the command line's option
    with the same meaning; ``sets`` the ``Options`` field it sets, if any; ``bounds`` and
    ``choices`` are the limits ``Options.check`` enforces, repeated for the JSON Schema.
    """

    name: str
    kind: str
    about: str
    option: str | None = None
    sets: str | None = None
    bounds: dict[str, float] = field(default_factory=dict)
    choices: tuple[str, ...] = ()
    required: bool = False


KINDS = (
    "text",  # a non-empty string
    "path",  # a file or folder, relative to the study file
    "number",
    "integer",
    "boolean",
    "choice",  # one of ``choices``
    "texts",  # a string, or a list of strings (a repeatable option)
    "formats",  # "json,html" or [json, html]
    "target",  # --fail-under: a percentage (number or text) or a maturity label
    "paths",  # a list of two or more paths (compare's files)
    "instruments",  # one instrument, or a list of one per wave
    "labels",  # "2024,2026" or [2024, 2026]
)

_NAME_KEY = Key(
    "name",
    "text",
    "The run's name: its output folder (under the study's) and what --only selects. "
    "Letters, digits, '.', '_' and '-'.",
    required=True,
)

ANALYSIS_KEYS: tuple[Key, ...] = (
    _NAME_KEY,
    Key(
        "data",
        "path",
        "Survey file (.csv, .xlsx, .sav, .zsav, .dta, .sas7bdat, .xpt), relative to the study "
        "file.",
        option="DATA",
        required=True,
    ),
    Key(
        "instrument",
        "text",
        "Built-in instrument id, or an instrument YAML file or XLSForm relative to the study "
        "file. Default: a filled template's own, else dtcaf.",
        option="--instrument",
    ),
    Key("group", "text", "Column to split results by.", option="--group", sets="group"),
    Key(
        "out",
        "path",
        "Output folder of this run, inside the study's output folder. Default: the run's name.",
        option="--out",
    ),
    Key(
        "columns",
        "path",
        "YAML file mapping file columns to item codes ('Q1: LEA01' per line), relative to the "
        "study file.",
        option="--columns",
        sets="columns",
    ),
    Key(
        "id",
        "text",
        "Respondent id column (default: the instrument's).",
        option="--id",
        sets="id_column",
    ),
    Key(
        "threshold",
        "number",
        "Acceptance threshold in percent for the significance tests (default 50).",
        option="--threshold",
        sets="threshold",
        bounds={"exclusiveMinimum": 0, "exclusiveMaximum": 100},
    ),
    Key(
        "alpha",
        "number",
        "Significance level (default 0.05).",
        option="--alpha",
        sets="alpha",
        bounds={"exclusiveMinimum": 0, "exclusiveMaximum": 1},
    ),
    Key(
        "p_adjust",
        "choice",
        "Multiple-testing correction (default holm).",
        option="--p-adjust",
        sets="p_adjust",
        choices=tuple(P_ADJUST_METHODS),
    ),
    Key(
        "min_answered",
        "number",
        "Share of a construct's items a respondent must answer to get a score (default 0.5).",
        option="--min-answered",
        sets="min_answered",
        bounds={"exclusiveMinimum": 0, "maximum": 1},
    ),
    Key(
        "min_group_size",
        "integer",
        "Groups with fewer respondents are left out of group tests (default 5).",
        option="--min-group-size",
        sets="min_group_size",
        bounds={"minimum": 1},
    ),
    Key(
        "strict",
        "boolean",
        "Treat out-of-range values, unknown labels and duplicate respondent ids as errors.",
        option="--strict",
        sets="strict",
    ),
    Key(
        "encoding",
        "text",
        "Text encoding of a CSV file (detected by default).",
        option="--encoding",
        sets="encoding",
    ),
    Key(
        "sheet",
        "text",
        "Excel sheet name (default: the first visible one).",
        option="--sheet",
        sets="sheet",
    ),
    Key(
        "header_row",
        "integer",
        "Row holding the column names (1 = first).",
        option="--header-row",
        sets="header_row",
        bounds={"minimum": 1},
    ),
    Key(
        "where",
        "texts",
        "Row filters, all of which must hold: COLUMN=VALUE (also !=, <, <=, >, >=; "
        "COLUMN=V1,V2; COLUMN!=). One filter, or a list.",
        option="--where",
        sets="where",
    ),
    Key(
        "keep_test_responses",
        "boolean",
        "Analyse a platform's survey previews and test responses too.",
        option="--keep-test-responses",
        sets="keep_test_responses",
    ),
    Key(
        "weight",
        "text",
        "Survey weight column (design-based estimates).",
        option="--weight",
        sets="weight",
    ),
    Key("strata", "text", "Stratum column of the design.", option="--strata", sets="strata"),
    Key(
        "cluster",
        "text",
        "Cluster (primary sampling unit) column, nested in strata.",
        option="--cluster",
        sets="cluster",
    ),
    Key(
        "lonely_psu",
        "choice",
        "A stratum with a single cluster (default fail, R's).",
        option="--lonely-psu",
        sets="lonely_psu",
        choices=tuple(LONELY_PSU_POLICIES),
    ),
    Key(
        "coders",
        "texts",
        "Human coders' theme columns of an open-ended question: QUESTION=COL1,COL2. One, or "
        "a list.",
        option="--coders",
        sets="coders",
    ),
    Key(
        "rwg_cutoff",
        "number",
        "rwg below which a panel's item is flagged as disagreed (default 0.70).",
        option="--rwg-cutoff",
        sets="rwg_cutoff",
        bounds={"exclusiveMinimum": 0, "maximum": 1},
    ),
    Key(
        "format",
        "formats",
        "Outputs to write: json, csv, xlsx, html, md, png, svg, or all (default all); "
        "comma-separated text or a list.",
        option="--format",
        choices=FORMATS,
    ),
    Key("title", "text", "Title of the HTML, Excel and Markdown reports.", option="--title"),
    Key(
        "fail_under",
        "target",
        "The run fails (exit 1) when a dimension's agreement is below this percentage or its "
        "maturity below this level (a label of the instrument).",
        option="--fail-under",
    ),
)

# Keys that mean the same for compare as for analyze are the same keys.
_ANALYSIS = {k.name: k for k in ANALYSIS_KEYS}

COMPARISON_KEYS: tuple[Key, ...] = (
    _NAME_KEY,
    Key(
        "data",
        "paths",
        "Two or more data files (baseline first), or results.json files, relative to the "
        "study file.",
        option="FILES",
        required=True,
    ),
    Key(
        "instrument",
        "instruments",
        "Instrument for every wave, or a list of one per wave in order. Default: dtcaf.",
        option="--instrument",
    ),
    Key(
        "id",
        "text",
        "Respondent id column that pairs respondents across waves.",
        option="--id",
        sets="id_column",
    ),
    _ANALYSIS["group"],
    Key(
        "labels",
        "labels",
        'Wave labels, one per file: "2024,2026" or a list.',
        option="--labels",
    ),
    Key(
        "out",
        "path",
        "Output folder of this comparison, inside the study's output folder. Default: its name.",
        option="--out",
    ),
    _ANALYSIS["threshold"],
    _ANALYSIS["p_adjust"],
    _ANALYSIS["min_answered"],
    _ANALYSIS["where"],
    Key(
        "format",
        "formats",
        "Outputs to write: json, csv, html, png, svg, or all (default all).",
        option="--format",
        choices=COMPARE_FORMATS,
    ),
    Key("title", "text", "Title of the HTML page.", option="--title"),
)

# Defaults hold any analysis key but the ones that name a single run.
DEFAULT_KEYS: tuple[Key, ...] = tuple(
    k for k in ANALYSIS_KEYS if k.name not in ("name", "data", "out")
)
# The defaults a comparison takes: those of its keys that mean the same for both commands
# (formats differ between them, and a title names one report).
INHERITED_BY_COMPARISONS = (
    "instrument",
    "id",
    "group",
    "threshold",
    "p_adjust",
    "min_answered",
    "where",
)

TOP_KEYS: tuple[Key, ...] = (
    Key("title", "text", "The study's title, shown in its index."),
    Key(
        "out",
        "path",
        "Output folder of the study (its index and one folder per run), relative to the "
        "study file. Default: reports/<study file name> in the current folder; "
        "'ipss-survey run --out' overrides it.",
    ),
    Key(
        "defaults",
        "mapping",
        "Options that apply to every analysis (and, for the keys "
        "compare takes, to every comparison) unless the run sets them itself.",
    ),
    Key("analyses", "list", "The analyses, each as 'ipss-survey analyze' with these options."),
    Key(
        "comparisons",
        "list",
        "Comparisons of waves, each as 'ipss-survey compare' with these options.",
    ),
)


def key_names(keys: tuple[Key, ...]) -> set[str]:
    """The names of a key table."""
    return {k.name for k in keys}


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: a key path such as ``analyses[2].weight``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class StudyError(SurveyError):
    """A study file breaks a rule of the study format; holds every problem found."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"{source}: {problems[0]}{more}")

    def lines(self) -> list[str]:
        """One line per problem, each naming the study file and the key path."""
        return [one_line(f"{self.source}: {p}") for p in self.problems]


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis, its paths resolved and its options checked: what ``analyze`` is given.

    ``given`` is what the study says of it (defaults applied, paths as written), as study.json
    records it.
    """

    name: str
    key: str  # where it is in the file: "analyses[0]"
    data: Path
    instrument: str | None  # a built-in id, or the path of an instrument file
    options: Options
    formats: tuple[str, ...]
    title: str | None
    fail_under: str | None
    out: Path  # relative to the study's output folder (or absolute)
    given: dict[str, Any]

    kind = "analysis"


@dataclass(frozen=True)
class ComparisonSpec:
    """One comparison of waves: what ``compare`` is given."""

    name: str
    key: str  # "comparisons[0]"
    data: tuple[Path, ...]
    instruments: tuple[str, ...]
    labels: tuple[str, ...] | None
    id_column: str | None
    options: Options
    formats: tuple[str, ...]
    title: str | None
    out: Path
    given: dict[str, Any]

    kind = "comparison"


@dataclass(frozen=True)
class Study:
    """A checked study file."""

    source: str  # the study file as given, for messages
    folder: Path  # the folder its paths are relative to
    title: str
    out: Path | None  # the study's output folder, when the file sets one
    analyses: tuple[AnalysisSpec, ...]
    comparisons: tuple[ComparisonSpec, ...]
    sha256: str

    @property
    def runs(self) -> tuple[AnalysisSpec | ComparisonSpec, ...]:
        """Every analysis, then every comparison, in the file's order."""
        return (*self.analyses, *self.comparisons)

    def select(self, names: list[str] | None) -> tuple[AnalysisSpec | ComparisonSpec, ...]:
        """The runs ``--only`` names (all without names); an unknown name is an error."""
        if not names:
            return self.runs
        known = {r.name.casefold(): r for r in self.runs}
        wanted = [n.strip() for part in names for n in part.split(",") if n.strip()]
        unknown = [n for n in wanted if n.casefold() not in known]
        if unknown:
            raise SurveyError(
                f"--only: no analysis or comparison named {', '.join(map(repr, unknown))} in "
                f"{self.source}; names: {', '.join(r.name for r in self.runs)}"
            )
        chosen = {n.casefold() for n in wanted}
        return tuple(r for r in self.runs if r.name.casefold() in chosen)


# --------------------------------------------------------------------------- the loader


class _Bad(Exception):
    """A value that does not fit its key (caught and recorded with the key path)."""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false value {value!r}"
    return {dict: "a mapping", list: "a list", str: f"text {value!r}"}.get(
        type(value), f"{type(value).__name__} {value!r}"
    )


def _text(value: Any, what: str = "text") -> str:
    if isinstance(value, bool):
        raise _Bad(f"expected {what}, found a true/false value (quote words such as Yes, No)")
    if isinstance(value, int | float):
        raise _Bad(f'expected {what}, found the number {value!r}; quote it: "{value}"')
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"expected non-empty {what}, found {_kind(value)}")
    return value.strip()


def _texts(value: Any, what: str = "text") -> list[str]:
    if isinstance(value, list):
        if not value:
            raise _Bad(f"expected {what} or a non-empty list of them, found an empty list")
        return [_text(v, what) for v in value]
    return [_text(value, what)]


def _split(value: Any, what: str) -> list[str]:
    """Comma-separated text, or a list (whose entries may be numbers, such as years)."""
    if isinstance(value, list):
        if not value:
            raise _Bad(f"expected {what}, found an empty list")
        out = []
        for v in value:
            if isinstance(v, int | float) and not isinstance(v, bool):
                out.append(str(v))
            else:
                out.append(_text(v, what))
        return out
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    return [p.strip() for p in _text(value, what).split(",") if p.strip()]


def _plain_value(key: Key, value: Any) -> Any:
    """A value of ``key`` as written, checked for its kind and made JSON-ready."""
    kind = key.kind
    if kind in ("text", "path"):
        return _text(value, "a path" if kind == "path" else "text")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad(f"expected a number, found {_kind(value)}")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(f"expected a whole number, found {_kind(value)}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _Bad(f"expected true or false, found {_kind(value)}")
        return value
    if kind == "choice":
        word = _text(value)
        if word not in key.choices:
            raise _Bad(f"expected one of {', '.join(key.choices)}, found {word!r}")
        return word
    if kind == "texts":
        return _texts(value)
    if kind == "formats":
        return _split(value, "formats")
    if kind == "target":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:g}"
        return _text(value, "a percentage or a maturity label")
    if kind == "paths":
        if not isinstance(value, list):
            raise _Bad(f"expected a list of two or more files, found {_kind(value)}")
        if len(value) < 2:
            raise _Bad("a comparison needs two or more files: the baseline and each follow-up")
        return [_text(v, "a path") for v in value]
    if kind == "instruments":
        return _texts(value, "an instrument id or path")
    if kind == "labels":
        return _split(value, "wave labels")
    raise AssertionError(f"unknown kind {kind!r}")  # pragma: no cover


def _option_value(key: Key, value: Any) -> Any:
    """A checked plain value as ``Options`` holds it."""
    if key.kind == "texts":
        return tuple(value)
    if key.kind == "number":
        return float(value)
    return value


class _Reader:
    """Walks the parsed YAML once, collecting every problem with its key path."""

    def __init__(self, source: str, folder: Path) -> None:
        self.source = source
        self.folder = folder
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def resolve(self, written: str) -> Path:
        """A path written in the study, relative to the study file's folder."""
        p = Path(written)
        return p if p.is_absolute() else Path(os.path.normpath(self.folder / p))

    def instrument(self, written: str) -> str:
        """A built-in id as it is; anything else is a file relative to the study file."""
        return written if written in builtin_ids() else str(self.resolve(written))

    def mapping(
        self, value: Any, path: str, keys: tuple[Key, ...], what: str
    ) -> dict[str, Any] | None:
        """The keys of a mapping that are allowed here, checked for their kind (JSON-ready)."""
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping ({what}), found {_kind(value)}")
            return None
        table = {k.name: k for k in keys}
        out: dict[str, Any] = {}
        for name, raw in value.items():
            kpath = f"{path}.{name}" if path else str(name)
            key = table.get(name) if isinstance(name, str) else None
            if key is None:
                close = difflib.get_close_matches(str(name), list(table), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problem(
                    kpath,
                    f"unknown key {name!r} in {what}{hint}; allowed keys: "
                    f"{', '.join(sorted(table))}",
                )
                continue
            if key.kind in ("mapping", "list"):
                out[name] = raw
                continue
            try:
                out[name] = _plain_value(key, raw)
            except _Bad as exc:
                self.problem(kpath, str(exc))
        for key in keys:
            if key.required and key.name not in value:
                self.problem(path, f"{what} needs '{key.name}'")
        return out

    def option_values(self, given: dict[str, Any], path: str, keys: tuple[Key, ...]) -> None:
        """Each option's value as ``Options.check`` judges it, alone, so a problem names its
        key."""
        for key in keys:
            if key.sets is None or key.name not in given:
                continue
            try:
                Options(**{key.sets: _option_value(key, given[key.name])}).check()
            except DataError as exc:
                self.problem(f"{path}.{key.name}", one_line(exc))

    def formats(self, given: dict[str, Any], path: str, comparison: bool) -> tuple[str, ...]:
        written = given.get("format")
        try:
            if comparison:
                return parse_compare_formats(",".join(written) if written else None)
            return parse_formats(written)
        except SurveyError as exc:
            self.problem(f"{path}.format", one_line(exc))
            return ()

    def options(self, given: dict[str, Any], keys: tuple[Key, ...]) -> Options:
        values = {
            k.sets: _option_value(k, given[k.name])
            for k in keys
            if k.sets is not None and k.name in given
        }
        if "columns" in values:
            values["columns"] = str(self.resolve(values["columns"]))
        return Options(**values)

    def analysis(
        self, raw: dict[str, Any], defaults: dict[str, Any], path: str
    ) -> AnalysisSpec | None:
        """An analysis with the defaults applied; None when it lacks its name or data."""
        merged = {**defaults, **raw}
        self.option_values(raw, path, ANALYSIS_KEYS)
        formats = self.formats(raw, path, comparison=False) if "format" in raw else None
        if formats is None:
            formats = parse_formats(defaults.get("format")) if "format" in defaults else FORMATS
        if "name" not in merged or "data" not in merged:
            return None
        name = merged["name"]
        instrument = merged.get("instrument")
        return AnalysisSpec(
            name=name,
            key=path,
            data=self.resolve(merged["data"]),
            instrument=self.instrument(instrument) if instrument else None,
            options=self.options(merged, ANALYSIS_KEYS),
            formats=formats,
            title=merged.get("title"),
            fail_under=merged.get("fail_under"),
            out=Path(merged.get("out", name)),
            given=_ordered(merged, ANALYSIS_KEYS),
        )

    def comparison(
        self, raw: dict[str, Any], defaults: dict[str, Any], path: str
    ) -> ComparisonSpec | None:
        """A comparison with the defaults it takes; None when it lacks its name or data."""
        inherited = {k: v for k, v in defaults.items() if k in INHERITED_BY_COMPARISONS}
        merged = {**inherited, **raw}
        self.option_values(raw, path, COMPARISON_KEYS)
        formats = self.formats(raw, path, comparison=True)
        if "name" not in merged or "data" not in merged:
            return None
        files = merged["data"]
        instruments = merged.get("instrument") or ["dtcaf"]
        if isinstance(instruments, str):
            instruments = [instruments]
        merged_plain = dict(merged)
        if "instrument" in merged_plain and isinstance(merged_plain["instrument"], str):
            merged_plain["instrument"] = [merged_plain["instrument"]]
        if len(instruments) not in (1, len(files)):
            self.problem(
                f"{path}.instrument",
                f"{len(instruments)} instruments for {len(files)} files: give one for all "
                "waves, or one per wave in order",
            )
        labels = merged.get("labels")
        if labels is not None and len(labels) != len(files):
            self.problem(
                f"{path}.labels",
                f"{len(labels)} label(s) for {len(files)} files; give one per file, in order",
            )
        name = merged["name"]
        return ComparisonSpec(
            name=name,
            key=path,
            data=tuple(self.resolve(f) for f in files),
            instruments=tuple(self.instrument(i) for i in instruments),
            labels=tuple(labels) if labels is not None else None,
            id_column=merged.get("id"),
            options=self.options(merged, COMPARISON_KEYS),
            formats=formats,
            title=merged.get("title"),
            out=Path(merged.get("out", name)),
            given=_ordered(merged_plain, COMPARISON_KEYS),
        )

    def runs(
        self, value: Any, path: str, keys: tuple[Key, ...], what: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The entries of ``analyses`` or ``comparisons``, each with its key path."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"expected a list of runs ({path}), found {_kind(value)}")
            return []
        out = []
        for i, raw in enumerate(value):
            rpath = f"{path}[{i}]"
            checked = self.mapping(raw, rpath, keys, what)
            if checked is not None:
                out.append((rpath, checked))
        return out

    def names(self, runs: list[tuple[str, dict[str, Any]]]) -> None:
        """Names are folder names, unique ignoring case across analyses and comparisons."""
        seen: dict[str, str] = {}
        for rpath, entry in runs:
            name = entry.get("name")
            if name is None:
                continue
            if not _NAME.match(name):
                self.problem(
                    f"{rpath}.name",
                    f"name {name!r}: a run's name is its folder's name; use letters, digits, "
                    "'.', '_' and '-', starting with a letter or digit",
                )
            key = name.casefold()
            if key in seen:
                self.problem(f"{rpath}.name", f"name {name!r} is already used at {seen[key]}")
            seen[key] = rpath

    def load(self, doc: Any, sha256: str) -> Study | None:
        top = self.mapping(doc, "", TOP_KEYS, "study")
        if top is None:
            return None
        defaults: dict[str, Any] = {}
        if top.get("defaults") is not None:
            defaults = self.mapping(top["defaults"], "defaults", DEFAULT_KEYS, "defaults") or {}
            self.option_values(defaults, "defaults", DEFAULT_KEYS)
            if "format" in defaults:
                self.formats(defaults, "defaults", comparison=False)
        analyses = self.runs(top.get("analyses"), "analyses", ANALYSIS_KEYS, "analysis")
        comparisons = self.runs(
            top.get("comparisons"), "comparisons", COMPARISON_KEYS, "comparison"
        )
        if not analyses and not comparisons and not self.problems:
            self.problem("", "a study needs 'analyses' or 'comparisons' (a list of runs)")
        self.names(analyses + comparisons)
        if self.problems:
            # go on checking each run, so that one reading lists every problem
            for rpath, entry in analyses:
                self.safely(self.analysis, entry, defaults, rpath)
            for rpath, entry in comparisons:
                self.safely(self.comparison, entry, defaults, rpath)
            return None
        built_a = [self.analysis(e, defaults, p) for p, e in analyses]
        built_c = [self.comparison(e, defaults, p) for p, e in comparisons]
        self.folders([*built_a, *built_c])
        if self.problems:
            return None
        return Study(
            source=self.source,
            folder=self.folder,
            title=top.get("title") or Path(self.source).stem,
            out=self.resolve(top["out"]) if "out" in top else None,
            analyses=tuple(built_a),
            comparisons=tuple(built_c),
            sha256=sha256,
        )

    def folders(self, runs: list[AnalysisSpec | ComparisonSpec]) -> None:
        """Each run writes into a folder of its own, never the study's own folder."""
        seen: dict[str, str] = {}
        for run in runs:
            key = os.path.normpath(run.out).casefold()
            if key == ".":
                self.problem(
                    f"{run.key}.out",
                    "a run cannot write into the study's output folder itself, where the "
                    "index is written; give it a folder of its own",
                )
            elif key in seen:
                self.problem(
                    f"{run.key}.out",
                    f"folder {run.out.as_posix()!r} is also the folder of {seen[key]}; give each "
                    "run a folder of its own",
                )
            seen[key] = run.key

    def safely(
        self, build: Any, entry: dict[str, Any], defaults: dict[str, Any], path: str
    ) -> None:
        """Check one run while others have problems (defaults that failed are left out)."""
        # its own problems are recorded; an exception follows from a problem found before
        with contextlib.suppress(SurveyError, TypeError, ValueError):
            build(entry, defaults, path)


def _ordered(given: dict[str, Any], keys: tuple[Key, ...]) -> dict[str, Any]:
    """A run's keys in the table's order, without its name."""
    return {k.name: given[k.name] for k in keys if k.name in given and k.name != "name"}


def parse_study(text: str, source: str, folder: Path, sha256: str = "") -> Study:
    """Parse study YAML text; ``source`` names it in messages, ``folder`` is what its paths
    are relative to. Raises ``StudyError`` with every problem found."""
    try:
        doc = safe_load(text)
    except YamlSyntaxError as exc:
        raise StudyError(source, [Problem("", f"not valid YAML: {exc}")]) from None
    if doc is None:
        raise StudyError(source, [Problem("", "the file is empty")])
    reader = _Reader(source, folder)
    study = reader.load(doc, sha256)
    if study is None:
        raise StudyError(source, sorted(reader.problems, key=_file_order))
    return study


_SECTIONS = ("", "title", "out", "defaults", "analyses", "comparisons")
_INDEX = re.compile(r"^(\w*)(?:\[(\d+)\])?")


def _file_order(problem: Problem) -> tuple[int, int]:
    """Problems in the order of the file: the top level, defaults, each analysis, each
    comparison (a stable sort keeps the order within one)."""
    m = _INDEX.match(problem.path)
    section = m.group(1) if m else ""
    rank = _SECTIONS.index(section) if section in _SECTIONS else 0
    return rank, int(m.group(2)) if m and m.group(2) else -1


def load_study(path: str | Path) -> Study:
    """Read and check a study file (not the files it names: ``study.check``)."""
    p = Path(path)
    shown = one_line(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise StudyError(shown, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise StudyError(shown, [Problem("", "is a folder, not a study file")]) from None
    except OSError as exc:
        raise StudyError(shown, [Problem("", f"cannot be read ({exc.strerror})")]) from None
    if len(raw) > MAX_STUDY_BYTES:
        raise StudyError(shown, [Problem("", "is larger than 5 MB; a study file is small YAML")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StudyError(shown, [Problem("", "is not UTF-8 text; save it as UTF-8")]) from None
    study = parse_study(text, shown, p.parent, hashlib.sha256(raw).hexdigest())
    return replace(study, source=shown)
