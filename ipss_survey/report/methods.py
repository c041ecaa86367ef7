"""The methods text of a report, written from the options and tests of the run itself.

A reader of a report must learn which correction was applied and which tests ran from the
report, so every sentence here is generated from Results (``options`` and the tests'
``method`` strings), never from the defaults.
"""

from __future__ import annotations

from ipss_survey.report.view import View
from ipss_survey.results import Results


def definitions(results: Results) -> list[tuple[str, str]]:
    """(term, definition) pairs: acceptance, scores, maturity, the tests that ran."""
    r, v = results, View(results)
    scale = r.instrument.scale or {}
    agree = ", ".join(str(a) for a in scale.get("agree", [])) or "-"
    share = float(r.options.get("min_answered", 0.5))
    correction = v.p_adjust_name
    defs = [
        (
            "Acceptance of an item",
            f"the percentage of its valid answers in the agreement codes ({agree}), as the "
            "statement is worded; 'favourable' applies reverse keying first.",
        ),
        (
            "Construct score",
            "a respondent's mean over the construct's answered items after reverse keying, "
            f"given when at least {share:.0%} of them (rounded up) are answered; n, mean, SD "
            "and median describe these scores.",
        ),
        (
            "Construct agreement",
            "all valid answers to the construct's items pooled after reverse keying; the "
            "item range runs from its lowest to its highest item acceptance (favourable %).",
        ),
    ]
    if v.levels:
        defs.append(
            (
                "Maturity level",
                "the highest band whose lower limit the construct mean reaches. "
                + v.maturity_basis,
            )
        )
    if v.has_tests:
        defs.append(
            (
                "Acceptance tests",
                f"one-sided exact binomial test of 'agreement at most {v.threshold:g}%' "
                "against 'more'. Items count answers in the agreement codes; constructs "
                "count respondents whose score reaches the lowest agreement code. Wilson "
                "and Clopper-Pearson intervals are two-sided 95%. p-values are corrected "
                f"with {_correction(correction)} over the tests of one kind; significant means "
                f"corrected p < {v.alpha:g}.",
            )
        )
    if r.group_tests:
        methods = sorted({t.method for t in r.group_tests if t.method})
        pairwise = (
            "uncorrected pairwise Mann-Whitney tests"
            if correction == "no"
            else f"{correction}-corrected pairwise Mann-Whitney tests"
        )
        defs.append(
            (
                "Group tests",
                "respondents' construct scores compared across groups: Kruskal-Wallis with "
                f"tie correction (effect epsilon-squared) followed by {pairwise} (corrected "
                "over the pairs of one construct); with two groups also Mann-Whitney with "
                "continuity correction (effect rank-biserial r). Other tests listed compare "
                "the share of respondents agreeing. p adj. corrects within one test kind over "
                f"the constructs of one level ({_correction(correction)}). Tests in this "
                "report: " + "; ".join(methods) + ".",
            )
        )
    if r.reliability:
        defs.append(
            (
                "Reliability",
                "Cronbach's alpha from the pairwise covariances of the reverse-keyed items "
                "(as psych::alpha raw_alpha), with Feldt's 95% interval; standardised "
                "alpha and mean inter-item r from the correlations; item-rest r and alpha "
                "if the item is deleted; McDonald's omega total from a one-factor model.",
            )
        )
    return defs


def _correction(name: str) -> str:
    return "no correction" if name == "no" else f"{name}'s method"


def scale_rows(results: Results) -> list[list[str]]:
    """The instrument's scale: each code, its label and what it counts as."""
    scale = results.instrument.scale or {}
    labels = results.instrument.labels
    counts_as = {
        **{str(p): "disagree" for p in scale.get("points", [])},
        **{str(p): "neutral" for p in scale.get("neutral", [])},
        **{str(p): "agree" for p in scale.get("agree", [])},
        **{str(p): "no answer (missing)" for p in scale.get("missing", [])},
    }
    return [[code, labels.get(code, "-"), what] for code, what in counts_as.items()]
