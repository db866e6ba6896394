"""Every id on a page is unique: a label then ticks its own box, never another's.

The pages are those the browser journeys visit (tests/test_browser_journeys.py),
with the report pages, where the board pack, whole-board pack and "changes since"
forms sit side by side. The journeys check the same in the browser.
"""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from actionplans.models import Action, Round

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id" and value]


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(value for value, count in Counter(parser.ids).items() if count > 1)


def journey_pages(seed) -> dict[str, list[str]]:
    """Paths the browser journeys (and the reports) show, by the user who sees them."""
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    cap = "norfolk-cap-2017"
    return {
        "manager": [
            "/",
            reverse("actionplans:action_list"),
            reverse("actionplans:action_detail", args=[action.pk]),
            reverse("actionplans:plan_detail", args=["stockton-jtai-neglect-2018"]),
            reverse("actionplans:people_list"),
            reverse("actionplans:person_add", args=["norfolk"]),
            reverse("actionplans:round_list"),
            reverse("actionplans:round_open", args=["norfolk"]),
            reverse("actionplans:two_factor"),
            reverse("reporting:plan_reports", args=[cap]),
            reverse("reporting:exceptions", args=[cap]),
            reverse("reporting:changes", args=[cap]),
            reverse("reporting:changes", args=[cap]) + "?since=2020-01-01",
        ],
        "health-lead": [
            "/",
            reverse("actionplans:my_actions"),
            reverse("actionplans:update_submit", args=[action.pk]),
            reverse("actionplans:action_detail", args=[action.pk]),
        ],
        "chair": [
            reverse("reporting:plan_reports", args=[cap]),
            reverse("reporting:plan_reports", args=["stockton-ofsted-cp-2013"]),
        ],
    }


def test_the_report_forms_do_not_share_ids(client, personas):
    client.force_login(personas.chair)
    html = client.get(reverse("reporting:plan_reports", args=["norfolk-cap-2017"])).content
    html = html.decode()
    assert 'for="id_public"' in html and 'id="id_public"' in html  # the plan's pack
    assert 'for="changes_public"' in html and 'id="changes_public"' in html
    assert 'for="board_public"' in html and 'id="board_public"' in html
    assert duplicate_ids(html) == []


def test_no_page_of_the_journeys_repeats_an_id(client, seed, personas):
    users = {"manager": personas.manager, "health-lead": personas.health_lead}
    users["chair"] = personas.chair
    assert not Round.objects.exists()
    for username, paths in journey_pages(seed).items():
        client.force_login(users[username])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (username, path, response.status_code)
            assert duplicate_ids(response.content.decode()) == [], (username, path)
