"""The charts' shared look and layout: settings, colours, text wrapping, pages, saving.

Figures are made without pyplot (nothing is shown, no GUI backend is touched) and matplotlib
is imported inside functions so the command line starts fast. Colours are the Okabe-Ito
colour-blind-safe set; every category also has a hatch pattern or a direct label, so a
greyscale print stays readable.

Size: a chart is ``WIDTH`` (4.5 in, a little wider than a journal column) wide and no text on
it is smaller than ``MIN_FONT`` points, so that shown across a phone's screen (``PHONE_PX``
CSS pixels of a 390 px wide page) its smallest text is still ``MIN_TEXT_PX`` (9) CSS pixels,
and printed on A4 at its own size it reads like a figure in a paper. PNGs are drawn at
``DPI`` (200), enough for a phone's dense screen and for print.

Speed (the reports of a run hold a dozen or more charts, each saved as PNG and SVG): a figure
of our own is laid out once by ``fit`` from the measured size of its labels instead of by a
layout engine that measures every text again on each pass and for each file; each format is
drawn once, and the PNG is encoded once, straight from the pixels.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ipss_survey.results import Results
from ipss_survey.scoring import ItemStats

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

MAX_ROWS = 25  # rows per figure: beyond this labels shrink below print legibility
UNIT = 0.3  # inches per one-line row
PAGE_UNITS = 30  # row units a figure may take: 9 in of rows on an A4 page (11.7 in tall)
WIDTH = 4.5  # inches: fits a phone's screen with MIN_FONT text at MIN_TEXT_PX, and A4 print
DPI = 200
MIN_FONT = 8.5  # points: no text on a chart is smaller (tests check every text of every chart)
TITLE_FONT = 10.0
PHONE_PX = 356  # CSS px a chart gets on a 390 px phone: less the page's padding and border
MIN_TEXT_PX = 9.0  # CSS px: the smallest text a reader should have to read on a phone
CHAR_EM = 0.53  # DejaVu Sans: average advance of a character of running text, in ems
BOLD_CHAR_EM = 0.6

VERMILLION = "#D55E00"
BLUE = "#0072B2"
NEUTRAL_GREY = "#BDBDBD"

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": MIN_FONT,
    "axes.titlesize": TITLE_FONT,
    "axes.labelsize": MIN_FONT,
    "xtick.labelsize": MIN_FONT,
    "ytick.labelsize": MIN_FONT,
    "legend.fontsize": MIN_FONT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "none",  # text stays text in SVG: searchable and editable in a paper
    "svg.hashsalt": "ipss-survey",  # fixed ids: the same chart gives the same bytes
    "pdf.fonttype": 42,
    "text.parse_math": False,  # '$' in an item text or group name is text, not TeX
    # Glyphs unhinted: at 200 dpi the smallest text is 24 px tall, where hinting changes
    # nothing a reader sees, and drawing the charts' text took half as long again with it.
    "text.hinting": "no_hinting",
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


def new_axes(height: float, width: float = WIDTH) -> Axes:
    """Axes on a figure of our own, drawn by Agg at the PNG resolution; ``_fit`` lays it out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def place_title(ax: Axes, own_figure: bool, title: str | None, pad: float = 6) -> Text | None:
    """Across the whole figure when it is ours (long titles fit), else above the axes."""
    if not title:
        return None
    fig = ax.get_figure()
    width = fig.get_figwidth() if own_figure else WIDTH
    text = "\n".join(wrap(title, chars(width - 2 * PAD, TITLE_FONT, bold=True), 3))
    if own_figure:
        return fig.suptitle(
            text, x=0.01, ha="left", va="top", fontsize=TITLE_FONT, fontweight="bold"
        )
    ax.set_title(text, loc="left", pad=pad)
    return None


def place_legend(ax: Axes, own_figure: bool, ncol: int = 1, **kwargs: Any) -> Legend | None:
    """Below the plot, outside it, when the figure is ours; else where it fits best.

    On our own figure the labels are wrapped to the width a column of the legend has, and
    the entries run along the rows (matplotlib fills columns first), so a scale's points read
    in order: 1 2 3 on the first row, 4 5 on the next.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not own_figure:
        ax.legend(frameon=False, ncol=ncol, **kwargs)
        return None
    fig = ax.get_figure()
    ncol = max(1, min(ncol, len(labels)))
    handle = kwargs.get("handlelength", 2.0) + 0.8 + kwargs.get("columnspacing", 2.0)
    column = (fig.get_figwidth() - 2 * PAD) / ncol - handle * MIN_FONT / 72
    labels = ["\n".join(wrap(lb, chars(column), 3)) or lb for lb in labels]
    rows = math.ceil(len(labels) / ncol)
    order = [r * ncol + c for c in range(ncol) for r in range(rows) if r * ncol + c < len(labels)]
    return fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="lower center",
        frameon=False,
        borderaxespad=0,
        ncol=ncol,
        **kwargs,
    )


PAD = 4 / 72  # inches: from the figure's edge to what is on it, and between title, plot, legend
COLORBAR_GAP = 0.12  # inches between a heatmap and its colour bar


def fit(
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
    # The octree may give the white background an off-white entry (251, 251, 251): a grey
    # box around the chart on a white page. The background is the corner's colour.
    colours = palette.getpalette() or []
    corner = palette.getpixel((0, 0))
    if isinstance(corner, int) and min(colours[3 * corner : 3 * corner + 3] or [0]) >= 240:
        colours[3 * corner : 3 * corner + 3] = [255, 255, 255]
        palette.putpalette(colours)
    buf = io.BytesIO()
    palette.save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


def mix(colour: str, t: float) -> str:
    """``colour`` moved a share ``t`` of the way to white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * t):02X}" for c in rgb)


def hex_colour(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02X}" for c in rgba[:3])


def is_dark(colour: str) -> bool:
    """True when white text contrasts more than black with this fill (WCAG luminance)."""
    lin = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    ]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05


def shared_clip(ax: Axes) -> Any:
    """One clip path for the many labels of a chart. ``ax.text`` makes a new one for each label
    (never used: labels are not clipped), which costs more than drawing the label."""
    from matplotlib.transforms import TransformedPatchPath

    return TransformedPatchPath(ax.patch)


def chars(inches: float, fontsize: float = MIN_FONT, bold: bool = False) -> int:
    """About how many characters of running text fit on a line ``inches`` long."""
    em = BOLD_CHAR_EM if bold else CHAR_EM
    return max(int(inches * 72 / (fontsize * em)), 4)


ELLIPSIS = "…"


def wrap(text: str | None, width: int, max_lines: int = 4) -> list[str]:
    """``text`` in lines of at most ``width`` characters; beyond ``max_lines`` lines it is cut
    at a word and ends with an ellipsis (a chart label has room for a few lines; the full
    text stays in the tables). Words longer than a line are broken."""
    flat = " ".join(str(text or "").split())
    if not flat:
        return []
    lines = textwrap.wrap(flat, width, max_lines=max_lines, placeholder=" " + ELLIPSIS)
    if lines and lines[-1] == ELLIPSIS:  # nothing of the last line fitted before it
        lines = lines[:-1]
        lines[-1] = lines[-1][: width - 2].rstrip() + " " + ELLIPSIS
    return lines


LABEL_CHARS = 28  # an item's statement beside its bar: characters a line
LABEL_LINES = 4


def item_label(it: ItemStats, width: int = LABEL_CHARS) -> str:
    """Code (with (R) when reverse-keyed) over the statement, wrapped and, when longer than
    ``LABEL_LINES`` lines, cut with an ellipsis."""
    head = it.code + (" (R)" if it.reverse else "")
    return "\n".join([head, *wrap(it.text, width, LABEL_LINES)])


def row_units(label: str) -> float:
    """Height of a row in units of one bar: extra label lines make the row taller."""
    return 1 + 0.45 * label.count("\n")


def row_positions(labels: Sequence[str]) -> tuple[list[float], float]:
    """Centres of rows of varying height, top to bottom, and the total height in units."""
    ys, pos = [], 0.0
    for lb in labels:
        u = row_units(lb)
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


def scale_span(results: Results) -> tuple[float, float] | None:
    pts = (results.instrument.scale or {}).get("points")
    return (float(pts[0]), float(pts[-1])) if pts else None


def diverging_cmap() -> Any:
    """Vermillion (below the centre) through light grey to blue (above it): the Likert
    charts' disagree and agree colours, told apart with every common colour-vision
    deficiency; the cells also carry their values, for greyscale print."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "ipss-diverging",
        [VERMILLION, mix(VERMILLION, 0.55), "#F2F2F2", mix(BLUE, 0.55), BLUE],
    )


def centred_norm(vmin: float, centre: float, vmax: float) -> Any:
    """A colour scale with ``centre`` (a threshold, a scale's midpoint) at its neutral colour;
    a plain linear one when the centre is not strictly inside the range."""
    from matplotlib.colors import Normalize, TwoSlopeNorm

    if vmin < centre < vmax:
        return TwoSlopeNorm(vcenter=centre, vmin=vmin, vmax=vmax)
    return Normalize(vmin=vmin, vmax=vmax)
