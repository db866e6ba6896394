"""What the CSV and XLSX exports hold: the board PDF's columns, the update trail, safe cells."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from actionplans import services
from actionplans.importing.headers import DERIVED, FIELDS_BY_KEY
from actionplans.models import Action, ProgressUpdate, UpdateStatus
from reporting import exports

pytestmark = pytest.mark.django_db


def csv_rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_sheets(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.values) for sheet in workbook.worksheets}


def test_columns_are_the_board_pdfs():
    assert exports.ACTION_HEADINGS == [
        "Plan", "Ref", "Reviews and findings answered", "Reviews cited as written", "Theme",
        "Objective", "Action", "Lead agency", "Lead as written", "Enabling subgroup",
        "Evidence of impact", "Evidence files", "Resources", "KPIs", "Target date as written",
        "Due date (worked out)", "Original target (slipped from)", "RAG", "RAG code",
        "Latest approved progress", "Progress as at", "Flags",
    ]  # fmt: skip
    assert exports.UPDATE_HEADINGS_ROW == [
        "Plan", "Ref", "Update", "As at", "Status", "RAG", "Progress", "Next steps", "Author",
        "Proposed target date", "Reason for the new target date",
    ]  # fmt: skip


def test_plan_csv_row_as_the_plan_prints_it(seed):
    rows = csv_rows(exports.actions_csv(exports.plan_actions(seed["norfolk-cap-2017"])))
    assert len(rows) == 22
    row = rows[0]
    assert row["Plan"] == "Serious Case Review Composite Action Plan January 2017"
    assert (row["Ref"], row["Reviews cited as written"], row["Theme"]) == (
        "1.1",
        "D, L",
        "Professional Curiosity",
    )
    assert row["Reviews and findings answered"] == "Case D; Case L"
    assert (row["Lead agency"], row["Lead as written"]) == ("NSCB", "NSCB Business Manager")
    assert (row["Target date as written"], row["Due date (worked out)"]) == (
        "01/06/17",
        "2017-06-01",
    )
    assert (row["RAG"], row["RAG code"]) == ("Not rated", "not_rated")
    assert row["Progress as at"] == "2017-01-31"
    assert "Overdue" in row["Flags"]


def test_findings_answered_are_resolved(seed):
    rows = csv_rows(exports.actions_csv(exports.plan_actions(seed["norfolk-scr-case-l-2014"])))
    assert rows[0]["Reviews and findings answered"] == "Case L finding 1"
    assert rows[0]["Objective"].startswith("Early Help practice standards")


def test_rag_words_follow_the_plans_legend(seed):
    plan = seed["stockton-jtai-neglect-2018"]
    action = plan.actions.order_by("position").first()
    action.rag = "red"
    action.save()
    rows = csv_rows(exports.actions_csv(exports.plan_actions(plan)))
    assert (rows[0]["RAG"], rows[0]["RAG code"]) == ("Red – Behind schedule", "red")


def test_slipped_target_is_shown(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.2")
    action.original_target_text = action.target_text
    action.target_text = "01/06/17"
    action.save()
    rows = csv_rows(exports.actions_csv(exports.plan_actions(action.plan)))
    row = next(row for row in rows if row["Ref"] == "1.2")
    assert row["Original target (slipped from)"] == "01/01/17"
    assert "Slipped from 01/01/17" in row["Flags"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_cells_are_neutralised_in_csv_and_xlsx(seed, start):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    action.text = f'{start}HYPERLINK("http://evil.example","click")'
    action.lead_person = f"{start}cmd|' /C calc'!A0"
    action.save()
    actions = exports.plan_actions(action.plan)
    row = csv_rows(exports.actions_csv(actions))[0]
    assert row["Action"] == "'" + action.text
    assert row["Lead as written"] == "'" + action.lead_person
    sheet = xlsx_sheets(exports.actions_xlsx(actions))["Actions"]
    text_column = exports.ACTION_HEADINGS.index("Action")
    # A lone carriage return may come back as a line feed (XML line ends), depending on
    # whether openpyxl writes through lxml or the standard library: either way it is text.
    assert sheet[1][text_column] in {"'" + action.text, "'" + action.text.replace("\r", "\n")}


def test_xlsx_has_actions_and_their_update_trail(seed):
    plan = seed["stockton-ofsted-cp-2013"]
    sheets = xlsx_sheets(exports.actions_xlsx(exports.plan_actions(plan)))
    assert list(sheets) == ["Actions", "Updates"]
    actions, updates = sheets["Actions"], sheets["Updates"]
    assert list(actions[0]) == exports.ACTION_HEADINGS
    assert len(actions) == 1 + 58
    due = exports.ACTION_HEADINGS.index("Due date (worked out)")
    assert actions[1][due] == datetime.datetime(2013, 2, 28)  # a real date cell
    assert list(updates[0]) == exports.UPDATE_HEADINGS_ROW
    assert len(updates) == 1 + ProgressUpdate.objects.filter(action__plan=plan).count()
    first = dict(zip(updates[0], updates[1], strict=True))
    assert (first["Ref"], first["Update"], first["Status"]) == (
        "1.1",
        "Update September 2013",
        "Approved",
    )


def test_update_trail_has_every_update_with_author_and_target_change(seed, personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.3")
    ProgressUpdate.objects.create(
        action=action,
        label="Update March 2017",
        as_at=datetime.date(2017, 3, 31),
        progress="Workshop held",
        rag="amber",
        status=UpdateStatus.PENDING,
        author=personas.health_lead,
        proposed_target_text="Sept 2017",
        target_change_reason="Research report delayed",
    )
    rows = csv_rows(exports.updates_csv(exports.plan_actions(action.plan)))
    mine = [row for row in rows if row["Ref"] == "1.3"]
    assert [row["Update"] for row in mine] == ["Update March 2017", "Progress January 2017"]
    assert mine[0]["Status"] == "Awaiting approval"
    assert (mine[0]["Author"], mine[0]["Proposed target date"]) == ("health-lead", "Sept 2017")
    assert mine[0]["Reason for the new target date"] == "Research report delayed"
    assert mine[0]["RAG"] == "Amber – some slippage"


def test_export_queries_do_not_grow_with_the_actions(seed, django_assert_max_num_queries):
    actions = exports.plan_actions(seed["stockton-ofsted-cp-2013"])
    with django_assert_max_num_queries(8):
        exports.actions_xlsx(actions)


def test_cells_excel_cannot_hold_are_made_safe():
    assert exports.xlsx_text("a\x00b\x07c") == "abc"
    long = exports.xlsx_text("x" * 40_000)
    assert len(long) == exports.XLSX_MAX_CELL - 1 and long.endswith("…")
    assert exports.csv_cell(datetime.date(2015, 3, 31)) == "2015-03-31"
    assert exports.csv_cell(None) == ""


def test_export_headings_are_the_importers_vocabulary():
    assert FIELDS_BY_KEY["target"].label in exports.ACTION_HEADINGS
    assert set(DERIVED.values()) <= set(exports.ACTION_HEADINGS)


def test_update_trail_says_when_a_manager_recorded_an_update_for_an_agency(seed, personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    services.update_record(
        action=action, recorder=personas.manager, rag="green", progress="Told us by email."
    )
    rows = csv_rows(exports.updates_csv(exports.plan_actions(action.plan)))
    [recorded] = [row for row in rows if row["Progress"] == "Told us by email."]
    assert recorded["Author"] == "manager (recorded for Health)"
