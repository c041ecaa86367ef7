"""The outputs of ``ipss-survey compare``: compare.json, CSV tables, an HTML page, a chart.

Every number comes from the ``Comparison`` (``ipss_survey.comparison``); nothing is
recomputed. The HTML page is one self-contained file (the chart embedded, no network request)
with, per dimension and sub-dimension, the mean, acceptance and maturity level of each wave,
the change and its test, the maturity movement, and per group when the waves were grouped.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from collections.abc import Sequence
from pathlib import Path

from ipss_survey.comparison import Change, Comparison, ConstructComparison, WaveFigures
from ipss_survey.errors import SurveyError
from ipss_survey.report.charts.style import (
    BLUE,
    VERMILLION,
    chart_style,
    fit,
    new_axes,
    place_legend,
    place_title,
    render_figure,
    row_positions,
    wrap,
)
from ipss_survey.report.format import fmt_num, fmt_p, fmt_pct, safe_cell
from ipss_survey.report.write import write_with_manifest

COMPARE_FORMATS = ("json", "csv", "html", "png", "svg")
_WAVE_COLOURS = ("#999999", BLUE, VERMILLION, "#009E73", "#CC79A7", "#E69F00")


def parse_compare_formats(text: str | None) -> tuple[str, ...]:
    """``--format`` for compare: a comma list of json, csv, html, png, svg, or all."""
    if not text or text.strip() == "all":
        return COMPARE_FORMATS
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    wrong = [f for f in chosen if f not in COMPARE_FORMATS]
    if wrong:
        raise SurveyError(
            f"--format: {', '.join(wrong)} not known for compare; choose from "
            f"{', '.join(COMPARE_FORMATS)} or all"
        )
    return chosen


def _w(f: WaveFigures | None, name: str) -> float | int | str | None:
    return None if f is None else getattr(f, name)


def _test(ch: Change, name: str) -> object:
    return None if ch.test is None else getattr(ch.test, name)


def _wave_cells(cmp: Comparison, ch: Change, a: WaveFigures, b: WaveFigures) -> list[object]:
    """from, to, n, mean and acceptance in both waves, and the changes: the columns a
    construct's row and an item's row share."""
    return [
        cmp.waves[ch.from_].label,
        cmp.waves[ch.to].label,
        _w(a, "n"),
        _w(b, "n"),
        _w(a, "mean"),
        _w(b, "mean"),
        ch.mean_change,
        _w(a, "pct_agree"),
        _w(b, "pct_agree"),
        ch.pct_agree_change,
    ]


def _test_cells(ch: Change) -> list[object]:
    """n_test, test, statistic, p_value, p_adj, effect, effect_value, method."""
    effect = ch.test.effect if ch.test is not None else None
    return [
        ch.n,
        _test(ch, "name"),
        _test(ch, "statistic"),
        _test(ch, "p_value"),
        _test(ch, "p_adj"),
        None if effect is None else effect.name,
        None if effect is None else effect.value,
        ch.method,
    ]


def _construct_rows(
    cmp: Comparison, constructs: Sequence[ConstructComparison], group: str | None = None
) -> list[list[object]]:
    rows = []
    for c in constructs:
        for ch in c.changes:
            a, b = c.waves[ch.from_], c.waves[ch.to]
            row: list[object] = [] if group is None else [group]
            row += [c.id, c.level, c.name, *_wave_cells(cmp, ch, a, b)]
            row += [_w(a, "maturity_label"), _w(b, "maturity_label"), ch.maturity_change]
            rows.append(row + _test_cells(ch))
    return rows


_CONSTRUCT_HEAD = [
    "id", "level", "name", "from", "to", "n_from", "n_to", "mean_from", "mean_to", "mean_change",
    "pct_agree_from", "pct_agree_to", "pct_agree_change", "maturity_from", "maturity_to",
    "maturity_change", "n_test", "test", "statistic", "p_value", "p_adj", "effect",
    "effect_value", "method",
]  # fmt: skip
_ITEM_HEAD = [
    "code", "dimension", "text", "from", "to", "n_from", "n_to", "mean_from", "mean_to",
    "mean_change", "pct_agree_from", "pct_agree_to", "pct_agree_change", "ci_low", "ci_high",
    "n_test", "test", "statistic", "p_value", "p_adj", "effect", "effect_value", "method",
]  # fmt: skip


def _csv(head: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")


def _item_rows(cmp: Comparison) -> list[list[object]]:
    rows = []
    for it in cmp.items:
        for ch in it.changes:
            a, b = it.waves[ch.from_], it.waves[ch.to]
            ci = ch.pct_agree_ci or [None, None]
            cells = [it.code, it.dimension, it.text, *_wave_cells(cmp, ch, a, b), *ci]
            rows.append(cells + _test_cells(ch))
    return rows


def compare_chart(cmp: Comparison, formats: Sequence[str] = ("png", "svg")) -> dict[str, bytes]:
    """Dumbbell chart: each dimension's acceptance in every wave, joined by a line."""
    dims = [c for c in cmp.constructs if c.level == "dimension"]
    labels = ["\n".join(wrap(f"{c.id} {c.name}", 30, 2)) for c in dims]
    with chart_style():
        ys, total = row_positions(labels)
        ax = new_axes(1.9 + 0.32 * total)
        for y, c in zip(ys, dims, strict=True):
            xs = [w.pct_agree if w is not None else None for w in c.waves]
            known = [(i, x) for i, x in enumerate(xs) if x is not None]
            if len(known) > 1:
                ax.plot([x for _, x in known], [y] * len(known), color="#BDBDBD", lw=2, zorder=1)
            for i, x in known:
                ax.plot(
                    [x],
                    [y],
                    marker="os^Dvp"[i % 6],
                    ms=6,
                    ls="none",
                    color=_WAVE_COLOURS[i % len(_WAVE_COLOURS)],
                    zorder=2,
                    label=cmp.waves[i].label if y == ys[0] else None,
                )
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 10))
        ax.xaxis.grid(True, color="#E0E0E0", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_yticks(ys, labels)
        ax.set_ylim(total, 0)
        ax.tick_params(axis="y", length=0, left=False)
        ax.set_xlabel("Acceptance: % of the dimension's answers in the agreement codes, pooled")
        legend = place_legend(ax, True, ncol=min(len(cmp.waves), 4))
        heading = place_title(ax, True, "Acceptance by dimension, wave by wave")
        fit(ax, heading, legend)
        return render_figure(ax.figure, formats)


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _signed(value: float | None, pct: bool = False) -> str:
    if value is None:
        return "-"
    text = f"{value:+.1f} pp" if pct else f"{value:+.2f}"
    return text


def _html_table(cmp: Comparison, constructs: Sequence[ConstructComparison]) -> str:
    waves = [w.label for w in cmp.waves]
    head = ["Construct"]
    for w in waves:
        head += [f"Mean {w}", f"Agree % {w}", f"Maturity {w}"]
    head += ["Change", "Mean change", "Agree change", "Maturity", "Test", "p adj."]
    out = ['<div class="scroll"><table><thead><tr>']
    out += [f"<th>{_esc(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for c in constructs:
        for k, ch in enumerate(c.changes):
            cells = [
                ("&nbsp;&nbsp;" if c.level == "subdimension" else "") + _esc(f"{c.id} {c.name}")
            ]
            for w in c.waves:
                cells += [
                    _esc(fmt_num(_w(w, "mean"))),  # type: ignore[arg-type]
                    _esc(fmt_pct(_w(w, "pct_agree"))),  # type: ignore[arg-type]
                    _esc(_w(w, "maturity_label") or "-"),
                ]
            move = ch.maturity_change
            moved = "-" if move is None else ("same" if move == 0 else f"{move:+d} level(s)")
            cells += [
                _esc(f"{waves[ch.from_]} to {waves[ch.to]}"),
                _esc(_signed(ch.mean_change)),
                _esc(_signed(ch.pct_agree_change, pct=True)),
                _esc(moved),
                _esc(_test(ch, "name") or "-"),
                _esc(fmt_p(_test(ch, "p_adj"))),  # type: ignore[arg-type]
            ]
            if k:
                cells[0] = ""
            out.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;
padding:1rem;line-height:1.45;color:#1a1a1a}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.scroll{overflow-x:auto;border-left:3px solid #e0e0e0;margin:0.5rem 0}
table{border-collapse:collapse;font-size:0.85rem;min-width:100%}
th,td{padding:0.25rem 0.5rem;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
img{max-width:100%;height:auto}.note{color:#444;font-size:0.9rem}
@media print{.scroll{overflow:visible}}
"""


def compare_html(cmp: Comparison, chart_png: bytes | None = None, title: str | None = None) -> str:
    """The comparison as one self-contained HTML page."""
    heading = title or "Comparison of waves: " + ", ".join(w.label for w in cmp.waves)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(heading)}</h1>",
        "<ul>",
    ]
    for w in cmp.waves:
        parts.append(
            f"<li>{_esc(w.label)}: {_esc(w.source)}, {w.rows_analysed} respondents "
            f"({_esc(w.instrument)})</li>"
        )
    parts.append("</ul>")
    if cmp.paired and cmp.matched is not None:
        steps = "; ".join(
            f"{cmp.waves[i].label} to {cmp.waves[i + 1].label}: {p} matched, "
            f"{u[0]} and {u[1]} unmatched (left out of the paired tests)"
            for i, (p, u) in enumerate(zip(cmp.matched.pairs, cmp.matched.unmatched, strict=True))
        )
        parts.append(
            f'<p class="note">Respondents matched by {_esc(cmp.matched.id_column or "id")}: '
            f"{_esc(steps)}. Construct scores: Wilcoxon signed-rank test of the paired "
            "differences; item agreement: McNemar's test.</p>"
        )
    else:
        parts.append(
            '<p class="note">Waves compared as independent samples: construct scores by the '
            "Mann-Whitney test, item agreement by the two-proportion test (Fisher's exact test "
            "with small expected counts).</p>"
        )
    parts.append(
        '<p class="note">Agree %: each construct\'s acceptance, the pooled share of its '
        "answers in the agreement codes. Changes are the later wave minus the earlier; p adj. "
        "corrects over the constructs of one level.</p>"
    )
    if chart_png is not None:
        data = base64.b64encode(chart_png).decode("ascii")
        parts.append(
            f'<img alt="Acceptance by dimension in each wave" src="data:image/png;base64,{data}">'
        )
    parts.append("<h2>Dimensions and sub-dimensions</h2>")
    parts.append(_html_table(cmp, cmp.constructs))
    for g in cmp.groups:
        parts.append(f"<h2>Group: {_esc(g.group)}</h2>")
        parts.append(_html_table(cmp, [c for c in g.constructs if c.level == "dimension"]))
    if cmp.warnings:
        parts.append("<h2>Warnings</h2><ul>")
        parts += [f"<li>{_esc(w.message)}</li>" for w in cmp.warnings]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write_comparison(
    cmp: Comparison, out_dir: str | Path, formats: Sequence[str], title: str | None = None
) -> list[Path]:
    """Write the chosen outputs whole (or none of them); return the files written."""
    out = Path(out_dir)
    files: dict[Path, bytes | str] = {}
    if "json" in formats:
        files[out / "compare.json"] = cmp.to_json()
    if "csv" in formats:
        files[out / "compare_constructs.csv"] = _csv(
            _CONSTRUCT_HEAD, _construct_rows(cmp, cmp.constructs)
        )
        files[out / "compare_items.csv"] = _csv(_ITEM_HEAD, _item_rows(cmp))
        if cmp.groups:
            rows = [r for g in cmp.groups for r in _construct_rows(cmp, g.constructs, g.group)]
            files[out / "compare_groups.csv"] = _csv(["group", *_CONSTRUCT_HEAD], rows)
    kinds = [f for f in ("png", "svg") if f in formats or (f == "png" and "html" in formats)]
    drawn = compare_chart(cmp, kinds) if kinds else {}
    for fmt in ("png", "svg"):
        if fmt in formats and fmt in drawn:
            files[out / "charts" / f"compare_acceptance.{fmt}"] = drawn[fmt]
    if "html" in formats:
        files[out / "compare.html"] = compare_html(cmp, drawn.get("png"), title)
    out.mkdir(parents=True, exist_ok=True)
    if any(p.parent.name == "charts" for p in files):
        (out / "charts").mkdir(exist_ok=True)
    data = {p: v.encode("utf-8") if isinstance(v, str) else v for p, v in files.items()}
    write_with_manifest(out, data, formats, None, "all")  # earlier outputs not rewritten go
    return list(files)
