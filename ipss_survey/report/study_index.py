"""A study's index: ``study.json``, ``index.html`` and ``summary.md``, drawn from one record.

``ipss-survey run`` hands over study.json's content (``study_document`` in
``ipss_survey.study.run``): the study, and for each run its options, input hashes, exit
status, outputs and headline figures (each dimension's acceptance, from the run's results).
The page and the Markdown table are drawn from that record alone, so they never disagree with
study.json. The page is self-contained (the reports' style sheet inline, no network request);
its links are relative, so the study's output folder can be moved or published whole.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ipss_survey.report.atomic import write_many
from ipss_survey.report.format import fmt_num, fmt_p, fmt_pct
from ipss_survey.report.markdown import md_escape

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STATUS_TEXT = {
    "ok": "ok",
    "below_target": "below target",
    "bad_input": "bad input",
    "internal_error": "internal error",
}
_EXTRA_CSS = """
.status-ok { color: #1b5e20; }
.status-below_target, .status-bad_input, .status-internal_error {
  color: var(--warn); font-weight: bold;
}
section.run { margin-bottom: 1.5rem; }
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _href(path: str) -> str:
    return _esc(quote(path, safe="/"))


def _status(run: Mapping[str, Any]) -> str:
    return _STATUS_TEXT.get(run["status"], run["status"])


def _signed(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:+.1f}{unit}"


def _counts(runs: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for run in runs:
        counts[_status(run)] = counts.get(_status(run), 0) + 1
    return ", ".join(f"{n} {word}" for word, n in counts.items())


def _verdict(doc: Mapping[str, Any]) -> str:
    """One sentence on the study as a whole (its exit code and why)."""
    code, runs = doc["exit_code"], doc["runs"]
    if code == 0:
        return f"Exit code 0: every run ran and every gate held ({_counts(runs)})."
    worst = [r["name"] for r in runs if r["exit_code"] == code]
    why = {1: "a gate failed", 2: "bad input", 3: "internal error"}.get(code, "failed")
    return f"Exit code {code} ({why}: {', '.join(worst)}); runs: {_counts(runs)}."


def _acceptance_cell(run: Mapping[str, Any]) -> str:
    """The run's dimensions and their acceptance, as one line of text."""
    head = run.get("headline")
    if not head:
        return "-"
    if run["kind"] == "analysis":
        return "; ".join(f"{d['id']} {fmt_pct(d['pct_agree'])}" for d in head["dimensions"])
    parts = []
    for d in head["dimensions"]:
        waves = " → ".join(fmt_pct(p) for p in d["pct_agree"])
        parts.append(f"{d['id']} {waves} ({_signed(_total_change(d['pct_agree']), ' pp')})")
    return "; ".join(parts)


def _total_change(values: Sequence[float | None]) -> float | None:
    if not values or values[0] is None or values[-1] is None:
        return None
    return values[-1] - values[0]


def _gate_text(run: Mapping[str, Any]) -> str:
    if run["gate"] is None:
        return run["message"] or "-"
    gate = run["gate"]
    if gate["passed"]:
        return f"{gate['target']}: all {gate['checked']} held"
    short = ", ".join(f"{s['construct']} {s['reached']}" for s in gate["shortfalls"])
    return f"{gate['target']}: short: {short}"


# --------------------------------------------------------------------------- summary.md


def study_markdown(doc: Mapping[str, Any]) -> str:
    """summary.md: one table for every run, then the study's verdict."""
    out = [f"# {md_escape(doc['title'])}", "", md_escape(_verdict(doc)), ""]
    out.append("| Run | Kind | Status | Rows | Dimensions: agree % | Gate or error | Report |")
    out.append("| --- | --- | --- | --: | --- | --- | --- |")
    for run in doc["runs"]:
        head = run.get("headline") or {}
        rows = head.get("rows_analysed")
        if isinstance(rows, list):
            rows = " → ".join(str(r) for r in rows)
        report = run.get("report")
        link = (
            f"[{md_escape(report.rsplit('/', 1)[-1])}]({quote(report, safe='/')})"
            if report
            else "-"
        )
        cells = [
            md_escape(run["name"]),
            run["kind"],
            _status(run),
            "-" if rows is None else md_escape(rows),
            md_escape(_acceptance_cell(run)),
            md_escape(_gate_text(run)),
            link,
        ]
        out.append("| " + " | ".join(cells) + " |")
    tool = doc["tool"]
    out += [
        "",
        f"<sub>{md_escape(tool['name'])} {md_escape(tool['version'])}; details in "
        "study.json.</sub>",
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- index.html


def _css() -> str:
    sheet = resources.files("ipss_survey.report").joinpath("templates", "report.css")
    return sheet.read_text(encoding="utf-8") + _EXTRA_CSS


def _table(head: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]]) -> str:
    """A table; ``head`` pairs a column's title with its class ('num' or ''), cells are
    markup already escaped."""
    parts = ['<div class="table-wrap"><table><thead><tr>']
    parts += [f'<th class="{cls}">{_esc(title)}</th>' for title, cls in head]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        cells = (f'<td class="{cls}">{cell}</td>' for (_, cls), cell in zip(head, row, strict=True))
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _analysis_table(head: Mapping[str, Any]) -> str:
    columns = [("Dimension", ""), ("n", "num"), ("Mean", "num"), ("Agree %", "num")]
    columns += [("95% CI", "num")]
    with_levels = any(d["maturity"] for d in head["dimensions"])
    if with_levels:
        columns.append(("Maturity", ""))
    rows = []
    for d in head["dimensions"]:
        ci = d["ci_pct_agree"]
        ci_text = "-" if not ci or None in ci else f"{ci[0]:.1f}-{ci[1]:.1f}%"
        row = [
            f"{_esc(d['id'])} {_esc(d['name'])}",
            _esc(d["n"]),
            fmt_num(d["mean"]),
            fmt_pct(d["pct_agree"]),
            ci_text,
        ]
        if with_levels:
            row.append(_esc(d["maturity"] or "-"))
        rows.append(row)
    return _table(columns, rows)


def _comparison_table(head: Mapping[str, Any]) -> str:
    waves = head["waves"]
    columns = [("Dimension", "")] + [(f"Agree % {w}", "num") for w in waves]
    steps = [(i, i + 1) for i in range(len(waves) - 1)]
    for a, b in steps:
        columns += [
            (f"Change {waves[a]} to {waves[b]}", "num"),
            ("p adj. (scores)", "num"),
        ]
    rows = []
    for d in head["dimensions"]:
        row = [f"{_esc(d['id'])} {_esc(d['name'])}"] + [fmt_pct(p) for p in d["pct_agree"]]
        for ch in d["changes"]:
            row += [_signed(ch["pct_agree_change"], " pp"), fmt_p(ch["p_adj"])]
        rows.append(row)
    return _table(columns, rows)


def _run_section(run: Mapping[str, Any]) -> str:
    name = run["name"]
    parts = [f'<section class="run" id="run-{_esc(name)}">']
    parts.append(f"<h2>{_esc(name)} <small>({_esc(run['kind'])})</small></h2>")
    status = f'<span class="status-{_esc(run["status"])}">{_esc(_status(run))}</span>'
    facts = [f"<dt>Status</dt><dd>{status} (exit code {run['exit_code']})</dd>"]
    if run["message"]:
        facts.append(
            f"<dt>{'Gate' if run['gate'] else 'Message'}</dt><dd>{_esc(run['message'])}</dd>"
        )
    for item in run["inputs"]:
        shown = item["path"] or item.get("id") or "-"
        digest = item["sha256"]
        facts.append(
            f"<dt>{_esc(item['role'].capitalize())}</dt><dd><code>{_esc(shown)}</code>"
            + (f" <small>sha256 {_esc(digest[:12])}</small>" if digest else "")
            + "</dd>"
        )
    head = run.get("headline")
    if head and run["kind"] == "analysis":
        grouped = (
            f", grouped by {head['group_by']} ({head['groups']} groups)" if head["group_by"] else ""
        )
        facts.append(
            f"<dt>Rows</dt><dd>{head['rows_analysed']} analysed of {head['rows_read']}"
            f"{_esc(grouped)}</dd>"
        )
    elif head:
        counts = ", ".join(
            f"{w}: {n}" for w, n in zip(head["waves"], head["rows_analysed"], strict=True)
        )
        how = "paired by respondent id" if head["paired"] else "independent samples"
        facts.append(f"<dt>Waves</dt><dd>{_esc(counts)} ({how})</dd>")
    if run["report"]:
        facts.append(
            f'<dt>Report</dt><dd><a href="{_href(run["report"])}">{_esc(run["report"])}</a></dd>'
        )
    parts.append('<dl class="facts">' + "".join(facts) + "</dl>")
    if head:
        table = _analysis_table(head) if run["kind"] == "analysis" else _comparison_table(head)
        parts.append(table)
    parts.append("</section>")
    return "".join(parts)


def study_html(doc: Mapping[str, Any]) -> str:
    """index.html: an overview of every run linking its report, then each run's figures."""
    title = doc["title"]
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{_esc(title)}</title><style>\n{_css()}</style></head><body>",
        f"<header><h1>{_esc(title)}</h1>",
        f'<p class="subtitle">{_esc(_verdict(doc))}</p></header><main>',
    ]
    rows = []
    for run in doc["runs"]:
        link = f'<a href="#run-{_esc(run["name"])}">{_esc(run["name"])}</a>'
        report = (
            f'<a href="{_href(run["report"])}">{_esc(run["report"].rsplit("/", 1)[-1])}</a>'
            if run["report"]
            else "-"
        )
        status = f'<span class="status-{_esc(run["status"])}">{_esc(_status(run))}</span>'
        rows.append([link, _esc(run["kind"]), status, _esc(_acceptance_cell(run)), report])
    parts.append("<h2>Runs</h2>")
    parts.append(
        _table(
            [
                ("Run", ""),
                ("Kind", ""),
                ("Status", ""),
                ("Dimensions: agree %", ""),
                ("Report", ""),
            ],
            rows,
        )
    )
    parts += [_run_section(run) for run in doc["runs"]]
    tool = doc["tool"]
    parts.append(
        f'</main><footer><p class="note">{_esc(tool["name"])} {_esc(tool["version"])}; every '
        'run\'s options, input hashes and outputs are in <a href="study.json">study.json</a>.'
        "</p></footer></body></html>\n"
    )
    return "".join(parts)


# --------------------------------------------------------------------------- writing


def study_index_files(doc: Mapping[str, Any], out_dir: str | Path) -> dict[Path, bytes]:
    """The index's three files, in memory."""
    out = Path(out_dir)
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=2) + "\n"
    return {
        out / "study.json": text.encode("utf-8"),
        out / "index.html": study_html(doc).encode("utf-8"),
        out / "summary.md": study_markdown(doc).encode("utf-8"),
    }


def write_study_index(doc: Mapping[str, Any], out_dir: str | Path) -> list[Path]:
    """Write study.json, index.html and summary.md into ``out_dir`` (whole, or none)."""
    files = study_index_files(doc, out_dir)
    write_many(files)
    return list(files)
