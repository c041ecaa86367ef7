"""``ipss-survey run STUDY.yaml`` on studies of the bundled samples: exit codes, every report
written when a gate fails, one bad run not stopping the others, ``--jobs 2`` writing the same
bytes as a serial run, a study writing what the same command line writes, ``--check``."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import ExitCode
from ipss_survey.instrument import sample_waves
from ipss_survey.report.write import MANIFEST
from tests.paths import REPO

runner = CliRunner()
CONFIGS_STUDY = REPO / "configs" / "study-example.yaml"

SAMPLES = """
title: Samples
defaults:
  format: [json, md]
analyses:
  - name: dtcaf
    data: DATA/dtcaf-sample.csv
    instrument: dtcaf
    group: ministry
    fail_under: 75
  - name: managers
    data: DATA/ipss-senior-managers-sample.csv
    instrument: ipss-senior-managers
    group: municipality
comparisons:
  - name: waves
    data: [DATA/dtcaf-sample.csv, DATA/dtcaf-sample-wave2.csv]
    format: json
"""


def write_study(folder: Path, body: str = SAMPLES, name: str = "study.yaml") -> Path:
    """A study file in ``folder`` whose DATA is the bundled data, relative to the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    rel = Path(os.path.relpath(REPO / "data", folder)).as_posix()
    path.write_text(textwrap.dedent(body).replace("DATA", rel), encoding="utf-8")
    return path


def run(*args: str | Path):
    return runner.invoke(app, ["run", *map(str, args)])


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def study_json(out: Path) -> dict:
    return json.loads((out / "study.json").read_text(encoding="utf-8"))


def test_a_failing_gate_exits_1_and_still_writes_every_report(tmp_path):
    out = tmp_path / "out"
    r = run(write_study(tmp_path), "--out", out)
    assert r.exit_code == ExitCode.BELOW_TARGET, r.output
    assert "dtcaf: below target: --fail-under 75%:" in r.stderr
    assert "gate failed: dtcaf" in r.stderr
    assert "managers: ok: 2 files in" in r.stdout
    for name, files in [
        ("dtcaf", {"results.json", "summary.md"}),
        ("managers", {"results.json", "summary.md"}),
        ("waves", {"compare.json"}),
    ]:
        assert {p.name for p in (out / name).iterdir()} - {MANIFEST} == files
    doc = study_json(out)
    assert [(x["name"], x["status"], x["exit_code"]) for x in doc["runs"]] == [
        ("dtcaf", "below_target", 1),
        ("managers", "ok", 0),
        ("waves", "ok", 0),
    ]
    assert doc["exit_code"] == 1 and doc["status"] == "below_target"
    gate = doc["runs"][0]["gate"]
    assert gate["target"] == "75%" and not gate["passed"] and gate["checked"] == 6
    assert {s["construct"] for s in gate["shortfalls"]} == {
        "LEA",
        "STR",
        "GOV",
        "LEG",
        "TEC",
        "PWD",
    }
    assert doc["runs"][0]["outputs"] == ["dtcaf/results.json", "dtcaf/summary.md"]
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "| dtcaf | analysis | below target | 343 |" in md
    assert "Exit code 1 (a gate failed: dtcaf)" in md
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="dtcaf/summary.md"' in page and 'href="waves/compare.json"' in page


def test_study_json_records_options_inputs_and_outputs(tmp_path):
    out = tmp_path / "out"
    run(write_study(tmp_path), "--out", out)
    managers = study_json(out)["runs"][1]
    rel = Path(os.path.relpath(REPO / "data", tmp_path)).as_posix()
    assert managers["options"] == {
        "data": f"{rel}/ipss-senior-managers-sample.csv",
        "instrument": "ipss-senior-managers",
        "group": "municipality",
        "format": ["json", "md"],
    }
    results = json.loads((out / "managers" / "results.json").read_text())
    data, inst = managers["inputs"]
    assert data == {
        "role": "data",
        "path": f"{rel}/ipss-senior-managers-sample.csv",
        "sha256": results["data"]["sha256"],
    }
    assert inst["role"] == "instrument" and inst["id"] == "ipss-senior-managers"
    assert len(inst["sha256"]) == 64 and inst["path"] is None
    assert managers["report"] == "managers/summary.md"
    head = managers["headline"]
    assert head["rows_analysed"] == 66 and head["group_by"] == "municipality"
    support = head["dimensions"][0]
    assert support["id"] == "SUP"
    assert support["pct_agree"] == results["constructs"][0]["pct_agree"]
    waves = study_json(out)["runs"][2]
    assert waves["headline"]["waves"] == ["dtcaf-sample", "dtcaf-sample-wave2"]
    assert [i["role"] for i in waves["inputs"]] == ["data", "data", "instrument"]


def test_a_bad_path_exits_2_naming_the_analysis_while_the_others_run(tmp_path):
    body = SAMPLES.replace("DATA/ipss-senior-managers-sample.csv", "DATA/missing.csv")
    study = write_study(tmp_path, body)
    out = tmp_path / "out"
    r = run(study, "--out", out)
    assert r.exit_code == ExitCode.BAD_INPUT, r.output  # the most severe of 1 and 2
    rel = Path(os.path.relpath(REPO / "data", tmp_path)).as_posix()
    assert (
        f"error: managers: {study}: analyses[1].data: {rel}/missing.csv: no such file" in r.stderr
    )
    assert "failed: managers" in r.stderr
    assert (out / "dtcaf" / "results.json").is_file()
    assert (out / "waves" / "compare.json").is_file()
    assert not (out / "managers").exists()
    doc = study_json(out)
    assert [x["status"] for x in doc["runs"]] == ["below_target", "bad_input", "ok"]
    bad = doc["runs"][1]
    assert bad["outputs"] == [] and bad["inputs"][0]["sha256"] is None
    assert bad["message"].startswith("analyses[1].data: ")
    assert "| managers | analysis | bad input |" in (out / "summary.md").read_text()


def test_jobs_2_gives_the_same_exit_code_and_files_when_runs_fail(tmp_path):
    body = SAMPLES.replace("DATA/ipss-senior-managers-sample.csv", "DATA/missing.csv")
    study = write_study(tmp_path, body)
    serial = run(study, "--out", tmp_path / "serial")
    parallel = run(study, "--out", tmp_path / "parallel", "--jobs", "2")
    assert serial.exit_code == parallel.exit_code == ExitCode.BAD_INPUT
    assert files_of(tmp_path / "serial") == files_of(tmp_path / "parallel")


def test_an_internal_error_exits_3_and_the_others_run(tmp_path, monkeypatch):
    import ipss_survey.study.run as study_run

    real = study_run.analyze

    def failing(data, *args, **kwargs):
        if "senior" in str(data):
            raise RuntimeError("boom")
        return real(data, *args, **kwargs)

    monkeypatch.setattr(study_run, "analyze", failing)
    out = tmp_path / "out"
    r = run(write_study(tmp_path), "--out", out)
    assert r.exit_code == ExitCode.INTERNAL_ERROR
    assert "error: managers: internal error: RuntimeError: boom (rerun with --debug" in r.stderr
    assert [x["status"] for x in study_json(out)["runs"]] == [
        "below_target",
        "internal_error",
        "ok",
    ]
    r = run(write_study(tmp_path), "--out", out, "--debug")
    assert "Traceback" in r.stderr and "RuntimeError: boom" in r.stderr


def test_only_runs_the_named_runs(tmp_path):
    out = tmp_path / "out"
    r = run(write_study(tmp_path), "--out", out, "--only", "managers")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html",
        "managers",
        "study.json",
        "summary.md",
    ]
    assert [x["name"] for x in study_json(out)["runs"]] == ["managers"]


def test_an_unknown_only_name_runs_nothing(tmp_path):
    out = tmp_path / "out"
    r = run(write_study(tmp_path), "--out", out, "--only", "manager")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "--only: no analysis or comparison named 'manager'" in r.stderr
    assert "names: dtcaf, managers, waves" in r.stderr
    assert not out.exists()


def test_a_bad_study_file_runs_nothing_and_lists_every_problem(tmp_path):
    body = SAMPLES.replace("group: ministry", "grop: ministry").replace(
        "fail_under: 75", "fail_under: 75\n    threshold: 100"
    )
    study = write_study(tmp_path, body)
    out = tmp_path / "out"
    r = run(study, "--out", out)
    assert r.exit_code == ExitCode.BAD_INPUT
    lines = r.stderr.strip().splitlines()
    assert lines == [
        f"error: {study}: analyses[0].grop: unknown key 'grop' in analysis (did you mean "
        "'group'?); allowed keys: " + lines[0].split("allowed keys: ")[1],
        f"error: {study}: analyses[0].threshold: --threshold must lie between 0 and 100 "
        "(percent), not 100",
    ]
    assert not out.exists()


def test_jobs_must_be_at_least_1(tmp_path):
    r = run(write_study(tmp_path), "--jobs", "0")
    assert r.exit_code == 2


def test_default_output_folder_is_reports_and_the_study_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = write_study(tmp_path / "studies", name="ministries.yaml")
    r = run(study, "--only", "managers")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "reports" / "ministries" / "managers" / "results.json").is_file()
    assert "Index: reports/ministries/index.html" in r.stdout


# --------------------------------------------------------------------------- --check


def test_check_passes_the_configs_study():
    r = run("--check", CONFIGS_STUDY)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"{CONFIGS_STUDY}: OK: 2 analyses, 1 comparison;")


CHECKS = [
    # (what to change in SAMPLES, the problem's start)
    (("DATA/ipss-senior-managers-sample.csv", "DATA/missing.csv"), "analyses[1].data: "),
    (("DATA/ipss-senior-managers-sample.csv", "DATA"), "analyses[1].data: "),
    (("DATA/ipss-senior-managers-sample.csv", "DATA/README.md"), "analyses[1].data: "),
    (("instrument: dtcaf", "instrument: no-such-instrument"), "analyses[0].instrument: "),
    (("instrument: dtcaf", "instrument: broken.yaml"), "analyses[0].instrument: "),
    (("group: ministry", "group: ministry\n    columns: no-map.yaml"), "analyses[0].columns: "),
    (("fail_under: 75", "fail_under: Excellent"), "analyses[0].fail_under: "),
    (("DATA/dtcaf-sample-wave2.csv", "DATA/wave3.csv"), "comparisons[0].data[1]: "),
    (("format: json\n", "format: json\n    instrument: nope\n"), "comparisons[0].instrument: "),
    (("group: municipality", "group: municipality\n    alpha: 7"), "analyses[1].alpha: "),
    (("name: waves", "name: dtcaf"), "comparisons[0].name: "),
]


@pytest.mark.parametrize(("change", "start"), CHECKS, ids=[c[1] + c[0][1] for c in CHECKS])
def test_check_catches_each_kind_of_error(tmp_path, change, start):
    (tmp_path / "broken.yaml").write_text("id: broken\ndimensions: []\n")
    study = write_study(tmp_path, SAMPLES.replace(*change))
    r = run("--check", study)
    assert r.exit_code == ExitCode.BAD_INPUT, r.output
    assert r.stderr.startswith(f"error: {study}: {start}"), r.stderr
    assert not (tmp_path / "reports").exists()


def test_check_names_the_key_path_inside_an_instrument(tmp_path):
    (tmp_path / "broken.yaml").write_text("id: broken\ndimensions: []\n")
    study = write_study(tmp_path, SAMPLES.replace("instrument: dtcaf", "instrument: broken.yaml"))
    r = run("--check", study)
    assert f"analyses[0].instrument: {tmp_path / 'broken.yaml'}: dimensions: expected a " in (
        r.stderr
    )


def test_check_lists_every_problem(tmp_path):
    body = (
        SAMPLES.replace("DATA/ipss-senior-managers-sample.csv", "DATA/missing.csv")
        .replace("fail_under: 75", "fail_under: Excellent")
        .replace("DATA/dtcaf-sample-wave2.csv", "DATA/wave3.csv")
    )
    r = run("--check", write_study(tmp_path, body))
    assert r.exit_code == ExitCode.BAD_INPUT
    starts = [line.split(": ")[2] for line in r.stderr.strip().splitlines()]
    assert starts == ["analyses[0].fail_under", "analyses[1].data", "comparisons[0].data[1]"]


# --------------------------------------------------------------------------- the configs study


@pytest.fixture(scope="module")
def configs_runs(tmp_path_factory):
    """The configs study run serially and with --jobs 2."""
    base = tmp_path_factory.mktemp("configs-study")
    serial = runner.invoke(app, ["run", str(CONFIGS_STUDY), "--out", str(base / "serial")])
    parallel = runner.invoke(
        app, ["run", str(CONFIGS_STUDY), "--out", str(base / "parallel"), "--jobs", "2"]
    )
    return base, serial, parallel


def test_the_configs_study_runs_the_samples_and_the_waves(configs_runs):
    base, serial, _ = configs_runs
    assert serial.exit_code == 0, serial.output
    out = base / "serial"
    assert {p.name for p in out.iterdir()} == {
        "dtcaf-ministries",
        "senior-managers",
        "dtcaf-waves",
        "index.html",
        "study.json",
        "summary.md",
    }
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert md.startswith("# Bundled samples (synthetic data)\n")
    assert "Exit code 0: every run ran and every gate held (3 ok)." in md
    assert "| senior-managers | analysis | ok | 66 | SUP 87.1%; EXT 69.7%; COL 28.8%" in md
    assert "| dtcaf-waves | comparison | ok | 343 → 336 |" in md
    doc = study_json(out)
    waves = doc["runs"][2]
    assert waves["headline"]["waves"] == ["baseline", "follow-up"]
    assert waves["options"]["data"] == [
        "../data/dtcaf-sample.csv",
        "../data/dtcaf-sample-wave2.csv",
    ]
    assert [Path(REPO / "configs" / p).resolve() for p in waves["options"]["data"]] == [
        p.resolve() for p in sample_waves("dtcaf")
    ]


def test_jobs_2_writes_the_same_bytes_as_a_serial_run(configs_runs):
    base, serial, parallel = configs_runs
    assert serial.exit_code == parallel.exit_code == 0, parallel.output
    first, second = files_of(base / "serial"), files_of(base / "parallel")
    assert len(first) > 60 and any(name.endswith(".png") for name in first)
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


def test_a_study_analysis_writes_what_the_command_line_writes(configs_runs, tmp_path):
    base, _, _ = configs_runs
    out = tmp_path / "cli"
    r = runner.invoke(
        app,
        [
            "analyze",
            str(REPO / "data" / "ipss-senior-managers-sample.csv"),
            "--instrument",
            "ipss-senior-managers",
            "--group",
            "municipality",
            "--threshold",
            "75",
            "--p-adjust",
            "holm",
            "--format",
            "json,csv,html,md,png",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    study = files_of(base / "serial" / "senior-managers")
    assert study["results.json"] == files_of(out)["results.json"]
    assert study == files_of(out)


def test_a_study_comparison_writes_what_the_command_line_writes(configs_runs, tmp_path):
    base, _, _ = configs_runs
    out = tmp_path / "cli"
    waves = [str(p) for p in sample_waves("dtcaf")]
    r = runner.invoke(
        app,
        [
            "compare",
            *waves,
            "-i",
            "dtcaf",
            "--labels",
            "baseline,follow-up",
            "--group",
            "ministry",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert files_of(base / "serial" / "dtcaf-waves") == files_of(out)
