"""SPSS (.sav, .zsav), Stata (.dta) and SAS (.sas7bdat, .xpt) files through pyreadstat.

Value labels and user-defined missing values are kept beside the cells for the coding step; a
file whose bytes are not what its extension says is named for what it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ipss_survey.errors import DataError
from ipss_survey.read.rows import clean_name
from ipss_survey.read.sniff import advice, looks_like_text, sniff
from ipss_survey.read.table import Limits, RawTable

_READSTAT_MAGIC = {
    ".sav": (b"$FL2", b"$FL3"),
    ".zsav": (b"$FL2", b"$FL3"),
    ".xpt": (b"HEADER RECORD",),
}
_READSTAT_NAME = {
    ".sav": "an SPSS .sav",
    ".zsav": "an SPSS .zsav",
    ".dta": "a Stata .dta",
    ".sas7bdat": "a SAS .sas7bdat",
    ".xpt": "a SAS transport .xpt",
}


def read_readstat(
    path: Path,
    shown: str,
    head: bytes,
    suffix: str,
    encoding: str | None,
    header_row: int,
    lim: Limits,
) -> RawTable:
    import pyreadstat

    what = _READSTAT_NAME[suffix]
    magic = _READSTAT_MAGIC.get(suffix)
    if not (magic and head.startswith(magic)):
        kind = sniff(path, head)
        if kind and not kind.startswith(what):
            raise DataError(f"{shown}: this is {kind}, not {what} file; {advice(kind)}")
        if looks_like_text(head) and (magic or kind is None):
            raise DataError(
                f"{shown}: this is plain text, not {what} file; if it is CSV, rename it to end "
                "in .csv"
            )
        if magic:
            raise DataError(
                f"{shown}: not {what} file (its first bytes are not the format's signature); "
                "save the data again from the statistics program, or export CSV"
            )
    if header_row != 1:
        raise DataError(
            f"{shown}: --header-row applies to CSV and Excel files; {what} file names its "
            "variables itself"
        )
    readers = {
        ".sav": pyreadstat.read_sav,
        ".zsav": pyreadstat.read_sav,
        ".dta": pyreadstat.read_dta,
        ".sas7bdat": pyreadstat.read_sas7bdat,
        ".xpt": pyreadstat.read_xport,
    }
    kwargs: dict[str, Any] = {}
    if suffix in {".sav", ".zsav", ".dta", ".sas7bdat"}:
        kwargs["user_missing"] = True
    if encoding:
        kwargs["encoding"] = encoding
    read = readers[suffix]
    try:
        _, meta = read(str(path), metadataonly=True, **kwargs)
        cols = int(meta.number_columns or 0)
        if cols > lim.max_columns:
            raise DataError(
                f"{shown}: {cols} variables, more than the limit of {lim.max_columns}; keep "
                "only the survey's variables"
            )
        rows = meta.number_rows
        if rows is not None and rows > 0 and rows * max(cols, 1) > lim.max_cells:
            raise DataError(
                f"{shown}: {rows} cases x {cols} variables, more than the limit of "
                f"{lim.max_cells:,} cells; keep only the survey's variables or split the file"
            )
        frame, meta = read(str(path), **kwargs)
    except DataError:
        raise
    except Exception as exc:  # pyreadstat raises its own ReadstatError/PyreadstatError
        detail = str(exc).strip() or type(exc).__name__
        raise DataError(
            f"{shown}: cannot be read as {what} file ({detail}); save it again from the "
            "statistics program, or export CSV"
        ) from None
    frame.columns = [clean_name(c) for c in frame.columns]
    labels = {clean_name(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    user_missing = {clean_name(k): list(v) for k, v in (meta.missing_user_values or {}).items()}
    ranges = {
        clean_name(k): [(r["lo"], r["hi"]) for r in v]
        for k, v in (getattr(meta, "missing_ranges", None) or {}).items()
    }
    return RawTable(
        frame, path.name, "", suffix.lstrip("."), labels, user_missing, ranges, parser="pyreadstat"
    )
