"""Step 1: read the document: bytes -> the rows of its plan (`readers.Table`).

A workbook is read from the sheet named, else from the first sheet with a heading row
(a "Guidance" or "Key" sheet in front is passed over) and each later sheet with the same
headings (a plan kept a sheet per priority or agency); a CSV file as it is; a Word
document's tables one after the other (`word.read_docx`). Hostile files are refused
with a clear message (`readers.UnreadableFile`).
"""

from __future__ import annotations

from ..cells import cell_text
from ..headers import field_for_heading, normalise_heading
from ..readers import COPY, SourceRow, Table, UnreadableFile, read_table
from .header import find_header, has_header


def read_plan_table(data: bytes, *, sheet: str | None = None) -> Table:
    """The uploaded file's table of actions."""
    return read_table(data, sheet=sheet, wanted=has_header, word=True, continues=same_headings)


def same_headings(before: list[SourceRow], rows: list[SourceRow]) -> int | str | None:
    """Whether a sheet's `rows` continue the rows read `before` it: the number of their
    heading row when it is the same as theirs (compared as words) and none of its
    actions is one of theirs; COPY when some are (a sheet a quarter, an old version:
    the same actions again); None for another table. With nothing `before`, the
    number of the heading row of `rows`."""
    try:
        other = find_header(rows)
    except UnreadableFile:
        return None
    if not before:
        return other.number
    try:
        first = find_header(before)
    except UnreadableFile:
        return None
    if _headings(first) != _headings(other):
        return None
    column = next(
        (i for i, cell in enumerate(other.cells) if field_for_heading(cell_text(cell)) == "text"),
        None,
    )
    if column is not None:
        actions = {_action(row, column) for row in before if row.number > first.number} - {""}
        if any(_action(row, column) in actions for row in rows if row.number > other.number):
            return COPY
    return other.number


def _action(row: SourceRow, column: int) -> str:
    return " ".join(cell_text(row.cells[column]).split()) if column < len(row.cells) else ""


def _headings(row: SourceRow) -> list[str]:
    return [normalise_heading(cell) for cell in row.cells if normalise_heading(cell)]
