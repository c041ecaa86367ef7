"""The charts a run's reports use, planned before they are drawn, paginated for A4.

Plot functions (``likert``, ``acceptance``, ``maturity``, ``heatmap``, ``choices``,
``themes``) take ``ax=None`` and return the Axes, so a paper can place them in a figure of
its own; ``chart_plans`` lists every chart of the reports, split into A4-sized pages (at most
``MAX_ROWS`` rows), and ``style.render_figure`` saves them with fixed metadata so the same
Results give the same bytes; ``jobs`` shares the drawing with a helper process when there is
a second CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ipss_survey.report.charts.acceptance import acceptance_chart, interval_name
from ipss_survey.report.charts.choices import choices_chart
from ipss_survey.report.charts.heatmap import PAGE_WEIGHT, heatmap_chart, row_weights
from ipss_survey.report.charts.likert import likert_chart
from ipss_survey.report.charts.maturity import maturity_chart
from ipss_survey.report.charts.style import item_label, paginate, row_units, wrap
from ipss_survey.report.charts.themes import UNMATCHED_LABEL, themes_chart
from ipss_survey.report.format import slug
from ipss_survey.report.view import View
from ipss_survey.results import Results

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class ChartImage:
    """A rendered chart as the HTML report embeds it."""

    name: str
    title: str
    section: str
    caption: str
    png: bytes


@dataclass
class Chart:
    """A finished figure and where the reports place it (``section``: summary or a dimension)."""

    name: str
    title: str
    section: str
    figure: Figure
    caption: str = ""

    def close(self) -> None:
        self.figure.clear()


@dataclass(frozen=True)
class ChartPlan:
    """A chart the reports use, before it is drawn: ``draw()`` makes its figure."""

    name: str
    title: str
    section: str
    caption: str
    draw: Callable[[], Axes] = field(repr=False, compare=False)
    cost: float = 1.0  # rough drawing time, relative: to hand the longest charts out first

    def build(self) -> Chart:
        return Chart(self.name, self.title, self.section, self.draw().get_figure(), self.caption)


def _pages(n_pages: int, k: int) -> tuple[str, str]:
    """File-name suffix and title suffix for page k of n."""
    return ("", "") if n_pages == 1 else (f"-p{k}", f" ({k} of {n_pages})")


def build_charts(results: Results) -> Iterator[Chart]:
    """Every chart the reports use, in report order, paginated for A4."""
    for plan in chart_plans(results):
        yield plan.build()


def chart_plans(results: Results) -> list[ChartPlan]:
    """Every chart the reports use, in report order, paginated for A4, not yet drawn.

    The plan depends only on Results, so another process given the same Results makes the
    same plan: ``render_charts`` relies on that to share the drawing out by position.
    """
    view = View(results)
    dims = view.dimensions
    dim_weights = [row_units("\n".join(wrap(f"{d.id} {d.name}", 26, 3))) for d in dims]

    def tested(target: str) -> str:
        if not view.has_tests:
            return "Dots: acceptance (no acceptance tests in these results, so no intervals). "
        kind = interval_name(results, target)
        return (
            f"Lines: {kind}; filled dots are significantly above the threshold after "
            f"{view.p_adjust_name} correction, open dots are not. "
        )

    plans: list[ChartPlan] = []
    if view.levels and dims:
        pages = paginate(dim_weights)
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            t = "Maturity: dimension means against the maturity bands" + tsuffix
            draw = partial(maturity_chart, results, [dims[i].id for i in page], title=t)
            cap = f"Bars: mean score of respondents. Shaded bands: {view.maturity_basis}"
            plans.append(ChartPlan(f"maturity{suffix}", t, "summary", cap, draw, 5 + len(page)))
    if dims:
        pages = paginate(dim_weights)
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            t = f"Acceptance by dimension, threshold {view.threshold:g}%" + tsuffix
            ids = [dims[i].id for i in page]
            draw = partial(acceptance_chart, results, "construct", ids, title=t)
            cap = f"{tested('construct')}Dashed line: the {view.threshold:g}% threshold."
            cost = 5 + len(page)
            plans.append(ChartPlan(f"acceptance-dimensions{suffix}", t, "summary", cap, draw, cost))
    if results.groups and dims:
        value = "mean" if view.levels else "pct_agree"
        what = f"{view.weighted}mean score" if value == "mean" else f"{view.weighted}acceptance (%)"
        centre = "the scale's midpoint" if value == "mean" else f"the {view.threshold:g}% threshold"
        by = results.data.group_by or "group"
        pages = paginate(row_weights(results), max_weight=PAGE_WEIGHT)
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            t = f"Dimension {what} by {by}" + tsuffix
            draw = partial(heatmap_chart, results, value, page, title=t)
            cap = (
                f"Each cell: the dimension's {what} in that {by}; n = respondents in the group. "
                f"Colours diverge around {centre}: blue above it, vermillion below (turned "
                "round where a higher score is worse)."
            )
            cost = 5 + len(page) * len(dims) / 3  # a label in every cell
            plans.append(ChartPlan(f"groups-heatmap{suffix}", t, "groups", cap, draw, cost))
    for i, dim in enumerate(dims, 1):
        items = view.items_of(dim)
        if not items:
            continue
        stem = f"{i:02d}-{slug(dim.id)}"
        pages = paginate([row_units(item_label(it)) for it in items])
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            codes = [items[j].code for j in page]
            t = f"{dim.id} {dim.name}: answers by item{tsuffix}"
            cap = (
                f"{f'{view.weighted}share'.capitalize()} of each item's valid answers per "
                "response; disagreement left of the centre line, agreement right, neutral split "
                "across it. (R): reverse-keyed item, shown as answered."
            )
            draw = partial(likert_chart, results, codes, title=t)
            cost = 5 + 2 * len(page)  # hatched segments and a label on each
            plans.append(ChartPlan(f"likert-{stem}{suffix}", t, dim.id, cap, draw, cost))
        pages = paginate([row_units(item_label(it)) for it in items])
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            codes = [items[j].code for j in page]
            t = f"{dim.id} {dim.name}: item acceptance, threshold {view.threshold:g}%{tsuffix}"
            draw = partial(acceptance_chart, results, "item", codes, title=t)
            cap = f"{tested('item')}Dashed line: the {view.threshold:g}% threshold."
            cost = 5 + len(page)
            plans.append(ChartPlan(f"acceptance-{stem}{suffix}", t, dim.id, cap, draw, cost))
    plans += _question_plans(results)
    plans += theme_plans(results)
    return plans


def theme_section(item: str) -> str:
    """The report section of an open-ended question's charts and tables."""
    return f"open-{slug(item)}"


def theme_plans(results: Results) -> list[ChartPlan]:
    """One bar chart per open-ended question (more pages for a long codebook), its themes'
    shares and the unmatched answers' share; section ``theme_section(item)``."""
    plans = []
    themes = results.themes or []
    for q in results.open_answers or []:
        names = {t.theme: t.name or t.theme for t in themes if t.item == q.item}
        ids = [t for t in q.theme_ids if t in names]
        labels = ["\n".join(wrap(names[t], 24, 3)) for t in ids] + [UNMATCHED_LABEL]
        pages = paginate([row_units(lb) for lb in labels])
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            last = page.stop == len(labels)
            page_ids = [ids[j] for j in page if j < len(ids)]
            t = f"{q.item}: themes of the answers{tsuffix}"
            cap = (
                f"Share of the {q.nonempty} respondents who answered {q.item} whose answer "
                "mentions each theme (an answer may mention several); grey, hatched: answers "
                "that matched no theme of the codebook."
            )
            draw = partial(themes_chart, q, themes, page_ids, unmatched=last, title=t)
            plans.append(
                ChartPlan(
                    f"themes-{slug(q.item)}{suffix}",
                    t,
                    theme_section(q.item),
                    cap,
                    draw,
                    5 + len(page),
                )
            )
    return plans


def _question_plans(results: Results) -> list[ChartPlan]:
    """One bar chart per multi-select and categorical question (section "questions")."""
    plans = []
    for kind, summaries in (
        ("multiple", results.multiple_choice or []),
        ("categories", results.categories or []),
    ):
        for q in summaries:
            t = f"{q.id}: {q.text}" if q.text else q.id
            cap = "Share of the respondents who answered the question that chose each option" + (
                " (several could be chosen)." if kind == "multiple" else "."
            )
            draw = partial(choices_chart, q, title=t)
            plans.append(
                ChartPlan(f"{kind}-{slug(q.id)}", t, "questions", cap, draw, 5 + len(q.options))
            )
    return plans
