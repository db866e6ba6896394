"""A plan kept in a workbook a sheet per priority or agency: each later sheet with the
same headings is read after the first, under its own title or name; a sheet holding the
same actions again (a sheet a quarter, an old version) is not. Nothing is written here."""

import io

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from test_import_samples import make_board

from actionplans.importing.pipeline import build_preview
from actionplans.importing.pipeline.read_document import read_plan_table
from actionplans.models import RAG

pytestmark = pytest.mark.django_db
HEADINGS = ["Ref", "Action", "Lead", "Target date", "RAG"]


def workbook_bytes(sheets: dict[str, list[list]], fills: dict[tuple[str, str], str] = None):
    """Sheets of rows, in order; `fills`: (sheet, cell) -> a solid fill colour."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    for (name, cell), colour in (fills or {}).items():
        workbook[name][cell].fill = PatternFill("solid", fgColor=colour)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def read():
    board = make_board()

    def read(data, **options):
        table = read_plan_table(data, **options)
        return table, build_preview(table, board=board)

    return read


def test_a_sheet_per_priority_is_read_one_after_the_other_under_each_title(read):
    data = workbook_bytes(
        {
            "Guidance": [["How to fill in this plan"]],
            "Priority 1": [
                ["Priority 1: Children are safe at home"],
                HEADINGS,
                ["1.1", "Audit referrals", "Health", "March 2027", "Green"],
                ["1.2", "Train staff", "Health", "June 2027", "Amber"],
            ],
            "Priority 2": [
                ["Priority 2: Children are safe online"],
                HEADINGS,
                ["2.1", "Run an online safety week", "Cleveland Police", "May 2027", ""],
            ],
        },
        fills={("Priority 2", "E3"): "FF0000"},  # a RAG shown by its colour only
    )
    table, preview = read(data)
    assert table.description == (
        'Excel workbook, sheets "Priority 1" (the first with a table of actions; passed '
        'over "Guidance"), then "Priority 2" from row 6, with the same headings (rows are '
        "numbered on through the sheets)"
    )
    assert not preview.errors
    read_back = [(a.ref, a.values["text"], a.finding.number, a.rag) for a in preview.actions]
    assert read_back == [
        ("1.1", "Audit referrals", "1", RAG.GREEN),
        ("1.2", "Train staff", "1", RAG.AMBER),
        ("2.1", "Run an online safety week", "2", RAG.RED),
    ]
    assert [f.text for f in preview.findings] == [
        "Children are safe at home",
        "Children are safe online",
    ]
    assert [a.row for a in preview.actions] == [3, 4, 7]  # numbered on, a row apart


def test_sheets_without_titles_are_headed_by_their_names(read):
    data = workbook_bytes(
        {
            "Police": [HEADINGS, ["1", "Train officers", "Cleveland Police", "2027", "Green"]],
            "Health": [HEADINGS, ["1", "Audit GP records", "Health", "2027", "Amber"]],
        }
    )
    table, preview = read(data)
    assert not preview.errors
    assert [(a.theme.title, a.values["text"]) for a in preview.actions] == [
        ("Police", "Train officers"),
        ("Health", "Audit GP records"),
    ]
    assert [a.ref for a in preview.actions] == ["1.1", "2.1"]  # each within its sheet


def test_a_sheet_with_the_same_actions_again_is_not_read_and_the_preview_says_so(read):
    quarter = [
        HEADINGS,
        ["1.1", "Audit referrals", "Health", "March 2027", "Green"],
        ["1.2", "Train staff", "Health", "June 2027", "Amber"],
    ]
    earlier = [
        HEADINGS,
        ["1.1", "Audit referrals", "Health", "March 2027", "Amber"],
        ["1.2", "Train staff", "Health", "June 2027", "Red"],
    ]
    table, preview = read(workbook_bytes({"Q2 2026-27": quarter, "Q1 2026-27": earlier}))
    assert [(a.ref, a.rag) for a in preview.actions] == [("1.1", RAG.GREEN), ("1.2", RAG.AMBER)]
    assert table.description == (
        'Excel workbook, sheet "Q2 2026-27"; not "Q1 2026-27", with the same actions again '
        "(name a sheet to read it instead)"
    )
    table, preview = read(workbook_bytes({"Q2": quarter, "Q1": earlier}), sheet="Q1")
    assert [(a.ref, a.rag) for a in preview.actions] == [("1.1", RAG.AMBER), ("1.2", RAG.RED)]


def test_a_later_sheet_of_another_table_is_not_read(read):
    data = workbook_bytes(
        {
            "Plan": [HEADINGS, ["1", "Audit referrals", "Health", "2027", "Green"]],
            "Contacts": [["Name", "Agency", "Email"], ["Jo Smith", "Health", "jo@example.org"]],
            "Key": [["Red", "Behind schedule"], ["Green", "On track"]],
        }
    )
    table, preview = read(data)
    assert table.description == 'Excel workbook, sheet "Plan"'
    assert [a.values["text"] for a in preview.actions] == ["Audit referrals"]
    assert preview.actions[0].theme is None  # one plan sheet: no sheet names as themes
