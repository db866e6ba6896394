"""manage.py import_plan: the same import from the command line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from test_import_samples import CASE_PLAN, csv_bytes, make_board, row_counts, xlsx_bytes

from actionplans.models import Action, Plan
from reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board()


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "child-q.xlsx"
    path.write_bytes(xlsx_bytes(CASE_PLAN))
    return path


def import_plan(path, *args):
    out, err = StringIO(), StringIO()
    call_command(
        "import_plan", str(path), "--title", "Child Q plan", "--kind", "scr", *args,
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_dry_run_prints_mapping_unknowns_and_counts_and_writes_nothing(board, plan_file):
    before = row_counts()
    out, _ = import_plan(plan_file, "--board", board.slug, "--dry-run")
    assert row_counts() == before
    assert 'Excel workbook, sheet "Plan": headings on row 4.' in out
    assert "  C 'Key task' -> Action" in out
    assert "Read 4 rows: 4 actions, 2 findings, 0 themes, 0 objectives." in out
    assert 'Unknown agency "Children\'s Services" (rows 7)' in out
    assert "Unknown status 'Purple' (rows 8): imported as Not rated" in out
    assert "Would import into new plan child-q-plan: 4 created, 0 updated, 0 unchanged" in out
    assert "Dry run: nothing was written." in out


def test_dry_run_says_which_columns_agencies_and_key_were_read(board, tmp_path):
    path = tmp_path / "guessed.csv"
    rows = [["Key: G = Moving; R = Stuck"], ["Ref", "Action", "Lead", "Timing"],
            ["1", "a", "DCI Smith", "2015"]]  # fmt: skip
    path.write_bytes(csv_bytes(rows))
    out, _ = import_plan(path, "--board", board.slug, "--dry-run")
    assert "  C 'Lead' -> Lead as written\n" in out
    assert "  D 'Timing' -> Target date as written (guessed from its words)" in out
    assert "RAG key: Red = Stuck; Green = Moving\n" in out
    assert "Unknown agency 'DCI Smith' (rows 3): left unlinked, lead kept as written " in out
    assert "(perhaps Cleveland Police)" in out


def test_real_run_imports_and_a_second_run_changes_nothing(board, plan_file):
    out, _ = import_plan(plan_file, "--board", board.slug, "--plan-slug", "q-plan")
    assert "Imported into new plan q-plan: 4 created" in out
    assert Plan.objects.get(slug="q-plan").actions.count() == 4
    before = row_counts()
    out, _ = import_plan(plan_file, "--board", board.slug, "--plan-slug", "q-plan")
    assert "Imported into q-plan: 0 created, 0 updated, 4 unchanged" in out
    assert row_counts() == before


def test_row_errors_fail_a_real_run_and_are_listed_in_a_dry_run(board, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(csv_bytes([*CASE_PLAN, [None, "3.1", "", "Police"]]))
    before = row_counts()
    with pytest.raises(CommandError, match="1 row error"):
        import_plan(path, "--board", board.slug)
    assert row_counts() == before
    out, err = import_plan(path, "--board", board.slug, "--dry-run")
    assert "Error: Row 9: ref 3.1 has no action text." in err
    assert "nothing was written" in out
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "not a spreadsheet"),
        (b"Just some notes\nwith no table\n", "could not find the table's heading row"),
        (b"Ref,Action,Lead\n", "1 row error"),
    ],
)
def test_hostile_or_unreadable_files_fail_cleanly(board, tmp_path, content, message):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    before = row_counts()
    with pytest.raises(CommandError, match=message):
        import_plan(path, "--board", board.slug)
    assert row_counts() == before


def test_the_board_must_be_named_when_there_are_several(board, plan_file, seed):
    with pytest.raises(CommandError, match="--board SLUG"):
        import_plan(plan_file)


def test_sheet_option_and_missing_sheet(board, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(
        xlsx_bytes([["Cover page"]], title="Cover", more_sheets={"Actions": CASE_PLAN})
    )
    with pytest.raises(CommandError, match="could not find the table's heading row"):
        import_plan(path, "--board", board.slug, "--sheet", "Cover")
    with pytest.raises(CommandError, match='no sheet called "Nope"'):
        import_plan(path, "--board", board.slug, "--sheet", "Nope")
    import_plan(path, "--board", board.slug, "--sheet", "Actions")
    assert Action.objects.filter(plan__slug="child-q-plan").count() == 4


def test_without_a_sheet_the_first_with_a_table_of_actions_is_read(board, tmp_path):
    path = tmp_path / "book.xlsx"
    guidance = [["How to fill in this plan"], ["Use one row an action."]]
    path.write_bytes(
        xlsx_bytes(guidance, title="Guidance", more_sheets={"Actions": CASE_PLAN, "Old": CASE_PLAN})
    )
    out, _ = import_plan(path, "--board", board.slug, "--dry-run")
    assert 'sheet "Actions" (the first with a table of actions; passed over "Guidance")' in out
    assert "4 created" in out


def test_review_option_names_the_review_the_plan_answers(board, plan_file):
    import_plan(plan_file, "--board", board.slug, "--review", "Case Q")
    review = Review.objects.get(board=board, reference="Case Q")
    assert review.title == "Child Q plan"
    assert Action.objects.filter(plan__slug="child-q-plan", sources__review=review).count() == 4


def test_a_second_column_for_a_field_is_named_as_such(board, tmp_path):
    path = tmp_path / "plan.csv"
    rows = [["Action", "Success criteria", "Evidence"], ["Audit", "80% good", "Reports"]]
    path.write_bytes(csv_bytes(rows))
    out, _ = import_plan(path, "--board", board.slug, "--dry-run")
    assert "C 'Evidence': a second column for the same field, NOT IMPORTED" in out


def test_unknown_kind_is_refused(board, plan_file):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_plan", str(plan_file), "--title", "T", "--kind", "nonsense")


def test_names_in_the_scr_ref_column_that_are_no_review_are_listed(board, tmp_path):
    path = tmp_path / "composite.csv"
    path.write_bytes(csv_bytes([["Ref", "Action", "SCR Ref"], ["1", "a", "Case Z, Y"]]))
    out, _ = import_plan(path, "--board", board.slug, "--dry-run")
    assert "Unknown review 'Case Z' (rows 2): cites the plan's own review" in out
    assert "Unknown review 'Y' (rows 2)" in out
