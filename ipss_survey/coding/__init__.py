"""Coding and validation: raw cells to compact answer codes, with a ledger of every row.

``responses.code_responses`` is the entry point; ``coded`` holds what it returns.
"""

from ipss_survey.coding.coded import MISSING, CodedData
from ipss_survey.coding.columns import load_column_map
from ipss_survey.coding.responses import code_responses

__all__ = ["MISSING", "CodedData", "code_responses", "load_column_map"]
