"""Terminal renderings (rich) of results and instruments; the CLI prints them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipss_survey.instrument import Instrument, Scale

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ipss_survey.results import Results


def fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def fmt_range(r: list[float] | None) -> str:
    return "-" if not r else f"{r[0]:.0f}%-{r[1]:.0f}%"


def results_summary(results: Results) -> list[RenderableType]:
    """Headline table: each dimension's n, mean, acceptance and acceptance range."""
    from rich.table import Table

    d = results.data
    maturity = {m["construct"]: m for m in results.maturity}
    out: list[RenderableType] = []
    head = (
        f"{results.instrument['title']} - {d['source']}: {d['rows_analysed']} of "
        f"{d['rows_read']} rows analysed, {len(d['rows_excluded'])} excluded"
    )
    out.append(head)
    table = Table(title="Dimensions", title_justify="left")
    table.add_column("Dimension")
    table.add_column("n", justify="right")
    table.add_column("Mean", justify="right")
    table.add_column("Agree", justify="right")
    table.add_column("Item range", justify="right")
    if maturity:
        table.add_column("Maturity")
    for c in results.constructs:
        if c.level != "dimension":
            continue
        row = [
            f"{c.id} {c.name}",
            str(c.n),
            fmt(c.mean),
            fmt(c.pct_agree, 0, "%"),
            fmt_range(c.acceptance_range),
        ]
        if maturity:
            row.append(maturity.get(c.id, {}).get("label") or "-")
        table.add_row(*row)
    out.append(table)
    basis = results.instrument.get("maturity", {}).get("basis")
    if maturity and basis:
        out.append(f"Maturity levels: {basis}")
    stats = statistics_table(results)
    if stats is not None:
        out.append(stats)
    if results.groups:
        out.append(f"{len(results.groups)} groups by {d['group_by']!r}: per-group tables written")
    if d["warnings"]:
        counts: dict[str, int] = {}
        for w in d["warnings"]:
            counts[w["code"]] = counts.get(w["code"], 0) + 1
        listed = ", ".join(f"{k} x{v}" for k, v in counts.items())
        out.append(f"{len(d['warnings'])} warning(s): {listed} (see warnings.csv)")
    return out


def fmt_p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def statistics_table(results: Results) -> RenderableType | None:
    """Per construct: alpha with its interval, omega, acceptance test and group difference."""
    from rich.table import Table

    if not results.reliability and not results.acceptance_tests:
        return None
    rel = {r["construct"]: r for r in results.reliability}
    acc = {a["id"]: a for a in results.acceptance_tests if a["target"] == "construct"}
    kw = {g["construct"]: g for g in results.group_tests if g["test"] == "kruskal-wallis"}
    alpha = results.options.get("alpha", 0.05)
    threshold = results.options.get("threshold", 50.0)
    from rich import box

    table = Table(
        title="Reliability and significance",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("Construct", no_wrap=True)
    table.add_column("Alpha\n[95% CI]", justify="right", no_wrap=True)
    table.add_column("Omega", justify="right", no_wrap=True)
    table.add_column(f"Agree >\n{threshold:g}%? p", justify="right", no_wrap=True)
    if kw:
        table.add_column("Groups\ndiffer? p", justify="right", no_wrap=True)
    for c in results.constructs:
        r = rel.get(c.id, {})
        ci = r.get("alpha_ci")
        a_txt = fmt(r.get("alpha"))
        if ci:
            a_txt += f" [{ci[0]:.2f}-{ci[1]:.2f}]"
        a = acc.get(c.id)
        if a and a["pct_agree"] is not None:
            verdict = "yes" if a["significant"] else "no"
            acc_txt = f"{a['pct_agree']:.0f}% {verdict} {fmt_p(a['p_adj'])}"
        else:
            acc_txt = "-"
        row = [
            ("  " if c.level == "subdimension" else "") + c.id,
            a_txt,
            fmt(r.get("omega_total")),
            acc_txt,
        ]
        if kw:
            g = kw.get(c.id)
            if g and g["p_adj"] is not None:
                verdict = "yes" if g["p_adj"] < alpha else "no"
                row.append(f"{verdict} {fmt_p(g['p_adj'])}")
            else:
                row.append("-")
        table.add_row(*row)
    table.caption = (
        f"Agree: share of respondents whose score is in the agreement range, one-sided exact "
        f"binomial test; groups: Kruskal-Wallis; p adjusted ({results.options.get('p_adjust')}),"
        f" alpha {alpha:g}."
    )
    return table


def scale_text(scale: Scale) -> str:
    parts = [f"{p}={scale.labels[p]}" if p in scale.labels else str(p) for p in scale.points]
    text = ", ".join(parts) + f"; agree {list(scale.agree)}"
    if scale.neutral:
        text += f", neutral {list(scale.neutral)}"
    if scale.missing:
        text += f", missing {list(scale.missing)}"
    return text


def instrument_tree(instrument: Instrument) -> RenderableType:
    """Dimensions, sub-dimensions and items as a tree, with counts and scales."""
    from rich.markup import escape
    from rich.tree import Tree

    inst = instrument
    root = Tree(
        f"[bold]{escape(inst.title)}[/] ({escape(inst.id)}, version {escape(inst.version or '-')}"
        f"): {len(inst.items)} items, {len(inst.dimensions)} dimensions, "
        f"{sum(c.level == 'subdimension' for c in inst.constructs)} sub-dimensions"
    )
    if inst.scale:
        root.add(f"scale: {escape(scale_text(inst.scale))}")
    nodes = {}
    for con in inst.constructs:
        label = f"{escape(con.id)} {escape(con.name)} ({len(con.items)} items)"
        parent = nodes[con.parent] if con.parent else root
        node = parent.add(label)
        nodes[con.id] = node
        subs = [c for c in inst.constructs if c.parent == con.id]
        if subs:
            continue
        for code in con.items:
            item = inst.item(code)
            text = escape(item.text) if item.text else "[dim](no text)[/]"
            flags = []
            if item.reverse:
                flags.append("reverse-keyed")
            if item.text_incomplete:
                flags.append("text incomplete")
            if item.scale is not inst.scale and item.scale != inst.scale:
                flags.append(f"scale: {scale_text(item.scale)}")
            extra = f" [italic]({escape('; '.join(flags))})[/]" if flags else ""
            node.add(f"{escape(code)}: {text}{extra}")
    if inst.maturity:
        m = root.add(f"maturity levels: {escape(inst.maturity_basis or '')}")
        for i, lv in enumerate(inst.maturity, 1):
            m.add(f"{i}. {escape(lv.label)} from {lv.min:g}")
    if inst.source:
        root.add(f"source: {escape(inst.source)}")
    return root
