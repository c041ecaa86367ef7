"""Write the chosen report formats of one Results into a folder, whole or not at all.

Everything is rendered in memory before the first file is written, so a failure while
drawing leaves the folder as it was; the files are then written as a set
(``atomic.write_many``), each whole or not at all. Charts are drawn once per format and
shared with a helper process when there is much to draw and a CPU to spare; the other
formats are made while the helper draws.

Each folder keeps a manifest (``.ipss-survey-manifest.json``: the input and every file a run
wrote there, with its SHA-256). A rerun removes the files an earlier run wrote that it does
not write itself, so no report from another threshold is left beside the new results.json;
it never removes a file it did not write or one changed since. The default folder,
``reports/<data file name>/``, is never one that holds another input's reports:
``survey.xlsx`` goes to ``reports/survey-xlsx/`` when ``reports/survey/`` is
``survey.csv``'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ipss_survey import __version__
from ipss_survey.errors import SurveyError
from ipss_survey.report.atomic import check_folder, digest, remove_unchanged, write_many
from ipss_survey.report.charts.jobs import ChartJob, Helpers
from ipss_survey.report.charts.plans import ChartImage
from ipss_survey.report.csv_tables import csv_text
from ipss_survey.report.html import html_report
from ipss_survey.report.markdown import markdown_summary
from ipss_survey.report.panels import disagreement_csv, panels_html
from ipss_survey.report.tables import build_tables
from ipss_survey.report.xlsx import xlsx_bytes
from ipss_survey.results import Results

FORMATS = ("json", "csv", "xlsx", "html", "md", "png", "svg")
CHART_FORMATS = ("png", "svg", "html", "xlsx")  # formats that need charts drawn
MANIFEST = ".ipss-survey-manifest.json"
REPORTS = Path("reports")


def parse_formats(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"html,md"`` or a list of names -> the formats in canonical order; None means all."""
    if spec is None:
        return FORMATS
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    wanted = {p.strip().lower().lstrip(".") for p in parts if p.strip()}
    if "all" in wanted:
        return FORMATS
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise SurveyError(
            f"--format: unknown format {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose among {','.join(FORMATS)} (comma-separated) or 'all'"
        )
    return tuple(f for f in FORMATS if f in wanted)


def needs_charts(formats: Sequence[str]) -> bool:
    return any(f in formats for f in CHART_FORMATS)


def _embeds_png(formats: Sequence[str]) -> bool:
    """Whether a chosen document holds the charts as PNG images (the HTML report, the
    workbook)."""
    return "html" in formats or "xlsx" in formats


def write_reports(
    results: Results,
    out_dir: str | Path,
    formats: str | Iterable[str] | None = None,
    title: str | None = None,
    processes: int | None = None,
    helpers: Helpers | None = None,
    source: str | Path | None = None,
    replace: Literal["all", "chosen"] = "all",
) -> list[Path]:
    """Write each chosen format into ``out_dir``; return the files written, in order.

    Parameters
    ----------
    results
        What to report.
    out_dir
        The folder (created if need be). Charts go to ``out_dir/charts/``.
    formats
        Names from ``FORMATS`` (comma-separated text or a list); None means all.
    title
        The reports' title.
    processes
        1 keeps all drawing in this process, 2 asks for a helper.
    helpers
        A helper started ahead of the analysis.
    source
        The data file the results come from, recorded in the folder's manifest (kept from
        the earlier manifest when None).
    replace
        Which files of an earlier run (listed in the manifest) that this run does not
        write are removed: ``"all"`` of them (``analyze``: the folder then holds one run's
        outputs), or only those of the ``"chosen"`` formats (``report`` redrawing some).

    Returns
    -------
    list of Path
        The files written (the manifest is not listed).

    Raises
    ------
    SurveyError
        When the folder cannot take the files (the message says why); no file is then
        left half-written.
    """
    chosen = parse_formats(formats)
    out = Path(out_dir)
    problem = check_folder(out)
    if problem:
        raise SurveyError(f"{out}: {problem}; choose another output folder with --out")
    chart_files: dict[Path, bytes] = {}
    documents: dict[Path, bytes] = {}
    images: list[ChartImage] = []
    # PNGs for the HTML report and the workbook too, drawn once and shared by all three
    kinds = [f for f in ("png", "svg") if f in chosen or (f == "png" and _embeds_png(chosen))]
    job = None
    try:
        if kinds:
            job = ChartJob(results, kinds, processes, helpers)  # a helper starts drawing now
        data_files = _data_files(results, chosen, out)
        if job is not None:
            for plan, drawn in job.finish():
                if "png" in drawn:
                    images.append(
                        ChartImage(plan.name, plan.title, plan.section, plan.caption, drawn["png"])
                    )
                for fmt, data in drawn.items():
                    if fmt in chosen:
                        chart_files[out / "charts" / f"{plan.name}.{fmt}"] = data
    finally:
        if job is not None:
            job.close()
    if "xlsx" in chosen:
        documents[out / "report.xlsx"] = xlsx_bytes(results, title=title, charts=images)
    if "html" in chosen:
        page = html_report(results, title=title, charts=images)
        documents[out / "report.html"] = page.encode("utf-8")
        if results.agreement:
            documents[out / "panels.html"] = panels_html(results, title=title).encode("utf-8")
    if "md" in chosen:
        documents[out / "summary.md"] = markdown_summary(results, title=title).encode("utf-8")
    everything = {**data_files, **chart_files, **documents}
    write_with_manifest(out, everything, chosen, source, replace)
    return list(everything)


@dataclass
class Manifest:
    """What a folder's manifest says: the input whose reports these are, and each file an
    earlier run wrote (a path relative to the folder) with its SHA-256."""

    source: str | None = None
    files: dict[str, str] = field(default_factory=dict)


def read_manifest(folder: str | Path) -> Manifest | None:
    """The folder's manifest, or None when it has none (or one this tool cannot read, which
    is then ignored: nothing is removed on its word)."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("tool") != "ipss-survey":
        return None
    files = doc.get("files")
    if not isinstance(files, dict):
        return None
    source = doc.get("source")
    return Manifest(
        source if isinstance(source, str) else None,
        {str(k): str(v) for k, v in files.items() if _own_path(str(k))},
    )


def _own_path(rel: str) -> bool:
    """A path a run of this tool writes: a file of the folder or of its charts/ folder."""
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or any(p in ("", ".", "..") for p in parts):
        return False
    return len(parts) == 1 or (len(parts) == 2 and parts[0] == "charts")


_FORMAT_OF_SUFFIX = {f".{f}": f for f in FORMATS}


def write_with_manifest(
    out: Path,
    files: dict[Path, bytes],
    chosen: Sequence[str],
    source: str | Path | None,
    replace: str,
) -> None:
    """Write ``files`` and the manifest as one set, then remove what an earlier run wrote and
    this one replaces with nothing (``replace`` as in ``write_reports``; ``compare`` uses it
    too)."""
    old = read_manifest(out) or Manifest()
    written = {p.relative_to(out).as_posix(): digest(data) for p, data in files.items()}
    stale = {
        rel: sha
        for rel, sha in old.files.items()
        if rel not in written
        and (replace == "all" or _FORMAT_OF_SUFFIX.get(Path(rel).suffix) in chosen)
    }
    kept = {rel: sha for rel, sha in old.files.items() if rel not in written and rel not in stale}
    manifest = {
        "tool": "ipss-survey",
        "version": __version__,
        "source": str(source) if source is not None else old.source,
        "files": dict(sorted({**kept, **written}.items())),
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    try:
        write_many({**files, out / MANIFEST: text.encode("utf-8")})
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise SurveyError(
            f"{out}: the reports could not be written: {exc.strerror or exc}{where}; no file "
            "was left half-written: check the folder or choose another --out"
        ) from None
    emptied: set[Path] = set()
    for rel, sha in stale.items():
        if remove_unchanged(out / rel, sha) and len(Path(rel).parts) == 2:
            emptied.add(out / Path(rel).parent)
    for folder in emptied:
        if not any(folder.iterdir()):
            folder.rmdir()


def check_out_folder(folder: str | Path, given: bool = True) -> None:
    """Fail early (before any analysis) when ``folder`` cannot take the reports.

    Parameters
    ----------
    folder
        The output folder, existing or not.
    given
        Whether the user named it (``--out``) or it is the default.

    Raises
    ------
    SurveyError
        For a folder that is a file, lies under a file, or cannot be created or written.
    """
    path = Path(folder)
    problem = check_folder(path)
    if problem is None:
        return
    what = f"--out {path}" if given else f"the output folder {path}"
    if problem == "is a file, not a folder":
        other = path.with_name(f"{path.stem}-reports")
        raise SurveyError(
            f"{what}: is a file, not a folder; give a folder (created if need be), e.g. "
            f"--out {other}"
        )
    raise SurveyError(f"{what}: {problem}; choose a folder you can write to with --out")


def default_out_folder(source: str | Path) -> Path:
    """``reports/<data file name>/``, unless that folder holds another input's reports:
    then ``reports/<name>-<suffix>/`` (``survey-xlsx``), numbered if that is taken too.

    Parameters
    ----------
    source
        The data file.

    Returns
    -------
    Path
        The first candidate folder that is absent, holds this input's reports, or holds
        nothing this tool can attribute to another input.
    """
    src = Path(source)
    suffix = src.suffix.lstrip(".").lower() or "data"
    candidates = [REPORTS / src.stem, REPORTS / f"{src.stem}-{suffix}"]
    candidates += [REPORTS / f"{src.stem}-{suffix}-{i}" for i in range(2, 100)]
    key = str(src.resolve())
    for folder in candidates:
        if _free_for(folder, key, src.name):
            return folder
    return candidates[-1]


def folder_owner(folder: str | Path) -> str | None:
    """The input whose reports ``folder`` holds, as its manifest records it, or None."""
    manifest = read_manifest(folder)
    return manifest.source if manifest is not None else None


def _free_for(folder: Path, key: str, name: str) -> bool:
    """Whether ``folder`` may take the reports of the input ``key`` (its resolved path)."""
    if not folder.exists():
        return True
    manifest = read_manifest(folder)
    if manifest is not None:
        return manifest.source in (None, key)
    try:  # reports written before manifests: results.json names the data file
        doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        earlier = doc["data"]["source"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return True
    return not isinstance(earlier, str) or earlier == name


def _data_files(results: Results, chosen: Sequence[str], out: Path) -> dict[Path, bytes]:
    """results.json and the CSV tables, in memory, made while charts are drawn."""
    texts: dict[Path, bytes] = {}
    if "json" in chosen:
        texts[out / "results.json"] = results.to_json().encode("utf-8")
    if "csv" in chosen:
        for table in build_tables(results):
            texts[out / f"{table.name}.csv"] = csv_text(table).encode("utf-8")
        if results.agreement:
            texts[out / "panel_disagreement.csv"] = disagreement_csv(results)
    return texts
