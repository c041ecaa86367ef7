"""Flat tables drawn from Results: the one builder behind the CSV files and the workbook.

Each ``Table`` names its CSV file and its sheet, and each ``Column`` its CSV header (the
results.json field it comes from), its spreadsheet header and its kind (how a spreadsheet
formats it), so ``acceptance_tests.csv`` and the workbook's "Acceptance tests" sheet hold
the same columns by construction. Values are as Results holds them (full precision).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ipss_survey.results import Results
from ipss_survey.scoring import ConstructStats, ItemStats


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is the CSV header, ``header`` the spreadsheet's; ``kind`` is one
    of text, wrap (long text), int, num, pct (0-100), p, prop (0-1), bool."""

    key: str
    header: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    name: str  # CSV file stem
    sheet: str  # workbook sheet name
    columns: list[Column]
    rows: list[list[Any]]  # one value per column

    def as_dicts(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


def _pair(values: Sequence[float] | None, i: int) -> float | None:
    return values[i] if values else None


# A column and how to get its value from a record.
Getter = Callable[[Any], Any]
Spec = tuple[Column, Getter]


def _table(name: str, sheet: str, specs: Sequence[Spec], records: Sequence[Any]) -> Table:
    columns = [c for c, _ in specs]
    getters = [g for _, g in specs]
    return Table(name, sheet, columns, [[g(r) for g in getters] for r in records])


def _attr(name: str) -> Getter:
    return lambda r: getattr(r, name)


def _col(key: str, header: str, kind: str = "text") -> Spec:
    """A column whose value is the record's attribute of the same name."""
    return Column(key, header, kind), _attr(key)


# --------------------------------------------------------------------------- items, constructs


def _item_specs(items: Sequence[ItemStats]) -> list[Spec]:
    codes = sorted({int(k) for it in items for k in it.counts})
    counts: list[Spec] = [
        (Column(f"count_{c}", f"Count of {c}", "int"), lambda it, c=str(c): it.counts.get(c))
        for c in codes
    ]
    weighted: list[Spec] = []
    if any(it.weighted_counts is not None for it in items):
        weighted = [
            (
                Column(f"weighted_{c}", f"Weighted {c}", "num"),
                lambda it, c=str(c): (it.weighted_counts or {}).get(c),
            )
            for c in codes
        ]
    return [
        _col("code", "Code"),
        _col("dimension", "Dimension"),
        _col("subdimension", "Sub-dimension"),
        _col("text", "Statement", "wrap"),
        _col("reverse", "Reverse-keyed", "bool"),
        _col("n", "n", "int"),
        _col("n_weighted", "n weighted", "num"),
        _col("missing", "Missing", "int"),
        _col("mean", "Mean", "num"),
        _col("se_mean", "SE mean", "num"),
        _col("sd", "SD", "num"),
        _col("median", "Median", "num"),
        *counts,
        *weighted,
        _col("pct_agree", "Agree %", "pct"),
        _col("se_pct_agree", "SE agree %", "pct"),
        _col("pct_neutral", "Neutral %", "pct"),
        _col("se_pct_neutral", "SE neutral %", "pct"),
        _col("pct_disagree", "Disagree %", "pct"),
        _col("se_pct_disagree", "SE disagree %", "pct"),
        _col("pct_favourable", "Favourable %", "pct"),
        _col("se_pct_favourable", "SE favourable %", "pct"),
    ]


def _respondents(name: str) -> Getter:
    return lambda c: getattr(c.respondents_agreeing, name) if c.respondents_agreeing else None


def _construct_specs(results: Results | None) -> list[Spec]:
    specs: list[Spec] = [
        _col("id", "Id"),
        _col("level", "Level"),
        _col("name", "Name"),
        _col("parent", "Parent"),
        (Column("n_items", "Items", "int"), lambda c: len(c.items)),
        _col("n", "n", "int"),
        _col("n_weighted", "n weighted", "num"),
        _col("mean", "Mean", "num"),
        _col("se_mean", "SE mean", "num"),
        _col("sd", "SD", "num"),
        _col("median", "Median", "num"),
        _col("answers", "Answers", "int"),
        _col("pct_agree", "Agree %", "pct"),
        _col("se_pct_agree", "SE agree %", "pct"),
        (Column("ci_low", "Agree % CI low", "pct"), lambda c: _pair(c.ci_pct_agree, 0)),
        (Column("ci_high", "Agree % CI high", "pct"), lambda c: _pair(c.ci_pct_agree, 1)),
        _col("pct_neutral", "Neutral %", "pct"),
        _col("se_pct_neutral", "SE neutral %", "pct"),
        _col("pct_disagree", "Disagree %", "pct"),
        _col("se_pct_disagree", "SE disagree %", "pct"),
        (
            Column("acceptance_min", "Item range min %", "pct"),
            lambda c: _pair(c.acceptance_range, 0),
        ),
        (
            Column("acceptance_max", "Item range max %", "pct"),
            lambda c: _pair(c.acceptance_range, 1),
        ),
        (
            Column("respondents_agreeing", "Respondents agreeing on average", "int"),
            _respondents("count"),
        ),
        (
            Column("pct_respondents_agreeing", "Respondents agreeing on average %", "pct"),
            _respondents("pct"),
        ),
    ]
    if results is not None and results.maturity:
        by_id = {m.construct: m for m in results.maturity}

        def level(c: ConstructStats) -> int | None:
            m = by_id.get(c.id)
            return m.level if m else None

        def label(c: ConstructStats) -> str | None:
            m = by_id.get(c.id)
            return m.label if m else None

        specs += [
            (Column("maturity_level", "Maturity level", "int"), level),
            (Column("maturity_label", "Maturity", "text"), label),
        ]
    return specs


def _grouped(prefix: list[Spec], specs: list[Spec]) -> list[Spec]:
    """Columns of a per-group table: the group's own columns, then the record's."""
    return prefix + [(c, lambda pair, g=g: g(pair[1])) for c, g in specs]


def _group_tables(results: Results) -> list[Table]:
    group = [(Column("group", "Group"), lambda pair: pair[0].group)]
    group_n = [(Column("group_n", "Group n", "int"), lambda pair: pair[0].n)]
    con_rows = [(g, c) for g in results.groups for c in g.constructs]
    item_rows = [(g, it) for g in results.groups for it in g.items]
    all_items = [it for g in results.groups for it in g.items]
    return [
        _table(
            "group_constructs",
            "Groups",
            _grouped(group + group_n, _construct_specs(None)),
            con_rows,
        ),
        _table("group_items", "Group items", _grouped(group, _item_specs(all_items)), item_rows),
    ]


# --------------------------------------------------------------------------- statistics


def _reliability_tables(results: Results) -> list[Table]:
    specs: list[Spec] = [
        _col("construct", "Construct"),
        _col("level", "Level"),
        _col("k", "k", "int"),
        _col("n", "n", "int"),
        _col("alpha", "Alpha", "num"),
        (Column("alpha_ci_low", "Alpha CI low", "num"), lambda r: _pair(r.alpha_ci, 0)),
        (Column("alpha_ci_high", "Alpha CI high", "num"), lambda r: _pair(r.alpha_ci, 1)),
        _col("alpha_std", "Alpha std.", "num"),
        _col("average_r", "Mean r", "num"),
        _col("omega_total", "Omega total", "num"),
    ]
    item_specs: list[Spec] = [
        (Column("construct", "Construct"), lambda pair: pair[0].construct),
        (Column("code", "Item"), lambda pair: pair[1].code),
        (Column("r_drop", "Item-rest r", "num"), lambda pair: pair[1].r_drop),
        (
            Column("alpha_if_deleted", "Alpha if deleted", "num"),
            lambda pair: pair[1].alpha_if_deleted,
        ),
    ]
    pairs = [(r, it) for r in results.reliability for it in r.items]
    return [
        _table("reliability", "Reliability", specs, results.reliability),
        _table("reliability_items", "Reliability items", item_specs, pairs),
    ]


def _acceptance_table(results: Results) -> Table:
    def wilcoxon(name: str) -> Getter:
        return lambda a: getattr(a.wilcoxon, name) if a.wilcoxon else None

    specs: list[Spec] = [
        _col("target", "Target"),
        _col("id", "Id"),
        _col("pct_agree", "Agree %", "pct"),
        _col("successes", "Agreeing answers", "int"),
        _col("answers", "Answers", "int"),
        _col("n", "Respondents", "int"),
        _col("threshold", "Threshold %", "pct"),
        _col("se", "SE %", "pct"),
        (Column("ci_low", "CI low %", "pct"), lambda a: _pair(a.ci, 0)),
        (Column("ci_high", "CI high %", "pct"), lambda a: _pair(a.ci, 1)),
        _col("statistic", "t", "num"),
        _col("df", "df", "int"),
        _col("p_value", "p", "p"),
        _col("p_adj", "p adj.", "p"),
        _col("method", "Method"),
        (Column("ci_wilson_low", "Wilson low %", "pct"), lambda a: _pair(a.ci_wilson, 0)),
        (Column("ci_wilson_high", "Wilson high %", "pct"), lambda a: _pair(a.ci_wilson, 1)),
        (Column("ci_exact_low", "Exact low %", "pct"), lambda a: _pair(a.ci_exact, 0)),
        (Column("ci_exact_high", "Exact high %", "pct"), lambda a: _pair(a.ci_exact, 1)),
        _col("meets_threshold", "Meets threshold", "bool"),
        _col("significant", "Significant", "bool"),
        (Column("wilcoxon_mu", "Signed-rank mu", "num"), wilcoxon("mu")),
        (Column("wilcoxon_v", "Signed-rank V", "num"), wilcoxon("statistic")),
        (Column("wilcoxon_p", "Signed-rank p", "p"), wilcoxon("p_value")),
    ]
    return _table("acceptance_tests", "Acceptance tests", specs, results.acceptance_tests)


def _denominator_df(g: Any) -> float | None:
    """An F test's denominator df (df is [ndf, ddf]); None for other tests."""
    return g.df[1] if isinstance(g.df, list) else None


def _group_test_tables(results: Results) -> list[Table]:
    def effect(name: str) -> Getter:
        return lambda g: getattr(g.effect, name) if g.effect else None

    specs: list[Spec] = [
        _col("construct", "Construct"),
        _col("level", "Level"),
        _col("test", "Test"),
        _col("statistic", "Statistic", "num"),
        (Column("df", "df", "num"), lambda g: g.df[0] if isinstance(g.df, list) else g.df),
        (
            Column("ddf", "Denominator df", "num"),
            lambda g: g.df[1] if isinstance(g.df, list) else None,
        ),
        _col("p_value", "p", "p"),
        _col("p_adj", "p adj.", "p"),
        (Column("effect", "Effect"), effect("name")),
        (Column("effect_value", "Effect size", "num"), effect("value")),
        (Column("groups_tested", "Groups tested", "int"), lambda g: len(g.groups)),
        (
            Column("groups_excluded", "Groups excluded"),
            lambda g: "; ".join(e.group for e in g.excluded_groups),
        ),
        _col("method", "Method", "wrap"),
    ]
    pair_specs: list[Spec] = [
        (Column("construct", "Construct"), lambda tp: tp[0].construct),
        (Column("test", "Test"), lambda tp: tp[0].test),
        (Column("a", "Group a"), lambda tp: tp[1].a),
        (Column("b", "Group b"), lambda tp: tp[1].b),
        (Column("statistic", "Statistic", "num"), lambda tp: tp[1].statistic),
        (Column("p_value", "p", "p"), lambda tp: tp[1].p_value),
        (Column("p_adj", "p adj.", "p"), lambda tp: tp[1].p_adj),
        (Column("effect", "Effect"), lambda tp: tp[1].effect.name),
        (Column("effect_value", "Effect size", "num"), lambda tp: tp[1].effect.value),
    ]
    pairs = [(g, p) for g in results.group_tests for p in g.pairwise]
    return [
        _table("group_tests", "Group tests", specs, results.group_tests),
        _table("group_pairwise", "Group pairwise", pair_specs, pairs),
    ]


# --------------------------------------------------------------------------- ledger


def _ledger_tables(results: Results) -> list[Table]:
    excluded = [_col("row", "Row", "int"), _col("id", "Id"), _col("reason", "Reason", "wrap")]
    warnings = [
        _col("code", "Code"),
        _col("item", "Item"),
        _col("count", "Count", "int"),
        _col("message", "Message", "wrap"),
    ]
    return [
        _table("excluded_rows", "Excluded rows", excluded, results.data.rows_excluded),
        _table("warnings", "Warnings", warnings, results.data.warnings),
    ]


def _choice_tables(results: Results) -> list[Table]:
    """Option counts of the multi-select and categorical questions, overall and per group."""
    specs: list[Spec] = [
        (Column("group", "Group"), lambda r: r[0]),
        (Column("question", "Question"), lambda r: r[1].id),
        (Column("text", "Question text", "wrap"), lambda r: r[1].text),
        (Column("n", "Answered", "int"), lambda r: r[1].n),
        (Column("option", "Option"), lambda r: r[2].code),
        (Column("label", "Label"), lambda r: r[2].label),
        (Column("count", "Chosen", "int"), lambda r: r[2].count),
        (Column("pct", "Chosen %", "pct"), lambda r: r[2].pct),
    ]
    out = []
    for name, sheet, attr in (
        ("multiple_choice", "Multiple choice", "multiple_choice"),
        ("categories", "Categories", "categories"),
    ):
        overall = getattr(results, attr)
        if overall is None:
            continue
        records = [(None, q, o) for q in overall for o in q.options]
        for g in results.groups:
            records += [(g.group, q, o) for q in getattr(g, attr) or [] for o in q.options]
        out.append(_table(name, sheet, specs, records))
    return out


def build_tables(results: Results) -> list[Table]:
    """Every table of a run, in a stable order: items, constructs, groups, statistics,
    excluded rows and warnings (the group tables only with a grouping; a statistics table
    of a results file without statistics holds its header only)."""
    tables = [
        _table("items", "Items", _item_specs(results.items), results.items),
        _table("constructs", "Constructs", _construct_specs(results), results.constructs),
    ]
    if results.data.group_by:
        tables += _group_tables(results)
    tables += _choice_tables(results)
    tables += _reliability_tables(results)
    tables.append(_acceptance_table(results))
    if results.data.group_by:
        tables += _group_test_tables(results)
    return tables + _ledger_tables(results)
