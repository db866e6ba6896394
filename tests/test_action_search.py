"""The action list's text search finds the same actions on SQLite and PostgreSQL.

PostgreSQL searches a stored, indexed search vector (migration 0009) that a trigger
keeps current on every save, bulk insert and import COPY; SQLite searches the
columns. Both are checked against one reading of the rule: every word of the search
starts a word of the action's ref, text, progress, lead or target (or every word is
in its objective). The same tests run on both databases (`DATABASE_URL`).
"""

import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse

from actionplans.filters import SEARCH_FIELDS, search_words, text_search
from actionplans.importing.bulk import create_with_history
from actionplans.models import Action, Plan
from actionplans.synthetic import generate_actions

pytestmark = pytest.mark.django_db

# Whole words and refs, for which "starts a word" (PostgreSQL) and "anywhere"
# (SQLite) agree on the seed plans.
SEARCHES = [
    "neglect",
    "Neglect audit",
    "NSCB",
    "multi-agency",
    "social care",
    "health",
    "2.4",
    "1.10",
    "Sep 2014",
    "UEA research",
    "training",
]


def expected(search: str) -> set[int]:
    """Ids of the actions the rule finds, read in Python."""
    words = search_words(search)
    found = set()
    for action in Action.objects.select_related("objective"):
        text = " ".join(getattr(action, name) or "" for name in SEARCH_FIELDS).lower()
        starts = set(re.findall(r"[^\W_]+(?:\.[^\W_]+)*", text))
        in_fields = all(any(w.startswith(word) for w in starts) for word in words)
        objective = (action.objective.text if action.objective else "").lower()
        in_objective = bool(objective) and all(word in objective for word in words)
        if in_fields or in_objective:
            found.add(action.pk)
    return found


def found(search: str) -> set[int]:
    return set(Action.objects.filter(text_search(search)).values_list("pk", flat=True))


@pytest.mark.parametrize("search", SEARCHES)
def test_search_finds_the_actions_with_every_word(seed, search):
    result = found(search)
    assert result == expected(search), connection.vendor
    if search not in ("1.10",):
        assert result, f"{search!r} finds nothing in the seed plans"


def test_every_word_must_be_there_not_the_phrase(seed):
    both = found("neglect audit")
    assert both <= found("neglect") & (found("audit") | found("neglect audit"))
    assert found("audit neglect") == both


def test_a_search_of_no_words_keeps_every_action(seed):
    assert found("  -- , ") == set(Action.objects.values_list("pk", flat=True))


def test_the_list_page_searches(client, personas, seed):
    client.force_login(personas.viewer)
    response = client.get(reverse("actionplans:action_list"), {"q": "UEA research"})
    assert response.status_code == 200
    assert response.context["result_count"] == len(expected("UEA research")) > 0


def test_an_edited_action_is_found_by_its_new_words(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.4")
    assert action.pk not in found("zanzibar")
    action.text = "Hold a Zanzibar workshop"
    action.save()
    assert found("zanzibar") == {action.pk}
    Action.objects.filter(pk=action.pk).update(progress="Quixotic progress")
    assert found("quixotic") == {action.pk}


def test_actions_written_in_bulk_are_found(seed):
    plan = Plan.objects.get(slug="norfolk-cap-2017")
    when = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    rows = [
        Action(plan=plan, ref=f"9.{n}", text=f"Imported xylophone task {n}", position=900 + n)
        for n in range(3)
    ]
    create_with_history(rows, Action, author=None, reason="Imported", when=when)
    assert found("xylophone") == {row.pk for row in rows}


def test_synthetic_actions_are_found(db):
    generate_actions(actions=40, history=0)
    words = Action.objects.values_list("text", flat=True).first().split()
    word = max(words, key=len).strip(".,;:").lower()
    assert found(word) == expected(word) != set()


@pytest.mark.parametrize("whole_ids_up_to", [0, 1000], ids=["ids by page", "ids whole"])
@pytest.mark.parametrize("sort", ["plan", "due", "-due", "rag", "agency"])
def test_pages_read_ids_first_follow_the_sort(seed, personas, sort, whole_ids_up_to):
    from actionplans.pagination import IdsFirstPaginator
    from actionplans.selectors import action_list

    actions, _ = action_list(user=personas.viewer, filters={"sort": sort})
    everything = list(actions.values_list("pk", flat=True))
    paginator = IdsFirstPaginator(actions, 25, whole_ids_up_to=whole_ids_up_to)
    paged = [a.pk for n in paginator.page_range for a in paginator.page(n).object_list]
    assert paged == everything and len(everything) > 50
    first = paginator.page(1).object_list[0]
    assert first.plan.title and first.plan_id == actions.first().plan_id


@pytest.mark.parametrize("whole_ids_up_to", [0, 1000], ids=["ids by page", "ids whole"])
def test_pages_of_a_review_filter_hold_each_action_once(seed, personas, whole_ids_up_to):
    """The review filter joins the action's sources (an action can answer a review
    twice, through two findings); the pages still list each action once, in order."""
    from actionplans.models import ActionSource
    from actionplans.pagination import IdsFirstPaginator
    from actionplans.selectors import action_list

    source = ActionSource.objects.filter(finding__isnull=False).select_related("action").first()
    other = source.review.findings.exclude(pk=source.finding_id).first()
    ActionSource.objects.create(action=source.action, review=source.review, finding=other)
    actions, _ = action_list(user=personas.viewer, filters={"review": str(source.review_id)})
    everything = list(actions.values_list("pk", flat=True))
    paginator = IdsFirstPaginator(actions, 10, whole_ids_up_to=whole_ids_up_to)
    paged = [a.pk for n in paginator.page_range for a in paginator.page(n).object_list]
    assert paged == everything and len(set(paged)) == len(paged) and source.action_id in paged
