"""Tables to and from CSV and XLSX files (the Master Data Mapping Tool's templates).

Every cell is text: SAP keys such as ``00123`` must survive a round trip through Excel,
so XLSX cells are written as strings and numbers read back are turned into plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook


class SheetError(ValueError):
    """A file that is not a readable template."""


def write_rows(path: Path, title: str, columns: Sequence[str],
               rows: Sequence[Sequence[str]]) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
        return
    if suffix != ".xlsx":
        raise SheetError(f"{path.name}: use a .csv or .xlsx file")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the data rows (as column -> text) of the first sheet."""
    if not path.is_file():
        raise SheetError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            table = [list(r) for r in csv.reader(handle)]
    elif suffix == ".xlsx":
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several unrelated types for bad files
            raise SheetError(f"{path.name}: not a readable XLSX file ({exc})") from None
        table = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    else:
        raise SheetError(f"{path.name}: use a .csv or .xlsx file")
    if not table:
        raise SheetError(f"{path.name} is empty")
    header = [_cell(c) for c in table[0]]
    rows = [{col: _cell(row[i]) if i < len(row) else "" for i, col in enumerate(header)}
            for row in table[1:]]
    return header, rows
