"""Report pages and PDF downloads: who may get what, bad options, background renders."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from reporting.models import RenderedReport, ReportStatus
from reporting.tasks import render_report

pytestmark = pytest.mark.django_db

SMALL_PLAN = "stockton-jtai-neglect-2018"
NORFOLK_PLAN = "norfolk-cap-2017"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def report_urls(slug: str) -> list[str]:
    """Every report URL about one plan (the permission matrix walks all of them)."""
    return [
        reverse("reporting:plan_reports", args=[slug]),
        reverse("reporting:plan_pack", args=[slug]),
        reverse("reporting:exceptions", args=[slug]),
        reverse("reporting:exceptions_pdf", args=[slug]),
        reverse("reporting:changes", args=[slug]) + "?since=2020-01-01",
        reverse("reporting:changes_pdf", args=[slug]) + "?since=2020-01-01",
        reverse("reporting:pack") + f"?plan={slug}",
        reverse("reporting:action_list_pdf") + f"?plan={slug}",
    ]


def test_board_member_downloads_a_plan_pack_as_pdf(client, seed, personas):
    client.force_login(personas.viewer)
    response = client.get(reverse("reporting:plan_pack", args=[SMALL_PLAN]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert (
        f"{SMALL_PLAN}-board-pack-as-at-{timezone.localdate():%Y-%m-%d}.pdf"
        in (response["Content-Disposition"])
    )
    assert "Behind schedule" in pdf_text(response.content)


@pytest.mark.parametrize("index", range(len(report_urls(NORFOLK_PLAN))))
def test_member_of_another_board_gets_not_found_for_every_report_url(client, seed, personas, index):
    client.force_login(personas.stockton_viewer)
    url = report_urls(NORFOLK_PLAN)[index]
    response = client.get(url)
    if "actions.pdf" in url:
        # The action list filter only offers the user's own plans: the slug is invalid.
        assert response.status_code == 400
        assert b"%PDF" not in response.content
    else:
        assert response.status_code == 404, url


def test_composite_pack_with_one_plan_of_another_board_is_not_found(client, seed, personas):
    client.force_login(personas.stockton_viewer)
    url = reverse("reporting:pack") + f"?plan={SMALL_PLAN}&plan={NORFOLK_PLAN}"
    assert client.get(url).status_code == 404


def test_anonymous_user_is_sent_to_sign_in(client, seed):
    for url in report_urls(SMALL_PLAN):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("group_by=colour", "Select a valid choice"),
        ("as_at=31/03/2025", "Enter the date as year-month-day"),
        (f"as_at={datetime.date.today().year + 1}-01-01", "must be today or in the past"),
    ],
)
def test_bad_pack_options_get_a_400_with_the_form_and_its_errors(
    client, seed, personas, query, message
):
    client.force_login(personas.viewer)
    response = client.get(reverse("reporting:plan_pack", args=[SMALL_PLAN]) + "?" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert response["Content-Type"].startswith("text/html")


def test_bad_changes_dates_get_a_400(client, seed, personas):
    client.force_login(personas.viewer)
    base = reverse("reporting:changes_pdf", args=[SMALL_PLAN])
    for query in ("", "?since=yesterday", "?since=2025-03-01&until=2025-02-01"):
        response = client.get(base + query)
        assert response.status_code == 400, query
        assert "There is a problem" in response.content.decode()


def test_composite_pack_without_plans_is_a_400(client, seed, personas):
    client.force_login(personas.viewer)
    assert client.get(reverse("reporting:pack")).status_code == 400


def test_composite_pack_prints_both_plans(client, seed, personas):
    client.force_login(personas.chair)
    url = reverse("reporting:pack") + f"?plan={SMALL_PLAN}&plan=norfolk-lscb-business-plan-2014-16"
    response = client.get(url + "&group_by=agency&public=1")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Composite board report: 2 plans" in text and "Public version" in text
    assert "DA/AM" not in text


def test_filtered_action_list_downloads_as_a_pack(client, seed, personas):
    client.force_login(personas.viewer)
    url = reverse("reporting:action_list_pdf") + f"?plan={SMALL_PLAN}&q=hub"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Action list: Search: hub; Plan: Joint Targeted" in text
    assert "Develop a new Joint Strategic Needs Assessment" not in text  # filtered out

    nothing = client.get(reverse("reporting:action_list_pdf") + "?q=zzzz-no-such-words")
    assert nothing.status_code == 200 and "No actions match" in nothing.content.decode()


def test_action_list_pdf_without_filters_prints_every_action_the_user_sees(client, seed, personas):
    client.force_login(personas.stockton_viewer)
    response = client.get(reverse("reporting:action_list_pdf"))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Action list: all actions" in text and "Composite board report" not in text
    assert "Stockton-on-Tees Local Safeguarding Children Board" in text
    assert "Norfolk" not in text


def test_exception_report_page_and_changes_page_show_their_rows(client, seed, personas):
    client.force_login(personas.viewer)
    html = client.get(reverse("reporting:exceptions", args=["stockton-ofsted-cp-2013"]))
    assert html.status_code == 200
    assert "Exception report" in html.content.decode() and "No recent update" in (
        html.content.decode()
    )
    changes = client.get(reverse("reporting:changes", args=[SMALL_PLAN]) + "?since=2020-01-01")
    assert changes.status_code == 200 and "Changes since 1 January 2020" in changes.content.decode()
    options = client.get(reverse("reporting:plan_reports", args=[SMALL_PLAN]))
    assert options.status_code == 200 and "Download PDF" in options.content.decode()


def test_report_pages_have_no_inline_script_or_style(client, seed, personas):
    client.force_login(personas.viewer)
    for url in (
        reverse("reporting:plan_reports", args=[SMALL_PLAN]),
        reverse("reporting:exceptions", args=[SMALL_PLAN]),
        reverse("reporting:changes", args=[SMALL_PLAN]) + "?since=2020-01-01",
    ):
        html = client.get(url).content.decode()
        assert "style=" not in html and "<script>" not in html, url


# Big packs go to the background worker -------------------------------------------------------
@pytest.fixture(autouse=True)
def cold_part_cache(settings, tmp_path):
    """No part rendered ahead: a big pack whose parts are all cached is joined at once
    instead (tests/test_pack_prerender.py)."""
    settings.REPORT_CACHE_DIR = tmp_path / "parts"


def test_big_pack_is_queued_rendered_by_the_task_then_reused(client, seed, personas, settings):
    settings.REPORT_INLINE_MAX_ACTIONS = 1
    client.force_login(personas.viewer)
    url = reverse("reporting:plan_pack", args=[SMALL_PLAN]) + "?group_by=agency"

    response = client.get(url)
    report = RenderedReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.status == ReportStatus.QUEUED and report.action_count == 25
    assert DBTaskResult.objects.filter(id=report.task_id).exists()
    status = client.get(report.get_absolute_url())
    assert "Waiting to start" in status.content.decode()
    assert 'http-equiv="refresh"' in status.content.decode()

    assert client.get(url).url == report.get_absolute_url()  # queued: the same one
    assert RenderedReport.objects.count() == 1

    render_report.call(str(report.pk))
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.file
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Download the PDF" in page and 'http-equiv="refresh"' not in page

    again = client.get(url)
    download_url = reverse("reporting:report_download", args=[report.pk])
    assert again.status_code == 302 and again.url == download_url
    assert RenderedReport.objects.count() == 1
    download = client.get(download_url)
    content = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf"
    assert "Lead agency" in pdf_text(content)

    client.force_login(personas.chair)
    assert client.get(url).url == download_url  # another user who may see it: same file


def test_a_changed_plan_is_rendered_again_not_reused(client, seed, personas, settings):
    settings.REPORT_INLINE_MAX_ACTIONS = 1
    client.force_login(personas.viewer)
    url = reverse("reporting:exceptions_pdf", args=[SMALL_PLAN])
    client.get(url)
    first = RenderedReport.objects.get()
    render_report.call(str(first.pk))
    action = seed[SMALL_PLAN].actions.get(ref="1.1")
    action.rag = "red"
    action.save()
    response = client.get(url)
    second = RenderedReport.objects.exclude(pk=first.pk).get()
    assert response.url == second.get_absolute_url() and second.key != first.key


def test_stored_report_is_only_for_users_who_see_all_its_plans(client, seed, personas, settings):
    settings.REPORT_INLINE_MAX_ACTIONS = 1
    client.force_login(personas.viewer)
    client.get(reverse("reporting:plan_pack", args=[NORFOLK_PLAN]))
    report = RenderedReport.objects.get()
    render_report.call(str(report.pk))
    client.force_login(personas.stockton_viewer)
    assert client.get(report.get_absolute_url()).status_code == 404
    download = reverse("reporting:report_download", args=[report.pk])
    assert client.get(download).status_code == 404


def test_status_page_polls_with_htmx_and_answers_with_its_fragment(
    client, seed, personas, settings
):
    settings.REPORT_INLINE_MAX_ACTIONS = 1
    client.force_login(personas.viewer)
    client.get(reverse("reporting:plan_pack", args=[SMALL_PLAN]))
    report = RenderedReport.objects.get()
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 3s"' in page
    fragment = client.get(report.get_absolute_url(), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="report-status"')


def test_failed_render_is_shown_with_a_way_to_try_again(client, seed, personas, settings):
    settings.REPORT_INLINE_MAX_ACTIONS = 1
    client.force_login(personas.viewer)
    url = reverse("reporting:plan_pack", args=[SMALL_PLAN])
    client.get(url)
    report = RenderedReport.objects.get()
    report.created_by = None  # nobody may see the plan any more: the render must fail
    report.save()
    with pytest.raises(Exception, match="No plan"):
        render_report.call(str(report.pk))
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    page = client.get(report.get_absolute_url()).content.decode()
    assert "could not be prepared" in page and "Try again" in page
    client.get(url)
    assert RenderedReport.objects.count() == 2  # a failed one is not reused
