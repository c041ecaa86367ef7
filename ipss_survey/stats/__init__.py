"""Statistics for the analysis path: reliability, acceptance tests, group tests, p-value adjustment.

Plain functions on numpy arrays that return dataclasses; each one documents the definition it
implements and the R call that gives the same number (see tests/reference/ for the R scripts).
"""
