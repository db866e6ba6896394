"""Every URL, every role, every method: the answer the policy module must give.

The table is checked against the URL conf itself, so a new URL without a row here
fails the suite. Objects in the URLs belong to the Norfolk board (so the Stockton-only
viewer must get 404) and the action is led by a Norfolk health body (so the health lead
may report on it and the police lead may not).
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from actionplans import services
from actionplans.evidence.checks import Checked
from actionplans.evidence.services import evidence_add
from actionplans.models import (
    RAG,
    Action,
    Agency,
    Membership,
    Message,
    MessageKind,
    Objective,
    Plan,
    Theme,
)
from actionplans.rounds.services import RoundRequest, round_close, round_open
from reporting.models import RenderedReport
from reviews.models import Finding, Review

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "manager", "police_lead", "health_lead", "chair", "viewer", "stockton"]


def everyone(status=200, stockton=None, anonymous=302):
    """Every signed-in role gets `status`; the Stockton-only viewer `stockton`."""
    answer = dict.fromkeys(ROLES, status)
    answer["anonymous"] = anonymous
    answer["stockton"] = status if stockton is None else stockton
    return answer


def only(allowed: dict, others=403, stockton=404):
    answer = everyone(others, stockton=stockton)
    answer.update(allowed)
    return answer


NOT_ALLOWED = 405
READ_NORFOLK = {"GET": everyone(200, stockton=404), "POST": everyone(NOT_ALLOWED)}
READ_LIST = {"GET": everyone(200), "POST": everyone(NOT_ALLOWED)}


def manager_form(stockton=404, post=200):
    return {
        "GET": only({"manager": 200}, stockton=stockton),
        "POST": only({"manager": post}, stockton=stockton),
    }


# url name -> {method: {role: status}}
MATRIX = {
    "login": {"GET": everyone(200, anonymous=200), "POST": everyone(200, anonymous=200)},
    # For the load balancer: open to anyone, GET (and HEAD) only.
    "healthz": {
        "GET": everyone(200, anonymous=200),
        "POST": everyone(NOT_ALLOWED, anonymous=NOT_ALLOWED),
    },
    "logout": {"GET": everyone(NOT_ALLOWED), "POST": everyone(302)},
    "actionplans:plan_list": READ_LIST,
    "actionplans:plan_detail": READ_NORFOLK,
    "actionplans:plan_create": manager_form(stockton=403),
    "actionplans:plan_edit": manager_form(),
    "actionplans:theme_create": manager_form(),
    "actionplans:theme_edit": manager_form(),
    "actionplans:objective_create": manager_form(),
    "actionplans:objective_edit": manager_form(),
    "actionplans:action_create": manager_form(),
    "actionplans:action_list": READ_LIST,
    "actionplans:my_actions": {
        "GET": only({"police_lead": 200, "health_lead": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    "actionplans:action_detail": READ_NORFOLK,
    "actionplans:action_edit": manager_form(),
    "actionplans:action_history": READ_NORFOLK,
    "actionplans:comment_add": {
        "GET": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
        # An empty comment is refused with the page and its message (400).
        "POST": only({"manager": 400, "chair": 400, "police_lead": 400, "health_lead": 400}),
    },
    # The health lead's update is waiting: the form sends them to change it (GET), or
    # shows what they sent as a change to it (POST), rather than making a second one.
    "actionplans:update_submit": {
        "GET": only({"health_lead": 302}),
        "POST": only({"health_lead": 200}),
    },
    "actionplans:approval_queue": {
        "GET": only({"manager": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    "actionplans:update_edit": {
        "GET": only({"health_lead": 200}),
        "POST": only({"health_lead": 200}),
    },
    # Approving says which version of the update was read: without one, nothing is
    # approved and the update is shown again (400).
    "actionplans:update_approve": {
        "GET": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
        "POST": only({"manager": 400}),
    },
    "actionplans:update_return": manager_form(),
    # The offline return of the open round over the CAP plan: its managers, and the leads
    # asked in it (the health lead leads 2.1; no police force leads a CAP action).
    "actionplans:offline_return_download": {
        "GET": only({"manager": 200, "health_lead": 200}),
        "POST": everyone(NOT_ALLOWED),
    },
    # An empty upload is the form again with its error.
    "actionplans:offline_return_upload": {
        "GET": only({"manager": 200, "health_lead": 200}),
        "POST": only({"manager": 200, "health_lead": 200}),
    },
    # Without a token (or with another's) the upload is gone: 400 with the upload page.
    "actionplans:offline_return_confirm": {
        "GET": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
        "POST": only({"manager": 400, "health_lead": 400}),
    },
    # Every signed-in user manages their own two-factor sign-in. Without a button
    # chosen the account page says 400; without a code the setup form shows its error;
    # with two-factor sign-in off the code page sends them on.
    # "Stay signed in": how long the session has left (JSON), for every signed-in user.
    "actionplans:session_status": {"GET": everyone(200), "POST": everyone(NOT_ALLOWED)},
    "actionplans:two_factor": {"GET": everyone(200), "POST": everyone(400)},
    "actionplans:two_factor_setup": {"GET": everyone(200), "POST": everyone(200)},
    "actionplans:two_factor_verify": {"GET": everyone(302), "POST": everyone(302)},
    # People: board business managers only, on their own board.
    "actionplans:people_list": {
        "GET": only({"manager": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    # Sign-in activity: managers (the people on their boards) and staff.
    "actionplans:security_events": {
        "GET": only({"manager": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    "actionplans:person_add": manager_form(),
    "actionplans:membership_edit": manager_form(),
    "actionplans:membership_remove": {
        "GET": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
        "POST": only({"manager": 302}),
    },
    # The police lead has a password: nobody may make a link that would replace it.
    "actionplans:sign_up_link": {
        "GET": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
        "POST": only({}),
    },
    "actionplans:sign_up_email": {
        "GET": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
        "POST": only({}),
    },
    # The outbox and its messages: business managers of the message's board only.
    "actionplans:outbox": {
        "GET": only({"manager": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    "actionplans:message_detail": {
        "GET": only({"manager": 200}),
        "POST": everyone(NOT_ALLOWED, stockton=NOT_ALLOWED),
    },
    # Everyone chooses their own emails (an empty form turns both off).
    "actionplans:notification_settings": {"GET": everyone(200), "POST": everyone(302)},
    # A sign-up link is for someone not signed in; a bad one says it has expired.
    "password_set": {"GET": everyone(200, anonymous=200), "POST": everyone(200, anonymous=200)},
    "password_set_done": {
        "GET": everyone(200, anonymous=200),
        "POST": everyone(NOT_ALLOWED, anonymous=NOT_ALLOWED),
    },
    "actionplans:review_list": READ_LIST,
    "actionplans:review_create": manager_form(stockton=403),
    "actionplans:review_detail": READ_NORFOLK,
    "actionplans:review_edit": manager_form(),
    "actionplans:finding_create": manager_form(),
    "actionplans:finding_edit": manager_form(),
    "actionplans:agency_list": READ_LIST,
    "actionplans:agency_create": manager_form(stockton=403),
    "actionplans:agency_edit": manager_form(),
    "exports:plan_csv": READ_NORFOLK,
    "exports:plan_xlsx": READ_NORFOLK,
    "exports:plan_updates_csv": READ_NORFOLK,
    "exports:action_list_csv": READ_LIST,
    "exports:action_list_xlsx": READ_LIST,
    "exports:action_list_updates_csv": READ_LIST,
    "imports:choose_board": {
        "GET": only({"manager": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    "imports:upload": manager_form(),
    # A token that is not in the manager's session is "not found", for everyone.
    "imports:preview": manager_form(post=404) | {"GET": only({"manager": 404})},
    "imports:confirm": manager_form(post=404) | {"GET": only({"manager": 404})},
    "reporting:plan_reports": READ_NORFOLK,
    # Dashboards: everyone who may read the board or plan; another board's is 404.
    "reporting:board_dashboard": READ_NORFOLK,
    "reporting:plan_dashboard": READ_NORFOLK,
    "reporting:plan_pack": READ_NORFOLK,
    "reporting:exceptions": READ_NORFOLK,
    "reporting:exceptions_pdf": READ_NORFOLK,
    "reporting:changes": READ_NORFOLK,
    # "Changes since" needs its date: without one the answer is a 400 with the form.
    "reporting:changes_pdf": {"GET": everyone(400, stockton=404), "POST": everyone(NOT_ALLOWED)},
    "reporting:pack": {"GET": everyone(400), "POST": everyone(NOT_ALLOWED)},
    "reporting:action_list_pdf": READ_LIST,
    # The pack kept with a closed round: whoever reads its plans downloads it.
    "reporting:round_pack": {"GET": everyone(302, stockton=404), "POST": everyone(NOT_ALLOWED)},
    "reporting:report_status": READ_NORFOLK,
    "reporting:report_download": READ_NORFOLK,
    # Rounds (the open Norfolk round of the fixture): managers run them; a lead sees the
    # rounds that ask them and their own agencies' actions in one; chair and viewer not.
    "actionplans:round_list": {
        "GET": only({"manager": 200, "police_lead": 200, "health_lead": 200}, stockton=403),
        "POST": everyone(NOT_ALLOWED),
    },
    "actionplans:round_open": manager_form(),
    "actionplans:round_detail": {
        "GET": only({"manager": 200, "police_lead": 200, "health_lead": 200}),
        "POST": everyone(NOT_ALLOWED),
    },
    # Saving no decision records nothing and goes back to the round.
    "actionplans:round_decisions": manager_form(post=302),
    "actionplans:round_close": manager_form(post=302),
    # A manager records an update received from the agency (an empty form: its errors).
    "actionplans:update_record": manager_form(),
    # Evidence files: the health lead attaches to their waiting update, the manager to
    # the action (an empty form: its errors); whoever reads the action downloads; the
    # manager removes (without a reason: the form's error).
    "actionplans:evidence_add": {
        "GET": only({"manager": 200, "health_lead": 200}),
        "POST": only({"manager": 200, "health_lead": 200}),
    },
    "actionplans:evidence_download": READ_NORFOLK,
    "actionplans:evidence_remove": manager_form(),
}

UNKNOWN_TOKEN = "6f1c0a52-9d4e-4a51-8d07-2f6a3f0e6b11"

# URLs with their own access rules outside this table.
EXEMPT_NAMESPACES = {"admin"}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in EXEMPT_NAMESPACES:
                continue
            yield from _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_has_a_row_in_the_matrix():
    names = set(_named_patterns())
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URLs with no permission rule: {missing}"
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


@pytest.fixture
def objects(seed, personas):
    """Norfolk objects for the URLs, and a pending update by the health lead."""
    plan = Plan.objects.get(slug="norfolk-cap-2017")
    action = Action.objects.get(plan=plan, ref="2.1")
    assert action.lead_agency.kind == "health"
    round = round_open(
        request=RoundRequest(
            board=plan.board,
            name="Q3 board",
            deadline=datetime.date.today() + datetime.timedelta(days=30),
            meeting_date=datetime.date.today() + datetime.timedelta(days=40),
            plans=[plan],
        ),
        by=personas.manager,
    )
    update = services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit under way."
    )
    report = RenderedReport.objects.create(
        kind="pack", key="k", title="Pack", filename="pack.pdf", status="done"
    )
    report.plans.set([plan])
    report.file.save("pack.pdf", ContentFile(b"%PDF-1.7"))
    # A closed round of Case L with the pack kept for its meeting.
    case_l = Plan.objects.get(slug="norfolk-scr-case-l-2014")
    closed = round_close(
        round=round_open(
            request=RoundRequest(
                board=plan.board,
                name="Q2 board",
                deadline=datetime.date.today(),
                meeting_date=datetime.date.today(),
                plans=[case_l],
            ),
            by=personas.manager,
        ),
        by=personas.manager,
    )
    kept = RenderedReport.objects.create(
        kind="pack", key="kept", title="Q2", filename="q2.pdf", status="done", round=closed
    )
    kept.plans.set([case_l])
    kept.file.save("q2.pdf", ContentFile(b"%PDF-1.7"))
    (evidence,) = evidence_add(
        action=action,
        uploader=personas.manager,
        files=[
            (
                SimpleUploadedFile("audit.pdf", b"%PDF-1.7\n"),
                "Audit",
                Checked("PDF document", "application/pdf"),
            )
        ],
    )
    message = Message.objects.create(
        key="invitation:norfolk:health-lead",
        kind=MessageKind.INVITATION,
        board=plan.board,
        recipient=personas.health_lead,
        to_email="health-lead@example.org",
        subject="Updates wanted",
        text="Please send your updates.",
    )
    return {
        "round": round,
        "closed_round": closed,
        "message": message,
        "evidence": evidence,
        "report": report,
        "plan": plan,
        "action": action,
        "update": update,
        "theme": Theme.objects.filter(plan=plan).first(),
        "objective": Objective.objects.filter(plan__slug="norfolk-scr-case-l-2014").first(),
        "review": Review.objects.get(reference="Case L"),
        "finding": Finding.objects.get(review__reference="Case L", number="2"),
        "agency": Agency.objects.get(board__slug="norfolk", short_name="Health"),
        "membership": Membership.objects.get(user__username="police-lead", board__slug="norfolk"),
    }


def url_for(name: str, o: dict) -> str:
    kwargs = {
        "actionplans:plan_detail": {"slug": o["plan"].slug},
        "actionplans:plan_edit": {"slug": o["plan"].slug},
        "actionplans:theme_create": {"slug": o["plan"].slug},
        "actionplans:theme_edit": {"slug": o["plan"].slug, "pk": o["theme"].pk},
        "actionplans:objective_create": {"slug": o["objective"].plan.slug},
        "actionplans:objective_edit": {"slug": o["objective"].plan.slug, "pk": o["objective"].pk},
        "actionplans:action_create": {"slug": o["plan"].slug},
        "actionplans:action_detail": {"pk": o["action"].pk},
        "actionplans:action_edit": {"pk": o["action"].pk},
        "actionplans:action_history": {"pk": o["action"].pk},
        "actionplans:comment_add": {"pk": o["action"].pk},
        "actionplans:update_submit": {"pk": o["action"].pk},
        "actionplans:update_edit": {"pk": o["update"].pk},
        "actionplans:update_approve": {"pk": o["update"].pk},
        "actionplans:update_return": {"pk": o["update"].pk},
        "actionplans:offline_return_download": {"pk": o["round"].pk},
        "actionplans:offline_return_upload": {"pk": o["round"].pk},
        "actionplans:offline_return_confirm": {"pk": o["round"].pk},
        "actionplans:review_detail": {"pk": o["review"].pk},
        "actionplans:review_edit": {"pk": o["review"].pk},
        "actionplans:finding_create": {"review_pk": o["review"].pk},
        "actionplans:finding_edit": {"review_pk": o["review"].pk, "pk": o["finding"].pk},
        "actionplans:agency_edit": {"pk": o["agency"].pk},
        "actionplans:person_add": {"board_slug": o["plan"].board.slug},
        "actionplans:membership_edit": {"pk": o["membership"].pk},
        "actionplans:membership_remove": {"pk": o["membership"].pk},
        "actionplans:sign_up_link": {"pk": o["membership"].pk},
        "actionplans:sign_up_email": {"pk": o["membership"].pk},
        "actionplans:message_detail": {"pk": o["message"].pk},
        "password_set": {"uidb64": "MQ", "token": "not-a-token"},
        "exports:plan_csv": {"slug": o["plan"].slug},
        "exports:plan_xlsx": {"slug": o["plan"].slug},
        "exports:plan_updates_csv": {"slug": o["plan"].slug},
        "imports:upload": {"board_slug": o["plan"].board.slug},
        "imports:preview": {"board_slug": o["plan"].board.slug, "token": UNKNOWN_TOKEN},
        "imports:confirm": {"board_slug": o["plan"].board.slug, "token": UNKNOWN_TOKEN},
        "reporting:plan_reports": {"slug": o["plan"].slug},
        "reporting:board_dashboard": {"slug": o["plan"].board.slug},
        "reporting:plan_dashboard": {"slug": o["plan"].slug},
        "reporting:plan_pack": {"slug": o["plan"].slug},
        "reporting:exceptions": {"slug": o["plan"].slug},
        "reporting:exceptions_pdf": {"slug": o["plan"].slug},
        "reporting:changes": {"slug": o["plan"].slug},
        "reporting:changes_pdf": {"slug": o["plan"].slug},
        "reporting:round_pack": {"pk": o["closed_round"].pk},
        "actionplans:round_open": {"board_slug": o["plan"].board.slug},
        "actionplans:round_detail": {"pk": o["round"].pk},
        "actionplans:round_decisions": {"pk": o["round"].pk},
        "actionplans:round_close": {"pk": o["round"].pk},
        "actionplans:update_record": {"pk": o["action"].pk},
        "actionplans:evidence_add": {"pk": o["action"].pk},
        "actionplans:evidence_download": {"pk": o["evidence"].pk},
        "actionplans:evidence_remove": {"pk": o["evidence"].pk},
        "reporting:report_status": {"pk": o["report"].pk},
        "reporting:report_download": {"pk": o["report"].pk},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def _user(personas, role):
    return {
        "manager": personas.manager,
        "police_lead": personas.police_lead,
        "health_lead": personas.health_lead,
        "chair": personas.chair,
        "viewer": personas.viewer,
        "stockton": personas.stockton_viewer,
    }.get(role)


CASES = [
    (name, method, role)
    for name, methods in sorted(MATRIX.items())
    for method in ("GET", "POST")
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_permission_matrix(client, personas, objects, name, method, role):
    user = _user(personas, role)
    if user:
        client.force_login(user)
    url = url_for(name, objects)
    response = client.get(url) if method == "GET" else client.post(url, {})
    expected = MATRIX[name][method][role]
    assert response.status_code == expected, (
        f"{role} {method} {url}: got {response.status_code}, expected {expected}"
    )


def test_admin_is_for_staff_only(client, personas):
    client.force_login(personas.manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url


def test_swapped_agency_id_in_the_form_is_refused(client, personas, seed):
    """A Norfolk action cannot be given a Stockton agency by editing the form's ids."""
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    stockton_agency = Agency.objects.get(board__slug="stockton", short_name="SBC")
    client.force_login(personas.manager)
    response = client.post(
        reverse("actionplans:action_edit", args=[action.pk]),
        {
            "version": action.version,
            "ref": action.ref,
            "text": action.text,
            "lead_agency": stockton_agency.pk,
            "target_text": action.target_text,
            "rag": action.rag,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    action.refresh_from_db()
    assert action.lead_agency.board.slug == "norfolk"


def test_police_lead_cannot_edit_the_health_leads_update(client, personas, objects):
    client.force_login(personas.police_lead)
    response = client.post(
        reverse("actionplans:update_edit", args=[objects["update"].pk]),
        {"rag": "red", "progress": "Overwritten"},
    )
    assert response.status_code == 403
    objects["update"].refresh_from_db()
    assert objects["update"].progress == "Audit under way."
