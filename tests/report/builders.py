"""Results the report tests share: the DTCAF sample by ministry (analysed once), its reports
(written once), and variants built with ``dataclasses.replace`` (never by mutation)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from ipss_survey.instrument import resolve_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import ExcludedRow
from ipss_survey.report.write import write_reports
from ipss_survey.results import Results
from ipss_survey.warnings import RunWarning

SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"


@functools.cache
def dtcaf_by_ministry() -> Results:
    """The DTCAF sample grouped by ministry, analysed once for every report test module."""
    inst = resolve_instrument("dtcaf")
    return analyze(sample_path(inst.id), inst, Options(group="ministry"))


@functools.cache
def dtcaf_reports() -> tuple[Path, list[Path]]:
    """Every format written once for the DTCAF sample, shared by the report test modules."""
    out = Path(tempfile.mkdtemp(prefix="ipss-dtcaf-reports-"))
    atexit.register(shutil.rmtree, out, True)
    return out, write_reports(dtcaf_by_ministry(), out)


def without_stats(res: Results) -> Results:
    """``res`` as a run without reliability, acceptance or group tests would give it."""
    return replace(res, reliability=[], acceptance_tests=[], group_tests=[])


def hostile(res: Results) -> Results:
    """Results whose every data- or instrument-supplied string tries to inject markup."""
    items = [replace(it, text=SCRIPT) if i == 0 else it for i, it in enumerate(res.items)]
    constructs = [
        replace(c, name=f"{c.name} {SCRIPT}") if i == 0 else c for i, c in enumerate(res.constructs)
    ]
    groups = [replace(g, group=FORMULA) if i == 0 else g for i, g in enumerate(res.groups)]
    groups = [replace(g, group=SCRIPT) if i == 1 else g for i, g in enumerate(groups)]
    data = replace(
        res.data,
        source='"><img src=x onerror=alert(1)>.csv',
        warnings=[*res.data.warnings, RunWarning("x", f"<iframe src=//evil> {FORMULA}")],
        rows_excluded=[ExcludedRow(3, SCRIPT, "<b>bold</b>")],
    )
    instrument = replace(res.instrument, title=f"Survey {SCRIPT}")
    return replace(
        res, items=items, constructs=constructs, groups=groups, data=data, instrument=instrument
    )
