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
        table.add_column("Maturity (default bands)")
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
    if results.groups:
        out.append(f"{len(results.groups)} groups by {d['group_by']!r}: per-group tables written")
    if d["warnings"]:
        counts: dict[str, int] = {}
        for w in d["warnings"]:
            counts[w["code"]] = counts.get(w["code"], 0) + 1
        listed = ", ".join(f"{k} x{v}" for k, v in counts.items())
        out.append(f"{len(d['warnings'])} warning(s): {listed} (see warnings.csv)")
    return out


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
