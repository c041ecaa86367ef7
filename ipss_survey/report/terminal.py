"""Terminal renderings (rich) of results and instruments; the CLI prints them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ipss_survey.report.format import fmt_ci, fmt_num, fmt_p, fmt_pct, fmt_range
from ipss_survey.report.methods import design_text
from ipss_survey.report.view import View
from ipss_survey.results import GroupTestEntry, Results

if TYPE_CHECKING:
    from rich.console import RenderableType


def results_summary(results: Results) -> list[RenderableType]:
    """Headline table: each dimension's n, mean, acceptance and acceptance range."""
    from rich import box
    from rich.table import Table

    d = results.data
    v = View(results)
    out: list[RenderableType] = []
    head = (
        f"{results.instrument.title} - {d.source}: {d.rows_analysed} of "
        f"{d.rows_read} rows analysed, {len(d.rows_excluded)} excluded"
    )
    if d.layout:
        head += f"\nRecognised: {d.layout}"
    if d.design is not None:
        head += "\n" + design_text(results).split(";")[0]
    out.append(head)
    table = Table(
        title="Dimensions",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=0,
    )
    table.add_column("Dimension")
    table.add_column("n", justify="right")
    table.add_column("Mean", justify="right")
    table.add_column("Agree", justify="right")
    table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("Item range", justify="right")
    if results.maturity:
        table.add_column("Maturity", no_wrap=True)
    for c in results.constructs:
        if c.level != "dimension":
            continue
        row = [
            f"{c.id} {c.name}",
            str(c.n),
            fmt_num(c.mean),
            fmt_pct(c.pct_agree, 0),
            _pct_interval(c.ci_pct_agree),
            fmt_range(c.acceptance_range, 0),
        ]
        if results.maturity:
            row.append(v.maturity_label(c.id))
        table.add_row(*row)
    out.append(table)
    basis = results.instrument.maturity.basis if results.instrument.maturity else ""
    if results.maturity and basis:
        out.append(f"Maturity levels: {basis}")
    stats = statistics_table(results)
    if stats is not None:
        out.append(stats)
    out += group_test_coverage(results)
    if results.groups:
        out.append(f"{len(results.groups)} groups by {d.group_by!r}: per-group tables written")
    if d.warnings:
        listed = ", ".join(f"{k} x{n}" for k, n in v.warning_counts().items())
        out.append(f"{len(d.warnings)} warning(s): {listed} (see warnings.csv)")
    return out


def statistics_table(results: Results) -> RenderableType | None:
    """Per construct: alpha with its interval, omega, acceptance test and group difference."""
    from rich.table import Table

    if not results.reliability and not results.acceptance_tests:
        return None
    from rich import box

    v = View(results)
    kw = {g.construct: g for g in _rank_tests(results)}
    alpha, threshold = v.alpha, v.threshold

    table = Table(
        title="Reliability and significance",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=0,
    )
    table.add_column("Construct", no_wrap=True)
    table.add_column("Alpha", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("Omega", justify="right", no_wrap=True)
    table.add_column("Agree", justify="right", no_wrap=True)
    table.add_column(f"> {threshold:g}%?", justify="left", no_wrap=True)
    table.add_column("p", justify="right", no_wrap=True)
    if kw:
        table.add_column("Groups\ndiffer?", justify="left", no_wrap=True)
        table.add_column("p", justify="right", no_wrap=True)
    for c in results.constructs:
        r = v.reliability(c.id)
        a = v.test("construct", c.id)
        tested = a is not None and a.pct_agree is not None
        row = [
            ("  " if c.level == "subdimension" else "") + c.id,
            fmt_num(r.alpha if r else None),
            fmt_ci(r.alpha_ci) if r and r.alpha_ci else "",
            fmt_num(r.omega_total if r else None),
            fmt_pct(a.pct_agree, 0) if a and tested else "-",
            ("yes" if a.significant else "no") if a and tested else "",
            fmt_p(a.p_adj) if a and tested else "",
        ]
        if kw:
            g = kw.get(c.id)
            if g and g.p_adj is not None:
                row += ["yes" if g.p_adj < alpha else "no", fmt_p(g.p_adj)]
            else:
                row += ["-", ""]
        table.add_row(*row)
    groups = "design-based rank test" if v.design else "Kruskal-Wallis"
    table.caption = (
        f"Agree: the construct's {v.weighted}pooled acceptance, one-sided t test with "
        f"respondents as clusters; groups: {groups}; p adjusted ({v.p_adjust_name}),"
        f" alpha {alpha:g}."
    )
    return table


def _pct_interval(ci: list[float] | None) -> str:
    """A percentage interval as '80 to 92%' (a dash would read as a minus sign)."""
    if not ci or ci[0] is None or ci[1] is None:
        return "-"
    return f"{ci[0]:.0f} to {ci[1]:.0f}%"


def _rank_tests(results: Results) -> list[GroupTestEntry]:
    """The rank test of each construct comparing the groups (the terminal's 'Groups differ')."""
    ranks = ("kruskal-wallis", "design-kruskal-wallis", "design-wilcoxon")
    return [g for g in results.group_tests if g.test in ranks]


def group_test_coverage(results: Results) -> list[str]:
    """How many groups and respondents the group tests covered, and which groups were too
    small to be tested: one line when every construct's test covered the same groups.

    Parameters
    ----------
    results
        A run with ``--group``.

    Returns
    -------
    list of str
        Lines for the terminal (none without group tests).
    """
    tests = _rank_tests(results)
    if not tests:
        return []
    in_all = len(results.groups)
    people = sum(g.n for g in results.groups)
    name = "design-based rank test" if View(results).design else "Kruskal-Wallis"
    by_cover: dict[tuple[int, int], list[str]] = {}
    for g in tests:
        by_cover.setdefault((len(g.groups), sum(g.group_sizes)), []).append(g.construct)

    def cover(groups: int, n: int) -> str:
        return f"{groups} of {in_all} groups, {n} of {people} respondents"

    if len(by_cover) == 1:
        ((groups, n),) = by_cover
        lines = [f"Group tests ({name}) cover {cover(groups, n)}, for every construct."]
    else:
        parts = [f"{', '.join(ids)}: {cover(*key)}" for key, ids in by_cover.items()]
        lines = [f"Group tests ({name}) cover " + "; ".join(parts) + "."]
    small: dict[str, int] = {}
    for g in tests:
        for e in g.excluded_groups:
            small.setdefault(e.group, e.n)
    if small:
        least = results.options.get("min_group_size")
        under = f"fewer than {least} respondents" if least else "too few respondents"
        shown = ", ".join(f"{k} ({n})" for k, n in list(small.items())[:12])
        more = f" and {len(small) - 12} more" if len(small) > 12 else ""
        lines.append(
            f"Left out of the group tests with {under}: {shown}{more} "
            f"({len(small)} groups, {sum(small.values())} respondents)."
        )
    return lines


def written_summary(written: list[Path], folder: Path) -> str:
    """'results.json, 6 CSV tables, report.html, 30 chart files in charts/' for the CLI."""
    names = [p.name for p in written if p.parent == folder and p.suffix != ".csv"]
    csvs = sum(p.suffix == ".csv" for p in written)
    charts = sum(p.parent.name == "charts" for p in written)
    parts = ["results.json"] if "results.json" in names else []
    parts += [f"{csvs} CSV tables"] if csvs else []
    parts += [n for n in names if n != "results.json"]
    parts += [f"{charts} chart files in charts/"] if charts else []
    return ", ".join(parts) or "nothing"
