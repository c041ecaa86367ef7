"""Every file format reads to the same answers; labels, missing codes and column matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from ipss_survey.coding import MISSING, code_responses
from ipss_survey.errors import DataError
from ipss_survey.pipeline import Options, analyze
from ipss_survey.read import ExcludedRow, ReadSettings, read_table

ITEMS = ["A1", "A2", "A3", "B1", "B2", "B3", "Y1"]


def frame() -> pd.DataFrame:
    """Five respondents' coded answers (NaN = empty) for the mini instrument."""
    return pd.DataFrame(
        {
            "id": ["p1", "p2", "p3", "p4", "p5"],
            "team": ["x", "x", "y", "y", "y"],
            "A1": [5, 4, 1, np.nan, 2],
            "A2": [1, 2, 5, 3, 4],
            "A3": [4, 4, 2, 3, 5],
            "B1": [4, 3, 2, 1, 5],
            "B2": [4, np.nan, 2, 2, 5],
            "B3": [3, 5, 1, 2, 4],
            "Y1": [1, 1, 0, 0, 1],
        }
    )


EXPECTED = np.array(
    [
        [5, 1, 4, 4, 4, 3, 1],
        [4, 2, 4, 3, -128, 5, 1],
        [1, 5, 2, 2, 2, 1, 0],
        [-128, 3, 3, 1, 2, 2, 0],
        [2, 4, 5, 5, 5, 4, 1],
    ],
    dtype=np.int8,
)


def coded(path, mini, **kw):
    return code_responses(
        read_table(path, **{k: v for k, v in kw.items() if k in ("encoding", "sheet")}),
        mini,
        **{k: v for k, v in kw.items() if k not in ("encoding", "sheet")},
    )


def write_csv(path, df, sep=",", encoding="utf-8"):
    path.write_bytes(df.to_csv(index=False, sep=sep).encode(encoding))
    return path


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "cp1252"), ("|", "utf-8"), (",", "utf-16")],
)
def test_csv_delimiters_and_encodings(tmp_path, mini, sep, encoding):
    df = frame()
    df.loc[0, "team"] = "Équipe ü"  # a non-ASCII group name survives each encoding
    path = write_csv(tmp_path / "d.csv", df, sep, encoding)
    c = coded(path, mini, group="team")
    assert np.array_equal(c.codes, EXPECTED)
    assert c.groups[0] == "Équipe ü"


def test_cp1252_is_noted(tmp_path, mini):
    df = frame()
    df.loc[0, "team"] = "Café"
    c = coded(write_csv(tmp_path / "d.csv", df, encoding="cp1252"), mini, group="team")
    assert c.groups[0] == "Café"
    assert any("cp1252" in w.message for w in c.warnings)


def test_xlsx(tmp_path, mini):
    path = tmp_path / "d.xlsx"
    frame().to_excel(path, index=False)
    assert np.array_equal(coded(path, mini).codes, EXPECTED)


def test_xlsx_named_sheet(tmp_path, mini):
    path = tmp_path / "d.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xw, sheet_name="About", index=False)
        frame().to_excel(xw, sheet_name="Responses", index=False)
    assert np.array_equal(coded(path, mini, sheet="Responses").codes, EXPECTED)
    with pytest.raises(
        DataError, match="no sheet named 'Nope'; the workbook's sheets are: About, Responses"
    ):
        read_table(path, sheet="Nope")


@pytest.mark.parametrize("suffix", [".sav", ".zsav", ".dta", ".xpt"])
def test_statistical_formats(tmp_path, mini, suffix):
    path = tmp_path / f"d{suffix}"
    df = frame()
    if suffix in (".sav", ".zsav"):
        pyreadstat.write_sav(df, path, compress=suffix == ".zsav")
    elif suffix == ".dta":
        pyreadstat.write_dta(df, path)
    else:
        pyreadstat.write_xport(df, path)
    c = coded(path, mini, group="team")
    assert np.array_equal(c.codes, EXPECTED)
    assert c.ids == ["p1", "p2", "p3", "p4", "p5"]


def test_spss_value_labels_and_user_missing(tmp_path, mini):
    """SPSS codes 0-4 labelled with the scale's words map to 1-5; 99 is user-missing."""
    df = frame()
    df["A1"] = [4, 3, 0, 99, 1]  # file codes: 0 = Strongly disagree ... 4 = Strongly agree
    df["team"] = [1, 1, 2, 2, 2]
    path = tmp_path / "d.sav"
    words = {
        0: "Strongly disagree",
        1: "Disagree",
        2: "Neutral",
        3: "Agree",
        4: "Strongly agree",
        99: "Refused",
    }
    pyreadstat.write_sav(
        df,
        path,
        variable_value_labels={"A1": words, "team": {1: "Drakenstein", 2: "George"}},
        missing_ranges={"A1": [99]},
    )
    c = coded(path, mini, group="team")
    assert c.codes[:, 0].tolist() == [5, 4, 1, int(MISSING), 2]
    assert c.groups == ["Drakenstein", "Drakenstein", "George", "George", "George"]
    kinds = {w.code for w in c.warnings if w.item == "A1"}
    assert {"missing_code", "recoded_by_label"} <= kinds


def test_label_text_any_case_and_spacing(tmp_path, mini):
    df = frame().astype(object)
    df["A1"] = ["strongly AGREE", "  Agree ", "Strongly   disagree", "", "5 - Strongly agree"]
    df["Y1"] = ["yes", "YES", "no", "No", "1"]
    c = coded(write_csv(tmp_path / "d.csv", df), mini)
    assert c.codes[:, 0].tolist() == [5, 4, 1, int(MISSING), 5]
    assert c.codes[:, 6].tolist() == [1, 1, 0, 0, 1]


def test_smart_quotes_and_decimal_codes(tmp_path):
    from ipss_survey.instrument import parse_instrument

    inst = parse_instrument(
        'id: q\nscale: {points: [1, 2, 3], labels: {1: "Don\'t agree", 3: Agree}, '
        "agree: [3]}\ndimensions: [{id: D, items: [Q1]}]\n",
        "q.yaml",
    )
    path = tmp_path / "q.csv"
    path.write_text("id;Q1\n1;Don\u2019t agree\n2;3.0\n3;2,0\n", encoding="utf-8")
    c = code_responses(read_table(path), inst)
    assert c.codes[:, 0].tolist() == [1, 3, 2]


def test_unknown_label_is_reported_not_guessed(tmp_path, mini):
    df = frame().astype(object)
    df["A1"] = ["Agree strongly", "Agree strongly", "Agree", "", "2"]
    c = coded(write_csv(tmp_path / "d.csv", df), mini)
    assert c.codes[:, 0].tolist() == [int(MISSING), int(MISSING), 4, int(MISSING), 2]
    w = next(w for w in c.warnings if w.code == "unknown_label")
    assert w.item == "A1" and w.count == 2
    assert "'Agree strongly' (2x)" in w.message
    assert "'Strongly agree'" in w.message  # the accepted labels are listed


def test_strict_turns_bad_values_into_an_error(tmp_path, mini):
    df = frame()
    df.loc[2, "B2"] = 8
    path = write_csv(tmp_path / "d.csv", df)
    with pytest.raises(DataError) as info:
        coded(path, mini, strict=True)
    msg = str(info.value)
    assert "d.csv" in msg and "'B2'" in msg and "row 3" in msg and "--strict" in msg


def test_strict_rejects_duplicate_ids(tmp_path, mini):
    df = frame()
    df.loc[3, "id"] = "p1"
    path = write_csv(tmp_path / "d.csv", df)
    c = coded(path, mini)
    assert c.excluded == [ExcludedRow(4, "p1", "duplicate respondent id (first in row 1)")]
    with pytest.raises(DataError, match=r"row 4: duplicate respondent id 'p1'"):
        coded(path, mini, strict=True)


def test_missing_item_columns_are_listed(tmp_path, mini):
    path = write_csv(tmp_path / "d.csv", frame().drop(columns=["B2", "Y1"]))
    with pytest.raises(DataError) as info:
        coded(path, mini)
    assert "2 item column(s)" in str(info.value) and "B2, Y1" in str(info.value)


def test_no_item_columns_suggests_the_instrument(tmp_path, mini):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match="is the right --instrument"):
        coded(path, mini)


def test_columns_match_ignoring_case_and_spaces(tmp_path, mini):
    df = frame().rename(columns={"A1": " a1 ", "B3": "b 3", "Y1": "y1"})
    assert np.array_equal(coded(write_csv(tmp_path / "d.csv", df), mini).codes, EXPECTED)


def test_column_mapping_file(tmp_path, mini):
    df = frame().rename(columns={"A1": "Q1", "A2": "Q2"})
    path = write_csv(tmp_path / "d.csv", df)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Q1: A1\nq2: A2\nQ99: B1\n")
    res = analyze(path, mini, Options(columns=str(mapping)))
    assert res.data.columns["A1"] == "Q1"
    assert next(i for i in res.items if i.code == "A1").n == 4
    assert any(w.code == "mapped_column_absent" for w in res.data.warnings)


def test_ambiguous_columns(tmp_path, mini):
    path = tmp_path / "d.csv"
    df = frame()
    df["a 1"] = df["A1"]
    write_csv(path, df)
    with pytest.raises(DataError, match="both match"):
        coded(path, mini)


def test_group_column_must_exist(tmp_path, mini):
    path = write_csv(tmp_path / "d.csv", frame())
    with pytest.raises(DataError, match="no column 'region' to group by; columns are: id, team"):
        coded(path, mini, group="region")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("d.csv", b"", "the file is empty"),
        ("d.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
        ("d.xlsx", b"not a zip at all", "not an .xlsx workbook"),
        ("d.sav", b"garbage bytes here", "not an SPSS .sav file"),
        ("d.csv", b"\x00\x01\x02binary\x00", "binary file"),
        ("d.csv", b"id,A1,A2,A3,B1,B2,B3,Y1\n", "header row but no data rows"),
    ],
)
def test_unreadable_files_give_one_clear_message(tmp_path, mini, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        coded(path, mini)
    assert str(info.value).startswith(str(path))
    assert words in str(info.value)


# --------------------------------------------------------------------------- row ledger


def _ledger_file(path, n=2500):
    """n respondents with a blank row, a repeated header and a duplicate id spread out."""
    lines = ["id,team,A1,A2,A3,B1,B2,B3,Y1"]
    for i in range(1, n + 1):
        lines.append(f"r{i},{'xy'[i % 2]},{1 + i % 5},{1 + i % 3},4,4,4,3,{i % 2}")
        if i == 700:
            lines.append("")  # data row 701
        if i == 1500:
            lines.append("ID,Team,A1,A2,A3,B1,B2,B3,Y1")  # data row 1502
    lines.append("r10,x,1,1,1,1,1,1,1")  # data row n + 3
    lines.append("r99999,x,,,,,,,")  # answered nothing: data row n + 4
    path.write_text("\n".join(lines) + "\n\n\n")
    return path


@pytest.mark.parametrize("chunk_cells", [10_000_000, 2000])
def test_row_numbers_survive_blank_rows_repeated_headers_and_chunks(tmp_path, mini, chunk_cells):
    """Data row N is record N after the header, whether the file is read in one piece or
    in chunks held as categories."""
    path = _ledger_file(tmp_path / "d.csv")
    raw = read_table(path, settings=ReadSettings(chunk_cells=chunk_cells))
    assert (chunk_cells == 2000) == isinstance(raw.frame["A1"].dtype, pd.CategoricalDtype)
    c = code_responses(raw, mini, group="team")
    assert c.rows_read == 2504 and c.codes.shape[0] == 2500
    assert [(e.row, e.reason) for e in c.excluded] == [
        (701, "blank row"),
        (1502, "repeated header row"),
        (2503, "duplicate respondent id (first in row 10)"),
        (2504, "no item answered"),
    ]
    assert c.rows_read == c.codes.shape[0] + len(c.excluded)
    # Respondent r2000 sits in data row 2002 (one blank and one header row above it).
    i = c.ids.index("r2000")
    assert c.row_numbers[i] == 2002
    assert c.codes[i].tolist() == [1, 3, 4, 4, 4, 3, 0]
    assert c.groups[i] == "x"


def test_header_row_numbers_rows_below_it(tmp_path, mini):
    path = tmp_path / "d.csv"
    path.write_text(
        "Export of 2024\nnotes\nid,team,A1,A2,A3,B1,B2,B3,Y1\n"
        "p1,x,5,1,4,4,4,3,1\n\np1,x,5,1,4,4,4,3,1\n"
    )
    c = code_responses(read_table(path, header_row=3), mini)
    assert [(e.row, e.reason[:12]) for e in c.excluded] == [
        (2, "blank row"),
        (3, "duplicate re"),
    ]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_header_row_must_be_a_row_number(tmp_path, bad):
    path = tmp_path / "d.csv"
    path.write_text("id,A1\n1,2\n")
    with pytest.raises(DataError, match="--header-row must be a row number of 1 or more"):
        read_table(path, header_row=bad)


def test_header_row_beyond_the_file_and_for_statistics_files(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,A1\n1,2\n")
    with pytest.raises(DataError, match=r"--header-row 9 is beyond the end of the file \(2 line"):
        read_table(path, header_row=9)
    sav = tmp_path / "d.sav"
    pyreadstat.write_sav(pd.DataFrame({"A1": [1.0]}), sav)
    with pytest.raises(DataError, match="--header-row applies to CSV and Excel files"):
        read_table(sav, header_row=2)


def test_an_id_column_of_numbers_and_text_in_excel(tmp_path, mini):
    """Excel ids 1, 1.0 and '1' are one respondent; TRUE never passes for the code 1."""
    path = tmp_path / "d.xlsx"
    df = frame().astype(object)
    df["id"] = [1, 2.0, "3", 1.0, " 5 "]
    df["Y1"] = [True, 1, 0, False, 1]
    df.to_excel(path, index=False)
    c = coded(path, mini)
    assert c.ids == ["1", "2", "3", "5"]
    assert c.excluded == [ExcludedRow(4, "1", "duplicate respondent id (first in row 1)")]
    assert c.codes[:, 6].tolist() == [int(MISSING), 1, 0, 1]
    assert any(w.code == "unknown_label" and "'TRUE'" in w.message for w in c.warnings)


def test_infinite_and_huge_numbers_are_out_of_range(tmp_path, mini):
    path = tmp_path / "d.sav"
    df = frame()
    df["A1"] = [float("inf"), 4.0, 2.0, 3.0, 5.0]
    df["A3"] = [4.0, -float("inf"), 2.0, 3.0, 5.0]
    df["B1"] = [4.0, 2.0, 1e300, 3.0, 5.0]
    pyreadstat.write_sav(df, path)
    c = coded(path, mini)
    assert c.codes[:, 0].tolist() == [int(MISSING), 4, 2, 3, 5]
    assert c.codes[:, 2].tolist() == [4, int(MISSING), 2, 3, 5]
    assert c.codes[:, 3].tolist() == [4, 2, int(MISSING), 3, 5]
    out = {w.item: w.count for w in c.warnings if w.code == "out_of_range"}
    assert out == {"A1": 1, "A3": 1, "B1": 1}


def test_a_column_mostly_of_non_answers_is_an_error(tmp_path, mini):
    """Most cells unreadable means file and instrument disagree: never counted as missing."""
    df = frame().astype(object)
    df["A2"] = ["very_poor", "good", "very_good", "good", 3]
    path = write_csv(tmp_path / "d.csv", df)
    with pytest.raises(DataError) as info:
        coded(path, mini)
    msg = str(info.value)
    assert "column 'A2'" in msg and "4 of 5 answers match no answer" in msg
    assert "'good' (2x)" in msg and "XLSForm choice names" in msg
    df["A2"] = [1, 2, 3, 4, 5]
    df["B1"] = [9, 9, 9, 9, 9]  # all declared missing: no valid answer, but not an error
    c = coded(write_csv(tmp_path / "e.csv", df), mini)
    assert (c.codes[:, 3] == MISSING).all()


def test_spss_user_missing_values_are_no_group_and_no_id(tmp_path, mini):
    """A group code the file declares missing (9 = no answer) is no group, and a declared
    missing id is no id: neither becomes a group or a respondent of its own."""
    df = frame()
    df["team"] = [1.0, 2.0, 9.0, 2.0, 9.0]
    df["id"] = [101.0, 102.0, 103.0, -1.0, -1.0]
    path = tmp_path / "d.sav"
    pyreadstat.write_sav(
        df,
        path,
        variable_value_labels={"team": {1.0: "north", 2.0: "south", 9.0: "no answer"}},
        missing_ranges={"team": [9.0], "id": [-1.0]},
    )
    c = coded(path, mini, group="team")
    assert c.groups == ["north", "south", None, "south", None]
    assert c.ids == ["101", "102", "103", None, None]
    assert c.excluded == []  # two respondents without an id are not duplicates of each other
    (w,) = [w for w in c.warnings if w.code == "empty_group"]
    assert w.count == 2
