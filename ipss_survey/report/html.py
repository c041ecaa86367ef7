"""report.html: one self-contained page (charts embedded, no requests) drawn from Results.

Summary first, then one section per dimension, then groups, methods, warnings and excluded
rows. Every string from a data file or an instrument passes through ``esc``; only markup built
here is wrapped in ``Safe``. A Content-Security-Policy forbids the page from loading anything,
so a stray external URL would fail loudly in a browser instead of leaking a request.
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from ipss_survey.report.charts.jobs import render_charts
from ipss_survey.report.charts.plans import ChartImage
from ipss_survey.report.format import (
    fmt_ci,
    fmt_df,
    fmt_effect,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_range,
    fmt_yes_no,
)
from ipss_survey.report.methods import definitions, design_text, scale_rows
from ipss_survey.report.view import View, default_title
from ipss_survey.results import AcceptanceTest, Results
from ipss_survey.scoring import ConstructStats, ItemStats
from ipss_survey.stats.groups import PairwiseTest

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
PAIRS_SHOWN = 10  # differing pairs named in the page; all of them are in report.xlsx


class Safe(str):
    """Markup built by this module: inserted as is, never escaped again."""


def esc(value: Any) -> str:
    if isinstance(value, Safe):
        return value
    return html.escape("" if value is None else str(value), quote=True)


def _css() -> str:
    return (
        resources.files("ipss_survey.report")
        .joinpath("templates", "report.css")
        .read_text(encoding="utf-8")
    )


def _table(
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
    caption: str | None = None,
) -> Safe:
    """A table inside a horizontally scrollable wrapper; columns are (header, css class)."""
    head = "".join(
        f'<th scope="col"{f" class={cls!r}" if cls else ""}>{esc(h)}</th>' for h, cls in columns
    )
    body = []
    for row in rows:
        cells = "".join(
            f"<td{f' class={cls!r}' if cls else ''}>{esc(v)}</td>"
            for v, (_, cls) in zip(row, columns, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Safe(
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24:
        return struct.unpack(">II", png[16:24])
    return (0, 0)


def _figure(chart: ChartImage) -> str:
    w, h = _png_size(chart.png)
    data = base64.b64encode(chart.png).decode("ascii")
    size = f' width="{w}" height="{h}"' if w and h else ""
    cap = f"<figcaption>{esc(chart.caption)}</figcaption>" if chart.caption else ""
    return (
        f'<figure id="chart-{esc(chart.name)}"><img src="data:image/png;base64,{data}" '
        f'alt="{esc(chart.title)}"{size}>{cap}</figure>'
    )


class _Report:
    """Builds the page section by section; each method returns escaped HTML."""

    def __init__(self, results: Results, title: str, charts: Sequence[ChartImage]) -> None:
        self.r = results
        self.v = View(results)
        self.title = title
        self.charts = charts

    def figures(self, section: str) -> str:
        return "".join(_figure(c) for c in self.charts if c.section == section)

    # ------------------------------------------------------------------ summary

    def facts(self) -> str:
        r, d = self.r, self.r.data
        inst = r.instrument
        n_groups = len(r.groups)
        rows: list[tuple[str, str]] = [
            (
                "Instrument",
                f"{esc(inst.title)} ({esc(inst.id)}, version {esc(inst.version or '-')})",
            ),
            ("Data", f"{esc(d.source)} <small>({esc(d.format or 'file')})</small>"),
            (
                "Rows",
                f"{esc(d.rows_analysed)} analysed of {esc(d.rows_read)} read; "
                f'<a href="#excluded">{len(d.rows_excluded)} excluded</a>',
            ),
        ]
        if d.group_by:
            rows.append(
                ("Grouped by", f'<a href="#groups">{esc(d.group_by)}</a>: {n_groups} group(s)')
            )
        if d.design is not None:
            rows.append(("Survey design", esc(design_text(r))))
        rows.append(
            (
                "Acceptance threshold",
                f"{esc(f'{self.v.threshold:g}')}% (significance level "
                f"{esc(f'{self.v.alpha:g}')}, {esc(self.v.p_adjust)} correction)",
            )
        )
        n_warn = len(d.warnings)
        rows.append(("Warnings", f'<a href="#warnings">{n_warn}</a>'))
        body = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
        return f'<dl class="facts">{body}</dl>'

    def headline(self) -> str:
        dims = [c for c in self.v.dimensions if c.pct_agree is not None]
        parts = []
        if dims:
            lo = min(dims, key=lambda c: c.pct_agree)
            hi = max(dims, key=lambda c: c.pct_agree)
            parts.append(
                f"Agreement by dimension runs from {esc(fmt_pct(lo.pct_agree))} "
                f"({esc(lo.id)} {esc(lo.name)}) to {esc(fmt_pct(hi.pct_agree))} "
                f"({esc(hi.id)} {esc(hi.name)})."
            )
        span = self.v.acceptance_span()
        if span:
            parts.append(
                f"Item acceptance ranges from {esc(fmt_pct(span[0]))} to {esc(fmt_pct(span[1]))}."
            )
        if self.v.has_tests:
            above = [
                c.id
                for c in self.v.dimensions
                if (t := self.v.test("construct", c.id)) is not None and t.significant
            ]
            parts.append(
                f"{len(above)} of {len(self.v.dimensions)} dimensions are significantly above "
                f"{esc(f'{self.v.threshold:g}')}%."
            )
        return f'<p class="headline">{" ".join(parts)}</p>' if parts else ""

    def construct_table(
        self, constructs: Sequence[ConstructStats], caption: str, header: str = "Dimension"
    ) -> str:
        v = self.v
        cols = [
            (header, ""),
            ("Items", "num"),
            ("n", "num"),
            ("Mean", "num"),
            ("SD", "num"),
            ("Agree %", "num"),
            ("95% CI", "num"),
            ("Item range", "num"),
        ]
        tested = v.has_tests
        if tested:
            cols += [("p adj.", "num"), ("Above threshold", "")]
        rel = any(v.reliability(c.id) for c in constructs)
        if rel:
            cols.append(("Alpha", "num"))
        if v.levels:
            cols.append(("Maturity", ""))
        rows = []
        for c in constructs:
            row: list[Any] = [
                f"{c.id} {c.name}",
                len(c.items),
                c.n,
                fmt_num(c.mean),
                fmt_num(c.sd),
                fmt_pct(c.pct_agree),
                fmt_range(c.ci_pct_agree),
                fmt_range(c.acceptance_range),
            ]
            if tested:
                t = v.test("construct", c.id)
                row += [fmt_p(t.p_adj if t else None), _sig(t)]
            if rel:
                e = v.reliability(c.id)
                row.append(fmt_num(e.alpha if e else None))
            if v.levels:
                row.append(v.maturity_text(c.id))
            rows.append(row)
        return _table(cols, rows, caption)

    def columns_note(self) -> str:
        v = self.v
        weighted = "weighted share of the" if v.design else "share of the"
        text = (
            f"Agree %: the dimension's acceptance, the {weighted} answers to its items in the "
            "agreement codes, pooled after reverse keying; 95% CI: its interval, each "
            f"respondent's answers {'within the design' if v.design else ''} taken as one "
            "cluster. Item range: its lowest and highest item acceptance."
        ).replace("  ", " ")
        if v.has_tests:
            text += (
                f" p adj.: one-sided t test of Agree % against {v.threshold:g}%, "
                f"{v.p_adjust_name}-corrected; above threshold: p adj. < {v.alpha:g}."
            )
        return f'<p class="note">{esc(text)}</p>'

    def maturity_note(self) -> str:
        v = self.v
        if not v.levels:
            return ""
        bands = "; ".join(f"{i} {lv.label} from {lv.min:g}" for i, lv in enumerate(v.levels, 1))
        return (
            f'<p class="basis"><strong>Maturity bands.</strong> {esc(v.maturity_basis)} '
            f"Levels: {esc(bands)}.</p>"
        )

    def summary(self) -> str:
        return (
            '<section id="summary"><h2>Summary</h2>'
            + self.facts()
            + self.headline()
            + self.construct_table(self.v.dimensions, "Dimensions")
            + self.columns_note()
            + self.maturity_note()
            + self.figures("summary")
            + "</section>"
        )

    # ------------------------------------------------------------------ dimensions

    def item_table(self, items: Sequence[ItemStats]) -> str:
        v = self.v
        reverse = any(it.reverse for it in items)
        cols = [
            ("Code", "nw"),
            ("Statement", "text"),
            ("n", "num"),
            ("Missing", "num"),
            ("Mean", "num"),
            ("SD", "num"),
            ("Disagree %", "num"),
            ("Neutral %", "num"),
            ("Agree %", "num"),
        ]
        if reverse:
            cols.append(("Favourable %", "num"))
        if v.has_tests:
            ci_name = "95% CI" if v.design else "Wilson 95% CI"
            cols += [(ci_name, "num"), ("p adj.", "num"), ("Above threshold", "")]
        rows = []
        for it in items:
            code = it.code + (" (R)" if it.reverse else "")
            row: list[Any] = [
                code,
                it.text or "-",
                it.n,
                it.missing,
                fmt_num(it.mean),
                fmt_num(it.sd),
                fmt_pct(it.pct_disagree),
                fmt_pct(it.pct_neutral),
                fmt_pct(it.pct_agree),
            ]
            if reverse:
                row.append(fmt_pct(it.pct_favourable))
            if v.has_tests:
                t = v.test("item", it.code)
                row += [
                    fmt_range(t.ci if t else None),
                    fmt_p(t.p_adj if t else None),
                    _sig(t),
                ]
            rows.append(row)
        return _table(cols, rows, "Items")

    def reliability(self, family: Sequence[ConstructStats]) -> str:
        v = self.v
        entries = [(c, v.reliability(c.id)) for c in family]
        entries = [(c, e) for c, e in entries if e and e.k > 1]  # 1 item: no alpha
        if not entries:
            return ""
        cols = [
            ("Construct", ""),
            ("k", "num"),
            ("n", "num"),
            ("Alpha", "num"),
            ("Alpha 95% CI (Feldt)", "num"),
            ("Alpha std.", "num"),
            ("Mean r", "num"),
            ("Omega total", "num"),
        ]
        rows = [
            [
                f"{c.id} {c.name}",
                e.k,
                e.n,
                fmt_num(e.alpha),
                fmt_ci(e.alpha_ci),
                fmt_num(e.alpha_std),
                fmt_num(e.average_r),
                fmt_num(e.omega_total),
            ]
            for c, e in entries
        ]
        out = "<h3>Reliability</h3>" + _table(cols, rows, "Internal consistency")
        first = entries[0][1]
        if first.items:
            out += _table(
                [("Item", ""), ("Item-rest r", "num"), ("Alpha if deleted", "num")],
                [[i.code, fmt_num(i.r_drop), fmt_num(i.alpha_if_deleted)] for i in first.items],
                f"Items of {entries[0][0].id}",
            )
        return out

    def group_tests(self, family: Sequence[ConstructStats]) -> str:
        v = self.v
        entries = [(c, t) for c in family for t in v.group_tests(c.id)]
        if not entries:
            return ""
        cols = [
            ("Construct", ""),
            ("Test", "nw"),
            ("Statistic", "num"),
            ("df", "num"),
            ("p", "num"),
            ("p adj.", "num"),
            ("Effect", "num"),
            (f"Pairs with p adj. < {v.alpha:g}", "num"),
        ]
        rows = []
        for c, t in entries:
            pairs = t.pairwise
            rows.append(
                [
                    f"{c.id} {c.name}",
                    t.test,
                    fmt_num(t.statistic),
                    fmt_df(t.df),
                    fmt_p(t.p_value),
                    fmt_p(t.p_adj),
                    fmt_effect(t.effect),
                    f"{len(_hits(pairs, v.alpha))} of {len(pairs)}" if pairs else "-",
                ]
            )
        by = self.r.data.group_by or "group"
        out = "<h3>Differences between groups</h3>" + _table(cols, rows, f"By {by}")
        return out + self.pairs(family[0], by)

    def pairs(self, construct: ConstructStats, by: str) -> str:
        """The dimension's differing pairs as prose: a table cell cannot hold hundreds."""
        v = self.v
        for t in v.group_tests(construct.id):
            hits = sorted(_hits(t.pairwise, v.alpha), key=lambda p: p.p_adj)
            if not hits:
                continue
            shown = "; ".join(
                f"{p.a} vs {p.b} (p adj. {fmt_p(p.p_adj)})" for p in hits[:PAIRS_SHOWN]
            )
            more = len(hits) - PAIRS_SHOWN
            tail = f"; and {more} more (report.xlsx, sheet Group pairwise)" if more > 0 else ""
            return (
                f'<p class="note">Pairs of {esc(by)} values differing on {esc(construct.id)} '
                f"({esc(t.test)} follow-up, smallest p adj. first): "
                f"{esc(shown)}{esc(tail)}.</p>"
            )
        return ""

    def dimension(self, index: int, dim: ConstructStats) -> str:
        v = self.v
        family = v.family(dim.id)
        facts = [
            f"{len(dim.items)} item{'s' if len(dim.items) != 1 else ''}",
            f"n = {dim.n}",
            f"mean {fmt_num(dim.mean)} (SD {fmt_num(dim.sd)})",
            f"agreement {fmt_pct(dim.pct_agree)} (items {fmt_range(dim.acceptance_range)})",
        ]
        m = v.maturity(dim.id)
        if m and m.level is not None:
            facts.append(f"maturity level {m.level} of {len(v.levels)}: {m.label}")
        out = [
            f'<section class="dimension" id="dim-{index}">',
            f"<h2>{esc(dim.id)} {esc(dim.name)}</h2>",
            f"<p>{esc(' · '.join(facts))}</p>",
            self.figures(dim.id),
        ]
        if len(family) > 1:
            out.append(self.construct_table(family[1:], "Sub-dimensions", "Sub-dimension"))
        out.append(self.item_table(v.items_of(dim)))
        out.append(self.reliability(family))
        out.append(self.group_tests(family))
        out.append("</section>")
        return "".join(out)

    # ------------------------------------------------------------------ other questions

    def questions(self) -> str:
        """Multi-select and categorical questions: each option's share, with a chart."""
        r = self.r
        blocks = []
        for kind, summaries in (
            ("Several answers allowed", r.multiple_choice or []),
            ("One answer", r.categories or []),
        ):
            for q in summaries:
                rows = [[o.label, o.count, fmt_pct(o.pct)] for o in q.options]
                if q.other:
                    rows.append(["(an answer matching no option)", q.other, "-"])
                caption = f"{q.id}: {q.text or '-'} ({kind.lower()}; {q.n} answered)"
                blocks.append(
                    _table([("Option", ""), ("Chosen", "num"), ("%", "num")], rows, caption)
                )
        if not blocks:
            return ""
        return (
            '<section id="questions"><h2>Other questions</h2>'
            '<p class="note">Shares are of the respondents who answered each question; with '
            "several answers allowed they may add up to more than 100%.</p>"
            + "".join(blocks)
            + self.figures("questions")
            + "</section>"
        )

    # ------------------------------------------------------------------ groups

    def groups(self) -> str:
        r, v = self.r, self.v
        if not r.groups:
            return ""
        dims = v.dimensions
        cols = [("Group", ""), ("n", "num")] + [(d.id, "num") for d in dims]
        rows = []
        for g in r.groups:
            by_id = {c.id: c for c in g.constructs}
            cells: list[Any] = [g.group, g.n]
            for d in dims:
                c = by_id.get(d.id)
                cells.append(
                    Safe(f"{esc(fmt_num(c.mean))}<br><small>{esc(fmt_pct(c.pct_agree))}</small>")
                    if c
                    else "-"
                )
            rows.append(cells)
        names = "; ".join(f"{d.id} {d.name}" for d in dims)
        return (
            '<section id="groups"><h2>Groups</h2>'
            f"<p>By {esc(r.data.group_by)}: each cell holds the dimension's mean score and, "
            f"below it, its agreement. Groups smaller than "
            f"{esc(r.options.get('min_group_size', '-'))} are left out of the group tests. "
            f"Dimensions: {esc(names)}.</p>"
            + _table(cols, rows, "Dimension mean and agreement by group")
            + self.figures("groups")
            + "</section>"
        )

    # ------------------------------------------------------------------ methods

    def methods(self) -> str:
        r, v = self.r, self.v
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(t)}</dd>" for k, t in definitions(r))
        out = [
            '<section id="methods"><h2>Methods</h2>',
            f'<dl class="facts">{dl}</dl>',
        ]
        rows = scale_rows(r)
        if rows:
            out.append(
                _table(
                    [("Code", "num"), ("Label", ""), ("Counts as", "")],
                    rows,
                    "Response scale (dimensions may define their own)",
                )
            )
        if v.levels:
            bands = []
            for i, lv in enumerate(v.levels, 1):
                nxt = v.levels[i].min if i < len(v.levels) else None
                bands.append([i, lv.label, f"{lv.min:g}", "-" if nxt is None else f"{nxt:g}"])
            out.append(
                _table(
                    [("Level", "num"), ("Label", ""), ("From mean", "num"), ("Below", "num")],
                    bands,
                    f"Maturity bands: {v.maturity_basis}",
                )
            )
        out.append(
            _table(
                [("Option", ""), ("Value", "")],
                [[k, _option(val)] for k, val in r.options.items()],
                "Options of this run",
            )
        )
        tool = r.tool
        deps = [[k, val or "not installed"] for k, val in tool.dependencies.items()]
        out.append(
            _table(
                [("Software", ""), ("Version", "")],
                [[tool.name, tool.version], *deps],
                "Software",
            )
        )
        out.append(
            f'<p class="note">Data file SHA-256: <code>{esc(r.data.sha256)}</code>. '
            f"results.json schema version {esc(r.schema_version)}.</p>"
        )
        if r.instrument.source:
            out.append(f'<p class="note">Instrument source: {esc(r.instrument.source)}</p>')
        out.append("</section>")
        return "".join(out)

    def warnings(self) -> str:
        ws = self.r.data.warnings
        body = (
            _table(
                [("Code", ""), ("Item", ""), ("Count", "num"), ("Message", "text")],
                [[w.code, w.item or "-", w.count or "-", w.message] for w in ws],
                f"{len(ws)} warning(s)",
            )
            if ws
            else "<p>No warnings.</p>"
        )
        return f'<section id="warnings"><h2>Warnings</h2>{body}</section>'

    def excluded(self) -> str:
        rows = self.r.data.rows_excluded
        body = (
            _table(
                [("Row", "num"), ("Id", ""), ("Reason", "text")],
                [[e.row, e.id or "-", e.reason] for e in rows],
                f"{len(rows)} row(s) left out (row = 1-based data row)",
            )
            if rows
            else "<p>No rows were excluded.</p>"
        )
        return f'<section id="excluded"><h2>Excluded rows</h2>{body}</section>'

    # ------------------------------------------------------------------ page

    def page(self) -> str:
        r, v = self.r, self.v
        dims = v.dimensions
        nav = [("summary", "Summary")]
        nav += [(f"dim-{i}", f"{d.id} {d.name}") for i, d in enumerate(dims, 1)]
        if r.multiple_choice or r.categories:
            nav.append(("questions", "Other questions"))
        if r.groups:
            nav.append(("groups", "Groups"))
        nav += [("methods", "Methods"), ("warnings", "Warnings"), ("excluded", "Excluded rows")]
        links = "".join(f'<li><a href="#{a}">{esc(t)}</a></li>' for a, t in nav)
        sub = (
            f"Data: {r.data.source} · {r.data.rows_analysed} respondents · "
            f"instrument {r.instrument.id}"
        )
        tool = r.tool
        return "".join(
            [
                "<!DOCTYPE html>\n",
                '<html lang="en"><head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
                f'<meta name="generator" content="{esc(tool.name)} {esc(tool.version)}">',
                f"<title>{esc(self.title)}</title>",
                f"<style>\n{_css()}</style></head>\n<body>\n",
                f'<header><h1>{esc(self.title)}</h1><p class="subtitle">{esc(sub)}</p></header>\n',
                f'<nav aria-label="Contents"><ul>{links}</ul></nav>\n<main>\n',
                self.summary(),
                "\n",
                "\n".join(self.dimension(i, d) for i, d in enumerate(dims, 1)),
                "\n",
                self.questions(),
                self.groups(),
                self.methods(),
                self.warnings(),
                self.excluded(),
                "\n</main>\n",
                f"<footer>Made by {esc(tool.name)} {esc(tool.version)} from "
                f"results.json (schema {esc(r.schema_version)}). Numbers are rounded for "
                "reading; results.json holds them at full precision.</footer>\n",
                "</body></html>\n",
            ]
        )


def _hits(pairs: Sequence[PairwiseTest], alpha: float) -> list[PairwiseTest]:
    return [p for p in pairs if p.p_adj is not None and p.p_adj < alpha]


def _option(value: Any) -> str:
    if value is None:
        return "-"
    return fmt_yes_no(value) if isinstance(value, bool) else str(value)


def _sig(test: AcceptanceTest | None) -> str:
    return "-" if test is None else fmt_yes_no(test.significant)


def html_report(
    results: Results,
    title: str | None = None,
    charts: Sequence[ChartImage] | None = None,
) -> str:
    """The whole page as text; charts are drawn here unless already rendered (``charts``)."""
    if charts is None:
        charts = [
            ChartImage(p.name, p.title, p.section, p.caption, drawn["png"])
            for p, drawn in render_charts(results, ("png",))
        ]
    return _Report(results, title or default_title(results), charts).page()
