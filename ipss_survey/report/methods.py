"""The methods text of a report, written from the options and tests of the run itself.

A reader of a report must learn which correction was applied and which tests ran from the
report, so every sentence here is generated from Results (``options`` and the tests'
``method`` strings), never from the defaults.
"""

from __future__ import annotations

from ipss_survey.report.view import View
from ipss_survey.results import Results


def design_text(results: Results) -> str:
    """The survey design in one sentence, or '' without one."""
    d = results.data.design
    if d is None:
        return ""
    parts = []
    if d.weights:
        parts.append(f"weights {d.weights!r}")
    if d.strata:
        parts.append(f"{d.n_strata} strata ({d.strata!r})")
    if d.cluster:
        parts.append(f"{d.n_psu} clusters ({d.cluster!r}) as primary sampling units")
    else:
        parts.append("each respondent a primary sampling unit")
    lonely = "" if d.lonely_psu == "fail" else f"; lonely PSUs: {d.lonely_psu}"
    return (
        f"Survey design: {', '.join(parts)}{lonely} (sum of weights {d.sum_weights:,.1f}); "
        "percentages, means and SDs are weighted and standard errors design-based, as R's "
        "survey package computes them."
    )


def definitions(results: Results) -> list[tuple[str, str]]:
    """(term, definition) pairs: acceptance, scores, maturity, the tests that ran."""
    r, v = results, View(results)
    scale = r.instrument.scale or {}
    agree = ", ".join(str(a) for a in scale.get("agree", [])) or "-"
    share = float(r.options.get("min_answered", 0.5))
    correction = v.p_adjust_name
    share_word = "weighted percentage" if v.weighted else "percentage"
    clusters = (
        "the design's clusters (each respondent where none is given)"
        if v.design
        else "each respondent"
    )
    defs = [
        (
            "Acceptance of an item",
            f"the {share_word} of its valid answers in the agreement codes ({agree}), as the "
            "statement is worded; 'favourable' applies reverse keying first.",
        ),
        (
            "Construct score",
            "a respondent's mean over the construct's answered items after reverse keying, "
            f"given when at least {share:.0%} of them (rounded up) are answered; n, mean, SD "
            "and median describe these scores.",
        ),
        (
            "Acceptance of a construct",
            f"the {share_word} of all valid answers to the construct's items in the "
            "agreement codes, pooled after reverse keying: the one acceptance figure of every "
            "table, chart and test. Its standard error and 95% interval (logit scale, t "
            f"quantiles) take {clusters} as a cluster of answers, since one person's answers "
            "are not independent. The item range runs from its lowest to its highest item "
            "acceptance (favourable %). Respondents agreeing on average (a separate figure): "
            "those whose score is in the agreement range.",
        ),
    ]
    design = design_text(r)
    if design:
        defs.append(("Survey design", design + " Reliability is not weighted."))
    if v.levels:
        defs.append(
            (
                "Maturity level",
                "the highest band whose lower limit the construct mean reaches (on a scale "
                "whose agreement codes are the lowest points, the mean is read turned round, "
                "so that higher means more agreement). " + v.maturity_basis,
            )
        )
    if v.has_tests:
        methods = sorted({t.method for t in r.acceptance_tests if t.method})
        defs.append(
            (
                "Acceptance tests",
                f"one-sided test of 'acceptance at most {v.threshold:g}%' against 'more'. "
                "Methods: " + "; ".join(methods) + ". Intervals are two-sided 95%. p-values "
                f"are corrected with {_correction(correction)} over the tests of one kind "
                f"(items, constructs); significant means corrected p < {v.alpha:g}.",
            )
        )
    if r.group_tests:
        methods = sorted({t.method for t in r.group_tests if t.method})
        pairwise = (
            "uncorrected pairwise Mann-Whitney tests"
            if correction == "no"
            else f"{correction}-corrected pairwise Mann-Whitney tests"
        )
        scores = (
            "design-based rank tests (Wilcoxon for two groups, Kruskal-Wallis for more; tied "
            "scores share one mid-rank)"
            if v.design
            else "Kruskal-Wallis with tie correction (effect epsilon-squared) followed by "
            f"{pairwise} (corrected over the pairs of one construct); with two groups also "
            "Mann-Whitney with continuity correction (effect rank-biserial r)"
        )
        defs.append(
            (
                "Group tests",
                f"respondents' construct scores compared across groups: {scores}. "
                "Acceptance compared across groups: Rao-Scott F test, respondents' answers as "
                "clusters. p adj. corrects within one test kind over the constructs of one "
                f"level ({_correction(correction)}). Tests in this report: "
                + "; ".join(methods)
                + ".",
            )
        )
    if r.open_answers:
        books = ", ".join(sorted({q.codebook for q in r.open_answers}))
        defs.append(
            (
                "Themes of open-ended answers",
                f"each non-empty answer is coded to every theme of its codebook ({books}) one "
                "of whose patterns it holds (whole words, any case); a theme's share is of the "
                "respondents who answered, so the shares of a question may add up to more "
                "than 100%, and answers matching no theme are counted apart. Examples are the "
                "first five answers of each theme in the order of the data file, as written.",
            )
        )
    if any(q.agreement for q in r.open_answers or []):
        defs.append(
            (
                "Agreement between coders",
                "Cohen's kappa (unweighted, as psych::cohen.kappa, with its large-sample 95% "
                "interval) for each pair of codings of a theme, the automatic 'codebook' "
                "coding included, on the answers both coded; Krippendorff's alpha (nominal) "
                "over the human coders, on the answers two or more of them coded.",
            )
        )
    if r.classifications:
        defs.append(
            (
                "Classifications",
                "each case takes the first class whose rules hold once every earlier class is "
                "known not to; a case whose missing answers leave its class open is "
                "unclassified, one no class holds for takes the classification's class for "
                "the rest, or is unmatched when it has none; shares are of the cases analysed.",
            )
        )
    if r.reliability:
        defs.append(
            (
                "Reliability",
                "Cronbach's alpha from the pairwise covariances of the reverse-keyed items "
                "(as psych::alpha raw_alpha), with Feldt's 95% interval; standardised "
                "alpha and mean inter-item r from the correlations; item-rest r and alpha "
                "if the item is deleted; McDonald's omega total from a one-factor model"
                + (" (unweighted: psych has no survey weights)." if v.design else "."),
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
