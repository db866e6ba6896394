"""Writing an import: all or nothing, idempotent, dry runs write nothing, history names who."""

import dataclasses

import pytest
from test_import_samples import CASE_PLAN, csv_bytes, make_board, preview_of, row_counts

from actionplans.importing.pipeline import (
    NEW_AGENCY,
    ImportRefused,
    ImportTarget,
)
from actionplans.importing.pipeline.write import write_plan
from actionplans.models import (
    RAG,
    Action,
    Agency,
    Membership,
    Plan,
    ProgressUpdate,
    Role,
    UpdateStatus,
)
from actionplans.selectors import action_history
from reviews.models import Finding, Review, ReviewKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board()


def target(board, slug="child-q-plan", title="SCR Child Q action plan"):
    return ImportTarget(board, title, ReviewKind.SCR, slug, "child-q.xlsx")


def run(board, rows=CASE_PLAN, *, author=None, dry_run=False, slug="child-q-plan", **choices):
    if author is not None:  # the write step asks policy: the author manages the board
        Membership.objects.get_or_create(user=author, board=board, role=Role.MANAGER)
    preview = preview_of(csv_bytes(rows), board).with_choices(**choices)
    return write_plan(preview=preview, target=target(board, slug), author=author, dry_run=dry_run)


def test_import_creates_the_plan_as_the_file_describes_it(board, personas):
    outcome = run(board, author=personas.manager)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (4, 0, 0)
    assert outcome.plan_created
    plan = Plan.objects.get(slug="child-q-plan")
    assert plan.board == board and plan.title == "SCR Child Q action plan"
    assert plan.columns["text"] == "Key task" and plan.columns["target"] == "By when"
    review = Review.objects.get(board=board, reference="SCR Child Q action plan")
    assert review.kind == ReviewKind.SCR
    assert list(review.findings.values_list("number", "text")) == [
        ("1", "Professionals did not share information."),
        ("2", "Neglect was not recognised."),
    ]
    first = Action.objects.get(plan=plan, ref="1.1")
    assert (first.lead_person, first.lead_agency.short_name, first.rag) == (
        "Cleveland Police",
        "Cleveland Police",
        RAG.GREEN,
    )
    assert (first.target_text, str(first.due_date)) == ("Sept 2015", "2015-09-30")
    assert first.evidence == "Audit shows sharing"
    assert [(s.review, s.finding.number) for s in first.sources.all()] == [(review, "1")]
    update = first.updates.get()
    assert (update.label, update.progress, update.status, update.author) == (
        "Progress update",
        "Draft circulated",
        UpdateStatus.APPROVED,
        personas.manager,
    )
    assert (first.progress, first.progress_as_at) == ("Draft circulated", update.as_at)
    assert (
        Action.objects.get(plan=plan, ref="1.2").text == "Train front-line staff\nin the protocol"
    )


def test_objectives_belong_to_the_finding_they_are_written_under(board):
    rows = [
        ["Finding", "Objectives", "ACTIONS", "Owner"],
        ["1. First", "Children are seen", "Visit", "Police"],
        ["2. Second", "Neglect is recognised", "Train", "Health"],
    ]
    run(board, rows)
    plan = Plan.objects.get(slug="child-q-plan")
    assert [(o.key, o.text, o.finding.number) for o in plan.objectives.order_by("position")] == [
        ("1", "Children are seen", "1"),
        ("2", "Neglect is recognised", "2"),
    ]


def test_history_shows_the_import_and_its_author(board, personas):
    run(board, author=personas.manager)
    action = Action.objects.get(plan__slug="child-q-plan", ref="2.1")
    (entry,) = action_history(action)
    assert (entry.who, entry.kind, entry.reason) == (
        str(personas.manager),
        "Created",
        "Imported from child-q.xlsx",
    )
    assert Plan.history.get(slug="child-q-plan").history_user == personas.manager


def test_dry_run_writes_nothing_and_counts_what_would_happen(board):
    before = row_counts()
    outcome = run(board, dry_run=True)
    assert (outcome.dry_run, outcome.created, outcome.plan_created) == (True, 4, True)
    assert outcome.records["findings"] == 2 and outcome.records["progress updates"] == 2
    assert row_counts() == before


def test_importing_the_same_file_again_changes_nothing(board):
    run(board)
    before = row_counts()
    outcome = run(board)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 4)
    assert not outcome.records
    assert row_counts() == before


def test_a_changed_file_updates_by_ref_and_keeps_the_first_target(board, personas):
    run(board)
    rows = [list(row) for row in CASE_PLAN]
    rows[4][4] = "Dec 2015"  # 1.1 slips
    rows[4][5] = "Amber"
    del rows[7]  # 2.2 is no longer in the file
    outcome = run(board, rows, author=personas.manager)
    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.not_in_file) == (
        0,
        1,
        2,
        1,
    )
    action = Action.objects.get(plan__slug="child-q-plan", ref="1.1")
    assert (action.target_text, action.original_target_text, action.rag) == (
        "Dec 2015",
        "Sept 2015",
        RAG.AMBER,
    )
    assert action.is_slipped and action.version == 2
    assert action.history.latest().history_user == personas.manager
    assert Action.objects.filter(plan__slug="child-q-plan").count() == 4  # 2.2 left as it was
    assert ProgressUpdate.objects.filter(action=action).count() == 1


QUARTERLY = [
    ["Ref", "Action", "Lead", "Progress update", "", "", "RAG", "", ""],
    ["", "", "", "June 2016", "Sept 2016", "Dec 2016", "June", "Sept", "Dec"],
    ["1", "Audit cases", "Police", "Started", "Half done", "", "Green", "Amber", ""],
    ["2", "Train staff", "Health", "Planned", "", "", "Green", "", ""],
]


def _trail(ref: str) -> list[tuple[str, str, str, str]]:
    action = Action.objects.get(plan__slug="child-q-plan", ref=ref)
    updates = action.updates.order_by("as_at")
    return [(update.label, update.progress, update.rag, str(update.as_at)) for update in updates]


def test_a_progress_column_a_quarter_gives_each_action_its_update_trail(board, personas):
    run(board, QUARTERLY, author=personas.manager)
    first = Action.objects.get(plan__slug="child-q-plan", ref="1")
    assert (first.progress, str(first.progress_as_at), first.rag) == (
        "Half done",
        "2016-09-30",
        RAG.AMBER,
    )
    assert _trail("1") == [
        ("Progress update June 2016", "Started", RAG.GREEN, "2016-06-30"),
        ("Progress update Sept 2016", "Half done", RAG.AMBER, "2016-09-30"),
    ]
    assert _trail("2") == [("Progress update June 2016", "Planned", RAG.GREEN, "2016-06-30")]
    assert run(board, QUARTERLY).unchanged == 2

    next_quarter = [row[:] for row in QUARTERLY]
    next_quarter[2][5], next_quarter[2][8] = "Audit done; report to board", "Blue"
    outcome = run(board, next_quarter)
    assert (outcome.updated, outcome.unchanged) == (1, 1)
    first.refresh_from_db()
    assert (first.progress, str(first.progress_as_at)) == (
        "Audit done; report to board",
        "2016-12-31",
    )
    assert _trail("1") == [
        ("Progress update June 2016", "Started", RAG.GREEN, "2016-06-30"),
        ("Progress update Sept 2016", "Half done", RAG.AMBER, "2016-09-30"),
        ("Progress update Dec 2016", "Audit done; report to board", RAG.BLUE, "2016-12-31"),
    ]


def test_the_review_is_named_by_its_reference_when_one_is_given(board):
    existing = Review.objects.create(
        board=board, reference="JTAI 2018", kind=ReviewKind.JTAI, title="JTAI on neglect"
    )
    preview = preview_of(csv_bytes(CASE_PLAN), board)
    given = dataclasses.replace(target(board), review_reference="JTAI 2018")
    write_plan(preview=preview, target=given, author=None, dry_run=False)
    existing.refresh_from_db()
    assert existing.title == "JTAI on neglect"  # its own title is kept
    actions = Action.objects.filter(plan__slug="child-q-plan")
    assert {source.review for action in actions for source in action.sources.all()} == {existing}
    assert not Review.objects.filter(reference="SCR Child Q action plan").exists()

    preview = preview_of(csv_bytes(CASE_PLAN), board)
    new = dataclasses.replace(
        target(board, "other-plan", "Child R plan"), review_reference="Case R"
    )
    write_plan(preview=preview, target=new, author=None, dry_run=False)
    review = Review.objects.get(board=board, reference="Case R")
    assert (review.title, review.kind) == ("Child R plan", ReviewKind.SCR)


def test_actions_numbered_within_their_recommendations_keep_our_ref_heading(board):
    rows = [["Rec No", "Recommendation", "Action"], ["4", "Record the voice.", "Audit cases"]]
    run(board, rows)
    plan = Plan.objects.get(slug="child-q-plan")
    assert "ref" not in plan.columns  # "Rec No" is not the heading of our refs
    action = Action.objects.get(plan=plan)
    assert (action.ref, action.sources.get().finding.number) == ("4.1", "4")


def test_unknown_agencies_are_created_or_mapped_as_the_manager_chooses(board):
    health = Agency.objects.get(board=board, short_name="Health")
    run(board, agencies={"Children's Services": NEW_AGENCY, "Chief Nurse": str(health.pk)})
    actions = {a.ref: a for a in Action.objects.filter(plan__slug="child-q-plan")}
    created = Agency.objects.get(board=board, short_name="Children's Services")
    assert actions["2.1"].lead_agency == created
    assert actions["2.2"].lead_agency == health
    assert actions["2.2"].lead_person == "Chief Nurse"


def test_unknown_agencies_are_left_unlinked_by_default(board):
    run(board)
    action = Action.objects.get(plan__slug="child-q-plan", ref="2.1")
    assert (action.lead_agency, action.lead_person) == (None, "Children's Services")


def test_status_word_choice_and_legend_words(board):
    rows = [
        ["Ref", "Action", "RAG"],
        ["1", "a", "Green – Moving along"],
        ["2", "b", "Purple"],
    ]
    run(board, rows, statuses={"Purple": "blue"})
    plan = Plan.objects.get(slug="child-q-plan")
    assert plan.rag_legend == {"green": "Moving along"}
    assert dict(plan.actions.values_list("ref", "rag")) == {"1": RAG.GREEN, "2": RAG.BLUE}


def test_a_key_above_the_table_becomes_the_new_plans_legend(board):
    rows = [
        ["Key: Red = Stalled | Amber = Slipping | Green = On track | Blue = Signed off"],
        ["Ref", "Action", "RAG"],
        ["1", "a", "Slipping"],
    ]
    run(board, rows)
    plan = Plan.objects.get(slug="child-q-plan")
    # A key is the plan's legend, whole: its colours print, even in our own words.
    assert plan.rag_legend == {
        "red": "Stalled", "amber": "Slipping", "green": "On track", "blue": "Signed off",
    }  # fmt: skip
    assert plan.actions.get().rag == RAG.AMBER


def test_row_errors_refuse_the_import_and_write_nothing(board):
    before = row_counts()
    rows = [*CASE_PLAN, [None, "3.1", "", "Police", "", "", "", ""]]
    with pytest.raises(ImportRefused) as refused:
        run(board, rows)
    assert refused.value.problems == ["Row 9: ref 3.1 has no action text."]
    assert row_counts() == before


def test_a_failure_while_writing_leaves_nothing_behind(board):
    """All or nothing: the plan, review and findings written first are rolled back too."""
    preview = preview_of(csv_bytes(CASE_PLAN), board)
    clash = dataclasses.replace(preview.actions[1], ref="1.1")  # slipped past the row checks
    preview.actions[1] = clash
    before = row_counts()
    with pytest.raises(ImportRefused, match="Nothing was written"):
        write_plan(preview=preview, target=target(board), author=None, dry_run=False)
    assert row_counts() == before


def test_a_plan_of_another_board_is_refused(board, seed):
    with pytest.raises(ImportRefused, match="belongs to another board"):
        run(board, slug="norfolk-cap-2017")


def test_finding_text_is_kept_when_reimported_with_new_words(board):
    run(board)
    rows = [list(row) for row in CASE_PLAN]
    rows[4][0] = "Finding 1. Professionals did not share information early enough."
    run(board, rows)
    finding = Finding.objects.get(review__reference="SCR Child Q action plan", number="1")
    assert finding.text == "Professionals did not share information early enough."
    assert finding.history.count() == 2


def test_a_composite_plan_cites_the_boards_reviews_its_scr_ref_column_names(board):
    for letter in "KMO":
        Review.objects.create(
            board=board, reference=f"Case {letter}", kind=ReviewKind.SCR, title=f"SCR {letter}"
        )
    rows = [
        ["Ref", "Action", "SCR Ref"],
        ["1.1", "a", "K,O"],
        ["1.2", "b", "M (and All)"],
        ["1.3", "c", "Case Z"],
        ["1.4", "d", ""],
    ]
    preview = preview_of(csv_bytes(rows), board)
    assert preview.unknown_reviews == {"Case Z": [4]}
    run(board, rows)
    plan = Plan.objects.get(slug="child-q-plan")
    own = Review.objects.get(board=board, reference="SCR Child Q action plan")

    def cited() -> dict[str, list[tuple[str, str]]]:
        return {
            action.ref: [(s.review.reference, s.note) for s in action.sources.all()]
            for action in plan.actions.prefetch_related("sources__review")
        }

    assert cited() == {
        "1.1": [("Case K", ""), ("Case O", "")],
        # "All": every review the file names, as the seed composite plan reads it.
        "1.2": [("Case M", ""), ("Case K", "All"), ("Case O", "All")],
        "1.3": [(own.reference, "")],  # names no review of the board: the plan's own
        "1.4": [(own.reference, "")],
    }
    assert plan.actions.get(ref="1.1").answers_as_written == "K,O"

    # Importing again changes nothing; a changed cell moves only its own sources.
    before = row_counts()
    outcome = run(board, rows)
    assert (outcome.unchanged, row_counts()) == (4, before)
    rows[1][2] = "K"
    run(board, rows)
    assert cited()["1.1"] == [("Case K", "")]
    assert cited()["1.2"] == [("Case M", ""), ("Case K", "All")]


def test_the_write_step_asks_policy(db, personas):
    """Only the board's business manager may import, even calling the service directly."""
    from django.core.exceptions import PermissionDenied
    from test_import_samples import CASE_PLAN, csv_bytes

    from actionplans.importing.pipeline import ImportTarget, build_preview
    from actionplans.importing.pipeline.read_document import read_plan_table
    from actionplans.importing.pipeline.write import write_plan
    from reviews.models import Board

    board = Board.objects.get(slug="stockton")
    preview = build_preview(read_plan_table(csv_bytes(CASE_PLAN)), board=board)
    target = ImportTarget(board, "Child Q plan", "scr", "child-q-plan")
    with pytest.raises(PermissionDenied):
        write_plan(preview=preview, target=target, author=personas.viewer, dry_run=False)
