"""Excel workbooks (.xlsx, .xlsm): checked as zip packages before opening, read with openpyxl.

A zip bomb is refused from the package directory, before anything is unpacked; the first
visible worksheet is read unless --sheet names one; merged header cells are filled across;
rows above ``header_row`` (a title) are skipped.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ipss_survey.errors import DataError, name_list
from ipss_survey.read.rows import (
    blank_rows,
    clean_name,
    drop_empty_unnamed,
    ledger_rows,
    repeated_header_rows,
    unnamed,
)
from ipss_survey.read.sniff import advice, looks_like_text, sniff, zip_kind
from ipss_survey.read.table import Limits, MiB, RawTable, size_text
from ipss_survey.warnings import RunWarning, WarningCode


def read_excel(
    path: Path, shown: str, head: bytes, sheet: str | None, header_row: int, lim: Limits
) -> RawTable:
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        kind = sniff(path, head)
        if kind == "a password-protected (encrypted) Excel workbook":
            raise DataError(
                f"{shown}: the workbook is password-protected (encrypted), so it cannot be read; "
                f"{advice(kind)}"
            )
        if kind and kind != "a damaged ZIP archive":
            raise DataError(f"{shown}: this is {kind}, not an .xlsx workbook; {advice(kind)}")
        if looks_like_text(head):
            raise DataError(
                f"{shown}: this is plain text, not an .xlsx workbook; if it is CSV, rename it "
                "to end in .csv"
            )
        raise DataError(
            f"{shown}: not an .xlsx workbook (the file is not a zip package); save the data "
            "from Excel as .xlsx again"
        )
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(
            f"{shown}: the workbook is damaged (an incomplete zip package, perhaps a cut-off "
            "download or copy); save it from Excel again"
        ) from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            kind = zip_kind(path)
            raise DataError(f"{shown}: this is {kind}, not an .xlsx workbook; {advice(kind)}")
        _check_zip_bomb(shown, infos, lim)
        rows, merged, sheets, name, repeats = _excel_rows(path, shown, zf, sheet, header_row, lim)

    warnings: list[RunWarning] = []
    if repeats and sheet is None:
        warnings.append(
            RunWarning(
                WarningCode.SHEET_CHOICE,
                f"{shown}: read sheet {name!r}, the main sheet of a KoboToolbox download; "
                f"{len(repeats)} other sheet(s) hold repeat groups ({name_list(repeats)}), "
                "which are not answers to the instrument's items",
            )
        )
    elif len(sheets) > 1 and sheet is None:
        warnings.append(
            RunWarning(
                WarningCode.SHEET_CHOICE,
                f"{shown}: read sheet {name!r}, the first visible table of "
                f"{len(sheets)} sheets ({name_list(sheets)}); choose another with --sheet",
            )
        )
    if merged:
        shown_ranges = ", ".join(merged[:5]) + (" ..." if len(merged) > 5 else "")
        warnings.append(
            RunWarning(
                WarningCode.MERGED_CELLS,
                f"{shown}: {len(merged)} merged cell range(s) ({shown_ranges}) were "
                "read as if each cell held the merged value",
                count=len(merged),
            )
        )
    table = _excel_frame(rows, header_row, shown)
    table.source = path.name
    table.file_format = f"xlsx (sheet {name!r})"
    table.warnings = warnings + table.warnings
    table.sheets = sheets
    table.sheet = name
    return table


def _check_zip_bomb(shown: str, infos: list[Any], lim: Limits) -> None:
    """Refuse from the zip directory alone: nothing is unpacked before this passes.

    Python's zipfile stops unpacking a part at its declared size, so the directory bounds
    the memory used later.
    """
    total = sum(i.file_size for i in infos)
    if total > lim.max_unpacked_bytes:
        raise DataError(
            f"{shown}: the workbook would unpack to {size_text(total)}, more than the "
            f"{size_text(lim.max_unpacked_bytes)} limit (it may be a zip bomb); save the survey "
            "data alone as .xlsx or CSV"
        )
    for i in infos:
        if i.file_size > MiB and i.file_size > lim.max_zip_ratio * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise DataError(
                f"{shown}: part {i.filename!r} is compressed {ratio}:1 (limit "
                f"{lim.max_zip_ratio}:1), as zip bombs are; save the survey data again from "
                "Excel as .xlsx or CSV"
            )


def _excel_rows(
    path: Path, shown: str, zf: Any, sheet: str | None, header_row: int, lim: Limits
) -> tuple[list[list[Any]], list[str], list[str], str, list[str]]:
    """Cell values of one sheet from the header row down, merged ranges filled; also the
    merged ranges, all sheets, the sheet read and the sheets holding repeat groups."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types on a malformed package
        raise DataError(
            f"{shown}: the workbook is damaged and cannot be read "
            f"({type(exc).__name__}: {str(exc)[:200]}); save it from Excel again"
        ) from None
    try:
        sheets = list(wb.sheetnames)
        tables = [
            n
            for n in sheets
            if hasattr(wb[n], "iter_rows") and getattr(wb[n], "sheet_state", "visible") == "visible"
        ]
        name = _pick_sheet(shown, sheets, sheet, tables[0] if tables else None)
        ws = wb[name]
        if not hasattr(ws, "iter_rows"):
            raise DataError(
                f"{shown}: sheet {name!r} is a chart, not a table; choose a sheet with --sheet "
                f"(sheets: {name_list(sheets)})"
            )
        ws.reset_dimensions()  # a forged <dimension> must not make us pad to a huge size
        rows: list[list[Any]] = []
        cells = 0
        try:
            for r_i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if len(row) > lim.max_columns:
                    raise DataError(
                        f"{shown}: sheet {name!r}, row {r_i}: {len(row)} columns, more than the "
                        f"limit of {lim.max_columns}; keep only the survey's columns"
                    )
                cells += len(row)
                if cells > lim.max_cells:
                    raise DataError(
                        f"{shown}: sheet {name!r} holds more than {lim.max_cells:,} cells, the "
                        "limit; keep only the survey's columns or split the file"
                    )
                # TRUE/FALSE cells as text, so they never pass for the codes 1 and 0.
                rows.append(
                    [(("TRUE" if v else "FALSE") if isinstance(v, bool) else v) for v in row]
                )
        except DataError:
            raise
        except Exception as exc:
            raise DataError(
                f"{shown}: sheet {name!r} is damaged and cannot be read "
                f"({type(exc).__name__}: {str(exc)[:200]}); save it from Excel again"
            ) from None
        sheet_path = getattr(ws, "_worksheet_path", None)
        repeats = _repeat_group_sheets(wb, tables, name)
    finally:
        wb.close()
    merged = _merged_ranges(zf, sheet_path) if sheet_path else []
    used = _fill_merged(rows, merged, header_row)
    if header_row > len(rows):
        raise DataError(
            f"{shown}: sheet {name!r}: --header-row {header_row} is below the last row "
            f"({len(rows)}); give the row that holds the column names"
            if rows
            else f"{shown}: sheet {name!r} is empty; choose the sheet with the data with --sheet "
            f"(sheets: {name_list(sheets)})"
        )
    return rows[header_row - 1 :], used, sheets, name, repeats


def _repeat_group_sheets(wb: Any, tables: list[str], name: str) -> list[str]:
    """Sheets of a KoboToolbox download that hold repeat groups (a ``_parent_index`` column
    ties their rows to the main sheet's)."""
    found = []
    for other in tables:
        if other == name:
            continue
        first = next(wb[other].iter_rows(max_row=1, values_only=True), ())
        if "_parent_index" in {str(v).strip() for v in first if v is not None}:
            found.append(other)
    return found


def _pick_sheet(shown: str, sheets: list[str], wanted: str | None, default: str | None) -> str:
    """The sheet asked for (name, any case, or 1-based number), else the first visible table."""
    if not sheets:
        raise DataError(f"{shown}: the workbook has no sheets; save it from Excel again")
    if wanted is None:
        if default is None:
            raise DataError(
                f"{shown}: the workbook has no visible table sheet (sheets: {name_list(sheets)}); "
                "choose one with --sheet"
            )
        return default
    if wanted in sheets:
        return wanted
    folded = {s.strip().casefold(): s for s in sheets}
    if wanted.strip().casefold() in folded:
        return folded[wanted.strip().casefold()]
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(sheets):
        return sheets[int(wanted) - 1]
    raise DataError(
        f"{shown}: no sheet named {wanted!r}; the workbook's sheets are: {name_list(sheets)}; "
        "give one of them (or its number) to --sheet"
    )


_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Za-z]+\d+:[A-Za-z]+\d+)\"")


def _merged_ranges(zf: Any, member: str) -> list[str]:
    """Merged ranges of a sheet, by streaming its XML (read-only openpyxl does not keep them)."""
    member = member.lstrip("/")
    if member not in zf.namelist():
        return []
    found: list[str] = []
    tail = b""
    with zf.open(member) as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            data = tail + block
            found.extend(m.decode("ascii") for m in _MERGE_REF.findall(data))
            tail = data[-512:]  # a tag cut by the block edge is found next time (deduplicated)
    return list(dict.fromkeys(found))


def _fill_merged(rows: list[list[Any]], merged: list[str], header_row: int) -> list[str]:
    """Give every cell of a merged range its top-left value; ranges used are returned."""
    from openpyxl.utils.cell import range_boundaries

    used = []
    for ref in merged:
        try:
            c1, r1, c2, r2 = range_boundaries(ref)
        except ValueError:
            continue
        if r2 < header_row or r1 > len(rows) or c1 is None or r1 is None:
            continue
        top = rows[r1 - 1]
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        if value is None:
            continue
        changed = False
        for r in range(max(r1, 1), min(r2, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < c2:
                row.extend([None] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1) and row[c - 1] is None:
                    row[c - 1] = value
                    changed = True
        if changed:
            used.append(ref)
    return used


def _excel_frame(rows: list[list[Any]], header_row: int, shown: str) -> RawTable:
    import pandas as pd

    header = rows[0] if rows else []
    data = rows[1:]
    width = max([len(header), *(len(r) for r in data)], default=0)
    names = [clean_name(v) for v in header] + [""] * (width - len(header))
    arr = np.full((len(data), width), None, dtype=object)
    for i, r in enumerate(data):
        arr[i, : len(r)] = r
    frame = pd.DataFrame(arr, columns=[f"c{j}" for j in range(width)])
    frame, names, dropped = drop_empty_unnamed(frame, names)
    frame.columns = [n or unnamed(j) for j, n in enumerate(names)]
    blank = blank_rows(frame)
    repeat = repeated_header_rows(frame, names)
    frame, row_numbers, skipped, warnings = ledger_rows(frame, blank, repeat, shown)
    if dropped:
        warnings.insert(
            0,
            RunWarning(
                WarningCode.EMPTY_COLUMNS,
                f"{shown}: {dropped} column(s) without a name or any value were ignored",
                count=dropped,
            ),
        )
    return RawTable(
        frame,
        "",
        "",
        "xlsx",
        row_numbers=row_numbers,
        skipped=skipped,
        warnings=warnings,
        parser="openpyxl",
    )
