"""The offline return: a lead (or the manager) downloads the round's actions as a
workbook, fills it in and uploads it; each filled row becomes an update through the web
form's rules. Real workbooks (openpyxl), real views, real storage; no mocks."""

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from actionplans import services
from actionplans.importing.readers import MAX_FILE_BYTES
from actionplans.models import RAG, Action, Agency, ProgressUpdate, UpdateStatus
from actionplans.rounds import offline, uploads
from actionplans.rounds.services import (
    ReturnRefused,
    RoundClosedError,
    RoundRequest,
    offline_return_apply,
    round_close,
    round_open,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
HEADINGS = {column.key: column.heading for column in offline.COLUMNS}


def _open(plan, manager, name="Q3 2026/27 – board 20 January 2027"):
    return round_open(
        request=RoundRequest(
            board=plan.board,
            name=name,
            deadline=TODAY + datetime.timedelta(days=21),
            meeting_date=TODAY + datetime.timedelta(days=35),
            plans=[plan],
        ),
        by=manager,
    )


@pytest.fixture
def cap_round(seed, personas):
    """The Norfolk composite plan: the health lead leads 2.1 and 2.2, no police force any."""
    return _open(seed["norfolk-cap-2017"], personas.manager)


@pytest.fixture
def jtai_round(seed, personas):
    """Stockton's JTAI plan, in its own RAG words, with police and health actions."""
    return _open(seed["stockton-jtai-neglect-2018"], personas.manager, name="JTAI spring round")


def download(client, user, round, **query) -> bytes:
    client.force_login(user)
    response = client.get(reverse("actionplans:offline_return_download", args=[round.pk]), query)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return response.content


def sheet_rows(data: bytes) -> list[dict]:
    """The action rows of a return, by heading."""
    sheet = load_workbook(io.BytesIO(data))[offline.SHEET]
    headings = [cell.value for cell in sheet[offline.HEADER_ROW]]
    return [
        dict(zip(headings, [cell.value for cell in row], strict=False))
        for row in sheet.iter_rows(min_row=offline.FIRST_ROW)
    ]


def fill(data: bytes, rows: dict[str, dict[str, object]]) -> bytes:
    """The workbook with cells written by action ref and column key, as a lead would."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[offline.SHEET]
    headings = [cell.value for cell in sheet[offline.HEADER_ROW]]
    column = {key: headings.index(heading) + 1 for key, heading in HEADINGS.items()}
    by_ref = {
        sheet.cell(row=number, column=column["ref"]).value: number
        for number in range(offline.FIRST_ROW, sheet.max_row + 1)
    }
    for ref, values in rows.items():
        for key, value in values.items():
            sheet.cell(row=by_ref[ref], column=column[key], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_of(data: bytes, ref: str) -> int:
    for number, row in enumerate(sheet_rows(data), start=offline.FIRST_ROW):
        if row[HEADINGS["ref"]] == ref:
            return number
    raise AssertionError(ref)


def upload(client, round, data: bytes, name="return.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(
        reverse("actionplans:offline_return_upload", args=[round.pk]), {"file": file}
    )


def returns_kept() -> list[str]:
    try:
        return default_storage.listdir(uploads.RETURNS_DIRECTORY)[1]
    except FileNotFoundError:
        return []


def action(plan_slug: str, ref: str) -> Action:
    return Action.objects.select_related("plan", "lead_agency").get(plan__slug=plan_slug, ref=ref)


# ------------------------------------------------------------------ the workbook


def test_health_lead_downloads_only_their_agencies_actions(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == [offline.SHEET, offline.GUIDE_SHEET]
    sheet = workbook[offline.SHEET]
    title = sheet.cell(row=offline.TITLE_ROW, column=3).value
    assert cap_round.name in title and "Health" in title
    assert f"{cap_round.deadline:%d %B %Y}" in title
    assert [cell.value for cell in sheet[offline.HEADER_ROW]] == list(HEADINGS.values())
    assert sheet.column_dimensions["A"].hidden and sheet.column_dimensions["B"].hidden

    rows = sheet_rows(data)
    assert [row["Ref"] for row in rows] == ["2.1", "2.2"]
    first = action("norfolk-cap-2017", "2.1")
    assert rows[0][HEADINGS["action_id"]] == first.pk
    assert rows[0][HEADINGS["version"]] == first.version
    assert rows[0]["Action"] == first.text and rows[0]["Target date"] == first.target_text
    assert rows[0]["Current RAG status"] == first.rag_label
    assert {row["Lead agency"] for row in rows} == {"Health"}
    for key in offline.FILLED:
        assert all(row[HEADINGS[key]] is None for row in rows)
    # No other agency's actions anywhere in the file.
    others = Action.objects.filter(plan__slug="norfolk-cap-2017").exclude(
        lead_agency=first.lead_agency
    )
    every_cell = {
        cell.value for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
    }
    assert not {other.text for other in others} & every_cell


def test_the_proposed_rag_drop_down_is_in_the_plans_own_words(client, personas, jtai_round):
    data = download(client, personas.police_lead, jtai_round)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[offline.SHEET]
    rows = sheet_rows(data)
    assert rows and {row["Lead agency"] for row in rows} == {"Cleveland Police"}
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and validation.errorStyle == "information"
    letter = offline.LETTERS["rag_proposed"]
    assert {str(cells) for cells in validation.sqref.ranges} == {
        f"{letter}{number}" for number in range(offline.FIRST_ROW, offline.FIRST_ROW + len(rows))
    }
    guide = workbook[offline.GUIDE_SHEET]
    listed = validation.formula1.split("!")[1].replace("$", "")
    words = [cell.value for (cell,) in guide[listed]]
    plan = jtai_round.plans.get()
    assert words == [plan.rag_label(status) for status in offline.PROPOSABLE]
    assert "Green – On track" in words and "Blue – Completed" in words


def test_manager_downloads_every_agency_or_one(client, personas, cap_round):
    every = sheet_rows(download(client, personas.manager, cap_round))
    assert len(every) == Action.objects.filter(plan__slug="norfolk-cap-2017").count()
    health = Agency.objects.get(board__slug="norfolk", short_name="Health")
    one = sheet_rows(download(client, personas.manager, cap_round, agency=health.pk))
    assert [row["Ref"] for row in one] == ["2.1", "2.2"]
    stockton = Agency.objects.get(board__slug="stockton", short_name="SBC")
    url = reverse("actionplans:offline_return_download", args=[cap_round.pk])
    assert client.get(url, {"agency": stockton.pk}).status_code == 404
    assert client.get(url, {"agency": "x"}).status_code == 404


def test_a_lead_cannot_ask_for_another_agencys_actions(client, personas, cap_round):
    client.force_login(personas.health_lead)
    education = Agency.objects.get(board__slug="norfolk", short_name="Education")
    url = reverse("actionplans:offline_return_download", args=[cap_round.pk])
    assert client.get(url, {"agency": education.pk}).status_code == 404


def test_text_a_spreadsheet_would_run_is_neutralised(client, personas, cap_round):
    first = action("norfolk-cap-2017", "2.1")
    services.action_update(
        action=first,
        editor=personas.manager,
        data={"text": '=HYPERLINK("http://evil.example","Click")', "target_text": "+1 month"},
        expected_version=first.version,
        target_change_reason="Moved",
    )
    data = download(client, personas.health_lead, cap_round)
    sheet = load_workbook(io.BytesIO(data))[offline.SHEET]
    number = row_of(data, "2.1")
    text, target = sheet.cell(row=number, column=6), sheet.cell(row=number, column=7)
    assert text.data_type == "s" and text.value.startswith("'=HYPERLINK")
    assert target.data_type == "s" and target.value == "'+1 month"
    formulas = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []


# ------------------------------------------------------------ uploading a return


def test_health_lead_uploads_a_filled_return_and_confirms(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(
        data,
        {
            "2.1": {
                "progress": "Audit of 40 cases done.",
                "next_steps": "Report to the board in March.",
                "rag_proposed": "Amber – some slippage",
            }
        },
    )
    response = upload(client, cap_round, filled)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Audit of 40 cases done." in page and "Send 1 update for approval" in page
    assert "1 row: skipped" in page  # 2.2 was left empty
    assert "on behalf" not in page
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 0, "nothing before confirm"
    assert len(returns_kept()) == 1

    token = response.context["token"]
    confirm = client.post(
        reverse("actionplans:offline_return_confirm", args=[cap_round.pk]), {"token": token}
    )
    assert confirm.status_code == 302 and confirm.url == reverse("actionplans:my_actions")
    (update,) = ProgressUpdate.objects.filter(round=cap_round)
    assert update.action.ref == "2.1" and update.author == personas.health_lead
    assert update.status == UpdateStatus.PENDING and update.rag == RAG.AMBER
    assert update.progress == "Audit of 40 cases done."
    assert update.next_steps == "Report to the board in March."
    assert returns_kept() == [], "the file is deleted after confirm"
    # The same token again: the upload is gone.
    again = client.post(
        reverse("actionplans:offline_return_confirm", args=[cap_round.pk]), {"token": token}
    )
    assert again.status_code == 400 and "expired or was already sent" in again.content.decode()
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 1


def test_the_same_file_twice_creates_nothing_new(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(
        data,
        {
            "2.1": {"progress": "Done.", "rag_proposed": "green"},
            "2.2": {"next_steps": "Training in May."},
        },
    )
    first = offline_return_apply(round=cap_round, by=personas.health_lead, data=filled)
    assert len(first.created) == 2 and first.already == 0
    second = offline_return_apply(round=cap_round, by=personas.health_lead, data=filled)
    assert second.created == [] and second.already == 2
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 2

    # Even after the manager approved one (its action's version moved on).
    services.update_approve(update=first.created[0], approver=personas.manager)
    response = upload(client, cap_round, filled)
    page = response.content.decode()
    assert response.status_code == 200 and "Sent before" in page
    assert "There is nothing new to send" in page and response.context["token"] == ""
    assert returns_kept() == []
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 2


def test_an_action_changed_since_the_download_refuses_its_row(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    changed = action("norfolk-cap-2017", "2.1")
    services.action_update(
        action=changed,
        editor=personas.manager,
        data={"rag": RAG.RED},
        expected_version=changed.version,
    )
    filled = fill(
        data,
        {"2.1": {"progress": "Audit done."}, "2.2": {"progress": "Training booked."}},
    )
    with pytest.raises(ReturnRefused) as refused:
        offline_return_apply(round=cap_round, by=personas.health_lead, data=filled)
    (problem,) = refused.value.check.errors
    number = row_of(data, "2.1")
    assert problem.startswith(f"Row {number}: action 2.1 was changed by manager")
    assert "rag status" in problem and "Download the return again" in problem
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 0, "all or nothing"


def test_bad_rag_word_and_new_target_without_reason_are_row_errors(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(
        data,
        {
            "2.1": {"progress": "Going well.", "rag_proposed": "Purple"},
            "2.2": {"progress": "Delayed.", "proposed_target_text": "March 2027"},
        },
    )
    response = upload(client, cap_round, filled)
    assert response.status_code == 200 and response.context["token"] == ""
    errors = response.context["check"].errors
    first, second = row_of(data, "2.1"), row_of(data, "2.2")
    assert errors == [
        f"Row {first} (action 2.1), RAG status you propose: “Purple” is not a status of this "
        "plan. Choose from the list (Red – behind schedule; Amber – some slippage; Green – on "
        "track; Blue – complete; Not started) or write the colour.",
        f"Row {second} (action 2.2), Reason for the new target date: Give a reason for "
        "changing the target date.",
    ]
    page = response.content.decode()
    assert "This return cannot be sent yet" in page and "Nothing has been sent" in page
    assert returns_kept() == []
    with pytest.raises(ReturnRefused):
        offline_return_apply(round=cap_round, by=personas.health_lead, data=filled)
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 0


def test_rag_in_the_plans_words_or_the_colour_alone_is_read(client, personas, jtai_round):
    data = download(client, personas.police_lead, jtai_round)
    refs = [row["Ref"] for row in sheet_rows(data)][:4]
    filled = fill(
        data,
        {
            refs[0]: {"progress": "a", "rag_proposed": "Green – On track"},
            refs[1]: {"progress": "b", "rag_proposed": "  BLUE "},
            refs[2]: {"progress": "c", "rag_proposed": "Behind schedule"},
            refs[3]: {"progress": "d", "rag_proposed": "red - behind  schedule"},
        },
    )
    check = offline.check_return(round=jtai_round, user=personas.police_lead, data=filled)
    assert check.errors == []
    assert [row.rag for row in check.rows] == [RAG.GREEN, RAG.BLUE, RAG.RED, RAG.RED]


def test_a_row_with_a_status_but_nothing_said_is_refused_and_empty_rows_skipped(
    client, personas, cap_round
):
    data = download(client, personas.manager, cap_round)
    filled = fill(data, {"1.1": {"rag_proposed": "Green"}, "2.1": {"progress": "Done."}})
    check = offline.check_return(round=cap_round, user=personas.manager, data=filled)
    assert check.errors == [
        f"Row {row_of(data, '1.1')} (action 1.1), What has been done: Say what has been done "
        "or what happens next."
    ]
    assert len(check.skipped) == len(sheet_rows(data)) - 2


def test_huge_text_is_a_row_error(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(data, {"2.2": {"progress": "x" * 25_000}})
    check = offline.check_return(round=cap_round, user=personas.health_lead, data=filled)
    assert check.errors[0] == (
        f"Row {row_of(data, '2.2')} (action 2.2), What has been done: Keep this to 20000 "
        "characters or fewer."
    )
    assert all(error.startswith(f"Row {row_of(data, '2.2')} ") for error in check.errors)


def test_rows_added_or_pasted_from_elsewhere_are_row_errors(client, personas, cap_round, seed):
    data = download(client, personas.manager, cap_round)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[offline.SHEET]
    progress = offline.COLUMNS.index(offline.BY_KEY["progress"]) + 1
    end = sheet.max_row
    sheet.cell(row=end + 1, column=progress, value="An update with no action")
    outsider = Action.objects.filter(plan__slug="norfolk-scr-case-l-2014").first()
    sheet.cell(row=end + 2, column=1, value=outsider.pk)
    sheet.cell(row=end + 2, column=2, value=outsider.version)
    sheet.cell(row=end + 2, column=progress, value="Pasted from another return")
    sheet.cell(row=end + 3, column=1, value=10**30)  # past any id: not ours
    sheet.cell(row=end + 3, column=progress, value="A forged id")
    sheet.cell(row=end + 4, column=3, value="A note under the table is ignored")
    buffer = io.BytesIO()
    workbook.save(buffer)
    check = offline.check_return(round=cap_round, user=personas.manager, data=buffer.getvalue())
    assert [error.split(":")[0] for error in check.errors] == [
        f"Row {end + 1}",
        f"Row {end + 2}",
        f"Row {end + 3}",
    ]
    assert "no action id" in check.errors[0] and "no action id" in check.errors[2]
    assert f"not in “{cap_round}”" in check.errors[1]


# --------------------------------------------------------------- refused files


def test_a_file_that_is_not_a_workbook_is_refused(client, personas, cap_round):
    client.force_login(personas.health_lead)
    response = upload(client, cap_round, b"Action,Progress\n2.1,Done\n", name="return.xlsx")
    assert response.status_code == 200
    assert "This file is not an Excel workbook (.xlsx)" in response.content.decode()
    assert returns_kept() == [] and ProgressUpdate.objects.filter(round=cap_round).count() == 0


def test_a_workbook_that_is_not_our_return_is_refused(client, personas, cap_round, jtai_round):
    client.force_login(personas.health_lead)
    workbook = Workbook()
    workbook.active.title = "Updates"
    workbook.active.append(["Ref", "Progress"])
    workbook.active.append(["2.1", "Done"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, cap_round, buffer.getvalue())
    assert response.status_code == 200
    assert "This is not an offline return of this service" in response.content.decode()

    other = download(client, personas.manager, jtai_round)
    client.force_login(personas.health_lead)
    response = upload(client, cap_round, other)
    assert "This return was downloaded for another round" in response.content.decode()
    assert returns_kept() == []


def test_a_return_that_lost_its_columns_is_refused(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    workbook = load_workbook(io.BytesIO(data))
    workbook[offline.SHEET].delete_cols(offline.COLUMNS.index(offline.BY_KEY["progress"]) + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    check = offline.check_return(round=cap_round, user=personas.health_lead, data=buffer.getvalue())
    assert check.file_error == (
        "Row 3 of the return has lost these columns: “What has been done”. Download the "
        "return again and copy your updates into it."
    )
    # Without its hidden first columns it is no return of ours at all.
    workbook[offline.SHEET].delete_cols(1, 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    check = offline.check_return(round=cap_round, user=personas.health_lead, data=buffer.getvalue())
    assert check.file_error == offline.NOT_OURS


def test_a_closed_round_refuses_uploads(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(data, {"2.1": {"progress": "Late news."}})
    round_close(round=cap_round, by=personas.manager)
    client.force_login(personas.health_lead)
    url = reverse("actionplans:offline_return_upload", args=[cap_round.pk])
    page = client.get(url)
    assert page.status_code == 200 and "it no longer takes updates" in page.content.decode()
    assert 'type="file"' not in page.content.decode()
    response = upload(client, cap_round, filled)
    assert response.status_code == 409 and "it no longer takes updates" in response.content.decode()
    download_url = reverse("actionplans:offline_return_download", args=[cap_round.pk])
    assert client.get(download_url).status_code == 409
    with pytest.raises(RoundClosedError):
        offline_return_apply(round=cap_round, by=personas.health_lead, data=filled)
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 0


def test_a_round_closed_between_preview_and_confirm(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    response = upload(client, cap_round, fill(data, {"2.1": {"progress": "Done."}}))
    round_close(round=cap_round, by=personas.manager)
    confirm = client.post(
        reverse("actionplans:offline_return_confirm", args=[cap_round.pk]),
        {"token": response.context["token"]},
    )
    assert confirm.status_code == 409 and "it no longer takes updates" in confirm.content.decode()
    assert not ProgressUpdate.objects.filter(progress="Done.").exists()
    assert returns_kept() == []


# ---------------------------------------------------------- who may upload what


def test_manager_upload_records_on_the_agencys_behalf(client, personas, cap_round):
    health = Agency.objects.get(board__slug="norfolk", short_name="Health")
    data = download(client, personas.manager, cap_round, agency=health.pk)
    filled = fill(
        data,
        {
            "2.1": {
                "progress": "Told us by email: audit done.",
                "rag_proposed": "Blue",
                "proposed_target_text": "June 2027",
                "target_change_reason": "Audit widened to all providers.",
            }
        },
    )
    response = upload(client, cap_round, filled)
    page = response.content.decode()
    assert "recorded on behalf of each action" in page and "approved at once" in page
    assert "Record 1 update on the agencies" in page
    confirm = client.post(
        reverse("actionplans:offline_return_confirm", args=[cap_round.pk]),
        {"token": response.context["token"]},
    )
    assert confirm.status_code == 302
    (update,) = ProgressUpdate.objects.filter(round=cap_round)
    assert update.status == UpdateStatus.APPROVED and update.recorded_for == health
    assert update.author == personas.manager and update.decided_by == personas.manager
    recorded = action("norfolk-cap-2017", "2.1")
    assert recorded.progress == "Told us by email: audit done." and recorded.rag == RAG.BLUE
    assert recorded.target_text == "June 2027" and recorded.is_slipped
    # Again: nothing new, although the action's version moved on when it was recorded.
    again = offline_return_apply(round=cap_round, by=personas.manager, data=filled)
    assert again.created == [] and again.already == 1


def test_police_lead_cannot_upload_a_return_of_health_actions(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(data, {"2.1": {"progress": "Not mine to say."}})
    client.force_login(personas.police_lead)
    assert upload(client, cap_round, filled).status_code == 403, "no police action in the round"
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 0


def test_police_lead_rows_of_health_actions_are_refused(client, personas, jtai_round):
    every = download(client, personas.manager, jtai_round)
    health = next(row for row in sheet_rows(every) if row["Lead agency"] == "TEWV")
    police = next(row for row in sheet_rows(every) if row["Lead agency"] == "Cleveland Police")
    filled = fill(
        every,
        {health["Ref"]: {"progress": "Forged."}, police["Ref"]: {"progress": "Ours."}},
    )
    client.force_login(personas.police_lead)
    response = upload(client, jtai_round, filled)
    assert response.status_code == 200
    assert response.context["check"].errors == [
        f"Row {row_of(every, health['Ref'])}: action {health['Ref']} is led by TEWV, not by "
        "your agencies, so you cannot report on it."
    ]
    assert response.context["token"] == ""
    with pytest.raises(ReturnRefused):
        offline_return_apply(round=jtai_round, by=personas.police_lead, data=filled)
    assert ProgressUpdate.objects.filter(round=jtai_round).count() == 0


def test_the_token_is_bound_to_its_user(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    response = upload(client, cap_round, fill(data, {"2.1": {"progress": "Done."}}))
    token = response.context["token"]
    client.force_login(personas.manager)
    confirm = client.post(
        reverse("actionplans:offline_return_confirm", args=[cap_round.pk]), {"token": token}
    )
    assert confirm.status_code == 400
    assert ProgressUpdate.objects.filter(round=cap_round).count() == 0
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    client.force_login(personas.health_lead)
    confirm = client.post(
        reverse("actionplans:offline_return_confirm", args=[cap_round.pk]), {"token": tampered}
    )
    assert confirm.status_code == 400


def test_my_actions_links_to_the_return_of_an_open_round(client, personas, cap_round):
    client.force_login(personas.health_lead)
    page = client.get(reverse("actionplans:my_actions")).content.decode()
    assert "Download my actions in this round (XLSX)" in page
    assert reverse("actionplans:offline_return_download", args=[cap_round.pk]) in page
    assert "Upload a filled-in return" in page
    assert reverse("actionplans:offline_return_upload", args=[cap_round.pk]) in page


def test_a_hostile_workbook_is_refused_by_the_hardened_readers(client, personas, cap_round):
    data = fill(download(client, personas.health_lead, cap_round), {"2.1": {"progress": "x"}})
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as hostile:
        for member in source.infolist():
            part = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(
                    b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "lol">]><worksheet', 1
                )
            hostile.writestr(member, part)
    response = upload(client, cap_round, buffer.getvalue())
    assert response.status_code == 200
    assert "XML entity declarations (a DOCTYPE)" in response.content.decode()
    assert returns_kept() == [] and ProgressUpdate.objects.filter(round=cap_round).count() == 0


def test_a_far_larger_upload_is_refused_before_it_is_read(client, personas, cap_round):
    client.force_login(personas.health_lead)
    response = upload(client, cap_round, b"PK\x03\x04" + b"x" * (MAX_FILE_BYTES + 100 * 1024))
    assert response.status_code == 413
    assert "The file must be smaller than 10 MB." in response.content.decode()
    assert returns_kept() == []


def test_checking_a_return_does_not_grow_with_its_rows(client, personas, cap_round):
    data = download(client, personas.manager, cap_round)
    refs = [row["Ref"] for row in sheet_rows(data)]
    sizes = {}
    for size in (2, len(refs)):
        filled = fill(data, {ref: {"progress": f"Progress on {ref}"} for ref in refs[:size]})
        with CaptureQueriesContext(connection) as queries:
            check = offline.check_return(round=cap_round, user=personas.manager, data=filled)
        assert len(check.new_rows) == size and not check.errors
        sizes[size] = len(queries)
    assert sizes[2] == sizes[len(refs)], sizes


def test_the_manager_may_download_one_agencys_return_from_the_upload_page(
    client, personas, cap_round
):
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:offline_return_upload", args=[cap_round.pk]))
    html = page.content.decode()
    health = Agency.objects.get(board__slug="norfolk", short_name="Health")
    download_url = reverse("actionplans:offline_return_download", args=[cap_round.pk])
    assert f"{download_url}?agency={health.pk}" in html
    assert "recorded on each lead agency's behalf and approved at once" in html


def test_the_download_does_not_grow_with_the_actions(client, personas, cap_round):
    health = Agency.objects.get(board__slug="norfolk", short_name="Health")
    client.force_login(personas.manager)
    url = reverse("actionplans:offline_return_download", args=[cap_round.pk])
    client.get(url)  # sessions and memberships read once
    counts = []
    for query in ({"agency": health.pk}, {}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        counts.append((len(sheet_rows(response.content)), len(queries)))
    (few, few_queries), (many, many_queries) = counts
    assert few == 2 and many > 20
    assert many_queries <= few_queries, counts


def test_sorted_rows_and_date_cells_are_read_as_the_lead_meant(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    filled = fill(
        data,
        {
            "2.1": {
                "progress": "Delayed by the audit.",
                "proposed_target_text": datetime.datetime(2027, 6, 30),
                "target_change_reason": "The audit was widened.",
            },
            "2.2": {"next_steps": "Training in May."},
        },
    )
    first = offline_return_apply(round=cap_round, by=personas.health_lead, data=filled)
    moved = next(update for update in first.created if update.action.ref == "2.1")
    assert moved.proposed_target_text == "30/06/2027"
    assert moved.target_change_reason == "The audit was widened."

    # The lead sorts the rows the other way round and uploads again: nothing new.
    workbook = load_workbook(io.BytesIO(filled))
    sheet = workbook[offline.SHEET]
    top, below = offline.FIRST_ROW, offline.FIRST_ROW + 1
    for column in range(1, len(offline.COLUMNS) + 1):
        upper, lower = sheet.cell(row=top, column=column), sheet.cell(row=below, column=column)
        upper.value, lower.value = lower.value, upper.value
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = offline_return_apply(round=cap_round, by=personas.health_lead, data=buffer.getvalue())
    assert again.created == [] and again.already == 2


def test_the_preview_says_when_an_update_already_awaits_approval(client, personas, cap_round):
    data = download(client, personas.health_lead, cap_round)
    services.update_submit(
        action=action("norfolk-cap-2017", "2.1"),
        author=personas.health_lead,
        rag=RAG.AMBER,
        progress="Sent on the web.",
    )
    response = upload(client, cap_round, fill(data, {"2.1": {"progress": "Sent offline."}}))
    (row,) = response.context["check"].new_rows
    assert row.waiting.progress == "Sent on the web."
    assert "is awaiting approval: this one goes beside it" in response.content.decode()
