"""Sessions end 30 minutes after the last request and 12 hours after signing in; the
sign-in page says why, and forms keep a draft in the browser (static/js/session.js).

Time travel: the tests move the session's own timestamps back, as a real idle desk
would, and make real requests through the middleware."""

import time

import pytest
from django.urls import reverse

from actionplans import sessions
from actionplans.models import Action

pytestmark = pytest.mark.django_db
ACTIONS = reverse("actionplans:action_list")
LOGIN = reverse("login")
MINUTE = 60
HOUR = 3600


def travel(client, *, idle: float = 0, since_sign_in: float | None = None):
    """As if the last request was `idle` seconds ago, and sign-in `since_sign_in` ago."""
    session = client.session
    now = time.time()
    session[sessions.LAST_SEEN] = now - idle
    session[sessions.SIGNED_IN] = now - (idle if since_sign_in is None else since_sign_in)
    session.save()


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_signing_in_starts_both_clocks(client, personas):
    before = time.time()
    client.post(LOGIN, {"username": "viewer", "password": "demo"})
    session = client.session
    assert session[sessions.SIGNED_IN] >= before
    assert session[sessions.LAST_SEEN] >= before


def test_29_minutes_idle_is_still_signed_in(client, personas):
    client.force_login(personas.viewer)
    travel(client, idle=29 * MINUTE)
    assert client.get(ACTIONS).status_code == 200
    assert signed_in(client)
    # The request counted as activity: the idle clock starts again.
    assert time.time() - client.session[sessions.LAST_SEEN] < 5


def test_after_30_minutes_idle_the_user_is_signed_out_and_told_why(client, personas):
    client.force_login(personas.viewer)
    travel(client, idle=30 * MINUTE + 1)

    response = client.get(ACTIONS)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/actions/"
    assert not signed_in(client)

    page = client.get(response.url).content.decode()
    assert "You were signed out after 30 minutes without activity." in page
    # Said once: the next visit to the sign-in page is plain.
    assert "signed out" not in client.get(LOGIN).content.decode()


def test_after_12_hours_the_user_is_signed_out_however_active(client, personas):
    client.force_login(personas.viewer)
    travel(client, idle=10, since_sign_in=12 * HOUR + 1)

    response = client.get(ACTIONS)
    assert response.status_code == 302 and not signed_in(client)
    page = client.get(response.url).content.decode()
    assert "You were signed out because you signed in 12 hours ago." in page


def test_a_form_sent_after_the_idle_limit_is_not_saved(client, personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    url = reverse("actionplans:update_submit", args=[action.pk])
    client.force_login(personas.health_lead)
    travel(client, idle=31 * MINUTE)

    response = client.post(url, {"rag": "amber", "progress": "Typed before lunch."})
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")
    assert not action.updates.filter(progress="Typed before lunch.").exists()


def test_the_limits_come_from_settings(client, personas, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(personas.viewer)
    travel(client, idle=5 * MINUTE + 1)
    response = client.get(ACTIONS, follow=True)
    assert "You were signed out after 5 minutes without activity." in response.content.decode()


def test_a_session_from_before_the_limits_gets_a_start_time(client, personas):
    client.force_login(personas.viewer)
    session = client.session
    del session[sessions.SIGNED_IN]
    del session[sessions.LAST_SEEN]
    session.save()
    assert client.get(ACTIONS).status_code == 200
    assert sessions.SIGNED_IN in client.session


def test_pages_tell_the_script_how_long_is_left(client, personas):
    client.force_login(personas.viewer)
    # The last request 30 seconds ago: within a minute the clock is not written again.
    travel(client, idle=30)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert 'src="/static/js/session.js"' in page
    left = int(page.split('data-session-seconds-left="')[1].split('"')[0])
    assert 30 * MINUTE - 35 <= left <= 30 * MINUTE - 30
    assert 'data-session-ends="idle"' in page


def test_near_the_12_hours_the_fixed_limit_is_the_one_that_ends_it(client, personas):
    client.force_login(personas.viewer)
    travel(client, idle=0, since_sign_in=12 * HOUR - 5 * MINUTE)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert 'data-session-ends="max"' in page


def test_stay_signed_in_starts_the_idle_clock_again(client, personas):
    client.force_login(personas.viewer)
    travel(client, idle=28 * MINUTE + 30)
    response = client.get(reverse("actionplans:session_status"))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    status = response.json()
    assert status["ends"] == "idle"
    assert 30 * MINUTE - 5 <= status["seconds_left"] <= 30 * MINUTE


def test_the_progress_update_and_action_forms_keep_drafts(client, personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    client.force_login(personas.health_lead)
    update = client.get(reverse("actionplans:update_submit", args=[action.pk]))
    assert "data-keep-draft" in update.content.decode()
    client.force_login(personas.manager)
    edit = client.get(reverse("actionplans:action_edit", args=[action.pk]))
    assert "data-keep-draft" in edit.content.decode()


def test_the_sign_in_page_has_no_session_clock(client, seed):
    page = client.get(LOGIN).content.decode()
    assert "data-session-seconds-left" not in page
