"""Command line: parse options, call the library, print. The only module that imports typer.

Heavy libraries (pandas, scipy, matplotlib) are imported inside the commands that need them,
so ``ipss-survey --help`` answers at once.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from ipss_survey import __version__
from ipss_survey.errors import ExitCode, SurveyError

if TYPE_CHECKING:
    from ipss_survey.analysis import Options
    from ipss_survey.instrument import Instrument
    from ipss_survey.report.gate import Target
    from ipss_survey.results import Results

app = typer.Typer(
    name="ipss-survey",
    help="Analyse Likert-scale questionnaires: scores, acceptance, reliability and group "
    "differences for IPSS feasibility studies and DTCAF digital-government maturity "
    "assessments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
instruments_app = typer.Typer(
    help="List, show and check instrument definitions (questionnaire YAML files).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(instruments_app, name="instruments")

T = TypeVar("T")
# Reader warnings about how the file was understood: shown on stderr as well as warnings.csv.
READER_NOTES = {
    "encoding_guess",
    "sheet_choice",
    "repeated_header",
    "blank_rows",
    "merged_cells",
    "empty_columns",
    "option_ignored",
    "read_note",
}


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _run(func: Callable[[], T], debug: bool) -> T:
    """Turn the project's errors into one stderr line and a named exit code."""
    try:
        return func()
    except SurveyError as exc:
        if debug:
            traceback.print_exc()
        from ipss_survey.readers import one_line

        print(f"error: {one_line(exc)}", file=sys.stderr)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        print("interrupted: no partial output was written", file=sys.stderr)
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
            "traceback and report it)",
            file=sys.stderr,
        )
        raise typer.Exit(int(ExitCode.INTERNAL_ERROR)) from None


def _with_progress(work: Callable[[Callable[[int, int], None] | None], T]) -> T:
    """Run ``work`` with a reading progress bar on a terminal; silent in logs and pipes."""
    if not sys.stderr.isatty():
        return work(None)
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "reading",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=_console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("read", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return work(update)


def _version(value: bool) -> None:
    if value:
        print(f"ipss-survey {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Analyse Likert-scale questionnaires.

    Example: ipss-survey analyze responses.sav --instrument ipss-senior-managers --group
    municipality
    """


DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="Outputs to write, comma-separated: json,csv,xlsx,html,md,png,svg, or all.",
    ),
]
TitleOpt = Annotated[
    str | None, typer.Option(help="Title of the HTML, Excel and Markdown reports.")
]
FailUnderOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-under",
        metavar="PCT_OR_LEVEL",
        help="Exit 1 when a dimension's agreement is below this percentage (75 or 75%) or its "
        "maturity below this level (a label of the instrument, e.g. Transformed).",
    ),
]


def _describe(written: list[Path], folder: Path) -> str:
    """'results.json, 6 CSV tables, report.html, 30 chart files' for the closing line."""
    names = [p.name for p in written if p.parent == folder and p.suffix != ".csv"]
    csvs = sum(p.suffix == ".csv" for p in written)
    charts = sum(p.parent.name == "charts" for p in written)
    parts = ["results.json"] if "results.json" in names else []
    parts += [f"{csvs} CSV tables"] if csvs else []
    parts += [n for n in names if n != "results.json"]
    parts += [f"{charts} chart files in charts/"] if charts else []
    return ", ".join(parts) or "nothing"


def _gate(results: Results, target: str | Target) -> None:
    """--fail-under: one line on stderr; exit 1 when a construct falls short."""
    from ipss_survey.report.gate import check_gate

    outcome = check_gate(results, target)
    print(outcome.message, file=sys.stderr)
    if not outcome.passed:
        raise typer.Exit(int(ExitCode.BELOW_TARGET))


def _load_results(path: Path) -> Results:
    """A saved results.json as Results, with one-line errors for a wrong or broken file."""
    import json

    from ipss_survey.errors import DataError
    from ipss_survey.results import Results

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not a readable results.json ({exc})") from None
    try:
        return Results.from_dict(doc)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(
            f"{path}: not a results.json of schema version 1 ({type(exc).__name__}: {exc})"
        ) from None


@app.command()
def analyze(
    data: Annotated[
        Path | None,
        typer.Argument(
            help="Survey file: .csv, .xlsx, .sav, .zsav, .dta, .sas7bdat or .xpt. Without it, "
            "the instrument's bundled sample is analysed.",
            show_default=False,
        ),
    ] = None,
    instrument: Annotated[
        str | None,
        typer.Option(
            "--instrument",
            "-i",
            help="Built-in instrument id (see 'instruments "
            "list') or the path of an instrument YAML file. Default: dtcaf.",
        ),
    ] = None,
    group: Annotated[
        str | None, typer.Option("--group", "-g", help="Column to split results by.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder. Default: reports/<data file name>."),
    ] = None,
    columns: Annotated[
        Path | None,
        typer.Option(
            "--columns", help="YAML file mapping file columns to item codes ('Q1: LEA01' per line)."
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option("--id", help="Respondent id column (default: the instrument's)."),
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Acceptance threshold in percent for the significance tests.")
    ] = 50.0,
    alpha: Annotated[float, typer.Option(help="Significance level.")] = 0.05,
    p_adjust: Annotated[
        str, typer.Option(help="Multiple-testing correction: holm, bonferroni, fdr_bh, none.")
    ] = "holm",
    min_answered: Annotated[
        float,
        typer.Option(
            help="Share of a construct's items a respondent must answer to get a "
            "score (ceil(k x share))."
        ),
    ] = 0.5,
    min_group_size: Annotated[
        int, typer.Option(help="Groups with fewer respondents are left out of group tests.")
    ] = 5,
    strict: Annotated[
        bool,
        typer.Option(
            help="Treat out-of-range values, unknown labels and duplicate respondent ids as errors."
        ),
    ] = False,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of a CSV file (detected by default).")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel sheet name (default: the first visible one).")
    ] = None,
    header_row: Annotated[
        int,
        typer.Option(
            "--header-row",
            help="Row holding the column names (1 = first); rows above it, such as a title, "
            "are skipped.",
        ),
    ] = 1,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print results.json to stdout (no summary).")
    ] = False,
    formats: FormatOpt = "all",
    title: TitleOpt = None,
    fail_under: FailUnderOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score a survey file against an instrument; write results.json, tables, charts, reports.

    Example: ipss-survey analyze responses.sav --instrument ipss-senior-managers --group
    municipality --out reports/municipalities
    """

    def work() -> None:
        from ipss_survey.analysis import Options, instrument_info
        from ipss_survey.instrument import resolve_instrument
        from ipss_survey.report.gate import parse_target
        from ipss_survey.report.render import discard_prestarted, parse_formats, prestart_charts

        inst = resolve_instrument(instrument or "dtcaf")
        chosen = parse_formats(formats)  # a typo fails before the analysis runs
        target = parse_target(fail_under, instrument_info(inst)) if fail_under else None
        opts = Options(
            group=group,
            threshold=threshold,
            alpha=alpha,
            p_adjust=p_adjust,
            min_answered=min_answered,
            min_group_size=min_group_size,
            strict=strict,
            columns=str(columns) if columns else None,
            id_column=id_column,
            encoding=encoding,
            sheet=sheet,
            header_row=header_row,
        )
        prestart_charts(chosen)  # drawing's helper loads matplotlib while the analysis runs
        try:
            report(inst, opts, chosen, target)
        finally:
            discard_prestarted()

    def report(
        inst: Instrument, opts: Options, chosen: tuple[str, ...], target: Target | None
    ) -> None:
        from ipss_survey.analysis import analyze as run
        from ipss_survey.analysis import sample_path
        from ipss_survey.report.render import write_reports

        source = data
        if source is None:
            source = sample_path(inst.id)
            print(
                f"No data file given: analysing the bundled sample of {inst.id!r} ({source.name}).",
                file=sys.stderr,
            )
        results = _with_progress(lambda cb: run(source, inst, opts, progress=cb))
        for w in results.data["warnings"]:
            if w["code"] in READER_NOTES:
                print(f"note: {w['message']}", file=sys.stderr)
        folder = out or Path("reports") / Path(source).stem
        written = write_reports(results, folder, chosen, title=title)
        if json_out:
            sys.stdout.write(results.to_json())
        else:
            from ipss_survey.summary import results_summary

            console = _console()
            for part in results_summary(results):
                console.print(part)
            console.print(f"Written to {folder}/: {_describe(written, folder)}")
        if target is not None:
            _gate(results, target)

    _run(work, debug)


@app.command()
def report(
    results_file: Annotated[
        Path, typer.Argument(help="A results.json written by 'analyze'.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output folder. Default: the folder of RESULTS_FILE."),
    ] = None,
    formats: FormatOpt = "csv,xlsx,html,md,png,svg",
    title: TitleOpt = None,
    fail_under: FailUnderOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Redraw the reports (tables, charts, HTML, Excel, Markdown) from a saved results.json.

    The data file is not needed: every number comes from results.json.

    Example: ipss-survey report reports/dtcaf-sample/results.json --format html,md
    """

    def work() -> None:
        from ipss_survey.report.render import parse_formats, write_reports

        chosen = parse_formats(formats)
        results = _load_results(results_file)
        folder = out or results_file.parent
        written = write_reports(results, folder, chosen, title=title)
        print(f"Written to {folder}/: {_describe(written, folder)}")
        if fail_under:
            _gate(results, fail_under)

    _run(work, debug)


@instruments_app.command("list")
def instruments_list(debug: DebugOpt = False) -> None:
    """List the built-in instruments.

    Example: ipss-survey instruments list
    """

    def work() -> None:
        from rich.table import Table

        from ipss_survey.instrument import iter_builtins

        table = Table(title="Built-in instruments", title_justify="left")
        table.add_column("id", no_wrap=True)
        table.add_column("title")
        for col in ("items", "dimensions", "scale"):
            table.add_column(col, justify="right")
        for inst in iter_builtins():
            points = inst.scale.points if inst.scale else ()
            table.add_row(
                inst.id,
                inst.title,
                str(len(inst.items)),
                str(len(inst.dimensions)),
                f"{points[0]}-{points[-1]}" if points else "per dimension",
            )
        _console().print(table)

    _run(work, debug)


@instruments_app.command("show")
def instruments_show(
    instrument: Annotated[str, typer.Argument(help="Built-in id or path of a YAML file.")],
    yaml_out: Annotated[
        bool, typer.Option("--yaml", help="Print the instrument's YAML source instead.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Show an instrument's hierarchy as a tree, with item counts and scale.

    Example: ipss-survey instruments show dtcaf
    """

    def work() -> None:
        from ipss_survey.instrument import builtin_ids, builtin_text, resolve_instrument
        from ipss_survey.summary import instrument_tree

        inst = resolve_instrument(instrument)
        if yaml_out:
            text = (
                builtin_text(instrument)
                if instrument in builtin_ids()
                else Path(instrument).read_text(encoding="utf-8-sig")
            )
            sys.stdout.write(text)
            return
        _console().print(instrument_tree(inst))

    _run(work, debug)


@instruments_app.command("check")
def instruments_check(
    file: Annotated[Path, typer.Argument(help="Instrument YAML file to check.")],
    debug: DebugOpt = False,
) -> None:
    """Check an instrument file against the format's rules.

    Example: ipss-survey instruments check my-survey.yaml
    """

    def work() -> None:
        from ipss_survey.instrument import load_instrument

        inst = load_instrument(file)
        subs = sum(c.level == "subdimension" for c in inst.constructs)
        print(
            f"{file}: OK: instrument {inst.id!r}, {len(inst.items)} items in "
            f"{len(inst.dimensions)} dimensions and {subs} sub-dimensions"
        )

    _run(work, debug)


def main() -> None:
    """Console-script entry point."""
    app()
