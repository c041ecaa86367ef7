"""Where each panel disagrees: a worksheet per group for the session where it agrees together.

UN DESA's DTCAF is run in two steps: each official assesses alone, then the group meets to
agree one assessment. The worksheet lists, for each group, its items from the least agreed
(lowest rwg) to the most, with the spread of its answers as counts, and flags those under the
cut-off (0.70 by default, ``--rwg-cutoff``), so the meeting starts where the views diverge.
Everything comes from Results (``agreement`` and the groups' item counts).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ipss_survey.report.csv_tables import csv_text
from ipss_survey.report.format import fmt_num
from ipss_survey.report.tables import Column, Table
from ipss_survey.results import Results

DEFAULT_CUTOFF = 0.70

EXPLANATION = (
    "rwg compares the spread of a group's answers to an item with the spread expected if its "
    "members answered at random (the uniform distribution over the scale's points): 1 means "
    "everyone gave the same answer, 0 a spread as wide as chance or wider. Values under the "
    "cut-off are flagged (0.70 is customary). rwg depends on that choice of null distribution, "
    "and with few members a single dissenting answer moves it a lot; read it with the counts."
)


@dataclass(frozen=True)
class PanelRow:
    """One item of one group's worksheet."""

    group: str
    code: str
    text: str
    rwg: float | None
    n: int
    counts: dict[str, int]
    flagged: bool


def cutoff(results: Results) -> float:
    """The run's rwg cut-off (``--rwg-cutoff``; 0.70 when the run did not set one)."""
    value = results.options.get("rwg_cutoff")
    return DEFAULT_CUTOFF if value is None else float(value)


def disagreement_rows(results: Results) -> list[PanelRow]:
    """Each group's items, least agreed first (no rwg last), with their answer counts."""
    if not results.agreement:
        return []
    limit = cutoff(results)
    texts = {it.code: it.text for it in results.items}
    rwg: dict[tuple[str, str], tuple[float | None, int]] = {}
    for entry in results.agreement:
        for it in entry.items:
            rwg.setdefault((entry.group, it.code), (it.rwg, it.n))
    out = []
    for g in results.groups:
        rows = []
        for it in g.items:
            value, n = rwg.get((g.group, it.code), (None, it.n))
            rows.append(
                PanelRow(
                    g.group,
                    it.code,
                    texts.get(it.code, ""),
                    value,
                    n,
                    dict(it.counts),
                    value is not None and value < limit,
                )
            )
        rows.sort(key=lambda r: (r.rwg is None, r.rwg if r.rwg is not None else 0.0, r.code))
        out += rows
    return out


def panel_table(results: Results) -> Table:
    """The worksheet as a table: one row per group and item, in worksheet order, with the
    group's counts of each answer code (``panel_disagreement.csv``, the workbook's "Panels")."""
    rows = disagreement_rows(results)
    codes = sorted({c for r in rows for c in r.counts}, key=lambda c: (len(c), c))
    columns = [
        Column("group", "Group"),
        Column("rank", "Rank", "int"),
        Column("code", "Item"),
        Column("text", "Statement", "wrap"),
        Column("rwg", "rwg", "num"),
        Column("n", "n", "int"),
        Column("flagged", f"Under {fmt_num(cutoff(results))}", "bool"),
        *(Column(f"count_{c}", f"Answered {c}", "int") for c in codes),
    ]
    body = []
    rank = 0
    previous = None
    for r in rows:
        rank = rank + 1 if r.group == previous else 1
        previous = r.group
        fixed = [r.group, rank, r.code, r.text, r.rwg, r.n, r.flagged]
        body.append(fixed + [r.counts.get(c, 0) for c in codes])
    return Table("panel_disagreement", "Panels", columns, body)


def disagreement_csv(results: Results) -> bytes:
    """``panel_disagreement.csv``: ``panel_table`` as CSV."""
    return csv_text(panel_table(results)).encode("utf-8")


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:60rem;
padding:1rem;line-height:1.4;color:#1a1a1a}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}
.scroll{overflow-x:auto;border-left:3px solid #e0e0e0}
table{border-collapse:collapse;font-size:0.85rem;width:100%}
th,td{padding:0.2rem 0.45rem;border-bottom:1px solid #ddd;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
tr.flag td{background:#fff4e5}tr.flag td:first-child{font-weight:bold}
.note{color:#444;font-size:0.9rem}
section{break-after:page;page-break-after:always}
@media print{.scroll{overflow:visible}body{max-width:none}}
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def panels_html(results: Results, title: str | None = None) -> str:
    """The worksheets as one printable HTML page: a section (a printed page) per group."""
    rows = disagreement_rows(results)
    limit = cutoff(results)
    heading = title or f"Where the panels disagree: {results.instrument.title}"
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(heading)}</h1>",
        f'<p class="note">{_esc(EXPLANATION)} Cut-off here: {limit:g}.</p>',
    ]
    codes = sorted({c for r in rows for c in r.counts}, key=lambda c: (len(c), c))
    labels = {str(k): v for k, v in results.instrument.labels.items()}
    by_group: dict[str, list[PanelRow]] = {}
    for r in rows:
        by_group.setdefault(r.group, []).append(r)
    for group, members in by_group.items():
        flagged = sum(r.flagged for r in members)
        size = next((g.n for g in results.groups if g.group == group), 0)
        parts.append(
            f"<section><h2>{_esc(group)}</h2><p>{size} respondents; {flagged} of "
            f"{len(members)} items under {limit:g}.</p>"
        )
        head = "".join(
            f'<th class="num" title="{_esc(labels.get(c, c))}">{_esc(c)}</th>' for c in codes
        )
        parts.append(
            '<div class="scroll"><table><thead><tr><th class="num">#</th><th>Item</th>'
            f'<th>Statement</th><th class="num">rwg</th><th class="num">n</th>{head}'
            "</tr></thead><tbody>"
        )
        for i, r in enumerate(members, 1):
            counts = "".join(f'<td class="num">{r.counts.get(c, 0)}</td>' for c in codes)
            parts.append(
                f'<tr{" class=flag" if r.flagged else ""}><td class="num">{i}</td>'
                f"<td>{_esc(r.code)}</td><td>{_esc(r.text) or '-'}</td>"
                f'<td class="num">{_esc(fmt_num(r.rwg))}</td><td class="num">{r.n}</td>'
                f"{counts}</tr>"
            )
        parts.append("</tbody></table></div></section>")
    if not by_group:
        parts.append("<p>No groups: run analyze with --group to get the worksheets.</p>")
    parts.append("</body></html>\n")
    return "".join(parts)
