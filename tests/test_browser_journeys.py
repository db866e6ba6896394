"""Journeys in a real browser (headless Debian Chromium through Playwright), with axe.

They prove the pages work for a person: signing in, reporting progress, approving,
filtering with htmx, the same filters with JavaScript off, and no WCAG 2.2 A/AA
violations that axe can find on the pages of the journey, nor an id used twice
(counted in the page: axe 4.14's duplicate-id rules are deprecated and off).

Every page a journey opens must be of a view in `test_unique_ids.JOURNEY_VIEWS`,
whose pages that test scans for repeated ids without a browser: a journey that
opens a new kind of page fails until the page is added there.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_unique_ids import JOURNEY_VIEWS, view_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (make test installs it as root)",
    ),
]
# Playwright's sync API runs an event loop in this thread; the ORM calls the live
# server fixture makes here are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is missing: the Makefile's `browser` target installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def pages_opened(live_server):
    """Every address the journey's pages go to; afterwards, each must be a page of a
    view in JOURNEY_VIEWS (so test_unique_ids scans one like it)."""
    opened: list[str] = []
    yield opened
    origin = urlsplit(live_server.url).netloc
    views = {view_of(url): url for url in opened if urlsplit(url).netloc == origin}
    unscanned = {view: url for view, url in views.items() if view not in JOURNEY_VIEWS}
    assert not unscanned, f"add these to test_unique_ids.JOURNEY_VIEWS and scan them: {unscanned}"


def follow(locator):
    """Click a link or a button that loads a new page, and return once that page has
    loaded (Playwright's click does not wait for the page it leads to)."""
    with locator.page.expect_navigation():
        locator.click()


def new_context(browser, pages_opened, **options):
    """A browser context whose pages note every address they go to in `pages_opened`."""
    context = browser.new_context(**options)

    def watch(page):
        page.on(
            "framenavigated", lambda frame: frame.parent_frame or pages_opened.append(frame.url)
        )

    context.on("page", watch)
    return context


@pytest.fixture
def open_page(browser, live_server, seed, pages_opened):
    contexts = []

    def open_as(username, *, javascript=True, width=None):
        viewport = {"width": width, "height": 900} if width else None
        context = new_context(
            browser,
            pages_opened,
            java_script_enabled=javascript,
            bypass_csp=False,
            viewport=viewport,
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "demo")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def axe_violations(page):
    """Run axe in the page (through the devtools protocol, so the CSP does not apply),
    and count its ids: "duplicate-id: x" for an id more than one element has."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"""
    )
    repeated = page.evaluate(
        """() => {
            const counts = new Map();
            for (const element of document.querySelectorAll('[id]')) {
                if (element.id) counts.set(element.id, (counts.get(element.id) || 0) + 1);
            }
            return [...counts].filter(([, count]) => count > 1).map(([id]) => id).sort();
        }"""
    )
    return result + [f"duplicate-id: {value}" for value in repeated]


def test_lead_reports_progress_and_manager_approves(open_page, live_server):
    from actionplans.models import Action, ProgressUpdate

    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")

    lead = open_page("health-lead")
    follow(lead.get_by_role("link", name="My actions"))
    assert axe_violations(lead) == []
    lead.goto(f"{live_server.url}/actions/{action.pk}/")
    follow(lead.get_by_role("link", name="Report progress"))
    assert axe_violations(lead) == []
    lead.get_by_label("RAG status you propose").select_option("green")
    lead.get_by_label("What has been done").fill("ADHD pathway redesigned with providers.")
    lead.get_by_role("button", name="Send for approval").dblclick()
    lead.wait_for_url(f"{live_server.url}/actions/{action.pk}/")
    assert "Update sent to the business manager for approval." in lead.content()
    assert ProgressUpdate.objects.filter(action=action, author__username="health-lead").count() == 1

    manager = open_page("manager")
    follow(manager.get_by_role("link", name="Approvals"))
    assert axe_violations(manager) == []
    assert "ADHD pathway redesigned with providers." in manager.content()
    follow(manager.get_by_role("button", name="Approve update on action 2.1"))
    assert "Nothing is waiting for approval." in manager.content()
    manager.goto(f"{live_server.url}/actions/{action.pk}/")
    assert "Green – on track" in manager.content()
    assert axe_violations(manager) == []


def test_filters_swap_results_with_htmx_and_work_without_javascript(open_page, live_server):
    page = open_page("viewer")
    follow(page.get_by_role("link", name="Actions"))
    assert axe_violations(page) == []
    before = page.locator("#results strong").first.inner_text()
    page.get_by_label("Blue – complete").check()  # htmx swaps on change
    page.wait_for_function(
        "before => document.querySelector('#results strong').innerText !== before", arg=before
    )
    assert "rag=blue" in page.url  # the filtered address is pushed: it can be shared
    assert page.locator("table tbody tr").count() > 0

    no_js = open_page("viewer", javascript=False)
    no_js.goto(f"{live_server.url}/actions/")
    no_js.get_by_label("Blue – complete").check()
    no_js.get_by_role("button", name="Apply filters").click()
    no_js.wait_for_url("**rag=blue**")
    assert (
        no_js.locator("#results strong").first.inner_text()
        == page.locator("#results strong").first.inner_text()
    )


def test_plan_page_has_no_accessibility_violations(open_page, live_server):
    page = open_page("chair")
    page.goto(f"{live_server.url}/plans/stockton-jtai-neglect-2018/")
    assert axe_violations(page) == []


def test_manager_adds_a_person_and_the_pages_have_no_accessibility_violations(
    open_page, live_server
):
    page = open_page("manager")
    follow(page.get_by_role("link", name="People"))
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Add a person to NSCB"))
    assert axe_violations(page) == []
    page.get_by_label("Username").fill("new-viewer")
    page.get_by_label("Full name").fill("Sam Green")
    page.get_by_label("Role").select_option("viewer")
    follow(page.get_by_role("button", name="Save"))
    assert page.get_by_role("heading", name="Send new-viewer this link").is_visible()
    assert axe_violations(page) == []


def test_manager_sets_up_two_factor_sign_in_and_signs_in_with_a_code(
    browser, live_server, seed, settings, pages_opened
):
    import base64
    import time

    from django_otp.oath import TOTP

    settings.TWO_FACTOR_ROLES = ["manager"]

    def app_code(key_text: str, steps_ahead: int = 0) -> str:
        key = key_text.replace(" ", "")
        totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)), 30, 0, 6, 0)
        totp.time = time.time() + 30 * steps_ahead
        return f"{totp.token():06d}"

    def sign_in(context):
        page = context.new_page()
        page.goto(f"{live_server.url}/actions/")
        page.fill("#id_username", "manager")
        page.fill("#id_password", "demo")
        page.click("button[type=submit]")
        return page

    context = new_context(browser, pages_opened)
    page = sign_in(context)
    page.wait_for_url("**/account/two-factor/set-up/**")
    assert axe_violations(page) == []
    key = page.locator(".app-setup-key").inner_text()
    page.get_by_label("Code").fill(app_code(key))
    follow(page.get_by_role("button", name="Turn on two-factor sign-in"))
    assert page.get_by_role("heading", name="Two-factor sign-in is on").is_visible()
    assert page.locator(".app-backup-codes li").count() == 10
    assert axe_violations(page) == []
    page.get_by_role("link", name="I have saved my codes, continue").click()
    page.wait_for_url(f"{live_server.url}/actions/")
    context.close()

    context = new_context(browser, pages_opened, java_script_enabled=False)
    page = sign_in(context)
    page.wait_for_url("**/account/two-factor/code/**")
    page.get_by_label("Code").fill(app_code(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/actions/")
    context.close()


def test_manager_opens_a_round_and_a_lead_follows_it_on_a_phone(open_page, live_server):
    import datetime

    from actionplans.models import Action, Round

    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    deadline = datetime.date.today() + datetime.timedelta(days=14)
    meeting = deadline + datetime.timedelta(days=14)

    manager = open_page("manager", width=1366)
    manager.get_by_role("link", name="Rounds").click()
    assert axe_violations(manager) == []
    follow(manager.get_by_role("link", name="Open a round for NSCB"))
    manager.get_by_label("Name of the round").fill("Q3 2026/27 – board 20 January 2027")
    for prefix, day in (("deadline", deadline), ("meeting_date", meeting)):
        manager.locator(f"#id_{prefix}_0").fill(str(day.day))
        manager.locator(f"#id_{prefix}_1").fill(str(day.month))
        manager.locator(f"#id_{prefix}_2").fill(str(day.year))
    manager.get_by_label("Serious Case Review Composite Action Plan January 2017").check()
    manager.get_by_role("button", name="Check").click()
    manager.get_by_role("heading", name="Check the round before you open it").wait_for()
    assert manager.get_by_role("heading", name="Who will be asked").is_visible()
    assert axe_violations(manager) == []
    assert not Round.objects.exists()
    manager.get_by_role("button", name="Open the round").click()
    manager.wait_for_url("**/rounds/*/")
    round = Round.objects.get()
    assert "is open" in manager.content()
    assert axe_violations(manager) == []

    lead = open_page("health-lead", width=390)
    assert "You owe 2 updates by" in lead.content()
    for path in (
        round.get_absolute_url(),
        "/actions/mine/",
        f"/actions/{action.pk}/updates/new/",
    ):
        lead.goto(f"{live_server.url}{path}")
        width = lead.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at 390 px ({width} px wide)"
        assert axe_violations(lead) == [], path
    lead.goto(f"{live_server.url}{round.get_absolute_url()}")
    follow(lead.get_by_role("link", name="Report progress on action 2.1"))
    lead.get_by_label("What has been done").fill("Audit of referrals under way.")
    lead.get_by_role("button", name="Send for approval").click()
    lead.wait_for_url(f"{live_server.url}/actions/{action.pk}/")
    lead.goto(f"{live_server.url}{round.get_absolute_url()}")
    lead.get_by_role("link", name="Change your update on action 2.1").wait_for()

    manager.goto(f"{live_server.url}/")
    assert "1 update waiting for approval" in manager.content()
    manager.goto(f"{live_server.url}{round.get_absolute_url()}")
    manager.get_by_role("link", name="1 Waiting for approval: Health").click()  # htmx
    manager.wait_for_url("**state=waiting**")
    manager.get_by_role("heading", name="waiting for approval (1)").wait_for()
    manager.wait_for_function("document.activeElement && document.activeElement.id === 'list'")
    assert axe_violations(manager) == []
    manager.set_viewport_size({"width": 390, "height": 900})
    manager.goto(f"{live_server.url}{round.get_absolute_url()}")
    assert manager.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(manager) == []

    # The board's decisions on an action reported complete (2.4): the challenge box is
    # for "Not yet" only, and goes out of view once "Signed off" is chosen.
    follow(manager.get_by_role("link", name="Record the board's decisions"))
    card = manager.locator(".app-decision", has_text="Action 2.4")
    challenge = card.get_by_label("The board's challenge")
    assert challenge.is_visible()
    card.get_by_label("Signed off: the action is closed").check()
    assert challenge.is_hidden()
    card.get_by_label("Not yet: the board challenges it").check()
    assert challenge.is_visible()
    assert manager.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(manager) == []


@pytest.mark.parametrize("width", [1366, 390])
def test_viewer_reads_the_dashboards_and_they_pass_axe(open_page, live_server, width):
    from actionplans.models import Agency

    page = open_page("viewer", width=width)
    page.get_by_role("link", name="Dashboard of Norfolk Safeguarding Children Board").click()
    page.wait_for_url("**/reports/boards/norfolk/dashboard/")
    assert page.locator("svg[role=img]").count() >= 4
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The filters, without JavaScript needed: a plain GET form.
    agency = Agency.objects.get(board__slug="norfolk", short_name="Health")
    page.locator("#id_agency").select_option(str(agency.pk))
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**/?*agency={agency.pk}*")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/plans/norfolk-cap-2017/")
    page.get_by_role("link", name="Dashboard of Serious Case Review Composite").click()
    page.wait_for_url("**/reports/plans/norfolk-cap-2017/dashboard/")
    assert "Learning across reviews" in page.content()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_manager_reads_the_tables_on_a_phone_without_the_page_scrolling_sideways(
    open_page, live_server
):
    """Wide tables scroll inside their own labelled region (a data table may need two
    dimensions: WCAG 1.4.10), so the page itself never scrolls sideways at 390 px."""
    from actionplans.models import Message, MessageKind
    from reviews.models import Board

    message = Message.objects.create(  # a long address in its text must wrap
        key="returned:phone",
        kind=MessageKind.RETURNED,
        board=Board.objects.get(slug="norfolk"),
        to_email="council-lead@example.org",
        subject="Your update on action 3.1 was returned",
        text="Choose which emails you get: http://127.0.0.1:8000/account/notifications/",
    )
    page = open_page("manager", width=390)
    for path in (
        "/outbox/",
        f"/outbox/{message.pk}/",
        "/plans/norfolk-cap-2017/",
        "/plans/norfolk-scr-case-l-2014/",
        "/actions/",
        "/reviews/",
        "/agencies/",
        "/people/",
        "/reports/plans/norfolk-cap-2017/",
    ):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways at 390 px ({width} px wide)"
        regions = page.locator(".app-table-wrapper")
        tables = not path.startswith("/reports/") and path != f"/outbox/{message.pk}/"
        assert regions.count() >= 1 or not tables, path
        for index in range(regions.count()):
            assert regions.nth(index).get_attribute("tabindex") == "0", path
        assert axe_violations(page) == [], path


def test_lead_attaches_evidence_to_their_update_on_a_phone(open_page, live_server, personas):
    from actionplans import services
    from actionplans.models import RAG, Action, EvidenceFile

    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit done."
    )
    lead = open_page("health-lead", width=390)
    lead.goto(f"{live_server.url}/actions/{action.pk}/")
    follow(lead.get_by_role("link", name="Attach evidence files"))
    assert "Do not attach documents that identify children or families" in lead.content()
    assert axe_violations(lead) == []
    follow(lead.get_by_role("button", name="Attach files"))  # nothing chosen: the summary
    assert "Choose a file to attach." in lead.content()
    assert axe_violations(lead) == []
    lead.get_by_label("File 1").first.set_input_files(
        {"name": "Audit March 2027.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n"}
    )
    lead.get_by_label("Describe file 1").fill("Audit of 30 assessments")
    lead.get_by_role("button", name="Attach files").click()
    lead.wait_for_url(f"{live_server.url}/actions/{action.pk}/#evidence")
    assert "Attached Audit March 2027.pdf." in lead.content()
    assert axe_violations(lead) == []
    assert lead.evaluate("document.documentElement.scrollWidth") <= 390
    assert EvidenceFile.objects.get(action=action).description == "Audit of 30 assessments"


def test_manager_imports_a_plan_written_as_forms_in_word_on_a_phone(
    open_page, live_server, tmp_path
):
    from word_samples import docx_bytes

    from actionplans.models import Action

    plan = tmp_path / "Child Q action plan.docx"
    plan.write_bytes(
        docx_bytes(
            "This plan answers the review of Child Q.",
            [
                ["Recommendation 1", "Agencies should share missed health appointments."],
                ["Action", "Alert social care after two missed appointments."],
                ["Lead agency", "Health"],
                ["Target date", "March 2027"],
                ["RAG", "Amber"],
                ["Action", "Report persistent absence to the MASH."],
                ["Lead agency", "Health"],
                ["Target date", "Summer term 2027"],
                ["RAG", "Green"],
            ],
        )
    )
    manager = open_page("manager", width=390)  # on the home page: the plans
    follow(manager.get_by_role("link", name="Import a plan from Excel or Word"))
    assert axe_violations(manager) == []  # which board's plan
    follow(manager.get_by_role("link", name="Norfolk Safeguarding Children Board"))
    assert axe_violations(manager) == []
    manager.get_by_label("Plan file").set_input_files(str(plan))
    manager.get_by_label("Plan title").fill("Child Q action plan")
    manager.locator("select[name=kind]").select_option("scr")
    follow(manager.get_by_role("button", name="Continue"))
    body = manager.locator("main")
    assert "laid out as a form" in body.inner_text()
    assert manager.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(manager) == []
    follow(manager.get_by_role("button", name="Import 2 actions"))
    assert manager.url == f"{live_server.url}/plans/child-q-action-plan/"
    assert "Alert social care after two missed appointments." in body.inner_text()
    assert axe_violations(manager) == []
    imported = Action.objects.filter(plan__title="Child Q action plan").order_by("position")
    assert [(a.ref, a.rag, a.lead_agency.short_name) for a in imported] == [
        ("1.1", "amber", "Health"),
        ("1.2", "green", "Health"),
    ]
