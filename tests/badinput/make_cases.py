"""Regenerate the bad-input catalogue's files: ``python tests/badinput/make_cases.py``.

Each file is one case of ``cases.yaml``; this script says how its bytes were made, so an odd
encoding or a damaged workbook can be rebuilt and understood. Most cases are the five
respondents of ``tests/data/mini.csv``'s instrument (``mini.yaml``) in some awkward form.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
HEADER = ["id", "team", "A1", "A2", "A3", "B1", "B2", "B3", "Y1"]
ROWS = [
    ["p1", "x", "5", "1", "4", "4", "4", "3", "1"],
    ["p2", "x", "4", "2", "4", "3", "", "5", "1"],
    ["p3", "y", "1", "5", "2", "2", "2", "1", "0"],
    ["p4", "y", "", "3", "3", "1", "2", "2", "0"],
    ["p5", "y", "2", "4", "5", "5", "5", "4", "1"],
]


def table(rows: list[list[str]] = ROWS, header: list[str] = HEADER, sep: str = ",") -> str:
    return "".join(sep.join(r) + "\n" for r in [header, *rows])


def with_team(names: list[str]) -> list[list[str]]:
    return [[r[0], t, *r[2:]] for r, t in zip(ROWS, names, strict=True)]


CASES: dict[str, Callable[[], bytes | str]] = {}


def case(name: str) -> Callable[[Callable[[], bytes | str]], Callable[[], bytes | str]]:
    def register(fn: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
        CASES[name] = fn
        return fn

    return register


# ---------------------------------------------------------------- encodings


@case("utf8.csv")
def _utf8() -> bytes:
    return table(with_team(["Équipe", "Équipe", "Überlingen", "Überlingen", "Überlingen"])).encode()


@case("utf8_bom.csv")
def _utf8_bom() -> bytes:
    return b"\xef\xbb\xbf" + table().encode()


@case("cp1252.csv")
def _cp1252() -> bytes:
    teams = ["Café", "Café", *["Drakenstein \u2013 Süd"] * 3]  # an en dash: byte 0x96
    return table(with_team(teams)).replace("\n", "\r\n").encode("cp1252")


@case("latin1.csv")
def _latin1() -> bytes:
    return table(with_team(["Köln", "Köln", "Genève", "Genève", "Genève"])).encode("latin-1")


@case("utf16_excel_unicode_text.txt")
def _utf16() -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-separated, CRLF."""
    text = table(with_team(["Ōtautahi", "Ōtautahi", "y", "y", "y"]), sep="\t")
    return text.replace("\n", "\r\n").encode("utf-16")


@case("utf16le_no_bom.csv")
def _utf16_nobom() -> bytes:
    return table().encode("utf-16-le")


# ---------------------------------------------------------------- delimiters and layout


@case("semicolon_decimal_comma.csv")
def _semicolon() -> str:
    rows = [r[:] for r in ROWS]
    rows[0][2] = "5,0"
    rows[2][3] = "5,0"
    rows[4][4] = "4,5"  # not a whole code: out of range, counted as missing
    return table(rows, sep=";")


@case("pipe.csv")
def _pipe() -> str:
    return table(sep="|")


@case("tab.tsv")
def _tab() -> str:
    return table(sep="\t")


@case("quoted_newlines.csv")
def _quoted() -> str:
    head = [*HEADER, "comment"]
    rows = [[*r, ""] for r in ROWS]
    rows[0][-1] = '"Long answer,\nover three\nlines"'
    rows[2][-1] = '"She said ""fine"", then left"'
    rows.append(["p1", "x", "1", "1", "1", "1", "1", "1", "1", ""])  # row 6: a duplicate id
    return table(rows, head)


@case("repeated_header.csv")
def _repeated() -> str:
    """Two exports pasted together: the second header (in capitals) is row 3."""
    second = table(ROWS[2:]).split("\n", 1)
    return table(ROWS[:2]) + second[0].upper() + "\n" + second[1]


@case("blank_lines.csv")
def _blank() -> str:
    lines = table().splitlines()
    # header, p1, blank, p2, p3, ",,,," (an empty record), p4, p5, p2 again, trailing blanks
    body = [lines[0], lines[1], "", lines[2], lines[3], ",,,,,,,,", lines[4], lines[5]]
    body.append("p2,x,1,1,1,1,1,1,1")
    return "\n".join(body) + "\n\n\n"


@case("trailing_delimiters.csv")
def _trailing() -> str:
    return "".join(line + ",,\n" for line in table().splitlines())


@case("trailing_delimiter_rows_only.csv")
def _trailing_rows() -> str:
    """Data rows end with a delimiter, the header does not: pandas alone would shift columns."""
    lines = table().splitlines()
    return lines[0] + "\n" + "".join(line + ",\n" for line in lines[1:])


@case("title_row.csv")
def _title_csv() -> str:
    return "DTCAF pilot export, 2024\n\n" + table()


@case("duplicate_unused_columns.csv")
def _dup_unused() -> str:
    head = [*HEADER, "Comment", "Comment"]
    return table([[*r, "ok", "fine"] for r in ROWS], head)


# ---------------------------------------------------------------- labels


@case("labels_spacing_case_quotes.csv")
def _labels() -> str:
    return (
        "id,Q1,Q2\n"
        "r1,  AGREE ,Don\u2019t agree\n"
        "r2,don't   AGREE,\u201cNeutral\u201d\n"
        "r3,Neutral,agree\n"
        "r4,Don\u2019t know,Agree\n"
        "r5,3 - Agree,1\n"
    )


@case("unknown_label.csv")
def _unknown() -> str:
    rows = [r[:] for r in ROWS]
    rows[0][2] = "Agree strongly"
    rows[1][2] = "Agree strongly"
    rows[2][2] = "Strongly agree"
    return table(rows)


# ---------------------------------------------------------------- respondents and items


@case("answered_nothing.csv")
def _nothing() -> str:
    return table([*ROWS, ["p6", "y", "", "", "", "", "", "", ""]])


@case("item_nobody_answered.csv")
def _unanswered() -> str:
    rows = [[*r[:6], "", *r[7:]] for r in ROWS]
    return table(rows)


@case("group_of_one.csv")
def _group_one() -> str:
    return table(with_team(["x", "x", "y", "y", "z"]))


@case("constant_item.csv")
def _constant() -> str:
    return table([[*r[:4], "4", *r[5:]] for r in ROWS])


@case("duplicate_ids.csv")
def _dups() -> str:
    rows = [r[:] for r in ROWS]
    rows[3][0] = "p1"
    return table(rows)


@case("out_of_range.csv")
def _oor() -> str:
    rows = [r[:] for r in ROWS]
    rows[2][6] = "8"
    return table(rows)


# ---------------------------------------------------------------- invalid text files


@case("empty.csv")
def _empty() -> bytes:
    return b""


@case("blank_only.csv")
def _blank_only() -> str:
    return "\n \n\t\n\n"


@case("header_only.csv")
def _header_only() -> str:
    return table([])


@case("only_blank_rows.csv")
def _only_blank_rows() -> str:
    return table([]) + ",,,,,,,,\n\n,,,,,,,,\n" + ",".join(HEADER) + "\n"


@case("too_many_values.csv")
def _too_many() -> str:
    rows = [r[:] for r in ROWS]
    rows[2][1] = "Smith, Jones"  # an unquoted comma inside a value
    return table(rows).replace('"', "")


@case("unclosed_quote.csv")
def _unclosed() -> str:
    rows = [r[:] for r in ROWS]
    rows[3][1] = '"y'
    return table(rows)


@case("wrong_instrument.csv")
def _wrong() -> str:
    return "id,Q1,Q2,Q3\nr1,1,2,3\nr2,3,2,1\n"


@case("some_items_missing.csv")
def _some_missing() -> str:
    return table([r[:6] + r[7:8] for r in ROWS], HEADER[:6] + HEADER[7:8])


@case("duplicate_item_columns.csv")
def _dup_items() -> str:
    return table([[*r, "3"] for r in ROWS], [*HEADER, "a1"])


@case("all_answers_invalid.csv")
def _all_invalid() -> str:
    return table([[r[0], r[1], *(["7"] * 7)] for r in ROWS])


@case("binary_garbage.csv")
def _garbage() -> bytes:
    rnd = random.Random(20240605)
    return bytes(rnd.randrange(256) for _ in range(4096))


@case("control_characters.csv")
def _control() -> bytes:
    rnd = random.Random(7)
    return bytes(rnd.choice(b"\x01\x02\x03\x04\x05\x06\x07\x08abcdef,\n") for _ in range(4096))


@case("html_login_page.csv")
def _html() -> str:
    return (
        "<!DOCTYPE html>\n<html><head><title>Sign in - KoboToolbox</title></head>\n"
        "<body><form action='/login'><input name='user'></form></body></html>\n"
    )


@case("pdf_renamed.csv")
def _pdf_csv() -> bytes:
    return PDF


@case("pdf_renamed.xlsx")
def _pdf_xlsx() -> bytes:
    return PDF


@case("pdf_renamed.sav")
def _pdf_sav() -> bytes:
    return PDF


@case("csv_renamed.xlsx")
def _csv_xlsx() -> str:
    return table()


@case("csv_renamed.sav")
def _csv_sav() -> str:
    return table()


@case("legacy.xls")
def _xls() -> bytes:
    return ole2("Workbook")


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)


def ole2(*streams: str) -> bytes:
    """A stand-in for an OLE2 compound file: its signature and directory entry names.

    A real password-protected .xlsx is such a container holding the streams
    "EncryptionInfo" and "EncryptedPackage"; making one needs Excel or msoffcrypto-tool,
    and the reader only looks at the signature and the stream names.
    """
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entries = b"".join(s.encode("utf-16-le").ljust(128, b"\x00") for s in ("Root Entry", *streams))
    return head + entries.ljust(1536, b"\x00")


# ---------------------------------------------------------------- workbooks


def xlsx(build: Callable[[object], None]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill(ws: object, start_row: int, header: list[str] = HEADER) -> None:
    for j, name in enumerate(header, start=1):
        ws.cell(start_row, j, name)  # type: ignore[attr-defined]
    for i, row in enumerate(ROWS, start=start_row + 1):
        for j, v in enumerate(row, start=1):
            if v != "":
                ws.cell(i, j, int(v) if v.isdigit() else v)  # type: ignore[attr-defined]


@case("several_sheets.xlsx")
def _sheets() -> bytes:
    def build(wb: object) -> None:
        about = wb.active  # type: ignore[attr-defined]
        about.title = "About"
        about["A1"] = "Survey of senior managers; answers are on the next sheet"
        _fill(wb.create_sheet("Responses"), 1)  # type: ignore[attr-defined]

    return xlsx(build)


@case("hidden_and_chart_sheets.xlsx")
def _hidden() -> bytes:
    """A hidden sheet and a chart sheet before the data: the first visible table is read."""
    from openpyxl.chart import BarChart, Reference

    def build(wb: object) -> None:
        hidden = wb.active  # type: ignore[attr-defined]
        hidden.title = "Lookup"
        hidden["A1"] = "codes"
        hidden.sheet_state = "hidden"
        data = wb.create_sheet("Responses")  # type: ignore[attr-defined]
        _fill(data, 1)
        chart = wb.create_chartsheet("Chart", 0)  # type: ignore[attr-defined]
        bars = BarChart()
        bars.add_data(Reference(data, min_col=3, min_row=1, max_row=6))
        chart.add_chart(bars)

    return xlsx(build)


@case("merged_header.xlsx")
def _merged() -> bytes:
    """Two header rows: labels merged across item columns, id/team merged down; team merged
    down over its respondents, as hand-made sheets often are."""

    def build(wb: object) -> None:
        ws = wb.active  # type: ignore[attr-defined]
        ws["A1"], ws["B1"], ws["C1"], ws["F1"], ws["I1"] = "id", "team", "Alpha", "Beta", "Y"
        ws.merge_cells("A1:A2")
        ws.merge_cells("B1:B2")
        ws.merge_cells("C1:E1")
        ws.merge_cells("F1:H1")
        for j, name in enumerate(HEADER[2:], start=3):
            ws.cell(2, j, name)
        for i, row in enumerate(ROWS, start=3):
            for j, v in enumerate(row, start=1):
                if v != "" and not (j == 2 and i not in (3, 5)):
                    ws.cell(i, j, int(v) if v.isdigit() else v)
        ws.merge_cells("B3:B4")
        ws.merge_cells("B5:B7")

    return xlsx(build)


@case("title_row.xlsx")
def _title_xlsx() -> bytes:
    def build(wb: object) -> None:
        ws = wb.active  # type: ignore[attr-defined]
        ws["A1"] = "DTCAF pilot: responses exported 2024-05-01"
        _fill(ws, 3)

    return xlsx(build)


@case("encrypted.xlsx")
def _encrypted() -> bytes:
    return ole2("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage")


@case("xls_renamed.xlsx")
def _xls_renamed() -> bytes:
    return ole2("Workbook", "\x05SummaryInformation")


@case("truncated.xlsx")
def _truncated() -> bytes:
    data = _sheets()
    return data[: len(data) // 2]


@case("broken_sheet_xml.xlsx")
def _broken_xml() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_sheets()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<c r='A9'><v>oops"
            out.writestr(info.filename, data)
    return buf.getvalue()


@case("zip_renamed.xlsx")
def _zip_renamed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("responses.csv", table())
    return buf.getvalue()


@case("zip_renamed.csv")
def _zip_csv() -> bytes:
    return _zip_renamed()


@case("zip_renamed.sav")
def _zip_sav() -> bytes:
    return _zip_renamed()


@case("xlsx_renamed.csv")
def _xlsx_csv() -> bytes:
    return _sheets()


@case("zip_bomb.xlsx")
def _bomb() -> bytes:
    """A workbook whose one sheet unpacks 1000:1 (20 MB from about 20 KB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("xl/workbook.xml", "<workbook/>")
        out.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    return buf.getvalue()


@case("sav_renamed.csv")
def _sav_csv() -> bytes:
    import pandas as pd
    import pyreadstat

    path = HERE / "_tmp.sav"
    pyreadstat.write_sav(pd.DataFrame({"id": ["p1"], "A1": [5.0]}), path)
    data = path.read_bytes()
    path.unlink()
    return data


# ---------------------------------------------------------------- instruments

INSTRUMENTS = {
    "labels.yaml": """\
id: labels
title: Labels with apostrophes
respondent_id: id
scale:
  points: [1, 2, 3]
  labels: {1: "Don't agree", 2: Neutral, 3: Agree, 9: "Don't know"}
  agree: [3]
  missing: [9]
dimensions:
  - {id: D, items: [Q1, Q2]}
""",
    "broken_yaml.yaml": """\
id: broken
scale:
  points: [1, 2, 3
  agree: [3]
dimensions:
  - {id: D, items: [A1]}
""",
    "broken_rule.yaml": """\
id: rule
scale: {points: [1, 2, 3, 4, 5], agree: [4, 6]}
dimensions:
  - {id: A, items: [A1, A2, A3]}
""",
    "unknown_key.yaml": """\
id: unknown
scale: {points: [1, 2, 3, 4, 5], agree: [4, 5]}
dimension:
  - {id: A, items: [A1]}
""",
}


def main() -> None:
    for name, make in CASES.items():
        data = make()
        (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    for name, text in INSTRUMENTS.items():
        (HERE / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(CASES)} data files and {len(INSTRUMENTS)} instruments to {HERE}")


if __name__ == "__main__":
    main()
