"""Export downloads follow the pages: a user only ever gets rows they may see."""

import csv
import io
import re

import pytest
from django.urls import URLPattern, reverse
from openpyxl import load_workbook

from reporting import export_urls, exports

pytestmark = pytest.mark.django_db

NORFOLK_PLAN = "norfolk-cap-2017"
STOCKTON_PLAN = "stockton-jtai-neglect-2018"


def export_url(name: str, slug: str = NORFOLK_PLAN) -> str:
    return reverse(f"exports:{name}", kwargs={"slug": slug} if name.startswith("plan") else {})


def refs(response) -> list[tuple[str, str]]:
    if response["Content-Type"] == exports.XLSX_CONTENT_TYPE:
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = list(sheet.values)
        return [(row[0], row[1]) for row in rows[1:]]
    text = response.content.decode("utf-8-sig")
    return [(row["Plan"], row["Ref"]) for row in csv.DictReader(io.StringIO(text, newline=""))]


KINDS = {
    "plan_csv": exports.CSV_CONTENT_TYPE,
    "plan_xlsx": exports.XLSX_CONTENT_TYPE,
    "plan_updates_csv": exports.CSV_CONTENT_TYPE,
    "action_list_csv": exports.CSV_CONTENT_TYPE,
    "action_list_xlsx": exports.XLSX_CONTENT_TYPE,
    "action_list_updates_csv": exports.CSV_CONTENT_TYPE,
}


def test_every_export_url_has_a_content_type():
    names = {pattern.name for pattern in export_urls.urlpatterns if isinstance(pattern, URLPattern)}
    assert names == set(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_exports_download_with_their_content_type(client, personas, name):
    client.force_login(personas.viewer)
    response = client.get(export_url(name))
    assert response.status_code == 200
    assert response["Content-Type"] == KINDS[name]
    extension = "xlsx" if "xlsx" in name else "csv"
    assert re.match(
        rf'attachment; filename="[a-z0-9-]+-\d{{4}}-\d{{2}}-\d{{2}}\.{extension}"',
        response["Content-Disposition"],
    )
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("name", ["plan_csv", "plan_xlsx", "plan_updates_csv"])
def test_another_boards_plan_is_not_found(client, personas, name):
    client.force_login(personas.stockton_viewer)
    assert client.get(export_url(name, NORFOLK_PLAN)).status_code == 404
    assert client.get(export_url(name, STOCKTON_PLAN)).status_code == 200
    assert client.get(export_url(name, "no-such-plan")).status_code == 404


@pytest.mark.parametrize("name", sorted(KINDS))
def test_exports_are_downloads_only(client, personas, name):
    client.force_login(personas.manager)
    assert client.post(export_url(name)).status_code == 405


@pytest.mark.parametrize("name", sorted(KINDS))
def test_anonymous_users_are_sent_to_sign_in(client, name):
    response = client.get(export_url(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["action_list_csv", "action_list_xlsx"])
def test_action_list_export_has_only_what_the_user_can_see(client, personas, seed, name):
    client.force_login(personas.stockton_viewer)
    rows = refs(client.get(export_url(name)))
    plans = {plan for plan, _ref in rows}
    assert plans == {seed[STOCKTON_PLAN].title, seed["stockton-ofsted-cp-2013"].title}
    assert len(rows) == 25 + 58


@pytest.mark.parametrize("name", ["action_list_csv", "action_list_xlsx"])
def test_action_list_export_applies_the_lists_filters(client, personas, seed, name):
    client.force_login(personas.viewer)
    response = client.get(export_url(name), {"plan": NORFOLK_PLAN, "rag": "blue"})
    assert refs(response) == [(seed[NORFOLK_PLAN].title, "2.4")]


def test_action_list_export_refuses_bad_filters(client, personas):
    client.force_login(personas.viewer)
    response = client.get(export_url("action_list_csv"), {"rag": "purple"})
    assert response.status_code == 400
    assert "Check the filters" in response.content.decode()


def test_stockton_viewer_cannot_filter_their_way_into_norfolk(client, personas):
    client.force_login(personas.stockton_viewer)
    response = client.get(export_url("action_list_csv"), {"plan": NORFOLK_PLAN})
    assert response.status_code == 400


def test_update_trail_export_of_a_plan(client, personas, seed):
    client.force_login(personas.chair)
    response = client.get(export_url("plan_updates_csv", "stockton-ofsted-cp-2013"))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows and {row["Plan"] for row in rows} == {seed["stockton-ofsted-cp-2013"].title}
    assert {row["Status"] for row in rows} == {"Approved"}
