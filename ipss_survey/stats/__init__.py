"""The statistics toolbox: pure functions on numpy arrays, importing nothing of the package.

Each module holds one family (binomial tests, the signed-rank test, reliability, omega, rank
tests between groups, contingency tables, change between two waves, agreement within groups,
coder agreement, p-value adjustment, moments and counts, and the design-based estimates and
tests of weighted samples: design, survey_estimates, survey_tests, design_sums) and each
function documents the definition it implements, its reference and the R call that gives the
same number; ``tests/reference/`` holds the R scripts and their output. Being free of the
package, any stage may call it: the pipeline's statistics step does, and scoring uses its
counts and group order.
"""
