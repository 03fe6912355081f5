"""Spreadsheets in and out of the workspace: the import's templates, and reading an
uploaded file into rows, refusing a hostile one before it is parsed.

tablib (with openpyxl) writes the templates; an upload is read here with the csv module
or openpyxl's read-only reader, after the checks below, so that what a spreadsheet
program would compute (a formula) is never computed: every cell is text.

What is refused, with a message that says why (docs/import.md):
- a file over MAX_UPLOAD_BYTES, or with more than MAX_ROWS rows or MAX_COLUMNS columns;
- an XLSX that is not a zip archive (an HTML page renamed .xlsx, say), or whose
  archive has more than MAX_ZIP_ENTRIES entries or would unpack to more than
  MAX_UNPACKED_BYTES (a zip bomb): checked from the archive's directory, before
  anything is unpacked. (zipfile never unpacks an entry past its declared size, so
  the declared sizes bound what openpyxl can read.)
- a CSV that is not UTF-8. A byte-order mark is accepted, and so are semicolons as
  separators (what Excel writes in much of Europe); other encodings are not guessed:
  cp1252 decodes nearly any bytes, so a Slovak file in cp1250 would be read without
  an error and stored with wrong letters.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import tablib
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from innovation_cases.exports import FORMULA_STARTS, LIST_SEPARATOR, csv_cells

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 60
MAX_ZIP_ENTRIES = 200
MAX_UNPACKED_BYTES = 30 * 1024 * 1024

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ZIP_MAGIC = b"PK\x03\x04"

__all__ = ["LIST_SEPARATOR", "FORMULA_STARTS"]


class FileRefused(Exception):
    """An upload that is not read at all, with the reason (for the officer)."""


@dataclass
class Table:
    headers: list[str]
    # Each data row's number in the spreadsheet (the header is row 1) and its cells.
    rows: list[tuple[int, list[str]]]


# --- Writing ------------------------------------------------------------------------------


def _safe(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Cells as a spreadsheet must not run them: a formula gets a leading "'", as the
    exports do (innovation_cases/exports.py); the import takes it off again."""
    return [csv_cells({str(i): cell for i, cell in enumerate(row)}) for row in rows]


def write(
    fmt: str,
    sheets: Sequence[tuple[str, list[str], Sequence[Sequence[Any]]]],
) -> bytes:
    """A file of `fmt` ("csv" or "xlsx"): for XLSX, each (title, headers, rows) a
    sheet; for CSV, the first sheet only (with a byte-order mark, so that spreadsheet
    programs read it as UTF-8)."""
    datasets = [
        tablib.Dataset(*_safe(rows), headers=headers, title=title)
        for title, headers, rows in sheets
    ]
    if fmt == "csv":
        text = datasets[0].export("csv", lineterminator="\r\n")
        return ("\ufeff" + text).encode("utf-8")
    return tablib.Databook(datasets).export("xlsx")


# --- Reading ------------------------------------------------------------------------------


def unquote(text: str) -> str:
    """A cell as written: the "'" the exports put before a formula taken off."""
    if text.startswith("'") and text[1:].lstrip().startswith(FORMULA_STARTS):
        return text[1:]
    return text


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet program would have read `text` as a formula."""
    return text.lstrip().startswith(FORMULA_STARTS)


def read(name: str, content: bytes, sheet: str = "") -> Table:
    """The rows of an uploaded file, every cell as text; FileRefused if it is not
    a CSV or XLSX file the import reads (see the module's docstring)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileRefused(
            _("The file is larger than %(limit)s.")
            % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}
        )
    if content.startswith(ZIP_MAGIC):
        rows = _xlsx_rows(content, sheet)
    elif name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise FileRefused(
            _(
                "This file is named like a spreadsheet but is not an XLSX workbook (it "
                "may be a web page or an old .xls file renamed). Save it from your "
                "spreadsheet program as an Excel workbook (.xlsx) or as CSV UTF-8."
            )
        )
    else:
        rows = _csv_rows(content)
    return _table(rows)


def _table(rows: Iterator[list[str]]) -> Table:
    headers: list[str] | None = None
    table: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=1):
        if len(cells) > MAX_COLUMNS:
            raise FileRefused(
                _("Row %(row)d has more than %(limit)d columns.")
                % {"row": number, "limit": MAX_COLUMNS}
            )
        if headers is None:
            headers = [cell.strip() for cell in cells]
            continue
        if number > MAX_ROWS * 10:
            # Empty rows are skipped, but not read without end.
            raise FileRefused(
                _(
                    "The file has more than %(limit)d rows. Import it in parts of "
                    "%(limit)d rows or fewer."
                )
                % {"limit": MAX_ROWS}
            )
        if not any(cell.strip() for cell in cells):
            continue  # An empty row, as spreadsheets leave at the end.
        if len(table) == MAX_ROWS:
            raise FileRefused(
                _(
                    "The file has more than %(limit)d rows. Import it in parts of "
                    "%(limit)d rows or fewer."
                )
                % {"limit": MAX_ROWS}
            )
        table.append((number, [unquote(cell) for cell in cells]))
    if not headers or not any(headers):
        raise FileRefused(_("The file is empty: its first row must name the columns."))
    while headers and not headers[-1]:
        headers.pop()
    return Table(headers, table)


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(
            _(
                "The file is not UTF-8 text. Save it again as “CSV UTF-8” (Excel) or "
                "with the character set “Unicode (UTF-8)” (LibreOffice), or upload an "
                "XLSX workbook."
            )
        ) from None
    if "\x00" in text:
        raise FileRefused(_("The file holds NUL bytes: it is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    # The header names the columns, and no name holds a comma or a semicolon: the
    # one the header line has more of separates the cells.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise FileRefused(
            _("The CSV cannot be read: %(error)s") % {"error": error}
        ) from None


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise FileRefused(_("The file is not a readable XLSX workbook.")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRefused(
                _("The workbook holds more than %(limit)d parts: it is not read.")
                % {"limit": MAX_ZIP_ENTRIES}
            )
        if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
            raise FileRefused(
                _(
                    "The workbook would unpack to more than %(limit)s: it is not "
                    "read. Remove what the import does not need, such as pictures "
                    "and other sheets, or upload a CSV."
                )
                % {"limit": filesizeformat(MAX_UNPACKED_BYTES)}
            )
        if "xl/workbook.xml" not in archive.namelist():
            raise FileRefused(_("The file is not a readable XLSX workbook."))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(content: bytes, sheet: str) -> Iterator[list[str]]:
    _check_zip(content)
    import openpyxl  # Only when an XLSX comes: it is slow to import.

    try:
        # data_only=False: a formula cell gives its formula, as text, not the value a
        # spreadsheet program computed and cached (which the upload could forge).
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False
        )
    except Exception as error:  # openpyxl raises many kinds on a broken workbook
        raise FileRefused(_("The file is not a readable XLSX workbook.")) from error
    try:
        names = workbook.sheetnames
        worksheet = workbook[sheet] if sheet in names else workbook[names[0]]
        for row in worksheet.iter_rows(values_only=True):
            cells = [_text(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            yield cells
    except FileRefused:
        raise
    except Exception as error:
        raise FileRefused(_("The file is not a readable XLSX workbook.")) from error
    finally:
        workbook.close()
