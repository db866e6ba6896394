"""Sample files for the import tests, built in memory: CSV, XLSX and hostile zips.

Imported by the other test_import_* and test_export_* modules; it holds no tests itself.
"""

import csv
import io
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Color, PatternFill

from actionplans.importing.pipeline import build_preview
from actionplans.importing.readers import read_table
from actionplans.models import (
    Action,
    ActionSource,
    Agency,
    AgencyKind,
    Objective,
    Plan,
    ProgressUpdate,
    Theme,
)
from reviews.models import Board, Finding, Review

# A plan as a board keeps it in Excel: title rows, the finding written once per block,
# the vocabulary of real plans in the headings.
CASE_PLAN = [
    ["Serious Case Review: Child Q – multi-agency action plan"],
    ["Version 3, agreed by the board"],
    [],
    ["Finding", "No.", "Key task", "Owner", "By when", "RAG rating", "Progress update",
     "How will we know"],
    ["Finding 1. Professionals did not share information.", "1.1",
     "Refresh the information-sharing protocol", "Cleveland Police", "Sept 2015", "Green",
     "Draft circulated", "Audit shows sharing"],
    [None, "1.2", "Train front-line staff\nin the protocol", "Health", "Q2 2015/16", "A/G",
     "", "Training records"],
    ["Finding 2. Neglect was not recognised.", "2.1", "Adopt the graded care profile",
     "Children's Services", "31/03/2016", "Behind schedule", "Pilot in two teams", ""],
    [None, "2.2", "Audit neglect cases", "Chief Nurse", "Ongoing", "Purple", "", ""],
]  # fmt: skip


def csv_bytes(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    rows, *, title="Plan", more_sheets=None, formulas=False, merged=(), fills=None
) -> bytes:
    """An XLSX of `rows`; text starting with "=" stays text unless `formulas`.

    `merged`: ranges to merge ("D5:D7"), as Excel does: only the first cell keeps a value.
    `fills`: cell -> solid fill colour ({"E2": "FF0000"}), a palette number (int), or a
    theme colour number and tint ((9, 0.4): "Accent 6, Lighter 40%").
    """
    workbook = Workbook()
    _fill(workbook.active, title, rows, formulas)
    for cells in merged:
        workbook.active.merge_cells(cells)
    for cell, colour in (fills or {}).items():
        if isinstance(colour, tuple):
            shade = Color(theme=colour[0], tint=colour[1])
        else:
            shade = Color(indexed=colour) if isinstance(colour, int) else colour
        workbook.active[cell].fill = PatternFill("solid", fgColor=shade)
    for name, sheet_rows in (more_sheets or {}).items():
        _fill(workbook.create_sheet(name), name, sheet_rows, formulas)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(worksheet, title, rows, formulas):
    worksheet.title = title
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = worksheet.cell(row=number, column=column, value=value)
            if isinstance(value, str) and value.startswith("=") and not formulas:
                cell.data_type = "s"


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def replace_part(xlsx: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one of its XML parts replaced."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = content
    return zip_bytes(members)


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows, doctype: str = "") -> bytes:
    """A worksheet part written by hand (openpyxl would cut long cells to 32,767 characters)."""
    cells = "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(65 + column)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
            for column, text in enumerate(row)
        )
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    body = f'<worksheet xmlns="{SHEET_NS}"><sheetData>{cells}</sheetData></worksheet>'
    return f'<?xml version="1.0"?>{doctype}{body}'.encode()


def xlsx_with_sheet(rows, doctype: str = "") -> bytes:
    return replace_part(
        xlsx_bytes([["placeholder"]]), "xl/worksheets/sheet1.xml", sheet_xml(rows, doctype)
    )


def make_board(slug="testboard", agencies=(("Cleveland Police", "police"), ("Health", "health"))):
    board = Board.objects.create(slug=slug, name=f"{slug.title()} Partnership", short_name="TSP")
    for short_name, kind in agencies:
        Agency.objects.create(
            board=board, short_name=short_name, name=f"{short_name} service", kind=AgencyKind(kind)
        )
    return board


def preview_of(data: bytes, board: Board, **options):
    return build_preview(read_table(data), board=board, **options)


COUNTED = [Board, Review, Finding, Plan, Theme, Objective, Agency, Action, ActionSource,
           ProgressUpdate]  # fmt: skip


def row_counts() -> dict[str, int]:
    """How many rows every table an import writes holds, history included."""
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    for model in COUNTED:
        counts[f"{model.__name__} history"] = model.history.count()
    return counts
