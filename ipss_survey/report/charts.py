"""Publication charts drawn from Results: Likert bars, acceptance, maturity, group heatmap.

Plot functions take ``ax=None`` and return the Axes, so a paper can place them in a figure of
its own; ``chart_plans`` splits long lists into A4-sized pages (at most ``MAX_ROWS`` rows) and
``render_figure`` saves them with fixed metadata so the same Results give the same bytes.
Figures are made without pyplot (nothing is shown, no GUI backend is touched) and matplotlib
is imported inside functions so the command line starts fast. Colours are the Okabe-Ito
colour-blind-safe set and cividis; every category also has a hatch pattern or a direct label,
so a greyscale print stays readable.

Speed (the reports of a run hold a dozen or more charts, each saved as PNG and SVG): a figure
of our own is laid out once by ``_fit`` from the measured size of its labels instead of by a
layout engine that measures every text again on each pass and for each file; each format is
drawn once, and the PNG is encoded once, straight from the pixels; ``chart_jobs`` shares the
charts with a helper process when there is a second CPU.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from ipss_survey.report.render import View, slug
from ipss_survey.results import ItemStats, Results

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

MAX_ROWS = 25  # rows per figure: beyond this labels shrink below print legibility
UNIT = 0.3  # inches per one-line row
PAGE_UNITS = 30  # row units a figure may take: 9 in of rows on an A4 page (11.7 in tall)
WIDTH = 7.2  # inches: A4 width less 2.5 cm margins
DPI = 150

VERMILLION = "#D55E00"
BLUE = "#0072B2"
NEUTRAL_GREY = "#BDBDBD"

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9.5,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",  # text stays text in SVG: searchable and editable in a paper
    "svg.hashsalt": "ipss-survey",  # fixed ids: the same chart gives the same bytes
    "pdf.fonttype": 42,
    "text.parse_math": False,  # '$' in an item text or group name is text, not TeX
    "savefig.facecolor": "white",
    # Every patch starts from this colour before its own is set; the default "C0" is looked up
    # in the colour cycle each time, which costs more than drawing the patch.
    "patch.facecolor": BLUE,
}


@contextmanager
def chart_style() -> Iterator[None]:
    """The project's chart settings, active only while drawing and saving."""
    import matplotlib

    with matplotlib.rc_context(_RC):
        yield


def _new_axes(height: float, width: float = WIDTH) -> Axes:
    """Axes on a figure of our own, drawn by Agg at the PNG resolution; ``_fit`` lays it out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _title(ax: Axes, own_figure: bool, title: str | None, pad: float = 6) -> Text | None:
    """Across the whole figure when it is ours (long titles fit), else above the axes."""
    if not title:
        return None
    text = "\n".join(_wrap(title, 95, 3))
    if own_figure:
        return ax.get_figure().suptitle(
            text, x=0.01, ha="left", va="top", fontsize=9.5, fontweight="bold"
        )
    ax.set_title(text, loc="left", pad=pad)
    return None


def _legend(ax: Axes, own_figure: bool, **kwargs: Any) -> Legend | None:
    """Below the plot, outside it, when the figure is ours; else where it fits best."""
    if own_figure:
        handles, labels = ax.get_legend_handles_labels()
        return ax.get_figure().legend(
            handles, labels, loc="lower center", frameon=False, borderaxespad=0, **kwargs
        )
    ax.legend(frameon=False, **kwargs)
    return None


PAD = 4 / 72  # inches: from the figure's edge to what is on it, and between title, plot, legend
COLORBAR_GAP = 0.12  # inches between a heatmap and its colour bar


def _fit(
    ax: Axes,
    title: Text | None = None,
    legend: Legend | None = None,
    extra: Sequence[Artist] = (),
    colorbar: Axes | None = None,
) -> None:
    """Place the axes of a figure of our own so its labels, the title and the legend all fit.

    The title goes at the top, the legend at the bottom, the colour bar on the right, and the
    axes takes the rest less the room its tick labels, axis labels and ``extra`` artists (texts
    placed outside the plot area) need. Those are measured once: they keep their distance from
    the axes when it moves, so a single measurement is enough, where a layout engine would
    measure every text again on each pass and for each file format.
    """
    fig = ax.get_figure()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    pad = PAD * fig.dpi
    box = ax.get_window_extent(renderer)
    tight = ax.get_tightbbox(renderer, bbox_extra_artists=list(extra))
    left = max(box.x0 - tight.x0, 0.0)
    right = max(tight.x1 - box.x1, 0.0)
    below = max(box.y0 - tight.y0, 0.0)
    above = max(tight.y1 - box.y1, 0.0)
    top = bottom = pad
    if title is not None:
        title.set_y(1 - pad / height)
        top += title.get_window_extent(renderer).height + pad
    if legend is not None:
        legend.set_bbox_to_anchor((0, pad / height, 1, 1), transform=fig.transFigure)
        bottom += legend.get_window_extent(renderer).height + pad
    y0 = (bottom + below) / height
    y1 = 1 - (top + above) / height
    bar_width = bar_extra = gap = 0.0
    if colorbar is not None:  # 60% of the plot's height, 25 times as tall as wide, centred
        bar_height = 0.6 * (y1 - y0) * height
        bar_width = bar_height / 25
        gap = COLORBAR_GAP * fig.dpi
        cbox = colorbar.get_window_extent(renderer)
        bar_extra = max(colorbar.get_tightbbox(renderer).x1 - cbox.x1, 0.0)
    x0 = (pad + left) / width
    x1 = 1 - (pad + right + gap + bar_width + bar_extra) / width
    ax.set_position((x0, y0, x1 - x0, y1 - y0))
    if colorbar is not None:
        bar_y0 = (y0 + y1) / 2 - 0.3 * (y1 - y0)
        colorbar.set_position((x1 + gap / width, bar_y0, bar_width / width, 0.6 * (y1 - y0)))


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """PNG or SVG bytes without dates or version stamps (deterministic output)."""
    return render_figure(fig, (fmt,))[fmt]


def render_figure(fig: Figure, formats: Sequence[str] = ("png", "svg")) -> dict[str, bytes]:
    """The figure as each of ``formats`` ("png", "svg"), laid out once and drawn once per format.

    Our own figures are already laid out (``_fit``). A figure with a layout engine is laid out
    once here and drawn from those positions in every format (``savefig`` would lay it out
    again for each file and draw it twice, once to lay out and once to save); it keeps its
    engine and resolution afterwards.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    out: dict[str, bytes] = {}
    with chart_style():
        dpi = fig.dpi
        if dpi != DPI:
            fig.set_dpi(DPI)
        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
            fig.set_layout_engine(None)  # positions stay as laid out; no second layout pass
        try:
            for fmt in formats:
                if fmt == "png":
                    out[fmt] = _draw_png(fig, canvas)
                elif fmt == "svg":
                    buf = io.BytesIO()
                    meta = {"Date": None, "Creator": "ipss-survey"}
                    fig.savefig(buf, format="svg", dpi=DPI, metadata=meta)
                    out[fmt] = buf.getvalue()
                else:
                    raise ValueError(f"unknown chart format {fmt!r}")
        finally:
            if engine is not None:
                fig.set_layout_engine(engine)
            if dpi != DPI:
                fig.set_dpi(dpi)
    return out


def _draw_png(fig: Figure, canvas: Any) -> bytes:
    """Draw with Agg and encode the pixels once, as a 256-colour palette PNG.

    The palette PNG is a third of the size of a full-colour one for flat-colour charts and
    looks the same; it keeps report.html (which embeds every chart) small enough to mail and
    open on a phone. Pillow comes with matplotlib.
    """
    import matplotlib
    from PIL import Image

    face = fig.get_facecolor()
    fig.set_facecolor(matplotlib.rcParams["savefig.facecolor"])
    try:
        canvas.draw()
    finally:
        fig.set_facecolor(face)
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    palette = image.convert("RGB").quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    palette.save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


def _mix(colour: str, t: float) -> str:
    """``colour`` moved a share ``t`` of the way to white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * t):02X}" for c in rgb)


def _hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02X}" for c in rgba[:3])


def _is_dark(colour: str) -> bool:
    """True when white text contrasts more than black with this fill (WCAG luminance)."""
    lin = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    ]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05


def _shared_clip(ax: Axes) -> Any:
    """One clip path for the many labels of a chart. ``ax.text`` makes a new one for each label
    (never used: labels are not clipped), which costs more than drawing the label."""
    from matplotlib.transforms import TransformedPatchPath

    return TransformedPatchPath(ax.patch)


def _wrap(text: str, width: int, max_lines: int = 4) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width, max_lines=max_lines, placeholder=" …")


def item_label(it: ItemStats, width: int = 46) -> str:
    """Code (with (R) when reverse-keyed) over the wrapped statement."""
    head = it.code + (" (R)" if it.reverse else "")
    return "\n".join([head, *_wrap(it.text, width)])


def _row_units(label: str) -> float:
    """Height of a row in units of one bar: extra label lines make the row taller."""
    return 1 + 0.45 * label.count("\n")


def _row_positions(labels: Sequence[str]) -> tuple[list[float], float]:
    """Centres of rows of varying height, top to bottom, and the total height in units."""
    ys, pos = [], 0.0
    for lb in labels:
        u = _row_units(lb)
        ys.append(pos + u / 2)
        pos += u
    return ys, pos


def paginate(
    weights: Sequence[float], max_rows: int = MAX_ROWS, max_weight: float = PAGE_UNITS
) -> list[range]:
    """Split rows into the fewest near-equal pages of at most ``max_rows`` rows and weight."""
    n = len(weights)
    if n == 0:
        return []
    pages = math.ceil(n / max_rows)
    while True:
        bounds = [round(i * n / pages) for i in range(pages + 1)]
        chunks = [range(bounds[i], bounds[i + 1]) for i in range(pages)]
        if pages >= n or all(sum(weights[j] for j in c) <= max_weight for c in chunks):
            return chunks
        pages += 1


# --------------------------------------------------------------------------- Likert bars


@dataclass(frozen=True)
class Category:
    """One segment of a diverging bar: a response code, or a coarse agree/neutral/disagree."""

    key: str
    label: str
    side: int  # -1 left of centre, 0 split across it, +1 right
    colour: str
    hatch: str


def likert_categories(results: Results, items: Sequence[ItemStats]) -> list[Category]:
    """Response codes in display order when the items use the instrument's scale.

    Items on a scale of their own (a yes/no or a three-point construct) are shown as
    disagree / neutral / agree from their own percentages, which Results holds for every item.
    """
    scale = results.instrument.get("scale") or {}
    points = [int(p) for p in scale.get("points") or []]
    agree = [int(p) for p in scale.get("agree") or []]
    neutral = [int(p) for p in scale.get("neutral") or []]
    disagree = [p for p in points if p not in agree and p not in neutral]
    if points and agree and disagree and all(_fits_scale(it, points, agree) for it in items):
        rising = sum(agree) / len(agree) > sum(disagree) / len(disagree)
        labels = {str(k): v for k, v in (results.instrument.get("labels") or {}).items()}

        def label(p: int) -> str:
            return f"{p} {labels[str(p)]}" if str(p) in labels else str(p)

        left = sorted(disagree, reverse=not rising)  # most extreme first
        right = sorted(agree, reverse=not rising)  # nearest the centre first
        mid = sorted(neutral, reverse=not rising)
        cats = [
            Category(str(p), label(p), -1, _shade(VERMILLION, i, len(left)), _LEFT_HATCH[i % 4])
            for i, p in enumerate(left)
        ]
        cats += [Category(str(p), label(p), 0, NEUTRAL_GREY, "") for p in mid]
        cats += [
            Category(
                str(p),
                label(p),
                1,
                _shade(BLUE, len(right) - 1 - i, len(right)),
                _RIGHT_HATCH[(len(right) - 1 - i) % 4],
            )
            for i, p in enumerate(right)
        ]
        return cats
    return [
        Category("disagree", "Disagree / other", -1, VERMILLION, _LEFT_HATCH[0]),
        Category("neutral", "Neutral", 0, NEUTRAL_GREY, ""),
        Category("agree", "Agree", 1, BLUE, _RIGHT_HATCH[0]),
    ]


_LEFT_HATCH = ("xx", "//", "--", "oo")  # most extreme first
_RIGHT_HATCH = ("..", "\\\\", "||", "++")


def _shade(base: str, rank: int, k: int) -> str:
    """rank 0 is the extreme (full colour); codes nearer the centre are lighter."""
    return base if k <= 1 else _mix(base, 0.6 * rank / (k - 1))


def _fits_scale(it: ItemStats, points: list[int], agree: list[int]) -> bool:
    if set(it.counts) != {str(p) for p in points} or sum(it.counts.values()) != it.n:
        return False
    if it.n == 0 or it.pct_agree is None:
        return it.n == 0
    share = 100 * sum(it.counts[str(p)] for p in agree) / it.n
    return abs(share - it.pct_agree) < 1e-6


def likert_shares(it: ItemStats, categories: Sequence[Category]) -> list[float]:
    """Percent of the item's valid answers in each category (0 when it has none)."""
    coarse = {"disagree": it.pct_disagree, "neutral": it.pct_neutral, "agree": it.pct_agree}
    out = []
    for cat in categories:
        if cat.key in coarse:
            out.append(coarse[cat.key] or 0.0)
        else:
            out.append(100 * it.counts.get(cat.key, 0) / it.n if it.n else 0.0)
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
    """
    view = View(results)
    items = [view.items_by_code[c] for c in codes] if codes else list(results.items)
    cats = likert_categories(results, items)
    shares = [likert_shares(it, cats) for it in items]
    labels = [item_label(it) for it in items]
    with chart_style():
        ys, total = _row_positions(labels)
        own = ax is None
        if ax is None:
            ax = _new_axes(1.7 + UNIT * total)
        clip = _shared_clip(ax)
        left = []
        for row in shares:
            before = sum(s for s, c in zip(row, cats, strict=True) if c.side < 0)
            middle = sum(s for s, c in zip(row, cats, strict=True) if c.side == 0)
            left.append(-(before + middle / 2))
        for j, cat in enumerate(cats):
            widths = [row[j] for row in shares]
            dark = _is_dark(cat.colour)
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
                label="\n".join(_wrap(cat.label, 12, 3)),
                gid=f"likert-{cat.key}",
            )
            for y, x0, w in zip(ys, left, widths, strict=True):
                if w >= 6:
                    ax.text(
                        x0 + w / 2,
                        y,
                        f"{w:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6.5,
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
        ax.set_xlabel(
            "← disagree        % of valid answers (neutral split across 0)        agree →"
        )
        legend = _legend(ax, own, ncol=len(cats), handlelength=1.6, handleheight=1.2)
        heading = _title(ax, own, title)
        if own:
            _fit(ax, heading, legend)
    return ax


# --------------------------------------------------------------------------- acceptance


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
    """Agreement and Wilson interval per item or construct, straight from Results.

    For a construct with an acceptance test the test's own pct_agree (respondents agreeing on
    average) is used, so the point and its interval describe the same proportion.
    """
    view = View(results)
    rows = []
    if target == "item":
        items = [view.items_by_code[c] for c in ids] if ids else results.items
        entries = [(it.code, item_label(it, 40), it.pct_agree) for it in items]
    else:
        cons = (
            [view.constructs_by_id[c] for c in ids]
            if ids
            else [c for c in results.constructs if c.level == "dimension"]
        )
        entries = [(c.id, "\n".join(_wrap(f"{c.id} {c.name}", 34, 3)), c.pct_agree) for c in cons]
    for ident, label, pct in entries:
        test = view.test(target, ident)
        ci = None
        sig = None
        if test:
            pct = test.get("pct_agree", pct)
            w = test.get("ci_wilson")
            if w and w[0] is not None and w[1] is not None:
                ci = (100 * w[0], 100 * w[1])
            sig = test.get("significant")
        rows.append(AcceptanceRow(ident, label, pct, ci, sig))
    return rows


def acceptance_chart(
    results: Results,
    target: str = "item",
    ids: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Forest plot: agreement % with its Wilson 95% interval, and the threshold as a line.

    Filled markers are significantly above the threshold after correction; open ones are not.
    Intervals are drawn only when Results holds acceptance tests (nothing is computed here).
    """
    view = View(results)
    rows = acceptance_rows(results, target, ids)
    threshold = view.threshold
    with chart_style():
        ys, total = _row_positions([r.label for r in rows])
        own = ax is None
        if ax is None:
            ax = _new_axes(1.7 + UNIT * total)
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
                label="Wilson 95% interval",
            )
        groups = {
            True: ("significant", "full", f"above {threshold:g}% (p adj. < {view.alpha:g})"),
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
        ax.axvline(
            threshold,
            color="black",
            linestyle="--",
            linewidth=1,
            gid="threshold",
            label=f"threshold {threshold:g}%",
        )
        clip = _shared_clip(ax)
        values = [
            ax.text(
                1.01,
                y,
                "-" if r.pct is None else f"{r.pct:.1f}%",
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="center",
                fontsize=7,
                clip_path=clip,
            )
            for y, r in zip(ys, rows, strict=True)
        ]
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 10))
        ax.xaxis.grid(True, color="#E0E0E0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_yticks(ys, [r.label for r in rows])
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)  # no marks: drawing them costs
        if target == "item":
            xlabel = "Agreement: % of valid answers in the agreement codes (statement as worded)"
        elif any(r.ci for r in rows):
            xlabel = "Respondents agreeing on average: % of respondents with a score"
        else:
            xlabel = "Agreement: % of the construct's answers, pooled after reverse keying"
        if rows and not with_ci:
            xlabel += "\n(no acceptance tests in these results: intervals not shown)"
        ax.set_xlabel(xlabel)
        legend = _legend(ax, own, ncol=4)
        heading = _title(ax, own, title)
        if own:
            _fit(ax, heading, legend, extra=values)
    return ax


# --------------------------------------------------------------------------- maturity


def _scale_span(results: Results) -> tuple[float, float] | None:
    pts = (results.instrument.get("scale") or {}).get("points")
    return (float(pts[0]), float(pts[-1])) if pts else None


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
    means = [c.mean for c in cons]
    span = _scale_span(results)
    lo = span[0] if span else (float(levels[0]["min"]) if levels else 0.0)
    known = [m for m in means if m is not None]
    hi = span[1] if span else max([*known, *(float(lv["min"]) for lv in levels)]) + 1
    labels = ["\n".join(_wrap(f"{c.id} {c.name}", 30, 3)) for c in cons]
    with chart_style():
        ys, total = _row_positions(labels)
        own = ax is None
        if ax is None:
            ax = _new_axes(1.9 + 1.3 * UNIT * total)
        for i, lv in enumerate(levels):
            start = float(lv["min"])
            end = float(levels[i + 1]["min"]) if i + 1 < len(levels) else hi
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
                "\n".join(_wrap(f"{i + 1} {lv['label']}", 14, 3)),
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
            "Mean score of respondents\n" + "\n".join(_wrap(f"Bands: {view.maturity_basis}", 95))
        )
        heading = _title(ax, own, title, pad=26)
        if own:
            _fit(ax, heading, extra=ax.texts)
    return ax


# --------------------------------------------------------------------------- heatmap


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
    import numpy as np

    view = View(results)
    names, cols, matrix = group_matrix(results, value)
    sel = groups if groups is not None else range(len(names))
    data = np.array(
        [[np.nan if v is None else float(v) for v in matrix[i]] for i in sel], dtype=float
    ).reshape(len(sel), len(cols))
    if value == "pct_agree":
        vmin, vmax, fmt, what = 0.0, 100.0, "{:.0f}", "Agreement (% of answers, pooled)"
    else:
        span = _scale_span(results) or (float(np.nanmin(data)), float(np.nanmax(data)))
        vmin, vmax, fmt, what = span[0], span[1], "{:.2f}", "Mean score"
    ns = [results.groups[i].n for i in sel]
    ylabels = ["\n".join(_wrap(f"{names[i]} (n={n})", 34, 2)) for i, n in zip(sel, ns, strict=True)]
    xlabels = [
        "\n".join([c, *_wrap(view.constructs_by_id[c].name, 13, 3)])
        if c in view.constructs_by_id
        else c
        for c in cols
    ]
    with chart_style():
        own = ax is None
        if ax is None:
            ax = _new_axes(2.0 + 1.2 * UNIT * sum(_row_units(lb) for lb in ylabels))
        image = ax.imshow(
            np.ma.masked_invalid(data),
            cmap="cividis",
            vmin=vmin,
            vmax=vmax,
            aspect="auto",
            interpolation="nearest",
        )
        image.set_gid("heatmap")
        clip = _shared_clip(ax)
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                v = data[i, j]
                dark = not math.isnan(v) and _is_dark(_hex(image.cmap(image.norm(v))))
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
        heading = _title(ax, own, title)
        if own:
            _fit(ax, heading, colorbar=bar.ax)
    return ax


# --------------------------------------------------------------------------- report set


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
    dim_weights = [_row_units(f"{d.id} {d.name}") for d in dims]
    tested = (
        "Lines: Wilson 95% intervals; filled dots are significantly above the threshold after "
        f"{view.p_adjust} correction, open dots are not. "
        if view.has_tests
        else "Dots: agreement (no acceptance tests in these results, so no intervals). "
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
            cap = f"{tested}Dashed line: the {view.threshold:g}% threshold."
            cost = 5 + len(page)
            plans.append(ChartPlan(f"acceptance-dimensions{suffix}", t, "summary", cap, draw, cost))
    if results.groups and dims:
        value = "mean" if view.levels else "pct_agree"
        what = "mean score" if value == "mean" else "agreement (%)"
        by = results.data.get("group_by") or "group"
        pages = paginate([1.0] * len(results.groups))
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            t = f"Dimension {what} by {by}" + tsuffix
            draw = partial(heatmap_chart, results, value, page, title=t)
            cap = f"Each cell: the dimension's {what} in that {by}; n = respondents in the group."
            cost = 5 + len(page) * len(dims) / 3  # a label in every cell
            plans.append(ChartPlan(f"groups-heatmap{suffix}", t, "groups", cap, draw, cost))
    for i, dim in enumerate(dims, 1):
        items = view.items_of(dim)
        if not items:
            continue
        stem = f"{i:02d}-{slug(dim.id)}"
        pages = paginate([_row_units(item_label(it)) for it in items])
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            codes = [items[j].code for j in page]
            t = f"{dim.id} {dim.name}: answers by item{tsuffix}"
            cap = (
                "Share of each item's valid answers per response; disagreement left of the "
                "centre line, agreement right, neutral split across it. (R): reverse-keyed "
                "item, shown as answered."
            )
            draw = partial(likert_chart, results, codes, title=t)
            cost = 5 + 2 * len(page)  # hatched segments and a label on each
            plans.append(ChartPlan(f"likert-{stem}{suffix}", t, dim.id, cap, draw, cost))
        pages = paginate([_row_units(item_label(it, 40)) for it in items])
        for k, page in enumerate(pages, 1):
            suffix, tsuffix = _pages(len(pages), k)
            codes = [items[j].code for j in page]
            t = f"{dim.id} {dim.name}: item acceptance, threshold {view.threshold:g}%{tsuffix}"
            draw = partial(acceptance_chart, results, "item", codes, title=t)
            cap = f"{tested}Dashed line: the {view.threshold:g}% threshold."
            cost = 5 + len(page)
            plans.append(ChartPlan(f"acceptance-{stem}{suffix}", t, dim.id, cap, draw, cost))
    return plans
