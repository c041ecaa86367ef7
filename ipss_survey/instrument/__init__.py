"""Instruments: the questionnaire definition (scale and hierarchy), loaded from YAML.

``model`` holds the types and the rules that follow from them, ``loader`` reads and checks
a YAML file, ``xlsform`` reads an XLSForm as one and ``dump`` writes one back as YAML,
``anchors`` the words that tell a choice list's direction, ``checks`` advice on a loaded
instrument, ``matching`` the keys that match data to it, ``builtin`` the instruments that
ship with the package (``builtin_files`` where they lie, ``catalogue`` what ``instruments
list`` shows of them). The format is documented in ``docs/instrument-format.md``.

The names below are loaded on first use (PEP 562), so that a command needing one small part
(listing the built-ins, say) does not pay for the parser, XLSForms and the YAML writer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ipss_survey.instrument.builtin import (
        OpenedInstrument,
        builtin_instrument,
        instrument_source,
        iter_builtins,
        open_instrument,
        resolve_instrument,
        sample_path,
        sample_waves,
    )
    from ipss_survey.instrument.builtin_files import (
        builtin_ids,
        builtin_text,
    )
    from ipss_survey.instrument.loader import (
        load_instrument,
        parse_instrument,
    )
    from ipss_survey.instrument.matching import (
        normalise_column,
        normalise_label,
    )
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

_HOME = {
    "OpenedInstrument": "ipss_survey.instrument.builtin",
    "builtin_instrument": "ipss_survey.instrument.builtin",
    "instrument_source": "ipss_survey.instrument.builtin",
    "iter_builtins": "ipss_survey.instrument.builtin",
    "open_instrument": "ipss_survey.instrument.builtin",
    "resolve_instrument": "ipss_survey.instrument.builtin",
    "sample_path": "ipss_survey.instrument.builtin",
    "sample_waves": "ipss_survey.instrument.builtin",
    "builtin_ids": "ipss_survey.instrument.builtin_files",
    "builtin_text": "ipss_survey.instrument.builtin_files",
    "load_instrument": "ipss_survey.instrument.loader",
    "parse_instrument": "ipss_survey.instrument.loader",
    "normalise_column": "ipss_survey.instrument.matching",
    "normalise_label": "ipss_survey.instrument.matching",
    "ClassRule": "ipss_survey.instrument.model",
    "Classification": "ipss_survey.instrument.model",
    "Condition": "ipss_survey.instrument.model",
    "Construct": "ipss_survey.instrument.model",
    "Instrument": "ipss_survey.instrument.model",
    "Item": "ipss_survey.instrument.model",
    "MaturityLevel": "ipss_survey.instrument.model",
    "Option": "ipss_survey.instrument.model",
    "Question": "ipss_survey.instrument.model",
    "Scale": "ipss_survey.instrument.model",
    "find_level": "ipss_survey.instrument.model",
}

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


def __getattr__(name: str) -> Any:
    try:
        home = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
