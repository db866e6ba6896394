"""The quarterly job: agency leads report, the business manager approves or returns."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from actionplans import services
from actionplans.models import RAG, Action, Membership, ProgressUpdate, Role, UpdateStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def health_action(seed):
    return Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")


@pytest.fixture
def police_action(seed):
    return Action.objects.get(plan__slug="stockton-jtai-neglect-2018", ref="3.1")


def submit_form(client, action, **fields):
    data = {"rag": "amber", "progress": "", "next_steps": "", "evidence": ""}
    data |= {"proposed_target_text": "", "target_change_reason": ""}
    data |= {"submission_key": str(uuid.uuid4())} | fields
    return client.post(reverse("actionplans:update_submit", args=[action.pk]), data)


def test_full_journey_submit_return_resubmit_approve(client, personas, health_action):
    # The health lead reports progress.
    client.force_login(personas.health_lead)
    response = submit_form(client, health_action, progress="Pathway redesign drafted.")
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(action=health_action, status=UpdateStatus.PENDING)
    assert update.author == personas.health_lead

    # It waits in the manager's queue, who returns it with a reason.
    client.force_login(personas.manager)
    queue = client.get(reverse("actionplans:approval_queue")).content.decode()
    assert "Pathway redesign drafted." in queue
    response = client.post(
        reverse("actionplans:update_return", args=[update.pk]),
        {"return_reason": "Say which providers have signed up.", "version": update.version},
    )
    assert response.status_code == 302

    # The lead sees why and resubmits.
    client.force_login(personas.health_lead)
    page = client.get(health_action.get_absolute_url()).content.decode()
    assert "Say which providers have signed up." in page
    update.refresh_from_db()
    response = client.post(
        reverse("actionplans:update_edit", args=[update.pk]),
        {
            "rag": "green",
            "progress": "Pathway redesign drafted; NNUH and NCH&C signed up.",
            "version": update.version,
        },
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == UpdateStatus.PENDING

    # The manager approves: it becomes the action's progress and RAG.
    client.force_login(personas.manager)
    response = client.post(
        reverse("actionplans:update_approve", args=[update.pk]), {"version": update.version}
    )
    assert response.status_code == 302
    health_action.refresh_from_db()
    assert health_action.rag == RAG.GREEN
    assert health_action.progress == "Pathway redesign drafted; NNUH and NCH&C signed up."

    # History shows all four steps, with who did them.
    steps = [
        (record.history_change_reason, record.history_user.username)
        for record in update.history.order_by("history_date")
    ]
    assert steps == [
        ("Submitted", "health-lead"),
        ("Returned", "manager"),
        ("Resubmitted", "health-lead"),
        ("Approved", "manager"),
    ]
    latest = health_action.history.first()
    assert latest.history_user == personas.manager
    assert latest.history_change_reason.startswith("Approved update by health-lead")
    history_page = client.get(reverse("actionplans:action_history", args=[health_action.pk]))
    html = history_page.content.decode()
    assert "manager" in html and "Green" in html and "Not rated" in html


def test_police_lead_cannot_submit_on_a_health_action(personas, health_action):
    with pytest.raises(PermissionDenied):
        services.update_submit(
            action=health_action, author=personas.police_lead, rag=RAG.RED, progress="x"
        )


def test_police_lead_submits_on_a_police_action(personas, police_action):
    update = services.update_submit(
        action=police_action, author=personas.police_lead, rag=RAG.GREEN, progress="Done."
    )
    assert update.status == UpdateStatus.PENDING


@pytest.mark.parametrize("writer", ["submit", "record"])
def test_every_writer_stores_an_update_the_same_way(personas, health_action, writer):
    """A lead's update and one the manager records for them: words trimmed, dated
    today, answering the round the action is in; only who and the status differ."""
    words = {
        "rag": RAG.AMBER,
        "progress": "  Pathway drafted.\n",
        "next_steps": "\tSign-off in May. ",
        "evidence": " Minutes of 3 May ",
    }
    if writer == "submit":
        update = services.update_submit(action=health_action, author=personas.health_lead, **words)
    else:
        update = services.update_record(action=health_action, recorder=personas.manager, **words)
    update.refresh_from_db()
    assert (update.progress, update.next_steps, update.evidence) == (
        "Pathway drafted.",
        "Sign-off in May.",
        "Minutes of 3 May",
    )
    assert update.as_at == timezone.localdate()
    assert update.status == (UpdateStatus.PENDING if writer == "submit" else UpdateStatus.APPROVED)
    assert (update.recorded_for_id is not None) == (writer == "record")


@pytest.mark.parametrize("persona", ["chair", "viewer", "health_lead", "police_lead"])
def test_only_the_manager_approves(personas, health_action, persona):
    update = services.update_submit(
        action=health_action, author=personas.health_lead, rag=RAG.AMBER, progress="x"
    )
    with pytest.raises(PermissionDenied):
        services.update_approve(update=update, approver=getattr(personas, persona))


def test_double_clicked_submit_creates_one_update(client, personas, health_action):
    client.force_login(personas.health_lead)
    key = str(uuid.uuid4())
    first = submit_form(client, health_action, progress="Once.", submission_key=key)
    second = submit_form(client, health_action, progress="Once.", submission_key=key)
    assert first.status_code == second.status_code == 302
    assert ProgressUpdate.objects.filter(action=health_action, progress="Once.").count() == 1


def test_changing_the_target_needs_a_reason_and_keeps_the_original(client, personas, health_action):
    client.force_login(personas.health_lead)
    response = submit_form(
        client, health_action, progress="Delayed by procurement.", proposed_target_text="Q2 2019/20"
    )
    assert response.status_code == 200
    assert "Give a reason for changing the target date." in response.content.decode()
    response = submit_form(
        client,
        health_action,
        progress="Delayed by procurement.",
        proposed_target_text="Q2 2019/20",
        target_change_reason="Procurement restarted.",
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get(action=health_action, status=UpdateStatus.PENDING)
    services.update_approve(update=update, approver=personas.manager)
    health_action.refresh_from_db()
    assert health_action.target_text == "Q2 2019/20"
    assert health_action.due_date == datetime.date(2019, 9, 30)
    assert health_action.original_target_text == "01/01/19"
    assert health_action.original_due_date == datetime.date(2019, 1, 1)
    assert ("slipped", "Slipped from 01/01/19") in health_action.flags()
    client.force_login(personas.viewer)
    html = client.get(health_action.plan.get_absolute_url()).content.decode()
    assert "slipped from 01/01/19" in html
    html = client.get(health_action.get_absolute_url()).content.decode()
    assert "Slipped from 01/01/19 to Q2 2019/20" in html


def test_manager_edit_of_target_needs_a_reason(personas, seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.3")
    with pytest.raises(ValidationError):
        services.action_update(
            action=action,
            editor=personas.manager,
            data={"target_text": "01/09/17"},
            expected_version=action.version,
        )
    services.action_update(
        action=action,
        editor=personas.manager,
        data={"target_text": "01/09/17"},
        expected_version=action.version,
        target_change_reason="UEA published late.",
    )
    action.refresh_from_db()
    assert (action.original_target_text, action.target_text) == ("01/06/17", "01/09/17")
    assert action.history.first().history_change_reason == "Target changed: UEA published late."


def test_second_of_two_edits_from_the_same_version_is_refused_showing_what_changed(
    client, personas, seed
):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="3.2")
    opened_version = action.version
    form = {
        "version": opened_version,
        "ref": action.ref,
        "text": action.text,
        "target_text": action.target_text,
        "lead_agency": action.lead_agency_id,
        "theme": action.theme_id,
        "rag": "amber",
        "progress": action.progress,
    }
    client.force_login(personas.manager)
    first = client.post(reverse("actionplans:action_edit", args=[action.pk]), form)
    assert first.status_code == 302
    second = client.post(
        reverse("actionplans:action_edit", args=[action.pk]), form | {"rag": "red"}
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Someone else changed this action while you were editing" in html
    assert "RAG status" in html and "Nothing you typed was saved" in html
    action.refresh_from_db()
    assert action.rag == RAG.AMBER


def test_hostile_html_in_an_update_is_shown_as_text(client, personas, health_action):
    client.force_login(personas.health_lead)
    submit_form(client, health_action, progress='<script>alert("x")</script>')
    client.force_login(personas.manager)
    html = client.get(reverse("actionplans:approval_queue")).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_100_kb_of_text_is_refused_with_a_message_and_nothing_saved(
    client, personas, health_action
):
    client.force_login(personas.health_lead)
    response = submit_form(client, health_action, progress="x" * 100_000)
    assert response.status_code == 200
    assert "Keep this to 20000 characters or fewer." in response.content.decode()
    assert not ProgressUpdate.objects.filter(action=health_action, author__isnull=False).exists()


def test_empty_update_is_refused_with_a_message(client, personas, health_action):
    client.force_login(personas.health_lead)
    response = submit_form(client, health_action)
    assert "Say what has been done or what happens next." in response.content.decode()


def test_lead_sees_their_agencies_actions_overdue_first(client, personas, seed):
    client.force_login(personas.health_lead)
    html = client.get(reverse("actionplans:my_actions")).content.decode()
    assert "Engage with clinicians in hospital" in html  # Norfolk health, CAP 2.1
    assert "Examine ways of sharing more information on mental health" in html  # TEWV
    assert "Review front line training for neglect" not in html  # police
    assert html.index("Overdue") < html.index("Report progress<span")


def test_chair_comments_and_everyone_reads_it(client, personas, health_action):
    client.force_login(personas.chair)
    response = client.post(
        reverse("actionplans:comment_add", args=[health_action.pk]),
        {"text": "PIQAG asks for the audit results."},
    )
    assert response.status_code == 302
    client.force_login(personas.viewer)
    assert (
        "PIQAG asks for the audit results."
        in client.get(health_action.get_absolute_url()).content.decode()
    )


def test_manager_creates_an_action_and_it_cites_reviews(client, personas, seed):
    plan = seed["norfolk-cap-2017"]
    finding = plan.actions.get(ref="2.1").sources.get(review__reference="Case L").finding
    client.force_login(personas.manager)
    response = client.post(
        reverse("actionplans:action_create", args=[plan.slug]),
        {
            "ref": "4.12",
            "text": "New learning event on <b>neglect</b>.",
            "target_text": "Q3 2017/18",
            "rag": "not_started",
            "findings": [finding.pk],
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(plan=plan, ref="4.12")
    assert action.due_date == datetime.date(2017, 12, 31)
    assert list(action.sources.values_list("finding__number", flat=True)) == ["6"]
    assert action.history.first().history_user == personas.manager
    # A duplicate ref is refused with a clear message.
    response = client.post(
        reverse("actionplans:action_create", args=[plan.slug]),
        {"ref": "4.12", "text": "Again", "rag": "not_started"},
    )
    assert "already has an action with that reference" in response.content.decode()


def test_flags_computed_on_the_model(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    action.rag = RAG.GREEN
    on = datetime.date(2017, 7, 1)
    codes = [code for code, _ in action.flags(on)]
    assert "overdue" in codes and "contradiction" in codes
    assert "Green but past its due date" in action.rag_contradictions(on)
    soon = [code for code, _ in action.flags(datetime.date(2017, 5, 20))]
    assert "due-soon" in soon and "overdue" not in soon
    action.rag = RAG.RED
    action.progress = ""
    assert "Red with no progress update" in action.rag_contradictions(on)
    action.rag = RAG.BLUE
    action.evidence = ""
    assert "Complete without evidence or a progress update" in action.rag_contradictions(on)
    assert not action.is_overdue(on)
    action.rag = RAG.AMBER
    action.progress_as_at = datetime.date(2017, 1, 31)
    assert action.is_stale(datetime.date(2017, 1, 31) + datetime.timedelta(days=121))
    assert not action.is_stale(datetime.date(2017, 3, 1))


@pytest.fixture
def second_manager(django_user_model, health_action):
    user = django_user_model.objects.create_user("second-manager")
    Membership.objects.create(user=user, board=health_action.plan.board, role=Role.MANAGER)
    return user


def test_a_second_manager_approving_is_told_who_decided_first(
    client, personas, health_action, second_manager
):
    """Two business managers click Approve on the same update: the second changes nothing."""
    second = second_manager
    update = services.update_submit(
        action=health_action, author=personas.health_lead, rag=RAG.RED, progress="First."
    )
    services.update_approve(update=update, approver=personas.manager)
    history = health_action.history.count()
    client.force_login(second)
    url = reverse("actionplans:update_approve", args=[update.pk])
    response = client.post(url, {"next": "queue"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("actionplans:approval_queue")
    text = response.content.decode()
    assert (
        f"The update on action {health_action.ref} was already approved by "
        f"{personas.manager}. Nothing was changed." in text
    )
    update.refresh_from_db()
    assert (update.status, update.decided_by) == (UpdateStatus.APPROVED, personas.manager)
    assert health_action.history.count() == history
    # Returning it now is refused the same way, form or not.
    response = client.get(reverse("actionplans:update_return", args=[update.pk]), follow=True)
    assert "was already approved by" in response.content.decode()
    with pytest.raises(services.AlreadyDecided):
        services.update_return(update=update, manager=second, reason="Too late.")
    # Someone who is not a manager of the board still gets 403, decided or not.
    client.force_login(personas.chair)
    assert client.post(url).status_code == 403


def test_an_update_approved_while_its_author_changes_it_loses_nothing(
    client, personas, health_action
):
    """The lead opens "Change your update"; the manager approves; the lead then saves."""
    before = ProgressUpdate.objects.filter(action=health_action).count()
    update = services.update_submit(
        action=health_action, author=personas.health_lead, rag=RAG.AMBER, progress="Draft."
    )
    client.force_login(personas.health_lead)
    edit_url = reverse("actionplans:update_edit", args=[update.pk])
    assert client.get(edit_url).status_code == 200
    services.update_approve(update=update, approver=personas.manager)

    data = {"rag": "green", "progress": "Audit finished: 40 cases.", "next_steps": ""}
    data |= {"evidence": "", "proposed_target_text": "", "target_change_reason": ""}
    response = client.post(edit_url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Your update was approved by {personas.manager} while you were changing it." in text
    assert "Audit finished: 40 cases." in text  # what they wrote is still there
    submit_url = reverse("actionplans:update_submit", args=[health_action.pk])
    assert f'action="{submit_url}"' in text
    update.refresh_from_db()
    assert (update.status, update.progress) == (UpdateStatus.APPROVED, "Draft.")
    assert ProgressUpdate.objects.filter(action=health_action).count() == before + 1

    # Sending it makes a new update; opening the old one's edit page says why it cannot.
    key = re.search(r'name="submission_key" value="([^"]+)"', text)[1]
    assert client.post(submit_url, data | {"submission_key": key}).status_code == 302
    assert ProgressUpdate.objects.filter(
        action=health_action, status=UpdateStatus.PENDING, progress="Audit finished: 40 cases."
    ).exists()
    response = client.get(edit_url, follow=True)
    assert "so it can no longer be changed" in response.content.decode()
    with pytest.raises(services.AlreadyDecided):
        services.update_edit(update=update, editor=personas.health_lead, data={"progress": "x"})
    # Not the author: still refused.
    client.force_login(personas.police_lead)
    assert client.post(edit_url, data).status_code in (403, 404)
