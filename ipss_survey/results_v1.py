"""Reading a schema 1 ``results.json``: the upgrade to schema 2's shape.

``ipss-survey report`` redraws the reports of any version the contract lists. Schema 2 added
fields (standard errors, weighted counts, the survey design) that a schema 1 file does not
hold: they are null after the upgrade, never recomputed or guessed. Two things changed
meaning: intervals of percentages are in percent (schema 1: proportions 0-1), and a
construct's acceptance test tests the pooled share of answers (schema 1: respondents whose
score reached the lowest agreement code). A schema 1 construct test keeps its own numbers,
under a ``method`` that says what they are, and also becomes the construct's
``respondents_agreeing``.
"""

from __future__ import annotations

from typing import Any

V1_CONSTRUCT_METHOD = (
    "respondents whose score reaches the lowest agreement code, exact binomial test "
    "(results schema 1)"
)
V1_ITEM_METHOD = "exact binomial test (Clopper-Pearson and Wilson intervals)"


def _percent(pair: list[float] | None) -> list[float] | None:
    return None if pair is None else [100.0 * pair[0], 100.0 * pair[1]]


def _item(d: dict[str, Any]) -> dict[str, Any]:
    out = {**d, "n_weighted": float(d["n"])}
    for name in ("mean", "pct_agree", "pct_neutral", "pct_disagree", "pct_favourable"):
        out[f"se_{name}"] = None
    return out


def _construct(
    d: dict[str, Any], item_n: dict[str, int], respondents: dict[str, Any] | None
) -> dict[str, Any]:
    out = {**d, "n_weighted": float(d["n"]), "se_mean": None}
    out["answers"] = sum(item_n.get(c, 0) for c in d.get("items", []))
    for name in ("pct_agree", "pct_neutral", "pct_disagree"):
        out[f"se_{name}"] = None
    out.setdefault("pct_neutral", None)
    out.setdefault("pct_disagree", None)
    out["ci_pct_agree"] = None
    out["respondents_agreeing"] = respondents
    return out


def _acceptance(d: dict[str, Any]) -> dict[str, Any]:
    construct = d["target"] == "construct"
    out = {k: v for k, v in d.items() if k not in ("ci_wilson", "ci_exact", "wilcoxon", "level")}
    out.update(
        answers=d["n"],
        se=None,
        ci=_percent(d.get("ci_wilson")),
        method=V1_CONSTRUCT_METHOD if construct else V1_ITEM_METHOD,
        ci_wilson=_percent(d.get("ci_wilson")),
        ci_exact=_percent(d.get("ci_exact")),
    )
    if construct:
        out["level"] = d.get("level")
        out["wilcoxon"] = d.get("wilcoxon")
    return out


def upgrade(d: dict[str, Any]) -> dict[str, Any]:
    """A schema 1 results document in schema 2's shape (a new dict; ``d`` is not changed)."""
    tests = d.get("acceptance_tests", [])
    respondents = {
        t["id"]: {
            "count": t["successes"],
            "n": t["n"],
            "pct": t["pct_agree"],
            "se_pct": None,
        }
        for t in tests
        if t["target"] == "construct"
    }
    item_n = {i["code"]: i["n"] for i in d["items"]}
    groups = []
    for g in d.get("groups", []):
        g_n = {i["code"]: i["n"] for i in g.get("items", [])}
        groups.append(
            {
                **g,
                "items": [_item(i) for i in g.get("items", [])],
                "constructs": [_construct(c, g_n, None) for c in g["constructs"]],
            }
        )
    return {
        **d,
        "schema_version": 2,
        "data": {**d["data"], "design": None},
        "items": [_item(i) for i in d["items"]],
        "constructs": [_construct(c, item_n, respondents.get(c["id"])) for c in d["constructs"]],
        "groups": groups,
        "acceptance_tests": [_acceptance(t) for t in tests],
    }
