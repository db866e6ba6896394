"""Reading a plan's layout: blocks carried down, headings, sub-refs, continuation rows,
refs, agencies, statuses and row errors. Nothing is written here."""

import datetime
import time

import pytest
from test_import_samples import CASE_PLAN, csv_bytes, make_board, preview_of, xlsx_bytes

from actionplans.importing.pipeline import build_preview
from actionplans.importing.readers import read_table
from actionplans.models import RAG
from reviews.models import FindingKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board()


def summary(preview):
    return [
        (
            action.row,
            action.ref,
            action.values["text"],
            action.finding.number if action.finding else None,
            action.theme.title if action.theme else None,
            action.objective.text if action.objective else None,
        )
        for action in preview.actions
    ]


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes])
def test_a_plan_kept_in_excel(board, make):
    preview = preview_of(make(CASE_PLAN), board)
    assert preview.header_row == 4 and not preview.errors
    assert [(c.letter, c.field) for c in preview.columns] == [
        ("A", "finding"),
        ("B", "ref"),
        ("C", "text"),
        ("D", "lead"),
        ("E", "target"),
        ("F", "rag"),
        ("G", "progress"),
        ("H", "evidence"),
    ]
    assert summary(preview) == [
        (5, "1.1", "Refresh the information-sharing protocol", "1", None, None),
        (6, "1.2", "Train front-line staff\nin the protocol", "1", None, None),
        (7, "2.1", "Adopt the graded care profile", "2", None, None),
        (8, "2.2", "Audit neglect cases", "2", None, None),
    ]
    assert [(f.number, f.text) for f in preview.findings] == [
        ("1", "Professionals did not share information."),
        ("2", "Neglect was not recognised."),
    ]
    assert [preview.rag_for(action) for action in preview.actions] == [
        RAG.GREEN, RAG.AMBER, RAG.RED, RAG.NOT_RATED,
    ]  # fmt: skip
    assert preview.unknown_statuses == {"Purple": [8]}
    assert [action.agency and action.agency.short_name for action in preview.actions] == [
        "Cleveland Police", "Health", None, None,
    ]  # fmt: skip
    assert preview.unknown_agencies == {"Children's Services": [7], "Chief Nurse": [8]}


def test_the_managers_answer_for_an_unknown_status_is_used(board):
    preview = preview_of(csv_bytes(CASE_PLAN), board).with_choices(statuses={"Purple": "blue"})
    assert preview.rag_for(preview.actions[3]) == RAG.BLUE


def test_objective_is_carried_down_and_resets_with_a_new_finding(board):
    rows = [
        ["Finding", "Objectives", "ACTIONS", "Owner"],
        ["1. First", "Children are seen", "Visit", "Police"],
        [None, None, "Record the visit", "Police"],
        ["2. Second", None, "Train", "Health"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [row[3:] for row in summary(preview)] == [
        ("1", None, "Children are seen"),
        ("1", None, "Children are seen"),
        ("2", None, None),
    ]
    assert [a.ref for a in preview.actions] == ["1.1", "1.2", "2.1"]


def test_ofsted_layout_recommendation_headings_and_numbering_per_recommendation(board):
    """Each recommendation heads its own table; actions are numbered within it."""
    rows = [
        ["Action plan in response to the inspection"],
        ["Recommendation No. 1 - for immediate improvement"],
        ["Strengthen management oversight."],
        ["What we will do", "By when", "Lead", "Update September 2013"],
        ["1. Appoint an interim manager.", "February 2013.", "SMcL", "Completed."],
        ["2. Introduce a robust risk assessment.", "February 2013.", "SMcL", "Completed."],
        ["Recommendation No. 2 - for improvement within 3 months"],
        ["Ensure timely assessments."],
        ["What we will do", "By when", "Lead", "Update September 2013"],
        ["1. Review reporting.", "Completed.", "SW", "Completed"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert not preview.errors
    assert [(a.row, a.ref, a.finding.number) for a in preview.actions] == [
        (5, "1.1", "1"),
        (6, "1.2", "1"),
        (10, "2.1", "2"),
    ]
    first, second = preview.findings
    assert (first.kind, first.priority, first.text) == (
        FindingKind.RECOMMENDATION,
        "for immediate improvement",
        "Strengthen management oversight.",
    )
    assert second.priority == "for improvement within 3 months"
    assert preview.progress_label == "Update September 2013"
    assert preview.label_date == datetime.date(2013, 9, 30)  # updates are dated by the heading


def test_agency_sections_are_themes(board):
    rows = [
        ["Key tasks", "How will we know?", "Lead(s)", "Action to date", "Future actions", "RAG"],
        ["Actions across the whole partnership"],
        ["Review the hub", "Capacity", "CHUB group", "Considered", "June 2018", ""],
        ["Actions for Cleveland Police"],
        ["Train officers", "Audit", "D. Supt. PVP", "Started", "By 31/08/18", "On track"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [(a.ref, a.theme.key, a.theme.title) for a in preview.actions] == [
        ("1.1", "1", "Actions across the whole partnership"),
        ("2.1", "2", "Actions for Cleveland Police"),
    ]
    assert preview.actions[1].values["next_steps"] == "By 31/08/18"


def test_theme_heading_right_above_the_headings(board):
    rows = [
        ["Composite action plan"],
        [],
        ["Professional Curiosity"],
        ["Ref", "SCR Ref", "Action", "Lead agency", "Target date"],
        ["1.1", "D, L", "Develop guidance", "Health", "01/06/17"],
        ["Fora for discussion"],
        ["2.1", "L", "Engage clinicians", "Health", "Ongoing"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [(a.ref, a.theme.title) for a in preview.actions] == [
        ("1.1", "Professional Curiosity"),
        ("2.1", "Fora for discussion"),
    ]
    assert preview.actions[0].values["answers"] == "D, L"
    assert preview.actions[0].values["lead"] == "Health"  # lead agency cell kept as written


def test_sub_refs_attach_to_their_parent_rows(board):
    rows = [
        ["Ref", "Action", "Lead", "Target date"],
        ["1", "Governance"],
        ["1.1", "Agree the constitution", "Police", "June 2014"],
        ["1.2", "Review the subgroups"],
        ["1.2.1", "Write terms of reference", "Health", "Sept 2014"],
        ["2.1", "Stand-alone action", "Health", "Dec 2014"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [
        (a.ref, a.theme and a.theme.title, a.objective and a.objective.text)
        for a in preview.actions
    ] == [
        ("1.1", "Governance", None),
        ("1.2.1", "Governance", "Review the subgroups"),
        ("2.1", None, None),
    ]


def test_rows_without_text_continue_the_action_above(board):
    rows = [
        ["Strategic Intent and Actions", "Responsible Person or Agency", "Target Date", "KPIs"],
        ["Agencies are engaged", "DA/AM", "June 2014 onwards", "Attendance records"],
        [None, "BC/CG/MA", None, "Advisory groups attend"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    (action,) = preview.actions
    assert action.values["lead"] == "DA/AM\nBC/CG/MA"
    assert action.values["kpis"] == "Attendance records\nAdvisory groups attend"
    assert [str(note) for note in preview.notes] == [
        "Row 3: no ref: added to the action on row 2 above it."
    ]


def test_text_split_by_a_page_break_joins_its_action(board):
    rows = [
        ["Ref", "SCR Ref", "Action", "Lead agency"],
        ["4.6", "J, O", "Establish a core standard for supervision in respect of", "Health"],
        [None, None, "children, and check it is used.", None],
        ["4.7", "P", "Develop a protocol", "Health"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    joined = (
        "Establish a core standard for supervision in respect of\nchildren, and check it is used."
    )
    assert [(a.ref, a.values["text"]) for a in preview.actions] == [
        ("4.6", joined),
        ("4.7", "Develop a protocol"),
    ]


def test_repeated_headings_are_skipped_and_refs_lose_their_full_stop(board):
    rows = [
        ["No.", "Action", "Owner"],
        ["1.", "First", "Police"],
        ["No.", "Action", "Owner"],
        ["2.", "Second", "Police"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [a.ref for a in preview.actions] == ["1", "2"]


def test_columns_written_on_every_row_mean_none_when_empty(board):
    """Our exports repeat the theme on every row: an empty cell there is "no theme"."""
    rows = [
        ["Ref", "Theme", "Action"],
        ["1", "Voice of the child", "Listen"],
        ["2", "Voice of the child", "Record"],
        ["3", "", "Unthemed"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [a.theme and a.theme.title for a in preview.actions] == [
        "Voice of the child", "Voice of the child", None,
    ]  # fmt: skip


def test_row_errors_name_their_rows(board):
    rows = [
        ["Ref", "Action", "Lead", "Target date"],
        ["1", "Fine", "Police", "Dec 2014"],
        ["2", "", "Police", "Dec 2014"],
        ["1", "Same ref again", "Police", ""],
        ["R" * 31, "Ref too long", "", ""],
        ["4", "Lead too long", "x" * 501, ""],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [str(error) for error in preview.errors] == [
        "Row 3: ref 2 has no action text.",
        "Row 5: the ref is longer than 30 characters.",
        'Row 6: "Lead" is 501 characters long; the limit is 500.',
        "Row 4: ref 1 is also used on row 2.",
    ]


def test_headers_only_is_an_error(board):
    preview = preview_of(csv_bytes([["Ref", "Action", "Lead"]]), board)
    assert [str(error) for error in preview.errors] == [
        "Row 1: There are no actions under the heading row."
    ]


def test_spreadsheet_dates_and_day_numbers_become_uk_dates(board):
    rows = [
        ["Ref", "Action", "Target date"],
        ["1", "A date cell", datetime.datetime(2014, 6, 30)],
        ["2", "A day number", 41820],
        ["3", "A year typed as a number", 2014],
    ]
    preview = preview_of(xlsx_bytes(rows), board)
    assert [a.values["target"] for a in preview.actions] == ["30/06/2014", "30/06/2014", "2014"]


def test_agencies_are_matched_by_name_short_name_or_inside_the_lead(board):
    rows = [
        ["Ref", "Action", "Lead"],
        ["1", "a", "cleveland police"],
        ["2", "b", "Health service"],
        ["3", "c", "D. Supt., Cleveland Police, with Health"],
        ["4", "d", "Healthwatch"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [a.agency and a.agency.short_name for a in preview.actions] == [
        "Cleveland Police", "Health", "Cleveland Police", None,
    ]  # fmt: skip
    assert preview.unknown_agencies == {"Healthwatch": [5]}


def test_a_lead_naming_only_a_kind_of_agency_gets_a_suggestion_not_a_link(db):
    board = make_board(
        "kinds",
        agencies=[("Cleveland Police", "police"), ("CCG", "health"), ("Trust", "health"),
                  ("SBC", "council"), ("YOT", "youth_justice")],
    )  # fmt: skip
    rows = [
        ["Ref", "Action", "Lead"],
        ["1", "a", "DCI Jones, Constabulary"],
        ["2", "b", "Named Nurse"],  # two health agencies: no suggestion
        ["3", "c", "Head of Early Help"],
        ["4", "d", "Police and social care"],  # two kinds: no suggestion
        ["5", "e", "Youth Offending Service manager"],
        ["6", "f", "Board manager"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [action.agency for action in preview.actions] == [None] * 6
    suggested = {
        text: agency and agency.short_name for text, agency in preview.suggested_agencies.items()
    }
    assert suggested == {
        "DCI Jones, Constabulary": "Cleveland Police",
        "Named Nurse": None,
        "Head of Early Help": "SBC",
        "Police and social care": None,
        "Youth Offending Service manager": "YOT",
        "Board manager": None,
    }


def test_cells_merged_down_over_several_actions_belong_to_each(board):
    rows = [
        ["Plan title"],
        ["Finding", "Ref", "Action", "Lead", "Target date", "RAG", "Progress"],
        ["Finding 1. Sharing", "1.1", "Refresh protocol", "Cleveland Police",
         datetime.datetime(2015, 3, 31), "Green", "Done"],
        [None, "1.2", "Train staff", None, None, None, "Half trained"],
        [None, "1.3", "Audit sharing", None, "Ongoing", None, None],
        [None, None, None, "Health", None, None, None],  # a second lead of 1.3
        ["Finding 2. Neglect", "2.1", "Adopt toolkit", "Health", "2016", "Red", None],
        [None, None, None, "Council", None, None, None],  # its text cell merged down
    ]  # fmt: skip
    merged = ["A3:A6", "D3:D5", "E3:E4", "F3:F6", "C7:C8"]
    table = read_table(xlsx_bytes(rows, merged=merged))
    assert table.merged_down[(4, 3)] == 3 and (3, 3) not in table.merged_down
    preview = build_preview(table, board=board)
    assert not preview.errors, preview.errors
    found = [
        (a.ref, a.values["lead"], a.values["target"], a.rag, a.values["progress"], a.finding.number)
        for a in preview.actions
    ]
    assert found == [
        ("1.1", "Cleveland Police", "31/03/2015", RAG.GREEN, "Done", "1"),
        ("1.2", "Cleveland Police", "31/03/2015", RAG.GREEN, "Half trained", "1"),
        ("1.3", "Cleveland Police\nHealth", "Ongoing", RAG.GREEN, "", "1"),
        ("2.1", "Health\nCouncil", "2016", RAG.RED, "", "2"),
    ]
    assert [a.agency.short_name for a in preview.actions] == ["Cleveland Police"] * 3 + ["Health"]


def test_a_csv_has_no_merged_cells(board):
    assert read_table(csv_bytes(CASE_PLAN)).merged_down == {}


def test_a_rag_key_above_the_table_is_the_legend_and_reads_the_statuses(board):
    rows = [
        ["Child T: multi-agency action plan – Version 2"],
        ["RAG key: R = Not on track; A = Some delay; G = On track; B = Complete"],
        ["Ref", "Action", "RAG"],
        ["1", "a", "Some delay"],
        ["2", "b", "G"],
        ["3", "c", "Stalled"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.legend == {
        "red": "Not on track", "amber": "Some delay", "green": "On track", "blue": "Complete",
    }  # fmt: skip
    assert [action.rag for action in preview.actions] == [RAG.AMBER, RAG.GREEN, None]
    assert preview.unknown_statuses == {"Stalled": [6]}


def test_a_key_written_a_colour_a_row_is_read_and_a_lone_colour_is_not(board):
    rows = [
        ["Red – Behind schedule", None, "Green – Moving on"],
        ["Blue - Done and dusted"],
        ["Ref", "Action", "RAG"],
        ["1", "a", "Moving on"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.legend == {
        "red": "Behind schedule", "green": "Moving on", "blue": "Done and dusted",
    }  # fmt: skip
    assert preview.actions[0].rag == RAG.GREEN
    lone = [["Green: a greener county plan"], ["Ref", "Action"], ["1", "a"]]
    assert preview_of(csv_bytes(lone), board).legend == {}
    two_cells = [["Red", "Behind"], ["Green", "Fine"], ["Ref", "Action"], ["1", "a"]]
    preview = preview_of(csv_bytes(two_cells), board)
    assert preview.legend == {"red": "Behind", "green": "Fine"}
    assert preview.themes == []  # the key's last line, right above the headings
    above = [["Key: R = Late; G = Fine"], ["Ref", "Action"], ["1", "a"]]
    preview = preview_of(csv_bytes(above), board)
    assert (preview.legend, preview.themes) == ({"red": "Late", "green": "Fine"}, [])


def test_a_key_under_the_table_is_read_not_imported(board):
    rows = [
        ["Ref", "Action", "RAG"],
        ["1", "a", "Stalled"],
        ["2", "b", "Moving"],
        ["3", "c", "Wobbly"],
        ["4", "Amber: review the protocol", "Red – Stalled"],  # an action, not a key
        [],
        ["Key: Red = Stalled; Green = Moving"],
        ["Blue", "Signed off"],
        ["Key", "A = Wobbly", "R = Stalled"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [action.ref for action in preview.actions] == ["1", "2", "3", "4"]
    assert preview.themes == []
    assert preview.legend == {
        "red": "Stalled", "green": "Moving", "blue": "Signed off", "amber": "Wobbly",
    }  # fmt: skip
    # Statuses above the key are read again with its words.
    assert [action.rag for action in preview.actions] == [RAG.RED, RAG.GREEN, RAG.AMBER, RAG.RED]
    assert preview.unknown_statuses == {}
    assert [str(note) for note in preview.notes] == [
        "Row 7: read as the plan's RAG key, not as actions (rows 7, 8, 9)."
    ]


@pytest.mark.parametrize(
    "key_rows",
    [
        [["Key"], ["Red – Stalled"], ["Green – Moving"]],  # a label row, then a colour a row
        [["Red – Stalled"], ["Green – Moving"]],
        [["", "Red – Stalled"], ["", "Green – Moving"]],  # in the action column
        [["Red", "Stalled"], ["Green", "Moving"]],
        [["RAG", "Stalled", "Red"], ["", "Moving", "Green"]],  # meaning first, beside a label
    ],
)
def test_a_key_written_a_colour_a_row_under_the_table_is_read(board, key_rows):
    rows = [["Ref", "Action", "RAG"], ["1", "a", "Stalled"], ["2", "b", "Moving"], [], *key_rows]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.errors == [] and preview.themes == []
    assert [(action.values["text"], action.rag) for action in preview.actions] == [
        ("a", RAG.RED),
        ("b", RAG.GREEN),
    ]
    assert preview.legend == {"red": "Stalled", "green": "Moving"}
    assert [str(note) for note in preview.notes] == [
        "Row 5: read as the plan's RAG key, not as actions (rows "
        + ", ".join(str(5 + i) for i in range(len(key_rows)))
        + ")."
    ]


def test_a_key_written_meaning_first_under_the_table_is_read(board):
    rows = [
        ["Ref", "Action", "RAG"],
        ["1", "a", "Stalled"],
        ["2", "b", "Signed off"],
        [],
        ["Status key", "Signed off (Blue)", "Stalled (Red)"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [action.ref for action in preview.actions] == ["1", "2"]
    assert [action.rag for action in preview.actions] == [RAG.RED, RAG.BLUE]
    assert preview.unknown_statuses == {}


def test_sub_headings_under_the_heading_row_are_read_with_it(board):
    """A progress column a quarter under one merged heading: each row's latest counts."""
    rows = [
        ["Ref", "Action", "Lead", "Progress update", "", "", "RAG", ""],
        ["", "", "", "June 2016", "Sept 2016", "Dec 2016", "Q2", "Q3"],
        ["1", "Audit cases", "Police", "Started", "Half done", "", "Amber", "Red"],
        ["2", "Train staff", "Health", "Planned", "", "", "Green", ""],
        ["3", "Write policy", "Council", "", "", "", "", ""],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.errors == []
    assert [column.heading for column in preview.columns][3:] == [
        "Progress update June 2016", "Progress update Sept 2016", "Progress update Dec 2016",
        "RAG Q2", "RAG Q3",
    ]  # fmt: skip
    fields = [column.field for column in preview.columns]
    assert fields == ["ref", "text", "lead", "progress", "progress", "progress", "rag", "rag"]
    read = [
        (action.ref, action.values["progress"], action.progress_heading, action.rag)
        for action in preview.actions
    ]
    assert read == [
        ("1", "Half done", "Progress update Sept 2016", RAG.RED),
        ("2", "Planned", "Progress update June 2016", RAG.GREEN),
        ("3", "", "", RAG.NOT_RATED),
    ]
    # Three progress columns, two RAG columns: the earlier quarters keep no RAG.
    assert preview.actions[0].earlier_progress == [
        ("Progress update June 2016", "Started", RAG.NOT_RATED)
    ]
    assert [str(note) for note in preview.notes] == [
        "Row 2: read with row 1 as the headings.",
        "Row 1: columns D, E, F are all “Latest approved progress” (a column a quarter): "
        "each row's latest filled-in one is its progress, the earlier ones go into its "
        "update trail.",
        "Row 1: columns G, H are all “RAG” (a column a quarter): each row's latest "
        "filled-in one is its RAG.",
    ]


def test_a_first_action_written_without_ref_or_text_is_no_sub_heading_row(board):
    rows = [["Ref", "Action", "Lead", ""], ["", "Audit cases", "Police", "x"]]
    preview = preview_of(csv_bytes(rows), board)
    assert [action.values["text"] for action in preview.actions] == ["Audit cases"]
    rows = [["Ref", "Action", "Lead"], ["", "", "Police"], ["1", "Audit", "Health"]]
    preview = preview_of(csv_bytes(rows), board)  # nothing under a heading-less column
    assert [str(error) for error in preview.errors] == [
        "Row 2: there is no action text in this row."
    ]


def test_recommendations_and_their_actions_in_one_column(board):
    """ "Recommendation / action": the parent rows are the recommendations."""
    rows = [
        ["No.", "Recommendation / action", "Lead officer", "Target date"],
        ["1", "Improve information sharing", "", ""],
        ["1.1", "Audit referrals", "J Smith", "Mar-16"],
        ["1.2", "Train staff", "Named Nurse", "Q4 2015/16"],
        ["2", "Strengthen supervision", "", ""],
        ["2.1", "New policy", "Head of Service", "H1 2016"],
        ["3", "Review the protocol", "Board manager", "Dec 2016"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.errors == [] and preview.themes == []
    assert [(finding.number, finding.kind, finding.text) for finding in preview.findings] == [
        ("1", FindingKind.RECOMMENDATION, "Improve information sharing"),
        ("2", FindingKind.RECOMMENDATION, "Strengthen supervision"),
    ]
    read = [
        (action.ref, action.finding.number if action.finding else None)
        for action in preview.actions
    ]
    assert read == [("1.1", "1"), ("1.2", "1"), ("2.1", "2"), ("3", None)]


def test_a_rag_column_coloured_by_hand_is_read_by_its_colours(board):
    rows = [
        ["Ref", "Action", "RAG"],
        ["1", "a"],
        ["2", "b"],
        ["3", "c", "Red"],
        ["4", "d"],
        ["5", "e"],
    ]
    fills = {"C2": "92D050", "C3": "FFC000", "C4": "92D050", "C5": "7030A0"}
    preview = preview_of(xlsx_bytes(rows, fills=fills), board)
    read = [(action.ref, action.status_word, action.rag) for action in preview.actions]
    assert read == [
        ("1", "Green (cell colour)", RAG.GREEN),
        ("2", "Amber (cell colour)", RAG.AMBER),
        ("3", "Red", RAG.RED),  # its words win over its colour
        ("4", "Cell coloured #7030A0", None),  # purple: the manager says what it means
        ("5", "", RAG.NOT_RATED),
    ]
    assert preview.unknown_statuses == {"Cell coloured #7030A0": [5]}


def test_status_words_we_do_not_know_in_a_coloured_cell_are_read_by_the_colour(board):
    rows = [
        ["Ref", "Action", "Status"],
        ["1", "a", "In progress"],
        ["2", "b", "In progress"],
        ["3", "c", "In progress"],  # not coloured: the manager says what it means
        ["4", "d", "Ongoing"],  # purple: no RAG, the words stand
    ]
    fills = {"C2": "FFC000", "C3": "00B050", "C5": "7030A0"}
    preview = preview_of(xlsx_bytes(rows, fills=fills), board)
    read = [(action.ref, action.status_word, action.rag) for action in preview.actions]
    assert read == [
        ("1", "Amber (cell colour)", RAG.AMBER),
        ("2", "Green (cell colour)", RAG.GREEN),
        ("3", "In progress", None),
        ("4", "Ongoing", None),
    ]
    assert preview.unknown_statuses == {"In progress": [4], "Ongoing": [5]}
    notes = [str(note) for note in preview.notes]
    assert (
        "Row 2: status \u201cIn progress\u201d is not a status word we know: read by the "
        "cell's colour, Amber." in notes
    )


def test_a_rec_no_column_beside_the_recommendations_numbers_them(board):
    rows = [
        ["Rec No", "Recommendation", "Action", "Lead"],
        ["4", "Record the voice of the child.", "Audit 20 cases", "Head of QA"],
        ["", "", "Refresh guidance", "Principal Social Worker"],
        ["7", "Improve information sharing.", "Agree a protocol", "Designated Nurse"],
        ["4", "", "Report the audit", "Head of QA"],  # back to a recommendation given before
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.errors == []
    assert [(finding.number, finding.text) for finding in preview.findings] == [
        ("4", "Record the voice of the child."),
        ("7", "Improve information sharing."),
    ]
    read = [(action.ref, action.finding.number) for action in preview.actions]
    assert read == [("4.1", "4"), ("4.2", "4"), ("7.1", "7"), ("4.3", "4")]
    assert [str(note) for note in preview.notes] == [
        "Row 1: column A numbers the recommendations, so their actions are numbered within them."
    ]


def test_without_a_ref_column_a_number_starting_the_action_is_its_ref(board):
    rows = [
        ["Area for development", "Actions"],
        ["1. Oversight is weak.", "1.1 Introduce supervision audits"],
        ["", "1.2. Train all team managers"],
        ["2. Interviews are late.", "3) Re-commission the service"],
        ["", "1.5 hours of training for each manager"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    read = [(action.ref, action.values["text"]) for action in preview.actions]
    assert read == [
        ("1.1", "Introduce supervision audits"),
        ("1.2", "Train all team managers"),
        ("3", "Re-commission the service"),
        ("2.1", "1.5 hours of training for each manager"),  # no capital: no ref
    ]


def test_a_key_line_without_colours_above_the_table_is_no_theme(board):
    rows = [
        ["Status key: Complete | In progress | Not started"],
        ["Ref", "Action", "Status"],
        ["1", "Launch the toolkit", "Complete"],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.themes == [] and preview.actions[0].theme is None


def test_html_in_cells_is_kept_as_text(board):
    rows = [["Ref", "Action"], ["1", '<script>alert("x")</script> & <b>bold</b>']]
    (action,) = preview_of(csv_bytes(rows), board).actions
    assert action.values["text"] == '<script>alert("x")</script> & <b>bold</b>'


def test_hostile_long_cells_are_read_quickly(board):
    """Patterns that could backtrack are written so that 100,000-character cells cannot."""
    spaces = " " * 99_000
    rows = [
        ["Finding", "Ref", "Action", "Theme", "RAG", "Lead"],
        ["Finding" + spaces + "!", "." * 99_000 + "x", "Act", "1" + spaces + "x",
         "Green" + spaces + "-x", "Health" + spaces + "Police"],
        ["Recommendation no" + spaces, "1" + spaces + "x", "Act", "Theme", " (" * 49_000,
         "a " * 49_000],
    ]  # fmt: skip
    started = time.perf_counter()
    preview = preview_of(csv_bytes(rows), board)
    assert time.perf_counter() - started < 2
    assert len(preview.actions) == 2


def test_a_section_heading_in_the_ref_column_is_a_theme_and_a_short_ref_alone_an_error(board):
    rows = [
        ["Ref", "Action", "Lead"],
        ["Police", "", ""],  # an agency's section, written in the ref column
        ["1", "Train officers", "Cleveland Police"],
        ["Health", "", ""],
        ["1", "Audit GP records", "Health"],
        ["B2", "", ""],  # a ref without its action: reported
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert [(a.theme.title, a.ref) for a in preview.actions] == [
        ("Police", "1.1"),
        ("Health", "2.1"),
    ]
    assert [str(error) for error in preview.errors] == ["Row 6: ref B2 has no action text."]
