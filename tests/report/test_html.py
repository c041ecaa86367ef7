"""report.html and write_reports: order of sections, escaping, self-containment, determinism."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser

import pytest

from ipss_survey.errors import SurveyError
from ipss_survey.instrument import resolve_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.charts.plans import build_charts
from ipss_survey.report.charts.style import figure_bytes
from ipss_survey.report.format import fmt_ci, fmt_num, fmt_p
from ipss_survey.report.html import html_report
from ipss_survey.report.write import FORMATS, parse_formats, write_reports
from ipss_survey.results import Results
from tests.report.builders import (
    SCRIPT,
    dtcaf_by_ministry,
    dtcaf_reports,
    hostile,
    without_stats,
)


@pytest.fixture(scope="module")
def dtcaf() -> Results:
    return dtcaf_by_ministry()


@pytest.fixture(scope="module")
def managers() -> Results:
    inst = resolve_instrument("ipss-senior-managers")
    return analyze(sample_path(inst.id), inst, Options(group="municipality"))


@pytest.fixture(scope="module")
def dtcaf_out():
    """Every format for the DTCAF sample, written once for the tests that read files."""
    return dtcaf_reports()


class _Tags(HTMLParser):
    """Collects start tags with their attributes; a parse of what a browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_written_files_and_formats(dtcaf_out):
    out, written = dtcaf_out
    names = {p.relative_to(out).as_posix() for p in written}
    assert {"results.json", "items.csv", "report.xlsx", "report.html", "summary.md"} <= names
    charts = sorted(n for n in names if n.startswith("charts/"))
    pngs = [n for n in charts if n.endswith(".png")]
    assert len(pngs) == len(charts) / 2 == 15  # maturity, acceptance, heatmap, 6 x (likert, items)
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)


def test_report_structure_summary_first_methods_last(dtcaf_out, dtcaf):
    out, _ = dtcaf_out
    page = (out / "report.html").read_text(encoding="utf-8")
    ids = [a["id"] for t, a in tags(page) if t == "section"]
    assert ids == [
        "summary",
        *[f"dim-{i}" for i in range(1, 7)],
        "groups",
        "methods",
        "warnings",
        "excluded",
    ]
    summary = page[page.index('id="summary"') : page.index('id="dim-1"')]
    assert "343 analysed of 345 read" in summary
    assert "2 excluded" in summary
    for m in dtcaf.maturity:
        c = next(c for c in dtcaf.constructs if c.id == m.construct)
        if c.level == "dimension":
            assert f"{c.id} {c.name}</td>" in summary
            assert f"{m.level} {m.label}" in summary
    # DTCAF bands are presented as defaults, not official thresholds
    assert "not official UN DESA thresholds" in summary
    assert "Maturity bands" in summary


def test_report_is_self_contained(dtcaf_out):
    out, written = dtcaf_out
    page = (out / "report.html").read_text(encoding="utf-8")
    imgs = [a for t, a in tags(page) if t == "img"]
    assert len(imgs) == len([p for p in written if p.suffix == ".png"]) == 15
    for a in imgs:
        assert a["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(a["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert a["alt"] and a["width"] and a["height"]
    for t, a in tags(page):
        for key in ("src", "href", "action", "data"):
            value = a.get(key)
            if value:
                assert value.startswith(("data:", "#")), (t, key, value[:60])
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page
    assert '<meta name="viewport"' in page and "@media print" in page


def test_every_table_sits_in_a_scroll_wrapper(dtcaf_out):
    out, _ = dtcaf_out
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<table>") == page.count('<div class="table-wrap"><table>') > 10


def test_all_input_text_is_escaped(dtcaf):
    page = html_report(hostile(dtcaf), charts=[])
    assert SCRIPT not in page
    assert "<iframe" not in page and "<b>bold</b>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert [t for t, _ in tags(page) if t == "script"] == []


def test_title_is_escaped_and_used(dtcaf):
    page = html_report(dtcaf, title=f"Ministry review {SCRIPT}", charts=[])
    assert "<title>Ministry review &lt;script&gt;" in page
    assert "<h1>Ministry review &lt;script&gt;" in page


def test_same_results_same_bytes(mini, mini_csv, tmp_path):
    res = analyze(mini_csv, mini, Options(group="team"))
    first = write_reports(res, tmp_path / "a")
    again = write_reports(res, tmp_path / "b")
    assert [p.relative_to(tmp_path / "b") for p in again] == [
        p.relative_to(tmp_path / "a") for p in first
    ]
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_reports_redrawn_from_results_json_are_identical(dtcaf_out, tmp_path):
    """What `ipss-survey report DIR/results.json` does: no data file needed, same output."""
    out, _ = dtcaf_out
    saved = Results.from_dict(json.loads((out / "results.json").read_text(encoding="utf-8")))
    written = write_reports(saved, tmp_path, "json,md,xlsx")
    assert len(written) == 3
    for path in written:
        rel = path.relative_to(tmp_path)
        assert path.read_bytes() == (out / rel).read_bytes(), rel
    with_charts = (out / "report.html").read_text(encoding="utf-8")
    no_charts = html_report(saved, charts=[])
    figures = r'<div class="figures">(<figure .*?</figure>)+</div>'
    assert re.sub(figures, "", with_charts) == no_charts
    for chart, _ in zip(build_charts(saved), range(3), strict=False):  # the summary charts
        png = figure_bytes(chart.figure, "png")
        assert png == (out / "charts" / f"{chart.name}.png").read_bytes(), chart.name


def test_statistics_sections_appear_when_present(dtcaf):
    plain = html_report(without_stats(dtcaf), charts=[])
    assert "<h3>Reliability</h3>" not in plain
    assert "Differences between groups" not in plain
    assert "p adj." not in plain
    res = dtcaf
    full = html_report(res, charts=[])
    dim1 = full[full.index('id="dim-1"') : full.index('id="dim-2"')]
    rel = next(r for r in res.reliability if r.construct == "LEA")
    assert "<h3>Reliability</h3>" in dim1
    assert f"<td class='num'>{fmt_num(rel.alpha)}</td>" in dim1
    assert f"<td class='num'>{fmt_ci(rel.alpha_ci)}</td>" in dim1
    kw = next(t for t in res.group_tests if t.construct == "LEA" and t.pairwise)
    assert "Differences between groups" in dim1 and f">{kw.test}</td>" in dim1
    hit = min(kw.pairwise, key=lambda p: p.p_adj)  # named first in the prose list
    assert html.escape(f"{hit.a} vs {hit.b} (p adj. {fmt_p(hit.p_adj)})") in dim1
    hits = sum(p.p_adj < res.options["alpha"] for p in kw.pairwise)
    assert f"<td class='num'>{hits} of {len(kw.pairwise)}</td>" in dim1
    assert "Wilson 95% CI" in dim1 and "Above threshold" in dim1
    assert "Acceptance tests" in full and "Group tests" in full  # methods explain them


def test_instrument_without_maturity_has_no_maturity_column(managers):
    page = html_report(managers, charts=[])
    assert "Maturity" not in page
    assert "Understanding of collaboration" in page


def test_html_report_draws_its_own_charts_when_not_given(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    page = html_report(res)
    assert page.count('<img src="data:image/png;base64,') == 8


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, FORMATS),
        ("all", FORMATS),
        ("html,md", ("html", "md")),
        (" MD , json ", ("json", "md")),
        (["svg", "png"], ("png", "svg")),
    ],
)
def test_parse_formats(spec, expected):
    assert parse_formats(spec) == expected


@pytest.mark.parametrize("spec", ["pdf", "html,docx", ","])
def test_parse_formats_rejects_unknown(spec):
    with pytest.raises(SurveyError, match=re.escape("json,csv,xlsx,html,md,png,svg")):
        parse_formats(spec)


def test_only_the_chosen_formats_are_written(mini, mini_csv, tmp_path):
    res = analyze(mini_csv, mini, Options())
    written = write_reports(res, tmp_path, "md,svg")
    rel = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert "summary.md" in rel
    assert all(r == "summary.md" or (r.startswith("charts/") and r.endswith(".svg")) for r in rel)
    on_disk = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")]
    assert sorted(r for r in on_disk if r != ".ipss-survey-manifest.json") == rel


@pytest.mark.parametrize(
    ("method", "named"),
    [("holm", "Holm-corrected"), ("bonferroni", "Bonferroni-corrected"), ("none", "uncorrected")],
)
def test_methods_name_the_correction_that_was_applied(mini, mini_csv, method, named):
    res = analyze(mini_csv, mini, Options(group="team", p_adjust=method, min_group_size=2))
    methods = html_report(res, charts=[]).split('id="methods"')[1]
    assert f"{named} pairwise Mann-Whitney tests" in methods
    others = {"Holm-corrected", "Bonferroni-corrected", "uncorrected"} - {named}
    assert not any(f"{o} pairwise" in methods for o in others)
