"""report.html: one self-contained page (charts embedded, no requests) drawn from Results.

Summary first, then one section per dimension, the other questions, each open-ended
question's themes, the classifications, groups, methods, warnings and excluded rows. Every
string from a data file or an instrument passes through ``esc``; only markup built here is
wrapped in ``Safe``. A Content-Security-Policy forbids the page from loading anything (and
from running any script), so a stray external URL would fail loudly in a browser instead of
leaking a request.

On a phone (390 CSS px) nothing is wider than the page: a table wider than the screen scrolls
inside its wrapper, which then says so ("scroll sideways", a fading edge: CSS alone, since the
page runs no script), and a chart is shown no narrower than keeps its smallest text at 9 CSS
px (``chart_widths``).
"""

from __future__ import annotations

import base64
import html
import struct
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from ipss_survey.report.charts.jobs import render_charts
from ipss_survey.report.charts.plans import ChartImage, theme_section
from ipss_survey.report.charts.style import DPI, MIN_FONT, MIN_TEXT_PX
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
from ipss_survey.results import (
    AcceptanceTest,
    GroupTestEntry,
    OpenAnswers,
    Results,
    ThemeEntry,
)
from ipss_survey.scoring import ConstructStats, ItemStats
from ipss_survey.scoring.classification import ClassCount, ClassificationSummary
from ipss_survey.stats.groups import PairwiseTest

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
PAIRS_SHOWN = 10  # differing pairs named in the page; all of them are in report.xlsx
CHART_CSS_PX_PER_INCH = 128  # a chart's widest on a desktop: its text at about 15 CSS px


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
    cap = f"<caption><span>{esc(caption)}</span></caption>" if caption else ""
    return Safe(
        f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) >= 24:
        return struct.unpack(">II", png[16:24])
    return (0, 0)


def chart_widths(png: bytes) -> tuple[int, int] | None:
    """The narrowest and widest a chart is shown (CSS px), from its PNG's size at ``DPI``.

    Narrowest: where its smallest text (``MIN_FONT`` points) is ``MIN_TEXT_PX`` CSS px, so
    that on a phone a chart wider than the screen scrolls sideways instead of shrinking
    below legibility (a chart of ``WIDTH`` fits a 390 px phone). Widest: where its text is
    about 15 px, so a desktop does not blow it up. None when the size cannot be read.
    """
    w, _ = _png_size(png)
    if not w:
        return None
    inches = w / DPI
    narrowest = inches * 72 * MIN_TEXT_PX / MIN_FONT
    return int(narrowest + 0.999), round(inches * CHART_CSS_PX_PER_INCH)


def _figure(chart: ChartImage) -> str:
    w, h = _png_size(chart.png)
    data = base64.b64encode(chart.png).decode("ascii")
    size = f' width="{w}" height="{h}"' if w and h else ""
    widths = chart_widths(chart.png)
    style = f' style="min-width:{widths[0]}px;max-width:{widths[1]}px"' if widths else ""
    cap = f"<figcaption>{esc(chart.caption)}</figcaption>" if chart.caption else ""
    return (
        f'<figure id="chart-{esc(chart.name)}"><div class="chart-wrap">'
        f'<img src="data:image/png;base64,{data}" alt="{esc(chart.title)}"{size}{style}>'
        f"</div>{cap}</figure>"
    )


class _Report:
    """Builds the page section by section; each method returns escaped HTML."""

    def __init__(self, results: Results, title: str, charts: Sequence[ChartImage]) -> None:
        self.r = results
        self.v = View(results)
        self.title = title
        self.charts = charts

    def figures(self, section: str) -> str:
        """The section's charts: one column on a phone, side by side where there is room."""
        shown = [_figure(c) for c in self.charts if c.section == section]
        return f'<div class="figures">{"".join(shown)}</div>' if shown else ""

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
                f"{esc(_sentence(f'{self.v.weighted}acceptance'))} by dimension runs from "
                f"{esc(_with_ci(lo))} "
                f"({esc(lo.id)} {esc(lo.name)}) to {esc(_with_ci(hi))} "
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
            (acceptance_header(v), "num"),
            ("Acceptance 95% CI", "num"),
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
        weighted = f"{v.weighted}share of the"
        clusters = "the design's clusters" if v.design else "each respondent's answers"
        text = (
            f"{acceptance_header(v)}: the dimension's acceptance, the {weighted} answers to its "
            "items in the agreement codes, pooled after reverse keying; acceptance 95% CI: its "
            f"interval, {clusters} taken as clusters. Item range: its lowest and highest item "
            "acceptance."
        )
        if v.has_tests:
            text += (
                f" p adj.: one-sided t test of the acceptance against {v.threshold:g}%, "
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
            ("Agree % (acceptance)", "num"),
        ]
        if reverse:
            cols.append(("Favourable %", "num"))
        if v.has_tests:
            ci_name = "Acceptance 95% CI" if v.design else "Acceptance Wilson 95% CI"
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
        caption = "Items" + (" (percentages weighted)" if v.weighted else "")
        return _table(cols, rows, caption)

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
            ("Tested", "num"),
            ("Left out (too small)", "num"),
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
                    coverage(t),
                    _plural(len(t.excluded_groups), "group") if t.excluded_groups else "none",
                ]
            )
        by = self.r.data.group_by or "group"
        out = "<h3>Differences between groups</h3>" + _table(cols, rows, f"By {by}")
        return out + self.left_out([t for _, t in entries]) + self.pairs(family[0], by)

    def left_out(self, tests: Sequence[GroupTestEntry]) -> str:
        """Which groups the tests left out as too small, named once per distinct set."""
        sets: dict[tuple[tuple[str, int], ...], list[str]] = {}
        for t in tests:
            key = tuple((e.group, e.n) for e in t.excluded_groups)
            if key:
                sets.setdefault(key, []).append(f"{t.construct} {t.test}")
        if not sets:
            return ""
        minimum = self.r.options.get("min_group_size", "-")
        notes = []
        for key, which in sets.items():
            scope = "the tests above" if len(sets) == 1 else "; ".join(which)
            names = ", ".join(f"{g} (n = {n})" for g, n in key)
            notes.append(f"Left out of {scope} as smaller than {minimum}: {names}.")
        return "".join(f'<p class="note">{esc(n)}</p>' for n in notes)

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
            f"{v.weighted}mean {fmt_num(dim.mean)} (SD {fmt_num(dim.sd)})",
            f"{v.weighted}acceptance {_with_ci(dim)}, items {fmt_range(dim.acceptance_range)}",
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

    # ------------------------------------------------------------------ open answers

    def open_answers(self) -> str:
        """One section per open-ended question: its themes' shares (chart and table), the
        answers matching none, examples as written, co-occurrence, coders' agreement."""
        themes = self.r.themes or []
        return "".join(self.open_question(q, themes) for q in self.r.open_answers or [])

    def open_question(self, q: OpenAnswers, themes: Sequence[ThemeEntry]) -> str:
        own = [t for t in themes if t.item == q.item]
        by_id = {t.theme: t for t in own}
        ordered = [by_id[t] for t in q.theme_ids if t in by_id]
        answered = f"{q.nonempty} of {_plural(q.answers, 'respondent')} answered"
        facts = (
            f"{answered}; {_share(q.unmatched, q.pct_unmatched)} of the answers matched no "
            f"theme of the codebook {q.codebook}. Shares are of those who answered; an answer "
            "may mention several themes, so they can add up to more than 100%."
        )
        rows = [[_named(t.name, t.theme), t.respondents, fmt_pct(t.pct)] for t in ordered]
        rows.append(["No theme (matched none)", q.unmatched, fmt_pct(q.pct_unmatched)])
        section = theme_section(q.item)
        out = [
            f'<section class="open" id="{esc(section)}">',
            f"<h2>{esc(q.item)}: open-ended answers</h2>",
            f'<p class="question">{esc(q.text or "-")}</p>',
            f"<p>{esc(facts)}</p>",
            self.figures(section),
            _table(
                [("Theme", ""), ("Respondents", "num"), ("%", "num")],
                rows,
                f"Themes of {q.item} (% of the {q.nonempty} who answered)",
            ),
            self.theme_groups(q, ordered),
            self.examples(ordered),
            self.cooccurrence(q, by_id),
            self.agreement(q, by_id),
            "</section>",
        ]
        return "".join(out)

    def theme_groups(self, q: OpenAnswers, themes: Sequence[ThemeEntry]) -> str:
        """Each theme's share per group, when the run is grouped."""
        if not self.r.groups or not themes:
            return ""
        groups = [g.group for g in self.r.groups]
        cells = {(t.theme, g.group): g for t in themes for g in t.groups}
        rows = []
        for name in groups:
            row: list[Any] = [name]
            for t in themes:
                g = cells.get((t.theme, name))
                row.append(_share(g.respondents, g.pct, 0) if g else "-")
            rows.append(row)
        by = self.r.data.group_by or "group"
        cols = [(by, "")] + [(t.theme, "num") for t in themes]
        return _table(
            cols, rows, f"Themes of {q.item} by {by}: respondents (% of those who answered)"
        )

    def examples(self, themes: Sequence[ThemeEntry]) -> str:
        """Up to five answers per theme, in data order, exactly as written."""
        blocks = []
        for t in themes:
            if not t.examples:
                continue
            quotes = "".join(f"<li>{esc(a)}</li>" for a in t.examples)
            blocks.append(
                f"<dt>{esc(t.name)} <small>({esc(t.theme)}; "
                f"{esc(_plural(t.respondents, 'respondent'))})</small></dt>"
                f'<dd><ul class="quotes">{quotes}</ul></dd>'
            )
        if not blocks:
            return ""
        return (
            '<h3>Examples</h3><p class="note">Up to five answers per theme, in the order of '
            "the data file, as written.</p>"
            f'<dl class="examples">{"".join(blocks)}</dl>'
        )

    def cooccurrence(self, q: OpenAnswers, by_id: dict[str, ThemeEntry]) -> str:
        """Respondents whose answer mentions both themes; the diagonal is each theme's own."""
        ids = q.theme_ids
        if len(ids) < 2 or len(q.cooccurrence) != len(ids):
            return ""
        cols = [("Theme", "")] + [(t, "num") for t in ids]
        rows = [[self.theme_name(a, by_id), *q.cooccurrence[i]] for i, a in enumerate(ids)]
        return "<h3>Themes mentioned together</h3>" + _table(
            cols, rows, "Respondents mentioning both (diagonal: the theme alone)"
        )

    def agreement(self, q: OpenAnswers, by_id: dict[str, ThemeEntry]) -> str:
        """Coders' agreement per theme: Krippendorff's alpha, and kappa for each pair."""
        if not q.agreement:
            return ""
        coders = ", ".join(q.coders or [])
        note = (
            f"Coders: {coders}; 'codebook' is the automatic coding. Cohen's kappa is the "
            "agreement of two codings beyond the agreement chance alone would give them at the "
            "rates they use the theme: 1 is perfect, 0 no better than chance, below 0 worse. "
            "For a rare theme kappa is unstable: when both mostly leave a theme out, chance "
            "agreement is already near 100%, so a single disagreement can bring kappa to 0 or "
            "below while the raw agreement stays high; read it with its interval and the raw "
            "agreement. Krippendorff's alpha is over the human coders, on the answers two or "
            "more of them coded."
        )
        themes = [
            [
                self.theme_name(a.theme, by_id),
                ", ".join(f"{k} {n}" for k, n in a.mentions.items()),
                fmt_num(a.alpha),
                a.alpha_units,
            ]
            for a in q.agreement
        ]
        pairs = [
            [
                self.theme_name(a.theme, by_id),
                f"{k.first} and {k.second}",
                k.n,
                fmt_num(k.kappa),
                fmt_ci(k.ci),
                fmt_pct(None if k.agreement is None else 100 * k.agreement),
            ]
            for a in q.agreement
            for k in a.pairs
        ]
        return (
            "<h3>Agreement between coders</h3>"
            f'<p class="note">{esc(note)}</p>'
            + _table(
                [
                    ("Theme", ""),
                    ("Answers given the theme", ""),
                    ("Krippendorff's alpha", "num"),
                    ("Answers", "num"),
                ],
                themes,
                "Per theme",
            )
            + _table(
                [
                    ("Theme", ""),
                    ("Pair", ""),
                    ("Answers", "num"),
                    ("Cohen's kappa", "num"),
                    ("Kappa 95% CI", "num"),
                    ("Raw agreement", "num"),
                ],
                pairs,
                "Per pair of codings",
            )
        )

    @staticmethod
    def theme_name(theme: str, by_id: dict[str, ThemeEntry]) -> str:
        t = by_id.get(theme)
        return _named(t.name, theme) if t and t.name else theme

    # ------------------------------------------------------------------ classifications

    def classifications(self) -> str:
        """Each classification's classes: counts and shares, unclassified and unmatched
        cases, and the same per group."""
        found = self.r.classifications or []
        if not found:
            return ""
        blocks = [self.classification(c) for c in found]
        return (
            '<section id="classes"><h2>Classifications</h2>'
            '<p class="note">Each case takes the first class whose rules hold; unclassified: '
            "its missing answers leave the class open; unmatched: no class holds and the "
            "classification has no class for the rest. Shares are of the cases analysed.</p>"
            + "".join(blocks)
            + "</section>"
        )

    def classification(self, c: ClassificationSummary) -> str:
        rows: list[list[Any]] = [[_class_name(k), k.count, fmt_pct(k.pct)] for k in c.classes]
        rows.append(["Unclassified (answers missing)", c.unclassified, fmt_pct(c.pct_unclassified)])
        if c.unmatched or not any(k.otherwise for k in c.classes):
            rows.append(["Unmatched (no class holds)", c.unmatched, fmt_pct(c.pct_unmatched)])
        out = [
            f"<h3>{esc(c.name)} <small>({esc(c.id)})</small></h3>",
            _table([("Class", ""), ("Cases", "num"), ("%", "num")], rows, f"{c.n} cases"),
        ]
        if c.absent:
            out.append(
                '<p class="note">No answers in the data for '
                f"{esc(', '.join(c.absent))}: every rule on them is undecided.</p>"
            )
        if c.groups:
            cols = [(self.r.data.group_by or "Group", ""), ("n", "num")]
            cols += [(k.name, "num") for k in c.classes]
            cols += [("Unclassified", "num"), ("Unmatched", "num")]
            grows = [
                [
                    g.group,
                    g.n,
                    *(_share(k.count, k.pct) for k in g.classes),
                    _share(g.unclassified, g.pct_unclassified),
                    _share(g.unmatched, g.pct_unmatched),
                ]
                for g in c.groups
            ]
            out.append(_table(cols, grows, f"{c.name} by {self.r.data.group_by or 'group'}"))
        return "".join(out)

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
            f"<p>By {esc(r.data.group_by)}: each cell holds the dimension's {esc(v.weighted)}"
            f"mean score and, below it, its {esc(v.weighted)}acceptance. Groups smaller than "
            f"{esc(r.options.get('min_group_size', '-'))} are left out of the group tests. "
            f"Dimensions: {esc(names)}.</p>"
            + _table(cols, rows, "Dimension mean and acceptance by group")
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
        nav += [(theme_section(q.item), f"{q.item} answers") for q in r.open_answers or []]
        if r.classifications:
            nav.append(("classes", "Classifications"))
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
                self.open_answers(),
                self.classifications(),
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


def _sentence(text: str) -> str:
    """``text`` with its first letter capitalised (the rest as it is)."""
    return text[:1].upper() + text[1:]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def acceptance_header(v: View) -> str:
    """The construct acceptance column: 'Acceptance %', 'Weighted acceptance %' under a
    design with weights."""
    return _sentence(f"{v.weighted}acceptance %")


def _with_ci(c: ConstructStats) -> str:
    """'64.7% (95% CI 60.1-69.0%)': a construct's acceptance with its interval."""
    if c.ci_pct_agree is None:
        return fmt_pct(c.pct_agree)
    return f"{fmt_pct(c.pct_agree)} (95% CI {fmt_range(c.ci_pct_agree)})"


def coverage(t: GroupTestEntry) -> str:
    """'6 groups, 30 respondents': what a group test covered (``groups``, ``group_sizes``)."""
    return f"{_plural(len(t.groups), 'group')}, {_plural(sum(t.group_sizes), 'respondent')}"


def _named(name: str, ident: str) -> Safe:
    """A name with its id in small print: 'Low trust (low-trust)'."""
    return Safe(f"{esc(name)} <small>({esc(ident)})</small>")


def _class_name(k: ClassCount) -> Safe:
    return _named(k.name, f"{k.id}; the rest" if k.otherwise else k.id)


def _share(count: int, pct: float | None, digits: int = 1) -> str:
    """'5 (10.6%)'."""
    return f"{count} ({fmt_pct(pct, digits)})"


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
