"""Reading survey files (CSV, Excel, SPSS, Stata, SAS) into one raw table.

``read_table`` is the entry point (``files``); ``table`` holds what it returns and the limits
it keeps; one module per format; ``sniff``, ``encoding`` and ``rows`` are what the formats
share (what a file really is, which encoding a text file is in, which rows are not answers).
"""

from ipss_survey.read.files import SUPPORTED, file_sha256, read_table
from ipss_survey.read.table import ExcludedRow, Limits, Progress, RawTable, ReadSettings

__all__ = [
    "SUPPORTED",
    "ExcludedRow",
    "Limits",
    "Progress",
    "RawTable",
    "ReadSettings",
    "file_sha256",
    "read_table",
]
