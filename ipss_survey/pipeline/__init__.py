"""The pipeline: one function from a data file and an instrument to a ``Results``.

``analyze`` runs read, code, score and the statistics sections (``reliability``,
``acceptance``, ``group_tests``); ``options`` holds what shapes the numbers; ``gate`` is the
``--fail-under`` policy a batch job exits on.
"""

from ipss_survey.pipeline.analyze import analyze
from ipss_survey.pipeline.gate import GateResult, Target, check_gate, parse_target
from ipss_survey.pipeline.options import Options

__all__ = ["GateResult", "Options", "Target", "analyze", "check_gate", "parse_target"]
