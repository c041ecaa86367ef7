"""Checking what a study's runs name, without analysing: data files, instruments, column maps
and ``fail_under`` targets.

``ipss-survey run --check`` calls these for every run and lists each problem with its key
path (``analyses[1].data``); ``ipss-survey run`` calls them for each run before it analyses,
so a bad path fails that run alone, with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ipss_survey.coding import load_column_map
from ipss_survey.errors import InstrumentError, SurveyError, one_line
from ipss_survey.instrument import Instrument, open_instrument
from ipss_survey.pipeline import Target, parse_target
from ipss_survey.pipeline.inputs import RunInputs, run_inputs
from ipss_survey.pipeline.provenance import instrument_info
from ipss_survey.read.files import SUPPORTED
from ipss_survey.study.spec import AnalysisSpec, ComparisonSpec, Problem, Study

RESULTS_SUFFIX = ".json"  # compare also takes results.json files


@dataclass
class PreparedAnalysis:
    """An analysis's inputs once checked: the instrument and options ``analyze`` uses (as
    ``run_inputs`` gives them), its gate, and the problems found (then nothing else is set)."""

    inputs: RunInputs | None = None
    target: Target | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PreparedComparison:
    """A comparison's instruments once checked, and the problems found."""

    instruments: list[Instrument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def file_problem(path: Path, written: str, results_too: bool = False) -> str | None:
    """What is wrong with a data file the study names, or None; ``written`` is the path as
    the study file says it."""
    shown = one_line(written)
    where = "" if str(path) == written else f" (looked for {one_line(path)})"
    if not path.exists():
        return f"{shown}: no such file{where}; paths are relative to the study file"
    if path.is_dir():
        return f"{shown}: is a folder{where}; give the data file itself"
    if not path.is_file():
        return f"{shown}: is not a regular file{where}"
    suffixes = [*SUPPORTED, RESULTS_SUFFIX] if results_too else SUPPORTED
    if path.suffix.lower() not in suffixes:
        return (
            f"{shown}: {path.suffix or 'no extension'} is not a file type this tool reads; "
            f"give one of {', '.join(suffixes)}"
        )
    return None


def check_analysis(spec: AnalysisSpec) -> PreparedAnalysis:
    """Check an analysis's data file, instrument, column map and ``fail_under``."""
    found = PreparedAnalysis()
    data_bad = file_problem(spec.data, spec.given["data"])
    if data_bad:
        found.problems.append(Problem(f"{spec.key}.data", data_bad))
    if spec.options.columns:
        try:
            load_column_map(spec.options.columns)
        except SurveyError as exc:
            found.problems.append(Problem(f"{spec.key}.columns", one_line(exc)))
    if data_bad:
        if spec.instrument is not None:
            try:
                open_instrument(spec.instrument)
            except SurveyError as exc:
                found.problems.append(Problem(f"{spec.key}.instrument", one_line(exc)))
        return found
    try:
        inputs = run_inputs(spec.data, spec.instrument, spec.options)
    except InstrumentError as exc:
        key = "instrument" if spec.instrument is not None else "data"
        found.problems.append(Problem(f"{spec.key}.{key}", one_line(exc)))
        return found
    except SurveyError as exc:
        found.problems.append(Problem(f"{spec.key}.data", one_line(exc)))
        return found
    if spec.fail_under is not None:
        try:
            found.target = parse_target(spec.fail_under, instrument_info(inputs.instrument))
        except SurveyError as exc:
            found.problems.append(Problem(f"{spec.key}.fail_under", one_line(exc)))
    if not found.problems:
        found.inputs = inputs
    return found


def check_comparison(spec: ComparisonSpec) -> PreparedComparison:
    """Check a comparison's files and instruments."""
    found = PreparedComparison()
    for i, (path, written) in enumerate(zip(spec.data, spec.given["data"], strict=True)):
        bad = file_problem(path, written, results_too=True)
        if bad:
            found.problems.append(Problem(f"{spec.key}.data[{i}]", bad))
    several = len(spec.instruments) > 1
    for i, ident in enumerate(spec.instruments):
        key = f"{spec.key}.instrument" + (f"[{i}]" if several else "")
        try:
            found.instruments.append(open_instrument(ident).instrument)
        except SurveyError as exc:
            found.problems.append(Problem(key, one_line(exc)))
    if found.problems:
        found.instruments = []
    return found


def check_study(study: Study) -> list[Problem]:
    """Every problem of every run's inputs, in the file's order (``run --check``)."""
    problems: list[Problem] = []
    for spec in study.analyses:
        problems += check_analysis(spec).problems
    for cmp in study.comparisons:
        problems += check_comparison(cmp).problems
    return problems
