"""Write the chosen report formats from one Results object, and the lookups they share.

Every writer (HTML, Markdown, spreadsheet, charts) reads its numbers through ``View`` so a
figure in one format is the same figure in every other; rounding happens only in ``fmt_*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipss_survey.errors import SurveyError
from ipss_survey.results import ConstructStats, ItemStats, Results

FORMATS = ("json", "csv", "xlsx", "html", "md", "png", "svg")


@dataclass(frozen=True)
class ChartImage:
    """A rendered chart as the HTML report embeds it."""

    name: str
    title: str
    section: str
    caption: str
    png: bytes


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


def prestart_charts(formats: Sequence[str]) -> None:
    """When ``formats`` (parsed) hold charts, start the chart helper process now, so it loads
    matplotlib on a second CPU while the analysis runs; ``write_reports`` then uses it, and
    ``discard_prestarted`` stops it if no report is written (a failed analysis)."""
    if any(f in formats for f in ("png", "svg", "html")):
        from ipss_survey.report.chart_jobs import prestart_helper

        prestart_helper()


def discard_prestarted() -> None:
    from ipss_survey.report.chart_jobs import discard_helper

    discard_helper()


def write_reports(
    results: Results,
    out_dir: str | Path,
    formats: str | Iterable[str] | None = None,
    title: str | None = None,
    processes: int | None = None,
) -> list[Path]:
    """Write each chosen format into ``out_dir``; return the files written, in order.

    Charts go to ``out_dir/charts/``. Everything is rendered in memory before the first file
    is written, so a failure while drawing leaves the folder as it was; the files are then
    written as a set (``atomic.write_many``), each whole or not at all. Charts are drawn once
    per format and shared with a helper process when there is much to draw and a CPU to spare
    (``processes=1`` keeps everything in this process, 2 asks for the helper); the other
    formats are made while the helper draws.
    """
    from ipss_survey.report.atomic import write_many

    chosen = parse_formats(formats)
    out = Path(out_dir)
    data_files: dict[Path, bytes] = {}
    chart_files: dict[Path, bytes] = {}
    documents: dict[Path, bytes] = {}
    images: list[ChartImage] = []
    kinds = [f for f in ("png", "svg") if f in chosen or (f == "png" and "html" in chosen)]
    job = None
    try:
        if kinds:
            from ipss_survey.report.chart_jobs import ChartJob

            job = ChartJob(results, kinds, processes)  # a helper process starts drawing now
        data_files = _data_files(results, chosen, out)
        if "xlsx" in chosen:
            from ipss_survey.report.xlsx import xlsx_bytes

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
        from ipss_survey.report.html import html_report

        page = html_report(results, title=title, charts=images)
        documents[out / "report.html"] = page.encode("utf-8")
    if "md" in chosen:
        from ipss_survey.report.markdown import markdown_summary

        documents[out / "summary.md"] = markdown_summary(results, title=title).encode("utf-8")

    everything = {**data_files, **chart_files, **documents}
    write_many(everything)
    return list(everything)


def _data_files(results: Results, chosen: Sequence[str], out: Path) -> dict[Path, bytes]:
    """results.json and the CSV tables, as ``files.write_json`` and ``files.write_csv`` write
    them, but in memory, so they are made while charts are drawn and written with the rest."""
    from ipss_survey.report import files
    from ipss_survey.report.tables import build_tables

    texts: dict[Path, bytes] = {}
    if "json" in chosen:
        texts[out / "results.json"] = results.to_json().encode("utf-8")
    if "csv" in chosen:
        for name, rows in build_tables(results).items():
            header = files._HEADERS.get(name)
            texts[out / f"{name}.csv"] = files.csv_text(rows, header).encode("utf-8")
    return texts


# --------------------------------------------------------------------------- formatting


def fmt_num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A 0-100 percentage as text with a % sign; '-' when it could not be computed."""
    return "-" if value is None else f"{value:.{digits}f}%"


def fmt_prop_ci(ci: list[float] | None) -> str:
    """A 0-1 interval as percentages, the way tables show acceptance."""
    if not ci or ci[0] is None or ci[1] is None:
        return "-"
    return f"{100 * ci[0]:.1f}-{100 * ci[1]:.1f}%"


def fmt_range(r: list[float] | None) -> str:
    if not r or r[0] is None or r[1] is None:
        return "-"
    return f"{r[0]:.1f}-{r[1]:.1f}%"


def fmt_p(p: float | None) -> str:
    """p-values: three decimals, and '<0.001' below that, as journals print them."""
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_ci(ci: list[float] | None, digits: int = 2) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "-"
    return f"{ci[0]:.{digits}f} to {ci[1]:.{digits}f}"


_EFFECT_NAMES = {
    "epsilon_squared": "epsilon squared",
    "rank_biserial": "rank-biserial r",
    "cramers_v": "Cramer's V",
}


def fmt_effect(effect: dict[str, Any] | None) -> str:
    """'epsilon squared 0.28': an effect size with a reader's name for it."""
    effect = effect or {}
    raw = str(effect.get("name") or "")
    name = _EFFECT_NAMES.get(raw, raw.replace("_", " "))
    return f"{name} {fmt_num(effect.get('value'))}".strip() if effect else "-"


def slug(text: str) -> str:
    """A file-name-safe form of an id from an instrument file."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "x"


def default_title(results: Results) -> str:
    return f"Survey report: {results.instrument.get('title') or results.instrument.get('id')}"


# --------------------------------------------------------------------------- lookups


class View:
    """Read-only lookups over Results that every report format shares."""

    def __init__(self, results: Results) -> None:
        self.r = results
        self.items_by_code = {it.code: it for it in results.items}
        self.constructs_by_id = {c.id: c for c in results.constructs}
        self.maturity_by_id = {m["construct"]: m for m in results.maturity}
        self.tests = {(t.get("target"), t.get("id")): t for t in results.acceptance_tests}
        self.reliability_by_id = {r.get("construct"): r for r in results.reliability}
        self._group_tests: dict[str, list[dict[str, Any]]] = {}
        for gt in results.group_tests:
            self._group_tests.setdefault(gt.get("construct"), []).append(gt)

    @property
    def dimensions(self) -> list[ConstructStats]:
        return [c for c in self.r.constructs if c.level == "dimension"]

    def children(self, construct_id: str) -> list[ConstructStats]:
        return [c for c in self.r.constructs if c.parent == construct_id]

    def family(self, dimension_id: str) -> list[ConstructStats]:
        """A dimension followed by its sub-dimensions."""
        return [self.constructs_by_id[dimension_id], *self.children(dimension_id)]

    def items_of(self, construct: ConstructStats) -> list[ItemStats]:
        return [self.items_by_code[c] for c in construct.items if c in self.items_by_code]

    def maturity(self, construct_id: str) -> dict[str, Any] | None:
        return self.maturity_by_id.get(construct_id)

    def maturity_label(self, construct_id: str) -> str:
        m = self.maturity(construct_id)
        return (m or {}).get("label") or "-"

    @property
    def levels(self) -> list[dict[str, Any]]:
        return list((self.r.instrument.get("maturity") or {}).get("levels") or [])

    @property
    def maturity_basis(self) -> str:
        basis = (self.r.instrument.get("maturity") or {}).get("basis")
        return basis or "Bands as defined in the instrument file."

    def test(self, target: str, ident: str) -> dict[str, Any] | None:
        return self.tests.get((target, ident))

    def reliability(self, construct_id: str) -> dict[str, Any] | None:
        return self.reliability_by_id.get(construct_id)

    def group_tests(self, construct_id: str) -> list[dict[str, Any]]:
        return self._group_tests.get(construct_id, [])

    @property
    def has_tests(self) -> bool:
        return bool(self.r.acceptance_tests)

    @property
    def threshold(self) -> float:
        return float(self.r.options.get("threshold", 50.0))

    @property
    def alpha(self) -> float:
        return float(self.r.options.get("alpha", 0.05))

    @property
    def p_adjust(self) -> str:
        return str(self.r.options.get("p_adjust", "holm"))

    def warning_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for w in self.r.data.get("warnings", []):
            counts[w.get("code") or "warning"] = counts.get(w.get("code") or "warning", 0) + 1
        return counts

    def acceptance_span(self) -> tuple[float, float] | None:
        """Lowest and highest item acceptance (pct_favourable) across the whole instrument."""
        values = [it.pct_favourable for it in self.r.items if it.pct_favourable is not None]
        return (min(values), max(values)) if values else None
