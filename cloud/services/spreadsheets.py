"""Every file the cloud exports is written here, CSV or Excel, so no cell of ours runs.

A product named `=HYPERLINK("http://…","x")` must reach a spreadsheet as text, not as a
formula (OWASP "CSV injection"). So each text cell that starts with `=`, `+`, `-`, `@`,
a tab or a carriage return gets a leading `'`, the spreadsheets' own "this is text"
mark, and so does one that already starts with `'` (reading a file back drops exactly
one, so names survive an export and an import unchanged). Plain numbers such as
"-1500.00" stay as they are: no spreadsheet runs those. In Excel files every text cell
is also stored as a string, never as a formula.

openpyxl is imported by the export that uses it: it is a tenth of the cloud's start.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def safe_text(value):
    """A cell value a spreadsheet will show, never run."""
    if not isinstance(value, str) or not value or _PLAIN_NUMBER.match(value):
        return value
    if value.startswith(FORMULA_STARTS) or value.startswith(TEXT_MARK):
        return TEXT_MARK + value
    return value


def read_text(value: str) -> str:
    """The inverse for a file read back (the catalog import)."""
    return value[1:] if value.startswith(TEXT_MARK) else value


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_text(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(title: str, columns: Sequence[str], rows: Iterable[Sequence], *, bold_header: bool = False,
               widths: Mapping[str, int] | None = None, number_formats: Mapping[str, str] | None = None) -> bytes:
    """One sheet: a header row, then `rows`; text cells are strings, numbers stay numbers
    (with `number_formats` per column name)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(columns))
    if bold_header:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    formats = number_formats or {}
    for row_number, row in enumerate(rows, start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number, value=safe_text(value))
            if isinstance(value, str):
                cell.data_type = TYPE_STRING  # openpyxl would take "=…" for a formula
            elif columns[column_number - 1] in formats:
                cell.number_format = formats[columns[column_number - 1]]
    for index, name in enumerate(columns, start=1):
        if widths and name in widths:
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths[name]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
