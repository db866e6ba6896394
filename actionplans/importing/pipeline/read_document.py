"""Step 1: read the document: bytes -> the rows of its plan (`readers.Table`).

A workbook is read from the sheet named, else from the first sheet with a heading row
(a "Guidance" or "Key" sheet in front is passed over); a CSV file as it is; a Word
document's tables one after the other (`word.read_docx`). Hostile files are refused
with a clear message (`readers.UnreadableFile`).
"""

from __future__ import annotations

from ..readers import Table, read_table
from .header import has_header


def read_plan_table(data: bytes, *, sheet: str | None = None) -> Table:
    """The uploaded file's table of actions."""
    return read_table(data, sheet=sheet, wanted=has_header, word=True)
