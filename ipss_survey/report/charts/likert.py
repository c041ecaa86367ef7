"""Diverging stacked bars of each item's answers: disagreement left, agreement right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipss_survey.report.charts.style import (
    BLUE,
    MIN_FONT,
    NEUTRAL_GREY,
    UNIT,
    VERMILLION,
    chart_style,
    fit,
    is_dark,
    item_label,
    mix,
    new_axes,
    place_legend,
    place_title,
    row_positions,
    shared_clip,
    wrap,
)
from ipss_survey.report.view import View
from ipss_survey.results import Results
from ipss_survey.scoring import ItemStats

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Category:
    """One segment of a diverging bar: a response code, or a coarse agree/neutral/disagree."""

    key: str
    label: str
    side: int  # -1 left of centre, 0 split across it, +1 right
    colour: str
    hatch: str


def likert_categories(
    results: Results, items: Sequence[ItemStats], higher_worse: bool = False
) -> list[Category]:
    """Response codes in display order when the items use the instrument's scale.

    Items on a scale of their own (a yes/no or a three-point construct) are shown as
    disagree / neutral / agree from their own percentages, which Results holds for every item.
    With ``higher_worse`` (agreeing is the bad answer, as with a list of constraints) the
    agreement side takes the vermillion and disagreement the blue: blue is always the good
    side of a chart.
    """
    bad, good = (BLUE, VERMILLION) if higher_worse else (VERMILLION, BLUE)
    scale = results.instrument.scale or {}
    points = [int(p) for p in scale.get("points") or []]
    agree = [int(p) for p in scale.get("agree") or []]
    neutral = [int(p) for p in scale.get("neutral") or []]
    disagree = [p for p in points if p not in agree and p not in neutral]
    if points and agree and disagree and all(_fits_scale(it, points, agree) for it in items):
        rising = sum(agree) / len(agree) > sum(disagree) / len(disagree)
        labels = {str(k): v for k, v in results.instrument.labels.items()}

        def label(p: int) -> str:
            return f"{p} {labels[str(p)]}" if str(p) in labels else str(p)

        left = sorted(disagree, reverse=not rising)  # most extreme first
        right = sorted(agree, reverse=not rising)  # nearest the centre first
        mid = sorted(neutral, reverse=not rising)
        cats = [
            Category(str(p), label(p), -1, _shade(bad, i, len(left)), _LEFT_HATCH[i % 4])
            for i, p in enumerate(left)
        ]
        cats += [Category(str(p), label(p), 0, NEUTRAL_GREY, "") for p in mid]
        cats += [
            Category(
                str(p),
                label(p),
                1,
                _shade(good, len(right) - 1 - i, len(right)),
                _RIGHT_HATCH[(len(right) - 1 - i) % 4],
            )
            for i, p in enumerate(right)
        ]
        return cats
    return [
        Category("disagree", "Disagree / other", -1, bad, _LEFT_HATCH[0]),
        Category("neutral", "Neutral", 0, NEUTRAL_GREY, ""),
        Category("agree", "Agree", 1, good, _RIGHT_HATCH[0]),
    ]


_LEFT_HATCH = ("xx", "//", "--", "oo")  # most extreme first
SEGMENT_LABEL_MIN = 13  # percent: a narrower segment has no room for its number
_RIGHT_HATCH = ("..", "\\\\", "||", "++")


def _shade(base: str, rank: int, k: int) -> str:
    """rank 0 is the extreme (full colour); codes nearer the centre are lighter."""
    return base if k <= 1 else mix(base, 0.6 * rank / (k - 1))


def _distribution(it: ItemStats) -> tuple[dict[str, float], float]:
    """The item's answers by code, weighted under a design with weights, and their total."""
    found: dict[str, float] = (
        it.weighted_counts if it.weighted_counts is not None else dict(it.counts)
    )
    return found, float(sum(found.values()))


def _fits_scale(it: ItemStats, points: list[int], agree: list[int]) -> bool:
    if set(it.counts) != {str(p) for p in points} or sum(it.counts.values()) != it.n:
        return False
    if it.n == 0 or it.pct_agree is None:
        return it.n == 0
    dist, total = _distribution(it)
    share = 100 * sum(dist[str(p)] for p in agree) / total
    return abs(share - it.pct_agree) < 1e-6


def likert_shares(it: ItemStats, categories: Sequence[Category]) -> list[float]:
    """Percent of the item's valid answers in each category (0 when it has none)."""
    coarse = {"disagree": it.pct_disagree, "neutral": it.pct_neutral, "agree": it.pct_agree}
    out = []
    for cat in categories:
        if cat.key in coarse:
            out.append(coarse[cat.key] or 0.0)
        else:
            dist, total = _distribution(it)
            out.append(100 * dist.get(cat.key, 0) / total if total else 0.0)
    return out


def likert_chart(
    results: Results,
    codes: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Diverging stacked bars: one row per item, disagreement left of 0, agreement right.

    Neutral answers straddle the centre line. Reverse-keyed items are shown as answered and
    marked (R). Each category is one ``barh`` call labelled with the category, one bar per item.
    Items of a construct where a higher score is worse (``View.higher_is_worse``) take the
    turned-round colours of ``likert_categories``.
    """
    view = View(results)
    items = [view.items_by_code[c] for c in codes] if codes else list(results.items)
    worse = bool(items) and all(
        view.higher_is_worse(it.subdimension or it.dimension) for it in items
    )
    cats = likert_categories(results, items, worse)
    shares = [likert_shares(it, cats) for it in items]
    labels = [item_label(it) for it in items]
    with chart_style():
        ys, total = row_positions(labels)
        own = ax is None
        if ax is None:
            ax = new_axes(1.7 + UNIT * total)
        clip = shared_clip(ax)
        left = []
        for row in shares:
            before = sum(s for s, c in zip(row, cats, strict=True) if c.side < 0)
            middle = sum(s for s, c in zip(row, cats, strict=True) if c.side == 0)
            left.append(-(before + middle / 2))
        for j, cat in enumerate(cats):
            widths = [row[j] for row in shares]
            dark = is_dark(cat.colour)
            ax.barh(
                ys,
                widths,
                left=left,
                height=0.7,
                color=cat.colour,
                edgecolor="white",
                linewidth=0.5,
                hatch=cat.hatch or None,
                hatchcolor=("#FFFFFF80" if dark else "#00000050"),
                label="\n".join(wrap(cat.label, 12, 3)),
                gid=f"likert-{cat.key}",
            )
            for y, x0, w in zip(ys, left, widths, strict=True):
                if w >= SEGMENT_LABEL_MIN:
                    ax.text(
                        x0 + w / 2,
                        y,
                        f"{w:.0f}",
                        ha="center",
                        va="center",
                        fontsize=MIN_FONT,
                        color="white" if dark else "black",
                        bbox={"boxstyle": "round,pad=0.1", "fc": cat.colour, "ec": "none"},
                        clip_path=clip,
                    )
            left = [x0 + w for x0, w in zip(left, widths, strict=True)]
        ax.axvline(0, color="black", linewidth=0.8, gid="centre")
        ax.set_xlim(-100, 100)
        ax.set_xticks([-100, -75, -50, -25, 0, 25, 50, 75, 100])
        ax.set_xticklabels(["100", "75", "50", "25", "0", "25", "50", "75", "100"])
        ax.xaxis.grid(True, color="#E0E0E0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_yticks(ys, labels)
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)  # no marks: drawing them costs
        weighted = "weighted; " if any(it.weighted_counts is not None for it in items) else ""
        ax.set_xlabel(
            f"← disagree   % of valid answers   agree →\n({weighted}neutral split across 0)"
        )
        legend = place_legend(
            ax, own, ncol=min(len(cats), 3), handlelength=1.6, handleheight=1.2, columnspacing=1.2
        )
        heading = place_title(ax, own, title)
        if own:
            fit(ax, heading, legend)
    return ax
