"""Forest plot of agreement with its interval against the threshold, item or construct."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipss_survey.report.charts.style import (
    BLUE,
    MIN_FONT,
    UNIT,
    WIDTH,
    chars,
    chart_style,
    fit,
    item_label,
    new_axes,
    place_legend,
    place_title,
    row_positions,
    shared_clip,
    wrap,
)
from ipss_survey.report.view import View
from ipss_survey.results import Results

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class AcceptanceRow:
    """One point of the acceptance chart; ``ci`` is in percent, None without a test."""

    id: str
    label: str
    pct: float | None
    ci: tuple[float, float] | None
    significant: bool | None


def acceptance_rows(
    results: Results, target: str = "item", ids: Sequence[str] | None = None
) -> list[AcceptanceRow]:
    """Acceptance and its interval per item or construct, straight from Results.

    The point is the test's ``pct_agree`` and the interval the test's ``ci`` (percent), so both
    describe the figure every table shows (for a construct, its pooled acceptance).
    """
    view = View(results)
    rows = []
    if target == "item":
        items = [view.items_by_code[c] for c in ids] if ids else results.items
        entries = [(it.code, item_label(it), it.pct_agree) for it in items]
    else:
        cons = (
            [view.constructs_by_id[c] for c in ids]
            if ids
            else [c for c in results.constructs if c.level == "dimension"]
        )
        entries = [
            (c.id, "\n".join(wrap(_construct_name(view, c.id, c.name), 26, 3)), c.pct_agree)
            for c in cons
        ]
    for ident, label, pct in entries:
        test = view.test(target, ident)
        ci = None
        sig = None
        if test:
            pct = test.pct_agree
            if test.ci and test.ci[0] is not None and test.ci[1] is not None:
                ci = (test.ci[0], test.ci[1])
            sig = test.significant
        rows.append(AcceptanceRow(ident, label, pct, ci, sig))
    return rows


def _construct_name(view: View, ident: str, name: str) -> str:
    worse = " (higher is worse)" if view.higher_is_worse(ident) else ""
    return f"{ident} {name}{worse}"


def interval_name(results: Results, target: str) -> str:
    """What the chart's interval lines are: Wilson's for items without a design, the
    clustered logit interval for constructs, design-based ones under a design."""
    view = View(results)
    if view.design:
        return "95% interval (design-based)"
    if target == "item":
        return "Wilson 95% interval"
    return "95% interval (respondents as clusters)"


def acceptance_chart(
    results: Results,
    target: str = "item",
    ids: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Forest plot: acceptance % with its 95% interval, and the threshold as a line.

    Filled markers are significantly above the threshold after correction; open ones are not.
    Intervals are drawn only when Results holds acceptance tests (nothing is computed here).
    """
    view = View(results)
    rows = acceptance_rows(results, target, ids)
    threshold = view.threshold
    with chart_style():
        ys, total = row_positions([r.label for r in rows])
        own = ax is None
        if ax is None:
            ax = new_axes(1.7 + UNIT * total)
        with_ci = _draw_points(ax, ys, rows, threshold, view.alpha, interval_name(results, target))
        ax.axvline(
            threshold,
            color="black",
            linestyle="--",
            linewidth=1,
            gid="threshold",
            label=f"threshold {threshold:g}%",
        )
        clip = shared_clip(ax)
        values = [
            ax.text(
                1.01,
                y,
                "-" if r.pct is None else f"{r.pct:.1f}%",
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="center",
                fontsize=MIN_FONT,
                clip_path=clip,
            )
            for y, r in zip(ys, rows, strict=True)
        ]
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20))
        ax.xaxis.grid(True, color="#E0E0E0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_yticks(ys, [r.label for r in rows])
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)  # no marks: drawing them costs
        weighted = "weighted " if view.weighted else ""
        if target == "item":
            xlabel = (
                f"Acceptance: {weighted}% of valid answers in the agreement codes "
                "(statement as worded)"
            )
        elif results.read_from_schema == 1 and any(r.ci for r in rows):
            xlabel = "Respondents agreeing on average: % of respondents with a score (schema 1)"
        else:
            xlabel = (
                f"Acceptance: {weighted}% of the construct's answers, pooled after reverse keying"
            )
        width = chars(0.55 * (ax.get_figure().get_figwidth() if own else WIDTH))
        lines = wrap(xlabel, width, 3)
        if rows and not with_ci:
            lines += wrap("(no acceptance tests in these results: intervals not shown)", width)
        ax.set_xlabel("\n".join(lines))
        legend = place_legend(ax, own, ncol=2, columnspacing=1.2)
        heading = place_title(ax, own, title)
        if own:
            fit(ax, heading, legend, extra=values)
    return ax


def _draw_points(
    ax: Axes,
    ys: list[float],
    rows: list[AcceptanceRow],
    threshold: float,
    alpha: float,
    interval: str,
) -> list[tuple[float, AcceptanceRow]]:
    """Intervals where a test gave one, then the points, filled when significant; returns
    the rows drawn with an interval."""
    with_ci = [(y, r) for y, r in zip(ys, rows, strict=True) if r.ci and r.pct is not None]
    if with_ci:
        ax.errorbar(
            [r.pct for _, r in with_ci],
            [y for y, _ in with_ci],
            xerr=[
                [r.pct - r.ci[0] for _, r in with_ci],
                [r.ci[1] - r.pct for _, r in with_ci],
            ],
            fmt="none",
            ecolor="#404040",
            elinewidth=1,
            capsize=2.5,
            gid="wilson-ci",
            label=interval,
        )
    groups = {
        True: ("significant", "full", f"above {threshold:g}% (p adj. < {alpha:g})"),
        False: ("not-significant", "none", "not significantly above"),
        None: ("untested", "full", "agreement"),
    }
    for key, (gid, fill, legend) in groups.items():
        pts = [(r.pct, y) for y, r in zip(ys, rows, strict=True) if r.significant is key]
        pts = [(x, y) for x, y in pts if x is not None]
        if not pts:
            continue
        ax.plot(
            [x for x, _ in pts],
            [y for _, y in pts],
            linestyle="none",
            marker="o",
            markersize=5,
            color=BLUE,
            fillstyle=fill,
            markerfacecolor=BLUE if fill == "full" else "white",
            gid=f"acceptance-{gid}",
            label=legend,
            zorder=3,
        )
    return with_ci
