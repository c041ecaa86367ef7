"""The themes of an open-ended question: one bar per theme, the share of those who answered.

A theme's share is of the respondents who wrote something (``OpenAnswers.nonempty``), so
the bars of a question may add up to more than 100% (an answer can mention several themes);
the answers that matched no theme are a bar of their own, grey and hatched, so a reader sees
how much the codebook leaves uncoded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ipss_survey.report.charts.style import (
    BLUE,
    MIN_FONT,
    NEUTRAL_GREY,
    UNIT,
    WIDTH,
    chars,
    chart_style,
    fit,
    new_axes,
    place_title,
    row_positions,
    shared_clip,
    wrap,
)
from ipss_survey.results import OpenAnswers, ThemeEntry

if TYPE_CHECKING:
    from matplotlib.axes import Axes

UNMATCHED_LABEL = "No theme (matched none)"


def theme_rows(
    question: OpenAnswers,
    themes: Sequence[ThemeEntry],
    theme_ids: Sequence[str] | None = None,
    unmatched: bool = True,
) -> list[tuple[str, int, float | None]]:
    """(label, respondents, percent) per bar, in the codebook's order, straight from Results:
    the question's themes (or those of ``theme_ids``), then the unmatched answers."""
    by_id = {t.theme: t for t in themes if t.item == question.item}
    wanted = list(theme_ids) if theme_ids is not None else question.theme_ids
    rows = [(by_id[t].name or t, by_id[t].respondents, by_id[t].pct) for t in wanted if t in by_id]
    if unmatched:
        rows.append((UNMATCHED_LABEL, question.unmatched, question.pct_unmatched))
    return rows


def axis_top(largest: float) -> float:
    """The axis's end: room beside the longest bar for its label, at most 100%."""
    return float(min(100, 10 * math.ceil((largest * 1.3 + 12) / 10)))


def themes_chart(
    question: OpenAnswers,
    themes: Sequence[ThemeEntry],
    theme_ids: Sequence[str] | None = None,
    *,
    unmatched: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Horizontal bars of each theme's share of the respondents who answered the question.

    Parameters
    ----------
    question
        The open-ended question (``Results.open_answers`` entry): its theme order, how many
        answered, how many answers matched no theme.
    themes
        ``Results.themes``; the entries of other questions are ignored.
    theme_ids
        The themes to draw (a page of a long codebook); all of the question's by default.
    unmatched
        Whether to end with the bar of answers that matched no theme (the last page's).
    ax, title
        Axes to draw into (a new figure of ``WIDTH`` when None) and the chart's title.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into; each bar is labelled with its share and count, so the chart reads
        without colour.
    """
    rows = theme_rows(question, themes, theme_ids, unmatched)
    labels = ["\n".join(wrap(label, 24, 3)) for label, _, _ in rows]
    with chart_style():
        ys, total = row_positions(labels)
        own = ax is None
        if ax is None:
            ax = new_axes(1.7 + UNIT * total)
        shares = [pct or 0.0 for _, _, pct in rows]
        n_themes = len(rows) - (1 if unmatched else 0)
        ax.barh(ys[:n_themes], shares[:n_themes], height=0.6, color=BLUE, gid="themes")
        if unmatched:
            ax.barh(
                ys[-1:],
                shares[-1:],
                height=0.6,
                color=NEUTRAL_GREY,
                hatch="//",
                edgecolor="#606060",
                linewidth=0.5,
                gid="themes-unmatched",
            )
        clip = shared_clip(ax)
        values = [
            ax.annotate(
                "-" if pct is None else f"{pct:.0f}% ({n})",
                (pct or 0.0, y),
                xytext=(3, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=MIN_FONT,
                clip_path=clip,
                annotation_clip=False,
            )
            for y, (_, n, pct) in zip(ys, rows, strict=True)
        ]
        top = axis_top(max(shares, default=0.0))
        ax.set_xlim(0, top)
        ax.set_xticks(range(0, int(top) + 1, 10 if top <= 50 else 20))
        ax.xaxis.grid(True, color="#E0E0E0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_yticks(ys, labels)
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)
        width = chars(0.55 * (ax.get_figure().get_figwidth() if own else WIDTH))
        ax.set_xlabel(
            "\n".join(
                wrap(
                    f"% of the {question.nonempty} respondents who answered "
                    "(an answer may mention several themes)",
                    width,
                    3,
                )
            )
        )
        heading = place_title(ax, own, title)
        if own:
            fit(ax, heading, extra=values)
    return ax
