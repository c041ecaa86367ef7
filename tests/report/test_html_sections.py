"""report.html's sections for open-ended answers, classifications and group-test coverage, its
wording of the acceptance figure, and summary.md's group-test coverage.

Every number checked here is the one Results holds (the bundled samples' own analyses), so a
section that shows another number, or leaves one out, fails.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pandas as pd
import pytest

from ipss_survey.instrument import builtin_instrument, sample_path
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.charts.style import DPI, MIN_FONT, MIN_TEXT_PX, PHONE_PX, WIDTH
from ipss_survey.report.format import fmt_ci, fmt_num, fmt_pct
from ipss_survey.report.html import chart_widths, html_report
from ipss_survey.report.markdown import markdown_summary
from ipss_survey.results import Results
from tests.report.builders import SCRIPT


def _section(page: str, ident: str) -> str:
    start = page.index(f'id="{ident}"')
    end = page.find("<section", start)
    return page[start : end if end > 0 else len(page)]


def _cells(fragment: str) -> list[list[str]]:
    """The text of each body row's cells, markup removed, entities read."""
    rows = re.findall(r"<tr>(.*?)</tr>", fragment.split("<tbody>", 1)[1].split("</tbody>")[0])
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
        for r in rows
    ]


def _tables(fragment: str) -> dict[str, str]:
    """Each table of a fragment by its caption."""
    out = {}
    for table in re.findall(r"<table>.*?</table>", fragment):
        caption = re.search(r"<caption><span>(.*?)</span></caption>", table)
        out[html.unescape(caption.group(1)) if caption else ""] = table
    return out


@pytest.fixture(scope="module")
def managers_page(managers) -> str:
    return html_report(managers, charts=[])


# --------------------------------------------------------------------------- open answers


def test_each_open_question_has_its_section_after_the_dimensions(managers, managers_page):
    page = managers_page
    ids = re.findall(r'<section[^>]* id="([^"]+)"', page)
    assert ids.index("open-CON_OPEN") > ids.index("dim-6")
    assert ids.index("open-CON_OPEN") < ids.index("groups")
    assert '<a href="#open-CON_OPEN">CON_OPEN answers</a>' in page
    (q,) = managers.open_answers
    sec = _section(page, "open-CON_OPEN")
    assert html.escape(q.text) in sec
    assert f"{q.nonempty} of {q.answers} respondents answered" in sec
    assert f"{q.unmatched} ({fmt_pct(q.pct_unmatched)}) of the answers matched no theme" in sec


def test_theme_table_holds_every_theme_and_the_unmatched_answers(managers, managers_page):
    (q,) = managers.open_answers
    sec = _section(managers_page, "open-CON_OPEN")
    rows = _cells(_tables(sec)[f"Themes of CON_OPEN (% of the {q.nonempty} who answered)"])
    themes = [t for t in managers.themes if t.item == q.item]
    assert rows == [
        *[[f"{t.name} ({t.theme})", str(t.respondents), fmt_pct(t.pct)] for t in themes],
        ["No theme (matched none)", str(q.unmatched), fmt_pct(q.pct_unmatched)],
    ]
    by_group = _cells(
        _tables(sec)["Themes of CON_OPEN by municipality: respondents (% of those who answered)"]
    )
    assert [r[0] for r in by_group] == [g.group for g in managers.groups]
    first = themes[0].groups
    assert [r[1] for r in by_group] == [f"{g.respondents} ({fmt_pct(g.pct, 0)})" for g in first]


def test_up_to_five_examples_per_theme_in_data_order_as_written(managers, managers_page):
    (q,) = managers.open_answers
    sec = _section(managers_page, "open-CON_OPEN")
    for t in (t for t in managers.themes if t.item == q.item):
        block = sec.split(f"<dt>{html.escape(t.name)} <small>", 1)[1].split("</dd>", 1)[0]
        quotes = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", block, re.S)]
        coded = [a.answer for a in q.coded if t.theme in a.themes]
        assert quotes == coded[:5] == t.examples


def test_cooccurrence_table_is_the_results_matrix(managers, managers_page):
    (q,) = managers.open_answers
    sec = _section(managers_page, "open-CON_OPEN")
    table = _tables(sec)["Respondents mentioning both (diagonal: the theme alone)"]
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
    assert heads == ["Theme", *q.theme_ids]
    assert [[int(x) for x in r[1:]] for r in _cells(table)] == q.cooccurrence


def test_answers_and_question_text_are_escaped(managers):
    (q,) = managers.open_answers
    coded = [replace(a, answer=SCRIPT + " & <b>x</b>") for a in q.coded]
    themes = [
        replace(t, examples=[SCRIPT, "<img src=x onerror=alert(1)>"]) for t in managers.themes
    ]
    res = replace(
        managers,
        open_answers=[replace(q, coded=coded, text=f"Why? {SCRIPT}")],
        themes=themes,
    )
    page = html_report(res, charts=[])
    assert SCRIPT not in page and "<img src=x" not in page and "<b>x</b>" not in page
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>" in page
    assert "Why? &lt;script&gt;" in page


@pytest.fixture(scope="module")
def coded_by_hand(tmp_path_factory, managers) -> Results:
    """The senior-manager sample with two human coders: one as the codebook coded, one who
    leaves out a theme now and then (so kappa is neither undefined nor one)."""
    inst = builtin_instrument("ipss-senior-managers")
    frame = pd.read_csv(sample_path(inst.id), keep_default_na=False)
    by_row = {a.row: a.themes for a in managers.open_answers[0].coded}
    first = [
        "; ".join(by_row.get(i + 1, [])) or "none" if i + 1 in by_row else ""
        for i in range(len(frame))
    ]
    second = [
        "; ".join(t for t in by_row.get(i + 1, []) if i % 3) or "none" if i + 1 in by_row else ""
        for i in range(len(frame))
    ]
    frame["coder_a"], frame["coder_b"] = first, second
    path = tmp_path_factory.mktemp("coders") / "coded.csv"
    frame.to_csv(path, index=False)
    return analyze(path, inst, Options(coders=("CON_OPEN=coder_a,coder_b",)))


def test_coders_agreement_tables_and_what_kappa_means(coded_by_hand):
    res = coded_by_hand
    (q,) = res.open_answers
    sec = _section(html_report(res, charts=[]), "open-CON_OPEN")
    assert "Agreement between coders" in sec
    note = html.unescape(sec.split("<h3>Agreement between coders</h3>", 1)[1].split("</p>")[0])
    assert "beyond the agreement chance alone would give" in note and "rare theme" in note
    tables = _tables(sec)
    per_theme = _cells(tables["Per theme"])
    assert [r[2] for r in per_theme] == [fmt_num(a.alpha) for a in q.agreement]
    assert [r[3] for r in per_theme] == [str(a.alpha_units) for a in q.agreement]
    pairs = _cells(tables["Per pair of codings"])
    expected = [
        [
            f"{k.first} and {k.second}",
            str(k.n),
            fmt_num(k.kappa),
            fmt_ci(k.ci),
            fmt_pct(None if k.agreement is None else 100 * k.agreement),
        ]
        for a in q.agreement
        for k in a.pairs
    ]
    assert [r[1:] for r in pairs] == expected
    assert any(k.kappa is not None and k.kappa < 1 for a in q.agreement for k in a.pairs)
    assert (
        "Agreement between coders"
        not in html_report(res, charts=[]).split('id="methods"')[0].split("open-CON_OPEN")[0]
    )


def test_no_agreement_tables_without_coders(managers_page):
    assert "Agreement between coders" not in _section(managers_page, "open-CON_OPEN")


# --------------------------------------------------------------------------- classifications


def test_classification_section_counts_every_case(collaborative):
    page = html_report(collaborative, charts=[])
    sec = _section(page, "classes")
    (c,) = collaborative.classifications
    rows = _cells(_tables(sec)[f"{c.n} cases"])
    assert [r[1:] for r in rows[: len(c.classes)]] == [
        [str(k.count), fmt_pct(k.pct)] for k in c.classes
    ]
    assert rows[len(c.classes)] == [
        "Unclassified (answers missing)",
        str(c.unclassified),
        fmt_pct(c.pct_unclassified),
    ]
    assert sum(int(r[1]) for r in rows) == c.n
    assert '<a href="#classes">Classifications</a>' in page


def test_classification_per_group(collaborative):
    (c,) = collaborative.classifications
    from ipss_survey.scoring.classification import ClassificationGroup

    groups = [
        ClassificationGroup("North", 40, c.classes, 3, 7.5, 1, 2.5),
        ClassificationGroup("South <b>", 24, c.classes, 1, 1 / 24 * 100, 0, 0.0),
    ]
    res = replace(collaborative, classifications=[replace(c, groups=groups)])
    sec = _section(html_report(res, charts=[]), "classes")
    rows = _cells(_tables(sec)[f"{c.name} by group"])
    assert [r[:2] for r in rows] == [["North", "40"], ["South <b>", "24"]]
    assert rows[0][-2:] == ["3 (7.5%)", "1 (2.5%)"]
    assert "South &lt;b&gt;" in sec


# --------------------------------------------------------------------------- group tests


def test_group_tests_say_what_they_covered_and_who_was_left_out(managers, managers_page):
    sup = [t for t in managers.group_tests if t.construct == "SUP"]
    sec = _section(managers_page, "dim-1")
    table = next(t for cap, t in _tables(sec).items() if cap == "By municipality")
    rows = _cells(table)
    for row, t in zip(rows, sup, strict=True):
        assert row[-2] == f"{len(t.groups)} groups, {sum(t.group_sizes)} respondents"
        assert row[-1] == f"{len(t.excluded_groups)} groups"
    names = ", ".join(f"{e.group} (n = {e.n})" for e in sup[0].excluded_groups)
    assert f"Left out of the tests above as smaller than 5: {names}." in html.unescape(sec)


def test_markdown_says_what_group_tests_covered(managers):
    md = markdown_summary(managers)
    t = next(t for t in managers.group_tests if t.construct == "SUP")
    head = (
        "| Dimension | Test | Statistic | p adj. | Effect | Pairs differing | Tested | "
        "Left out (too small) |"
    )
    assert head in md
    row = next(line for line in md.splitlines() if line.startswith(f"| SUP | {t.test} |"))
    assert row.endswith(
        f"| {len(t.groups)} groups, {sum(t.group_sizes)} respondents | "
        f"{len(t.excluded_groups)} groups |"
    )
    names = ", ".join(f"{e.group} (n = {e.n})" for e in t.excluded_groups)
    assert f"Left out of these tests as smaller than 5: {names}." in md


def test_no_group_left_out_says_none(dtcaf):
    assert all(not t.excluded_groups for t in dtcaf.group_tests)
    page = html_report(dtcaf, charts=[])
    assert "Left out of" not in page
    rows = _cells(
        next(t for c, t in _tables(_section(page, "dim-1")).items() if c == "By ministry")
    )
    assert {r[-1] for r in rows} == {"none"}
    assert "Left out of" not in markdown_summary(dtcaf)


# --------------------------------------------------------------------------- wording


def test_the_pooled_figure_is_called_acceptance_with_its_interval(dtcaf):
    page = html_report(dtcaf, charts=[])
    summary = _section(page, "summary")
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', _tables(summary)["Dimensions"])
    assert "Acceptance %" in heads and "Acceptance 95% CI" in heads and "Agree %" not in heads
    lea = next(c for c in dtcaf.constructs if c.id == "LEA")
    ci = f"{lea.ci_pct_agree[0]:.1f}-{lea.ci_pct_agree[1]:.1f}%"
    assert f"acceptance {lea.pct_agree:.1f}% (95% CI {ci})" in _section(page, "dim-1")
    assert "Acceptance by dimension runs from" in summary
    md = markdown_summary(dtcaf)
    assert "| Acceptance % | Acceptance 95% CI |" in md


def test_weighted_figures_say_weighted(weighted_mini):
    page = html_report(weighted_mini, charts=[])
    summary = _section(page, "summary")
    assert "Weighted acceptance %" in summary
    assert "Weighted acceptance by dimension runs from" in summary
    assert "weighted mean" in _section(page, "dim-1")
    assert "Items (percentages weighted)" in _section(page, "dim-1")
    assert "weighted mean score" in _section(page, "groups")
    assert "| Weighted acceptance % |" in markdown_summary(weighted_mini)


# --------------------------------------------------------------------------- charts on a page


def test_a_chart_is_never_shown_so_small_that_its_text_is_under_9_px():
    """A chart of WIDTH fits a 390 px phone with 9 px text; a wider one gets a minimum width
    (its wrapper scrolls) instead of shrinking."""
    import struct
    import zlib

    def png(width_px: int) -> bytes:
        head = struct.pack(">IIBBBBB", width_px, 100, 8, 2, 0, 0, 0)
        chunk = b"IHDR" + head
        return (
            b"\x89PNG\r\n\x1a\n"
            + struct.pack(">I", len(head))
            + chunk
            + struct.pack(">I", zlib.crc32(chunk))
        )

    narrow, _ = chart_widths(png(round(WIDTH * DPI)))
    assert narrow <= PHONE_PX
    assert MIN_FONT / 72 * narrow / WIDTH >= MIN_TEXT_PX - 0.05
    wide, _ = chart_widths(png(round(2 * WIDTH * DPI)))
    assert wide > PHONE_PX and MIN_FONT / 72 * wide / (2 * WIDTH) >= MIN_TEXT_PX - 0.05


def test_methods_explain_themes_agreement_and_classes(coded_by_hand, collaborative):
    methods = _section(html_report(coded_by_hand, charts=[]), "methods")
    assert "Themes of open-ended answers" in methods and "ipss-constraints" in methods
    assert "Agreement between coders" in methods and "Krippendorff" in methods
    assert "Classifications" in _section(html_report(collaborative, charts=[]), "methods")


def test_mini_run_without_open_questions_has_no_such_sections(mini, mini_csv):
    page = html_report(analyze(mini_csv, mini, Options()), charts=[])
    assert 'class="open"' not in page and 'id="classes"' not in page
