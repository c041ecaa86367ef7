"""Design-based estimates: means, totals, variances, proportions and pooled acceptance.

Every estimate is a function of weighted sums, and its standard error is the Taylor-linearised
one of its influence values under the design (``SurveyDesign.variances``), as R's ``survey``
package computes it. Columns are estimated one at a time (a national survey: a million rows and
94 items) with no loop over rows. NaN is a missing answer: as ``na.rm = TRUE`` in R, its row is
left out of the estimate while the design keeps its PSU in the PSU counts n_h.

``domain`` (a row mask) estimates within a subpopulation as R's ``svyby`` does, through
``design[domain, ]``: rows outside are dropped, n_h is kept, and the degrees of freedom are the
domain's own (``degf(design[domain, ])``). ``by_domain`` runs an estimator for every group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ipss_survey.stats.design import SurveyDesign
from ipss_survey.stats.notes import Note, NoteCode

CI_LEVEL = 0.95


@dataclass(frozen=True)
class SurveyEstimate:
    """A design-based mean or total of one column and its linearised standard error.

    n counts the rows with an answer (in the domain); df is the design's (or the domain's)
    degrees of freedom, PSUs minus strata, as R's degf(). None with a note when there is no
    answer.
    """

    estimate: float | None
    se: float | None
    n: int
    df: int
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyVariance:
    """A design-based variance of one column (R's svyvar), its standard error, and its root."""

    variance: float | None
    se: float | None
    sd: float | None
    n: int
    df: int
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyProportion:
    """A design-based proportion with its logit interval and a one-sided t test of p <= p0.

    estimate and se as svymean gives them; ci two-sided at ``level`` (proportions 0-1);
    statistic = (estimate - p0)/se and p_value = P(T > statistic), T ~ t(df). n counts the
    answers (for a pooled construct: valid answers), respondents the rows holding them.
    """

    estimate: float | None
    se: float | None
    ci: tuple[float, float] | None
    p0: float
    statistic: float | None
    p_value: float | None
    df: int
    n: int
    respondents: int
    level: float = CI_LEVEL
    notes: list[Note] = field(default_factory=list)


def _columns(x: Any, n: int, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{what} must have one row per design row ({n}), got shape {arr.shape}")
    return arr


def _domain(design: SurveyDesign, domain: Any) -> np.ndarray:
    return design.rows_mask(domain)


def _weighted_mean(
    design: SurveyDesign, x: np.ndarray, used: np.ndarray
) -> tuple[float, float | None]:
    """The weighted mean of x over the rows used and its linearised variance (svymean)."""
    w = np.where(used, design.weights, 0.0)
    xv = np.where(used, x, 0.0)
    total_w = float(w.sum())
    mean = float(w @ xv) / total_w
    influence = w * (xv - mean) / total_w
    var = float(design.variances(influence, used)[0])
    return mean, var


def _se(var: float, notes: list[Note]) -> float | None:
    if not np.isfinite(var):
        notes.append(
            Note(NoteCode.NO_VARIANCE, "no stratum with more than one PSU: no standard error")
        )
        return None
    return float(np.sqrt(max(var, 0.0)))


def _no_answers(n_answers: int) -> list[Note]:
    return [Note(NoteCode.NO_SCORES, "no answers: nothing to estimate")] if n_answers == 0 else []


def survey_means(x: Any, design: SurveyDesign, domain: Any = None) -> list[SurveyEstimate]:
    """Design-based means of the columns of x (n,) or (n, k), NaN = missing; one per column.

    The Hajek mean sum(w x)/sum(w) over the rows with an answer (in the domain); its variance is
    the linearised variance of the influence values w_i (x_i - mean)/sum(w), PSU totals taken
    over all n_h PSUs of each stratum (zero where a PSU has no answer).

    R: ``svymean(~x, design, na.rm = TRUE)`` (``svyby(~x, ~g, design, svymean, na.rm = TRUE)``
    for a domain): ``coef()`` is the estimate, ``SE()`` the se.

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. International Statistical Review 51(3), 279-292. Lumley, T. (2010). Complex
    Surveys: A Guide to Analysis Using R, ch. 2. Wiley.
    """
    values = _columns(x, design.n_rows, "x")
    dom = _domain(design, domain)
    df = design.degf(dom)
    out = []
    for j in range(values.shape[1]):
        xj = np.ascontiguousarray(values[:, j])
        used = dom & ~np.isnan(xj)
        n = int(used.sum())
        notes = _no_answers(n)
        if n == 0:
            out.append(SurveyEstimate(None, None, 0, df, notes))
            continue
        mean, var = _weighted_mean(design, xj, used)
        notes += design.lonely_notes(used)
        out.append(SurveyEstimate(mean, _se(var, notes), n, df, notes))
    return out


def survey_totals(x: Any, design: SurveyDesign, domain: Any = None) -> list[SurveyEstimate]:
    """Design-based totals sum(w x) of the columns of x (n,) or (n, k), NaN = missing.

    Influence values w_i x_i (uncentred, as R's svytotal).

    R: ``svytotal(~x, design, na.rm = TRUE)``.

    References
    ----------
    Horvitz, D. G. & Thompson, D. J. (1952). A generalization of sampling without replacement
    from a finite universe. JASA 47(260), 663-685. Lumley (2010), ch. 2.
    """
    values = _columns(x, design.n_rows, "x")
    dom = _domain(design, domain)
    df = design.degf(dom)
    out = []
    for j in range(values.shape[1]):
        xj = np.ascontiguousarray(values[:, j])
        used = dom & ~np.isnan(xj)
        n = int(used.sum())
        notes = _no_answers(n)
        if n == 0:
            out.append(SurveyEstimate(None, None, 0, df, notes))
            continue
        influence = np.where(used, design.weights * np.where(used, xj, 0.0), 0.0)
        var = float(design.variances(influence, used)[0])
        notes += design.lonely_notes(used)
        out.append(SurveyEstimate(float(influence.sum()), _se(var, notes), n, df, notes))
    return out


def survey_variances(x: Any, design: SurveyDesign, domain: Any = None) -> list[SurveyVariance]:
    """Design-based variances of the columns of x (n,) or (n, k), NaN = missing, as svyvar.

    variance = the weighted mean of (x - mean)^2 n/(n - 1) over the rows with an answer, where
    n counts the rows of the design (or the domain) with non-zero weight, answered or not: R's
    svyvar takes n before it drops the missing answers. se: the svymean standard error of that
    mean (the mean's own sampling error drops out, its derivative being zero); sd = sqrt.

    R: ``svyvar(~x, design, na.rm = TRUE)``; per domain
    ``svyby(~x, ~g, design, svyvar, na.rm = TRUE)``.

    References
    ----------
    Lumley (2010), ch. 2; the survey package's svyvar.survey.design.
    """
    values = _columns(x, design.n_rows, "x")
    dom = _domain(design, domain)
    df = design.degf(dom)
    n_rows = int(dom.sum())
    out = []
    for j in range(values.shape[1]):
        xj = np.ascontiguousarray(values[:, j])
        used = dom & ~np.isnan(xj)
        n = int(used.sum())
        notes = _no_answers(n)
        if n == 0 or n_rows < 2:
            if n:
                notes.append(Note(NoteCode.NO_VARIANCE, "fewer than two rows: no variance"))
            out.append(SurveyVariance(None, None, None, n, df, notes))
            continue
        mean, _ = _weighted_mean(design, xj, used)
        squares = (xj - mean) ** 2 * (n_rows / (n_rows - 1))
        variance, var = _weighted_mean(design, squares, used)
        notes += design.lonely_notes(used)
        out.append(
            SurveyVariance(variance, _se(var, notes), float(np.sqrt(variance)), n, df, notes)
        )
    return out


def _check_p0_level(p0: float, level: float) -> None:
    if not 0.0 <= p0 <= 1.0:
        raise ValueError("p0 must be a proportion between 0 and 1")
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie between 0 and 1")


def _proportion(
    p: float,
    var: float,
    df: int,
    p0: float,
    level: float,
    n: int,
    respondents: int,
    notes: list[Note],
) -> SurveyProportion:
    """The logit interval and the t test of one proportion, as svyciprop(method = "logit")."""
    se = _se(var, notes)
    return proportion_test(p, se, df, p0, level, n, respondents, notes)


def logit_interval(p: float, se: float, df: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """The logit-scale interval of a proportion p with standard error se on df degrees of
    freedom: expit(logit(p) -/+ t se / (p (1 - p))), t the (1 + level)/2 quantile of t(df);
    needs 0 < p < 1, se > 0 and df > 0.

    R: ``svyciprop(~x, design, method = "logit")`` (``confint`` of its glm on the logit scale).

    References
    ----------
    Korn & Graubard (1998); Lumley (2010), sec. 2.3.
    """
    from scipy.special import expit, logit, stdtrit

    half = float(stdtrit(df, 1.0 - (1.0 - level) / 2.0)) * se / (p * (1.0 - p))
    centre = float(logit(p))
    return (float(expit(centre - half)), float(expit(centre + half)))


def proportion_test(
    p: float,
    se: float | None,
    df: int,
    p0: float,
    level: float,
    n: int,
    respondents: int,
    notes: list[Note],
) -> SurveyProportion:
    """A proportion's logit interval and one-sided t test of p <= p0 from its estimate,
    standard error and degrees of freedom (``survey_proportions``)."""
    from scipy.special import stdtr

    ci = statistic = p_value = None
    if df <= 0:
        notes.append(
            Note(NoteCode.NO_DEGREES_OF_FREEDOM, "no design degrees of freedom: no interval")
        )
    elif p <= 0.0 or p >= 1.0:
        notes.append(
            Note(
                NoteCode.AGREEMENT_CONSTANT,
                "every answer agrees, or none does: no logit interval and no test",
            )
        )
    elif se is None or se <= 0.0:
        if se is not None:
            notes.append(Note(NoteCode.NO_VARIANCE, "standard error zero: no interval"))
    else:
        ci = logit_interval(p, se, df, level)
        statistic = (p - p0) / se
        p_value = float(stdtr(df, -statistic))
    return SurveyProportion(p, se, ci, p0, statistic, p_value, df, n, respondents, level, notes)


def survey_proportions(
    agree: Any,
    design: SurveyDesign,
    p0: float = 0.5,
    level: float = CI_LEVEL,
    domain: Any = None,
) -> list[SurveyProportion]:
    """Design-based proportions of the 0/1 columns of ``agree`` (NaN = no answer), one per
    column, with the logit interval and the one-sided test of p <= p0.

    p and se as svymean; the interval is expit(logit(p) -/+ t se / (p (1 - p))), t the
    (1 + level)/2 quantile of t(df), df = degf of the design (or domain) -- all its PSUs,
    answered or not, as svyciprop's default ``df = degf(design)`` is taken before missing
    answers are dropped; the test is P(T > (p - p0)/se), T ~ t(df). p equal to 0 or 1 gives no
    interval and no test (a note says why), as does df <= 0.

    R: ``svyciprop(~I(x >= 4), design, method = "logit")`` for the estimate and interval (its
    glm fit converges to the same p); ``SE(svymean(~I(x >= 4), design, na.rm = TRUE))``;
    ``pt((p - p0)/SE, degf(design), lower.tail = FALSE)``. Per group: ``svyby(~a, ~g,
    design, svyciprop, method = "logit", vartype = c("se", "ci"))``, whose intervals use each
    group's own degf(design[g, ]).

    References
    ----------
    Korn, E. L. & Graubard, B. I. (1998). Confidence intervals for proportions with small
    expected number of positive counts estimated from survey data. Survey Methodology 24(2),
    193-201. Lumley (2010), sec. 2.3.
    """
    _check_p0_level(p0, level)
    values = _columns(agree, design.n_rows, "agree")
    dom = _domain(design, domain)
    df = design.degf(dom)
    out = []
    for j in range(values.shape[1]):
        xj = np.ascontiguousarray(values[:, j])
        if np.any((xj != 0.0) & (xj != 1.0) & ~np.isnan(xj)):
            raise ValueError("agree must hold 0, 1 or NaN")
        used = dom & ~np.isnan(xj)
        n = int(used.sum())
        if n == 0:
            notes = [Note(NoteCode.NO_TRIALS, "no valid answers: nothing to test")]
            out.append(SurveyProportion(None, None, None, p0, None, None, df, 0, 0, level, notes))
            continue
        p, var = _weighted_mean(design, xj, used)
        notes = design.lonely_notes(used)
        out.append(_proportion(p, var, df, p0, level, n, n, notes))
    return out


def survey_ratio_proportions(
    successes: Any,
    trials: Any,
    design: SurveyDesign,
    p0: float = 0.5,
    level: float = CI_LEVEL,
    domain: Any = None,
) -> list[SurveyProportion]:
    """Pooled acceptance of constructs: agreeing answers over valid answers, under the design.

    ``successes`` A_i and ``trials`` N_i (n,) or (n, k): one row per respondent, one column per
    construct, A_i agreeing answers out of N_i valid ones. The estimate is the ratio of totals
    p = sum(w A)/sum(w N); its influence values w_i (A_i - p N_i)/sum(w N) are summed by PSU, so
    the respondent (or the design's cluster) is the PSU, and the answers of one respondent are
    not taken as independent. The design is that of the rows with N_i > 0 only (PSU counts and
    strata recomputed: ``SurveyDesign.restrict``), the one R builds on long data holding one
    row per valid answer; df = its PSUs minus strata (no design: respondents with an answer
    minus 1). Interval and test as ``survey_proportions``.

    R, with ``long`` one row per valid answer carrying its respondent's id, weight, stratum and
    cluster, and ``agree`` 0/1: ``d <- svydesign(ids = ~respondent (or ~cluster), strata =
    ~stratum, weights = ~w, data = long)``; ``svyciprop(~agree, d, method = "logit")``;
    ``SE(svymean(~agree, d))``; ``pt((p - p0)/SE, degf(d), lower.tail = FALSE)``; per group
    ``svyby(~agree, ~g, d, svyciprop, method = "logit", vartype = c("se", "ci"))``.

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques, 3rd ed., sec. 6.11 (ratio estimators). Wiley.
    Lumley (2010), sec. 2.3 and 3.2.
    """
    _check_p0_level(p0, level)
    a_all = _columns(successes, design.n_rows, "successes")
    n_all = _columns(trials, design.n_rows, "trials")
    if a_all.shape != n_all.shape:
        raise ValueError("successes and trials must have the same shape")
    if not (np.all(np.isfinite(a_all)) and np.all(np.isfinite(n_all))):
        raise ValueError("successes and trials must be finite counts")
    if np.any(a_all < 0) or np.any(a_all > n_all):
        raise ValueError("successes must lie between 0 and the number of trials")
    dom = _domain(design, domain)
    out = []
    for j in range(a_all.shape[1]):
        answered = n_all[:, j] > 0
        in_domain = answered & dom
        n = float(n_all[in_domain, j].sum())
        respondents = int(in_domain.sum())
        if respondents == 0:
            notes = [Note(NoteCode.NO_TRIALS, "no valid answers: nothing to test")]
            out.append(SurveyProportion(None, None, None, p0, None, None, 0, 0, 0, level, notes))
            continue
        a = a_all[answered, j]
        t = n_all[answered, j]
        if design.count_psus(answered)[0] < 2:
            # one PSU answered: R's svydesign refuses ("only one primary sampling unit")
            p = float(design.weights[in_domain] @ a_all[in_domain, j]) / float(
                design.weights[in_domain] @ n_all[in_domain, j]
            )
            notes = [Note(NoteCode.NO_DEGREES_OF_FREEDOM, "answers from a single PSU: no interval")]
            out.append(
                SurveyProportion(
                    p, None, None, p0, None, None, 0, int(n), respondents, level, notes
                )
            )
            continue
        sub = design.restrict(answered)
        used = dom[answered]
        w = np.where(used, sub.weights, 0.0)
        total_n = float(w @ t)
        p = float(w @ a) / total_n
        influence = w * (a - p * t) / total_n
        var = float(sub.variances(influence, used)[0])
        notes = sub.lonely_notes(used)
        out.append(_proportion(p, var, sub.degf(used), p0, level, int(n), respondents, notes))
    return out
