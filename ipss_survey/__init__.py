"""ipss-survey: Likert questionnaire analysis for IPSS feasibility and DTCAF maturity studies."""

__version__ = "0.1.0"
