"""Flat tables drawn from Results: the rows behind CSV files (and spreadsheets later)."""

from __future__ import annotations

from typing import Any

from ipss_survey.results import ConstructStats, ItemStats, Results

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _count_columns(items: list[ItemStats]) -> list[str]:
    codes = sorted({int(k) for it in items for k in it.counts})
    return [str(c) for c in codes]


def item_rows(items: list[ItemStats], prefix: dict[str, Any] | None = None) -> list[dict]:
    count_cols = _count_columns(items)
    rows = []
    for it in items:
        row = dict(prefix or {})
        row.update(
            {
                "code": it.code,
                "dimension": it.dimension,
                "subdimension": it.subdimension,
                "text": it.text,
                "reverse": it.reverse,
                "n": it.n,
                "missing": it.missing,
                "mean": it.mean,
                "sd": it.sd,
                "median": it.median,
            }
        )
        for c in count_cols:
            row[f"count_{c}"] = it.counts.get(c)
        row.update(
            {
                "pct_agree": it.pct_agree,
                "pct_neutral": it.pct_neutral,
                "pct_disagree": it.pct_disagree,
                "pct_favourable": it.pct_favourable,
            }
        )
        rows.append(row)
    return rows


def construct_rows(
    constructs: list[ConstructStats],
    maturity: dict[str, dict] | None = None,
    prefix: dict[str, Any] | None = None,
) -> list[dict]:
    rows = []
    for c in constructs:
        row = dict(prefix or {})
        row.update(
            {
                "id": c.id,
                "level": c.level,
                "name": c.name,
                "parent": c.parent,
                "n_items": len(c.items),
                "n": c.n,
                "mean": c.mean,
                "sd": c.sd,
                "median": c.median,
                "pct_agree": c.pct_agree,
                "pct_neutral": c.pct_neutral,
                "pct_disagree": c.pct_disagree,
                "acceptance_min": c.acceptance_range[0] if c.acceptance_range else None,
                "acceptance_max": c.acceptance_range[1] if c.acceptance_range else None,
            }
        )
        if maturity is not None:
            m = maturity.get(c.id, {})
            row["maturity_level"] = m.get("level")
            row["maturity_label"] = m.get("label")
        rows.append(row)
    return rows


def _pair(values: list[float] | None, i: int) -> float | None:
    return values[i] if values else None


def statistics_tables(results: Results) -> dict[str, list[dict]]:
    """Reliability, acceptance tests and group tests as flat rows."""
    tables: dict[str, list[dict]] = {}
    if results.reliability:
        tables["reliability"] = [
            {
                "construct": r["construct"],
                "level": r.get("level"),
                "k": r["k"],
                "n": r["n"],
                "alpha": r["alpha"],
                "alpha_ci_low": _pair(r["alpha_ci"], 0),
                "alpha_ci_high": _pair(r["alpha_ci"], 1),
                "alpha_std": r["alpha_std"],
                "average_r": r["average_r"],
                "omega_total": r["omega_total"],
            }
            for r in results.reliability
        ]
        tables["reliability_items"] = [
            {"construct": r["construct"], **it} for r in results.reliability for it in r["items"]
        ]
    if results.acceptance_tests:
        tables["acceptance_tests"] = [
            {
                "target": a["target"],
                "id": a["id"],
                "successes": a["successes"],
                "n": a["n"],
                "pct_agree": a["pct_agree"],
                "threshold": a["threshold"],
                "p_value": a["p_value"],
                "p_adj": a["p_adj"],
                "ci_wilson_low": _pair(a["ci_wilson"], 0),
                "ci_wilson_high": _pair(a["ci_wilson"], 1),
                "ci_exact_low": _pair(a["ci_exact"], 0),
                "ci_exact_high": _pair(a["ci_exact"], 1),
                "meets_threshold": a["meets_threshold"],
                "significant": a["significant"],
                "wilcoxon_mu": a.get("wilcoxon", {}).get("mu"),
                "wilcoxon_v": a.get("wilcoxon", {}).get("statistic"),
                "wilcoxon_p": a.get("wilcoxon", {}).get("p_value"),
            }
            for a in results.acceptance_tests
        ]
    if results.group_tests:
        tables["group_tests"] = [
            {
                "construct": g["construct"],
                "level": g.get("level"),
                "test": g["test"],
                "statistic": g["statistic"],
                "df": g["df"],
                "p_value": g["p_value"],
                "p_adj": g["p_adj"],
                "effect": (g.get("effect") or {}).get("name"),
                "effect_value": (g.get("effect") or {}).get("value"),
                "groups_tested": len(g.get("groups", [])),
                "groups_excluded": "; ".join(e["group"] for e in g.get("excluded_groups", [])),
                "method": g["method"],
            }
            for g in results.group_tests
        ]
        tables["group_pairwise"] = [
            {
                "construct": g["construct"],
                "test": g["test"],
                "a": p["a"],
                "b": p["b"],
                "statistic": p["statistic"],
                "p_value": p["p_value"],
                "p_adj": p["p_adj"],
                "effect": p["effect"]["name"],
                "effect_value": p["effect"]["value"],
            }
            for g in results.group_tests
            for p in g.get("pairwise", [])
        ]
    return tables


def build_tables(results: Results) -> dict[str, list[dict]]:
    """Table name -> rows, in a stable order."""
    maturity = {m["construct"]: m for m in results.maturity} if results.maturity else None
    tables: dict[str, list[dict]] = {
        "items": item_rows(results.items),
        "constructs": construct_rows(results.constructs, maturity),
    }
    if results.data.get("group_by"):
        tables["group_constructs"] = [
            row
            for g in results.groups
            for row in construct_rows(g.constructs, None, {"group": g.group, "group_n": g.n})
        ]
        tables["group_items"] = [
            row for g in results.groups for row in item_rows(g.items, {"group": g.group})
        ]
    tables.update(statistics_tables(results))
    tables["excluded_rows"] = [dict(r) for r in results.data["rows_excluded"]]
    tables["warnings"] = [
        {
            "code": w.get("code"),
            "item": w.get("item"),
            "count": w.get("count"),
            "message": w.get("message"),
        }
        for w in results.data["warnings"]
    ]
    return tables
