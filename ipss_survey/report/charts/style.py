"""The charts' shared look and layout: settings, colours, text wrapping, pages, saving.

Figures are made without pyplot (nothing is shown, no GUI backend is touched) and matplotlib
is imported inside functions so the command line starts fast. Colours are the Okabe-Ito
colour-blind-safe set and cividis; every category also has a hatch pattern or a direct label,
so a greyscale print stays readable.

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
    text = "\n".join(wrap(title, 95, 3))
    if own_figure:
        return ax.get_figure().suptitle(
            text, x=0.01, ha="left", va="top", fontsize=9.5, fontweight="bold"
        )
    ax.set_title(text, loc="left", pad=pad)
    return None


def place_legend(ax: Axes, own_figure: bool, **kwargs: Any) -> Legend | None:
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


def wrap(text: str, width: int, max_lines: int = 4) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width, max_lines=max_lines, placeholder=" …")


def item_label(it: ItemStats, width: int = 46) -> str:
    """Code (with (R) when reverse-keyed) over the wrapped statement."""
    head = it.code + (" (R)" if it.reverse else "")
    return "\n".join([head, *wrap(it.text, width)])


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
