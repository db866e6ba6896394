"""Integrity of approvals: the manager approves what they read, nobody approves their
own update, every step is in the history, and an action has one waiting update."""

import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import policy, selectors, services
from actionplans.forms import ProgressUpdateForm
from actionplans.models import RAG, Action, Agency, Membership, ProgressUpdate, Role, UpdateStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(seed):
    """CAP 2.1, led by a Norfolk health body: the health lead reports on it."""
    return Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")


@pytest.fixture
def manager_lead(django_user_model, action):
    """A business manager of the board who also leads for the action's agency."""
    user = django_user_model.objects.create_user("manager-lead", first_name="Pat Jones")
    board = action.plan.board
    Membership.objects.create(user=user, board=board, role=Role.MANAGER)
    lead = Membership.objects.create(user=user, board=board, role=Role.LEAD)
    lead.agencies.add(action.lead_agency)
    return user


@pytest.fixture
def second_lead(django_user_model, action):
    """Another lead for the same agency."""
    user = django_user_model.objects.create_user("second-lead", first_name="Sam Lee")
    membership = Membership.objects.create(user=user, board=action.plan.board, role=Role.LEAD)
    membership.agencies.add(action.lead_agency)
    return user


def submit(action, author, progress="Audit under way.", **fields):
    return services.update_submit(
        action=action, author=author, rag=fields.pop("rag", RAG.AMBER), progress=progress, **fields
    )


def edit_data(update, **fields):
    data = {"rag": update.rag, "progress": update.progress, "next_steps": update.next_steps}
    data |= {"evidence": "", "proposed_target_text": "", "target_change_reason": ""}
    return data | {"version": update.version} | fields


def _html(response) -> str:
    return response.content.decode()


# The manager approves the version they read.


def test_every_change_of_an_update_bumps_its_version(personas, action):
    update = submit(action, personas.health_lead)
    assert update.version == 1
    update = services.update_return(
        update=update, manager=personas.manager, reason="Say who.", expected_version=1
    )
    assert update.version == 2
    update = services.update_edit(
        update=update,
        editor=personas.health_lead,
        data={"progress": "Audit under way: NNUH."},
        expected_version=2,
    )
    assert (update.version, update.status) == (3, UpdateStatus.PENDING)
    update = services.update_edit(
        update=update, editor=personas.health_lead, data={"rag": RAG.GREEN}, expected_version=3
    )
    assert update.version == 4
    update = services.update_approve(update=update, approver=personas.manager, expected_version=4)
    assert (update.version, update.status) == (5, UpdateStatus.APPROVED)


def test_approving_an_update_changed_since_it_was_read_is_refused_with_the_changes(
    personas, action
):
    update = submit(action, personas.health_lead, progress="Draft pathway.")
    read = update.version
    services.update_edit(
        update=update,
        editor=personas.health_lead,
        data={"progress": "Pathway withdrawn.", "rag": RAG.RED},
        expected_version=read,
    )
    before = Action.objects.get(pk=action.pk)

    with pytest.raises(services.StaleUpdateError) as refused:
        services.update_approve(update=update, approver=personas.manager, expected_version=read)

    changes = {change.field: (change.yours, change.theirs) for change in refused.value.changes}
    assert changes == {
        "Progress to date": ("Draft pathway.", "Pathway withdrawn."),
        "RAG status": ("Amber", "Red"),
    }
    assert refused.value.who == str(personas.health_lead)
    update.refresh_from_db()
    assert (update.status, update.decided_by) == (UpdateStatus.PENDING, None)
    after = Action.objects.get(pk=action.pk)
    assert (after.rag, after.progress, after.version) == (
        before.rag,
        before.progress,
        before.version,
    )


def test_manager_approving_a_changed_update_gets_409_and_can_approve_what_is_there_now(
    client, personas, action
):
    update = submit(action, personas.health_lead, progress="Draft pathway.")
    client.force_login(personas.manager)
    queue = _html(client.get(reverse("actionplans:approval_queue")))
    read = re.search(
        rf'action="{reverse("actionplans:update_approve", args=[update.pk])}">.*?'
        r'name="version" value="(\d+)"',
        queue,
        re.S,
    )[1]
    assert read == str(update.version)
    services.update_edit(
        update=update,
        editor=personas.health_lead,
        data={"progress": "Pathway withdrawn."},
        expected_version=update.version,
    )

    url = reverse("actionplans:update_approve", args=[update.pk])
    response = client.post(url, {"version": read, "next": "queue"})

    assert response.status_code == 409
    html = _html(response)
    assert "This update changed after you opened it" in html
    assert "Nothing was approved." in html
    assert "Draft pathway." in html and "Pathway withdrawn." in html
    update.refresh_from_db()
    assert update.status == UpdateStatus.PENDING
    action.refresh_from_db()
    assert action.progress != "Pathway withdrawn."
    # The page offers the update as it is now: approving that works.
    assert f'name="version" value="{update.version}"' in html
    response = client.post(url, {"version": update.version, "next": "queue"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.progress == "Pathway withdrawn."


def test_approving_without_a_version_approves_nothing(client, personas, action):
    update = submit(action, personas.health_lead)
    client.force_login(personas.manager)
    response = client.post(reverse("actionplans:update_approve", args=[update.pk]))
    assert response.status_code == 400
    assert "Nothing was approved" in _html(response)
    update.refresh_from_db()
    assert update.status == UpdateStatus.PENDING


def test_the_action_page_approve_button_posts_the_version_shown(client, personas, action):
    update = submit(action, personas.health_lead)
    client.force_login(personas.manager)
    html = _html(client.get(action.get_absolute_url()))
    approve = reverse("actionplans:update_approve", args=[update.pk])
    assert re.search(rf'action="{approve}">.*?name="version" value="{update.version}"', html, re.S)


def test_returning_an_update_changed_since_it_was_read_is_refused(client, personas, action):
    update = submit(action, personas.health_lead, progress="Draft pathway.")
    client.force_login(personas.manager)
    url = reverse("actionplans:update_return", args=[update.pk])
    form = _html(client.get(url))
    assert f'name="version" value="{update.version}"' in form
    services.update_edit(
        update=update,
        editor=personas.health_lead,
        data={"progress": "Pathway agreed by all providers."},
        expected_version=update.version,
    )

    response = client.post(url, {"version": 1, "return_reason": "Say which providers."})

    assert response.status_code == 409
    html = _html(response)
    assert "Nothing was returned." in html and "Pathway agreed by all providers." in html
    assert "Say which providers." in html  # what the manager typed is kept
    update.refresh_from_db()
    assert (update.status, update.return_reason) == (UpdateStatus.PENDING, "")


def test_two_saves_of_the_same_change_form_do_not_overwrite_each_other(client, personas, action):
    update = submit(action, personas.health_lead, progress="Draft pathway.")
    client.force_login(personas.health_lead)
    url = reverse("actionplans:update_edit", args=[update.pk])
    opened = edit_data(update)

    first = client.post(url, opened | {"progress": "Pathway agreed."})
    assert first.status_code == 302
    # The same form sent again unchanged (a resent request) changes nothing, quietly.
    records = update.history.count()
    again = client.post(url, opened | {"progress": "Pathway agreed."})
    assert again.status_code == 302
    assert update.history.count() == records
    # The same form saved with other words is refused, showing what changed.
    second = client.post(url, opened | {"progress": "Pathway dropped."})
    assert second.status_code == 409
    html = _html(second)
    assert "This update changed after you opened it" in html
    assert "Nothing you typed was saved." in html
    assert "Draft pathway." in html and "Pathway agreed." in html
    assert "Pathway dropped." in html  # what they typed is still in the form
    update.refresh_from_db()
    assert update.progress == "Pathway agreed."
    # Having seen the changes, sending it again is a choice: the form is now current.
    current = re.search(r'name="version" value="(\d+)"', html)[1]
    assert current == str(update.version)
    assert (
        client.post(url, opened | {"progress": "Pathway dropped.", "version": current}).status_code
        == 302
    )
    update.refresh_from_db()
    assert update.progress == "Pathway dropped."


def test_a_lead_saving_an_update_returned_meanwhile_is_shown_the_return(client, personas, action):
    update = submit(action, personas.health_lead)
    client.force_login(personas.health_lead)
    url = reverse("actionplans:update_edit", args=[update.pk])
    opened = edit_data(update)
    services.update_return(
        update=update, manager=personas.manager, reason="Add the audit dates.", expected_version=1
    )

    response = client.post(url, opened | {"progress": "Audit finished."})

    assert response.status_code == 409
    html = _html(response)
    assert "Awaiting approval" in html and "Returned" in html
    assert "Add the audit dates." in html
    update.refresh_from_db()
    assert (update.status, update.progress) == (UpdateStatus.RETURNED, "Audit under way.")


def test_changing_an_update_needs_the_version_it_was_opened_at(client, personas, action):
    update = submit(action, personas.health_lead)
    client.force_login(personas.health_lead)
    data = edit_data(update, progress="Changed.")
    del data["version"]
    response = client.post(reverse("actionplans:update_edit", args=[update.pk]), data)
    assert response.status_code == 200
    assert "This form is out of date: open your update again." in _html(response)
    update.refresh_from_db()
    assert update.progress == "Audit under way."


# Nobody approves their own update.


def test_a_manager_who_is_also_the_lead_cannot_approve_or_return_their_own_update(
    personas, action, manager_lead
):
    update = submit(action, manager_lead)
    assert not policy.can_approve_update(manager_lead, update)
    assert not policy.can_decide_updates(manager_lead, update)
    assert policy.wrote_update_to_decide(manager_lead, update)
    with pytest.raises(PermissionDenied):
        services.update_approve(update=update, approver=manager_lead, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.update_approve(update=update, approver=manager_lead)
    with pytest.raises(PermissionDenied):
        services.update_return(update=update, manager=manager_lead, reason="Mine.")
    update.refresh_from_db()
    assert update.status == UpdateStatus.PENDING
    # Another business manager approves it.
    assert policy.can_approve_update(personas.manager, update)
    services.update_approve(update=update, approver=personas.manager, expected_version=1)
    update.refresh_from_db()
    assert (update.status, update.decided_by) == (UpdateStatus.APPROVED, personas.manager)


def test_approving_your_own_update_is_refused_by_the_url(client, action, manager_lead):
    update = submit(action, manager_lead)
    client.force_login(manager_lead)
    approve = reverse("actionplans:update_approve", args=[update.pk])
    assert client.post(approve, {"version": update.version}).status_code == 403
    give_back = reverse("actionplans:update_return", args=[update.pk])
    assert client.get(give_back).status_code == 403
    assert client.post(give_back, {"version": 1, "return_reason": "x"}).status_code == 403
    update.refresh_from_db()
    assert update.status == UpdateStatus.PENDING


def test_your_own_update_is_not_offered_for_approval_and_the_page_says_why(
    client, personas, action, manager_lead
):
    update = submit(action, manager_lead)
    approve = reverse("actionplans:update_approve", args=[update.pk])
    client.force_login(manager_lead)
    for url in (action.get_absolute_url(), reverse("actionplans:approval_queue")):
        html = _html(client.get(url))
        assert "You wrote this update: another business manager approves it." in html
        assert approve not in html
        assert reverse("actionplans:update_return", args=[update.pk]) not in html
    # Another manager is offered both.
    client.force_login(personas.manager)
    for url in (action.get_absolute_url(), reverse("actionplans:approval_queue")):
        html = _html(client.get(url))
        assert approve in html and "You wrote this update" not in html


def test_an_update_recorded_on_behalf_of_the_agency_is_approved_at_once(personas, action):
    update = services.update_record(
        action=action, recorder=personas.manager, rag=RAG.GREEN, progress="Told by phone."
    )
    assert (update.status, update.decided_by) == (UpdateStatus.APPROVED, personas.manager)
    action.refresh_from_db()
    assert action.progress == "Told by phone."


# The history shows every step of an update.


def _journey(action, personas):
    update = submit(action, personas.health_lead, progress="Draft pathway.")
    update = services.update_edit(
        update=update,
        editor=personas.health_lead,
        data={"progress": "Pathway drafted with NNUH."},
        expected_version=1,
    )
    update = services.update_return(
        update=update,
        manager=personas.manager,
        reason="Say which providers signed up.",
        expected_version=2,
    )
    update = services.update_edit(
        update=update,
        editor=personas.health_lead,
        data={"progress": "NNUH and NCH&C signed up.", "rag": RAG.GREEN},
        expected_version=3,
    )
    return services.update_approve(update=update, approver=personas.manager, expected_version=4)


def test_history_page_shows_every_step_of_an_update_newest_first(client, personas, action):
    _journey(action, personas)
    services.update_record(
        action=action, recorder=personas.manager, rag=RAG.GREEN, progress="Told by phone."
    )
    client.force_login(personas.viewer)
    html = _html(client.get(reverse("actionplans:action_history", args=[action.pk])))

    steps = [
        f"Update recorded on behalf of {action.lead_agency}",
        "Update approved",
        "Update changed and resubmitted",
        "Update returned",
        "Update changed",
        "Update submitted",
    ]
    positions = [html.index(f"<strong>{step}</strong>") for step in steps]
    assert positions == sorted(positions)
    assert "Reason: Say which providers signed up." in html
    # Text changes before and after, as for the action itself.
    assert "Draft pathway." in html and "Pathway drafted with NNUH." in html
    assert "NNUH and NCH&amp;C signed up." in html
    assert "Amber" in html and "Green" in html
    # The action's own change (the approval applying the update) is still there.
    assert "Approved update by health-lead" in html

    entries = selectors.action_timeline(action)
    returned = next(entry for entry in entries if entry.kind == "Update returned")
    assert (returned.who, returned.reason) == ("manager", "Say which providers signed up.")
    changed = next(entry for entry in entries if entry.kind == "Update changed")
    assert [(c.field, c.old, c.new) for c in changed.changes] == [
        ("Progress to date", "Draft pathway.", "Pathway drafted with NNUH.")
    ]
    assert [entry.when for entry in entries] == sorted(
        (entry.when for entry in entries), reverse=True
    )


def test_history_reads_a_constant_number_of_queries(
    client, personas, action, django_assert_max_num_queries
):
    other_agency = Agency.objects.filter(board=action.plan.board).exclude(pk=action.lead_agency_id)[
        0
    ]

    def grow():
        _journey(action, personas)
        services.action_update(
            action=action,
            editor=personas.manager,
            data={"lead_agency": other_agency},
            expected_version=Action.objects.get(pk=action.pk).version,
        )
        services.action_update(
            action=action,
            editor=personas.manager,
            data={"lead_agency": Agency.objects.get(pk=action.lead_agency_id)},
            expected_version=Action.objects.get(pk=action.pk).version,
        )

    grow()
    with CaptureQueriesContext(connection) as small:
        entries = selectors.action_timeline(action)
    small_size = len(entries)
    client.force_login(personas.viewer)
    url = reverse("actionplans:action_history", args=[action.pk])
    with CaptureQueriesContext(connection) as small_page:
        client.get(url)

    grow()
    grow()
    assert len(selectors.action_timeline(action)) > small_size * 2
    assert any(change.field == "Lead agency" for e in entries for change in e.changes)
    with django_assert_max_num_queries(len(small)):
        selectors.action_timeline(action)
    with django_assert_max_num_queries(len(small_page)):
        assert client.get(url).status_code == 200


# The update form.


@pytest.mark.parametrize("rag", [RAG.NOT_RATED, RAG.AMBER, RAG.BLUE, RAG.NOT_STARTED])
def test_the_rag_choice_starts_from_the_actions_current_status(client, personas, action, rag):
    Action.objects.filter(pk=action.pk).update(rag=rag)  # a fixture, not an audited change
    action.refresh_from_db()
    form = ProgressUpdateForm(action=action)
    assert form["rag"].value() == rag
    assert rag in [value for value, _ in form.fields["rag"].choices]
    client.force_login(personas.health_lead)
    html = _html(client.get(reverse("actionplans:update_submit", args=[action.pk])))
    assert re.search(rf'<option value="{rag}"[^>]*selected', html)


def test_not_rated_is_offered_only_to_an_action_not_rated(action):
    Action.objects.filter(pk=action.pk).update(rag=RAG.GREEN)
    action.refresh_from_db()
    choices = [value for value, _ in ProgressUpdateForm(action=action).fields["rag"].choices]
    assert RAG.NOT_RATED not in choices and RAG.GREEN in choices


def test_the_update_form_marks_only_optional_fields_optional(client, personas, action):
    client.force_login(personas.health_lead)
    html = _html(client.get(reverse("actionplans:update_submit", args=[action.pk])))
    labels = {
        re.sub(r"\s+", " ", label).strip()
        for label in re.findall(
            r'<label class="govuk-label[^"]*" for="[^"]+">(.*?)</label>', html, re.S
        )
    }
    assert "What has been done" in labels and "What happens next" in labels
    assert "Reason for the new target date" in labels
    assert "Evidence of impact (optional)" in labels
    assert "New target date (optional)" in labels
    assert "Fill in this, what happens next, or both." in html
    assert "Needed if you give a new target date." in html
    assert "RAG status you propose" in labels


# One waiting update an action.


def test_report_progress_is_not_offered_while_the_leads_update_waits(client, personas, action):
    submit_url = reverse("actionplans:update_submit", args=[action.pk])
    client.force_login(personas.health_lead)
    for url in (action.get_absolute_url(), reverse("actionplans:my_actions")):
        assert f'href="{submit_url}"' in _html(client.get(url)), url

    update = submit(action, personas.health_lead)
    edit_url = reverse("actionplans:update_edit", args=[update.pk])
    for url in (action.get_absolute_url(), reverse("actionplans:my_actions")):
        html = _html(client.get(url))
        assert f'href="{submit_url}"' not in html, url
        assert f'href="{edit_url}"' in html and "Change your update" in html, url


def test_another_lead_is_told_whose_update_is_waiting(client, personas, action, second_lead):
    update = submit(action, personas.health_lead)
    submit_url = reverse("actionplans:update_submit", args=[action.pk])
    waiting = f"An update by {update.byline} is waiting for approval"
    client.force_login(second_lead)
    for url in (action.get_absolute_url(), reverse("actionplans:my_actions")):
        html = _html(client.get(url))
        assert waiting in html, url
        assert f'href="{submit_url}"' not in html, url
        assert reverse("actionplans:update_edit", args=[update.pk]) not in html, url


def test_the_submit_url_sends_the_author_to_change_their_waiting_update(client, personas, action):
    update = submit(action, personas.health_lead)
    url = reverse("actionplans:update_submit", args=[action.pk])
    client.force_login(personas.health_lead)

    response = client.get(url)
    assert response.status_code == 302
    assert response.url == reverse("actionplans:update_edit", args=[update.pk])

    # A second form sent anyway becomes a change to the waiting update, nothing lost.
    data = edit_data(update, progress="Second thoughts.") | {"submission_key": str(uuid.uuid4())}
    del data["version"]
    response = client.post(url, data)
    assert response.status_code == 200
    html = _html(response)
    assert "Second thoughts." in html
    assert f'action="{reverse("actionplans:update_edit", args=[update.pk])}"' in html
    assert ProgressUpdate.objects.filter(action=action, status=UpdateStatus.PENDING).count() == 1


def test_the_submit_url_tells_another_lead_an_update_is_waiting(
    client, personas, action, second_lead
):
    update = submit(action, personas.health_lead)
    url = reverse("actionplans:update_submit", args=[action.pk])
    client.force_login(second_lead)

    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == action.get_absolute_url()
    assert f"An update by {update.byline} is waiting for approval" in _html(response)

    data = edit_data(update, progress="Mine too.") | {"submission_key": str(uuid.uuid4())}
    response = client.post(url, data)
    assert response.status_code == 409
    html = _html(response)
    assert "Mine too." in html and "Send for approval" not in html
    assert not ProgressUpdate.objects.filter(action=action, progress="Mine too.").exists()


def test_a_double_clicked_submit_still_stores_one_update(client, personas, action):
    client.force_login(personas.health_lead)
    url = reverse("actionplans:update_submit", args=[action.pk])
    data = {"rag": "amber", "progress": "Once.", "next_steps": "", "evidence": ""}
    data |= {"proposed_target_text": "", "target_change_reason": ""}
    data |= {"submission_key": str(uuid.uuid4())}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second.url == action.get_absolute_url()
    assert ProgressUpdate.objects.filter(action=action, progress="Once.").count() == 1
