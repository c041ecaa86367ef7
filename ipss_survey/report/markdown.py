"""summary.md: the headline numbers as Markdown a CI job can post on a pull request or issue.

Text from data files and instruments is escaped so that it renders as text: no table cell can
break the table (``|``), and no HTML or link markup survives.
"""

from __future__ import annotations

import html
import re

from ipss_survey.report.format import (
    fmt_effect,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_range,
    fmt_yes_no,
)
from ipss_survey.report.methods import design_text
from ipss_survey.report.view import View, default_title
from ipss_survey.results import Results

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # emphasis, code, links, table cells


def md_escape(value: object) -> str:
    """One line of literal text: HTML-escaped, Markdown punctuation backslash-escaped."""
    text = " ".join(str("" if value is None else value).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_summary(results: Results, title: str | None = None) -> str:
    """Headline table per dimension, significance when tested, warnings and exclusions."""
    v = View(results)
    out = [f"# {md_escape(title or default_title(results))}", ""]
    out += _facts(results, v)
    out += _dimensions(results, v)
    out += _group_differences(results, v)
    out += _ledger(results, v)
    return "\n".join(out)


def _facts(results: Results, v: View) -> list[str]:
    d, inst = results.data, results.instrument
    facts = [
        f"**Instrument:** {md_escape(inst.title)} ({md_escape(inst.id)})",
        f"**Data:** {md_escape(d.source)}",
        f"**Rows:** {d.rows_analysed} analysed of {d.rows_read}, {len(d.rows_excluded)} excluded",
    ]
    if d.group_by:
        facts.append(f"**Grouped by:** {md_escape(d.group_by)} ({len(results.groups)} groups)")
    facts.append(f"**Threshold:** {v.threshold:g}% (alpha {v.alpha:g}, {md_escape(v.p_adjust)})")
    return [" · ".join(facts), ""]


def _dimensions(results: Results, v: View) -> list[str]:
    """The headline table, its legend, the maturity basis and the item acceptance span."""
    acceptance = f"{v.weighted}acceptance %"
    acceptance = acceptance[:1].upper() + acceptance[1:]
    head = ["Dimension", "n", "Mean", acceptance, "Acceptance 95% CI", "Item range"]
    align = ["---", "--:", "--:", "--:", "--:", "--:"]
    if v.has_tests:
        head += ["p adj.", "Above threshold"]
        align += ["--:", ":-:"]
    if results.reliability:
        head.append("Alpha")
        align.append("--:")
    if v.levels:
        head.append("Maturity")
        align.append("---")
    out = [_row(head), _row(align)]
    for c in v.dimensions:
        cells = [
            f"{md_escape(c.id)} {md_escape(c.name)}",
            str(c.n),
            fmt_num(c.mean),
            fmt_pct(c.pct_agree),
            fmt_range(c.ci_pct_agree),
            fmt_range(c.acceptance_range),
        ]
        if v.has_tests:
            t = v.test("construct", c.id)
            cells += [
                fmt_p(t.p_adj if t else None),
                fmt_yes_no(t.significant if t else None),
            ]
        if results.reliability:
            e = v.reliability(c.id)
            cells.append(fmt_num(e.alpha if e else None))
        if v.levels:
            cells.append(md_escape(v.maturity_text(c.id)))
        out.append(_row(cells))
    out.append("")
    clusters = "the design's clusters" if v.design else "each respondent's answers"
    legend = (
        f"{acceptance}: the dimension's acceptance, the {v.weighted}share of its items' answers "
        f"in the agreement codes, pooled; its 95% CI takes {clusters} as clusters."
    )
    if v.has_tests:
        legend += (
            f" p adj.: one-sided t test of the acceptance against {v.threshold:g}%, "
            f"{md_escape(v.p_adjust_name)}-corrected."
        )
    design = design_text(results)
    if design:
        legend += " " + md_escape(design)
    out += [legend, ""]
    if v.levels:
        out += [f"Maturity bands: {md_escape(v.maturity_basis)}", ""]
    span = v.acceptance_span()
    if span:
        out += [f"Item acceptance ranges from {fmt_pct(span[0])} to {fmt_pct(span[1])}.", ""]
    return out


def _group_differences(results: Results, v: View) -> list[str]:
    tests = [t for c in v.dimensions for t in v.group_tests(c.id)]
    if not tests:
        return []
    head = ["Dimension", "Test", "Statistic", "p adj.", "Effect", "Pairs differing", "Tested"]
    out = [
        f"## Differences by {md_escape(results.data.group_by or 'group')}",
        "",
        _row([*head, "Left out (too small)"]),
        _row(["---", "---", "--:", "--:", "--:", "--:", "--:", "--:"]),
    ]
    for t in tests:
        pairs = t.pairwise
        hits = sum(1 for p in pairs if p.p_adj is not None and p.p_adj < v.alpha)
        out.append(
            _row(
                [
                    md_escape(t.construct),
                    md_escape(t.test),
                    fmt_num(t.statistic),
                    fmt_p(t.p_adj),
                    md_escape(fmt_effect(t.effect)),
                    f"{hits} of {len(pairs)}" if pairs else "-",
                    f"{_count(len(t.groups), 'group')}, {_count(sum(t.group_sizes), 'respondent')}",
                    _count(len(t.excluded_groups), "group") if t.excluded_groups else "none",
                ]
            )
        )
    out.append("")
    minimum = results.options.get("min_group_size", "-")
    sets: dict[tuple[tuple[str, int], ...], list[str]] = {}
    for t in tests:
        key = tuple((e.group, e.n) for e in t.excluded_groups)
        if key:
            sets.setdefault(key, []).append(f"{t.construct} {t.test}")
    for key, which in sets.items():
        scope = "these tests" if len(sets) == 1 else ", ".join(which)
        names = ", ".join(f"{md_escape(g)} (n = {n})" for g, n in key)
        out += [f"Left out of {md_escape(scope)} as smaller than {minimum}: {names}.", ""]
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ledger(results: Results, v: View) -> list[str]:
    counts = v.warning_counts()
    if counts:
        listed = ", ".join(f"{md_escape(k)} x{n}" for k, n in counts.items())
        out = [f"**Warnings:** {sum(counts.values())} ({listed})."]
    else:
        out = ["**Warnings:** none."]
    n_ex = len(results.data.rows_excluded)
    out.append("")
    out.append(f"**Excluded rows:** {n_ex}." + (" See report.html for reasons." if n_ex else ""))
    tool = results.tool
    return [
        *out,
        "",
        f"<sub>{md_escape(tool.name)} {md_escape(tool.version)}; numbers rounded "
        "for reading, full precision in results.json.</sub>",
        "",
    ]
