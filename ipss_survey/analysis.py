"""The analyze pipeline: read, code and validate, score, statistics, one Results object.

Nothing here prints or writes files; the CLI and the report writers do that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from ipss_survey import __version__
from ipss_survey.errors import DataError
from ipss_survey.instrument import Instrument
from ipss_survey.results import SCHEMA_VERSION, Results

P_ADJUST_METHODS = ("holm", "bonferroni", "fdr_bh", "none")
_DEPENDENCIES = ("numpy", "pandas", "scipy", "statsmodels", "pyreadstat", "openpyxl")


@dataclass(frozen=True)
class Options:
    """Every option that shapes the numbers; recorded in results.json."""

    group: str | None = None
    threshold: float = 50.0
    alpha: float = 0.05
    p_adjust: str = "holm"
    min_answered: float = 0.5
    min_group_size: int = 5
    strict: bool = False
    columns: str | None = None
    id_column: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 1

    def check(self) -> None:
        if not 0 < self.threshold < 100:
            raise DataError(
                f"--threshold must lie between 0 and 100 (percent), not {self.threshold:g}"
            )
        if not 0 < self.alpha < 1:
            raise DataError(f"--alpha must lie between 0 and 1, not {self.alpha:g}")
        if self.p_adjust not in P_ADJUST_METHODS:
            raise DataError(
                f"--p-adjust must be one of {', '.join(P_ADJUST_METHODS)}, not {self.p_adjust!r}"
            )
        if not 0 < self.min_answered <= 1:
            raise DataError(
                f"--min-answered is the share of a construct's items a respondent "
                f"must answer, between 0 and 1 (default 0.5), not "
                f"{self.min_answered:g}"
            )
        if self.header_row < 1:
            raise DataError(f"--header-row counts from 1 (the first row), not {self.header_row}")
        if self.min_group_size < 1:
            raise DataError(f"--min-group-size must be at least 1, not {self.min_group_size}")


def sample_path(instrument_id: str) -> Path:
    """The bundled sample of a built-in instrument (installed copy, else the source tree's)."""
    name = f"{instrument_id}-sample.csv"
    installed = resources.files("ipss_survey").joinpath("sample_data", name)
    if installed.is_file():
        return Path(str(installed))
    source_tree = Path(__file__).resolve().parent.parent / "data" / name
    if source_tree.is_file():
        return source_tree
    raise DataError(f"instrument {instrument_id!r} has no bundled sample; give a data file")


def tool_info() -> dict[str, Any]:
    deps = {}
    for name in _DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = None
    return {"name": "ipss-survey", "version": __version__, "dependencies": deps}


def instrument_info(instrument: Instrument) -> dict[str, Any]:
    scale = instrument.scale
    info: dict[str, Any] = {
        "id": instrument.id,
        "title": instrument.title,
        "version": instrument.version,
        "scale": ({k: v for k, v in scale.as_dict().items() if k != "labels"} if scale else None),
        "source": instrument.source,
        "labels": scale.as_dict()["labels"] if scale else {},
    }
    if instrument.maturity:
        info["maturity"] = {
            "basis": instrument.maturity_basis,
            "levels": [{"min": lv.min, "label": lv.label} for lv in instrument.maturity],
        }
    return info


def analyze(
    data: str | Path,
    instrument: Instrument,
    options: Options | None = None,
    *,
    source_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run the whole pipeline on one data file (``progress``: called with bytes read, size)."""
    from ipss_survey.coding import code_responses, load_column_map
    from ipss_survey.readers import read_table
    from ipss_survey.scoring import score
    from ipss_survey.statistics import compute

    opts = options or Options()
    opts.check()
    column_map = load_column_map(opts.columns) if opts.columns else None
    raw = read_table(
        data,
        encoding=opts.encoding,
        sheet=opts.sheet,
        header_row=opts.header_row,
        progress=progress,
    )
    coded = code_responses(
        raw,
        instrument,
        column_map=column_map,
        group=opts.group,
        id_column=opts.id_column,
        strict=opts.strict,
    )
    source = {"source": source_name or raw.source, "sha256": raw.sha256, "format": raw.file_format}
    del raw  # the raw table is not needed past coding; free it before scoring
    scored = score(coded, instrument, opts.min_answered)
    stats = compute(coded, scored, instrument, opts)

    warnings = coded.warnings + scored.warnings + stats.warnings
    maturity = []
    if instrument.maturity:
        for cs in scored.constructs:
            found = instrument.maturity_level(cs.mean)
            maturity.append(
                {
                    "construct": cs.id,
                    "mean": cs.mean,
                    "level": found[0] if found else None,
                    "label": found[1] if found else None,
                }
            )
    options_out = asdict(opts)
    options_out["columns"] = Path(opts.columns).name if opts.columns else None
    return Results(
        schema_version=SCHEMA_VERSION,
        tool=tool_info(),
        options=options_out,
        instrument=instrument_info(instrument),
        data={
            **source,
            "rows_read": coded.rows_read,
            "rows_analysed": int(coded.codes.shape[0]),
            "group_by": coded.group_column,
            "rows_excluded": coded.excluded,
            "warnings": warnings,
            "columns": coded.columns,
        },
        items=scored.items,
        constructs=scored.constructs,
        groups=scored.groups,
        reliability=stats.reliability,
        acceptance_tests=stats.acceptance_tests,
        group_tests=stats.group_tests,
        maturity=maturity,
    )
