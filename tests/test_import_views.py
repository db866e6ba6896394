"""The import pages: upload -> preview -> confirm, for the board's business manager only."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from test_import_samples import CASE_PLAN, csv_bytes, row_counts, xlsx_bytes

from actionplans import import_urls
from actionplans.importing.preview import choice_key
from actionplans.importing.readers import MAX_FILE_BYTES
from actionplans.models import Action, Agency, Plan

pytestmark = pytest.mark.django_db

TOKEN = "6f1c0a52-9d4e-4a51-8d07-2f6a3f0e6b11"


@pytest.fixture
def media(settings):
    """The temporary MEDIA_ROOT that tests/conftest.py gives every test."""
    return settings.MEDIA_ROOT


def upload(client, data: bytes, *, name="child-q.xlsx", board="stockton", **fields):
    form = {"title": "Child Q plan", "kind": "scr", "plan": "", "sheet": ""} | fields
    form["file"] = SimpleUploadedFile(name, data)
    return client.post(reverse("imports:upload", kwargs={"board_slug": board}), form)


def stored_files(media) -> list:
    folder = media / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def answers(check, **changes) -> dict:
    """The preview's form as the manager would post it, with some answers changed."""
    data = {f"column_{column.index}": column.field for column in check.columns_form.columns}
    data |= {name: "unlinked" for name in check.resolutions_form.agency_names}
    data |= {name: "not_rated" for name in check.resolutions_form.status_words}
    return data | changes


def test_manager_uploads_checks_and_confirms(client, personas, media):
    client.force_login(personas.manager)
    response = upload(client, xlsx_bytes(CASE_PLAN))
    assert response.status_code == 302
    preview_url = response.url
    assert len(stored_files(media)) == 1

    response = client.get(preview_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Excel workbook, sheet &quot;Plan&quot;; headings on row 4" in html
    assert "add 4 actions, update 0, leave 0 unchanged" in html
    assert "Children&#x27;s Services" in html and "Purple" in html
    check = response.context["check"]
    assert [column.field for column in check.columns_form.columns][:3] == ["finding", "ref", "text"]

    data = answers(
        check,
        **{
            f"agency_{choice_key("Children's Services")}": "new",
            f"status_{choice_key('Purple')}": "blue",
        },
    )
    response = client.post(preview_url + "confirm/", data)
    assert response.status_code == 302
    plan = Plan.objects.get(slug="child-q-plan")
    assert response.url == plan.get_absolute_url()
    assert plan.actions.count() == 4
    action = plan.actions.get(ref="2.1")
    assert action.lead_agency == Agency.objects.get(
        board__slug="stockton", short_name="Children's Services"
    )
    assert plan.actions.get(ref="2.2").rag == "blue"
    assert action.history.get().history_user == personas.manager
    assert stored_files(media) == []
    page = client.get(response.url).content.decode()
    assert "Imported child-q.xlsx: 4 actions added, 0 updated, 0 unchanged." in page


def test_manager_changes_how_a_column_is_read(client, personas):
    client.force_login(personas.manager)
    preview_url = upload(client, csv_bytes(CASE_PLAN), name="plan.csv").url
    check = client.get(preview_url).context["check"]
    response = client.post(preview_url, answers(check, column_3="", column_7="kpis"))
    assert response.status_code == 200
    check = response.context["check"]
    assert check.preview.mapped["kpis"].heading == "How will we know"
    assert "lead" not in check.preview.mapped and not check.preview.unknown_agencies
    assert check.can_import


def test_the_same_field_for_two_columns_is_an_error(client, personas):
    client.force_login(personas.manager)
    preview_url = upload(client, csv_bytes(CASE_PLAN), name="plan.csv").url
    check = client.get(preview_url).context["check"]
    before = row_counts()
    response = client.post(preview_url + "confirm/", answers(check, column_3="text"))
    assert response.status_code == 400
    assert "“Action” is chosen for columns C and D. Choose it for one column only." in (
        response.content.decode()
    )
    assert row_counts() == before


def test_unknown_columns_are_reported_and_row_errors_block_the_import(client, personas):
    client.force_login(personas.manager)
    rows = [["Ref", "Action", "Notes"], ["1", "Fine", "x"], ["2", "", "y"]]
    preview_url = upload(client, csv_bytes(rows), name="plan.csv").url
    response = client.get(preview_url)
    html = response.content.decode()
    assert "C “Notes”" in html and "Not recognised" in html
    assert "Row 3: ref 2 has no action text." in html
    assert "formaction" not in html  # no Import button
    before = row_counts()
    response = client.post(preview_url + "confirm/", answers(response.context["check"]))
    assert response.status_code == 400
    assert row_counts() == before


def test_guessed_columns_and_the_files_rag_key_are_shown_for_the_manager_to_check(client, personas):
    client.force_login(personas.manager)
    rows = [["Red = <b>Stuck</b>, Green = Moving"], ["Ref", "Action", "Timing"],
            ["1", "Audit", "Q3 2015/16"]]  # fmt: skip
    response = client.get(upload(client, csv_bytes(rows), name="plan.csv").url)
    html = response.content.decode()
    assert html.count("Guessed from its words: check") == 1
    assert "Red: &lt;b&gt;Stuck&lt;/b&gt;<br>Green: Moving" in html
    (timing,) = [c for c in response.context["check"].columns_form.columns if c.index == 2]
    assert (timing.field, timing.status) == ("target", "guessed")


def test_reviews_the_board_does_not_have_are_listed_in_the_preview(client, personas):
    client.force_login(personas.manager)
    rows = [["Ref", "Action", "SCR Ref"], ["1", "Audit", "Case <Z>"]]
    html = client.get(upload(client, csv_bytes(rows), name="plan.csv").url).content.decode()
    assert "Reviews we could not find" in html
    assert "“Case &lt;Z&gt;” (row 2)" in html


def test_a_suggested_agency_is_chosen_in_advance_for_the_manager_to_check(client, personas):
    police = Agency.objects.get(board__slug="stockton", kind="police")
    police.short_name = "<i>Cleveland</i> Police"
    police.save()
    client.force_login(personas.manager)
    rows = [["Ref", "Action", "Lead"], ["1", "Audit", "DCI Jones, Constabulary"]]
    response = client.get(upload(client, csv_bytes(rows), name="plan.csv").url)
    (field,) = response.context["check"].resolutions_form.agency_fields()
    assert field.initial == str(police.pk)
    html = response.content.decode()
    hint = "Suggested: &lt;i&gt;Cleveland&lt;/i&gt; Police, the board&#x27;s only police agency."
    assert hint in html
    assert f'<option value="{police.pk}" selected>' in html


def test_a_file_with_many_unknown_leads_asks_about_the_first_hundred(client, personas):
    client.force_login(personas.manager)
    rows = [["Ref", "Action", "Lead"], *[[str(n), "Do", f"Officer {n}"] for n in range(1, 131)]]
    response = client.get(upload(client, csv_bytes(rows), name="plan.csv").url)
    assert len(response.context["check"].resolutions_form.agency_fields()) == 100
    assert "The other 30 leads will be left unlinked" in response.content.decode()


def test_script_in_a_cell_is_shown_as_text(client, personas):
    client.force_login(personas.manager)
    rows = [["Ref", "Action", "Lead"], ["1", '<script>alert("x")</script>', "<b>Police</b>"]]
    preview_url = upload(client, csv_bytes(rows), name="plan.csv").url
    response = client.get(preview_url)
    html = response.content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    response = client.post(preview_url + "confirm/", answers(response.context["check"]))
    plan_page = client.get(response.url).content.decode()
    assert "<script>alert" not in plan_page and "&lt;script&gt;alert" in plan_page
    assert Action.objects.get(plan__slug="child-q-plan").text == '<script>alert("x")</script>'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "This is not a spreadsheet or a text (CSV) file."),
        (b"PK\x03\x04 broken", "damaged"),
        (b"Just notes\nno table here\n", "could not find the table&#x27;s heading row"),
    ],
)
def test_unreadable_uploads_are_refused_and_not_kept(client, personas, media, data, message):
    client.force_login(personas.manager)
    response = upload(client, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="govuk-error-summary"' in response.content.decode()
    assert stored_files(media) == []


def test_upload_size_limit(client, personas, media):
    client.force_login(personas.manager)
    response = upload(client, b"x" * (MAX_FILE_BYTES + 1), name="big.csv")
    assert "The file must be smaller than 10 MB." in response.content.decode()
    assert stored_files(media) == []


def test_a_far_larger_upload_is_refused_before_it_is_read(client, personas, media):
    client.force_login(personas.manager)
    response = upload(client, b"x" * (MAX_FILE_BYTES + 100 * 1024), name="huge.csv")
    assert response.status_code == 413
    assert "The file must be smaller than 10 MB." in response.content.decode()
    assert stored_files(media) == []


def test_form_errors_are_shown_not_raised(client, personas, media):
    client.force_login(personas.manager)
    response = upload(client, csv_bytes(CASE_PLAN), name="p.csv", kind="nonsense", title="")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"kind", "title"}
    assert stored_files(media) == []


def test_a_title_taken_by_another_boards_plan_is_refused(client, personas, seed):
    client.force_login(personas.manager)
    title = seed["norfolk-cap-2017"].slug.replace("-", " ")
    response = upload(client, csv_bytes(CASE_PLAN), name="p.csv", title=title)
    assert response.context["form"].errors["title"] == [
        "A plan of another board already has this title. Choose a different title."
    ]


def test_missing_sheet_is_an_error_on_the_sheet_field(client, personas):
    client.force_login(personas.manager)
    response = upload(client, xlsx_bytes(CASE_PLAN), sheet="Actions")
    assert response.context["form"].errors["sheet"] == [
        'This workbook has no sheet called "Actions". Its sheets are: "Plan".'
    ]


def test_a_guidance_sheet_in_front_of_the_plan_is_passed_over(client, personas):
    client.force_login(personas.manager)
    data = xlsx_bytes([["Guidance for leads"]], title="Guidance", more_sheets={"Plan": CASE_PLAN})
    response = client.get(upload(client, data).url)
    assert response.context["check"].preview.table.sheet_name == "Plan"
    page = html.unescape(response.content.decode())
    assert 'sheet "Plan" (the first with a table of actions; passed over "Guidance")' in page


def test_a_progress_column_a_quarter_can_be_confirmed_as_mapped(client, personas):
    client.force_login(personas.manager)
    rows = [
        ["Ref", "Action", "Update June 2016", "Update Sept 2016"],
        ["1", "Audit cases", "Started", "Half done"],
    ]
    preview_url = upload(client, csv_bytes(rows), name="q.csv").url
    check = client.get(preview_url).context["check"]
    assert [column.field for column in check.preview.columns][2:] == ["progress", "progress"]
    response = client.post(preview_url + "confirm/", answers(check))
    assert response.status_code == 302
    action = Action.objects.get(plan__slug="child-q-plan", ref="1")
    labels = list(action.updates.order_by("as_at").values_list("label", flat=True))
    assert (action.progress, labels) == ("Half done", ["Update June 2016", "Update Sept 2016"])


def test_the_review_reference_given_is_shown_and_used(client, personas):
    client.force_login(personas.manager)
    preview_url = upload(client, csv_bytes(CASE_PLAN), name="p.csv", review="Case Q").url
    response = client.get(preview_url)
    page = html.unescape(response.content.decode())
    assert "Case Q" in page and "A new review of the board." in page
    response = client.post(preview_url + "confirm/", answers(response.context["check"]))
    assert response.status_code == 302
    action = Action.objects.filter(plan__slug="child-q-plan").first()
    assert [source.review.reference for source in action.sources.all()] == ["Case Q"]


def test_importing_into_an_existing_plan_of_the_board(client, personas, seed):
    client.force_login(personas.manager)
    rows = [
        ["Ref", "What we will do", "By when"],
        ["1.1", "Interim manager in place.", "March 2013"],
    ]
    preview_url = upload(client, csv_bytes(rows), name="u.csv", plan="stockton-ofsted-cp-2013").url
    response = client.get(preview_url)
    assert "Updates the existing plan" in response.content.decode()
    outcome = response.context["check"].outcome
    assert (outcome.created, outcome.updated, outcome.not_in_file) == (0, 1, 57)


def test_another_users_upload_is_not_found(client, personas, django_user_model):
    """An import is a PlanImport row of its user (no longer kept in the session: the
    same manager picks it up in a new session), and nobody else opens it."""
    from actionplans.models import Membership, PlanImport, Role
    from reviews.models import Board

    client.force_login(personas.manager)
    preview_url = upload(client, csv_bytes(CASE_PLAN), name="plan.csv").url
    stored = PlanImport.objects.get()
    assert (stored.user, stored.board.slug, stored.state) == (
        personas.manager,
        "stockton",
        "checking",
    )
    client.logout()
    client.force_login(personas.manager)  # a new session
    assert client.get(preview_url).status_code == 200
    other = django_user_model.objects.create_user("other-manager", password="x")
    Membership.objects.create(
        user=other, board=Board.objects.get(slug="stockton"), role=Role.MANAGER
    )
    client.force_login(other)
    assert client.get(preview_url).status_code == 404


def test_choose_board_lists_the_boards_the_manager_can_import_into(client, personas):
    client.force_login(personas.manager)
    html = client.get(reverse("imports:choose_board")).content.decode()
    assert re.findall(r'href="/import/([a-z-]+)/"', html) == ["norfolk", "stockton"]


# ------------------------------------------------------------------ who may import

EXPECTED = {
    # url name: (police lead on a board they can see, viewer of another board only)
    "upload": (403, 404),
    "preview": (403, 404),
    "confirm": (403, 404),
}


def import_urls_for(board: str) -> dict[str, str]:
    urls = {}
    for pattern in import_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        values = {"board_slug": board, "token": TOKEN}
        urls[pattern.name] = reverse(
            f"imports:{pattern.name}", kwargs={name: values[name] for name in names}
        )
    return urls


def test_every_import_url_has_a_rule():
    assert set(import_urls_for("norfolk")) == {*EXPECTED, "choose_board"}


def test_only_managers_may_choose_a_board_to_import_into(client, personas):
    url = reverse("imports:choose_board")
    for user in (personas.police_lead, personas.viewer, personas.stockton_viewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 405


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_only_managers_may_import(client, personas, name):
    url = import_urls_for("norfolk")[name]
    lead_status, outsider_status = EXPECTED[name]
    client.force_login(personas.police_lead)
    assert client.get(url).status_code == lead_status
    assert client.post(url).status_code == lead_status
    client.force_login(personas.stockton_viewer)
    assert client.get(url).status_code == outsider_status
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_lead_cannot_post_an_upload(client, personas, media):
    client.force_login(personas.police_lead)
    assert upload(client, csv_bytes(CASE_PLAN), board="norfolk").status_code == 403
    assert stored_files(media) == []


def test_manager_creates_all_unknown_agencies_in_one_step(client, personas):
    """Confirming needs an answer for every lead that matches no agency: one for all."""
    client.force_login(personas.manager)
    rows = [
        ["Ref", "Action", "Lead"],
        ["1", "Audit", "Stockton Youth Offending Service"],
        ["2", "Train", "North Tees Hospital NHS Trust"],
        ["3", "Plan", "Cleveland Police"],
    ]
    preview_url = upload(client, csv_bytes(rows), name="plan.csv").url
    check = client.get(preview_url).context["check"]
    assert len(check.preview.unknown_agencies) == 2
    unanswered = answers(check) | {name: "" for name in check.resolutions_form.agency_names}
    before = row_counts()
    response = client.post(preview_url + "confirm/", unanswered)
    assert response.status_code == 400
    assert "Choose what to do with this lead." in response.content.decode()
    assert row_counts() == before

    response = client.post(preview_url + "confirm/", unanswered | {"agencies_all": "new"})
    assert response.status_code == 302
    plan = Plan.objects.get(slug="child-q-plan")
    kinds = {a.ref: (a.lead_agency.short_name, a.lead_agency.kind) for a in plan.actions.all()}
    assert kinds["1"] == ("Stockton Youth Offending Service", "youth_justice")
    assert kinds["2"] == ("North Tees Hospital NHS Trust", "health")


def test_manager_says_which_rows_are_headings_and_the_choice_is_rechecked(client, personas):
    client.force_login(personas.manager)
    rows = [
        ["Ref", "Action", "Lead"],
        ["", "Early help: what we will change in the next year", "x"],
        ["1", "Audit", "Cleveland Police"],
        ["2", "Train", "Cleveland Police"],
    ]
    preview_url = upload(client, csv_bytes(rows), name="plan.csv").url
    check = client.get(preview_url).context["check"]
    assert len(check.preview.actions) == 3  # read as an action (it has a lead)
    response = client.post(preview_url, answers(check, heading_rows="2"))
    check = response.context["check"]
    assert check.can_import, check.problems
    assert [theme.title for theme in check.preview.themes] == [
        "Early help: what we will change in the next year"
    ]
    assert [a.ref for a in check.preview.actions] == ["1", "2"]
    response = client.post(preview_url, answers(check, heading_rows="two"))
    assert "Give row numbers only" in response.content.decode()
