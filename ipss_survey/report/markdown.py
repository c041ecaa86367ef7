"""summary.md: the headline numbers as Markdown a CI job can post on a pull request or issue.

Text from data files and instruments is escaped so that it renders as text: no table cell can
break the table (``|``), and no HTML or link markup survives.
"""

from __future__ import annotations

import html
import re

from ipss_survey.report.render import (
    View,
    default_title,
    fmt_effect,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_range,
)
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
    d = results.data
    inst = results.instrument
    out = [f"# {md_escape(title or default_title(results))}", ""]
    facts = [
        f"**Instrument:** {md_escape(inst.get('title'))} ({md_escape(inst.get('id'))})",
        f"**Data:** {md_escape(d.get('source'))}",
        f"**Rows:** {d.get('rows_analysed')} analysed of {d.get('rows_read')}, "
        f"{len(d.get('rows_excluded', []))} excluded",
    ]
    if d.get("group_by"):
        facts.append(f"**Grouped by:** {md_escape(d['group_by'])} ({len(results.groups)} groups)")
    facts.append(f"**Threshold:** {v.threshold:g}% (alpha {v.alpha:g}, {md_escape(v.p_adjust)})")
    out += [" · ".join(facts), ""]

    head = ["Dimension", "n", "Mean", "Agree %", "Item range"]
    align = ["---", "--:", "--:", "--:", "--:"]
    if v.has_tests:
        head += ["Agreeing resp. %", "p adj.", "Above threshold"]
        align += ["--:", "--:", ":-:"]
    if results.reliability:
        head.append("Alpha")
        align.append("--:")
    if v.levels:
        head.append("Maturity")
        align.append("---")
    out += [_row(head), _row(align)]
    for c in v.dimensions:
        cells = [
            f"{md_escape(c.id)} {md_escape(c.name)}",
            str(c.n),
            fmt_num(c.mean),
            fmt_pct(c.pct_agree),
            fmt_range(c.acceptance_range),
        ]
        if v.has_tests:
            t = v.test("construct", c.id) or {}
            sig = t.get("significant")
            cells += [
                fmt_pct(t.get("pct_agree")),
                fmt_p(t.get("p_adj")),
                "-" if sig is None else ("yes" if sig else "no"),
            ]
        if results.reliability:
            cells.append(fmt_num((v.reliability(c.id) or {}).get("alpha")))
        if v.levels:
            m = v.maturity(c.id) or {}
            level = m.get("level")
            cells.append("-" if level is None else f"{level} {md_escape(m.get('label'))}")
        out.append(_row(cells))
    out.append("")
    legend = "Agree %: the dimension's answers in the agreement codes, pooled."
    if v.has_tests:
        legend += (
            " Agreeing resp. %: respondents whose mean score reaches agreement; p adj.: "
            f"one-sided exact binomial test against {v.threshold:g}%, {md_escape(v.p_adjust)}."
        )
    out += [legend, ""]
    if v.levels:
        out += [f"Maturity bands: {md_escape(v.maturity_basis)}", ""]
    span = v.acceptance_span()
    if span:
        out += [f"Item acceptance ranges from {fmt_pct(span[0])} to {fmt_pct(span[1])}.", ""]

    tests = [t for c in v.dimensions for t in v.group_tests(c.id)]
    if tests:
        out += [
            f"## Differences by {md_escape(d.get('group_by') or 'group')}",
            "",
            _row(["Dimension", "Test", "Statistic", "p adj.", "Effect", "Pairs differing"]),
            _row(["---", "---", "--:", "--:", "--:", "--:"]),
        ]
        for t in tests:
            pairs = t.get("pairwise") or []
            hits = sum(1 for p in pairs if p.get("p_adj") is not None and p["p_adj"] < v.alpha)
            out.append(
                _row(
                    [
                        md_escape(t.get("construct")),
                        md_escape(t.get("test")),
                        fmt_num(t.get("statistic")),
                        fmt_p(t.get("p_adj")),
                        md_escape(fmt_effect(t.get("effect"))),
                        f"{hits} of {len(pairs)}" if pairs else "-",
                    ]
                )
            )
        out.append("")

    counts = v.warning_counts()
    if counts:
        listed = ", ".join(f"{md_escape(k)} x{n}" for k, n in counts.items())
        out.append(f"**Warnings:** {sum(counts.values())} ({listed}).")
    else:
        out.append("**Warnings:** none.")
    n_ex = len(d.get("rows_excluded", []))
    out.append("")
    out.append(f"**Excluded rows:** {n_ex}." + (" See report.html for reasons." if n_ex else ""))
    tool = results.tool or {}
    out += [
        "",
        f"<sub>{md_escape(tool.get('name'))} {md_escape(tool.get('version'))}; numbers rounded "
        "for reading, full precision in results.json.</sub>",
        "",
    ]
    return "\n".join(out)
