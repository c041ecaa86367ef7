"""The analyze pipeline: read, code and validate, score, statistics, one Results object.

Nothing here prints or writes files; the CLI and the report writers do that.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ipss_survey.coding import CodedData, code_responses, load_column_map
from ipss_survey.instrument import Instrument
from ipss_survey.pipeline.acceptance import acceptance_section
from ipss_survey.pipeline.group_tests import group_section
from ipss_survey.pipeline.notes import NoteCollector
from ipss_survey.pipeline.open_answers import open_answers_section
from ipss_survey.pipeline.options import Options
from ipss_survey.pipeline.panels import panels_section
from ipss_survey.pipeline.provenance import instrument_info, tool_info
from ipss_survey.pipeline.reliability import reliability_section
from ipss_survey.read import Progress, ReadSettings, read_table
from ipss_survey.results import SCHEMA_VERSION, DataInfo, DesignInfo, MaturityEntry, Results
from ipss_survey.scoring import Scored, score
from ipss_survey.scoring.classification import classify


@dataclass
class Analysis:
    """A run's Results and the coded answers and scores they came from (``compare`` pairs
    respondents across waves from them)."""

    results: Results
    coded: CodedData
    scored: Scored


def analyze(
    data: str | Path,
    instrument: Instrument,
    options: Options | None = None,
    *,
    source_name: str | None = None,
    progress: Progress | None = None,
    read_settings: ReadSettings | None = None,
) -> Results:
    """Run the whole pipeline on one data file.

    ``progress`` is called with (bytes read, file size) while the file is read;
    ``read_settings`` overrides the reader's limits and block sizes (tests use it).
    """
    return analysis(
        data,
        instrument,
        options,
        source_name=source_name,
        progress=progress,
        read_settings=read_settings,
    ).results


def analysis(
    data: str | Path,
    instrument: Instrument,
    options: Options | None = None,
    *,
    source_name: str | None = None,
    progress: Progress | None = None,
    read_settings: ReadSettings | None = None,
    keep_rows: bool = False,
) -> Analysis:
    """``analyze``, keeping the coded answers and scores; ``keep_rows`` keeps every row's
    construct score key (``Tallies.rows``)."""
    opts = options or Options()
    opts.check()
    column_map = load_column_map(opts.columns) if opts.columns else None
    raw = read_table(
        data,
        encoding=opts.encoding,
        sheet=opts.sheet,
        header_row=opts.header_row,
        settings=read_settings,
        progress=progress,
    )
    coded = code_responses(
        raw,
        instrument,
        column_map=column_map,
        group=opts.group,
        id_column=opts.id_column,
        strict=opts.strict,
        where=opts.filters(),
        keep_test_responses=opts.keep_test_responses,
        design=opts.design(),
        coders=opts.coders,
    )
    source, sha256, file_format = source_name or raw.source, raw.sha256, raw.file_format
    del raw  # the raw table is not needed past coding; free it before scoring
    scored = score(coded, instrument, opts.min_answered, keep_rows=keep_rows)
    notes = NoteCollector()
    reliability = reliability_section(coded, scored, instrument, notes)
    acceptance = acceptance_section(scored, instrument, opts, notes)
    group_tests = group_section(scored, instrument, opts, notes) if scored.group_labels else []
    open_answers = open_answers_section(coded, instrument, notes)
    panels = panels_section(scored, instrument, notes) if scored.group_labels else None
    classes = (
        classify(coded, instrument, scored.group_index, scored.group_labels)
        if instrument.classifications
        else None
    )
    results = Results(
        schema_version=SCHEMA_VERSION,
        tool=tool_info(),
        options=opts.recorded(),
        instrument=instrument_info(instrument),
        data=DataInfo(
            source=source,
            sha256=sha256,
            format=file_format,
            rows_read=coded.rows_read,
            rows_analysed=int(coded.codes.shape[0]),
            group_by=coded.group_column,
            rows_excluded=coded.excluded,
            warnings=coded.warnings + scored.warnings + notes.warnings(),
            columns=coded.columns,
            layout=coded.layout,
            design=design_info(coded, opts),
        ),
        items=scored.items,
        constructs=scored.constructs,
        groups=scored.groups,
        reliability=reliability,
        acceptance_tests=acceptance,
        group_tests=group_tests,
        maturity=maturity_section(scored, instrument),
        multiple_choice=scored.multiple_choice,
        categories=scored.categories,
        themes=None if open_answers is None else open_answers[0],
        open_answers=None if open_answers is None else open_answers[1],
        classifications=classes,
        agreement=None if panels is None else panels[0],
        icc=None if panels is None else panels[1],
    )
    return Analysis(results, coded, scored)


def maturity_section(scored: Scored, instrument: Instrument) -> list[MaturityEntry]:
    """Each construct's maturity level from its mean, when the instrument defines levels."""
    if not instrument.maturity:
        return []
    out = []
    for cs in scored.constructs:
        con = next(c for c in instrument.constructs if c.id == cs.id)
        found = instrument.maturity_level(cs.mean, con)
        scale = instrument.shared_scale(con)
        oriented = None if cs.mean is None else (scale.oriented(cs.mean) if scale else cs.mean)
        out.append(
            MaturityEntry(
                cs.id,
                cs.mean,
                found[0] if found else None,
                found[1] if found else None,
                oriented,
            )
        )
    return out


def design_info(coded: CodedData, opts: Options) -> DesignInfo | None:
    """What results.json records of the survey design (None without one)."""
    if coded.design is None:
        return None
    d = coded.design.design
    return DesignInfo(
        weights=coded.design.weight,
        strata=coded.design.strata,
        cluster=coded.design.cluster,
        n_psu=d.n_psu,
        n_strata=d.n_strata,
        sum_weights=float(d.weights.sum()),
        lonely_psu=d.lonely_psu,
    )
