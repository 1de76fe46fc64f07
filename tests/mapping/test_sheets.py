"""Templates as CSV and XLSX keep every cell as text (leading zeros included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from b1hub.mapping.sheets import SheetError, read_rows, write_rows

ROWS = [["account", "001000000000001AAA", "00123", ""], ["account", "001x", "Ü & Co", "C1"]]
COLUMNS = ["Object", "Salesforce Id", "Name", "CardCode"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    write_rows(path, "account links", COLUMNS, ROWS)
    header, rows = read_rows(path)
    assert header == COLUMNS
    assert [[r[c] for c in COLUMNS] for r in rows] == ROWS


def test_other_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match=r"use a \.csv or \.xlsx file"):
        write_rows(tmp_path / "t.txt", "x", COLUMNS, ROWS)
    with pytest.raises(SheetError, match="no such file"):
        read_rows(tmp_path / "missing.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a zip")
    with pytest.raises(SheetError, match="not a readable XLSX file"):
        read_rows(broken)
