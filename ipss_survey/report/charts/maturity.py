"""Dimension means over the instrument's maturity bands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ipss_survey.report.charts.style import (
    BLUE,
    CHAR_EM,
    MIN_FONT,
    UNIT,
    WIDTH,
    chars,
    chart_style,
    fit,
    new_axes,
    place_title,
    row_positions,
    scale_span,
    wrap,
)
from ipss_survey.report.view import View
from ipss_survey.results import LevelInfo, Results
from ipss_survey.scoring import ConstructStats

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _banded(view: View, c: ConstructStats) -> float | None:
    m = view.maturity(c.id)
    if m is not None and m.oriented_mean is not None:
        return m.oriented_mean
    return c.mean


def _bands(levels: Sequence[LevelInfo], lo: float, hi: float) -> list[tuple[float, float]]:
    """Each band's start and end on the axis: from its minimum to the next band's."""
    return [
        (float(lv.min), float(levels[i + 1].min) if i + 1 < len(levels) else hi)
        for i, lv in enumerate(levels)
    ]


def _text_inches(text: str) -> float:
    return len(text) * MIN_FONT * CHAR_EM / 72


def _fits_band(label: str, inches: float) -> bool:
    """Whether a band's name fits over it in three lines without breaking a word."""
    words = label.split()
    room = chars(inches * 0.95)
    return all(len(w) <= room for w in words) and len(wrap(label, room, 9)) <= 3


def _bar_text(
    view: View, ident: str, mean: float, lo: float, hi: float, plot_in: float
) -> tuple[str, bool]:
    """The bar's label (its mean and level) and whether it goes inside the bar: the longest
    form that fits beside the bar's end, else inside it, else the mean alone."""
    m = view.maturity(ident)
    forms = [f"{mean:.2f}  {view.maturity_label(ident)}"]
    if m is not None and m.level is not None:
        forms.append(f"{mean:.2f}  level {m.level}")
    forms.append(f"{mean:.2f}")
    right = (hi - mean) / (hi - lo) * plot_in - 0.08
    inside = (mean - lo) / (hi - lo) * plot_in - 0.08
    for text in forms:
        if _text_inches(text) <= right:
            return text, False
        if _text_inches(text) <= inside:
            return text, True
    return forms[-1], inside > right


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
    labels = ["\n".join(wrap(f"{c.id} {c.name}", 22, 3)) for c in cons]
    with chart_style():
        ys, total = row_positions(labels)
        own = ax is None
        if ax is None:
            ax = new_axes(1.9 + 1.3 * UNIT * total)
        plot_in = 0.6 * (ax.get_figure().get_figwidth() if own else WIDTH)
        bands = _bands(levels, lo, hi)
        named = all(
            _fits_band(lv.label, plot_in * (end - start) / (hi - lo))
            for lv, (start, end) in zip(levels, bands, strict=True)
        )
        for i, (lv, (start, end)) in enumerate(zip(levels, bands, strict=True)):
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
            band_chars = chars(plot_in * (end - start) / (hi - lo) * 0.95)
            ax.text(
                (start + end) / 2,
                1.01,
                "\n".join([str(i + 1), *(wrap(lv.label, band_chars, 3) if named else [])]),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=MIN_FONT,
            )
        widths = [0.0 if m is None else m - lo for m in means]
        ax.barh(ys, widths, left=lo, height=0.55, color=BLUE, zorder=2, gid="means")
        for y, c, m in zip(ys, cons, means, strict=True):
            if m is None:
                ax.text(lo + 0.05, y, "no score", va="center", fontsize=MIN_FONT, zorder=3)
                continue
            text, inside = _bar_text(view, c.id, m, lo, hi, plot_in)
            pad = 0.03 * (hi - lo)
            ax.text(
                m - pad if inside else m + pad,
                y,
                text,
                ha="right" if inside else "left",
                va="center",
                fontsize=MIN_FONT,
                color="white" if inside else "black",
                zorder=3,
            )
        ax.set_xlim(lo, hi)
        ax.set_yticks(ys, labels)
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)  # no marks: drawing them costs
        key = "" if named else "; ".join(f"{i} {lv.label}" for i, lv in enumerate(levels, 1))
        basis = wrap(f"Bands: {key + '. ' if key else ''}{view.maturity_basis}", chars(plot_in), 8)
        ax.set_xlabel("\n".join([f"{view.weighted}mean score of respondents".capitalize(), *basis]))
        heading = place_title(ax, own, title, pad=26)
        if own:
            fit(ax, heading, extra=ax.texts)
    return ax
