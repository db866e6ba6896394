"""Layouts of real plans beyond one action a row: recommendations on their own rows,
recommendations as the actions, category-number keys, tick columns, semicolon CSV, a
workbook whose active sheet is not the plan, Word plans laid out the same ways."""

import pytest
from test_import_samples import csv_bytes, make_board, preview_of, xlsx_bytes
from word_samples import docx_bytes

from actionplans.importing.pipeline import build_preview
from actionplans.importing.pipeline.read_document import read_plan_table
from actionplans.models import RAG

pytestmark = pytest.mark.django_db


def refs(preview):
    return [(a.ref, a.values["text"]) for a in preview.actions]


def test_a_recommendation_on_its_own_row_heads_the_actions_under_it():
    rows = [
        ["Ref", "Recommendation", "Action", "Lead", "Target date"],
        ["1", "The board should check information sharing.", "", "", ""],
        ["1.1", "", "Refresh the protocol", "Cleveland Police", "March 2017"],
        ["1.2", "", "Audit sharing", "Health", "June 2017"],
        ["2", "Agencies should recognise neglect.", "", "", ""],
        ["2.1", "", "Adopt the graded care profile", "Health", "2018"],
    ]
    preview = preview_of(csv_bytes(rows), make_board())
    assert not preview.errors, preview.errors
    assert [(f.number, f.text) for f in preview.findings] == [
        ("1", "The board should check information sharing."),
        ("2", "Agencies should recognise neglect."),
    ]
    assert [(a.finding.number, a.ref) for a in preview.actions] == [
        ("1", "1.1"),
        ("1", "1.2"),
        ("2", "2.1"),
    ]


def test_a_progress_report_on_recommendations_imports_each_as_the_thing_to_do():
    rows = [
        ["Recommendation", "Lead", "Progress", "RAG"],
        ["1. Review the neglect strategy", "Health", "Draft agreed", "Green"],
        ["2. Train staff in the graded care profile", "Cleveland Police", "Booked", "Amber"],
    ]
    preview = preview_of(csv_bytes(rows), make_board())
    assert not preview.errors, preview.errors
    assert preview.mapped["text"].heading == "Recommendation"
    assert preview.mapped["text"].status == "guessed"
    assert any("there is no action column" in str(note) for note in preview.notes)
    assert refs(preview) == [
        ("1", "Review the neglect strategy"),
        ("2", "Train staff in the graded care profile"),
    ]


def test_the_manager_may_choose_the_recommendation_column_as_the_actions():
    rows = [
        ["Recommendation", "Action", "Lead", "RAG"],
        ["1. Review the strategy", "", "Health", "Green"],
    ]
    board = make_board()
    table = read_plan_table(csv_bytes(rows))
    preview = build_preview(table, board=board, columns={0: "text", 2: "lead", 3: "rag"})
    assert not preview.errors, preview.errors
    assert refs(preview) == [("1", "Review the strategy")]


@pytest.mark.parametrize(
    "key_rows",
    [
        [["1 = Achieved; 2 = On track but not yet due; 3 = Slipped; 4 = Not achieved"]],
        [["Key"], ["1 = Achieved"], ["2 = On track but not yet due"], ["3 = Slipped"],
         ["4 = Not achieved"]],
    ],
)  # fmt: skip
def test_status_as_a_category_number_explained_by_a_key_under_the_table(key_rows):
    rows = [
        ["Ref", "Action", "Lead", "Status"],
        ["1", "Audit", "Health", "1"],
        ["2", "Train", "Health", "2"],
        ["3", "Report", "Health", "3"],
        ["4", "Review", "Health", "4"],
        [],
        *key_rows,
    ]
    preview = preview_of(csv_bytes(rows), make_board())
    assert not preview.errors, preview.errors
    assert len(preview.actions) == 4 and not preview.themes
    assert [a.rag for a in preview.actions] == [RAG.BLUE, RAG.GREEN, RAG.AMBER, RAG.RED]
    assert preview.unknown_statuses == {}
    assert preview.legend == {
        "blue": "Achieved",
        "green": "On track but not yet due",
        "amber": "Slipped",
        "red": "Not achieved",
    }


def test_a_number_key_above_the_table_reads_the_status_cells_too():
    rows = [
        ["Status key: 1 = Complete, 2 = Partially complete, 3 = Not started"],
        ["Ref", "Action", "Status"],
        ["1", "Audit", "2"],
    ]
    preview = preview_of(csv_bytes(rows), make_board())
    assert [a.rag for a in preview.actions] == [RAG.AMBER]


def test_status_given_by_tick_columns():
    rows = [
        ["Ref", "Action", "Lead", "Achieved", "On target"],
        ["1", "Audit", "Health", "✓", "✓"],
        ["2", "Train", "Health", "", "✔"],
        ["3", "Report", "Health", "", ""],
    ]
    preview = preview_of(csv_bytes(rows), make_board())
    assert not preview.errors, preview.errors
    assert "target" not in preview.mapped
    assert [c.field for c in preview.columns][3:] == ["tick", "tick"]
    assert [a.rag for a in preview.actions] == [RAG.BLUE, RAG.GREEN, RAG.NOT_RATED]


def test_a_semicolon_csv_with_title_rows_and_line_breaks():
    rows = [
        ["Child R action plan"],
        ["Ref", "Action", "Lead", "Target date"],
        ["1", "Audit; then report", "Health", "March 2017"],
        ["2", "Two lines\nin one cell", "Cleveland Police", "2018"],
    ]
    preview = preview_of(csv_bytes(rows, delimiter=";"), make_board())
    assert preview.table.delimiter == ";"
    assert refs(preview) == [("1", "Audit; then report"), ("2", "Two lines\nin one cell")]


def test_a_workbook_whose_active_sheet_is_not_the_plan():
    from openpyxl import load_workbook

    data = xlsx_bytes(
        [["Summary for the board"], ["Actions: 2"]],
        title="Summary",
        more_sheets={"Plan": [["Ref", "Action", "Lead"], ["1", "Audit", "Health"]]},
    )
    import io

    workbook = load_workbook(io.BytesIO(data))
    workbook.active = 0  # the summary is the sheet Excel opens on
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = build_preview(read_plan_table(buffer.getvalue()), board=make_board())
    assert preview.table.sheet_name == "Plan"
    assert refs(preview) == [("1", "Audit")]


def test_a_word_plan_with_recommendations_on_their_own_rows_and_a_number_key():
    data = docx_bytes(
        [["Ref", "Recommendation", "Action", "Lead", "Status"],
         ["1", "Share information.", "", "", ""],
         ["1.1", "", "Refresh the protocol", "Health", "2"],
         ["1.2", "", "Audit sharing", "Health", "1"]],
        "Key: 1 = Achieved; 2 = On track but not yet due; 3 = Slipped; 4 = Not achieved",
    )  # fmt: skip
    preview = build_preview(read_plan_table(data), board=make_board())
    assert not preview.errors, preview.errors
    assert [(a.finding.number, a.ref, a.rag) for a in preview.actions] == [
        ("1", "1.1", RAG.GREEN),
        ("1", "1.2", RAG.BLUE),
    ]


# ------------------------------------------------------------------ unknown agencies


def test_a_new_agency_kind_is_guessed_from_its_name():
    from actionplans.importing.pipeline.matching import guess_kind

    assert guess_kind("Norfolk Constabulary") == "police"
    assert guess_kind("Norfolk and Norwich University Hospital NHS Trust") == "health"
    assert guess_kind("Youth Offending Service") == "youth_justice"
    assert guess_kind("The Matthew Project") == "other"


def test_import_plan_creates_unknown_agencies_when_asked(tmp_path, capsys):
    from django.core.management import call_command

    from actionplans.models import Agency

    make_board()
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes([["Ref", "Action", "Lead"], ["1", "Audit", "Norfolk Constabulary"]]))
    command = ["import_plan", str(path), "--title", "Case N", "--kind", "scr", "--board"]
    call_command(*command, "testboard", "--new-agencies")
    assert "created as a new agency (Police)" in capsys.readouterr().out
    assert (
        Agency.objects.get(board__slug="testboard", short_name="Norfolk Constabulary").kind
        == "police"
    )
