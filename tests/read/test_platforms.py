"""Survey platforms' exports, recognised from their own marks, on small files written in the
layout each platform writes (header rows, question ids, group paths, metadata, ids)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipss_survey.cli import app
from ipss_survey.errors import DataError
from ipss_survey.instrument import parse_instrument
from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import read_table

SCALE = (
    "scale:\n  points: [1, 2, 3, 4, 5]\n"
    "  labels: {1: Strongly disagree, 2: Disagree, 3: Neutral, 4: Agree, 5: Strongly agree}\n"
    "  agree: [4, 5]\n  neutral: [3]\n"
)


def instrument(items: str) -> object:
    return parse_instrument(f"id: t\n{SCALE}dimensions:\n  - id: D\n    items:\n{items}", "t.yaml")


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", sep: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------- Qualtrics

QUALTRICS_HEAD = [
    ["StartDate", "EndDate", "Status", "Progress", "Finished", "ResponseId",
     "DistributionChannel", "Q1", "Q2_1", "Q2_2"],
    ["Start Date", "End Date", "Response Type", "Progress", "Finished", "Response ID",
     "Distribution Channel", "The portal is easy to use.",
     "Rate these - Staff are helpful", "Rate these - Waiting times are short"],
    ['{"ImportId":"startDate","timeZone":"Africa/Johannesburg"}',
     '{"ImportId":"endDate","timeZone":"Africa/Johannesburg"}', '{"ImportId":"status"}',
     '{"ImportId":"progress"}', '{"ImportId":"finished"}', '{"ImportId":"_recordId"}',
     '{"ImportId":"distributionChannel"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_1"}',
     '{"ImportId":"QID2_2"}'],
]  # fmt: skip


def qualtrics_rows() -> list[list[str]]:
    body = [
        ["2026-03-01 09:00", "2026-03-01 09:05", "IP Address", "100", "True", "R_1", "anonymous",
         "Agree", "Strongly agree", "Disagree"],
        ["2026-03-01 09:10", "2026-03-01 09:12", "Survey Preview", "100", "True", "R_2",
         "preview", "Strongly disagree", "Strongly disagree", "Strongly disagree"],
        ["2026-03-02 10:00", "2026-03-02 10:04", "IP Address", "100", "True", "R_3", "anonymous",
         "Strongly agree", "Agree", "Neutral"],
        ["2026-03-02 11:00", "2026-03-02 11:01", "Survey Test", "100", "True", "R_4", "test",
         "Neutral", "Neutral", "Neutral"],
        ["2026-03-03 12:00", "2026-03-03 12:09", "IP Address", "40", "False", "R_5", "anonymous",
         "Disagree", "", ""],
    ]  # fmt: skip
    return [*QUALTRICS_HEAD, *body]


@pytest.mark.parametrize("by", ["import-id", "column-name"])
def test_qualtrics_three_header_rows_and_test_responses(tmp_path, by):
    path = write_csv(tmp_path / "qualtrics.csv", qualtrics_rows())
    codes = ["QID1", "QID2_1", "QID2_2"] if by == "import-id" else ["Q1", "Q2_1", "Q2_2"]
    inst = instrument("".join(f"      - {c}\n" for c in codes))
    res = analyze(path, inst, Options(strict=True))  # strict: the text rows are no answers
    d = res.data
    assert d.layout == "Qualtrics export (3 header rows)"
    assert d.rows_read == 5 and d.rows_analysed == 3
    assert [(e.row, e.id, e.reason) for e in d.rows_excluded] == [
        (2, "R_2", "Qualtrics survey preview or test response"),
        (4, "R_4", "Qualtrics survey preview or test response"),
    ]
    coding = {"unknown_label", "out_of_range", "missing_code", "empty_columns"}
    assert [w.code for w in d.warnings if w.code in coding] == []
    first = res.items[0]
    assert first.n == 3 and first.counts == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    kept = analyze(path, inst, Options(keep_test_responses=True))
    assert kept.data.rows_analysed == 5 and kept.data.rows_excluded == []


def test_qualtrics_items_found_by_their_wording(tmp_path):
    path = write_csv(tmp_path / "qualtrics.csv", qualtrics_rows())
    inst = instrument(
        '      - {code: EASE, text: "The portal is easy to use."}\n'
        '      - {code: STAFF, text: "Staff are helpful"}\n'
    )
    res = analyze(path, inst)
    assert res.data.columns == {"EASE": "Q1", "STAFF": "Q2_1"}


def test_qualtrics_tab_separated_utf16_export(tmp_path):
    path = write_csv(tmp_path / "qualtrics.tsv", qualtrics_rows(), "utf-16", "\t")
    res = analyze(path, instrument("      - Q1\n      - Q2_1\n      - Q2_2\n"))
    assert res.data.layout.startswith("Qualtrics") and res.data.rows_analysed == 3


def test_qualtrics_numeric_export_with_status_codes(tmp_path):
    rows = qualtrics_rows()
    for row, status in zip(rows[3:], ["0", "1", "0", "2", "0"], strict=True):
        row[2] = status
        row[7:] = [{"": ""}.get(v, v) for v in row[7:]]
    labels = {"Strongly disagree": "1", "Disagree": "2", "Neutral": "3", "Agree": "4",
              "Strongly agree": "5"}  # fmt: skip
    for row in rows[3:]:
        row[7:] = [labels.get(v, v) for v in row[7:]]
    path = write_csv(tmp_path / "q.csv", rows)
    res = analyze(
        path, instrument("      - Q1\n      - Q2_1\n      - Q2_2\n"), Options(strict=True)
    )
    assert res.data.rows_analysed == 3


# --------------------------------------------------------------------------- LimeSurvey


def limesurvey_rows(headings: str) -> list[list[str]]:
    if headings == "codes":
        head = ["id", "submitdate", "lastpage", "startlanguage", "seed", "Q1", "Q2[SQ001]",
                "Q2[SQ002]"]  # fmt: skip
    else:
        head = ["id", "submitdate", "lastpage", "startlanguage", "seed",
                "Q1. The portal is easy to use.",
                "Q2[SQ001]. Rate these [Staff are helpful]",
                "Q2[SQ002]. Rate these [Waiting times are short]"]  # fmt: skip
    return [
        head,
        ["1", "2026-03-01 09:05:00", "3", "en", "123", "4", "5", "2"],
        ["2", "", "1", "en", "456", "2", "", ""],
        ["3", "2026-03-02 10:04:00", "3", "en", "789", "5", "4", "3"],
    ]


@pytest.mark.parametrize("headings", ["codes", "code-and-text"])
def test_limesurvey_codes_subquestions_and_incomplete_responses(tmp_path, headings):
    path = write_csv(tmp_path / "lime.csv", limesurvey_rows(headings))
    inst = instrument("      - Q1\n      - Q2_SQ001\n      - Q2[SQ002]\n")
    res = analyze(path, inst)
    d = res.data
    assert d.layout == "LimeSurvey export" and d.rows_analysed == 3
    assert d.columns["Q2_SQ001"].startswith("Q2[SQ001]")
    (note,) = [w for w in d.warnings if w.code == "incomplete_responses"]
    assert note.count == 1 and "--where submitdate!=" in note.message
    done = analyze(path, inst, Options(where=("submitdate!=",)))
    assert done.data.rows_analysed == 2
    assert [(e.row, e.reason) for e in done.data.rows_excluded] == [
        (2, "left out by --where submitdate!=")
    ]


def test_limesurvey_answer_codes_are_an_error_with_advice(tmp_path):
    rows = limesurvey_rows("codes")
    for row in rows[1:]:
        row[5:] = [f"A{v}" if v else v for v in row[5:]]
    path = write_csv(tmp_path / "lime.csv", rows)
    with pytest.raises(DataError, match="look like LimeSurvey answer codes"):
        analyze(path, instrument("      - Q1\n      - Q2_SQ001\n      - Q2_SQ002\n"))


# --------------------------------------------------------------------------- Google Forms


def test_google_forms_headers_are_matched_to_the_items_wording(tmp_path):
    rows = [
        ["Timestamp", "Email Address", "The portal is easy to use!",
         "Please rate these statements [Staff are helpful.]"],
        ["2026/03/01 9:05:00 AM GMT+2", "a@example.org", "Agree", "Strongly agree"],
        ["2026/03/01 9:07:00 AM GMT+2", "b@example.org", "Disagree", "Neutral"],
    ]  # fmt: skip
    path = write_csv(tmp_path / "responses.csv", rows)
    inst = instrument(
        '      - {code: EASE, text: "The portal is easy to use."}\n'
        '      - {code: STAFF, text: "staff are HELPFUL"}\n'
    )
    res = analyze(path, inst)
    assert res.data.layout == "Google Forms export"
    assert res.data.columns == {"EASE": rows[0][2], "STAFF": rows[0][3]}
    assert [it.n for it in res.items] == [2, 2]


# --------------------------------------------------------------------------- Kobo and ODK


@pytest.mark.parametrize("mangled", [False, True])
def test_kobo_group_paths_metadata_and_uuid(tmp_path, mangled):
    sep, uuid, index = (".", "X_uuid", "X_index") if mangled else ("/", "_uuid", "_index")
    rows = [
        ["start", "end", f"lead{sep}LEA01", f"lead{sep}vision{sep}LEA02", "region", uuid,
         "_submission_time" if not mangled else "X_submission_time", index],
        ["2026-03-01T09:00", "2026-03-01T09:05", "4", "5", "north", "u-1", "2026-03-01", "1"],
        ["2026-03-01T09:10", "2026-03-01T09:15", "2", "3", "south", "u-2", "2026-03-01", "2"],
        ["2026-03-01T09:10", "2026-03-01T09:15", "2", "3", "south", "u-2", "2026-03-01", "3"],
    ]  # fmt: skip
    path = write_csv(tmp_path / "kobo.csv", rows)
    res = analyze(path, instrument("      - LEA01\n      - LEA02\n"), Options(group="region"))
    d = res.data
    assert d.layout.startswith("KoboToolbox export")
    assert d.columns == {"LEA01": rows[0][2], "LEA02": rows[0][3]}
    assert [(e.row, e.id) for e in d.rows_excluded] == [(3, "u-2")]  # the id is _uuid
    assert [g.group for g in res.groups] == ["north", "south"]


def test_odk_central_paths_and_key(tmp_path):
    rows = [
        ["SubmissionDate", "start", "lead-LEA01", "lead-LEA02", "meta-instanceID", "KEY"],
        ["2026-03-01", "2026-03-01T09:00", "4", "5", "uuid:1", "uuid:1"],
        ["2026-03-01", "2026-03-01T09:20", "2", "3", "uuid:2", "uuid:2"],
    ]
    path = write_csv(tmp_path / "central.csv", rows)
    res = analyze(path, instrument("      - LEA01\n      - LEA02\n"))
    assert res.data.layout == "ODK Central export" and res.data.rows_analysed == 2


def test_a_plain_table_has_no_layout(mini_csv):
    assert read_table(mini_csv).layout.name == ""


def test_the_terminal_says_which_layout_was_recognised(tmp_path):
    path = write_csv(tmp_path / "qualtrics.csv", qualtrics_rows())
    inst = tmp_path / "t.yaml"
    inst.write_text(f"id: t\n{SCALE}dimensions:\n  - {{id: D, items: [Q1, Q2_1, Q2_2]}}\n")
    r = CliRunner().invoke(
        app, ["analyze", str(path), "-i", str(inst), "--format", "json", "--out", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    assert "Recognised: Qualtrics export (3 header rows)" in r.stdout


def test_a_kobo_download_is_read_from_its_main_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    main = wb.active
    main.title = "Service survey"
    header = ["lead/LEA01", "lead/LEA02", "_uuid", "_index"]
    for row in [header, [4, 5, "u-1", 1], [2, 3, "u-2", 2]]:
        main.append(row)
    repeat = wb.create_sheet("household_members")
    for row in [["member_age", "_index", "_parent_index"], [34, 1, 1], [12, 2, 1]]:
        repeat.append(row)
    path = tmp_path / "kobo.xlsx"
    wb.save(path)
    res = analyze(path, instrument("      - LEA01\n      - LEA02\n"))
    (note,) = [w for w in res.data.warnings if w.code == "sheet_choice"]
    assert "main sheet of a KoboToolbox download" in note.message
    assert "(household_members)" in note.message
    assert res.data.rows_analysed == 2 and res.data.layout.startswith("KoboToolbox")
