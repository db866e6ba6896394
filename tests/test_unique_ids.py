"""Every id on a page is unique: a label then ticks its own box, never another's.

The pages scanned are every page the browser journeys open (tests/test_browser_journeys.py),
and more: the pages each role (viewer, lead, chair, manager) sees, the round's pages
with a round open, the dashboards with and without filters, and the report pages,
where the board pack, whole-board pack and "changes since" forms sit side by side.

A journey page cannot be forgotten: `JOURNEY_VIEWS` names the view of every page the
journeys open. The journeys record every address they go to (clicked links too) and
fail on one whose view is not named there; the test here fails if a path written in
the journeys resolves to a view not named there, or if it scans no page of a view
that is. The journeys also count the ids in the browser itself, after scripts and
htmx swaps (axe 4.14's own duplicate-id rules are deprecated and off, so axe does not).
"""

import ast
import datetime
import time
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_otp.oath import TOTP

from actionplans import services, two_factor
from actionplans.models import (
    RAG,
    Action,
    Agency,
    Message,
    MessageKind,
    ProgressUpdate,
    Round,
    UpdateStatus,
)

pytestmark = pytest.mark.django_db

JOURNEYS = Path(__file__).with_name("test_browser_journeys.py")
CAP = "norfolk-cap-2017"

# The view of every page the browser journeys open (checked from both sides: see above).
JOURNEY_VIEWS = frozenset(
    {
        "login",
        "actionplans:plan_list",
        "actionplans:plan_detail",
        "actionplans:action_list",
        "actionplans:action_detail",
        "actionplans:my_actions",
        "actionplans:update_submit",
        "actionplans:update_edit",
        "actionplans:approval_queue",
        "actionplans:evidence_add",
        "actionplans:people_list",
        "actionplans:person_add",
        "actionplans:review_list",
        "actionplans:agency_list",
        "actionplans:round_list",
        "actionplans:round_open",
        "actionplans:round_detail",
        "actionplans:round_decisions",
        "imports:choose_board",
        "actionplans:outbox",
        "actionplans:message_detail",
        "imports:upload",
        "imports:preview",
        "actionplans:two_factor_setup",
        "actionplans:two_factor_verify",
        "reporting:board_dashboard",
        "reporting:plan_dashboard",
        "reporting:plan_reports",
    }
)
# Of those, the pages of two-factor sign-in: `test_the_two_factor_pages_...` scans them.
TWO_FACTOR_VIEWS = frozenset({"actionplans:two_factor_setup", "actionplans:two_factor_verify"})


def view_of(path: str) -> str:
    return resolve(urlsplit(path).path).view_name


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


@dataclass
class Visit:
    """A page as someone sees it: a GET, or the page a POST of `data` answers with."""

    path: str
    data: dict | None = None
    shows: str = ""  # words that prove it is the page meant (a preview, an error...)
    follow: bool = False  # the POST answers with a redirect: the page it leads to


def _date(prefix: str, day: datetime.date) -> dict:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def journey_pages(seed, round: Round) -> dict[str, list[Visit]]:
    """The pages the browser journeys (and the reports) show, by who sees them."""
    action = Action.objects.get(plan__slug=CAP, ref="2.1")  # the lead's update waits on it
    other = Action.objects.get(plan__slug=CAP, ref="2.2")  # the lead's too, no update yet
    health = Agency.objects.get(board__slug="norfolk", short_name="Health")
    board_dashboard = reverse("reporting:board_dashboard", args=["norfolk"])
    plan_dashboard = reverse("reporting:plan_dashboard", args=[CAP])
    round_detail = reverse("actionplans:round_detail", args=[round.pk])
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    returned = Message.objects.create(
        key="returned:ids",
        kind=MessageKind.RETURNED,
        board=health.board,
        to_email="health-lead@example.org",
        subject="Your update on action 2.1 was returned",
        text="Please say which teams the training reached.",
    )
    everyone = [
        Visit("/"),
        Visit(reverse("actionplans:action_list")),
        Visit(reverse("actionplans:action_list") + "?rag=blue"),
        Visit(reverse("actionplans:plan_detail", args=[CAP])),
        Visit(reverse("actionplans:plan_detail", args=["stockton-jtai-neglect-2018"])),
        Visit(board_dashboard),
        Visit(f"{board_dashboard}?agency={health.pk}"),
        Visit(f"{board_dashboard}?plan={CAP}&rag=amber&rag=red&overdue=true"),
        Visit(plan_dashboard),
        Visit(f"{plan_dashboard}?agency={health.pk}&rag=green"),
    ]
    return {
        "anonymous": [Visit(reverse("login")), Visit(reverse("login") + "?next=/actions/")],
        "viewer": everyone,
        "health-lead": [
            *everyone,
            Visit(reverse("actionplans:my_actions")),
            Visit(reverse("actionplans:action_detail", args=[action.pk])),
            Visit(reverse("actionplans:update_submit", args=[other.pk])),
            Visit(
                reverse(
                    "actionplans:update_edit",
                    args=[action.updates.get(status=UpdateStatus.PENDING).pk],
                )
            ),
            Visit(round_detail),
            Visit(reverse("actionplans:offline_return_upload", args=[round.pk])),
            Visit(reverse("actionplans:evidence_add", args=[action.pk])),
            Visit(  # nothing chosen: the error summary
                reverse("actionplans:evidence_add", args=[action.pk]),
                data={},
                shows="Choose a file to attach.",
            ),
        ],
        "chair": [
            *everyone,
            Visit(reverse("reporting:plan_reports", args=[CAP])),
            Visit(reverse("reporting:plan_reports", args=["stockton-ofsted-cp-2013"])),
        ],
        "manager": [
            *everyone,
            Visit(reverse("actionplans:action_detail", args=[action.pk])),
            Visit(reverse("actionplans:plan_detail", args=["norfolk-scr-case-l-2014"])),
            Visit(reverse("actionplans:approval_queue"), shows="Audit under way."),
            Visit(reverse("actionplans:review_list")),
            Visit(reverse("actionplans:agency_list")),
            Visit(reverse("actionplans:people_list")),
            Visit(reverse("actionplans:person_add", args=["norfolk"])),
            Visit(
                reverse("actionplans:person_add", args=["norfolk"]),
                data={"username": "new-viewer", "full_name": "Sam Green", "role": "viewer"},
                shows="Send new-viewer this link",
            ),
            Visit(reverse("actionplans:round_list")),
            Visit(reverse("actionplans:round_open", args=["norfolk"])),
            Visit(  # the check before opening (of a plan the open round leaves out)
                reverse("actionplans:round_open", args=["norfolk"]),
                data={
                    "name": "Q4 2026/27",
                    **_date("deadline", deadline),
                    **_date("meeting_date", deadline + datetime.timedelta(days=14)),
                    "reminder_days": "7",
                    "plans": [seed["norfolk-scr-case-l-2014"].pk],
                },
                shows="Check the round before you open it",
            ),
            Visit(round_detail, shows="Record the board"),
            Visit(f"{round_detail}?agency={health.pk}&state=waiting", shows="approval (1)"),
            Visit(reverse("actionplans:round_decisions", args=[round.pk])),
            Visit(reverse("actionplans:offline_return_upload", args=[round.pk])),
            Visit(reverse("actionplans:two_factor")),
            Visit(reverse("actionplans:two_factor_setup")),
            Visit(reverse("reporting:plan_reports", args=[CAP])),
            Visit(reverse("reporting:exceptions", args=[CAP])),
            Visit(reverse("reporting:changes", args=[CAP])),
            Visit(reverse("reporting:changes", args=[CAP]) + "?since=2020-01-01"),
            Visit(reverse("imports:choose_board"), shows="Norfolk Safeguarding Children Board"),
            Visit(reverse("actionplans:outbox"), shows="Your update on action 2.1"),
            Visit(reverse("actionplans:message_detail", args=[returned.pk])),
            Visit(reverse("imports:upload", args=["norfolk"])),
            Visit(  # the check of a Word plan written as forms
                reverse("imports:upload", args=["norfolk"]),
                data={"file": _form_plan(), "title": "Child Q action plan", "kind": "scr"},
                shows="laid out as a form",
                follow=True,
            ),
        ],
    }


def _form_plan() -> SimpleUploadedFile:
    from word_samples import docx_bytes

    rows = [["Action", "Alert social care"], ["Lead agency", "Health"], ["RAG", "Amber"]]
    return SimpleUploadedFile("Child Q.docx", docx_bytes(rows))


def scan(client, user, visits: list[Visit]) -> set[str]:
    """Open each page as `user` (None: signed out); the views of the pages opened."""
    client.logout()
    if user is not None:
        client.force_login(user)
    opened = set()
    for visit in visits:
        if visit.data is None:
            response = client.get(visit.path)
        else:
            response = client.post(visit.path, visit.data, follow=visit.follow)
        where = (getattr(user, "username", "anonymous"), visit.path, visit.data)
        assert response.status_code == 200, (*where, response.status_code)
        html = response.content.decode()
        assert visit.shows in html, (*where, visit.shows)
        assert duplicate_ids(html) == [], where
        opened.add(view_of(response.request["PATH_INFO"]))
    return opened


def paths_written_in_the_journeys() -> set[str]:
    """The paths of pages the journeys' code writes out ("/reviews/", f"{live_server.url}/
    actions/{action.pk}/"), with 0 for each value put in; globs (`wait_for_url`) and
    prefixes that are no page (`path.startswith("/reports/")`) left out."""
    tree = ast.parse(JOURNEYS.read_text(encoding="utf-8"))
    in_fstrings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    paths = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value
                if isinstance(part, ast.Constant)
                else ("" if ast.unparse(part.value) == "live_server.url" else "0")
                for part in node.values
            )
        elif isinstance(node, ast.Constant) and id(node) not in in_fstrings:
            text = node.value
        else:
            continue
        if isinstance(text, str) and text.startswith("/") and not {"*", " "} & set(text):
            try:
                view_of(text)
            except Resolver404:
                continue
            paths.add(text)
    return paths


def test_the_report_forms_do_not_share_ids(client, personas):
    client.force_login(personas.chair)
    html = client.get(reverse("reporting:plan_reports", args=["norfolk-cap-2017"])).content
    html = html.decode()
    assert 'for="id_public"' in html and 'id="id_public"' in html  # the plan's pack
    assert 'for="changes_public"' in html and 'id="changes_public"' in html
    assert 'for="board_public"' in html and 'id="board_public"' in html
    assert duplicate_ids(html) == []


def test_duplicate_ids_are_found():
    html = '<label for="a">A</label><input id="a"><svg><g id="a"></g></svg><p id="b"></p>'
    assert duplicate_ids(html) == ["a"]


def test_every_path_the_journeys_write_is_of_a_journey_view():
    paths = paths_written_in_the_journeys()
    assert {"/accounts/login/", "/reviews/", "/actions/0/updates/new/"} <= paths
    for path in paths:
        view = view_of(path)
        assert view in JOURNEY_VIEWS, f"add {view} ({path}) to JOURNEY_VIEWS and scan it"


def test_no_page_of_the_journeys_repeats_an_id(client, seed, personas, open_round):
    # A round open, with an update waiting in it and one reported complete (2.4): the
    # tracker, its filters, the decisions and the offline return have something to show.
    round = open_round([seed[CAP]])
    action = Action.objects.get(plan__slug=CAP, ref="2.1")
    services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit under way."
    )
    assert ProgressUpdate.objects.filter(round=round, action=action).exists()
    users = {
        "anonymous": None,
        "viewer": personas.viewer,
        "health-lead": personas.health_lead,
        "chair": personas.chair,
        "manager": personas.manager,
    }
    scanned = set()
    for username, visits in journey_pages(seed, round).items():
        scanned |= scan(client, users[username], visits)
    assert JOURNEY_VIEWS - TWO_FACTOR_VIEWS - scanned == set(), "a journey page is not scanned"


def test_the_two_factor_pages_do_not_repeat_an_id(client, personas, settings):
    """Setting it up, the backup codes it then shows, and the code asked at sign-in."""
    settings.TWO_FACTOR_ROLES = ["manager"]
    manager = personas.manager

    def code(device):  # what the manager's app shows now
        device.refresh_from_db()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        return f"{totp.token():0{device.digits}d}"

    setup = reverse("actionplans:two_factor_setup")
    actions = reverse("actionplans:action_list")
    scanned = scan(client, manager, [Visit(f"{setup}?next={actions}")])
    device = two_factor.start_setup(manager)
    scanned |= scan(
        client,
        manager,
        [
            Visit(
                setup,
                data={"code": code(device), "next": actions},
                shows="Two-factor sign-in is on",
            )
        ],
    )
    assert two_factor.is_on(manager)
    verify = reverse("actionplans:two_factor_verify")
    scanned |= scan(client, manager, [Visit(f"{verify}?next={actions}", shows='name="code"')])
    wrong = Visit(verify, data={"code": "000000", "next": actions}, shows=two_factor.WRONG_CODE)
    scanned |= scan(client, manager, [wrong])
    assert scanned == TWO_FACTOR_VIEWS
