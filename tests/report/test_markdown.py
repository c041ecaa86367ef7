"""summary.md: the headline table a CI job posts, escaped so data cannot break it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.format import fmt_effect, fmt_p
from ipss_survey.report.markdown import markdown_summary, md_escape
from ipss_survey.results import Results
from tests.report.builders import dtcaf_by_ministry, without_stats


@pytest.fixture(scope="module")
def dtcaf() -> Results:
    return dtcaf_by_ministry()


def _table(text: str) -> list[list[str]]:
    """Rows of the first Markdown table, split on unescaped pipes."""
    start = text.index("\n|") + 1
    lines = text[start : text.index("\n\n", start)].splitlines()
    rows = []
    for ln in lines:
        cells = ln.strip().strip("|").replace("\\|", "\0").split("|")
        rows.append([c.strip().replace("\0", "\\|") for c in cells])
    return rows


def test_headline_table_per_dimension(dtcaf):
    dtcaf = without_stats(dtcaf)
    md = markdown_summary(dtcaf)
    rows = _table(md)
    assert rows[0] == [
        "Dimension",
        "n",
        "Mean",
        "Acceptance %",
        "Acceptance 95% CI",
        "Item range",
        "Maturity",
    ]
    body = rows[2:]
    dims = [c for c in dtcaf.constructs if c.level == "dimension"]
    assert len(body) == len(dims) == 6
    for row, c in zip(body, dims, strict=True):
        m = next(m for m in dtcaf.maturity if m.construct == c.id)
        assert row == [
            f"{c.id} {c.name}",
            str(c.n),
            f"{c.mean:.2f}",
            f"{c.pct_agree:.1f}%",
            f"{c.ci_pct_agree[0]:.1f}-{c.ci_pct_agree[1]:.1f}%",
            f"{c.acceptance_range[0]:.1f}-{c.acceptance_range[1]:.1f}%",
            f"{m.level} {m.label}",
        ]
    assert "343 analysed of 345, 2 excluded" in md
    assert "not official UN DESA thresholds" in md
    counts: dict[str, int] = {}
    for w in dtcaf.data.warnings:
        counts[w.code] = counts.get(w.code, 0) + 1
    listed = ", ".join(f"{k.replace('_', chr(92) + '_')} x{n}" for k, n in counts.items())
    assert f"**Warnings:** {len(dtcaf.data.warnings)} ({listed})." in md
    assert "out\\_of\\_range x2, missing\\_code x3" in md
    assert md.endswith("\n") and md.startswith("# Survey report: UN DESA")


def test_significance_and_group_differences_when_present(dtcaf):
    res = dtcaf
    md = markdown_summary(res, title="Wave 2")
    rows = _table(md)
    assert rows[0] == [
        "Dimension",
        "n",
        "Mean",
        "Acceptance %",
        "Acceptance 95% CI",
        "Item range",
        "p adj.",
        "Above threshold",
        "Alpha",
        "Maturity",
    ]
    lea = rows[2]
    test = next(t for t in res.acceptance_tests if t.target == "construct" and t.id == "LEA")
    # one acceptance figure: the test's is the table's, with its interval
    assert lea[3] == f"{test.pct_agree:.1f}%"
    assert lea[4] == f"{test.ci[0]:.1f}-{test.ci[1]:.1f}%"
    assert lea[7] == ("yes" if test.significant else "no")
    rel = next(r for r in res.reliability if r.construct == "LEA")
    assert lea[8] == f"{rel.alpha:.2f}"
    assert "## Differences by ministry" in md
    kw = next(t for t in res.group_tests if t.construct == "LEA" and t.pairwise)
    hits = sum(p.p_adj < res.options["alpha"] for p in kw.pairwise)
    effect = fmt_effect(kw.effect)
    assert (
        f"| LEA | {kw.test} | {kw.statistic:.2f} | {fmt_p(kw.p_adj)} | {effect} | "
        f"{hits} of {len(kw.pairwise)} |"
    ) in md
    assert md.startswith("# Wave 2\n")


def test_text_from_data_cannot_break_the_table_or_inject_html(dtcaf):
    dims = [
        replace(c, name="A | B <script>alert(1)</script> [x](http://e) *y*") if c.id == "LEA" else c
        for c in dtcaf.constructs
    ]
    md = markdown_summary(replace(dtcaf, constructs=dims))
    rows = _table(md)
    assert all(len(r) == len(rows[0]) for r in rows)
    assert "<script>" not in md
    assert "&lt;script&gt;" in md and "\\[x\\](http://e) \\*y\\*" in md


def test_md_escape_makes_one_literal_line():
    assert md_escape("a\nb|c") == "a b\\|c"
    assert md_escape(None) == ""
    assert md_escape("_x_ `y` <b>") == "\\_x\\_ \\`y\\` &lt;b&gt;"


def test_no_maturity_no_column(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    res = replace(res, maturity=[], instrument=replace(res.instrument, maturity=None))
    md = markdown_summary(res)
    assert "Maturity" not in md
    assert "**Excluded rows:** 2." in md
