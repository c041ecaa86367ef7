"""Instruments: the questionnaire definition (scale and hierarchy), loaded from YAML.

``model`` holds the types and the rules that follow from them, ``loader`` reads and checks
a YAML file, ``xlsform`` reads an XLSForm as one and ``dump`` writes one back as YAML,
``anchors`` the words that tell a choice list's direction, ``checks`` advice on a loaded
instrument, ``matching`` the keys that match data to it, ``builtin`` the instruments that
ship with the package. The format is documented in ``docs/instrument-format.md``.
"""

from ipss_survey.instrument.builtin import (
    OpenedInstrument,
    builtin_ids,
    builtin_instrument,
    builtin_text,
    instrument_source,
    iter_builtins,
    open_instrument,
    resolve_instrument,
    sample_path,
    sample_waves,
)
from ipss_survey.instrument.loader import load_instrument, parse_instrument
from ipss_survey.instrument.matching import normalise_column, normalise_label
from ipss_survey.instrument.model import (
    Classification,
    ClassRule,
    Condition,
    Construct,
    Instrument,
    Item,
    MaturityLevel,
    Option,
    Question,
    Scale,
    find_level,
)

__all__ = [
    "ClassRule",
    "Classification",
    "Condition",
    "Construct",
    "Instrument",
    "Item",
    "MaturityLevel",
    "OpenedInstrument",
    "Option",
    "Question",
    "Scale",
    "builtin_ids",
    "builtin_instrument",
    "builtin_text",
    "find_level",
    "instrument_source",
    "iter_builtins",
    "load_instrument",
    "normalise_column",
    "normalise_label",
    "open_instrument",
    "parse_instrument",
    "resolve_instrument",
    "sample_path",
    "sample_waves",
]
