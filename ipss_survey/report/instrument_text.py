"""Terminal renderings (rich) of instruments: the table of built-ins and one instrument's tree.

Kept apart from the results' renderings so that ``instruments list`` and ``instruments show``
load the instrument model and rich only, not the statistics and results behind a summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ipss_survey.instrument import Instrument, Scale
    from ipss_survey.instrument.catalogue import CatalogueEntry


def scale_text(scale: Scale) -> str:
    parts = [f"{p}={scale.labels[p]}" if p in scale.labels else str(p) for p in scale.points]
    text = ", ".join(parts) + f"; agree {list(scale.agree)}"
    if scale.neutral:
        text += f", neutral {list(scale.neutral)}"
    if scale.missing:
        missing = [f"{m}={scale.labels[m]}" if m in scale.labels else str(m) for m in scale.missing]
        text += f", missing [{', '.join(missing)}]"
    return text


def _count(n: int, noun: str) -> str:
    """'1 item', '3 items', '1 sub-dimension'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def instrument_tree(instrument: Instrument) -> RenderableType:
    """Dimensions, sub-dimensions and items as a tree, with counts and scales."""
    from rich.markup import escape
    from rich.tree import Tree

    inst = instrument
    root = Tree(
        f"[bold]{escape(inst.title)}[/] ({escape(inst.id)}, version {escape(inst.version or '-')}"
        f"): {_count(len(inst.items), 'item')}, {_count(len(inst.dimensions), 'dimension')}, "
        f"{_count(sum(c.level == 'subdimension' for c in inst.constructs), 'sub-dimension')}"
    )
    if inst.scale:
        root.add(f"scale: {escape(scale_text(inst.scale))}")
    nodes = {}
    for con in inst.constructs:
        label = f"{escape(con.id)} {escape(con.name)} ({_count(len(con.items), 'item')})"
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


def instruments_listing(entries: list[CatalogueEntry]) -> str:
    """The built-in instruments as plain columns: id, items, dimensions, scale, title.

    Plain text rather than a rich table: it costs no imports, survives a pipe to ``grep``
    or ``cut``, and the title, the only long cell, comes last so it needs no wrapping.
    """
    header = ("id", "items", "dimensions", "scale", "title")
    rows = [
        (
            e.id,
            str(e.items),
            str(e.dimensions),
            f"{e.scale[0]}-{e.scale[1]}" if e.scale else "per dimension",
            e.title,
        )
        for e in entries
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    right = (False, True, True, True)

    def line(cells: tuple[str, ...]) -> str:
        fixed = [
            c.rjust(w) if r else c.ljust(w)
            for c, w, r in zip(cells[:4], widths, right, strict=True)
        ]
        return "  ".join([*fixed, cells[4]])

    return "\n".join(["Built-in instruments", line(header), *map(line, rows)])


def instrument_counts(inst: Instrument) -> str:
    """ "instrument 'x', 12 items in 3 dimensions and 4 sub-dimensions"."""
    subs = sum(c.level == "subdimension" for c in inst.constructs)
    return (
        f"instrument {inst.id!r}, {_count(len(inst.items), 'item')} in "
        f"{_count(len(inst.dimensions), 'dimension')} and {_count(subs, 'sub-dimension')}"
    )
