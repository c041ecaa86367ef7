"""Scoring: item statistics and construct scores from one pass over the answers.

``score.score`` is the entry point; ``tallies`` makes the one pass; ``items`` and
``constructs`` turn counts into statistics; ``summaries`` holds the result types.
"""

from ipss_survey.scoring.score import Scored, score
from ipss_survey.scoring.summaries import ConstructStats, GroupStats, ItemStats
from ipss_survey.scoring.tallies import required_answers

__all__ = ["ConstructStats", "GroupStats", "ItemStats", "Scored", "required_answers", "score"]
