"""The quarterly round: open it over plans, track replies, decide at the meeting, close."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from actionplans import services
from actionplans.models import (
    RAG,
    Action,
    BoardDecision,
    Plan,
    ProgressUpdate,
    Round,
    RoundAction,
    RoundPlan,
    RoundStatus,
    UpdateStatus,
)
from actionplans.rounds import selectors
from actionplans.rounds.selectors import ItemState
from actionplans.rounds.services import (
    RoundClosedError,
    RoundRequest,
    round_close,
    round_decide,
    round_open,
)
from reporting.models import RenderedReport
from reporting.tasks import render_report
from tests.samples import pdf_text

pytestmark = pytest.mark.django_db

CAP = "norfolk-cap-2017"
CASE_L = "norfolk-scr-case-l-2014"


def today():
    return timezone.localdate()


def request_for(*slugs, deadline_in=14, meeting_in=30, name="Q3 2026/27 – board 20 January 2027"):
    plans = list(Plan.objects.filter(slug__in=slugs))
    return RoundRequest(
        board=plans[0].board,
        name=name,
        deadline=today() + datetime.timedelta(days=deadline_in),
        meeting_date=today() + datetime.timedelta(days=meeting_in),
        plans=plans,
    )


@pytest.fixture
def cap_round(personas):
    return round_open(request=request_for(CAP), by=personas.manager)


def submit(action, author, rag=RAG.AMBER, progress="Under way."):
    return services.update_submit(action=action, author=author, rag=rag, progress=progress)


def test_opening_a_round_asks_for_every_action_the_board_has_not_closed(personas, seed):
    action = Action.objects.get(plan__slug=CASE_L, ref="1.1")
    services.action_close(action=action, by=personas.manager, reason="Signed off earlier")
    round = round_open(request=request_for(CAP, CASE_L), by=personas.manager)
    expected = set(
        Action.objects.filter(plan__slug__in=[CAP, CASE_L], closed_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert set(round.items.values_list("action_id", flat=True)) == expected
    assert action.pk not in expected
    assert set(round.plans.values_list("slug", flat=True)) == {CAP, CASE_L}
    item = round.items.select_related("action").first()
    assert item.agency_id == item.action.lead_agency_id
    # In the board's history, with who opened it.
    assert round.history.get().history_user == personas.manager
    assert RoundAction.history.filter(round_id=round.pk).count() == len(expected)


def test_preview_counts_what_each_agency_owes_and_who_is_asked(personas, seed):
    plans = list(Plan.objects.filter(slug=CAP))
    preview = selectors.round_preview(board=plans[0].board, plans=plans)
    assert preview.total == Action.objects.filter(plan__slug=CAP).count()
    health = next(ask for ask in preview.asks if ask.agency and ask.agency.short_name == "Health")
    assert personas.health_lead in health.leads
    assert (
        health.owed
        == Action.objects.filter(plan__slug=CAP, lead_agency=health.agency)
        .exclude(rag=RAG.BLUE)
        .count()
    )
    assert not preview.unasked  # the demo has a lead for every agency of the seed plans


def test_preview_names_the_agencies_nobody_can_be_asked_for(personas, seed):
    from actionplans.models import Membership, Role

    Membership.objects.filter(user=personas.health_lead, role=Role.LEAD).delete()
    plans = list(Plan.objects.filter(slug=CAP))
    preview = selectors.round_preview(board=plans[0].board, plans=plans)
    unasked = {ask.agency.short_name for ask in preview.unasked}
    assert "Health" in unasked
    assert all(not ask.leads for ask in preview.unasked)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"deadline_in": -1}, "deadline", "is in the past"),
        ({"deadline_in": 10, "meeting_in": 5}, "meeting_date", "on or after the deadline"),
        ({"name": "  "}, "name", "Give the round a name"),
    ],
)
def test_a_round_that_cannot_open_writes_nothing(personas, seed, changes, field, words):
    with pytest.raises(ValidationError) as refused:
        round_open(request=request_for(CAP, **changes), by=personas.manager)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Round.objects.exists() and not RoundAction.objects.exists()


def test_a_plan_is_in_one_open_round_at_a_time(personas, cap_round):
    with pytest.raises(ValidationError) as refused:
        round_open(request=request_for(CAP, CASE_L), by=personas.manager)
    assert "Already in an open round" in " ".join(refused.value.message_dict["plans"])
    assert Round.objects.count() == 1
    # The database says so too, whatever the writer.
    with pytest.raises(IntegrityError), transaction.atomic():
        RoundPlan.objects.create(round=cap_round, plan=Plan.objects.get(slug=CASE_L))
        RoundPlan.objects.create(
            round=Round.objects.create(
                board=cap_round.board,
                name="Other",
                deadline=cap_round.deadline,
                meeting_date=cap_round.meeting_date,
            ),
            plan=Plan.objects.get(slug=CASE_L),
        )


def test_a_plan_of_another_board_cannot_join(personas, seed):
    request = request_for(CAP)
    stockton = Plan.objects.get(slug="stockton-jtai-neglect-2018")
    request = RoundRequest(**{**request.__dict__, "plans": [*request.plans, stockton]})
    with pytest.raises(ValidationError) as refused:
        round_open(request=request, by=personas.manager)
    assert "Not a plan of" in " ".join(refused.value.message_dict["plans"])


@pytest.mark.parametrize("persona", ["health_lead", "chair", "viewer", "stockton_viewer"])
def test_only_business_managers_open_rounds(personas, seed, persona):
    with pytest.raises(PermissionDenied):
        round_open(request=request_for(CAP), by=getattr(personas, persona))


def test_tracker_follows_each_update_through_the_round(personas, cap_round):
    lead = get_user_model().objects.get(username="partnership-lead")
    board = Action.objects.filter(plan__slug=CAP, lead_agency__short_name="NSCB")
    first, second, third = list(board.exclude(rag=RAG.BLUE)[:3])
    waiting = submit(first, lead)
    returned = submit(second, lead)
    services.update_return(update=returned, manager=personas.manager, reason="Say who")
    approved = submit(third, lead, rag=RAG.GREEN)
    services.update_approve(update=approved, approver=personas.manager)
    assert {waiting.round_id, returned.round_id, approved.round_id} == {cap_round.pk}

    tracker = selectors.round_tracker(cap_round)
    row = next(row for row in tracker.rows if row.agency and row.agency.short_name == "NSCB")
    assert lead in row.leads
    assert row.counts[ItemState.WAITING] == 1
    assert row.counts[ItemState.RETURNED] == 1
    assert row.counts[ItemState.APPROVED] == 1
    assert row.counts[ItemState.MISSING] == row.owed - 3
    assert row.response_rate == round(100 * 3 / row.owed)
    assert tracker.totals[ItemState.WAITING] == 1
    states = {item.action.pk: item.state for item in row.items}
    assert states[first.pk] == ItemState.WAITING and states[second.pk] == ItemState.RETURNED
    # A resubmitted update waits again.
    services.update_edit(update=returned, editor=lead, data={"progress": "Us"})
    assert {i.action.pk: i.state for i in selectors.round_items(cap_round)}[second.pk] == (
        ItemState.WAITING
    )


def test_an_update_outside_any_round_answers_none(personas, seed):
    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    assert submit(action, personas.health_lead).round_id is None


def test_tracker_reads_in_a_constant_number_of_queries(
    personas, seed, django_assert_max_num_queries
):
    small = round_open(request=request_for(CASE_L), by=personas.manager)
    big = round_open(
        request=request_for(CAP, "norfolk-lscb-business-plan-2014-16"), by=personas.manager
    )
    assert big.items.count() > small.items.count()
    for round in (small, big):
        with django_assert_max_num_queries(5):
            tracker = selectors.round_tracker(round)
            assert tracker.summary()["owed"] > 0


def test_a_manager_records_an_update_for_an_agency_and_it_is_approved(personas, cap_round):
    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    update = services.update_record(
        action=action, recorder=personas.manager, rag=RAG.GREEN, progress="Told us by email."
    )
    assert update.status == UpdateStatus.APPROVED and update.round_id == cap_round.pk
    assert update.recorded_for == action.lead_agency
    assert (
        update.byline == f"recorded by {personas.manager.get_full_name() or 'manager'} for Health"
    )
    action.refresh_from_db()
    assert action.rag == RAG.GREEN and action.progress == "Told us by email."
    reasons = list(update.history.values_list("history_change_reason", flat=True))
    assert reasons == ["Recorded on behalf of Health"]
    with pytest.raises(PermissionDenied):
        services.update_record(
            action=action, recorder=personas.health_lead, rag=RAG.GREEN, progress="Mine"
        )


def test_the_board_signs_off_a_completed_action_and_it_is_closed(personas, cap_round):
    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    update = submit(action, personas.health_lead, rag=RAG.BLUE, progress="Done; audit attached.")
    services.update_approve(update=update, approver=personas.manager)
    tracker = selectors.round_tracker(cap_round)
    assert action.pk in {item.action.pk for item in tracker.for_sign_off}
    item = cap_round.items.get(action=action)
    round_decide(item=item, by=personas.manager, decision=BoardDecision.SIGNED_OFF)
    action.refresh_from_db()
    assert action.is_closed and action.closed_on == today()
    assert "Signed off by the board" in action.history.first().history_change_reason
    assert action.pk not in {i.action.pk for i in selectors.round_tracker(cap_round).for_sign_off}
    assert action.flags() == [("closed", f"Signed off by the board {today():%d/%m/%Y}")]


def test_a_signed_off_action_stays_in_the_pack_as_at_any_day(personas, cap_round):
    from reporting.selectors import board_pack

    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    services.update_approve(
        update=submit(action, personas.health_lead, rag=RAG.BLUE, progress="Done."),
        approver=personas.manager,
    )
    round_decide(
        item=cap_round.items.get(action=action),
        by=personas.manager,
        decision=BoardDecision.SIGNED_OFF,
    )
    plan = Plan.objects.get(slug=CAP)
    for as_at in (None, today(), today() + datetime.timedelta(days=1)):
        pack = board_pack(plans=[plan], group_by="theme", as_at=as_at, public=False)
        [row] = [row for row in pack.rows if row.action_id == action.pk]
        assert row.flags == [("closed", f"Signed off by the board {today():%d/%m/%Y}")]


def test_not_yet_needs_the_boards_challenge_and_sends_it_back(personas, cap_round):
    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    services.update_approve(
        update=submit(action, personas.health_lead, rag=RAG.BLUE), approver=personas.manager
    )
    item = cap_round.items.get(action=action)
    with pytest.raises(ValidationError):
        round_decide(item=item, by=personas.manager, decision=BoardDecision.NOT_YET)
    round_decide(
        item=item,
        by=personas.manager,
        decision=BoardDecision.NOT_YET,
        challenge="Show the audit of 30 cases.",
    )
    action.refresh_from_db()
    assert not action.is_closed
    [lead_round] = selectors.lead_rounds(user=personas.health_lead)
    [challenged] = [i for i in lead_round.returned if i.action.pk == action.pk]
    assert challenged.state_label == "Challenged by the board"
    assert challenged.item.challenge == "Show the audit of 30 cases."
    # A new update answers the challenge: it waits for approval again.
    submit(action, personas.health_lead, rag=RAG.BLUE, progress="Audit of 30 cases attached.")
    states = {i.action.pk: i.state for i in selectors.round_items(cap_round)}
    assert states[action.pk] == ItemState.WAITING


def test_an_action_not_reported_complete_cannot_be_signed_off(personas, cap_round):
    item = cap_round.items.exclude(action__rag=RAG.BLUE).first()
    with pytest.raises(ValidationError):
        round_decide(item=item, by=personas.manager, decision=BoardDecision.SIGNED_OFF)


def test_closing_keeps_the_summary_and_the_round_cannot_change(
    personas, cap_round, django_capture_on_commit_callbacks
):
    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    submit(action, personas.health_lead)
    with django_capture_on_commit_callbacks(execute=True):
        closed = round_close(round=cap_round, by=personas.manager)
    assert closed.status == RoundStatus.CLOSED
    health = next(row for row in closed.summary["agencies"] if row["agency"] == "Health")
    assert health["replied"] == 1 and health["on_time"] == 1 and health["late"] == 0
    assert closed.summary["owed"] == cap_round.items.exclude(action__rag=RAG.BLUE).count()
    assert not RoundPlan.objects.filter(round=closed, is_open=True).exists()
    with pytest.raises(RoundClosedError):
        round_close(round=closed, by=personas.manager)
    with pytest.raises(RoundClosedError):
        round_decide(
            item=closed.items.first(), by=personas.manager, decision=BoardDecision.SIGNED_OFF
        )
    # The plan is free for the next round, and an update now answers no round.
    round_open(request=request_for(CAP, name="Q4"), by=personas.manager)
    assert ProgressUpdate.objects.filter(round=closed).count() == 1


def test_closing_keeps_the_meetings_board_pack_for_good(
    client, personas, cap_round, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        round_close(round=cap_round, by=personas.manager)
    report = RenderedReport.objects.get(round=cap_round)
    assert report.spec["as_at"] == today().isoformat()  # closed before the meeting
    render_report.call(str(report.pk))
    client.force_login(personas.chair)
    response = client.get(f"/reports/rounds/{cap_round.pk}/board-pack.pdf", follow=True)
    content = b"".join(response.streaming_content)
    assert "Composite Action Plan" in pdf_text(content)
    # Pruning old reports never removes it.
    from reporting.storage import prune_reports

    prune_reports(now=timezone.now() + datetime.timedelta(days=1000))
    assert RenderedReport.objects.filter(round=cap_round).exists()
    client.force_login(personas.stockton_viewer)
    assert client.get(f"/reports/rounds/{cap_round.pk}/board-pack.pdf").status_code == 404


def test_lead_rounds_list_only_their_own_agencies_actions(personas, cap_round):
    [lead_round] = selectors.lead_rounds(user=personas.health_lead)
    agencies = {item.action.lead_agency.short_name for item in lead_round.items}
    assert agencies <= {"Health", "NHS Designated Safeguarding Team"}
    assert lead_round.missing
    assert selectors.lead_rounds(user=personas.viewer) == []


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_open_round_and_close_round_commands(personas, seed):
    deadline = today() + datetime.timedelta(days=10)
    meeting = deadline + datetime.timedelta(days=20)
    said = run(
        "open_round",
        "--board=norfolk",
        f"--plan={CAP}",
        f"--plan={CASE_L}",
        "--name=Q3 2026/27",
        f"--deadline={deadline}",
        f"--meeting={meeting}",
    )
    round = Round.objects.get()
    assert f"Opened round {round.pk}" in said and round.opened_by == personas.manager
    assert "Closed" in run("close_round", str(round.pk))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--deadline=2020-01-01"], "in the past"),
        (["--meeting=2020-01-01"], "on or after the deadline"),
        (["--plan=no-such-plan"], "no-such-plan"),
        (["--deadline=31/12/2026"], "YYYY-MM-DD"),
        (["--board=nowhere"], "No board"),
    ],
)
def test_open_round_refuses_with_one_line(personas, seed, args, words):
    deadline = today() + datetime.timedelta(days=10)
    defaults = {
        "--board": "norfolk",
        "--plan": CAP,
        "--name": "Q3",
        "--deadline": str(deadline),
        "--meeting": str(deadline + datetime.timedelta(days=5)),
    }
    for arg in args:
        key, value = arg.split("=", 1)
        defaults[key] = value
    with pytest.raises(CommandError) as refused:
        run("open_round", *[f"{key}={value}" for key, value in defaults.items()])
    assert words in str(refused.value) and "\n" not in str(refused.value)
    assert not Round.objects.exists()


def test_open_round_refuses_a_plan_already_in_an_open_round(personas, cap_round):
    deadline = today() + datetime.timedelta(days=10)
    with pytest.raises(CommandError, match="Already in an open round"):
        run(
            "open_round",
            "--board=norfolk",
            f"--plan={CAP}",
            "--name=Again",
            f"--deadline={deadline}",
            f"--meeting={deadline}",
        )


def test_close_round_refuses_a_closed_or_unknown_round(personas, cap_round):
    round_close(round=cap_round, by=personas.manager)
    with pytest.raises(CommandError, match="closed"):
        run("close_round", str(cap_round.pk))
    with pytest.raises(CommandError, match="No round"):
        run("close_round", "999999")
