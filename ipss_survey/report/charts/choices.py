"""How often each option of a multi-select or categorical question was chosen: one bar each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipss_survey.report.charts.style import (
    BLUE,
    MIN_FONT,
    UNIT,
    chart_style,
    fit,
    new_axes,
    place_title,
    row_positions,
    shared_clip,
    wrap,
)
from ipss_survey.scoring.choices import ChoiceSummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def choices_chart(
    summary: ChoiceSummary, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Horizontal bars of the share of respondents who chose each option, labelled with it.

    The share is of the respondents who answered the question, so the bars of a multi-select
    question may add up to more than 100%; the count is printed beside each bar.
    """
    labels = ["\n".join(wrap(o.label, 26, 3)) for o in summary.options]
    shares = [o.pct or 0.0 for o in summary.options]
    with chart_style():
        ys, total = row_positions(labels)
        own = ax is None
        if ax is None:
            ax = new_axes(1.7 + UNIT * total)
        ax.barh(ys, shares, height=0.6, color=BLUE, gid="choices")
        clip = shared_clip(ax)
        values = [
            ax.text(
                1.01,
                y,
                f"{o.pct:.0f}% ({o.count})" if o.pct is not None else "-",
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="center",
                fontsize=MIN_FONT,
                clip_path=clip,
            )
            for y, o in zip(ys, summary.options, strict=True)
        ]
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20))
        ax.xaxis.grid(True, color="#E0E0E0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_yticks(ys, labels)
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)
        ax.set_xlabel(f"% of the {summary.n} respondents who answered the question")
        heading = place_title(ax, own, title)
        if own:
            fit(ax, heading, extra=values)
    return ax
