"""What a run records about itself: the tool and library versions, and the instrument."""

from __future__ import annotations

from importlib import metadata

from ipss_survey import __version__
from ipss_survey.instrument import Instrument
from ipss_survey.results import InstrumentInfo, LevelInfo, MaturityInfo, ToolInfo

DEPENDENCIES = ("numpy", "pandas", "scipy", "statsmodels", "pyreadstat", "openpyxl")


def tool_info() -> ToolInfo:
    """The tool's version and those of the libraries whose numbers it reports."""
    deps: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = None
    return ToolInfo("ipss-survey", __version__, deps)


def instrument_info(instrument: Instrument) -> InstrumentInfo:
    """The instrument as results.json describes it (scale without labels; labels beside)."""
    scale = instrument.scale
    as_dict = scale.as_dict() if scale else None
    maturity = None
    if instrument.maturity:
        maturity = MaturityInfo(
            instrument.maturity_basis,
            [LevelInfo(lv.min, lv.label) for lv in instrument.maturity],
        )
    return InstrumentInfo(
        id=instrument.id,
        title=instrument.title,
        version=instrument.version,
        scale={k: v for k, v in as_dict.items() if k != "labels"} if as_dict else None,
        source=instrument.source,
        labels=as_dict["labels"] if as_dict else {},
        maturity=maturity,
    )
