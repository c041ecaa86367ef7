"""Flat tables drawn from Results: the one builder behind the CSV files and the workbook.

Each ``Table`` names its CSV file and its sheet, and each ``Column`` its CSV header (the
results.json field it comes from), its spreadsheet header and its kind (how a spreadsheet
formats it), so ``acceptance_tests.csv`` and the workbook's "Acceptance tests" sheet hold
the same columns by construction. Values are as Results holds them (full precision).

Headers name the construct's pooled figure "Acceptance" (with its interval), and under a
survey design with weights say "(weighted)" on every weighted figure; the CSV keys stay the
results.json field names whatever the run. ``summary_table``, ``level_tables`` and
``answers_table`` are the workbook's own views (no CSV file) of the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ipss_survey.report.view import View
from ipss_survey.results import Results
from ipss_survey.scoring import ConstructStats, ItemStats
from ipss_survey.scoring.classification import ClassCount, ClassificationSummary


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


def _w(header: str, weighted: bool) -> str:
    """A header as it reads under a design with weights: 'Mean (weighted)'."""
    return f"{header} (weighted)" if weighted else header


def _weighted(results: Results | None) -> bool:
    return results is not None and bool(View(results).weighted)


# --------------------------------------------------------------------------- items, constructs


def _item_specs(items: Sequence[ItemStats], weighted: bool = False) -> list[Spec]:
    codes = sorted({int(k) for it in items for k in it.counts})
    counts: list[Spec] = [
        (Column(f"count_{c}", f"Count of {c}", "int"), lambda it, c=str(c): it.counts.get(c))
        for c in codes
    ]
    weights: list[Spec] = []
    if any(it.weighted_counts is not None for it in items):
        weights = [
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
        _col("mean", _w("Mean", weighted), "num"),
        _col("se_mean", "SE mean", "num"),
        _col("sd", _w("SD", weighted), "num"),
        _col("median", _w("Median", weighted), "num"),
        *counts,
        *weights,
        _col("pct_agree", _w("Agree %", weighted), "pct"),
        _col("se_pct_agree", "SE agree %", "pct"),
        _col("pct_neutral", _w("Neutral %", weighted), "pct"),
        _col("se_pct_neutral", "SE neutral %", "pct"),
        _col("pct_disagree", _w("Disagree %", weighted), "pct"),
        _col("se_pct_disagree", "SE disagree %", "pct"),
        _col("pct_favourable", _w("Favourable %", weighted), "pct"),
        _col("se_pct_favourable", "SE favourable %", "pct"),
    ]


def _respondents(name: str) -> Getter:
    return lambda c: getattr(c.respondents_agreeing, name) if c.respondents_agreeing else None


def _construct_specs(results: Results | None, weighted: bool | None = None) -> list[Spec]:
    """Columns of a construct table; maturity columns only when ``results`` has levels."""
    w = _weighted(results) if weighted is None else weighted
    specs: list[Spec] = [
        _col("id", "Id"),
        _col("level", "Level"),
        _col("name", "Name"),
        _col("parent", "Parent"),
        (Column("n_items", "Items", "int"), lambda c: len(c.items)),
        _col("n", "n", "int"),
        _col("n_weighted", "n weighted", "num"),
        _col("mean", _w("Mean", w), "num"),
        _col("se_mean", "SE mean", "num"),
        _col("sd", _w("SD", w), "num"),
        _col("median", _w("Median", w), "num"),
        _col("answers", "Answers", "int"),
        _col("pct_agree", _w("Acceptance %", w), "pct"),
        _col("se_pct_agree", "SE acceptance %", "pct"),
        (
            Column("ci_low", "Acceptance 95% CI low %", "pct"),
            lambda c: _pair(c.ci_pct_agree, 0),
        ),
        (
            Column("ci_high", "Acceptance 95% CI high %", "pct"),
            lambda c: _pair(c.ci_pct_agree, 1),
        ),
        _col("pct_neutral", _w("Neutral %", w), "pct"),
        _col("se_pct_neutral", "SE neutral %", "pct"),
        _col("pct_disagree", _w("Disagree %", w), "pct"),
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
    w = _weighted(results)
    return [
        _table(
            "group_constructs",
            "Groups",
            _grouped(group + group_n, _construct_specs(None, w)),
            con_rows,
        ),
        _table("group_items", "Group items", _grouped(group, _item_specs(all_items, w)), item_rows),
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
        _col("pct_agree", _w("Acceptance %", _weighted(results)), "pct"),
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


# --------------------------------------------------------------------------- open answers


def _theme_records(results: Results) -> list[tuple[Any, ...]]:
    """(kind, question, theme entry or None, group entry or None) per themes.csv row: each
    question's themes overall then per group, and its answers that matched no theme."""
    themes = results.themes or []
    records: list[tuple[Any, ...]] = []
    for q in results.open_answers or []:
        own = {t.theme: t for t in themes if t.item == q.item}
        ordered = [own[t] for t in q.theme_ids if t in own]
        records += [("theme", q, t, None) for t in ordered]
        records += [("theme", q, t, g) for t in ordered for g in t.groups]
        records.append(("unmatched", q, None, None))
    return records


def _theme_value(name: str) -> Getter:
    def get(r: tuple[Any, ...]) -> Any:
        _, q, t, g = r
        if name == "respondents":
            return g.respondents if g else (t.respondents if t else q.unmatched)
        if name == "pct":
            return g.pct if g else (t.pct if t else q.pct_unmatched)
        return getattr(t, name) if t else None

    return get


def open_answer_tables(results: Results) -> list[Table]:
    """themes.csv (each theme's respondents and share, overall and per group, and each
    question's unmatched answers) and open_answers.csv (every coded answer, its themes
    joined by "; "); only when the run has open-ended questions."""
    if results.open_answers is None:
        return []
    theme_specs: list[Spec] = [
        (Column("item", "Question"), lambda r: r[1].item),
        (Column("kind", "Row"), lambda r: r[0]),
        (Column("theme", "Theme"), _theme_value("theme")),
        (
            Column("name", "Theme name", "wrap"),
            lambda r: r[2].name if r[2] else "(matched no theme)",
        ),
        (Column("group", "Group"), lambda r: r[3].group if r[3] else None),
        (Column("answered", "Answered", "int"), lambda r: None if r[3] else r[1].nonempty),
        (Column("respondents", "Respondents", "int"), _theme_value("respondents")),
        (Column("pct", "% of those who answered", "pct"), _theme_value("pct")),
    ]
    coded = [(q, a) for q in results.open_answers for a in q.coded]
    return [
        _table("themes", "Themes", theme_specs, _theme_records(results)),
        _table("open_answers", "Open answers", _answer_specs(), coded),
    ]


def _answer_specs() -> list[Spec]:
    return [
        (Column("item", "Question"), lambda qa: qa[0].item),
        (Column("row", "Row", "int"), lambda qa: qa[1].row),
        (Column("id", "Id"), lambda qa: qa[1].id),
        (Column("group", "Group"), lambda qa: qa[1].group),
        (Column("answer", "Answer", "wrap"), lambda qa: qa[1].answer),
        (Column("themes", "Themes"), lambda qa: "; ".join(qa[1].themes)),
    ]


def answers_table(results: Results) -> Table | None:
    """The workbook's "Answers" sheet: open_answers.csv's columns, then one column per theme
    (in codebook order, every question's) holding 1 where the answer was coded to it and
    nothing where not, so that a researcher can check each coding and recode by hand."""
    if not results.open_answers:
        return None
    theme_ids: list[str] = []
    for q in results.open_answers:
        theme_ids += [t for t in q.theme_ids if t not in theme_ids]
    flags: list[Spec] = [
        (Column(f"theme_{t}", t, "int"), lambda qa, t=t: 1 if t in qa[1].themes else None)
        for t in theme_ids
    ]
    coded = [(q, a) for q in results.open_answers for a in q.coded]
    return _table("answers", "Answers", _answer_specs() + flags, coded)


def _class_records(
    summary: ClassificationSummary,
) -> list[tuple[ClassificationSummary, Any, str, ClassCount | None]]:
    """(classification, group or None, kind, class) for each class, then unclassified and
    unmatched, overall and then per group."""
    out: list[tuple[ClassificationSummary, Any, str, ClassCount | None]] = []
    for g in [None, *summary.groups]:
        source = g or summary
        out += [(summary, g, "otherwise" if k.otherwise else "class", k) for k in source.classes]
        out += [(summary, g, "unclassified", None), (summary, g, "unmatched", None)]
    return out


def _class_value(name: str) -> Getter:
    """A record's count or percentage: its class's, or its set's unclassified or unmatched."""

    def get(r: tuple[Any, ...]) -> Any:
        summary, g, kind, k = r
        if k is not None:
            return getattr(k, name)
        return getattr(g or summary, kind if name == "count" else f"pct_{kind}")

    return get


def classification_tables(results: Results) -> list[Table]:
    """classifications.csv: per classification, overall and per group, the cases of each
    class, the unclassified and the unmatched, with their share of the cases."""
    if results.classifications is None:
        return []
    specs: list[Spec] = [
        (Column("classification", "Classification"), lambda r: r[0].id),
        (Column("classification_name", "Classification name"), lambda r: r[0].name),
        (Column("group", "Group"), lambda r: r[1].group if r[1] else None),
        (Column("n", "Cases", "int"), lambda r: (r[1] or r[0]).n),
        (Column("kind", "Row"), lambda r: r[2]),
        (Column("class", "Class"), lambda r: r[3].id if r[3] else None),
        (
            Column("class_name", "Class name", "wrap"),
            lambda r: r[3].name if r[3] else f"({r[2]})",
        ),
        (Column("count", "Count", "int"), _class_value("count")),
        (Column("pct", "% of cases", "pct"), _class_value("pct")),
    ]
    records = [r for c in results.classifications for r in _class_records(c)]
    return [_table("classifications", "Classes", specs, records)]


# --------------------------------------------------------------------------- workbook views


def summary_table(results: Results) -> Table:
    """The dimensions as the HTML summary shows them: acceptance with its 95% interval, the
    item range, the test against the threshold, alpha and maturity (columns a run lacks are
    left out)."""
    v = View(results)
    w = bool(v.weighted)

    def test(name: str) -> Getter:
        return lambda c: getattr(v.test("construct", c.id), name, None)

    specs: list[Spec] = [
        _col("id", "Dimension"),
        _col("name", "Name", "wrap"),
        (Column("n_items", "Items", "int"), lambda c: len(c.items)),
        _col("n", "n", "int"),
        _col("mean", _w("Mean", w), "num"),
        _col("sd", _w("SD", w), "num"),
        _col("pct_agree", _w("Acceptance %", w), "pct"),
        (
            Column("ci_low", "Acceptance 95% CI low %", "pct"),
            lambda c: _pair(c.ci_pct_agree, 0),
        ),
        (
            Column("ci_high", "Acceptance 95% CI high %", "pct"),
            lambda c: _pair(c.ci_pct_agree, 1),
        ),
        (
            Column("acceptance_min", "Item range min %", "pct"),
            lambda c: _pair(c.acceptance_range, 0),
        ),
        (
            Column("acceptance_max", "Item range max %", "pct"),
            lambda c: _pair(c.acceptance_range, 1),
        ),
    ]
    if v.has_tests:
        specs += [
            (Column("p_adj", "p adj.", "p"), test("p_adj")),
            (Column("significant", "Above threshold", "bool"), test("significant")),
        ]
    if results.reliability:
        specs.append(
            (
                Column("alpha", "Alpha", "num"),
                lambda c: getattr(v.reliability(c.id), "alpha", None),
            )
        )
    if v.levels:
        specs += [
            (
                Column("maturity_level", "Maturity level", "int"),
                lambda c: getattr(v.maturity(c.id), "level", None),
            ),
            (
                Column("maturity_label", "Maturity", "text"),
                lambda c: getattr(v.maturity(c.id), "label", None),
            ),
        ]
    return _table("summary", "Summary", specs, v.dimensions)


def level_tables(results: Results) -> list[Table]:
    """constructs.csv split by level, for the workbook's "Dimensions" and "Sub-dimensions"
    sheets (the same columns; "Sub-dimensions" only when the instrument has any)."""
    specs = _construct_specs(results)
    dims = [c for c in results.constructs if c.level == "dimension"]
    subs = [c for c in results.constructs if c.level != "dimension"]
    out = [_table("dimensions", "Dimensions", specs, dims)]
    if subs:
        out.append(_table("subdimensions", "Sub-dimensions", specs, subs))
    return out


def build_tables(results: Results) -> list[Table]:
    """Every table of a run, in a stable order: items, constructs, groups, other questions,
    open-ended answers and classifications (only when the run has them), statistics,
    excluded rows and warnings (the group tables only with a grouping; a statistics table
    of a results file without statistics holds its header only)."""
    tables = [
        _table("items", "Items", _item_specs(results.items, _weighted(results)), results.items),
        _table("constructs", "Constructs", _construct_specs(results), results.constructs),
    ]
    if results.data.group_by:
        tables += _group_tables(results)
    tables += _choice_tables(results)
    tables += open_answer_tables(results)
    tables += classification_tables(results)
    tables += _reliability_tables(results)
    tables.append(_acceptance_table(results))
    if results.data.group_by:
        tables += _group_test_tables(results)
    return tables + _ledger_tables(results)
