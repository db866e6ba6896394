"""Security events: recorded from sign-in, sign-out, failures, lockouts, passwords,
two-factor sign-in and roles; append-only; shown to managers and staff."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from test_two_factor import turned_on

from actionplans import policy, services, sessions, two_factor
from actionplans.models import (
    Agency,
    AppendOnlyError,
    Membership,
    Role,
    SecurityEvent,
    SecurityEventKind,
)
from reviews.models import Board

pytestmark = pytest.mark.django_db
User = get_user_model()
LOGIN = reverse("login")
ACTIVITY = reverse("actionplans:security_events")
Kind = SecurityEventKind
HERE = {"REMOTE_ADDR": "198.51.100.7"}
BEFORE = 0


@pytest.fixture(autouse=True)
def _before(personas):
    """Loading the demo users set their passwords: events from before the test are
    left out of what the tests look at."""
    global BEFORE  # noqa: PLW0603
    BEFORE = SecurityEvent.objects.order_by("pk").values_list("pk", flat=True).last() or 0


def new_events():
    return SecurityEvent.objects.filter(pk__gt=BEFORE)


def kinds(**filters) -> list[str]:
    return list(new_events().filter(**filters).order_by("pk").values_list("kind", flat=True))


def assert_no_secret_stored(*secrets):
    for event in new_events():
        text = " ".join(str(value) for value in vars(event).values())
        for secret in secrets:
            assert secret not in text


def test_signing_in_and_out_is_recorded_with_the_address(client, personas):
    client.post(LOGIN, {"username": "viewer", "password": "demo"}, **HERE)
    client.post(reverse("logout"), **HERE)
    signed_in, signed_out = new_events().filter(user=personas.viewer).order_by("pk")
    assert (signed_in.kind, signed_in.username, signed_in.ip_address) == (
        Kind.SIGNED_IN,
        "viewer",
        "198.51.100.7",
    )
    assert signed_out.kind == Kind.SIGNED_OUT
    assert_no_secret_stored("demo")


def test_a_failed_sign_in_keeps_the_username_tried_never_the_password(client, personas):
    client.post(LOGIN, {"username": "viewer", "password": "Guess-1234!"}, **HERE)
    client.post(LOGIN, {"username": "nobody-here", "password": "Guess-5678!"}, **HERE)
    known, unknown = new_events().filter(kind=Kind.SIGN_IN_FAILED).order_by("pk")
    assert (known.user, known.username, known.ip_address) == (
        personas.viewer,
        "viewer",
        "198.51.100.7",
    )
    assert (unknown.user, unknown.username) == (None, "nobody-here")
    assert_no_secret_stored("Guess-1234!", "Guess-5678!")


def test_a_lockout_is_recorded(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(LOGIN, {"username": "chair", "password": "wrong"}, **HERE)
    assert sorted(kinds(user=personas.chair)) == [
        Kind.LOCKED_OUT,
        Kind.SIGN_IN_FAILED,
        Kind.SIGN_IN_FAILED,
    ]


def test_a_session_ended_by_the_idle_limit_says_so(client, personas):
    client.force_login(personas.viewer)
    session = client.session
    session[sessions.LAST_SEEN] = time.time() - 31 * 60
    session.save()
    client.get(reverse("actionplans:plan_list"))
    event = new_events().filter(user=personas.viewer).latest("pk")
    assert (event.kind, event.detail) == (Kind.SIGNED_OUT, "Session ended: idle time limit")


def test_choosing_a_password_from_a_sign_up_link_is_recorded(client, personas):
    newcomer = User(username="newcomer")
    newcomer.set_unusable_password()
    newcomer.save()
    Membership.objects.create(user=newcomer, board=Board.objects.get(slug="norfolk"), role="viewer")
    link = services.set_password_link(person=newcomer, by=personas.manager)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
        **HERE,
    )
    event = new_events().get(kind=Kind.PASSWORD_SET)
    assert (event.user, event.ip_address) == (newcomer, "198.51.100.7")
    assert_no_secret_stored("a long new passphrase")


def test_signing_in_records_no_password_change(client, personas):
    client.post(LOGIN, {"username": "viewer", "password": "demo"})
    assert not new_events().filter(kind=Kind.PASSWORD_SET).exists()


def test_two_factor_set_up_and_removed_are_recorded_without_codes(personas):
    _device, codes = turned_on(personas.viewer)
    two_factor.turn_off(personas.viewer)
    assert kinds(user=personas.viewer) == [Kind.TWO_FACTOR_ON, Kind.TWO_FACTOR_OFF]
    assert_no_secret_stored(*codes)


def test_roles_added_changed_and_removed_are_recorded_with_who_did_it(personas):
    norfolk = Board.objects.get(slug="norfolk")
    health = Agency.objects.get(board=norfolk, short_name="Health")
    added = services.person_add(
        board=norfolk,
        by=personas.manager,
        username="nurse-jo",
        full_name="Jo Bloggs",
        email="",
        role=Role.LEAD,
        agencies=[health],
    ).membership
    services.membership_change(membership=added, by=personas.manager, role=Role.CHAIR, agencies=[])
    services.membership_remove(membership=added, by=personas.manager)

    events = list(new_events().filter(username="nurse-jo").order_by("pk"))
    assert [event.kind for event in events] == [
        Kind.ROLE_ADDED,
        Kind.ROLE_CHANGED,
        Kind.ROLE_REMOVED,
    ]
    assert {(event.actor, event.board) for event in events} == {(personas.manager, norfolk)}
    assert events[0].detail == "Agency lead (Health)"
    assert events[1].detail.startswith("Agency lead → ")


def test_an_event_cannot_be_changed_or_deleted(personas):
    event = SecurityEvent.objects.create(kind=Kind.SIGNED_IN, user=personas.viewer)
    event.detail = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_a_manager_sees_the_people_on_their_boards_newest_first(client, personas):
    client.post(LOGIN, {"username": "nobody-here", "password": "x"})
    client.post(LOGIN, {"username": "police-lead", "password": "x"})
    client.post(LOGIN, {"username": "viewer", "password": "x"})

    client.force_login(personas.manager)
    page = client.get(ACTIVITY)
    assert page.status_code == 200
    shown = [event.username for event in page.context["page"] if event.pk > BEFORE]
    # Newest first: the manager's own sign-in, then the failures; nobody's is not shown.
    assert shown == ["manager", "viewer", "police-lead"]
    assert "Sign-in failed" in page.content.decode()


def test_staff_see_everyone(client, personas):
    client.post(LOGIN, {"username": "nobody-here", "password": "x"})
    staff = User.objects.create(username="it-desk", is_staff=True)
    assert policy.can_see_security_events(staff)
    client.force_login(staff)
    shown = [event.username for event in client.get(ACTIVITY).context["page"]]
    assert "nobody-here" in shown


def test_the_list_is_paginated(client, personas):
    SecurityEvent.objects.bulk_create(
        SecurityEvent(kind=Kind.SIGNED_IN, user=personas.viewer, username="viewer")
        for _ in range(60)
    )
    client.force_login(personas.manager)
    first = client.get(ACTIVITY).context["page"]
    assert len(first) == 50 and first.paginator.num_pages == 2
    assert first[0].kind == Kind.SIGNED_IN and first[0].username == "manager"  # newest
    visible = policy.visible_security_events(personas.manager).count()
    assert 61 <= visible <= 100
    assert len(client.get(ACTIVITY, {"page": 2}).context["page"]) == visible - 50


def test_only_managers_and_staff_open_it(client, personas):
    for person in (personas.viewer, personas.police_lead, personas.chair):
        client.force_login(person)
        assert client.get(ACTIVITY).status_code == 403
