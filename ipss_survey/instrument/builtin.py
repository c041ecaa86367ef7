"""The instruments that ship with the package, their bundled samples, and ``--instrument``.

Built-in instruments are YAML files in ``builtins/``; each may have a synthetic sample
(``data/<id>-sample.csv`` in the source tree, ``sample_data/`` in an installed package) that
``analyze`` reads when no data file is given. ``--instrument`` takes a built-in id, an
instrument YAML file or an XLSForm workbook (``.xlsx``), read as the form's instrument.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ipss_survey.errors import DataError, InstrumentError
from ipss_survey.instrument.builtin_files import builtin_ids, builtin_text
from ipss_survey.instrument.loader import (
    DATA_SUFFIXES,
    data_file_error,
    load_instrument,
    parse_instrument,
)
from ipss_survey.instrument.model import Instrument


def builtin_instrument(iid: str) -> Instrument:
    return parse_instrument(builtin_text(iid), f"built-in instrument {iid}")


def iter_builtins() -> Iterator[Instrument]:
    for iid in builtin_ids():
        yield builtin_instrument(iid)


XLSFORM_SUFFIXES = {".xlsx", ".xlsm"}


@dataclass(frozen=True)
class OpenedInstrument:
    """An instrument as ``--instrument`` named it, and what reading it inferred that a user
    should check (an XLSForm's guessed direction or agreement codes: one sentence each)."""

    instrument: Instrument
    warnings: tuple[str, ...] = ()


def open_instrument(id_or_path: str) -> OpenedInstrument:
    """A built-in id, the path of an instrument YAML file, or of an XLSForm (.xlsx).

    Raises
    ------
    InstrumentError
        For an unknown id (with the built-in id it most resembles), a data file given as an
        instrument (saying to give it as the data file instead), or a file that breaks the
        instrument format.
    """
    ids = builtin_ids()
    if id_or_path in ids:
        return OpenedInstrument(builtin_instrument(id_or_path))
    p = Path(id_or_path)
    _refuse_data_file(p)
    if p.suffix.lower() in XLSFORM_SUFFIXES:
        from ipss_survey.instrument.xlsform import read_xlsform  # only for XLSForms

        form = read_xlsform(p)
        return OpenedInstrument(form.instrument, tuple(n.message for n in form.warnings))
    if p.suffix.lower() in {".yaml", ".yml"} or p.exists():
        return OpenedInstrument(load_instrument(p))
    close = difflib.get_close_matches(id_or_path.lower(), ids, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InstrumentError(
        id_or_path,
        "",
        f"no built-in instrument with this id and no such file; {hint}built-in ids: "
        f"{', '.join(ids)} (or give the path of a .yaml file or an XLSForm .xlsx)",
    )


def _refuse_data_file(p: Path) -> None:
    """A data file (.csv, .sav, an old .xls ...) given as an instrument: say where it goes."""
    suffix = p.suffix.lower()
    if not p.is_file():
        return
    if suffix in DATA_SUFFIXES:
        raise data_file_error(str(p), DATA_SUFFIXES[suffix])
    if suffix == ".xls":
        raise InstrumentError(
            str(p),
            "",
            "is an old-style .xls workbook: an XLSForm must be saved as .xlsx (open it in "
            "Excel, save as .xlsx); if it holds answers, give it as the data file "
            f"(ipss-survey analyze {p.name} --instrument ID)",
        )


def resolve_instrument(id_or_path: str) -> Instrument:
    """The instrument of a built-in id, an instrument YAML file or an XLSForm."""
    return open_instrument(id_or_path).instrument


def instrument_source(id_or_path: str) -> str:
    """The YAML text of a built-in instrument or of an instrument file, or the YAML an
    XLSForm reads as (``show --yaml``)."""
    if id_or_path in builtin_ids():
        return builtin_text(id_or_path)
    _refuse_data_file(Path(id_or_path))
    if Path(id_or_path).suffix.lower() in XLSFORM_SUFFIXES:
        from ipss_survey.instrument.dump import instrument_yaml
        from ipss_survey.instrument.xlsform import read_xlsform

        form = read_xlsform(id_or_path)
        return instrument_yaml(form.instrument, form.notes)
    try:
        return Path(id_or_path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(id_or_path, "", f"cannot be read ({exc})") from None


def sample_waves(instrument_id: str) -> list[Path]:
    """The bundled samples of a built-in instrument's waves (baseline, then follow-ups), for
    ``compare`` without data files: ``<id>-sample.csv`` and ``<id>-sample-wave2.csv``."""
    first = sample_path(instrument_id)
    second = first.with_name(f"{instrument_id}-sample-wave2.csv")
    if not second.is_file():
        raise DataError(
            f"instrument {instrument_id!r} has no bundled second wave; give the data files to "
            "compare (dtcaf has one)"
        )
    return [first, second]


def sample_path(instrument_id: str) -> Path:
    """The bundled sample of a built-in instrument (installed copy, else the source tree's)."""
    name = f"{instrument_id}-sample.csv"
    installed = resources.files("ipss_survey").joinpath("sample_data", name)
    if installed.is_file():
        return Path(str(installed))
    source_tree = Path(__file__).resolve().parents[2] / "data" / name
    if source_tree.is_file():
        return source_tree
    raise DataError(f"instrument {instrument_id!r} has no bundled sample; give a data file")
