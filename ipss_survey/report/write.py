"""Write the chosen report formats of one Results into a folder, whole or not at all.

Everything is rendered in memory before the first file is written, so a failure while
drawing leaves the folder as it was; the files are then written as a set
(``atomic.write_many``), each whole or not at all. Charts are drawn once per format and
shared with a helper process when there is much to draw and a CPU to spare; the other
formats are made while the helper draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ipss_survey.errors import SurveyError
from ipss_survey.report.atomic import write_many
from ipss_survey.report.charts.jobs import ChartJob, Helpers
from ipss_survey.report.charts.plans import ChartImage
from ipss_survey.report.csv_tables import csv_text
from ipss_survey.report.html import html_report
from ipss_survey.report.markdown import markdown_summary
from ipss_survey.report.tables import build_tables
from ipss_survey.report.xlsx import xlsx_bytes
from ipss_survey.results import Results

FORMATS = ("json", "csv", "xlsx", "html", "md", "png", "svg")
CHART_FORMATS = ("png", "svg", "html")  # formats that need charts drawn


def parse_formats(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"html,md"`` or a list of names -> the formats in canonical order; None means all."""
    if spec is None:
        return FORMATS
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    wanted = {p.strip().lower().lstrip(".") for p in parts if p.strip()}
    if "all" in wanted:
        return FORMATS
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise SurveyError(
            f"--format: unknown format {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose among {','.join(FORMATS)} (comma-separated) or 'all'"
        )
    return tuple(f for f in FORMATS if f in wanted)


def needs_charts(formats: Sequence[str]) -> bool:
    return any(f in formats for f in CHART_FORMATS)


def write_reports(
    results: Results,
    out_dir: str | Path,
    formats: str | Iterable[str] | None = None,
    title: str | None = None,
    processes: int | None = None,
    helpers: Helpers | None = None,
) -> list[Path]:
    """Write each chosen format into ``out_dir``; return the files written, in order.

    Charts go to ``out_dir/charts/``. ``processes=1`` keeps all drawing in this process, 2
    asks for a helper; ``helpers`` may hold one started ahead of the analysis.
    """
    chosen = parse_formats(formats)
    out = Path(out_dir)
    chart_files: dict[Path, bytes] = {}
    documents: dict[Path, bytes] = {}
    images: list[ChartImage] = []
    kinds = [f for f in ("png", "svg") if f in chosen or (f == "png" and "html" in chosen)]
    job = None
    try:
        if kinds:
            job = ChartJob(results, kinds, processes, helpers)  # a helper starts drawing now
        data_files = _data_files(results, chosen, out)
        if "xlsx" in chosen:
            documents[out / "report.xlsx"] = xlsx_bytes(results, title=title)
        if job is not None:
            for plan, drawn in job.finish():
                if "png" in drawn:
                    images.append(
                        ChartImage(plan.name, plan.title, plan.section, plan.caption, drawn["png"])
                    )
                for fmt, data in drawn.items():
                    if fmt in chosen:
                        chart_files[out / "charts" / f"{plan.name}.{fmt}"] = data
    finally:
        if job is not None:
            job.close()
    if "html" in chosen:
        page = html_report(results, title=title, charts=images)
        documents[out / "report.html"] = page.encode("utf-8")
    if "md" in chosen:
        documents[out / "summary.md"] = markdown_summary(results, title=title).encode("utf-8")
    everything = {**data_files, **chart_files, **documents}
    write_many(everything)
    return list(everything)


def _data_files(results: Results, chosen: Sequence[str], out: Path) -> dict[Path, bytes]:
    """results.json and the CSV tables, in memory, made while charts are drawn."""
    texts: dict[Path, bytes] = {}
    if "json" in chosen:
        texts[out / "results.json"] = results.to_json().encode("utf-8")
    if "csv" in chosen:
        for table in build_tables(results):
            texts[out / f"{table.name}.csv"] = csv_text(table).encode("utf-8")
    return texts
