"""Groups by dimensions: each cell coloured and labelled with its value."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ipss_survey.report.charts.style import (
    UNIT,
    chart_style,
    fit,
    hex_colour,
    is_dark,
    new_axes,
    place_title,
    row_units,
    scale_span,
    shared_clip,
    wrap,
)
from ipss_survey.report.view import View
from ipss_survey.results import Results

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def group_matrix(
    results: Results, value: str = "pct_agree", level: str = "dimension"
) -> tuple[list[str], list[str], list[list[float | None]]]:
    """Groups x constructs table of one statistic, exactly as Results holds it."""
    cols = [c.id for c in results.constructs if c.level == level]
    rows = [g.group for g in results.groups]
    matrix = []
    for g in results.groups:
        by_id = {c.id: c for c in g.constructs}
        matrix.append([getattr(by_id[c], value) if c in by_id else None for c in cols])
    return rows, cols, matrix


def heatmap_chart(
    results: Results,
    value: str = "pct_agree",
    groups: range | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Groups (rows) by dimensions (columns), each cell coloured and labelled with its value."""
    view = View(results)
    names, cols, matrix = group_matrix(results, value)
    sel = groups if groups is not None else range(len(names))
    data = np.array(
        [[np.nan if v is None else float(v) for v in matrix[i]] for i in sel], dtype=float
    ).reshape(len(sel), len(cols))
    if value == "pct_agree":
        vmin, vmax, fmt, what = 0.0, 100.0, "{:.0f}", "Agreement (% of answers, pooled)"
    else:
        span = scale_span(results) or (float(np.nanmin(data)), float(np.nanmax(data)))
        vmin, vmax, fmt, what = span[0], span[1], "{:.2f}", "Mean score"
    ns = [results.groups[i].n for i in sel]
    ylabels = ["\n".join(wrap(f"{names[i]} (n={n})", 34, 2)) for i, n in zip(sel, ns, strict=True)]
    xlabels = [
        "\n".join([c, *wrap(view.constructs_by_id[c].name, 13, 3)])
        if c in view.constructs_by_id
        else c
        for c in cols
    ]
    with chart_style():
        own = ax is None
        if ax is None:
            ax = new_axes(2.0 + 1.2 * UNIT * sum(row_units(lb) for lb in ylabels))
        image = ax.imshow(
            np.ma.masked_invalid(data),
            cmap="cividis",
            vmin=vmin,
            vmax=vmax,
            aspect="auto",
            interpolation="nearest",
        )
        image.set_gid("heatmap")
        clip = shared_clip(ax)
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                dark = not math.isnan(v) and is_dark(hex_colour(image.cmap(image.norm(v))))
                ax.text(
                    j,
                    i,
                    "-" if math.isnan(v) else fmt.format(v),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                    clip_path=clip,
                )
        ax.set_xticks(range(len(cols)), xlabels)
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(ylabels)), ylabels)
        ax.tick_params(length=0, left=False, top=False, bottom=False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        if own:  # placed by _fit
            bar = ax.figure.colorbar(image, cax=ax.figure.add_axes((0.9, 0.2, 0.02, 0.6)))
        else:
            bar = ax.figure.colorbar(image, ax=ax, shrink=0.6, aspect=25, pad=0.02)
        bar.set_label(what)
        heading = place_title(ax, own, title)
        if own:
            fit(ax, heading, colorbar=bar.ax)
    return ax
