"""Command line: parse options, call the library, print. The only module that imports typer.

Heavy libraries (pandas, scipy, matplotlib) are imported inside the commands that need them,
so ``ipss-survey --help`` answers at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from typer.core import TyperGroup

from ipss_survey import __version__
from ipss_survey.errors import ExitCode, SurveyError, one_line

if TYPE_CHECKING:
    from ipss_survey.instrument import Instrument
    from ipss_survey.pipeline import Options, Target
    from ipss_survey.report.charts.jobs import Helpers
    from ipss_survey.results import Results


class _PlainHelpGroup(TyperGroup):
    """The top-level group, whose help is click's plain text.

    ``ipss-survey --help`` is the first thing a user runs and the most frequent one in
    scripts; rich's help panels cost 0.1 s of imports (its markdown parser among them), more
    than the rest of the answer. The commands keep their grouped rich help.
    """

    def format_help(self, ctx, formatter) -> None:
        return super(TyperGroup, self).format_help(ctx, formatter)

    def format_commands(self, ctx, formatter) -> None:
        """Each command's whole first sentence, wrapped (click would cut it at 45 columns)."""
        rows = [
            (name, cmd.get_short_help_str(limit=1000))
            for name in self.list_commands(ctx)
            if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=_PlainHelpGroup,
    name="ipss-survey",
    help="Analyse Likert-scale questionnaires: scores, acceptance, reliability and group "
    "differences for IPSS feasibility studies and DTCAF digital-government maturity "
    "assessments.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
instruments_app = typer.Typer(
    help="List, show and check instruments (questionnaire YAML files or XLSForms); convert "
    "XLSForms, export fieldable forms and data-entry templates.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(instruments_app, name="instruments")

T = TypeVar("T")

# Help panels: analyze has many options; each panel holds one kind.
INPUT, ANALYSIS, DESIGN, OUTPUT, CI = "Input", "Analysis", "Survey design", "Output", "CI"


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _run(func: Callable[[], T], debug: bool) -> T:
    """Turn the project's errors into one stderr line and a named exit code."""
    try:
        return func()
    except SurveyError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"error: {one_line(exc)}", file=sys.stderr)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        print("interrupted: no partial output was written", file=sys.stderr)
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        if debug:
            import traceback

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
        typer.Option(
            "--version",
            "-V",
            metavar="",
            callback=_version,
            is_eager=True,
            help="Show the version.",
        ),
    ] = False,
) -> None:
    """Analyse Likert-scale questionnaires.

    Example: ipss-survey analyze responses.sav --instrument ipss-senior-managers --group
    municipality
    """


DebugOpt = Annotated[bool, typer.Option("--debug", metavar="", help="Show a traceback on errors.")]
FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMATS",
        help="Outputs to write, comma-separated: json,csv,xlsx,html,md,png,svg, or all "
        "(analyze's default; report's is all but json).",
        show_default=False,
        rich_help_panel=OUTPUT,
    ),
]
TitleOpt = Annotated[
    str | None,
    typer.Option(
        metavar="TEXT",
        help="Title of the HTML, Excel and Markdown reports.",
        rich_help_panel=OUTPUT,
    ),
]
FailUnderOpt = Annotated[
    str | None,
    typer.Option(
        "--fail-under",
        metavar="PERCENT|LEVEL",
        help="Exit 1 when a dimension's acceptance (its pooled percentage agreeing, "
        "constructs[].pct_agree in results.json) is below this percentage (75 or 75%), or its "
        "maturity below this level (a label of the instrument, e.g. Transformed).",
        rich_help_panel=CI,
    ),
]


def _gate(results: Results, target: str | Target) -> None:
    """--fail-under: one line on stderr; exit 1 when a construct falls short."""
    from ipss_survey.pipeline import check_gate

    outcome = check_gate(results, target)
    print(outcome.message, file=sys.stderr)
    if not outcome.passed:
        raise typer.Exit(int(ExitCode.BELOW_TARGET))


# --------------------------------------------------------------------------- analyze's options

DataArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="DATA",
        help="Survey file: .csv, .xlsx, .sav, .zsav, .dta, .sas7bdat or .xpt. Without it, "
        "the instrument's bundled sample is analysed.",
        show_default=False,
    ),
]
InstrumentOpt = Annotated[
    str | None,
    typer.Option(
        "--instrument",
        "-i",
        metavar="ID|FILE",
        help="Built-in instrument id (see 'instruments list'), the path of an instrument "
        "YAML file, or an XLSForm (.xlsx). Default: a filled template's own, else dtcaf.",
        rich_help_panel=INPUT,
    ),
]
GroupOpt = Annotated[
    str | None,
    typer.Option(
        "--group",
        "-g",
        metavar="COLUMN",
        help="Column to split results by (municipality, ministry ...).",
        rich_help_panel=ANALYSIS,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        metavar="FOLDER",
        help="Output folder. Default: reports/NAME/, NAME being the data file's name "
        "(reports/NAME-SUFFIX/ when that folder holds another input's reports).",
        rich_help_panel=OUTPUT,
    ),
]
ColumnsOpt = Annotated[
    Path | None,
    typer.Option(
        "--columns",
        metavar="FILE",
        help="YAML file mapping file columns to item codes ('Q1: LEA01' per line).",
        rich_help_panel=INPUT,
    ),
]
IdOpt = Annotated[
    str | None,
    typer.Option(
        "--id",
        metavar="COLUMN",
        help="Respondent id column (default: the instrument's).",
        rich_help_panel=INPUT,
    ),
]
ThresholdOpt = Annotated[
    float,
    typer.Option(
        metavar="PERCENT",
        help="Acceptance threshold in percent for the significance tests.",
        rich_help_panel=ANALYSIS,
    ),
]
AlphaOpt = Annotated[
    float, typer.Option(metavar="LEVEL", help="Significance level.", rich_help_panel=ANALYSIS)
]
PAdjustOpt = Annotated[
    str,
    typer.Option(
        metavar="METHOD",
        help="Multiple-testing correction: holm, bonferroni, fdr_bh, none.",
        rich_help_panel=ANALYSIS,
    ),
]
MinAnsweredOpt = Annotated[
    float,
    typer.Option(
        metavar="SHARE",
        help="Share of a construct's items a respondent must answer to get a "
        "score (ceil(k x share)).",
        rich_help_panel=ANALYSIS,
    ),
]
MinGroupSizeOpt = Annotated[
    int,
    typer.Option(
        metavar="N",
        help="Groups with fewer respondents are left out of group tests.",
        rich_help_panel=ANALYSIS,
    ),
]
RwgCutoffOpt = Annotated[
    float,
    typer.Option(
        "--rwg-cutoff",
        metavar="RWG",
        help="A panel's items with rwg below this are flagged in panel_disagreement.csv and "
        "panels.html (needs --group).",
        rich_help_panel=ANALYSIS,
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        metavar="",
        help="Treat out-of-range values, unknown labels and duplicate respondent ids as errors.",
        rich_help_panel=ANALYSIS,
    ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Text encoding of a CSV file (detected by default).",
        rich_help_panel=INPUT,
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="Excel sheet name (default: the first visible one).",
        rich_help_panel=INPUT,
    ),
]
HeaderRowOpt = Annotated[
    int,
    typer.Option(
        "--header-row",
        metavar="ROW",
        help="Row holding the column names (1 = first); rows above it, such as a title, "
        "are skipped.",
        rich_help_panel=INPUT,
    ),
]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="COLUMN=VALUE",
        help="Analyse only rows where COLUMN=VALUE (also !=, <, <=, >, >= on numbers; "
        "COLUMN=V1,V2 for any of several; COLUMN!= for a filled cell). Repeat for several "
        "filters, all of which must hold; left-out rows are listed with the filter.",
        rich_help_panel=INPUT,
    ),
]
KeepTestOpt = Annotated[
    bool,
    typer.Option(
        "--keep-test-responses",
        metavar="",
        help="Analyse a platform's survey previews and test responses too (Qualtrics "
        "Status/DistributionChannel), which are left out by default.",
        rich_help_panel=INPUT,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        metavar="",
        help="Print results.json to stdout instead of the summary; no file is written unless "
        "--out or --format is given.",
        rich_help_panel=OUTPUT,
    ),
]
WeightOpt = Annotated[
    str | None,
    typer.Option(
        "--weight",
        metavar="COLUMN",
        help="Survey weight column: every percentage, mean and SD is weighted and standard "
        "errors are design-based (as R's survey package).",
        rich_help_panel=DESIGN,
    ),
]
StrataOpt = Annotated[
    str | None,
    typer.Option(
        "--strata",
        metavar="COLUMN",
        help="Stratum column of the design.",
        rich_help_panel=DESIGN,
    ),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        metavar="COLUMN",
        help="Cluster (primary sampling unit) column, nested in strata.",
        rich_help_panel=DESIGN,
    ),
]
CodersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--coders",
        metavar="QUESTION=COLS",
        help="Columns of human coders' theme ids (separated by ';') for an open-ended "
        "question: agreement between coders and with the codebook is reported. Repeatable.",
        rich_help_panel=ANALYSIS,
    ),
]
LonelyPsuOpt = Annotated[
    str,
    typer.Option(
        "--lonely-psu",
        metavar="POLICY",
        help="A stratum with a single cluster: fail (R's default), adjust, average, remove or "
        "certainty, as R's options(survey.lonely.psu).",
        rich_help_panel=DESIGN,
    ),
]
# Warnings the terminal shows as notes as well: how the file was read, merged group labels.
_NOTED = {"group_spellings_merged"}


@app.command()
def analyze(
    data: DataArg = None,
    instrument: InstrumentOpt = None,
    group: GroupOpt = None,
    columns: ColumnsOpt = None,
    id_column: IdOpt = None,
    threshold: ThresholdOpt = 50.0,
    alpha: AlphaOpt = 0.05,
    p_adjust: PAdjustOpt = "holm",
    min_answered: MinAnsweredOpt = 0.5,
    min_group_size: MinGroupSizeOpt = 5,
    rwg_cutoff: RwgCutoffOpt = 0.70,
    strict: StrictOpt = False,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    header_row: HeaderRowOpt = 1,
    where: WhereOpt = None,
    keep_test_responses: KeepTestOpt = False,
    weight: WeightOpt = None,
    strata: StrataOpt = None,
    cluster: ClusterOpt = None,
    lonely_psu: LonelyPsuOpt = "fail",
    coders: CodersOpt = None,
    out: OutOpt = None,
    json_out: JsonOpt = False,
    formats: FormatOpt = None,
    title: TitleOpt = None,
    fail_under: FailUnderOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score a survey file against an instrument; write results.json, tables, charts, reports.

    Example: ipss-survey analyze responses.sav --instrument ipss-senior-managers
    --group municipality --out reports/municipalities
    """

    def work() -> None:
        from ipss_survey.instrument import sample_path
        from ipss_survey.pipeline import Options, parse_target
        from ipss_survey.pipeline.inputs import run_inputs
        from ipss_survey.pipeline.provenance import instrument_info
        from ipss_survey.report.charts.jobs import Helpers
        from ipss_survey.report.write import check_out_folder, needs_charts, parse_formats

        chosen = parse_formats(formats)  # a typo fails before the analysis runs
        writes = not json_out or out is not None or formats is not None
        if writes and out is not None:
            check_out_folder(out)  # a bad --out fails before the data are read
        given = Options(
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
            where=tuple(where or ()),
            keep_test_responses=keep_test_responses,
            weight=weight,
            strata=strata,
            cluster=cluster,
            lonely_psu=lonely_psu,
            coders=tuple(coders or ()),
            rwg_cutoff=rwg_cutoff,
        )
        inputs = run_inputs(data, instrument, given)
        for note in inputs.notes:
            print(f"note: {one_line(note)}", file=sys.stderr)
        inst, opts = inputs.instrument, inputs.options
        target = parse_target(fail_under, instrument_info(inst)) if fail_under else None
        source = data
        if source is None:
            source = sample_path(inst.id)
            print(
                f"No data file given: analysing the bundled sample of {inst.id!r} ({source.name}).",
                file=sys.stderr,
            )
        folder = _out_folder(out, source) if writes else None
        helpers = Helpers()
        if folder is not None and needs_charts(chosen):
            helpers.prestart()  # drawing's helper loads matplotlib while the analysis runs
        try:
            _analyze_and_report(
                source, inst, opts, folder, chosen, title, json_out, target, helpers
            )
        finally:
            helpers.discard()

    _run(work, debug)


def _out_folder(out: Path | None, source: Path) -> Path:
    """--out, else reports/<data file name>/ (a note when another input's reports are there)."""
    from ipss_survey.report.write import check_out_folder, default_out_folder, folder_owner

    if out is not None:
        owner = folder_owner(out)
        if owner is not None and owner != str(source.resolve()):
            print(f"note: {out}/ held the reports of {owner}; they are replaced", file=sys.stderr)
        return out
    folder = default_out_folder(source)
    plain = Path("reports") / source.stem
    if folder != plain:
        print(
            f"note: {plain}/ holds the reports of another input ({folder_owner(plain) or '?'}); "
            f"writing to {folder}/",
            file=sys.stderr,
        )
    check_out_folder(folder, given=False)
    return folder


def _analyze_and_report(
    source: Path,
    inst: Instrument,
    opts: Options,
    folder: Path | None,
    chosen: tuple[str, ...],
    title: str | None,
    json_out: bool,
    target: Target | None,
    helpers: Helpers,
) -> None:
    """analyze's work once its options are checked: run, write (unless ``folder`` is None),
    print, gate."""
    from ipss_survey.pipeline import analyze as run
    from ipss_survey.report.terminal import results_summary, written_summary
    from ipss_survey.report.write import write_reports
    from ipss_survey.warnings import READING

    results = _with_progress(lambda cb: run(source, inst, opts, progress=cb))
    for w in results.data.warnings:
        if w.code in READING or w.code in _NOTED:
            print(f"note: {one_line(w.message)}", file=sys.stderr)
    written: list[Path] = []
    if folder is not None:
        written = write_reports(
            results, folder, chosen, title=title, helpers=helpers, source=source.resolve()
        )
    if json_out:
        sys.stdout.write(results.to_json())
    else:
        console = _console()
        for part in results_summary(results):
            console.print(part)
        if folder is not None:
            console.print(f"Written to {folder}/: {written_summary(written, folder)}")
    if target is not None:
        _gate(results, target)


@app.command()
def report(
    results_file: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS_FILE",
            help="A results.json written by 'analyze'.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            help="Output folder. Default: the folder of RESULTS_FILE.",
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    formats: FormatOpt = "csv,xlsx,html,md,png,svg",
    title: TitleOpt = None,
    fail_under: FailUnderOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Redraw the reports (tables, charts, HTML, Excel, Markdown) from a saved results.json.

    The data file is not needed: every number comes from results.json. Files of the chosen
    formats that an earlier run wrote and this one does not are removed; others are kept.

    Example: ipss-survey report reports/dtcaf-sample/results.json --format html,md
    """

    def work() -> None:
        from ipss_survey.report.terminal import written_summary
        from ipss_survey.report.write import check_out_folder, parse_formats, write_reports
        from ipss_survey.results import load_results

        chosen = parse_formats(formats)
        folder = out or results_file.parent
        check_out_folder(folder, given=out is not None)
        results = load_results(results_file)
        written = write_reports(results, folder, chosen, title=title, replace="chosen")
        print(f"Written to {folder}/: {written_summary(written, folder)}")
        if fail_under:
            _gate(results, fail_under)

    _run(work, debug)


@instruments_app.command("list")
def instruments_list(debug: DebugOpt = False) -> None:
    """List the built-in instruments.

    Example: ipss-survey instruments list
    """

    def work() -> None:
        from ipss_survey.instrument.catalogue import builtin_catalogue
        from ipss_survey.report.instrument_text import instruments_listing

        print(instruments_listing(builtin_catalogue()))

    _run(work, debug)


@instruments_app.command("show")
def instruments_show(
    instrument: Annotated[
        str,
        typer.Argument(
            metavar="INSTRUMENT", help="Built-in id, or path of a YAML file or an XLSForm."
        ),
    ],
    yaml_out: Annotated[
        bool,
        typer.Option("--yaml", metavar="", help="Print the instrument's YAML source instead."),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Show an instrument's hierarchy as a tree, with item counts and scale.

    Example: ipss-survey instruments show dtcaf
    """

    def work() -> None:
        from ipss_survey.instrument import instrument_source, resolve_instrument
        from ipss_survey.report.instrument_text import instrument_tree

        inst = resolve_instrument(instrument)
        if yaml_out:
            sys.stdout.write(instrument_source(instrument))
            return
        _console().print(instrument_tree(inst))

    _run(work, debug)


@instruments_app.command("check")
def instruments_check(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="Instrument YAML file or XLSForm to check.")
    ],
    debug: DebugOpt = False,
) -> None:
    """Check an instrument file against the format's rules, and warn about scales that look
    reversed or whose agreement codes are not at one end.

    Example: ipss-survey instruments check my-survey.yaml
    """

    def work() -> None:
        from ipss_survey.instrument import open_instrument
        from ipss_survey.instrument.checks import check_instrument
        from ipss_survey.report.instrument_text import instrument_counts

        opened = open_instrument(str(file))
        advice = check_instrument(opened.instrument)
        for text in [*opened.warnings, *(a.message for a in advice)]:
            print(f"warning: {one_line(text)}", file=sys.stderr)
        found = f" ({len(advice)} warning(s))" if advice else ""
        print(f"{file}: OK{found}: {instrument_counts(opened.instrument)}")

    _run(work, debug)


ForceOpt = Annotated[
    bool, typer.Option("--force", metavar="", help="Replace the output file if it exists.")
]


def _write_new(path: Path, data: bytes | str, force: bool) -> None:
    """Write one file whole (or not at all); an existing file only with --force."""
    from ipss_survey.report.atomic import write_many

    if path.is_dir():
        raise SurveyError(f"{path} is a folder: give the path of the file to write")
    if path.exists() and not force:
        raise SurveyError(f"{path} exists: choose another --out, or pass --force to replace it")
    if not path.parent.is_dir():
        raise SurveyError(f"{path.parent} is not a folder: create it first or choose another --out")
    try:
        write_many({path: data})
    except OSError as exc:
        raise SurveyError(f"{path}: cannot be written ({exc.strerror or exc})") from None


@instruments_app.command("from-xlsform")
def instruments_from_xlsform(
    form: Annotated[
        Path, typer.Argument(metavar="FORM.xlsx", help="XLSForm workbook (.xlsx) to read.")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="FILE.yaml", help="Instrument YAML file to write."),
    ],
    force: ForceOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write the instrument an XLSForm defines as YAML, to edit and use with --instrument.

    What the form does not say (which end is favourable, which points mean agreement) is
    inferred and said in comments in the file.

    Example: ipss-survey instruments from-xlsform service-survey.xlsx --out service.yaml
    """

    def work() -> None:
        from ipss_survey.instrument.dump import instrument_yaml
        from ipss_survey.instrument.xlsform import read_xlsform
        from ipss_survey.report.instrument_text import instrument_counts

        imported = read_xlsform(form)
        _write_new(out, instrument_yaml(imported.instrument, imported.notes), force)
        for note in imported.warnings:
            print(f"warning: {one_line(note.message)}", file=sys.stderr)
        print(f"Written {out}: {instrument_counts(imported.instrument)}")

    _run(work, debug)


@instruments_app.command("export")
def instruments_export(
    instrument: Annotated[
        str, typer.Argument(metavar="INSTRUMENT", help="Built-in id or path of a YAML file.")
    ],
    xlsform: Annotated[
        Path,
        typer.Option(
            "--xlsform", metavar="FILE.xlsx", help="XLSForm workbook to write (for Kobo or ODK)."
        ),
    ],
    force: ForceOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write an instrument as an XLSForm to field with KoboToolbox or ODK.

    The form keeps the dimensions, keying and agreement codes in its own columns, so the
    export of a survey run with it analyses against the form itself (--instrument FORM.xlsx).

    Example: ipss-survey instruments export dtcaf --xlsform dtcaf-form.xlsx
    """

    def work() -> None:
        from ipss_survey.fielding.xlsform import xlsform_bytes
        from ipss_survey.instrument import resolve_instrument

        inst = resolve_instrument(instrument)
        _write_new(xlsform, xlsform_bytes(inst), force)
        print(f"Written {xlsform}: XLSForm of {inst.id!r} ({len(inst.items)} items)")

    _run(work, debug)


@instruments_app.command("template")
def instruments_template(
    instrument: Annotated[
        str, typer.Argument(metavar="INSTRUMENT", help="Built-in id or path of a YAML file.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE.xlsx", help="Workbook (.xlsx) to write.")
    ],
    group_column: Annotated[
        str | None,
        typer.Option(
            "--group-column", metavar="COLUMN", help="Add a column for the respondent's group."
        ),
    ] = None,
    rows: Annotated[int, typer.Option(metavar="N", help="Rows prepared for data entry.")] = 200,
    force: ForceOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a data-entry workbook for paper questionnaires: one row a respondent, a
    drop-down of the scale's labels in each item column, a codebook sheet.

    A filled template analyses with no options: ipss-survey analyze filled.xlsx

    Example: ipss-survey instruments template dtcaf --out entry.xlsx --group-column ministry
    """

    def work() -> None:
        from ipss_survey.fielding.template import template_bytes
        from ipss_survey.instrument import resolve_instrument

        inst = resolve_instrument(instrument)
        if out.suffix.lower() != ".xlsx":
            raise SurveyError(f"{out}: a template is an Excel workbook; name it .xlsx")
        _write_new(out, template_bytes(inst, group_column=group_column, rows=rows), force)
        print(f"Written {out}: data-entry template of {inst.id!r} ({rows} rows)")

    _run(work, debug)


@app.command()
def compare(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE...",
            help="Two or more data files (baseline first), or results.json files for a "
            "descriptive comparison. Without them, the instrument's bundled waves.",
            show_default=False,
        ),
    ] = None,
    instrument: Annotated[
        list[str] | None,
        typer.Option(
            "--instrument",
            "-i",
            metavar="ID|FILE",
            help="Instrument for every wave, or one per wave in order. Default: dtcaf.",
            rich_help_panel=INPUT,
        ),
    ] = None,
    id_column: IdOpt = None,
    group: GroupOpt = None,
    labels: Annotated[
        str | None,
        typer.Option(
            metavar="LABELS",
            help='Wave labels, comma-separated, e.g. "2024,2026".',
            rich_help_panel=INPUT,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            help="Output folder. Default: reports/compare.",
            rich_help_panel=OUTPUT,
        ),
    ] = None,
    threshold: ThresholdOpt = 50.0,
    p_adjust: PAdjustOpt = "holm",
    min_answered: MinAnsweredOpt = 0.5,
    where: WhereOpt = None,
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMATS",
            help="Outputs, comma-separated: json,csv,html,png,svg, or all.",
            rich_help_panel=OUTPUT,
        ),
    ] = "all",
    title: TitleOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Compare waves of one assessment: each construct's mean, acceptance and maturity in
    every wave, and the change between consecutive waves with its test (paired when
    respondents match by id).

    Example: ipss-survey compare baseline.csv followup.csv --instrument dtcaf --labels
    2024,2026 --group ministry
    """

    def work() -> None:
        from ipss_survey.instrument import resolve_instrument, sample_waves
        from ipss_survey.pipeline import Options
        from ipss_survey.pipeline.compare import compare as run_compare
        from ipss_survey.pipeline.compare import load_waves
        from ipss_survey.report.compare import parse_compare_formats, write_comparison
        from ipss_survey.report.write import check_out_folder

        chosen = parse_compare_formats(formats)
        if out is not None:
            check_out_folder(out)  # a bad --out fails before the waves are read
        instruments = [resolve_instrument(i) for i in (instrument or ["dtcaf"])]
        opts = Options(
            group=group,
            threshold=threshold,
            p_adjust=p_adjust,
            min_answered=min_answered,
            id_column=id_column,
            where=tuple(where or ()),
        )
        opts.check()
        names = [x.strip() for x in labels.split(",")] if labels else None
        paths = list(files or [])
        if not paths:
            paths = sample_waves(instruments[0].id)
            print(
                f"No data files given: comparing the bundled waves of {instruments[0].id!r} "
                f"({', '.join(p.name for p in paths)}).",
                file=sys.stderr,
            )
        waves = load_waves(paths, instruments, opts, names)
        comparison = run_compare(waves, opts, id_column)
        for w in comparison.warnings:
            print(f"note: {w.message}", file=sys.stderr)
        folder = out or Path("reports") / "compare"
        written = write_comparison(comparison, folder, chosen, title)
        how = "paired by respondent id" if comparison.paired else "as independent samples"
        listed = ", ".join(w.label for w in comparison.waves)
        print(
            f"Compared {len(comparison.waves)} waves ({listed}) {how}: "
            f"{len(comparison.constructs)} constructs, {len(comparison.items)} items."
        )
        print(f"Written to {folder}/: {', '.join(p.name for p in written)}")

    _run(work, debug)


@app.command("run")
def run_study_command(
    study: Annotated[
        Path,
        typer.Argument(
            help="Study file (YAML): analyses and wave comparisons, each with analyze's or "
            "compare's options (docs/study-format.md).",
            show_default=False,
        ),
    ],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="NAME",
            help="Run only the analyses or comparisons of these names (repeat, or "
            "comma-separated).",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=1, help="Runs at once, each in its own process."),
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The study's output folder. Default: the study's 'out', else "
            "reports/<study file name>.",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Check the study file and every instrument and data file it names, without "
            "analysing.",
        ),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Run a study: every analysis and comparison of a study file, each into its own folder,
    and an index of them (index.html, summary.md, study.json).

    Exit code: 0 when every run ran and every fail_under held, 1 when a gate failed, 2 when
    an input or the study file is bad, 3 on an internal error (the most severe one); a
    failing run does not stop the others.

    Example: ipss-survey run configs/study-example.yaml --jobs 2
    """

    def work() -> None:
        from ipss_survey.study import StudyError, load_study
        from ipss_survey.study.check import check_study
        from ipss_survey.study.run import Outcome, run_study, study_output

        try:
            spec = load_study(study)
        except StudyError as exc:
            for line in exc.lines():
                print(f"error: {line}", file=sys.stderr)
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
        if check:
            problems = check_study(spec)
            for p in problems:
                print(f"error: {one_line(f'{spec.source}: {p}')}", file=sys.stderr)
            if problems:
                raise typer.Exit(int(ExitCode.BAD_INPUT))
            n_a, n_c = len(spec.analyses), len(spec.comparisons)
            print(
                f"{spec.source}: OK: {n_a} {'analysis' if n_a == 1 else 'analyses'}, {n_c} "
                f"{'comparison' if n_c == 1 else 'comparisons'}; every instrument and data "
                "file found"
            )
            return
        folder = study_output(spec, out)
        spec.select(only)  # an unknown name fails before anything runs

        def said(o: Outcome) -> None:
            for note in o.notes:
                print(f"note: {o.name}: {one_line(note)}", file=sys.stderr)
            if o.exit_code == ExitCode.OK:
                gate = f"; {o.message}" if o.message else ""
                print(f"{o.name}: ok: {len(o.outputs)} files in {folder / o.out}/{gate}")
            elif o.exit_code == ExitCode.BELOW_TARGET:
                print(f"{o.name}: below target: {o.message}", file=sys.stderr)
            else:
                if debug and o.traceback:
                    print(o.traceback, file=sys.stderr)
                lines = [f"{spec.source}: {p}" for p in o.problems] or [o.message or ""]
                if o.exit_code == ExitCode.INTERNAL_ERROR and not debug:
                    lines[-1] += " (rerun with --debug for the traceback and report it)"
                for line in lines:
                    print(f"error: {o.name}: {one_line(line)}", file=sys.stderr)

        done = run_study(spec, folder, only, jobs, on_done=said)
        failed = [o.name for o in done.outcomes if o.exit_code == ExitCode.BELOW_TARGET]
        bad = [o.name for o in done.outcomes if o.exit_code >= ExitCode.BAD_INPUT]
        print(f"Index: {folder / 'index.html'} ({len(done.outcomes)} runs)")
        if failed:
            print(f"gate failed: {', '.join(failed)}", file=sys.stderr)
        if bad:
            print(f"failed: {', '.join(bad)}", file=sys.stderr)
        if done.exit_code:
            raise typer.Exit(done.exit_code)

    _run(work, debug)


@app.command("schema")
def schema_command(
    kind: Annotated[
        str, typer.Argument(help="Which format: instrument or study.", show_default=False)
    ],
    debug: DebugOpt = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of the instrument or the study file format, for
    editors that check YAML as it is typed (the YAML language server).

    Example: ipss-survey schema study > study.schema.json
    """

    def work() -> None:
        from ipss_survey.study.schema import schema_text

        sys.stdout.write(schema_text(kind))

    _run(work, debug)


def main() -> None:
    """Console-script entry point."""
    app()
