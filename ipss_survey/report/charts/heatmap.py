"""Groups by dimensions: each cell coloured on a diverging scale and labelled with its value.

The colour says which side of a reference a cell is on, not just how high it is: means are
centred on the scale's midpoint and acceptance on the run's threshold, so a reader sees at a
glance which groups fall short. Where agreement is the scale's low end (1 = Strongly agree),
or a higher score is worse (a construct of constraints), the colours of that column turn
round, so blue always means "the good side of the reference".
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ipss_survey.report.charts.style import (
    MIN_FONT,
    PAD,
    UNIT,
    WIDTH,
    centred_norm,
    chars,
    chart_style,
    diverging_cmap,
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
    from matplotlib.legend import Legend

COLUMN_MIN = 0.4  # inches a column needs for a cell label such as "100" or "3.45"
BAR_ROOM = 0.75  # inches the colour bar and its label take on the right
GROUP_CHARS = 20  # a group's name (and n) beside its row: characters a line
ROW_SCALE = 1.2  # a row of cells is this much taller than a bar's row
PAGE_WEIGHT = 24.0  # row units of groups on one page: room left for the heads and the key
LINE = 0.17  # inches a line of MIN_FONT text takes
HEAD_CHARS = 10  # a column head holds the construct's name when this many characters fit


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


def group_label(group: str, n: int) -> str:
    """A row's label: the group's name and size, wrapped (cut with an ellipsis past three
    lines)."""
    return "\n".join(wrap(f"{group} (n={n})", GROUP_CHARS, 3))


def row_weights(results: Results) -> list[float]:
    """Each group row's height in row units, for splitting the groups into pages."""
    return [ROW_SCALE * row_units(group_label(g.group, g.n)) for g in results.groups]


def heatmap_scale(results: Results, value: str, data: np.ndarray) -> tuple[float, float, float]:
    """(low, centre, high) of the colour scale: 0, the threshold and 100 for acceptance; the
    scale's ends and midpoint for means (the data's range when there is no shared scale)."""
    view = View(results)
    if value == "pct_agree":
        return 0.0, view.threshold, 100.0
    span = scale_span(results)
    if span is None:
        known = data[~np.isnan(data)]
        span = (float(known.min()), float(known.max())) if known.size else (0.0, 1.0)
    return span[0], (span[0] + span[1]) / 2, span[1]


def reversed_columns(results: Results, value: str, cols: list[str]) -> list[bool]:
    """Per column, whether its colours turn round: a higher value is on the bad side."""
    view = View(results)
    low_is_agree = value == "mean" and view.agree_low
    return [low_is_agree != view.higher_is_worse(c) for c in cols]


def heatmap_chart(
    results: Results,
    value: str = "pct_agree",
    groups: range | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Groups (rows) by dimensions (columns), each cell coloured and labelled with its value.

    The image holds each cell's colour (RGBA); the values are the cells' labels. Colours run
    from vermillion through grey to blue around the reference (``heatmap_scale``), turned
    round for the columns ``reversed_columns`` names, which are marked "higher is worse".
    """
    view = View(results)
    names, cols, matrix = group_matrix(results, value)
    sel = groups if groups is not None else range(len(names))
    data = np.array(
        [[np.nan if v is None else float(v) for v in matrix[i]] for i in sel], dtype=float
    ).reshape(len(sel), len(cols))
    vmin, centre, vmax = heatmap_scale(results, value, data)
    if value == "pct_agree":
        fmt = "{:.0f}"
        what = f"{view.weighted}acceptance (% of answers, pooled)".capitalize()
        ref = f"centre: the {centre:g}% threshold"
    else:
        fmt, what = "{:.2f}", f"{view.weighted}mean score".capitalize()
        ref = f"centre: the scale's midpoint {centre:g}"
    flips = reversed_columns(results, value, cols)
    ylabels = [group_label(results.groups[i].group, results.groups[i].n) for i in sel]
    label_in = max((len(ln) for lb in ylabels for ln in lb.split("\n")), default=4)
    label_in *= MIN_FONT * 0.53 / 72
    need = label_in + BAR_ROOM + 2 * PAD + COLUMN_MIN * len(cols)
    width = WIDTH if need <= 1.05 * WIDTH else need  # wider only for many constructs
    per_column = (width - label_in - BAR_ROOM - 2 * PAD) / max(len(cols), 1)
    name_chars = chars(per_column * 0.95)
    heads = name_chars >= HEAD_CHARS  # else the names are a key below the cells
    xlabels, key = [], []
    for c in cols:
        con = view.constructs_by_id.get(c)
        worse = view.higher_is_worse(c)
        lines = [c + (" ▲" if worse and not heads else "")]
        if con is not None and heads:
            lines += wrap(con.name, name_chars, 3)
            if worse:
                lines.append("(higher is worse)")
        elif con is not None:
            key.append(f"{c} {con.name}" + (" (▲ higher is worse)" if worse else ""))
        xlabels.append("\n".join(lines))
    cmap = diverging_cmap()
    norm = centred_norm(vmin, centre, vmax)
    shade = np.ma.masked_invalid(np.asarray(norm(data), dtype=float))
    shade = np.where(np.array(flips)[None, :], 1.0 - shade, shade)
    rgba = cmap(np.ma.masked_invalid(shade))
    rgba[np.isnan(data)] = (1.0, 1.0, 1.0, 0.0)
    with chart_style():
        own = ax is None
        if ax is None:
            rows = sum(row_units(lb) for lb in ylabels)
            head = max((lb.count("\n") for lb in xlabels), default=0)
            key_lines = sum(len(wrap(k, chars(width - 2 * PAD), 2)) for k in key)
            ax = new_axes(1.6 + LINE * (head + key_lines) + ROW_SCALE * UNIT * rows, width)
        image = ax.imshow(rgba, aspect="auto", interpolation="nearest")
        image.set_gid("heatmap")
        clip = shared_clip(ax)
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                dark = not math.isnan(v) and is_dark(hex_colour(rgba[i, j]))
                ax.text(
                    j,
                    i,
                    "-" if math.isnan(v) else fmt.format(v),
                    ha="center",
                    va="center",
                    fontsize=MIN_FONT,
                    color="white" if dark else "black",
                    clip_path=clip,
                )
        ax.set_xticks(range(len(cols)), xlabels)
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(ylabels)), ylabels)
        ax.tick_params(length=0, left=False, top=False, bottom=False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        from matplotlib.cm import ScalarMappable

        scale = ScalarMappable(norm=norm, cmap=cmap.reversed() if all(flips) else cmap)
        fig = ax.get_figure()
        if own:  # placed by fit
            bar = fig.colorbar(scale, cax=fig.add_axes((0.9, 0.2, 0.02, 0.6)))
        else:
            bar = fig.colorbar(scale, ax=ax, shrink=0.6, aspect=25, pad=0.02)
        note = "; turned round where higher is worse" if any(flips) and not all(flips) else ""
        bar.set_label("\n".join(wrap(f"{what} ({ref}{note})", 34, 4)))
        bar.ax.set_gid("heatmap-scale")
        legend = _key(ax, own, key, width)
        heading = place_title(ax, own, title)
        if own:
            fit(ax, heading, legend, colorbar=bar.ax)
    return ax


def _key(ax: Axes, own: bool, key: list[str], width: float) -> Legend | None:
    """The constructs' names below the cells, when the column heads hold only their ids."""
    if not key:
        return None
    from matplotlib.patches import Patch

    handles = [Patch(visible=False) for _ in key]
    lines = ["\n".join(wrap(k, chars(width - 2 * PAD), 2)) for k in key]
    if own:
        fig = ax.get_figure()
        return fig.legend(
            handles,
            lines,
            loc="lower center",
            frameon=False,
            borderaxespad=0,
            handlelength=0,
            handletextpad=0,
            alignment="left",
        )
    ax.legend(handles, lines, frameon=False, handlelength=0, handletextpad=0)
    return None
