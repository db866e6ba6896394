"""The dashboards: figures, charts (SVG read back for their numbers), filters, queries."""

# ruff: noqa: S314 - the SVG parsed is our own output

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import RAG, Action, Agency
from reporting import selectors
from reporting.dashboard.selectors import dashboard

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def _board_url(slug="norfolk"):
    return reverse("reporting:board_dashboard", kwargs={"slug": slug})


def _plan_url(slug):
    return reverse("reporting:plan_dashboard", kwargs={"slug": slug})


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def _bar_widths(svg: ET.Element) -> dict[tuple[int, int], float]:
    """(series, category) -> the bar's width, read from the path matplotlib drew."""
    widths = {}
    for group in svg.iter(f"{SVG}g"):
        match = re.search(r"bar-(\d+)-(\d+)$", group.get("id", ""))
        if not match:
            continue
        path = group.find(f"{SVG}path")
        xs = [float(x) for x in re.findall(r"[ML]\s*(-?[\d.]+)\s", path.get("d") + " ")]
        widths[(int(match[1]), int(match[2]))] = max(xs) - min(xs)
    return widths


def test_viewer_sees_the_board_dashboard_with_charts_and_tables(client, personas):
    client.force_login(personas.viewer)
    response = client.get(_board_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard: " in html
    svgs = _svgs(html)
    assert len(svgs) >= 4
    for svg in svgs:
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}title").text
        assert svg.find(f"{SVG}desc").text
    # The strict CSP blocks inline styles and scripts: none may reach the page.
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    # RAG words beside the colours (in the legend drawn in the SVG), and each chart's
    # numbers as a table.
    agency = response.context["dashboard"].charts["agency"]
    texts = {text.text for text in ET.fromstring(agency.svg).iter(f"{SVG}text")}
    assert {"Blue – complete", "Not rated"} <= texts
    assert agency.columns[:-1] == ["Blue – complete", "Not rated"]
    assert html.count('caption--s">The numbers: ') == len(svgs)


def test_stockton_viewer_gets_not_found_on_norfolk_dashboards(client, personas):
    client.force_login(personas.stockton_viewer)
    assert client.get(_board_url()).status_code == 404
    assert client.get(_plan_url("norfolk-cap-2017")).status_code == 404
    assert client.get(_board_url("stockton")).status_code == 200


def test_agency_chart_bars_match_the_pack_counts(personas, seed):
    plan = seed["stockton-ofsted-cp-2013"]
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    pack = selectors.board_pack(plans=[plan])
    expected = Counter((row.lead_agency or "No lead agency", row.rag) for row in pack.rows)
    chart = result.charts["agency"]
    statuses = [
        s for s in (RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE, RAG.NOT_STARTED, RAG.NOT_RATED)
    ]
    present = [s for s in statuses if any(rag == s for _, rag in expected)]
    assert chart.columns == [plan.rag_label(s) for s in present] + ["Total"]
    for agency, values in chart.rows:
        assert values[:-1] == [expected[(agency, s)] for s in present]
        assert values[-1] == sum(values[:-1])
    widths = _bar_widths(ET.fromstring(chart.svg))
    # Every bar's width is its count times one scale: the drawing says the same as the table.
    scales = {
        round(widths[(si, ci)] / values[si], 3)
        for ci, (_, values) in enumerate(chart.rows)
        for si in range(len(present))
        if values[si]
    }
    assert len(scales) == 1
    assert all(
        widths[(si, ci)] < 1e-6
        for ci, (_, values) in enumerate(chart.rows)
        for si in range(len(present))
        if not values[si]
    )


def test_filters_narrow_the_dashboard_to_an_agency(client, personas, seed):
    plan = seed["norfolk-cap-2017"]
    agency = Agency.objects.get(board__slug="norfolk", short_name="Health")
    client.force_login(personas.chair)
    response = client.get(_board_url(), {"agency": agency.pk})
    assert response.status_code == 200
    data = response.context["dashboard"]
    total = Action.objects.filter(plan__board__slug="norfolk", lead_agency=agency).count()
    assert data.counts["actions"] == total
    assert [name for name, _ in data.charts["agency"].rows] == ["Health"]
    assert plan.title in response.content.decode()


def test_recurring_themes_count_the_reviews_under_each_theme(personas, seed):
    plan = seed["norfolk-cap-2017"]
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    assert result.recurring
    for entry in result.recurring:
        actions = Action.objects.filter(plan=plan, theme__title=entry.theme)
        reviews = set(actions.values_list("sources__review__reference", flat=True)) - {None}
        assert set(entry.reviews) == reviews
        assert entry.actions == actions.count()
        assert sum(entry.counts.values()) == actions.count()
    chart = result.charts["recurring"]
    assert [values[0] for _, values in chart.rows] == [len(e.reviews) for e in result.recurring]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_dashboard_queries_do_not_grow_with_the_actions(client, personas, seed, open_round):
    from actionplans import services
    from actionplans.models import ActionSource, RoundAction

    board = seed["norfolk-cap-2017"].board
    plans = list(board.plans.order_by("title"))
    opened = open_round(plans)
    health = Agency.objects.get(board=board, short_name="Health")
    # One reply in before the first count, so every path of the tracker is taken both times.
    services.update_submit(
        action=Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1"),
        author=personas.health_lead,
        rag=RAG.AMBER,
        progress="Audit under way.",
    )
    client.force_login(personas.viewer)
    url = _board_url()
    client.get(url)  # warm the session and caches
    before = _queries(client, url)
    owed_before = sum(row[1][0] for row in _dashboard_charts(personas, board)["response"].rows)
    agencies = list(Agency.objects.filter(board=board).order_by("short_name"))
    reviews = list(board.reviews.order_by("reference"))
    for number in range(40):
        plan = plans[number % len(plans)]
        template = Action.objects.filter(plan=plan).first()
        agency = health if number % 4 == 0 else agencies[number % len(agencies)]
        action = Action.objects.create(
            plan=plan,
            theme=template.theme,
            ref=f"9.{number}",
            text=f"Extra action {number}",
            lead_agency=agency,
            rag=RAG.RED if number % 2 else RAG.GREEN,
            target_text="March 2016" if number % 3 else "December 2099",
            position=1000 + number,
        )
        if number % 5 == 0:
            action.move_target("January 2100")
            action.save()
        ActionSource.objects.create(action=action, review=reviews[number % len(reviews)])
        # The action joins the open round: it owes an update too...
        RoundAction.objects.create(round=opened, action=action, agency=agency)
        if agency == health and number % 8 == 0:
            # ...and some have sent one.
            services.update_submit(
                action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Started."
            )
    assert Action.objects.filter(plan__board=board).count() > 100
    response = _dashboard_charts(personas, board)["response"]
    assert sum(row[1][0] for row in response.rows) == owed_before + 40
    assert _queries(client, url) == before


def _dashboard_charts(personas, board):
    return dashboard(user=personas.viewer, board=board).charts


def test_board_pack_prints_the_charts_on_a_summary_page_after_the_cover(seed):
    import io

    from pypdf import PdfReader

    from reporting import pdf
    from reporting.dashboard.selectors import pack_charts

    plan = seed["stockton-ofsted-cp-2013"]
    pack = selectors.board_pack(plans=[plan])
    reader = PdfReader(io.BytesIO(pdf.render_pack(pack)))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert "Board report:" in pages[0]
    # After the cover and its summary counts (on the same page when they fit: no forced
    # break leaves the summary's page mostly empty).
    first = next(i for i, page in enumerate(pages) if "Summary in charts" in page)
    assert 1 <= first <= 3
    summary = " ".join(pages[1 : first + 1])
    assert summary.index("Actions by RAG status and lead agency") < summary.index(
        "Summary in charts"
    )
    charts = pack_charts(pack)
    text = " ".join(pages[first : first + 3])
    for chart in charts:
        assert chart.title in text
        # The table beside each chart: every row's label and numbers, in order.
        for label, values in chart.rows:
            assert " ".join([label, *map(str, values)]) in text
    agency = next(chart for chart in charts if chart.key.startswith("chart-agency"))
    expected = Counter(row.lead_agency for row in pack.rows)
    assert {label: values[-1] for label, values in agency.rows} == dict(expected)
    # The sections still follow, after the chart pages.
    assert any("Recommendation 1" in page for page in pages[first + 2 :])


def test_response_rate_chart_counts_the_open_rounds_replies_per_agency(
    client, personas, seed, open_round
):
    from actionplans import services
    from actionplans.rounds.selectors import round_tracker

    plan = seed["norfolk-cap-2017"]
    opened = open_round([plan])
    action = Action.objects.get(plan=plan, ref="2.1")
    services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit under way."
    )
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    chart = result.charts["response"]
    tracker = {str(row.agency): row for row in round_tracker(opened).rows}
    assert chart.columns == ["Owed", "Received", "Response rate"]
    for agency, (owed, received, rate) in chart.rows:
        assert (owed, received) == (tracker[agency].owed, tracker[agency].replied)
        assert rate == f"{tracker[agency].response_rate}%"
    assert dict((a, v[1]) for a, v in chart.rows)[str(action.lead_agency)] == 1
    widths = _bar_widths(ET.fromstring(chart.svg))
    rates = [int(rate[:-1]) for _, (_, _, rate) in chart.rows]
    scales = {round(widths[(0, i)] / r, 3) for i, r in enumerate(rates) if r}
    assert len(scales) == 1
