"""A construct's (or an item's) acceptance as an estimate: the share agreeing, its standard
error and degrees of freedom, and the counts behind it; the acceptance tests start here."""

from __future__ import annotations

from dataclasses import dataclass

from ipss_survey.stats.survey_estimates import logit_interval


@dataclass(frozen=True)
class Acceptance:
    """The share agreeing (0-1) of ``answers`` valid answers, ``successes`` of them agreeing,
    given by ``respondents``; ``se`` its standard error (clustered by respondent, or
    design-based), on ``df`` degrees of freedom; ``design`` when a survey design was given."""

    successes: int
    answers: int
    respondents: int
    p: float | None
    se: float | None
    df: int
    design: bool = False

    def interval(self, level: float = 0.95) -> tuple[float, float] | None:
        """The logit-scale interval (0-1), or None where it cannot be formed (p at 0 or 1,
        no standard error, no degrees of freedom)."""
        if self.p is None or self.se is None or not 0.0 < self.p < 1.0:
            return None
        if self.se <= 0.0 or self.df <= 0:
            return None
        return logit_interval(self.p, self.se, self.df, level)

    def ci_percent(self) -> list[float] | None:
        ci = self.interval()
        return None if ci is None else [100.0 * ci[0], 100.0 * ci[1]]


def clustered_acceptance(
    agree: float,
    answers: float,
    respondents: int,
    squares: tuple[float, float, float],
    clusters: int | None = None,
) -> Acceptance:
    """Pooled acceptance without a design: each respondent is a cluster of answers.

    p = sum A / sum N over respondents (A agreeing of N valid answers); the linearised
    variance of the ratio is m/(m - 1) sum (A_i - p N_i)^2 / (sum N)^2 over the n respondents
    with an answer, from ``squares`` = (sum A^2, sum A N, sum N^2); df = n - 1. m is the
    number of respondents with an answer in the whole sample (``clusters``; n for the whole
    sample itself): a group is a domain of the sample, as R's ``svyby`` treats it.

    R, with ``long`` one row per valid answer (``respondent``, 0/1 ``agree``):
    ``d <- svydesign(ids = ~respondent, data = long)``; ``svyciprop(~agree, d, method =
    "logit")``; ``SE(svymean(~agree, d))``; ``degf(d)``; per group ``svyby(~agree, ~group,
    d, svyciprop, method = "logit", vartype = c("se", "ci"))``.

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques, 3rd ed., sec. 6.11 (ratio estimators). Wiley.
    Lumley, T. (2010). Complex Surveys, sec. 2.3. Wiley.
    """
    n = int(respondents)
    if answers <= 0 or n == 0:
        return Acceptance(int(agree), int(answers), n, None, None, 0)
    p = agree / answers
    if n < 2:
        return Acceptance(int(agree), int(answers), n, p, None, 0)
    aa, an, nn = squares
    m = n if clusters is None else int(clusters)
    var = m / (m - 1) * max(aa - 2.0 * p * an + p * p * nn, 0.0) / answers**2
    return Acceptance(int(agree), int(answers), n, p, float(var**0.5), n - 1)
