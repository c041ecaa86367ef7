"""Dimension means over the instrument's maturity bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ipss_survey.report.charts.style import (
    BLUE,
    UNIT,
    chart_style,
    fit,
    new_axes,
    place_title,
    row_positions,
    scale_span,
    wrap,
)
from ipss_survey.report.view import View
from ipss_survey.results import Results
from ipss_survey.scoring import ConstructStats

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _banded(view: View, c: ConstructStats) -> float | None:
    m = view.maturity(c.id)
    if m is not None and m.oriented_mean is not None:
        return m.oriented_mean
    return c.mean


def maturity_chart(
    results: Results,
    ids: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Horizontal bars of dimension means over the instrument's maturity bands.

    Bands are shaded alternately and named above the plot; each bar carries its mean and
    level as text, so neither colour nor shading is needed to read it.
    """
    view = View(results)
    cons = [view.constructs_by_id[c] for c in ids] if ids else view.dimensions
    levels = view.levels
    # Bands read "higher means more agreement": draw the mean they were read on.
    means = [_banded(view, c) for c in cons]
    span = scale_span(results)
    lo = span[0] if span else (float(levels[0].min) if levels else 0.0)
    known = [m for m in means if m is not None]
    hi = span[1] if span else max([*known, *(float(lv.min) for lv in levels)]) + 1
    labels = ["\n".join(wrap(f"{c.id} {c.name}", 30, 3)) for c in cons]
    with chart_style():
        ys, total = row_positions(labels)
        own = ax is None
        if ax is None:
            ax = new_axes(1.9 + 1.3 * UNIT * total)
        for i, lv in enumerate(levels):
            start = float(lv.min)
            end = float(levels[i + 1].min) if i + 1 < len(levels) else hi
            ax.axvspan(
                start,
                end,
                color="#F0F0F0" if i % 2 == 0 else "#DCDCDC",
                zorder=0,
                linewidth=0,
                gid=f"band-{i + 1}",
            )
            if i:
                ax.axvline(start, color="#808080", linestyle=":", linewidth=0.8, zorder=1)
            ax.text(
                (start + end) / 2,
                1.01,
                "\n".join(wrap(f"{i + 1} {lv.label}", 14, 3)),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        widths = [0.0 if m is None else m - lo for m in means]
        ax.barh(ys, widths, left=lo, height=0.55, color=BLUE, zorder=2, gid="means")
        for y, c, m in zip(ys, cons, means, strict=True):
            if m is None:
                ax.text(lo + 0.05, y, "no score", va="center", fontsize=7, zorder=3)
                continue
            text = f"{m:.2f}  {view.maturity_label(c.id)}"
            inside = m - lo > (hi - lo) * 0.45
            ax.text(
                m - 0.04 if inside else m + 0.04,
                y,
                text,
                ha="right" if inside else "left",
                va="center",
                fontsize=7.5,
                color="white" if inside else "black",
                zorder=3,
            )
        ax.set_xlim(lo, hi)
        ax.set_yticks(ys, labels)
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)  # no marks: drawing them costs
        ax.set_xlabel(
            "Mean score of respondents\n" + "\n".join(wrap(f"Bands: {view.maturity_basis}", 95))
        )
        heading = place_title(ax, own, title, pad=26)
        if own:
            fit(ax, heading, extra=ax.texts)
    return ax
