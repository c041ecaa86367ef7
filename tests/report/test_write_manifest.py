"""The output folder's manifest: a rerun removes what an earlier run wrote and this one does
not (never anything else), and the default folders of two inputs never collide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import ExitCode, SurveyError
from ipss_survey.instrument import load_instrument
from ipss_survey.pipeline import Options, analyze
from ipss_survey.report.atomic import digest
from ipss_survey.report.write import (
    MANIFEST,
    check_out_folder,
    default_out_folder,
    read_manifest,
    write_reports,
)
from ipss_survey.results import Results
from tests.paths import DATA

MINI = DATA / "mini.yaml"


@pytest.fixture(scope="module")
def results() -> Results:
    return analyze(DATA / "mini.csv", load_instrument(MINI), Options(threshold=60))


def names(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_manifest_lists_every_file_with_its_digest(results, tmp_path):
    written = write_reports(results, tmp_path, "json,csv,md", source="/data/mini.csv")
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["tool"] == "ipss-survey" and manifest["source"] == "/data/mini.csv"
    assert manifest["files"] == {
        p.relative_to(tmp_path).as_posix(): digest(p.read_bytes()) for p in written
    }
    assert tmp_path / MANIFEST not in written


def test_a_rerun_removes_what_the_earlier_run_wrote_and_this_one_does_not(results, tmp_path):
    write_reports(results, tmp_path, "json,md,svg")
    assert "summary.md" in names(tmp_path) and any(n.startswith("charts/") for n in names(tmp_path))
    write_reports(results, tmp_path, "json")
    assert names(tmp_path) == [MANIFEST, "results.json"]
    assert not (tmp_path / "charts").exists()  # emptied, so removed
    assert list(read_manifest(tmp_path).files) == ["results.json"]


def test_files_the_tool_did_not_write_or_that_changed_are_kept(results, tmp_path):
    write_reports(results, tmp_path, "json,md,csv")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "logo.png").write_bytes(b"mine")
    with (tmp_path / "summary.md").open("a") as fh:
        fh.write("\nEdited by hand.\n")
    write_reports(results, tmp_path, "json")
    assert names(tmp_path) == [
        MANIFEST,
        "charts/logo.png",
        "notes.txt",
        "results.json",
        "summary.md",
    ]
    assert list(read_manifest(tmp_path).files) == ["results.json"]


def test_a_manifest_cannot_reach_outside_its_folder(results, tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    folder = tmp_path / "out"
    folder.mkdir()
    sha = digest(b"keep")
    (folder / MANIFEST).write_text(
        json.dumps({"tool": "ipss-survey", "files": {"../precious.txt": sha, str(outside): sha}})
    )
    write_reports(results, folder, "json")
    assert outside.read_text() == "keep"


def test_redrawing_some_formats_keeps_the_others(results, tmp_path):
    write_reports(results, tmp_path, "json,csv,md")
    write_reports(results, tmp_path, "html", replace="chosen", processes=1)
    assert {"results.json", "summary.md", "items.csv", "report.html"} <= set(names(tmp_path))
    assert set(read_manifest(tmp_path).files) >= {"results.json", "summary.md", "report.html"}


def test_cli_rerun_with_json_leaves_no_stale_report(tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    base = ["analyze", str(DATA / "mini.csv"), "-i", str(MINI), "-o", str(out)]
    assert runner.invoke(app, [*base, "-f", "json,md,html"]).exit_code == ExitCode.OK
    r = runner.invoke(app, [*base, "-f", "json", "--threshold", "75"])
    assert r.exit_code == ExitCode.OK, r.output
    assert names(out) == [MANIFEST, "results.json"]


def test_default_folders_of_two_inputs_of_one_name_differ(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.chdir(tmp_path)
    csv_file = tmp_path / "survey.csv"
    csv_file.write_text((DATA / "mini.csv").read_text())
    book = openpyxl.Workbook()
    for line in (DATA / "mini.csv").read_text().splitlines():
        book.active.append(line.split(","))
    book.save(tmp_path / "survey.xlsx")
    runner = CliRunner()
    for data in ("survey.csv", "survey.xlsx", "survey.csv", "survey.xlsx"):
        r = runner.invoke(app, ["analyze", data, "-i", str(MINI), "-f", "json"])
        assert r.exit_code == ExitCode.OK, r.output
    assert (
        "note: reports/survey/ holds the reports of another input "
        f"({csv_file.resolve()}); writing to reports/survey-xlsx/"
    ) in r.stderr
    assert "Written to reports/survey-xlsx/: results.json" in r.stdout
    assert read_manifest("reports/survey").source == str(csv_file.resolve())
    assert read_manifest("reports/survey-xlsx").source == str((tmp_path / "survey.xlsx").resolve())
    doc = json.loads(Path("reports/survey/results.json").read_text())
    assert doc["data"]["source"] == "survey.csv"


def test_a_folder_from_before_manifests_is_told_by_its_results_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "reports" / "survey"
    old.mkdir(parents=True)
    (old / "results.json").write_text(json.dumps({"data": {"source": "survey.xlsx"}}))
    assert default_out_folder(tmp_path / "survey.csv") == Path("reports/survey-csv")
    assert default_out_folder(tmp_path / "survey.xlsx") == Path("reports/survey")


def test_check_out_folder(tmp_path):
    check_out_folder(tmp_path / "new" / "deeper")  # absent folders are fine
    assert not (tmp_path / "new").exists()  # and are not created by the check
    (tmp_path / "f").write_text("x")
    with pytest.raises(SurveyError, match="is a file, not a folder"):
        check_out_folder(tmp_path / "f")
    with pytest.raises(SurveyError, match=r"the output folder .* is a file, not a folder"):
        check_out_folder(tmp_path / "f" / "g", given=False)
