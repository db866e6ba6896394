"""The vocabularies of real plans: column headings and status words.

Pure Python: no database.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_import_samples import CASE_PLAN, csv_bytes

from actionplans.importing.citations import ReviewMatcher, read_citations
from actionplans.importing.headers import (
    DERIVED,
    FIELDS,
    field_for_heading,
    guess_field,
    is_derived_heading,
    normalise_heading,
)
from actionplans.importing.pipeline import build_preview
from actionplans.importing.pipeline.columns import map_columns
from actionplans.importing.pipeline.header import find_header
from actionplans.importing.readers import UnreadableFile, read_table
from actionplans.importing.statuses import (
    colour_status,
    legend_in_text,
    legend_meaning,
    rag_for_status,
)
from actionplans.models import RAG
from reviews.models import Board, Review

# Every heading the issue lists, and the seed plans' own.
HEADINGS = {
    "ref": ["ref", "Ref", "No.", "Ref.", "Action No", "#", "Action #"],
    "text": ["action", "ACTIONS", "Key task", "Key tasks", "Specific actions", "Action required",
             "What we will do", "Strategic Intent and Actions", "Actions to achieve the outcome",
             "Actions needed to improve practice"],
    "lead": ["Lead", "Owner", "Lead(s)", "Officer responsible", "Strategic Lead",
             "Responsible Person or Agency", "Lead as written"],
    "lead_agency": ["Responsible agency", "Lead agency", "Agency"],
    "target": ["Timescales", "By when", "Target date", "Target Date", "Timescale/Target",
               "Deadline", "Completion date", "Due date", "Target date as written"],
    "rag": ["RAG", "RAG rating", "BRAG", "Status", "RAG Status Q2", "Progress RAG",
            "Update (BRAG)", "Progress status"],
    "progress": ["Action to date", "Progress update", "Update", "Progress",
                 "Update September 2013", "Latest approved progress", "Update on status",
                 "Comments on status"],
    "next_steps": ["Future actions", "Next steps"],
    "evidence": ["How will we know", "How will we know?", "Evidence of impact", "Evidence",
                 "Output/Outcome measurement"],
    "finding": ["Finding", "Recommendation", "Findings", "Strategic priority",
                "Area for development", "Areas for Development", "Key findings"],
    "priority": ["Priority"],
    "objective": ["Objective", "Objectives", "Outcome"],
    "theme": ["Theme", "Section"],
    "resources": ["Resources", "Resource"],
    "kpis": ["KPIs", "How measured/KPIs", "Key performance indicators"],
    "subgroup": ["Enabling subgroup", "Enabling Subgroup or team", "Subgroup responsible"],
    "answers": ["SCR Ref", "Reviews cited as written"],
    "progress_as_at": ["Progress as at", "As at", "Update date", "Date of update"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("heading", "field"),
    [(heading, field) for field, headings in HEADINGS.items() for heading in headings],
)
def test_heading_vocabulary(heading, field):
    assert field_for_heading(heading) == field


@pytest.mark.parametrize(
    "heading",
    ["", "Notes", "2014", "Risk", "Page 2", "SCR Reference no", "Action to be taken by"],
)
def test_other_headings_are_not_fields(heading):
    assert field_for_heading(heading) is None


# Headings of plans beyond the seeds, which no phrase lists: guessed from their words.
GUESSES = {
    "ref": ["Rec No", "Recommendation No.", "Inspection Recommendation No.", "Item ref"],
    "answers": ["SCR Reference no", "Review ref", "Which review?", "Name of review"],
    "finding": ["Serious Case Review Recommendation", "Learning / Finding", "Area of Concern",
                "Lessons identified", "Issue", "Key issues"],
    "objective": ["Outcome sought", "Aims and goals"],
    "theme": ["Priority area", "Thematic area"],
    "text": ["Steps to be taken", "How", "What", "Activities", "Intervention",
             "Recommendation / action", "Findings and actions", "Issue / Action required"],
    "lead": ["Action lead", "Lead Officer/Agency", "Named contact", "Person accountable"],
    "lead_agency": ["Partner agencies", "Organisation(s)", "Service"],
    "target": ["Planned completion date", "Timing", "Date for completion", "Due", "Date"],
    "rag": ["Action status", "Overall rating", "Red/Amber/Green"],
    "progress": ["Narrative", "Commentary", "What has been achieved"],
    "next_steps": ["Next quarter's actions", "Further work required"],
    "evidence": ["Success looks like", "Impact on children", "How we will measure it"],
    "kpis": ["Performance indicators used", "Metrics"],
    "resources": ["Funding", "Resource implications for partners"],
    "subgroup": ["Monitoring group", "Committee"],
    "progress_as_at": ["Progress date", "Date of progress report"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("heading", "field"),
    [(heading, field) for field, headings in GUESSES.items() for heading in headings],
)
def test_unlisted_headings_are_guessed_from_their_words(heading, field):
    assert field_for_heading(heading) is None, "listed: move it to HEADINGS"
    assert guess_field(heading) == field


@pytest.mark.parametrize(
    "heading",
    ["", "Notes", "2014", "Risk", "Page 2", "Date completed", "Actual completion date",
     "Review date", "Completed Y/N", "Reviewed by the board in March 2015 and agreed"
     " by every partner at the meeting", "Action to be taken by", "Action required by"],
)  # fmt: skip
def test_headings_that_are_not_guessed(heading):
    assert guess_field(heading) is None


def test_a_guess_never_takes_a_field_a_named_column_has():
    rows = [
        ["Steps to be taken", "Lead Officer/Agency", "Action", "Lead", "Funding"],
        ["Do it", "Police", "Audit", "Health", "None"],
    ]
    table = read_table(csv_bytes(rows))
    columns = map_columns(table.rows[0], table.rows[1:])
    found = [(column.field, column.status) for column in columns]
    assert found == [
        ("", "unknown"),
        ("", "unknown"),
        ("text", "matched"),
        ("lead", "matched"),
        ("resources", "guessed"),
    ]


def test_a_plan_with_unlisted_headings_is_read(db):
    rows = [
        ["Multi-agency action plan: Child R"],
        [],
        ["Rec No", "Proposed action", "By whom", "Planned completion date", "Action status",
         "Narrative"],
        ["1", "Refresh the neglect strategy", "LSCB manager", "Sept – Dec 2014", "G/A",
         "Draft agreed"],
    ]  # fmt: skip
    board = Board.objects.create(name="Guessing board", short_name="GB", slug="guessing")
    preview = build_preview(read_table(csv_bytes(rows)), board=board)
    assert preview.header_row == 3 and not preview.errors
    assert [(column.field, column.status) for column in preview.columns] == [
        ("ref", "guessed"),
        ("text", "matched"),
        ("lead", "matched"),
        ("target", "guessed"),
        ("rag", "guessed"),
        ("progress", "guessed"),
    ]
    (action,) = preview.actions
    assert (action.ref, action.rag) == ("1", RAG.AMBER)
    assert action.values["text"] == "Refresh the neglect strategy"
    assert action.values["target"] == "Sept – Dec 2014"
    assert action.values["progress"] == "Draft agreed"


def test_a_heading_row_without_an_action_column_asks_for_it(db):
    rows = [["Plan"], ["No", "Narrative", "Lead", "Target date"], ["1", "Do it", "Police", "2015"]]
    board = Board.objects.create(name="Asking board", short_name="AB", slug="asking")
    preview = build_preview(read_table(csv_bytes(rows)), board=board)
    assert preview.header_row == 2
    assert [str(error) for error in preview.errors] == [
        "Row 2: Choose the column that holds the actions."
    ]


def test_our_own_export_headings_read_back_as_their_fields():
    for field in FIELDS:
        assert field_for_heading(field.label) == field.key, field.label
    for label in DERIVED.values():
        assert field_for_heading(label) is None and is_derived_heading(label), label


def test_normalised_headings():
    assert normalise_heading("Lead(s)") == "lead s"
    assert normalise_heading("  How will we know? ") == "how will we know"
    assert normalise_heading("Health & Wellbeing") == "health and wellbeing"


def test_heading_row_is_found_under_title_rows():
    header = find_header(read_table(csv_bytes(CASE_PLAN)).rows)
    assert header.number == 4


def test_no_heading_row_is_a_clear_error():
    rows = [["Our plan"], ["Some notes", "More notes"], ["1", "Do something"]]
    with pytest.raises(UnreadableFile, match="could not find the table's heading row"):
        find_header(read_table(csv_bytes(rows)).rows)


def test_mapping_reports_unknown_derived_and_duplicate_columns():
    rows = [
        ["Ref", "Action", "Owner", "Notes", "Flags", "Lead", ""],
        ["1", "Do it", "Police", "a note", "Overdue", "Health", "stray value"],
    ]
    table = read_table(csv_bytes(rows))
    columns = map_columns(table.rows[0], table.rows[1:])
    found = [(column.letter, column.field, column.status) for column in columns]
    assert found == [
        ("A", "ref", "matched"),
        ("B", "text", "matched"),
        ("C", "lead", "matched"),
        ("D", "", "unknown"),
        ("E", "", "derived"),
        ("F", "", "duplicate"),
        ("G", "", "unknown"),
    ]
    assert columns[6].heading == "(no heading)" and columns[6].sample == "stray value"


def test_a_column_without_heading_is_reported_when_any_row_uses_it():
    rows = [["Ref", "Action", ""], *[[str(n), "Do"] for n in range(1, 80)], ["80", "Do", "late"]]
    table = read_table(csv_bytes(rows))
    column = map_columns(table.rows[0], table.rows[1:])[2]
    assert (column.heading, column.status, column.sample) == ("(no heading)", "unknown", "late")


def test_priority_column_without_findings_holds_the_priorities():
    rows = [["Priority", "Action", "Lead"], ["1. Neglect", "Audit", "Police"]]
    table = read_table(csv_bytes(rows))
    fields = [column.field for column in map_columns(table.rows[0], table.rows[1:])]
    assert fields == ["finding", "text", "lead"]


# ---------------------------------------------------------------------- statuses

STATUSES = {
    RAG.GREEN: ["Green", "G", "green", "On track", "On target", "Green – On track", "G/B",
                "Blue/Green", "Green = on track", "RAG: Green", "Status - on track",
                "No concerns"],
    RAG.AMBER: ["Amber", "A", "A/G", "G/A", "Amber/Green", "Green-Amber", "Some slippage",
                "Partially met", "Yellow", "AG", "GA", "Partially implemented",
                "Some progress", "Limited progress", "Minor concerns", "RAG rating: Amber"],
    RAG.RED: ["Red", "R", "Behind schedule", "Not on target", "Red - behind schedule", "A/R",
              "Amber / Red", "R/A/G", "Not met", "Not achieved", "RA", "Late", "Behind",
              "Not implemented", "Not delivered", "Significant concerns", "Current status: Red"],
    RAG.BLUE: ["Blue", "B", "Complete", "Completed", "Complete(d)", "Completed.",
               "Completed (March 2015)", "Blue – Completed", "Met", "Complete - embedded",
               "Completed and embedded", "Complete & embedded", "Action complete",
               "Implemented", "Delivered", "Business as usual", "BAU"],
    RAG.NOT_STARTED: ["Not started", "Not yet due", "not_started"],
    RAG.NOT_RATED: ["", "  ", "Not rated", "not_rated", "N/A"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("word", "status"), [(word, status) for status, words in STATUSES.items() for word in words]
)
def test_status_words(word, status):
    assert rag_for_status(word) == status


@pytest.mark.parametrize(
    "word",
    [
        "Purple",
        "In progress",
        "?",
        "Green-ish",
        "Grey",
        "Grey/Green",
        "G/Purple",
        "Red Amber Pink",
        "Bag",
        "RR",
        "Ongoing",
        "Status",
        "RAG: Purple",
        "Status: in progress",
    ],
)
def test_unknown_status_words_are_not_guessed(word):
    assert rag_for_status(word) is None


@pytest.mark.parametrize(
    ("rgb", "status"),
    [
        ("FF0000", RAG.RED), ("C00000", RAG.RED), ("FFC7CE", RAG.RED),
        ("FFC000", RAG.AMBER), ("FFFF00", RAG.AMBER), ("FFEB9C", RAG.AMBER), ("F79646", RAG.AMBER),
        ("92D050", RAG.GREEN), ("00B050", RAG.GREEN), ("C6EFCE", RAG.GREEN),
        ("0070C0", RAG.BLUE), ("00B0F0", RAG.BLUE),
        ("7030A0", None), ("D9D9D9", None), ("FFFFFF", None), ("000000", None), ("zzzzzz", None),
    ],
)  # fmt: skip
def test_fill_colours_read_as_rag(rgb, status):
    assert colour_status(rgb) == status


def test_the_plans_own_legend_words_count():
    legend = {"red": "Stuck", "green": "Moving", "blue": "Done and dusted"}
    assert rag_for_status("Stuck", legend) == RAG.RED
    assert rag_for_status("Done and dusted", legend) == RAG.BLUE
    assert rag_for_status("Stuck") is None


def test_legend_meaning_of_colour_and_words():
    assert legend_meaning("Green – On track") == (RAG.GREEN, "On track")
    assert legend_meaning("Blue: completed") == (RAG.BLUE, "completed")
    assert legend_meaning("Green = on track") == (RAG.GREEN, "on track")
    assert legend_meaning("R = Not on track") == (RAG.RED, "Not on track")
    assert legend_meaning("Red (behind schedule)") == (RAG.RED, "behind schedule")
    assert legend_meaning("Grey – not yet due") is None
    assert legend_meaning("Green") is None
    assert legend_meaning("Not rated") is None
    # The other way round, with the colour in full (a letter alone is too easily a label).
    assert legend_meaning("Completed = Blue") == (RAG.BLUE, "Completed")
    assert legend_meaning("On track (Green)") == (RAG.GREEN, "On track")
    assert legend_meaning("Part (A)") is None
    assert legend_meaning("Action plan – Green Lane School") is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "BRAG: B - Completed, R - Not started/significant delay, A - Some delay, G - On track",
            {"blue": "Completed", "red": "Not started/significant delay",
             "amber": "Some delay", "green": "On track"},
        ),
        (
            "RAG: Red (not started), Amber (in progress), Green (complete)",
            {"red": "not started", "amber": "in progress", "green": "complete"},
        ),
        (
            "Red: Action not achieved within timescale. Amber: Action partially achieved. "
            "Green: Action fully achieved.",
            {"red": "Action not achieved within timescale", "amber": "Action partially achieved",
             "green": "Action fully achieved"},
        ),
        (
            "Status key: Complete (Blue) | On track (Green) | Some slippage (Amber)",
            {"blue": "Complete", "green": "On track", "amber": "Some slippage"},
        ),
        (
            "Completed = Blue, On Target = Green, Slippage = Amber, Not on target = Red",
            {"blue": "Completed", "green": "On Target", "amber": "Slippage",
             "red": "Not on target"},
        ),
    ],
)  # fmt: skip
def test_keys_as_other_plans_write_them(text, key):
    assert {rag.value: words for rag, words in legend_in_text([text]).items()} == key


# Any text at all: the guessers never raise and only ever answer with what they may.
VOCABULARY = (
    "rag status progress update date lead agency officer ref no review scr action what "
    "how outcome impact evidence resources group theme finding recommendation next due "
    "red amber green blue r a g b = - : ( ) , ; key"
)
HEADING_WORDS = st.sampled_from(VOCABULARY.split(" "))
SOME_TEXT = st.one_of(st.text(max_size=300), st.lists(HEADING_WORDS, max_size=12).map(" ".join))


@given(SOME_TEXT)
def test_guessing_any_heading_gives_a_field_or_none(heading):
    assert guess_field(heading) in {field.key for field in FIELDS} | {None}


@given(st.lists(SOME_TEXT, max_size=5))
def test_reading_a_key_from_any_title_rows_gives_colours_and_short_words(texts):
    key = legend_in_text(texts)
    assert not key or len(key) >= 2
    assert all(isinstance(rag, RAG) and 0 < len(words) <= 200 for rag, words in key.items())


# ------------------------------------------------------------- reviews cited
@pytest.mark.parametrize(
    ("text", "names", "cites_all"),
    [
        ("K,O,P,Q,R", ["K", "O", "P", "Q", "R"], False),
        ("D, L", ["D", "L"], False),
        ("M (and All)", ["M"], True),
        ("All", [], True),
        ("Case L; Case M and SCR N", ["Case L", "Case M", "SCR N"], False),
        ("K/O & P\nQ", ["K", "O", "P", "Q"], False),
        ("K, K", ["K"], False),
        ("", [], False),
    ],
)
def test_reviews_an_scr_ref_cell_names(text, names, cites_all):
    assert read_citations(text) == (names, cites_all)


@given(st.text(max_size=300))
def test_reading_any_scr_ref_cell_gives_names(text):
    names, _cites_all = read_citations(text)
    assert all(name and name == name.strip() for name in names)


def test_a_review_is_found_by_reference_or_by_its_unique_code(db):
    board = Board.objects.create(name="Citing board", short_name="CB", slug="citing")
    for reference in ["Case K", "Case L", "SCR L", "Ofsted 2013"]:
        Review.objects.create(board=board, reference=reference, kind="scr", title=reference)
    matcher = ReviewMatcher(board)
    names = ["K", "case k", "SCR K", "L", "SCR L", "Ofsted 2013", "2013", "Z", "Kids"]
    found = {name: matcher.match(name) for name in names}
    assert {name: review and review.reference for name, review in found.items()} == {
        "K": "Case K", "case k": "Case K", "SCR K": "Case K",
        "L": None,  # two reviews end in L: not guessed
        "SCR L": "SCR L", "Ofsted 2013": "Ofsted 2013", "2013": None, "Z": None, "Kids": None,
    }  # fmt: skip
