"""SpreadsheetML (ECMA-376) written directly: a workbook of ``Table`` sheets as bytes.

Building cells through openpyxl's object model costs tens of microseconds a cell, and with
50 groups the pairwise sheet alone holds over 300,000 cells, so the parts are written as
text: the minimal set Excel, LibreOffice and openpyxl read (content types, relationships,
workbook, styles, shared strings, one part per sheet, document properties). openpyxl reads
the result back in the tests.

- Header rows are bold and frozen, with filters; the bytes depend only on the tables (fixed
  document dates and zip timestamps). A missing, NaN or infinite number is an empty cell.
- Every string is a string cell (never a formula), and text that a spreadsheet would read as
  a formula also gets Excel's quote prefix, so nothing from a data file can run when opened.
- A ``Sheet`` may carry lines of facts above its table and PNG images below it (the drawing
  parts: one drawing per sheet, each image stored once however many sheets show it).
- Every sheet prints on A4, fitted to the page's width (landscape for a wide table), with its
  header row repeated on each printed page.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import numbers
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ipss_survey.report.format import FORMULA_START
from ipss_survey.report.tables import Column, Table

_FIXED_TIME = dt.datetime(2000, 1, 1)
_WRAP_WIDTH = 60
_EMU_PER_INCH = 914400
_ROW_PX = 20  # a row of the default height (15 pt) on a 96 dpi screen
LANDSCAPE_COLUMNS = 9  # a table of more columns prints across the page's long side


@dataclass(frozen=True)
class SheetImage:
    """A PNG shown on a sheet at its own size (``dpi`` gives its inches), titled above."""

    png: bytes
    title: str
    dpi: float = 200.0

    def size_px(self) -> tuple[int, int]:
        """Width and height in pixels, from the PNG header (0, 0 when it is not a PNG)."""
        if self.png[:8] == b"\x89PNG\r\n\x1a\n" and len(self.png) >= 24:
            w, h = struct.unpack(">II", self.png[16:24])
            return int(w), int(h)
        return 0, 0

    def emu(self) -> tuple[int, int]:
        """Width and height in EMU (English Metric Units, 914400 an inch)."""
        w, h = self.size_px()
        return round(w / self.dpi * _EMU_PER_INCH), round(h / self.dpi * _EMU_PER_INCH)


@dataclass(frozen=True)
class Sheet:
    """A worksheet: optional ``facts`` (label, value) lines, then a blank line and ``table``
    (its header row frozen and filtered), then ``images`` one under another.

    ``freeze`` keeps the header row in view while scrolling; off for a sheet whose table starts
    far down (a summary), where the frozen rows would fill a small screen.
    """

    name: str
    table: Table | None
    facts: list[tuple[str, Any]] = field(default_factory=list)
    images: list[SheetImage] = field(default_factory=list)
    freeze: bool = True

    @property
    def header_row(self) -> int:
        """The 1-based row of the table's header."""
        return len(self.facts) + 2 if self.facts else 1

    @property
    def columns(self) -> list[Column]:
        return list(self.table.columns) if self.table is not None else []

    @property
    def rows(self) -> list[list[Any]]:
        return list(self.table.rows) if self.table is not None else []

    @property
    def last_row(self) -> int:
        """The last row the facts and table take."""
        if self.table is None:
            return len(self.facts)
        return self.header_row + len(self.table.rows)


_HEAD_WRAP = 14  # a header longer than this wraps onto more lines instead of widening


def _width(header: str, values: list[Any], kind: str) -> float:
    """A column's width in characters: its values' (numbers: 8), or its header's up to
    ``_HEAD_WRAP`` (a longer header wraps), between 6 and 40; long text wraps at 60."""
    if kind == "wrap":
        return _WRAP_WIDTH
    if kind in ("num", "pct", "p", "prop"):
        body = 8
    else:
        body = max((len(str(v)) for v in values[:500] if v is not None), default=0)
    return min(max(min(len(header), _HEAD_WRAP), body, 4) + 2, 40)


def _header_lines(header: str, width: float) -> int:
    """Lines a wrapped header takes in a column ``width`` characters wide."""
    room = max(int(width) - 2, 1)
    lines, line = 1, 0
    for word in header.split():
        need = len(word) if not line else line + 1 + len(word)
        if line and need > room:
            lines, line = lines + 1, len(word)
        else:
            line = need
    return lines


# --------------------------------------------------------------------------- SpreadsheetML
#
# The workbook is written directly as SpreadsheetML (ECMA-376) rather than cell by cell through
# openpyxl's object model, which costs tens of microseconds a cell: with 50 groups the pairwise
# sheet alone holds over 300,000 cells. The parts are the minimal set Excel, LibreOffice and
# openpyxl read: content types, relationships, workbook, styles, shared strings, one part per
# sheet and the document properties.

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# Cell styles (indexes into cellXfs in _STYLES): text, bold label, wrapped text, then one per
# number format, then the quote-prefixed (text that looks like a formula) variants, then the
# table header (bold, wrapped, at the bottom of its row) and its quote-prefixed variant.
_XF_TEXT, _XF_HEAD, _XF_WRAP = 0, 1, 2
_XF_NUMBER = {"int": 3, "num": 4, "pct": 5, "p": 6, "prop": 7}
_XF_TABLE_HEAD = 11
_XF_QUOTE = {_XF_TEXT: 8, _XF_HEAD: 9, _XF_WRAP: 10, _XF_TABLE_HEAD: 12}
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0"/>'
    '<numFmt numFmtId="165" formatCode="0.0000"/><numFmt numFmtId="166" formatCode="0.000"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="13">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1" '
    'quotePrefix="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1"><alignment vertical="bottom" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" '
    'applyAlignment="1" quotePrefix="1"><alignment vertical="bottom" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# XML 1.0 cannot hold these at all (control characters, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _col_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Strings:
    """The shared-string table: each distinct text stored once, cells refer to its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0
        self._tails: dict[tuple[str, int], str] = {}

    def tail(self, text: str, xf: int) -> str:
        """Everything of a text cell after its reference: style, type and string index."""
        self.count += 1
        found = self._tails.get((text, xf))
        if found is None:
            clean = _NOT_XML.sub("\ufffd", text)
            i = self.index.setdefault(clean, len(self.index))
            # text that looks like a formula is shown and kept as text, never run
            style = _XF_QUOTE[xf] if clean.startswith(FORMULA_START) else xf
            found = f' s="{style}" t="s"><v>{i}</v></c>' if style else f' t="s"><v>{i}</v></c>'
            self._tails[(text, xf)] = found
        return found

    def xml(self) -> str:
        items = []
        for text in self.index:
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            items.append(f"<si><t{space}>{_escape(text)}</t></si>")
        return (
            f'{_XML_HEAD}<sst xmlns="{_NS}" count="{self.count}" uniqueCount="{len(self.index)}">'
            f"{''.join(items)}</sst>"
        )


def _number(value: Any) -> str | None:
    """A number as SpreadsheetML stores it (shortest text that reads back exactly); None for
    what is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):  # int, numpy integers
        return str(int(value))
    if isinstance(value, numbers.Real):  # float, numpy floats (whose repr names the type)
        number = float(value)
        return repr(number) if math.isfinite(number) else None
    return None


def _cells(
    cols: Sequence[tuple[str, str]],
    letters: Sequence[str],
    rows: Sequence[Sequence[Any]],
    first: int,
    sst: _Strings,
) -> list[str]:
    """The ``<row>`` elements of a table's body, starting at row ``first``."""
    text_xf = [_XF_WRAP if kind == "wrap" else _XF_TEXT for _, kind in cols]
    # what follows a number's reference: its style (the column's number format) and the value tag
    num_xf = [_XF_NUMBER.get(kind, _XF_WRAP if kind == "wrap" else 0) for _, kind in cols]
    num_tail = [f' s="{xf}"><v>' if xf else "><v>" for xf in num_xf]
    bool_col = [kind == "bool" for _, kind in cols]
    tail = sst.tail
    out = []
    for i, row in enumerate(rows, first):
        cells = [f'<row r="{i}">']
        add = cells.append
        for j, value in enumerate(row):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                if value:  # an empty text is an empty cell
                    add(f'<c r="{letters[j]}{i}"{tail(value, text_xf[j])}')
            elif kind is bool or bool_col[j]:
                add(f'<c r="{letters[j]}{i}" t="b"><v>{1 if value else 0}</v></c>')
            elif kind is float:
                if math.isfinite(value):  # a NaN or an infinity stays an empty cell
                    add(f'<c r="{letters[j]}{i}"{num_tail[j]}{value!r}</v></c>')
            elif kind is int:
                add(f'<c r="{letters[j]}{i}"{num_tail[j]}{value}</v></c>')
            elif isinstance(value, str):
                if value:
                    add(f'<c r="{letters[j]}{i}"{tail(str(value), text_xf[j])}')
            elif isinstance(value, numbers.Real):  # numpy numbers and the like
                num = _number(value)
                if num is not None:
                    add(f'<c r="{letters[j]}{i}"{num_tail[j]}{num}</v></c>')
            else:
                add(f'<c r="{letters[j]}{i}"{tail(str(value), text_xf[j])}')
        add("</row>")
        out.append("".join(cells))
    return out


def _fact_rows(facts: Sequence[tuple[str, Any]], sst: _Strings) -> list[str]:
    """The lines above a table: a bold label in column A, its value in column B."""
    out = []
    for i, (label, value) in enumerate(facts, 1):
        cells = f'<c r="A{i}"{sst.tail(label, _XF_HEAD)}' if label else ""
        out.append(f'<row r="{i}">{cells}{_one_cell(f"B{i}", value, sst)}</row>')
    return out


def _one_cell(ref: str, value: Any, sst: _Strings) -> str:
    """One cell of any value, formatted as a spreadsheet shows it by default."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{1 if value else 0}</v></c>'
    if isinstance(value, str):
        return f'<c r="{ref}"{sst.tail(value, _XF_TEXT)}'
    if isinstance(value, numbers.Real):
        num = _number(value)
        return "" if num is None else f'<c r="{ref}"><v>{num}</v></c>'
    return f'<c r="{ref}"{sst.tail(str(value), _XF_TEXT)}'


def image_rows(image: SheetImage) -> int:
    """How many default-height rows an image covers on screen (96 dpi)."""
    _, h = image.emu()
    return math.ceil(h / _EMU_PER_INCH * 96 / _ROW_PX)


def image_anchors(sheet: Sheet) -> list[tuple[int, int]]:
    """Per image, the 0-based row its title and the row the image itself start on: below
    the table, one blank row between images."""
    row = sheet.last_row + 1  # 0-based index of the row after the last used one, plus a gap
    out = []
    for image in sheet.images:
        out.append((row, row + 1))
        row += 2 + image_rows(image)
    return out


def _sheet_xml(sheet: Sheet, sst: _Strings, drawing: bool) -> str:
    cols = [(c.header, c.kind) for c in sheet.columns]
    rows = sheet.rows
    head = sheet.header_row
    width = max(len(cols), 2 if sheet.facts else 1)
    letters = [_col_letter(j) for j in range(1, width + 1)]
    last_row = max(sheet.last_row, 1)
    anchors = image_anchors(sheet)
    if anchors:
        last_row = max(last_row, anchors[-1][1] + 1)
    last = f"{letters[-1]}{last_row}"
    if sheet.freeze and cols:
        view = (
            f'<pane ySplit="{head}" topLeftCell="A{head + 1}" activePane="bottomLeft" '
            f'state="frozen"/><selection pane="bottomLeft" activeCell="A{head + 1}" '
            f'sqref="A{head + 1}"/>'
        )
    else:
        view = '<selection activeCell="A1" sqref="A1"/>'
    landscape = len(cols) >= LANDSCAPE_COLUMNS
    parts = [
        f'{_XML_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_REL_NS}">',
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="A1:{last}"/>',
        f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>',
        '<sheetFormatPr defaultRowHeight="15"/>',
    ]
    widths: list[float] = []
    if cols:
        head_rows = rows[:500]  # widths follow the first rows, as a reader sees them
        widths = [
            _width(h, [r[j - 1] for r in head_rows], kind) for j, (h, kind) in enumerate(cols, 1)
        ]
        if sheet.facts:  # the facts' labels are in column A
            widths[0] = max(widths[0], min(max(len(k) for k, _ in sheet.facts) + 2, 40))
        parts.append(
            "<cols>"
            + "".join(
                f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>'
                for j, w in enumerate(widths, 1)
            )
            + "</cols>"
        )
    elif sheet.facts:
        label = min(max(len(k) for k, _ in sheet.facts) + 2, 40)
        parts.append(
            f'<cols><col min="1" max="1" width="{label:g}" customWidth="1"/>'
            f'<col min="2" max="2" width="{_WRAP_WIDTH}" customWidth="1"/></cols>'
        )
    parts.append("<sheetData>")
    parts += _fact_rows(sheet.facts, sst)
    if cols:
        tail = sst.tail
        header = "".join(
            f'<c r="{letters[j]}{head}"{tail(h, _XF_TABLE_HEAD)}' for j, (h, _) in enumerate(cols)
        )
        lines = max(_header_lines(h, w) for (h, _), w in zip(cols, widths, strict=True))
        height = f' ht="{15 * lines}" customHeight="1"' if lines > 1 else ""
        parts.append(f'<row r="{head}"{height}>{header}</row>')
        parts += _cells(cols, letters, rows, head + 1, sst)
    for (title_row, _), image in zip(anchors, sheet.images, strict=True):
        r = title_row + 1
        parts.append(f'<row r="{r}"><c r="A{r}"{sst.tail(image.title, _XF_HEAD)}</row>')
    parts.append("</sheetData>")
    if cols:
        parts.append(f'<autoFilter ref="{_table_ref(sheet)}"/>')
    parts.append(
        '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    parts.append(
        f'<pageSetup paperSize="9" orientation="{"landscape" if landscape else "portrait"}" '
        'fitToWidth="1" fitToHeight="0"/>'
    )
    if drawing:
        parts.append('<drawing r:id="rId1"/>')
    parts.append("</worksheet>")
    return "".join(parts)


def _absolute(ref: str) -> str:
    """'A3:F12' -> '$A$3:$F$12'."""
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


def _table_ref(sheet: Sheet) -> str:
    """The table's range, header included: 'A3:F12'."""
    head = sheet.header_row
    return f"A{head}:{_col_letter(len(sheet.columns))}{max(sheet.last_row, head)}"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


_DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"


def _drawing_xml(sheet: Sheet, media: dict[bytes, int]) -> tuple[str, str]:
    """A sheet's drawing part (each image anchored at its row, at its own size) and the
    drawing's relationships to the images (``media``: image bytes -> its number)."""
    anchors = []
    rels = []
    for k, ((_, row), image) in enumerate(zip(image_anchors(sheet), sheet.images, strict=True), 1):
        cx, cy = image.emu()
        title = html.escape(image.title, quote=True)
        anchors.append(
            "<xdr:oneCellAnchor>"
            f"<xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{cx}" cy="{cy}"/>'
            "<xdr:pic><xdr:nvPicPr>"
            f'<xdr:cNvPr id="{k + 1}" name="Chart {k}" descr="{title}"/>'
            '<xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>'
            f'<xdr:blipFill><a:blip r:embed="rId{k}"/><a:stretch><a:fillRect/></a:stretch>'
            "</xdr:blipFill>"
            f'<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
            "<xdr:clientData/></xdr:oneCellAnchor>"
        )
        rels.append(
            f'<Relationship Id="rId{k}" Type="{_REL_NS}/image" '
            f'Target="../media/image{media[image.png]}.png"/>'
        )
    drawing = (
        f'{_XML_HEAD}<xdr:wsDr xmlns:xdr="{_DRAWING_NS}" xmlns:a="{_A_NS}" '
        f'xmlns:r="{_REL_NS}">{"".join(anchors)}</xdr:wsDr>'
    )
    return (
        drawing,
        f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{"".join(rels)}</Relationships>',
    )


def workbook_bytes(sheets: Sequence[Table | Sheet]) -> bytes:
    """The workbook of one sheet per table (or ``Sheet``), in order, as bytes (deterministic)."""
    sheets = [t if isinstance(t, Sheet) else Sheet(t.sheet, t) for t in sheets]
    sst = _Strings()
    parts: list[tuple[str, str | bytes]] = []
    names = []
    media: dict[bytes, int] = {}
    drawings = []
    for k, sheet in enumerate(sheets, 1):
        drawing = bool(sheet.images)
        parts.append((f"xl/worksheets/sheet{k}.xml", _sheet_xml(sheet, sst, drawing)))
        if drawing:
            for image in sheet.images:
                media.setdefault(image.png, len(media) + 1)
            d = len(drawings) + 1
            drawings.append(d)
            xml, rels = _drawing_xml(sheet, media)
            parts.append((f"xl/drawings/drawing{d}.xml", xml))
            parts.append((f"xl/drawings/_rels/drawing{d}.xml.rels", rels))
            parts.append(
                (
                    f"xl/worksheets/_rels/sheet{k}.xml.rels",
                    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
                    f'<Relationship Id="rId1" Type="{_REL_NS}/drawing" '
                    f'Target="../drawings/drawing{d}.xml"/></Relationships>',
                )
            )
        quoted = _escape(_quote_sheet(sheet.name))
        if sheet.columns:
            absolute = _absolute(_table_ref(sheet))
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k - 1}" hidden="1">'
                f"{quoted}!{absolute}</definedName>"
            )
            head = sheet.header_row
            names.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{k - 1}">'
                f"{quoted}!${head}:${head}</definedName>"
            )
    for image, i in media.items():
        parts.append((f"xl/media/image{i}.png", image))
    n = len(sheets)
    sheet_list = "".join(
        f'<sheet name="{html.escape(sheet.name, quote=True)}" sheetId="{k}" r:id="rId{k}"/>'
        for k, sheet in enumerate(sheets, 1)
    )
    workbook = (
        f'{_XML_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{sheet_list}</sheets>"
        + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
        + '<calcPr calcId="191029"/></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{k}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{k}.xml"/>'
        for k in range(1, n + 1)
    )
    rels += (
        f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/sharedStrings" '
        'Target="sharedStrings.xml"/>'
    )
    content_types, root_rels, core, app = _package_parts(n, drawings, bool(media))
    files: list[tuple[str, str | bytes]] = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("docProps/app.xml", app),
        ("docProps/core.xml", core),
        ("xl/workbook.xml", workbook),
        (
            "xl/_rels/workbook.xml.rels",
            f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>',
        ),
        ("xl/styles.xml", _STYLES),
        *parts,
        ("xl/sharedStrings.xml", sst.xml()),
    ]
    return _zip(files)


def _package_parts(
    n: int, drawings: Sequence[int] = (), images: bool = False
) -> tuple[str, str, str, str]:
    """The package's fixed parts for n sheets (and these drawings, and PNG images): content
    types, root relationships and the document properties (dated 2000-01-01 so the bytes
    depend only on the tables)."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{k}.xml" ContentType="{_CT_SHEET}"/>'
        for k in range(1, n + 1)
    )
    overrides += "".join(
        f'<Override PartName="/xl/drawings/drawing{d}.xml" ContentType="{_CT_DRAWING}"/>'
        for d in drawings
    )
    png = '<Default Extension="png" ContentType="image/png"/>' if images else ""
    ooxml = "application/vnd.openxmlformats-officedocument"
    content_types = (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f"{png}"
        f'<Override PartName="/xl/workbook.xml" ContentType="{ooxml}.spreadsheetml.sheet.'
        'main+xml"/>'
        f"{overrides}"
        f'<Override PartName="/xl/styles.xml" ContentType="{ooxml}.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ooxml}.spreadsheetml.'
        'sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{ooxml}.extended-properties+xml"/>'
        "</Types>"
    )
    root_rels = (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_PKG_REL_NS}/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    fixed = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        f"{_XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>ipss-survey</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{fixed}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{fixed}</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>ipss-survey</Application></Properties>'
    )
    return content_types, root_rels, core, app


def _zip(files: Sequence[tuple[str, str | bytes]]) -> bytes:
    """The parts as a zip archive with every entry dated 1980-01-01: equal inputs, equal bytes.

    Deflate level 3: half the time of the usual 6 on a 15 MB pairwise sheet, a sixth larger."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files:
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = text.encode("utf-8") if isinstance(text, str) else text
            if name.endswith(".png"):  # already compressed
                entry.compress_type = zipfile.ZIP_STORED
            archive.writestr(entry, data, compresslevel=3)
    return out.getvalue()
