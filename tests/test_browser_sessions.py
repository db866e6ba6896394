"""In a real browser: the warning before a session ends, and a progress update typed
when the session ran out is put back after signing in again (static/js/session.js)."""

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from test_browser_journeys import (  # noqa: F401 - browser, open_page, pages_opened: fixtures
    CHROMIUM,
    axe_violations,
    browser,
    open_page,
    pages_opened,
)

from actionplans import sessions
from actionplans.models import Action

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
]


def age_session(page, *, idle_seconds: float) -> None:
    """Time travel: the server's session last saw the user `idle_seconds` ago."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session[sessions.LAST_SEEN] = time.time() - idle_seconds
    session.save()


def test_a_progress_update_typed_as_the_session_ended_comes_back(
    open_page,  # noqa: F811
    live_server,
    settings,
):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    form_url = f"{live_server.url}/actions/{action.pk}/updates/new/"
    lead = open_page("health-lead")
    lead.goto(form_url)
    lead.get_by_label("RAG status you propose").select_option("amber")
    lead.fill("textarea[name=progress]", "Audit of 40 case files finished; report in May.")

    age_session(lead, idle_seconds=31 * 60)
    lead.click("form[data-keep-draft] button[type=submit]")
    lead.wait_for_url("**/accounts/login/**")
    assert "You were signed out after 30 minutes without activity." in lead.content()
    assert axe_violations(lead) == []
    assert not action.updates.filter(progress__startswith="Audit of 40").exists()

    lead.fill("#id_username", "health-lead")
    lead.fill("#id_password", "demo")
    lead.click("main button[type=submit]")
    lead.wait_for_url(form_url)
    assert lead.input_value("textarea[name=progress]") == (
        "Audit of 40 case files finished; report in May."
    )
    assert "We put back what you had typed" in lead.content()
    assert axe_violations(lead) == []
    lead.get_by_label("RAG status you propose").select_option("amber")

    # Sent while signed in: the draft has done its job and does not come back.
    lead.click("form[data-keep-draft] button[type=submit]")
    lead.wait_for_url(f"{live_server.url}/actions/{action.pk}/")
    assert action.updates.filter(progress__startswith="Audit of 40").exists()
    # The form now opens the waiting update itself (one waiting update an action), from
    # the server, with no "put back" message.
    lead.goto(form_url)
    assert "We put back what you had typed" not in lead.content()


def test_the_warning_shows_two_minutes_before_the_end(open_page, live_server, settings):  # noqa: F811
    settings.SESSION_IDLE_MINUTES = 2  # so the page opens inside the last two minutes
    viewer = open_page("viewer")
    viewer.goto(f"{live_server.url}/actions/")
    banner = viewer.locator("[data-session-text]")
    banner.wait_for()
    assert "You will be signed out in 2 minutes" in banner.inner_text()

    # "Stay signed in" asks the server, which starts the idle clock again.
    age_session(viewer, idle_seconds=90)
    assert axe_violations(viewer) == []
    viewer.click("[data-session-stay]")
    cookie = next(c for c in viewer.context.cookies() if c["name"] == "sessionid")
    for _ in range(50):
        last_seen = SessionStore(session_key=cookie["value"])[sessions.LAST_SEEN]
        if time.time() - last_seen < 10:
            break
        time.sleep(0.1)
    assert time.time() - last_seen < 10
