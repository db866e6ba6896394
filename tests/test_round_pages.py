"""The pages of the quarterly round: open it, follow the replies, decide, close.

The round is over the Composite Action Plan (Norfolk): the health lead leads actions
2.1 and 2.2 (Health), the partnership lead the board's own (NSCB), and 2.4 is already
reported complete.
"""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import (
    RAG,
    Action,
    Agency,
    BoardDecision,
    ProgressUpdate,
    Round,
    RoundAction,
    UpdateStatus,
)
from actionplans.rounds.selectors import ItemState, actions_owing
from actionplans.rounds.services import RoundRequest, round_open

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=14)
MEETING = TODAY + datetime.timedelta(days=28)


@pytest.fixture
def plan(seed):
    return seed["norfolk-cap-2017"]


@pytest.fixture
def action(plan):
    return Action.objects.get(plan=plan, ref="2.1")


@pytest.fixture
def the_round(plan, personas):
    return round_open(
        request=RoundRequest(
            board=plan.board,
            name="Q3 2026/27 – board 20 January 2027",
            deadline=DEADLINE,
            meeting_date=MEETING,
            plans=[plan],
        ),
        by=personas.manager,
    )


def _date(prefix: str, day: datetime.date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _round_form(plan, **changes) -> dict:
    data = {
        "name": "Q3 2026/27 – board 20 January 2027",
        **_date("deadline", DEADLINE),
        **_date("meeting_date", MEETING),
        "reminder_days": "7",
        "plans": [plan.pk],
    }
    data.update(changes)
    return data


def _tracker(client, round, **query):
    response = client.get(reverse("actionplans:round_detail", args=[round.pk]), query)
    assert response.status_code == 200
    return response


def _row(response, short_name):
    tracker = response.context["page"].tracker
    return next(row for row in tracker.rows if row.agency and row.agency.short_name == short_name)


# Opening a round.


def test_manager_opens_a_round_after_checking_who_will_be_asked(client, personas, plan):
    client.force_login(personas.manager)
    url = reverse("actionplans:round_open", args=[plan.board.slug])
    assert "Open a round" in client.get(url).content.decode()

    preview = client.post(url, _round_form(plan))
    page = preview.content.decode()
    assert "Check the round before you open it" in page
    assert "Who will be asked" in page
    health = next(
        ask for ask in preview.context["preview"].asks if ask.agency.short_name == "Health"
    )
    assert health.owed == 2
    assert [lead.username for lead in health.leads] == ["health-lead"]
    assert "health-lead@example.org" in page
    assert 'name="confirmed" value="1"' in page
    assert not Round.objects.exists()  # nothing written before confirming

    opened = client.post(url, {**_round_form(plan), "confirmed": "1"})
    round = Round.objects.get()
    assert opened.status_code == 302 and opened.url == round.get_absolute_url()
    assert round.deadline == DEADLINE and round.meeting_date == MEETING
    assert list(round.plans.all()) == [plan]
    assert round.items.count() == actions_owing([plan]).count()


def test_change_from_the_preview_shows_the_form_with_what_was_typed(client, personas, plan):
    client.force_login(personas.manager)
    url = reverse("actionplans:round_open", args=[plan.board.slug])
    response = client.post(url, {**_round_form(plan), "change": "1"})
    page = response.content.decode()
    assert "Open a round" in page and "Check the round" not in page
    assert f'value="{DEADLINE.day}"' in page
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"deadline_day": "31", "deadline_month": "2", "deadline_year": "2027"}, "deadline",
         "The deadline for updates must be a real date."),
        ({"deadline_day": "", "deadline_month": "", "deadline_year": ""}, "deadline",
         "Enter the deadline for updates."),
        ({"meeting_date_day": "", "meeting_date_year": ""}, "meeting_date",
         "The board meeting date must include a day and year."),
        ({"deadline_day": "x", "deadline_month": "2", "deadline_year": "2027"}, "deadline",
         "The deadline for updates must be a real date."),
        (_date("deadline", TODAY - datetime.timedelta(days=1)), "deadline", "is in the past"),
        (_date("meeting_date", DEADLINE - datetime.timedelta(days=1)), "meeting_date",
         "The board meets on or after the deadline for updates."),
        ({"plans": []}, "plans", "Choose the plans the round covers."),
        ({"name": ""}, "name", "Give the round a name."),
        ({"reminder_days": "90"}, "reminder_days", "between 0 and 60 days"),
    ],
)  # fmt: skip
def test_refused_round_requests_say_why_and_write_nothing(
    client, personas, plan, changes, field, message
):
    client.force_login(personas.manager)
    url = reverse("actionplans:round_open", args=[plan.board.slug])
    for confirmed in ({}, {"confirmed": "1"}):
        response = client.post(url, {**_round_form(plan, **changes), **confirmed})
        assert response.status_code == 200
        form = response.context["form"]
        assert message in " ".join(form.errors[field])
        page = response.content.decode()
        assert "There is a problem" in page and "govuk-form-group--error" in page
    assert not Round.objects.exists()


def test_bad_date_boxes_are_marked_as_errors_and_keep_what_was_typed(client, personas, plan):
    client.force_login(personas.manager)
    url = reverse("actionplans:round_open", args=[plan.board.slug])
    response = client.post(
        url, _round_form(plan, deadline_day="31", deadline_month="2", deadline_year="2027")
    )
    page = response.content.decode()
    assert 'href="#id_deadline_0"' in page  # the error summary links to the day box
    assert (
        'id="id_deadline_0" name="deadline_day" type="text" inputmode="numeric" value="31"' in page
    )
    assert "govuk-input--error" in page


def test_a_plan_already_in_an_open_round_is_refused(client, personas, plan, the_round):
    client.force_login(personas.manager)
    url = reverse("actionplans:round_open", args=[plan.board.slug])
    form_page = client.get(url).content.decode()
    assert f"already in the open round “{the_round.name}”" in form_page
    response = client.post(url, {**_round_form(plan, name="Another"), "confirmed": "1"})
    assert "Already in an open round: " + plan.title in " ".join(
        response.context["form"].errors["plans"]
    )
    assert Round.objects.count() == 1


def test_preview_lists_actions_nobody_can_be_asked_for(client, personas, plan):
    orphan = Agency.objects.create(board=plan.board, short_name="Orphans", name="Orphan Agency")
    action = Action.objects.get(plan=plan, ref="1.1")
    action.lead_agency = orphan
    action.save()
    client.force_login(personas.manager)
    response = client.post(
        reverse("actionplans:round_open", args=[plan.board.slug]), _round_form(plan)
    )
    page = response.content.decode()
    assert "Actions nobody can be asked for" in page
    assert "Nobody can be asked for the actions of 1 agency: it has no lead user." in page
    assert [ask.agency for ask in response.context["preview"].unasked] == [orphan]
    assert reverse("actionplans:person_add", args=[plan.board.slug]) in page
    assert reverse("actionplans:update_record", args=[action.pk]) in page
    assert "Record the update yourself" in page


# The tracker.


def test_tracker_counts_and_lists_follow_submit_approve_and_return(
    client, personas, the_round, plan
):
    first = Action.objects.get(plan=plan, ref="2.1")
    second = Action.objects.get(plan=plan, ref="2.2")
    client.force_login(personas.manager)
    health = _row(_tracker(client, the_round), "Health")
    assert health.counts == {"approved": 0, "waiting": 0, "returned": 0, "missing": 2}

    update = services.update_submit(
        action=first, author=personas.health_lead, rag=RAG.AMBER, progress="Audit under way."
    )
    other = services.update_submit(
        action=second, author=personas.health_lead, rag=RAG.GREEN, progress="Training done."
    )
    response = _tracker(client, the_round)
    assert _row(response, "Health").counts == {
        "approved": 0, "waiting": 2, "returned": 0, "missing": 0,
    }  # fmt: skip
    page = response.content.decode()
    health_agency = first.lead_agency
    assert f"?agency={health_agency.pk}&amp;state=waiting#list" in page

    services.update_approve(update=update, approver=personas.manager)
    services.update_return(update=other, manager=personas.manager, reason="Say how many staff.")
    response = _tracker(client, the_round)
    assert _row(response, "Health").counts == {
        "approved": 1, "waiting": 0, "returned": 1, "missing": 0,
    }  # fmt: skip

    listed = _tracker(client, the_round, agency=health_agency.pk, state="returned")
    selected = listed.context["page"].selected
    assert [item.action for item in selected.items] == [second]
    page = listed.content.decode()
    assert "Say how many staff." in page
    assert personas.health_lead.get_full_name() in page  # the agency's lead
    assert reverse("actionplans:update_record", args=[second.pk]) in page

    missing = _tracker(client, the_round, agency=plan.actions.get(ref="1.1").lead_agency_id,
                       state="missing")  # fmt: skip
    assert missing.context["page"].selected.items
    assert "Overdue" not in missing.content.decode()  # before the deadline


def test_with_htmx_a_number_swaps_in_only_its_list(client, personas, the_round, plan):
    client.force_login(personas.manager)
    nscb = plan.actions.get(ref="1.1").lead_agency
    url = reverse("actionplans:round_detail", args=[the_round.pk])
    query = {"agency": nscb.pk, "state": "missing"}
    partial = client.get(url, query, headers={"HX-Request": "true"}).content.decode()
    assert 'id="list"' in partial and "<html" not in partial
    assert "Response rate" not in partial
    full = client.get(url, query).content.decode()
    assert "<html" in full and 'id="list"' in full
    restored = client.get(
        url, query, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restored.content.decode()


def test_missing_replies_stand_out_after_the_deadline(client, personas, the_round, plan):
    Round.objects.filter(pk=the_round.pk).update(
        deadline=TODAY - datetime.timedelta(days=1), meeting_date=TODAY
    )
    client.force_login(personas.manager)
    nscb = plan.actions.get(ref="1.1").lead_agency
    response = _tracker(client, the_round, agency=nscb.pk, state="missing")
    page = response.content.decode()
    assert "Deadline passed" in page
    assert page.count(">Overdue<") >= 2  # beside the count and on each missing action


def test_response_rate_of_the_round(client, personas, the_round, action):
    client.force_login(personas.manager)
    owed = _tracker(client, the_round).context["page"].tracker.owed
    services.update_submit(action=action, author=personas.health_lead, rag=RAG.AMBER, progress="x")
    response = _tracker(client, the_round)
    assert response.context["page"].tracker.response_rate == round(100 / owed)
    assert f"Response rate: <strong>{round(100 / owed)}%</strong>" in response.content.decode()


def test_lead_sees_only_their_own_agencies_actions(client, personas, the_round, plan):
    client.force_login(personas.health_lead)
    response = _tracker(client, the_round)
    page = response.content.decode()
    items = response.context["page"].lead.items
    assert sorted(item.action.ref for item in items) == ["2.1", "2.2"]
    assert response.context["page"].tracker is None
    assert plan.actions.get(ref="1.1").text[:40] not in page
    assert "Response rate" not in page
    assert "You owe 2 updates by" in page
    assert "Report progress" in page


def test_lead_can_change_the_update_they_sent(client, personas, the_round, action):
    update = services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit under way."
    )
    client.force_login(personas.health_lead)
    page = _tracker(client, the_round).content.decode()
    assert reverse("actionplans:update_edit", args=[update.pk]) in page
    assert "Change your update" in page


def test_chair_and_viewer_cannot_see_the_round(client, personas, the_round):
    for user in (personas.chair, personas.viewer):
        client.force_login(user)
        assert client.get(the_round.get_absolute_url()).status_code == 403
    client.force_login(personas.stockton_viewer)
    assert client.get(the_round.get_absolute_url()).status_code == 404


def test_round_list_puts_open_rounds_first_and_offers_to_open_one(client, personas, the_round):
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:round_list")).content.decode()
    assert the_round.name in page
    assert reverse("actionplans:round_open", args=["norfolk"]) in page
    assert reverse("actionplans:round_open", args=["stockton"]) in page
    client.force_login(personas.health_lead)
    response = client.get(reverse("actionplans:round_list"))
    assert list(response.context["list"].lead_rounds) == [the_round]
    assert "Open a round" not in response.content.decode()


# Recording an update on an agency's behalf.


def test_manager_records_an_update_for_the_agency_and_it_is_approved(
    client, personas, the_round, action
):
    client.force_login(personas.manager)
    detail = client.get(action.get_absolute_url()).content.decode()
    assert "Record an update received from the agency" in detail
    url = reverse("actionplans:update_record", args=[action.pk])
    assert "Save and approve" in client.get(url).content.decode()
    response = client.post(url, {"rag": RAG.GREEN, "progress": "Emailed by the CCG on Monday."})
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(action=action, round=the_round)
    assert update.status == UpdateStatus.APPROVED
    assert update.recorded_for == action.lead_agency
    assert update.round == the_round
    action.refresh_from_db()
    assert action.rag == RAG.GREEN
    page = client.get(action.get_absolute_url()).content.decode()
    assert f"recorded by {personas.manager.get_full_name()} for Health" in page
    assert _row(_tracker(client, the_round), "Health").count(ItemState.APPROVED) == 1
    history = client.get(reverse("actionplans:action_history", args=[action.pk])).content
    assert f"recorded by {personas.manager.get_full_name()} for Health" in history.decode()


def test_a_lead_cannot_record_on_an_agencys_behalf(client, personas, action):
    client.force_login(personas.health_lead)
    url = reverse("actionplans:update_record", args=[action.pk])
    assert client.post(url, {"rag": RAG.GREEN, "progress": "x"}).status_code == 403
    assert not ProgressUpdate.objects.filter(action=action, recorded_for__isnull=False).exists()


def test_approval_queue_shows_the_byline(client, personas, action):
    services.update_submit(action=action, author=personas.health_lead, rag=RAG.AMBER, progress="x")
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:approval_queue")).content.decode()
    assert f"by {personas.health_lead.get_full_name()}" in page


# The board's decisions.


def _complete(action, personas):
    update = services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.BLUE, progress="Done.",
        evidence="Audit report, November.",
    )  # fmt: skip
    services.update_approve(update=update, approver=personas.manager)


def test_signed_off_closes_the_action_and_it_leaves_the_live_plan(
    client, personas, the_round, action, plan
):
    _complete(action, personas)
    item = RoundAction.objects.get(round=the_round, action=action)
    client.force_login(personas.manager)
    url = reverse("actionplans:round_decisions", args=[the_round.pk])
    page = client.get(url).content.decode()
    assert f"Action {action.ref}" in page and "Audit report, November." in page
    response = client.post(url, {f"item-{item.pk}-decision": BoardDecision.SIGNED_OFF})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.is_closed
    plan_page = client.get(plan.get_absolute_url())
    live = [
        a for section in plan_page.context["sections"] for g in section.groups for a in g.actions
    ]
    assert action not in live
    assert action in plan_page.context["signed_off"]
    assert "Signed off by the board" in plan_page.content.decode()
    assert action.ref not in [i.action.ref for i in _tracker(client, the_round).context[
        "page"].tracker.for_sign_off]  # fmt: skip


def test_the_decisions_page_names_the_lead_agency_of_today(client, personas, the_round, action):
    """An action given to another agency after the round opened is named with its new
    lead, as the tracker counts it."""
    _complete(action, personas)
    before = action.lead_agency
    other = Agency.objects.filter(board=action.plan.board).exclude(pk=before.pk).first()
    Action.objects.filter(pk=action.pk).update(lead_agency=other)
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:round_decisions", args=[the_round.pk]))
    title = re.search(
        rf"Action {re.escape(action.ref)}</a> – [^<]*\(([^)]*)\)</h2>", page.content.decode()
    )
    assert title and unescape(title.group(1)) == other.short_name != before.short_name


def test_not_yet_needs_the_boards_challenge_and_keeps_what_was_typed(
    client, personas, the_round, action
):
    _complete(action, personas)
    item = RoundAction.objects.get(round=the_round, action=action)
    client.force_login(personas.manager)
    url = reverse("actionplans:round_decisions", args=[the_round.pk])
    response = client.post(url, {f"item-{item.pk}-decision": BoardDecision.NOT_YET})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Say what the board wants to see before it signs the action off." in page
    assert f"Action {action.ref}: Say what" in page  # in the error summary
    item.refresh_from_db()
    assert item.decision == ""

    response = client.post(
        url,
        {
            f"item-{item.pk}-decision": BoardDecision.NOT_YET,
            f"item-{item.pk}-challenge": "Show the audit results to the board.",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == BoardDecision.NOT_YET
    action.refresh_from_db()
    assert not action.is_closed

    # The lead sees the challenge as a returned update, on the round page and at home.
    client.force_login(personas.health_lead)
    page = _tracker(client, the_round).content.decode()
    assert "Challenged by the board" in page
    assert "Show the audit results to the board." in page
    home = client.get(reverse("actionplans:plan_list")).content.decode()
    assert "Show the audit results to the board." in home
    assert reverse("actionplans:update_submit", args=[action.pk]) in home


# Closing.


def test_closing_keeps_the_summary_and_a_closed_round_refuses_edits(
    client, personas, the_round, action
):
    _complete(action, personas)
    item = RoundAction.objects.get(round=the_round, action=action)
    client.force_login(personas.manager)
    close_url = reverse("actionplans:round_close", args=[the_round.pk])
    page = client.get(close_url).content.decode()
    assert "The summary that will be kept" in page and "Health" in page
    assert client.post(close_url).status_code == 302
    the_round.refresh_from_db()
    assert not the_round.is_open
    assert the_round.summary["agencies"]

    detail = _tracker(client, the_round).content.decode()
    assert reverse("reporting:round_pack", args=[the_round.pk]) in detail
    assert "Replies, as kept when the round closed" in detail
    assert "Record the board" not in detail

    decisions = reverse("actionplans:round_decisions", args=[the_round.pk])
    response = client.post(decisions, {f"item-{item.pk}-decision": BoardDecision.SIGNED_OFF})
    assert response.status_code == 302 and response.url == the_round.get_absolute_url()
    assert client.post(close_url).status_code == 302
    item.refresh_from_db()
    action.refresh_from_db()
    assert item.decision == "" and not action.is_closed
    follow = client.get(response.url).content.decode()
    assert "is closed: it can no longer be changed" in follow


# Home and navigation.


def test_lead_home_says_what_they_owe_and_what_was_returned(client, personas, the_round, action):
    update = services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="x"
    )
    services.update_return(update=update, manager=personas.manager, reason="Add the dates.")
    client.force_login(personas.health_lead)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert f"You owe 2 updates by {DEADLINE:%-d %B %Y}" in page
    assert "Add the dates." in page
    assert reverse("actionplans:update_edit", args=[update.pk]) in page
    assert the_round.get_absolute_url() in page


def test_manager_home_shows_round_progress_and_updates_waiting(client, personas, the_round, action):
    services.update_submit(action=action, author=personas.health_lead, rag=RAG.AMBER, progress="x")
    client.force_login(personas.manager)
    response = client.get(reverse("actionplans:plan_list"))
    page = response.content.decode()
    assert "1 update waiting for approval" in page
    rate = response.context["home"].trackers[0].response_rate
    assert f"response rate {rate}%" in page
    assert the_round.get_absolute_url() in page
    assert "Approvals (1)" in page  # the navigation
    assert reverse("actionplans:round_list") in page  # "Rounds" in the navigation


def test_navigation_counts_waiting_updates_in_one_query(client, personas, action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actionplans.context_processors import navigation

    services.update_submit(action=action, author=personas.health_lead, rag=RAG.AMBER, progress="x")
    request = type("Request", (), {"user": personas.manager})()
    navigation(request)  # loads the memberships once
    with CaptureQueriesContext(connection) as queries:
        items = navigation(request)["nav_items"]
    assert len(queries) == 1
    labels = [label for _, label, _ in items]
    assert "Approvals (1)" in labels and "Rounds" in labels


def test_chair_sees_no_rounds_or_approvals_in_the_navigation(client, personas):
    client.force_login(personas.chair)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert "Approvals (" not in page
    assert reverse("actionplans:round_list") not in page


def test_round_pages_do_not_grow_with_the_updates(client, personas, the_round, plan):
    """The tracker and a lead's round page: as many queries with one update as with two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            _tracker(client, the_round)
        return len(captured)

    first, second = (Action.objects.get(plan=plan, ref=ref) for ref in ("2.1", "2.2"))
    services.update_submit(action=first, author=personas.health_lead, rag=RAG.AMBER, progress="x")
    one = queries(personas.manager), queries(personas.health_lead)
    services.update_submit(action=second, author=personas.health_lead, rag=RAG.AMBER, progress="y")
    assert (queries(personas.manager), queries(personas.health_lead)) == one


def test_rounds_is_the_current_menu_item_on_a_round_page(client, personas, the_round):
    client.force_login(personas.manager)
    page = _tracker(client, the_round).content.decode()
    assert f'href="{reverse("actionplans:round_list")}" aria-current="true"' in page
