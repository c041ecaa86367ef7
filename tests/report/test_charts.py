"""Charts show the numbers Results holds: bars per item, threshold lines, means, group cells.

The Results are the analysis's own (the bundled samples), so every figure a chart draws is
compared with the number results.json holds; ``without_stats`` gives a run without tests.
"""

from __future__ import annotations

from dataclasses import replace

import matplotlib
import numpy as np
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.charts import style
from ipss_survey.report.charts.acceptance import acceptance_chart
from ipss_survey.report.charts.heatmap import heatmap_chart
from ipss_survey.report.charts.jobs import (
    MIN_SHARED_COST,
    ChartJob,
    Helpers,
    HelperSettings,
    render_charts,
)
from ipss_survey.report.charts.likert import likert_chart
from ipss_survey.report.charts.maturity import maturity_chart
from ipss_survey.report.charts.plans import build_charts, chart_plans
from ipss_survey.report.charts.style import figure_bytes, paginate, render_figure
from ipss_survey.results import Results
from ipss_survey.scoring import ConstructStats, GroupStats
from tests.report.builders import dtcaf_by_ministry, without_stats

matplotlib.use("Agg")

A4 = (8.27, 11.69)


def _bars(ax) -> dict[str, list]:
    """Category key -> its bars (patches), from the gid each barh call is given."""
    return {
        c.patches[0].get_gid().removeprefix("likert-"): list(c.patches)
        for c in ax.containers
        if isinstance(c, BarContainer)
    }


def _codes(res: Results, dim: str) -> list[str]:
    return next(c.items for c in res.constructs if c.id == dim)


def test_likert_one_bar_per_item_in_every_category(dtcaf):
    codes = _codes(dtcaf, "LEA")
    ax = likert_chart(dtcaf, codes)
    bars = _bars(ax)
    assert list(bars) == ["1", "2", "3", "4", "5"]
    assert all(len(patches) == len(codes) == 11 for patches in bars.values())
    items = {it.code: it for it in dtcaf.items}
    for row, code in enumerate(codes):
        it = items[code]
        widths = {k: bars[k][row].get_width() for k in bars}
        for k, w in widths.items():
            assert w == pytest.approx(100 * it.counts[k] / it.n)
        assert sum(widths.values()) == pytest.approx(100)
        # neutral straddles the centre; disagreement ends at its left edge, agreement starts right
        neutral = bars["3"][row]
        assert neutral.get_x() + neutral.get_width() / 2 == pytest.approx(0)
        assert bars["2"][row].get_x() + bars["2"][row].get_width() == pytest.approx(neutral.get_x())
        assert bars["4"][row].get_x() == pytest.approx(it.pct_neutral / 2)
        assert bars["4"][row].get_width() + bars["5"][row].get_width() == pytest.approx(
            it.pct_agree
        )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [lb.split("\n")[0] for lb in labels] == codes
    # a statement longer than the label's lines is cut at a word, with an ellipsis
    lea04 = items["LEA04"].text
    assert labels[3].endswith(" …") and len(labels[3].split("\n")) == 1 + style.LABEL_LINES
    shown = labels[3].split("\n", 1)[1].replace("\n", " ").removesuffix(" …")
    assert lea04.startswith(shown) and len(shown) < len(lea04)


def test_likert_items_on_their_own_scale_use_agree_neutral_disagree(managers):
    ax = likert_chart(managers, ["EXT01"])
    bars = _bars(ax)
    assert list(bars) == ["disagree", "neutral", "agree"]
    ext = next(it for it in managers.items if it.code == "EXT01")
    assert bars["agree"][0].get_width() == pytest.approx(ext.pct_agree)
    assert bars["disagree"][0].get_width() == pytest.approx(ext.pct_disagree)


def test_reverse_keyed_item_is_marked_and_shown_as_answered(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    ax = likert_chart(res, ["A1", "A2", "A3"])
    a2 = next(it for it in res.items if it.code == "A2")
    assert a2.reverse
    assert ax.get_yticklabels()[1].get_text().startswith("A2 (R)")
    bars = _bars(ax)
    assert bars["1"][1].get_width() == pytest.approx(100 * a2.counts["1"] / a2.n)
    assert bars["4"][1].get_width() + bars["5"][1].get_width() == pytest.approx(a2.pct_agree)


def _points(ax) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for line in ax.lines:
        if (line.get_gid() or "").startswith("acceptance-"):
            xs += list(line.get_xdata())
            ys += list(line.get_ydata())
    order = np.argsort(ys)
    return [xs[i] for i in order], [ys[i] for i in order]


def test_acceptance_points_and_threshold_line(managers):
    managers = without_stats(managers)
    codes = _codes(managers, "ELE")
    ax = acceptance_chart(managers, "item", codes)
    threshold = [ln for ln in ax.lines if ln.get_gid() == "threshold"]
    assert len(threshold) == 1
    assert list(threshold[0].get_xdata()) == [75, 75]
    xs, _ = _points(ax)
    expected = [it.pct_agree for c in codes for it in managers.items if it.code == c]
    assert xs == pytest.approx(expected)
    # no acceptance tests in Results: no intervals are drawn (nothing is computed here)
    assert not [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_acceptance_intervals_are_the_tests_intervals(managers):
    res = managers
    codes = _codes(res, "ELE")
    ax = acceptance_chart(res, "item", codes)
    (errbar,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    segments = errbar.lines[2][0].get_segments()
    tests = {t.id: t for t in res.acceptance_tests if t.target == "item"}
    assert len(segments) == len(codes)
    for seg, code in zip(segments, codes, strict=True):
        lo, hi = tests[code].ci  # percent; for items without a design, Wilson's
        assert tests[code].ci == tests[code].ci_wilson
        assert seg[0][0] == pytest.approx(lo)
        assert seg[1][0] == pytest.approx(hi)
    filled = [ln for ln in ax.lines if ln.get_gid() == "acceptance-significant"]
    open_ = [ln for ln in ax.lines if ln.get_gid() == "acceptance-not-significant"]
    n_sig = sum(tests[c].significant for c in codes)
    assert sum(len(ln.get_xdata()) for ln in filled) == n_sig
    assert sum(len(ln.get_xdata()) for ln in open_) == len(codes) - n_sig


def test_construct_acceptance_plots_the_one_acceptance_figure(dtcaf):
    res = dtcaf
    dims = [c for c in res.constructs if c.level == "dimension"]
    ax = acceptance_chart(res, "construct")
    xs, _ = _points(ax)
    tests = {t.id: t for t in res.acceptance_tests if t.target == "construct"}
    # the point is the pooled acceptance of the dimensions table, and its interval theirs
    assert xs == pytest.approx([d.pct_agree for d in dims])
    assert xs == pytest.approx([tests[d.id].pct_agree for d in dims])
    (errbar,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    segments = errbar.lines[2][0].get_segments()
    assert [s[0][0] for s in segments] == pytest.approx([d.ci_pct_agree[0] for d in dims])
    assert "pooled" in ax.get_xlabel() and "Respondents agreeing" not in ax.get_xlabel()


def test_maturity_bars_end_at_the_dimension_means(dtcaf):
    ax = maturity_chart(dtcaf)
    dims = [c for c in dtcaf.constructs if c.level == "dimension"]
    (bars,) = [c for c in ax.containers if c.patches[0].get_gid() == "means"]
    assert len(bars.patches) == len(dims) == 6
    for patch, d in zip(bars.patches, dims, strict=True):
        assert patch.get_x() == pytest.approx(1.0)
        assert patch.get_x() + patch.get_width() == pytest.approx(d.mean)
    levels = dtcaf.instrument.maturity.levels
    bands = [p for p in ax.patches if (p.get_gid() or "").startswith("band-")]
    assert len(bands) == len(levels) == 5
    texts = [t.get_text() for t in ax.texts]
    for d in dims:
        m = next(m for m in dtcaf.maturity if m.construct == d.id)
        # the bar says its mean and level: the level's name where it fits, else its number
        assert f"{d.mean:.2f}  {m.label}" in texts or f"{d.mean:.2f}  level {m.level}" in texts
    # band names too long to sit over their bands are listed under the axis instead
    key = "; ".join(f"{i} {lv.label}" for i, lv in enumerate(levels, 1))
    assert key in ax.get_xlabel().replace("\n", " ")
    assert "not official UN DESA thresholds" in ax.get_xlabel().replace("\n", " ")


def _cells(ax) -> tuple[list[list[str]], np.ndarray]:
    """The heatmap's cell labels (rows x columns) and their colours (RGBA)."""
    rgba = np.asarray(ax.images[0].get_array())
    rows, cols = rgba.shape[:2]
    labels = [["" for _ in range(cols)] for _ in range(rows)]
    for t in ax.texts:
        x, y = t.get_position()
        labels[round(y)][round(x)] = t.get_text()
    return labels, rgba


def test_heatmap_cells_are_the_group_values(dtcaf):
    ax = heatmap_chart(dtcaf, "mean")
    labels, rgba = _cells(ax)
    dims = [c.id for c in dtcaf.constructs if c.level == "dimension"]
    assert rgba.shape[:2] == (len(dtcaf.groups), len(dims)) == (12, 6)
    for i, g in enumerate(dtcaf.groups):
        by_id = {c.id: c for c in g.constructs}
        assert labels[i] == [f"{by_id[d].mean:.2f}" for d in dims]
    assert ax.get_yticklabels()[0].get_text().startswith(dtcaf.groups[0].group.split()[0])
    ax = heatmap_chart(dtcaf, "pct_agree", range(0, 3))
    labels, _ = _cells(ax)
    assert labels[2][0] == f"{dtcaf.groups[2].constructs[0].pct_agree:.0f}"


def _side(colour) -> int:
    """+1 for the blue (good) side of the diverging scale, -1 for vermillion, 0 for grey."""
    r, _, b = colour[:3]
    return 0 if abs(b - r) < 0.03 else (1 if b > r else -1)


def test_heatmap_colours_diverge_around_the_reference(dtcaf):
    """Means around the scale's midpoint, acceptance around the threshold: a cell's colour
    says which side of it the value is on, whatever the value's distance from the ends."""
    ax = heatmap_chart(dtcaf, "mean")
    _, rgba = _cells(ax)
    dims = [c.id for c in dtcaf.constructs if c.level == "dimension"]
    for i, g in enumerate(dtcaf.groups):
        by_id = {c.id: c for c in g.constructs}
        for j, d in enumerate(dims):
            mean = by_id[d].mean
            if abs(mean - 3) > 0.15:  # 1-5 scale: midpoint 3
                assert _side(rgba[i, j]) == (1 if mean > 3 else -1), (g.group, d, mean)
    strict = replace(dtcaf, options={**dtcaf.options, "threshold": 30.0})
    ax = heatmap_chart(strict, "pct_agree")
    _, rgba = _cells(ax)
    for i, g in enumerate(dtcaf.groups):
        by_id = {c.id: c for c in g.constructs}
        for j, d in enumerate(dims):
            pct = by_id[d].pct_agree
            if abs(pct - 30) > 4:
                assert _side(rgba[i, j]) == (1 if pct > 30 else -1), (g.group, d, pct)


def test_a_construct_where_higher_is_worse_turns_its_colours_round(managers):
    """A construct of constraints (``direction: higher_worse`` in the instrument): high
    agreement is the bad side, vermillion, and its column and bars say so."""
    constructs = []
    for c in managers.constructs:
        c = replace(c)
        if "CON" in (c.id, c.parent):
            c.direction = "higher_worse"  # what results.json would carry (not yet in schema 2)
        constructs.append(c)
    res = replace(managers, constructs=constructs)
    j = [c.id for c in res.constructs if c.level == "dimension"].index("CON")
    plain_labels, plain = _cells(heatmap_chart(managers, "pct_agree"))
    labels, turned = _cells(heatmap_chart(res, "pct_agree"))
    assert labels == plain_labels
    for i in range(turned.shape[0]):
        assert _side(turned[i, j]) == -_side(plain[i, j])
        others = [k for k in range(turned.shape[1]) if k != j]
        assert np.allclose(turned[i, others], plain[i, others])
    ax = heatmap_chart(res, "pct_agree")
    heads = " ".join(t.get_text() for t in ax.get_xticklabels())
    key = " ".join(t.get_text() for t in ax.get_figure().legends[0].get_texts())
    assert "higher is worse" in heads + key
    codes = _codes(res, "CON")
    normal, flipped = _bars(likert_chart(managers, codes)), _bars(likert_chart(res, codes))
    agree = list(normal)[-1]
    assert normal[agree][0].get_facecolor() != flipped[agree][0].get_facecolor()
    assert _side(flipped[agree][0].get_facecolor()) == -1


def test_paginate_splits_evenly_and_respects_heights():
    pages = paginate([1.0] * 94)
    assert [len(p) for p in pages] == [24, 23, 23, 24]
    assert [i for p in pages for i in p] == list(range(94))
    assert paginate([1.0] * 25) == [range(25)]
    assert paginate([]) == []
    tall = paginate([3.0] * 20)  # three-line labels: 60 units of rows, 30 fit a page
    assert len(tall) == 2 and all(sum([3.0] * len(p)) <= style.PAGE_UNITS for p in tall)


def _one_dimension(res: Results) -> Results:
    """All 94 DTCAF items in one dimension: the worst case for one chart."""
    codes = [it.code for it in res.items]
    lea = res.constructs[0]
    dim = replace(lea, id="ALL", name="All statements", items=codes)
    items = [replace(it, dimension="ALL", subdimension=None) for it in res.items]
    return replace(res, items=items, constructs=[dim], groups=[], maturity=[])


def test_94_items_in_one_dimension_are_split_into_pages(dtcaf):
    res = _one_dimension(dtcaf)
    built = list(build_charts(res))
    likert = [c for c in built if c.name.startswith("likert-")]
    n = len(likert)
    assert n >= 4 and [c.name for c in likert] == [f"likert-01-ALL-p{k}" for k in range(1, n + 1)]
    per_page = [len(c.figure.axes[0].containers[0].patches) for c in likert]
    assert sum(per_page) == 94 and max(per_page) <= style.MAX_ROWS
    assert f"({n} of {n})" in likert[-1].title
    for c in built:
        w, h = c.figure.get_size_inches()
        assert w <= A4[0] and h <= A4[1], c.name
        c.close()


def test_40_groups_are_split_into_heatmap_pages(dtcaf):
    dims = [c for c in dtcaf.constructs if c.level == "dimension"]
    groups = [
        GroupStats(
            group=f"Department {i:02d}",
            n=10 + i,
            constructs=[replace(d, mean=1 + i / 10, pct_agree=float(i * 2)) for d in dims],
        )
        for i in range(40)
    ]
    res = replace(dtcaf, groups=groups)
    pages = [c for c in build_charts(res) if c.name.startswith("groups-heatmap")]
    n = len(pages)
    assert n >= 2 and [c.name for c in pages] == [f"groups-heatmap-p{k}" for k in range(1, n + 1)]
    cells = [_cells(c.figure.axes[0])[0] for c in pages]
    assert sum(len(r) for r in cells) == 40 and max(len(r) for r in cells) <= style.MAX_ROWS
    first = len(cells[0])  # the second page starts with the group after the first page's last
    assert cells[1][0][0] == f"{groups[first].constructs[0].mean:.2f}"
    assert all(c.figure.get_size_inches()[1] <= A4[1] for c in pages)


def test_chart_names_and_svg_text(mini, mini_csv):
    """Byte-for-byte determinism is checked over all formats in test_html_report."""
    res = analyze(mini_csv, mini, Options(group="team"))
    built = list(build_charts(res))
    assert [c.name for c in built] == [
        "maturity",
        "acceptance-dimensions",
        "groups-heatmap",
        "likert-01-A",
        "acceptance-01-A",
        "likert-02-B",
        "acceptance-02-B",
        "likert-03-Y",
        "acceptance-03-Y",
    ]
    svg = figure_bytes(built[3].figure, "svg").decode()
    assert "<text" in svg and "A reverse-keyed statement." in svg  # text, not glyph paths
    assert "dc:date" not in svg
    assert figure_bytes(built[3].figure, "png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_text_is_drawn_literally(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    hostile = "$x^2$ <script>alert(1)</script> & =cmd|' /C calc'!A0"
    items = [replace(it, text=hostile) if it.code == "A1" else it for it in res.items]
    res = replace(res, items=items)
    ax = likert_chart(res, ["A1"])
    assert "$x^2$ <script>" in ax.get_yticklabels()[0].get_text().replace("\n", " ")
    svg = figure_bytes(ax.get_figure(), "svg").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "<script>" not in svg


def test_plot_functions_draw_into_a_given_axes(dtcaf):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 9))
    axes = fig.subplots(2, 2)
    assert likert_chart(dtcaf, ["LEA01", "LEA02"], ax=axes[0, 0], title="t") is axes[0, 0]
    assert acceptance_chart(dtcaf, "construct", ax=axes[0, 1]) is axes[0, 1]
    assert maturity_chart(dtcaf, ax=axes[1, 0]) is axes[1, 0]
    assert heatmap_chart(dtcaf, ax=axes[1, 1]) is axes[1, 1]
    assert axes[0, 0].get_title(loc="left") == "t"


def test_missing_statistics_do_not_break_charts(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    empty = ConstructStats(
        id="E",
        level="dimension",
        name="Empty",
        parent=None,
        items=[],
        n=0,
        n_weighted=0.0,
        mean=None,
        se_mean=None,
        sd=None,
        median=None,
        answers=0,
        pct_agree=None,
        se_pct_agree=None,
        ci_pct_agree=None,
        acceptance_range=None,
        pct_neutral=None,
        se_pct_neutral=None,
        pct_disagree=None,
        se_pct_disagree=None,
    )
    res = replace(res, constructs=[*res.constructs, empty])
    ax = maturity_chart(res)
    assert any(t.get_text() == "no score" for t in ax.texts)
    ax = acceptance_chart(res, "construct")
    assert ax.texts[-1].get_text() == "-"


def _inside(inner, outer, slack: float = 1.0) -> bool:
    return (
        inner.x0 >= outer.x0 - slack
        and inner.y0 >= outer.y0 - slack
        and inner.x1 <= outer.x1 + slack
        and inner.y1 <= outer.y1 + slack
    )


def test_every_chart_fits_its_page_without_overlaps(dtcaf):
    """The layout (measured once, no layout engine) keeps every label on the figure and the
    title, plot and legend apart."""
    res = dtcaf
    for chart in build_charts(res):
        fig = chart.figure
        renderer = fig.canvas.get_renderer()
        fig.canvas.draw()
        assert _inside(fig.get_tightbbox(renderer), fig.bbox_inches), chart.name
        ax = fig.axes[0]
        plot = ax.get_tightbbox(renderer, bbox_extra_artists=ax.texts)
        assert _inside(plot, fig.bbox), chart.name
        title = fig.get_suptitle() and fig._suptitle.get_window_extent(renderer)
        assert title and title.y0 >= plot.y1, chart.name  # the title sits above the plot
        for legend in fig.legends:
            assert legend.get_window_extent(renderer).y1 <= plot.y0, chart.name
        for cax in fig.axes[1:]:  # the heatmap's colour bar, right of the cells
            assert cax.get_window_extent(renderer).x0 > ax.get_window_extent(renderer).x1
            assert _inside(cax.get_tightbbox(renderer), fig.bbox), chart.name
        chart.close()


def test_png_and_svg_come_from_one_layout(dtcaf):
    """Both formats are drawn from the same positions; a figure with a layout engine of its
    own is laid out once and keeps its engine."""
    chart = next(c for c in build_charts(dtcaf) if c.name.startswith("likert-"))
    before = chart.figure.axes[0].get_position().bounds
    drawn = render_figure(chart.figure, ("png", "svg"))
    assert drawn["png"][:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in drawn["svg"][:500]
    assert chart.figure.axes[0].get_position().bounds == before
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3), layout="constrained")
    maturity_chart(dtcaf, ax=fig.add_subplot())
    drawn = render_figure(fig, ("svg", "png"))
    assert list(drawn) == ["svg", "png"]
    assert fig.get_layout_engine() is not None


def test_a_helper_process_draws_the_same_bytes(dtcaf):
    """Charts drawn by the helper process equal those drawn here, byte for byte."""
    alone = render_charts(dtcaf, ("png", "svg"), processes=1)
    job = ChartJob(dtcaf, ("png", "svg"), processes=2)
    assert job._thread is not None
    job._thread.join()  # let the helper take every chart before this process takes any
    shared = job.finish()
    assert [p.name for p, _ in shared] == [p.name for p, _ in alone]
    assert [d for _, d in shared] == [d for _, d in alone]


_HUNG_HELPER = """
import pickle, sys, time
sys.path[:] = pickle.load(sys.stdin.buffer)
from ipss_survey.report.charts.plans import chart_plans
results, formats = pickle.load(sys.stdin.buffer)
pickle.dump(("ready", [p.name for p in chart_plans(results)]), sys.stdout.buffer)
sys.stdout.flush()
pickle.load(sys.stdin.buffer)
time.sleep(600)
"""


@pytest.mark.parametrize("helper", ["import sys; sys.exit(3)", _HUNG_HELPER])
def test_charts_are_drawn_here_when_the_helper_fails_or_hangs(mini, mini_csv, helper):
    res = analyze(mini_csv, mini, Options(group="team"))
    failing = Helpers(HelperSettings(code=helper, patience=1.0))
    drawn = render_charts(res, ("png",), processes=2, helpers=failing)
    alone = render_charts(res, ("png",), processes=1)
    assert [p.name for p, _ in drawn] == [p.name for p, _ in alone]
    assert [d for _, d in drawn] == [d for _, d in alone]


def test_one_process_when_asked_or_little_to_draw(mini, mini_csv):
    res = analyze(mini_csv, mini, Options())
    assert sum(p.cost for p in chart_plans(res)) < MIN_SHARED_COST
    assert ChartJob(res, ("png",))._proc is None
    job = ChartJob(dtcaf_by_ministry(), ("png",), processes=1)
    assert job._proc is None and len(job.plans) == 15
    job.close()


def test_a_prestarted_helper_is_taken_by_the_next_job(dtcaf):
    """The helper started ahead of the analysis draws the same bytes as this process."""
    helpers = Helpers(HelperSettings(spare_cpus=lambda: 1))
    helpers.prestart()
    warm = helpers.warm
    assert warm is not None
    job = ChartJob(dtcaf, ("png", "svg"), helpers=helpers)
    assert job._proc is warm and helpers.warm is None
    job._thread.join()  # the helper takes every chart
    shared = job.finish()
    alone = render_charts(dtcaf, ("png", "svg"), processes=1)
    assert [d for _, d in shared] == [d for _, d in alone]
    assert warm.poll() is not None  # stopped once the charts were drawn


def test_an_unused_prestarted_helper_is_stopped(dtcaf):
    helpers = Helpers(HelperSettings(spare_cpus=lambda: 1))
    helpers.prestart()
    warm = helpers.warm
    helpers.discard()
    assert warm.poll() is not None and helpers.warm is None
    helpers.prestart()  # a job told to draw alone stops it too
    warm = helpers.warm
    job = ChartJob(dtcaf, ("png",), processes=1, helpers=helpers)
    assert job._proc is None and warm.poll() is not None
    job.close()


# --------------------------------------------------------------------------- size and text


def _texts(fig) -> list:
    """Every text a reader sees on a figure: its own, its axes' (ticks, labels), legends'."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("which", ["dtcaf", "managers", "collaborative"])
def test_no_chart_text_is_smaller_than_a_phone_can_show(which, request):
    """Every chart is WIDTH wide and no text on it is under MIN_FONT points, so that shown
    across a 390 px phone (PHONE_PX of chart) its smallest text is at least 9 CSS px."""
    res = request.getfixturevalue(which)
    assert style.MIN_FONT / 72 * style.PHONE_PX / style.WIDTH >= style.MIN_TEXT_PX
    for chart in build_charts(res):
        fig = chart.figure
        assert fig.get_figwidth() == pytest.approx(style.WIDTH), chart.name
        small = {t.get_text()[:30] for t in _texts(fig) if t.get_fontsize() < style.MIN_FONT}
        assert small == set(), chart.name
        chart.close()


def test_pngs_are_drawn_at_200_dpi(dtcaf):
    import io
    import struct

    from PIL import Image

    plan = chart_plans(dtcaf)[0]
    png = render_figure(plan.build().figure, ("png",))["png"]
    width, _ = struct.unpack(">II", png[16:24])
    assert style.DPI == 200 and width == round(style.WIDTH * 200)
    dpi = Image.open(io.BytesIO(png)).info["dpi"]
    assert dpi[0] == pytest.approx(200, abs=0.1)
    assert Image.open(io.BytesIO(png)).convert("RGB").getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("text", "width", "lines", "expected"),
    [
        ("short text", 20, 2, ["short text"]),
        ("one two three four five six", 10, 2, ["one two", "three …"]),
        ("a" * 30, 10, 2, ["aaaaaaaa …"]),  # a word longer than a line is broken, then cut
        ("  spaced\n\tout  ", 20, 2, ["spaced out"]),
        ("", 10, 2, []),
    ],
)
def test_long_labels_are_cut_with_an_ellipsis(text, width, lines, expected):
    got = style.wrap(text, width, lines)
    assert got == expected
    assert all(len(ln) <= width for ln in got) and len(got) <= lines


def test_a_long_statement_is_cut_in_the_chart_and_whole_in_the_table(mini, mini_csv):
    """The chart label ends with an ellipsis; the HTML item table keeps every word."""
    from ipss_survey.report.html import html_report

    res = analyze(mini_csv, mini, Options())
    long = " ".join(f"word{i}" for i in range(80)) + " LASTWORD"
    items = [replace(it, text=long) if it.code == "A1" else it for it in res.items]
    res = replace(res, items=items)
    label = likert_chart(res, ["A1"]).get_yticklabels()[0].get_text()
    assert label.endswith("…") and "LASTWORD" not in label
    assert len(label.split("\n")) == 1 + style.LABEL_LINES
    assert long in html_report(res, charts=[])


# --------------------------------------------------------------------------- themes


def test_theme_bars_are_the_themes_shares_and_the_unmatched_share(managers):
    from ipss_survey.report.charts.themes import UNMATCHED_LABEL, themes_chart

    (q,) = managers.open_answers
    themes = [t for t in managers.themes if t.item == q.item]
    ax = themes_chart(q, managers.themes)
    (bars,) = [c for c in ax.containers if c.patches[0].get_gid() == "themes"]
    (rest,) = [c for c in ax.containers if c.patches[0].get_gid() == "themes-unmatched"]
    assert [p.get_width() for p in bars.patches] == pytest.approx([t.pct for t in themes])
    assert rest.patches[0].get_width() == pytest.approx(q.pct_unmatched)
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == [t.name for t in themes] + [UNMATCHED_LABEL]
    values = [t.get_text() for t in ax.texts]
    assert values[-1] == f"{q.pct_unmatched:.0f}% ({q.unmatched})"
    assert values[0] == f"{themes[0].pct:.0f}% ({themes[0].respondents})"
    assert str(q.nonempty) in ax.get_xlabel()


def test_each_open_question_has_its_theme_chart_and_a_long_codebook_pages(managers):
    plans = [p for p in chart_plans(managers) if p.name.startswith("themes-")]
    assert [(p.name, p.section) for p in plans] == [("themes-CON_OPEN", "open-CON_OPEN")]
    (q,) = managers.open_answers
    base = next(t for t in managers.themes if t.item == q.item)
    many = [replace(base, theme=f"t{i:02d}", name=f"Theme number {i}") for i in range(40)]
    res = replace(
        managers,
        themes=many,
        open_answers=[replace(q, theme_ids=[t.theme for t in many])],
    )
    pages = [c for c in build_charts(res) if c.name.startswith("themes-")]
    assert len(pages) >= 2
    bars = [
        len(c.patches)
        for chart in pages
        for c in chart.figure.axes[0].containers
        if c.patches[0].get_gid() == "themes"
    ]
    assert sum(bars) == 40 and max(bars) <= style.MAX_ROWS
    last = pages[-1].figure.axes[0]
    assert any(c.patches[0].get_gid() == "themes-unmatched" for c in last.containers)
    for chart in pages:
        assert chart.figure.get_size_inches()[1] <= A4[1]
        chart.close()
