"""The action list across plans: filters, sorting, paging, htmx, and only what you may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import RAG, Action

pytestmark = pytest.mark.django_db
URL = "/actions/"


def refs(response):
    return [(a.plan.slug, a.ref) for a in response.context["page"]]


def test_filter_by_plan_rag_and_text(client, personas, seed):
    client.force_login(personas.viewer)
    response = client.get(URL, {"plan": "norfolk-cap-2017"})
    assert response.context["result_count"] == 22
    response = client.get(URL, {"plan": "stockton-ofsted-cp-2013", "rag": ["blue"]})
    assert (
        response.context["result_count"]
        == Action.objects.filter(plan__slug="stockton-ofsted-cp-2013", rag=RAG.BLUE).count()
    )
    response = client.get(URL, {"q": "UEA research"})
    assert {ref for _, ref in refs(response)} == {"1.3", "7.1"}


def test_filter_by_agency_theme_review_and_due_dates(client, personas, seed):
    client.force_login(personas.viewer)
    cap = seed["norfolk-cap-2017"]
    theme = cap.themes.get(key="2")
    response = client.get(URL, {"plan": cap.slug, "theme": theme.pk})
    assert sorted(ref for _, ref in refs(response)) == ["2.1", "2.2", "2.3", "2.4"]
    health = Action.objects.get(plan=cap, ref="2.1").lead_agency
    response = client.get(URL, {"agency": health.pk})
    assert all(a.lead_agency_id == health.pk for a in response.context["page"])
    review = cap.actions.get(ref="1.4").reviews.get(reference="Case K")
    response = client.get(URL, {"review": review.pk})
    assert {ref for _, ref in refs(response)} == {"1.4", "3.3", "1.2", "4.1", "4.3"}
    response = client.get(
        URL, {"plan": cap.slug, "due_after": "2017-06-01", "due_before": "2017-06-30"}
    )
    assert sorted(ref for _, ref in refs(response)) == ["1.1", "1.3", "4.11"]


def test_overdue_filter_excludes_complete_actions(client, personas, seed):
    client.force_login(personas.viewer)
    response = client.get(URL, {"plan": "norfolk-cap-2017", "overdue": "on"})
    rows = list(response.context["page"])
    assert rows and all(a.is_overdue() for a in rows)
    assert "2.4" not in {a.ref for a in rows}  # complete


def test_sort_by_due_date(client, personas, seed):
    client.force_login(personas.viewer)
    response = client.get(URL, {"plan": "norfolk-cap-2017", "sort": "due"})
    dates = [a.due_date for a in response.context["page"] if a.due_date]
    assert dates == sorted(dates)


def test_pagination_and_query_count_is_constant(client, personas, seed, django_assert_num_queries):
    client.force_login(personas.viewer)
    last_page = -(-Action.objects.count() // 50)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few_rows:
        response = client.get(URL, {"page": last_page})
    assert len(response.context["page"]) < 50
    # 13: the page's ids, then its rows (actionplans.pagination), on every page alike.
    assert len(few_rows.captured_queries) <= 13
    with django_assert_num_queries(len(few_rows.captured_queries)):
        response = client.get(URL, {"page": 1})
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages == last_page
    second = client.get(URL, {"page": 2})
    assert refs(second)[0] not in refs(response)


def test_htmx_request_gets_only_the_results(client, personas, seed):
    client.force_login(personas.viewer)
    full = client.get(URL, {"plan": "norfolk-cap-2017"}).content.decode()
    partial = client.get(
        URL, {"plan": "norfolk-cap-2017"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" in full and "<html" not in partial
    assert 'id="results"' in partial and "22</strong> actions" in partial


def test_bad_filter_values_give_a_message_not_an_error(client, personas, seed):
    client.force_login(personas.viewer)
    response = client.get(URL, {"due_after": "31/02/2015", "rag": ["purple"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert response.context["result_count"] == 0


def test_stockton_viewer_sees_only_stockton_actions(client, personas, seed):
    client.force_login(personas.stockton_viewer)
    response = client.get(URL)
    assert {slug for slug, _ in refs(response)} <= {
        "stockton-jtai-neglect-2018",
        "stockton-ofsted-cp-2013",
    }
    assert response.context["result_count"] == 25 + 58
    # A Norfolk plan in the filter is not a valid choice: nothing leaks.
    response = client.get(URL, {"plan": "norfolk-cap-2017"})
    assert response.context["result_count"] == 0
    plans = client.get(reverse("actionplans:plan_list")).content.decode()
    assert "Composite Action Plan" not in plans


def test_theme_choice_is_offered_once_a_plan_is_chosen(client, personas, seed):
    """Themes belong to one plan: no theme list (and no query for one) until a plan is
    chosen; then that plan's themes only, and the plan list still names every plan."""
    client.force_login(personas.viewer)
    cap = seed["norfolk-cap-2017"]
    page = client.get(URL).content.decode()
    assert 'name="theme"' not in page
    assert all(f'value="{plan.slug}"' in page for plan in seed.values())
    page = client.get(URL, {"plan": cap.slug}).content.decode()
    themes = page.split('name="theme"', 1)[1].split("</select>", 1)[0]
    assert all(theme.title in themes for theme in cap.themes.all())
    others = [t for p in seed.values() if p != cap for t in p.themes.all()]
    assert others and not any(f'value="{t.pk}"' in themes for t in others)
