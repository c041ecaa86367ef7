"""Studies as files: a YAML file of analyses and wave comparisons, run as one batch job.

``spec`` reads and checks a study file (``docs/study-format.md``), ``check`` checks the
instruments and data files it names, ``run`` runs it (serially or in processes) and writes
the index; ``schema`` is the study format's JSON Schema. The CLI's ``run`` and ``schema``
commands are a few lines over these.
"""

from ipss_survey.study.spec import (
    AnalysisSpec,
    ComparisonSpec,
    Problem,
    Study,
    StudyError,
    load_study,
    parse_study,
)

__all__ = [
    "AnalysisSpec",
    "ComparisonSpec",
    "Problem",
    "Study",
    "StudyError",
    "load_study",
    "parse_study",
]
