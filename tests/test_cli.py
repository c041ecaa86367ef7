"""The command line: exit codes, one-line errors, outputs, help text (Typer's CliRunner)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import ExitCode
from tests.paths import DATA, REPO

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_analyze_writes_results_and_tables(tmp_path, mini_csv):
    out = tmp_path / "out"
    r = run(
        "analyze",
        str(mini_csv),
        "-i",
        str(DATA / "mini.yaml"),
        "--group",
        "team",
        "--out",
        str(out),
    )
    assert r.exit_code == ExitCode.OK, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".ipss-survey-manifest.json",
        "acceptance_tests.csv",
        "charts",
        "constructs.csv",
        "excluded_rows.csv",
        "group_constructs.csv",
        "group_items.csv",
        "group_pairwise.csv",
        "group_tests.csv",
        "items.csv",
        "panel_disagreement.csv",
        "panels.html",
        "reliability.csv",
        "reliability_items.csv",
        "report.html",
        "report.xlsx",
        "results.json",
        "summary.md",
        "warnings.csv",
    ]
    assert "7 of 9 rows analysed, 2 excluded" in r.output
    assert "A Alpha" in r.output and "42%" in r.output
    doc = json.loads((out / "results.json").read_text())
    assert doc["data"]["group_by"] == "team"


def test_json_to_stdout(tmp_path, mini_csv):
    r = run(
        "analyze", str(mini_csv), "-i", str(DATA / "mini.yaml"), "--out", str(tmp_path), "--json"
    )
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 2
    assert doc["data"]["rows_analysed"] == 7


def test_default_sample_is_announced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("analyze")
    assert r.exit_code == 0, r.output
    assert "bundled sample of 'dtcaf'" in r.stderr
    assert (tmp_path / "reports" / "dtcaf-sample" / "results.json").is_file()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["analyze", "nope.csv"], "nope.csv: no such file"),
        (["analyze", "{mini}", "-i", "dtcfa"], "no built-in instrument"),
        (
            ["analyze", "{mini}", "-i", "{yaml}", "--group", "region"],
            "no column 'region' to group by",
        ),
        (["analyze", "{mini}", "-i", "{yaml}", "--strict"], "--strict"),
        (["analyze", "{mini}", "-i", "{yaml}", "--threshold", "150"], "--threshold"),
        (["analyze", "{mini}", "-i", "{yaml}", "--p-adjust", "sidak"], "--p-adjust"),
        (["analyze", "{mini}", "-i", "{yaml}", "--columns", "nomap.yaml"], "no such column"),
        (["instruments", "show", "nope"], "no built-in instrument"),
        (["instruments", "check", "nope.yaml"], "nope.yaml: no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, words):
    args = [a.format(mini=DATA / "mini.csv", yaml=DATA / "mini.yaml") for a in args]
    r = run(*args, "--out", str(tmp_path)) if args[0] == "analyze" else run(*args)
    assert r.exit_code == ExitCode.BAD_INPUT
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ")
    assert words in lines[0]
    assert "Traceback" not in r.output


def test_usage_error_exits_2():
    r = run("analyze", "--no-such-option")
    assert r.exit_code == 2


def test_debug_shows_traceback(tmp_path):
    r = run("analyze", "nope.csv", "--debug", "--out", str(tmp_path))
    assert r.exit_code == 2
    assert "Traceback" in r.stderr


def test_bad_instrument_file_names_key_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nscale: {points: [1, 2], agree: [3]}\ndimensions: [{id: A, items: [a]}]")
    r = run("instruments", "check", str(bad))
    assert r.exit_code == 2
    assert f"{bad}: scale.agree[0]: code 3 is not one of the scale's points" in r.stderr


def test_instruments_check_ok():
    r = run("instruments", "check", str(DATA / "mini.yaml"))
    assert r.exit_code == 0
    assert "OK: instrument 'mini', 7 items in 3 dimensions and 2 sub-dimensions" in r.stdout


def test_instruments_list_and_show():
    r = run("instruments", "list")
    assert r.exit_code == 0
    assert "dtcaf" in r.stdout and "ipss-senior-managers" in r.stdout and "94" in r.stdout
    r = run("instruments", "show", "dtcaf")
    assert r.exit_code == 0
    assert "94 items, 6 dimensions, 20 sub-dimensions" in r.stdout
    assert "LEA-vision Vision (4 items)" in r.stdout
    assert "Chief Information Officer" in r.stdout
    assert "Innovative" in r.stdout
    r = run("instruments", "show", "dtcaf", "--yaml")
    assert r.stdout.startswith("# UN DESA")


def test_no_colour_codes_when_not_a_terminal(tmp_path, mini_csv):
    r = run("analyze", str(mini_csv), "-i", str(DATA / "mini.yaml"), "--out", str(tmp_path))
    assert "\x1b[" not in r.output


def _commands(group, prefix=()):
    import typer.main

    click_group = typer.main.get_command(group)
    for name, cmd in click_group.commands.items():
        if hasattr(cmd, "commands"):
            for sub_name, sub in cmd.commands.items():
                yield (*prefix, name, sub_name), sub
        else:
            yield (*prefix, name), cmd


@pytest.mark.parametrize(("path", "cmd"), list(_commands(app)), ids=lambda v: str(v))
def test_every_command_has_help_ending_with_an_example(path, cmd):
    assert cmd.help and cmd.help.strip().split("\n\n")[-1].startswith("Example:")
    example = cmd.help.split("Example:")[-1]
    assert "ipss-survey " + " ".join(path) in " ".join(example.split())


def test_python_dash_m_and_fast_help():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run(
        [sys.executable, "-m", "ipss_survey", "--version"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.returncode == 0 and r.stdout.startswith("ipss-survey ")
    # --help must not import the heavy libraries.
    code = (
        "import sys; sys.argv=['ipss-survey','--help']\n"
        "from ipss_survey import cli\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'scipy', 'matplotlib', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr


def test_statistics_reach_json_csv_and_terminal(tmp_path):
    """Issue 3's done-when: alpha with its interval, acceptance above 75%, municipality tests."""
    import csv

    r = run(
        "analyze",
        "--instrument",
        "ipss-senior-managers",
        "--group",
        "municipality",
        "--threshold",
        "75",
        "--out",
        str(tmp_path),
    )
    assert r.exit_code == 0, r.output
    assert "Reliability and significance" in r.stdout
    assert "Agree" in r.stdout and "> 75%?" in r.stdout
    doc = json.loads((tmp_path / "results.json").read_text())
    constructs = [c["id"] for c in doc["constructs"]]
    assert [x["construct"] for x in doc["reliability"]] == constructs
    per = next(x for x in doc["reliability"] if x["construct"] == "PER")
    lo, hi = per["alpha_ci"]
    assert lo < per["alpha"] < hi
    tests = [a for a in doc["acceptance_tests"] if a["target"] == "construct"]
    assert [a["id"] for a in tests] == constructs
    assert all(a["threshold"] == 75 for a in tests)
    kw = [g for g in doc["group_tests"] if g["test"] == "kruskal-wallis"]
    assert [g["construct"] for g in kw] == constructs
    # 9 of the 15 municipalities have 4 respondents (< --min-group-size 5): named, left out.
    assert len(kw[0]["excluded_groups"]) == 9 and len(kw[0]["groups"]) == 6
    assert any(
        w["code"] == "groups_excluded" and "Knysna" in w["message"] for w in doc["data"]["warnings"]
    )
    with (tmp_path / "reliability.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [row["construct"] for row in rows] == constructs
    assert float(rows[0]["alpha_ci_low"]) == pytest.approx(doc["reliability"][0]["alpha_ci"][0])
    with (tmp_path / "acceptance_tests.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(doc["items"]) + len(constructs)
    assert (tmp_path / "group_tests.csv").is_file() and (tmp_path / "group_pairwise.csv").is_file()


def _mini(out, *extra):
    return run(
        "analyze", str(DATA / "mini.csv"), "-i", str(DATA / "mini.yaml"), "--out", str(out), *extra
    )


def test_format_chooses_outputs(tmp_path):
    r = _mini(tmp_path, "--format", "json,md", "--title", "Wave 1")
    assert r.exit_code == ExitCode.OK, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".ipss-survey-manifest.json",
        "results.json",
        "summary.md",
    ]
    assert (tmp_path / "summary.md").read_text().startswith("# Wave 1")


def test_unknown_format_is_bad_input(tmp_path):
    r = _mini(tmp_path, "--format", "pdf")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert r.stderr.strip() == (
        "error: --format: unknown format 'pdf'; choose among json,csv,xlsx,html,md,png,svg "
        "(comma-separated) or 'all'"
    )
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_fail_under_exits_1_and_lists_the_constructs(tmp_path):
    r = _mini(tmp_path, "--format", "json", "--fail-under", "90%")
    assert r.exit_code == ExitCode.BELOW_TARGET
    assert "--fail-under 90%: " in r.stderr and "fall short: A Alpha: " in r.stderr
    assert (tmp_path / "results.json").is_file()  # the results are still written
    ok = _mini(tmp_path, "--format", "json", "--fail-under", "10")
    assert ok.exit_code == ExitCode.OK, ok.stderr


def test_fail_under_unknown_label_lists_levels(tmp_path):
    r = _mini(tmp_path, "--fail-under", "Excellent")
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "valid levels: 'Low', 'High'" in r.stderr


def test_report_redraws_from_results_json(tmp_path):
    assert _mini(tmp_path, "--format", "json").exit_code == ExitCode.OK
    r = run("report", str(tmp_path / "results.json"), "--format", "html,md", "--fail-under", "10")
    assert r.exit_code == ExitCode.OK, r.output
    assert (tmp_path / "report.html").is_file() and (tmp_path / "summary.md").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1}')
    r = run("report", str(bad))
    assert r.exit_code == ExitCode.BAD_INPUT
    assert "not a results.json of schema version 1" in r.stderr


def test_xlsform_export_import_and_check_round_trip(tmp_path):
    form, back = tmp_path / "form.xlsx", tmp_path / "back.yaml"
    r = run("instruments", "export", "ipss-senior-managers", "--xlsform", str(form))
    assert r.exit_code == ExitCode.OK, r.output
    r = run("instruments", "from-xlsform", str(form), "--out", str(back))
    assert r.exit_code == ExitCode.OK, r.output
    assert "31 items in 6 dimensions" in r.output
    r = run("instruments", "check", str(back))
    assert r.exit_code == ExitCode.OK and "OK:" in r.output
    r = run("instruments", "show", str(form), "--yaml")
    assert r.exit_code == ExitCode.OK and "SUP01" in r.output


def test_instrument_outputs_are_not_overwritten_without_force(tmp_path):
    out = tmp_path / "entry.xlsx"
    assert run("instruments", "template", "dtcaf", "--out", str(out)).exit_code == 0
    before = out.read_bytes()
    r = run("instruments", "template", "dtcaf", "--out", str(out), "--rows", "5")
    assert r.exit_code == ExitCode.BAD_INPUT and "--force" in r.output
    assert out.read_bytes() == before
    r = run("instruments", "template", "dtcaf", "--out", str(out), "--rows", "5", "--force")
    assert r.exit_code == ExitCode.OK and out.read_bytes() != before
    r = run("instruments", "template", "dtcaf", "--out", str(tmp_path / "entry.csv"))
    assert r.exit_code == ExitCode.BAD_INPUT and ".xlsx" in r.output


def test_check_warns_about_a_reversed_scale(tmp_path):
    path = tmp_path / "rev.yaml"
    path.write_text(
        "id: rev\ntitle: Reversed\nversion: '1'\nscale:\n  points: [1, 2, 3, 4]\n"
        "  labels: {1: Strongly agree, 2: Agree, 3: Disagree, 4: Strongly disagree}\n"
        "  agree: [3, 4]\ndimensions:\n  - id: A\n    name: A\n    items:\n"
        "      - {code: A1, text: one}\n"
    )
    r = run("instruments", "check", str(path))
    assert r.exit_code == ExitCode.OK
    assert "looks reversed" in r.output and "(1 warning(s))" in r.output
