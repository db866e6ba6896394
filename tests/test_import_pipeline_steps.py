"""Each step of the import pipeline on its own: what it takes, what it returns.

The whole pipeline is tested through `build_preview` and `run_import` in the other
test_import_* modules; here each step is given just the records the steps before it
return, built by hand where that is shorter.
"""

import pytest
from test_import_samples import CASE_PLAN, csv_bytes, make_board

from actionplans.importing.pipeline import (
    ImportChoices,
    ImportSource,
    ImportTarget,
    read_plan,
    run_import,
)
from actionplans.importing.pipeline.columns import read_columns
from actionplans.importing.pipeline.context import Line
from actionplans.importing.pipeline.groups import build_groups
from actionplans.importing.pipeline.header import read_header
from actionplans.importing.pipeline.key import find_key
from actionplans.importing.pipeline.matching import guess_kind, match_rows
from actionplans.importing.pipeline.read_document import read_plan_table
from actionplans.importing.pipeline.refs import number_refs
from actionplans.importing.pipeline.rows import read_rows
from actionplans.importing.pipeline.validate import validate
from actionplans.importing.preview import ParsedAction, ParsedTheme, RowProblem
from actionplans.importing.readers import SourceRow, Table
from actionplans.models import RAG, Action, AgencyKind
from reviews.models import ReviewKind


def table_of(rows, **options) -> Table:
    """A table as a reader gives it: numbered rows, empty ones left out."""
    return Table(
        rows=[SourceRow(number, tuple(cells)) for number, cells in enumerate(rows, 1) if cells],
        file_kind="csv",
        **options,
    )


def steps_to(rows, step: str, *, legend=None, **options):
    """The records of the steps up to `step`, for the step after it to take."""
    table = table_of(rows, **options)
    header = read_header(table)
    columns = read_columns(header)
    key = find_key(header, legend)
    grouped = build_groups(header, columns, key)
    found = {"table": table, "header": header, "columns": columns, "key": key}
    found["grouped"] = grouped
    if step == "rows":
        found["rows"] = read_rows(grouped, header, columns, key, table)
    return found


# ------------------------------------------------------------------ 1. read the document


def test_read_document_passes_over_a_sheet_without_headings():
    table = read_plan_table(csv_bytes(CASE_PLAN, delimiter=";"))
    assert table.file_kind == "csv" and table.delimiter == ";"
    assert [row.number for row in table.rows][:2] == [1, 2]


# ------------------------------------------------------------------ 2. header


def test_header_finds_the_heading_row_under_title_rows_and_joins_sub_headings():
    header = read_header(
        table_of(
            [
                ["Child Q plan"],
                ["Ref", "Action", "Progress update", "", "RAG"],
                ["", "", "June 2016", "Sept 2016", ""],
                ["1", "Audit", "Started", "Done", "Green"],
                ["Ref", "Action", "Progress update", "", "RAG"],  # a new page
                ["2", "Train", "", "", "Red"],
            ]
        )
    )
    assert header.number == 2 and [row.number for row in header.title_rows] == [1]
    assert header.row.cells[2:4] == ("Progress update June 2016", "Progress update Sept 2016")
    assert [line.number for line in header.body] == [4, 5, 6]
    assert header.repeated == {5}
    assert [str(note) for note in header.notes] == ["Row 3: read with row 2 as the headings."]


def test_header_first_column_is_the_first_with_a_heading():
    header = read_header(table_of([["", "Action", "Lead"], ["", "Audit", "Police"]]))
    assert header.first_column == 1


# ------------------------------------------------------------------ 3. columns


def test_columns_map_headings_and_say_how_rows_read():
    header = read_header(
        table_of(
            [
                ["Rec No", "Recommendation", "Action", "Update Q1", "Update Q2", "Achieved"],
                ["1", "Share information", "Audit", "Started", "", "✓"],
            ]
        )
    )
    columns = read_columns(header)
    assert [column.field for column in columns.mapping] == [
        "ref", "finding", "text", "progress", "progress", "tick",
    ]  # fmt: skip
    assert columns.finding_numbers == 0 and "ref" not in columns.index
    assert columns.repeats == {"progress": (3, 4)} and columns.ticks == (5,)
    texts, latest = columns.texts(header.body[0])
    assert texts["progress"] == "Started" and latest == {"progress": 3}
    assert [str(note) for note in columns.notes][-1] == (
        "Row 1: column A numbers the recommendations, so their actions are numbered within them."
    )


def test_columns_take_the_managers_choice():
    header = read_header(table_of([["Ref", "Narrative", "Lead"], ["1", "Do it", "Police"]]))
    assert not read_columns(header).has_actions
    chosen = read_columns(header, {0: "ref", 1: "text"})
    assert chosen.has_actions and chosen.index == {"ref": 0, "text": 1}
    assert [column.status for column in chosen.mapping] == ["chosen", "chosen", "unknown"]


# ------------------------------------------------------------------ 4. key


def test_key_above_the_table_is_the_legend_and_its_rows_are_not_titles():
    found = steps_to(
        [
            ["RAG key: R = Stalled, G = Moving"],
            ["Ref", "Action", "RAG"],
            ["1", "Audit", "Moving"],
        ],
        "key",
    )
    key = found["key"]
    assert key.title_rows == {1} and key.body_rows == set()
    assert key.rag("Moving", row=3) == RAG.GREEN
    assert key.key_statuses == {"red", "green"}


def test_key_under_the_table_reads_the_rows_after_it_at_once_and_all_rows_at_the_end():
    key = steps_to(
        [
            ["Ref", "Action", "RAG"],
            ["1", "Audit", "Moving"],
            ["Green", "Moving"],  # one colour: read from its row on
            ["2", "Train", "Moving"],
            ["Amber", "Wobbly"],
            ["Red", "Stalled"],  # a run naming two colours: learnt at once
        ],
        "key",
    )["key"]
    assert key.body_rows == {3, 5, 6} and key.rows == (3, 5, 6)
    assert key.rag("Moving", row=2) is None  # before the key: read again at the end
    assert key.rag("Moving", row=4) == RAG.GREEN
    assert key.rag("Wobbly", row=2) == RAG.AMBER
    assert key.rag("Moving") == RAG.GREEN


def test_key_of_category_numbers_reads_a_status_by_its_number():
    key = steps_to(
        [
            ["Ref", "Action", "Status"],
            ["1", "Audit", "3"],
            ["Key: 1 = Achieved; 2 = On track but not yet due; 3 = Slipped"],
        ],
        "key",
    )["key"]
    assert key.number_key == {"1": RAG.BLUE, "2": RAG.GREEN, "3": RAG.AMBER}
    assert key.rag("3.") == RAG.AMBER and key.body_rows == {3}


def test_a_plans_own_legend_wins_over_the_files_key():
    key = steps_to(
        [["R = Late, G = Fine"], ["Ref", "Action", "RAG"], ["1", "Audit", "Fine"]],
        "key",
        legend={"blue": "Fine"},
    )["key"]
    assert key.rag("Fine", row=3) == RAG.BLUE


# ------------------------------------------------------------------ 5. groups


def test_groups_carry_findings_down_and_spot_headings_parents_and_continuations():
    grouped = steps_to(
        [
            ["Ref", "Action", "Lead"],
            ["Recommendation 1: Share information"],
            ["1.1", "Audit", "Police"],
            ["", "", "Health"],  # a second lead for 1.1
            ["2", "Voice of the child", ""],  # heads 2.1
            ["2.1", "Ask children", "Health"],
            ["3", "", ""],
        ],
        "groups",
    )["grouped"]
    assert [(row.line.number, row.continues, row.ref) for row in grouped.rows] == [
        (3, False, "1.1"),
        (4, True, ""),
        (6, False, "2.1"),
    ]
    first, _, last = grouped.rows
    assert (first.finding.number, first.finding.text) == ("1", "Share information")
    assert last.finding is first.finding and last.theme.title == "Voice of the child"
    assert [str(error) for error in grouped.errors] == ["Row 7: ref 3 has no action text."]


def test_groups_take_the_rows_the_manager_says_are_headings():
    found = steps_to([["Ref", "Action"], ["", "Early help"], ["1", "Audit"]], "groups")
    header, columns, key = found["header"], found["columns"], found["key"]
    assert build_groups(header, columns, key).rows[0].theme is None
    grouped = build_groups(header, columns, key, heading_rows=frozenset({2}))
    assert grouped.rows[0].theme.title == "Early help"


# ------------------------------------------------------------------ 6. rows


def test_rows_read_merged_cells_fills_and_the_quarters_trail():
    table_rows = [
        ["Ref", "Action", "Lead", "Update Q1", "Update Q2", "RAG"],
        ["1", "Audit", "Police", "Started", "Done", ""],
        ["2", "Train", "", "", "Planned", "Red"],
    ]
    found = steps_to(table_rows, "rows", merged_down={(3, 2): 2}, fills={(2, 5): "00B050"})
    first, second = found["rows"].actions
    assert first.values["progress"] == "Done" and first.progress_heading == "Update Q2"
    assert first.earlier_progress == [("Update Q1", "Started", RAG.NOT_RATED)]
    assert second.agency_name == "Police"  # merged down from row 2
    assert [row.status for row in found["rows"].read] == ["Green (cell colour)", "Red"]


def test_rows_add_a_continuation_to_the_action_above():
    rows = [["Ref", "Action", "KPIs"], ["1", "Audit", "Rates"], ["", "", "Times"]]
    found = steps_to(rows, "rows")
    (action,) = found["rows"].actions
    assert action.values["kpis"] == "Rates\nTimes"
    assert [str(note) for note in found["rows"].notes] == [
        "Row 3: no ref: added to the action on row 2 above it."
    ]


# ------------------------------------------------------------------ 7. matching


@pytest.mark.django_db
def test_matching_links_agencies_and_lists_what_it_cannot_match():
    board = make_board()
    found = steps_to(
        [
            ["Ref", "Action", "Lead", "RAG"],
            ["1", "Audit", "Cleveland Police", "Purple"],
            ["2", "Train", "Named Nurse", "Green – Moving"],
        ],
        "rows",
    )
    matches = match_rows(found["rows"], board=board, columns=found["columns"], key=found["key"])
    first, second = found["rows"].actions
    assert first.agency.short_name == "Cleveland Police" and second.agency is None
    assert matches.unknown_agencies == {"Named Nurse": [3]}
    assert matches.suggested_agencies["Named Nurse"].short_name == "Health"
    assert matches.unknown_statuses == {"Purple": [2]}
    assert (first.rag, second.rag) == (None, RAG.GREEN)
    assert matches.legend == {"green": "Moving"}


def test_a_new_agencys_kind_is_guessed_from_its_name():
    assert guess_kind("Norfolk Constabulary") == AgencyKind.POLICE
    assert guess_kind("Acme Ltd") == AgencyKind.OTHER


# ------------------------------------------------------------------ 8. refs


def test_refs_prefix_repeated_plain_refs_with_their_block_and_fill_missing_ones():
    theme_a, theme_b = ParsedTheme("1", "A"), ParsedTheme("2", "B")
    actions = [
        ParsedAction(2, "1", {}, theme=theme_a),
        ParsedAction(3, "", {}, theme=theme_a),
        ParsedAction(4, "1", {}, theme=theme_b),
    ]
    number_refs(actions)
    assert [action.ref for action in actions] == ["1.1", "1.2", "2.1"]


# ------------------------------------------------------------------ 9. validate


def test_validate_lists_walk_errors_and_lengths_in_row_order_then_clashes():
    columns = steps_to([["Ref", "Action"], ["1", "a"]], "columns")["columns"]
    limit = Action._meta.get_field("lead_person").max_length
    actions = [
        ParsedAction(2, "1", {"text": "a"}),
        ParsedAction(4, "1", {"text": "b", "lead": "x" * (limit + 1)}),
    ]
    errors = validate(actions, [RowProblem(3, "ref 2 has no action text.")], columns, 1)
    assert [str(error) for error in errors] == [
        "Row 3: ref 2 has no action text.",
        f'Row 4: "lead" is {limit + 1:,} characters long; the limit is {limit:,}.',
        "Row 4: ref 1 is also used on row 2.",
    ]
    assert [str(error) for error in validate([], [], columns, 1)] == [
        "Row 1: There are no actions under the heading row."
    ]


# ------------------------------------------------------------------ the entry point


@pytest.mark.django_db
def test_run_import_reads_once_a_mapping_and_writes_nothing_on_a_dry_run(personas):
    board = make_board()
    target = ImportTarget(board, "Child Q plan", ReviewKind.SCR, "child-q-steps", "q.csv")
    source = ImportSource(csv_bytes(CASE_PLAN), target)
    first = read_plan(source, ImportChoices())
    again = read_plan(source, ImportChoices(agencies={"Chief Nurse": ""}))
    assert again.preview.actions is first.preview.actions  # the same reading, other answers
    run = run_import(source, ImportChoices(new_agencies=True), dry_run=True, user=None)
    assert run.outcome.created == 4 and run.outcome.records["agencies"] == 2
    assert not Action.objects.filter(plan__slug="child-q-steps").exists()


@pytest.mark.django_db
def test_run_import_gives_the_problem_of_an_unreadable_file():
    board = make_board()
    target = ImportTarget(board, "Child Q plan", ReviewKind.SCR, "child-q-steps")
    run = run_import(ImportSource(b"", target), ImportChoices(), dry_run=True, user=None)
    assert run.preview is None and run.problems == ["The file is empty."]


def test_a_line_reads_its_cells_once():
    line = Line.of(SourceRow(4, ("1", None, 3)))
    assert line.texts == ("1", "", "3") and line.text(7) == "" and line.raw(2) == 3
