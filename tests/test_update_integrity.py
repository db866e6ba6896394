"""Integrity of approvals: the manager approves what they read, nobody approves their
own update, every step is in the history, and an action has one waiting update."""

import re

import pytest
from django.urls import reverse

from actionplans.forms import ProgressUpdateForm
from actionplans.models import RAG, Action

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(seed):
    """CAP 2.1, led by a Norfolk health body: the health lead reports on it."""
    return Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")


def _html(response) -> str:
    return response.content.decode()


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
