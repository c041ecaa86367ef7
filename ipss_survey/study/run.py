"""Running a study: each analysis and comparison into its own folder, then the index.

Each run calls what the command line calls (``run_inputs``, ``analyze``, ``write_reports``,
``check_gate``; ``load_waves``, ``compare``, ``write_comparison``), so a study and the same
options on a command line write the same bytes. A run that fails is recorded with its exit
code and message and the others go on; the study's exit code is the most severe of its runs'
(``ExitCode``: 0 all held, 1 a gate failed, 2 bad input, 3 internal error).

With ``jobs`` above 1 the runs go to that many worker processes (``spawn``: a fresh
interpreter, not a copy of this one's threads); a worker draws its charts itself
(``processes=1``), so no pool is nested in a pool. Output bytes do not depend on which process
made them, and ``study.json`` holds no times: a serial and a parallel run write the same files.
A script that calls ``run_study`` with ``jobs`` above 1 needs the usual
``if __name__ == "__main__":`` guard, as any use of ``spawn`` does.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipss_survey.comparison import Comparison
from ipss_survey.errors import ExitCode, SurveyError, one_line
from ipss_survey.instrument import builtin_ids, instrument_source
from ipss_survey.jsonform import plain
from ipss_survey.pipeline import analyze, check_gate
from ipss_survey.pipeline.compare import compare, load_waves
from ipss_survey.pipeline.provenance import tool_info
from ipss_survey.read.files import file_sha256
from ipss_survey.report.compare import write_comparison
from ipss_survey.report.study_index import write_study_index
from ipss_survey.report.write import write_reports
from ipss_survey.results import Results
from ipss_survey.study.check import check_analysis, check_comparison
from ipss_survey.study.spec import AnalysisSpec, ComparisonSpec, Problem, Study
from ipss_survey.warnings import READING

STUDY_SCHEMA_VERSION = 1  # of study.json (docs/study-format.md)
STATUS = {
    ExitCode.OK: "ok",
    ExitCode.BELOW_TARGET: "below_target",
    ExitCode.BAD_INPUT: "bad_input",
    ExitCode.INTERNAL_ERROR: "internal_error",
}

Spec = AnalysisSpec | ComparisonSpec


@dataclass
class Outcome:
    """What became of one run: as study.json records it, and what the CLI prints."""

    name: str
    kind: str  # "analysis" or "comparison"
    key: str  # "analyses[0]"
    options: dict[str, Any]  # the study's keys for it, defaults applied, paths as written
    exit_code: int = int(ExitCode.OK)
    message: str | None = None  # the error, or the gate's verdict
    problems: list[str] = field(default_factory=list)  # the key paths' problems, one a line
    notes: list[str] = field(default_factory=list)  # what analyze would print as notes
    inputs: list[dict[str, Any]] = field(default_factory=list)
    out: str = ""  # the run's folder, relative to the study's output folder
    outputs: list[str] = field(default_factory=list)  # files written, relative likewise
    report: str | None = None  # the page to open (report.html, compare.html ...)
    gate: dict[str, Any] | None = None
    headline: dict[str, Any] | None = None
    traceback: str | None = None  # an internal error's, shown with --debug only

    @property
    def status(self) -> str:
        return STATUS[ExitCode(self.exit_code)]

    def record(self) -> dict[str, Any]:
        """The run's entry in study.json."""
        return {
            "name": self.name,
            "kind": self.kind,
            "key": self.key,
            "status": self.status,
            "exit_code": self.exit_code,
            "message": self.message,
            "options": self.options,
            "inputs": self.inputs,
            "out": self.out,
            "outputs": self.outputs,
            "report": self.report,
            "gate": self.gate,
            "headline": self.headline,
        }


@dataclass
class StudyRun:
    """A study once run: every run's outcome, study.json's content, the index files."""

    outcomes: list[Outcome]
    document: dict[str, Any]
    index: list[Path]
    out: Path

    @property
    def exit_code(self) -> int:
        return max((o.exit_code for o in self.outcomes), default=int(ExitCode.OK))


def study_output(study: Study, out: Path | None = None) -> Path:
    """The study's output folder: ``--out``, else the file's ``out``, else
    ``reports/<study file name>`` in the current folder."""
    if out is not None:
        return out
    if study.out is not None:
        return study.out
    return Path("reports") / Path(study.source).stem


def _rel(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _sha256(path: Path) -> str | None:
    return file_sha256(path) if path.is_file() else None


def _instrument_input(
    written: str | None, resolved: str | None, inst_id: str | None
) -> dict[str, Any]:
    """An instrument as study.json records it: a built-in by id and the hash of its text, a
    file by its path as written and its hash."""
    if resolved is not None and resolved in builtin_ids():
        digest = hashlib.sha256(instrument_source(resolved).encode("utf-8")).hexdigest()
        return {"role": "instrument", "path": None, "id": resolved, "sha256": digest}
    if resolved is not None:
        return {
            "role": "instrument",
            "path": written,
            "id": inst_id,
            "sha256": _sha256(Path(resolved)),
        }
    return {"role": "instrument", "path": None, "id": inst_id, "sha256": None}


def execute(spec: Spec, study_out: Path, processes: int | None = None) -> Outcome:
    """Run one analysis or comparison into its folder; never raises for a failed run.

    ``processes=1`` draws the charts in this process (a worker of a parallel study).
    """
    outcome = Outcome(spec.name, spec.kind, spec.key, dict(spec.given))
    folder = spec.out if spec.out.is_absolute() else study_out / spec.out
    outcome.out = _rel(folder, study_out)
    try:
        if isinstance(spec, AnalysisSpec):
            _analysis(spec, folder, study_out, processes, outcome)
        else:
            _comparison(spec, folder, study_out, outcome)
    except SurveyError as exc:
        outcome.exit_code = int(exc.exit_code)
        outcome.message = one_line(exc)
    except Exception as exc:
        outcome.exit_code = int(ExitCode.INTERNAL_ERROR)
        outcome.message = f"internal error: {type(exc).__name__}: {one_line(exc)}"
        outcome.traceback = traceback.format_exc()
    return outcome


def _failed(outcome: Outcome, problems: list[Problem]) -> None:
    outcome.exit_code = int(ExitCode.BAD_INPUT)
    outcome.problems = [str(p) for p in problems]
    outcome.message = "; ".join(outcome.problems)


def _analysis(
    spec: AnalysisSpec, folder: Path, study_out: Path, processes: int | None, outcome: Outcome
) -> None:
    """``ipss-survey analyze`` with the analysis's options."""
    prepared = check_analysis(spec)
    inst_id = prepared.inputs.instrument.id if prepared.inputs else None
    outcome.inputs = [
        {"role": "data", "path": spec.given["data"], "sha256": None},
        _instrument_input(spec.given.get("instrument"), spec.instrument, inst_id),
    ]
    if spec.options.columns:
        outcome.inputs.append(
            {
                "role": "columns",
                "path": spec.given["columns"],
                "sha256": _sha256(Path(spec.options.columns)),
            }
        )
    if prepared.inputs is None:
        outcome.inputs[0]["sha256"] = _sha256(spec.data)
        _failed(outcome, prepared.problems)
        return
    inputs = prepared.inputs
    outcome.notes += inputs.notes
    results = analyze(spec.data, inputs.instrument, inputs.options)
    outcome.inputs[0]["sha256"] = results.data.sha256
    outcome.notes += [w.message for w in results.data.warnings if w.code in READING]
    written = write_reports(
        results,
        folder,
        spec.formats,
        title=spec.title,
        processes=processes,
        source=Path(spec.data).resolve(),
    )
    outcome.outputs = [_rel(p, study_out) for p in written]
    outcome.report = _main_page(outcome.outputs, ("report.html", "summary.md", "results.json"))
    outcome.headline = analysis_headline(results)
    if prepared.target is not None:
        found = check_gate(results, prepared.target)
        outcome.gate = {
            "target": found.target.label,
            "passed": found.passed,
            "checked": found.checked,
            "shortfalls": [
                {"construct": s.construct, "name": s.name, "reached": s.reached}
                for s in found.shortfalls
            ],
        }
        outcome.message = found.message
        if not found.passed:
            outcome.exit_code = int(ExitCode.BELOW_TARGET)


def _comparison(spec: ComparisonSpec, folder: Path, study_out: Path, outcome: Outcome) -> None:
    """``ipss-survey compare`` with the comparison's options."""
    prepared = check_comparison(spec)
    outcome.inputs = [
        {"role": "data", "path": written, "sha256": _sha256(path)}
        for path, written in zip(spec.data, spec.given["data"], strict=True)
    ]
    written_inst = spec.given.get("instrument") or [None] * len(spec.instruments)
    if len(written_inst) != len(spec.instruments):
        written_inst = [None] * len(spec.instruments)
    for i, ident in enumerate(spec.instruments):
        inst_id = prepared.instruments[i].id if prepared.instruments else None
        outcome.inputs.append(_instrument_input(written_inst[i], ident, inst_id))
    if prepared.problems:
        _failed(outcome, prepared.problems)
        return
    opts = spec.options
    opts.check()
    waves = load_waves(list(spec.data), prepared.instruments, opts, spec.labels)
    found = compare(waves, opts, spec.id_column)
    outcome.notes += [w.message for w in found.warnings]
    written = write_comparison(found, folder, spec.formats, spec.title)
    outcome.outputs = [_rel(p, study_out) for p in written]
    outcome.report = _main_page(outcome.outputs, ("compare.html", "compare.json"))
    outcome.headline = comparison_headline(found)


def _main_page(outputs: list[str], choices: Sequence[str]) -> str | None:
    for name in choices:
        for path in outputs:
            if path.rsplit("/", 1)[-1] == name:
                return path
    return None


def analysis_headline(results: Results) -> dict[str, Any]:
    """What the index shows of an analysis: its rows, and each dimension's figures."""
    levels = {m.construct: m.label for m in results.maturity}
    return plain(
        {
            "instrument": results.instrument.id,
            "source": results.data.source,
            "rows_read": results.data.rows_read,
            "rows_analysed": results.data.rows_analysed,
            "group_by": results.data.group_by,
            "groups": len(results.groups),
            "dimensions": [
                {
                    "id": c.id,
                    "name": c.name,
                    "n": c.n,
                    "mean": c.mean,
                    "pct_agree": c.pct_agree,
                    "ci_pct_agree": c.ci_pct_agree,
                    "maturity": levels.get(c.id),
                }
                for c in results.constructs
                if c.level == "dimension"
            ],
        }
    )


def comparison_headline(cmp: Comparison) -> dict[str, Any]:
    """What the index shows of a comparison: the waves, each dimension's acceptance in each
    and its changes."""
    return plain(
        {
            "waves": [w.label for w in cmp.waves],
            "rows_analysed": [w.rows_analysed for w in cmp.waves],
            "paired": cmp.paired,
            "dimensions": [
                {
                    "id": c.id,
                    "name": c.name,
                    "pct_agree": [None if f is None else f.pct_agree for f in c.waves],
                    "mean": [None if f is None else f.mean for f in c.waves],
                    "changes": [
                        {
                            "from": ch.from_,
                            "to": ch.to,
                            "pct_agree_change": ch.pct_agree_change,
                            "mean_change": ch.mean_change,
                            "p_adj": None if ch.test is None else ch.test.p_adj,
                        }
                        for ch in c.changes
                    ],
                }
                for c in cmp.constructs
                if c.level == "dimension"
            ],
        }
    )


def _broken(spec: Spec, exc: BaseException) -> Outcome:
    outcome = Outcome(spec.name, spec.kind, spec.key, dict(spec.given))
    outcome.exit_code = int(ExitCode.INTERNAL_ERROR)
    outcome.message = f"internal error: the worker process failed ({type(exc).__name__}: {exc})"
    outcome.traceback = "".join(traceback.format_exception(exc))
    return outcome


def run_all(
    specs: Sequence[Spec],
    study_out: Path,
    jobs: int = 1,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Every run's outcome in the given order; ``on_done`` hears of each in that order."""
    outcomes: list[Outcome] = []

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)

    if jobs <= 1 or len(specs) <= 1:
        for spec in specs:
            done(execute(spec, study_out))
        return outcomes
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(specs)), mp_context=context) as pool:
        futures = [pool.submit(execute, spec, study_out, 1) for spec in specs]
        try:
            for spec, future in zip(specs, futures, strict=True):
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or never started
                    outcome = _broken(spec, exc)
                done(outcome)
        except BaseException:  # Ctrl-C: start nothing more
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return outcomes


def study_document(study: Study, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """study.json: the study file, the tool, and every run's options, inputs, exit status and
    outputs (paths relative to the study's output folder or, for inputs, as the study file
    writes them)."""
    code = max((o.exit_code for o in outcomes), default=int(ExitCode.OK))
    return plain(
        {
            "schema_version": STUDY_SCHEMA_VERSION,
            "tool": tool_info(),
            "title": study.title,
            "study": {"file": Path(study.source).name, "sha256": study.sha256},
            "exit_code": code,
            "status": STATUS[ExitCode(code)],
            "runs": [o.record() for o in outcomes],
        }
    )


def run_study(
    study: Study,
    out: Path | None = None,
    only: Sequence[str] | None = None,
    jobs: int = 1,
    on_done: Callable[[Outcome], None] | None = None,
) -> StudyRun:
    """Run the study's analyses and comparisons (those ``only`` names, else all) and write
    the index (``index.html``, ``summary.md``, ``study.json``) into the study's output folder.

    Parameters
    ----------
    study
        A checked study (``load_study``).
    out
        The study's output folder; default ``study_output(study)``.
    only
        Names of the runs to run (comma-separated names too); an unknown name is a
        ``SurveyError``.
    jobs
        Worker processes; 1 runs everything in this process.
    on_done
        Called with each run's outcome as it is known, in the study's order.

    Returns
    -------
    StudyRun
        Every outcome, study.json's content and the index files written.
    """
    folder = study_output(study, out)
    specs = study.select(list(only) if only else None)
    outcomes = run_all(specs, folder, jobs, on_done)
    document = study_document(study, outcomes)
    index = write_study_index(document, folder)
    return StudyRun(outcomes, document, index, folder)


__all__ = [
    "Outcome",
    "StudyRun",
    "analysis_headline",
    "comparison_headline",
    "execute",
    "run_all",
    "run_study",
    "study_document",
    "study_output",
]
