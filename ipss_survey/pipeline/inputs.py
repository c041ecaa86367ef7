"""What to analyse: the instrument and options a run uses, from what was given and the file.

A data-entry template this tool wrote (``instruments template``) carries its instrument, its
data sheet and its id and group columns, so a filled one analyses with no options; anything
given on the command line wins over what the template says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ipss_survey.fielding.template import read_template_metadata
from ipss_survey.instrument import Instrument, open_instrument
from ipss_survey.pipeline.options import Options

DEFAULT_INSTRUMENT = "dtcaf"


@dataclass(frozen=True)
class RunInputs:
    """The instrument and options of a run, and sentences saying where they came from."""

    instrument: Instrument
    options: Options
    notes: tuple[str, ...] = ()


def run_inputs(data: Path | None, instrument: str | None, options: Options) -> RunInputs:
    """The instrument (``--instrument``, else a template's own, else ``dtcaf``) and options.

    ``notes`` holds the XLSForm reader's warnings (what it had to guess) and, for a filled
    template, which instrument and columns it supplied.
    """
    meta = read_template_metadata(data) if data is not None else None
    notes: list[str] = []
    if instrument is not None:
        opened = open_instrument(instrument)
        inst = opened.instrument
        notes += opened.warnings
    elif meta is not None:
        inst = meta["instrument"]
    else:
        inst = open_instrument(DEFAULT_INSTRUMENT).instrument
    if meta is None:
        return RunInputs(inst, options, tuple(notes))
    filled = replace(
        options,
        sheet=options.sheet or meta["data_sheet"],
        id_column=options.id_column or meta["id_column"],
        group=options.group or meta["group_column"],
    )
    supplied = [f"sheet {filled.sheet!r}", f"id column {filled.id_column!r}"]
    if filled.group:
        supplied.append(f"group column {filled.group!r}")
    source = "" if instrument is not None else f"instrument {meta['instrument_id']!r}, "
    notes.append(f"{data.name} is a data-entry template: {source}{', '.join(supplied)}")
    return RunInputs(inst, filled, tuple(notes))
