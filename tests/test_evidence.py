"""Evidence files: a lead attaches them to their update, a manager to the action; each
is checked by its content, stored under a random key, downloaded only as an attachment
through the policy, removed by a manager with a reason; hostile files are refused with
a clear message and nothing is stored."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from samples import (
    EXECUTABLE,
    HTML_PAGE,
    PNG,
    docx_evidence,
    pdf_bytes,
    zip_bomb_docx,
    zip_bytes,
)
from word_samples import docx_bytes

from actionplans import services
from actionplans.evidence import services as evidence_services
from actionplans.evidence.checks import RefusedFile, evidence_check
from actionplans.models import RAG, Action, EvidenceFile, EvidenceState

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def stored_files() -> list[Path]:
    """Every file in the (temporary) storage's evidence folder."""
    folder = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def action(seed):
    return Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")  # led by health


@pytest.fixture
def health_update(action, personas):
    return services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit under way."
    )


def attach(client, action, *files):
    data = {}
    for number, (content, name, description) in enumerate(files, start=1):
        data[f"file_{number}"] = upload(content, name)
        data[f"description_{number}"] = description
    return client.post(reverse("actionplans:evidence_add", args=[action.pk]), data)


def test_health_lead_attaches_two_files_to_their_update_and_the_chair_downloads_one(
    client, personas, action, health_update
):
    client.force_login(personas.health_lead)
    page = client.get(reverse("actionplans:evidence_add", args=[action.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "Do not attach documents that identify children or families" in html

    response = attach(
        client,
        action,
        (pdf_bytes(), "Audit of 30 assessments, March 2027.pdf", "Audit of 30 assessments"),
        (b"name,attended\nA. Smith,yes\n", "register.csv", "Training register"),
    )

    assert response.status_code == 302
    audit, register = EvidenceFile.objects.filter(action=action).order_by("id")
    assert audit.update == health_update and audit.uploaded_by == personas.health_lead
    assert (audit.filename, audit.kind, audit.state) == (
        "Audit of 30 assessments, March 2027.pdf",
        "PDF document",
        EvidenceState.AVAILABLE,
    )
    assert register.kind == "CSV file" and register.content_type == "text/csv"
    # Stored under random keys, never the names people gave.
    assert audit.file.name.startswith("evidence/") and "Audit" not in audit.file.name
    assert len(stored_files()) == 2

    client.force_login(personas.chair)
    shown = client.get(reverse("actionplans:action_detail", args=[action.pk])).content.decode()
    assert "Audit of 30 assessments, March 2027.pdf" in shown and "Training register" in shown
    download = client.get(reverse("actionplans:evidence_download", args=[audit.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Audit of 30 assessments" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == pdf_bytes()


def test_the_manager_deciding_an_update_sees_its_files(client, personas, action, health_update):
    client.force_login(personas.health_lead)
    attach(client, action, (pdf_bytes(), "Referral audit.pdf", "Audit of referrals"))
    evidence = EvidenceFile.objects.get(update=health_update)
    link = reverse("actionplans:evidence_download", args=[evidence.pk])

    client.force_login(personas.manager)
    for url in (
        reverse("actionplans:approval_queue"),
        reverse("actionplans:update_return", args=[health_update.pk]),
    ):
        html = client.get(url).content.decode()
        assert "Referral audit.pdf</a>: Audit of referrals" in html, url
        assert link in html, url
    evidence_services.evidence_remove(
        evidence=evidence, manager=personas.manager, reason="Names a child."
    )
    html = client.get(reverse("actionplans:approval_queue")).content.decode()
    assert "Referral audit.pdf" not in html


def test_a_viewer_of_another_board_cannot_download(client, personas, action, health_update):
    client.force_login(personas.health_lead)
    attach(client, action, (PNG, "chart.png", "Chart of audits"))
    evidence = EvidenceFile.objects.get(action=action)
    client.force_login(personas.stockton_viewer)
    assert (
        client.get(reverse("actionplans:evidence_download", args=[evidence.pk])).status_code == 404
    )


def test_police_lead_cannot_attach_evidence_to_a_health_action(client, personas, action):
    client.force_login(personas.police_lead)
    response = attach(client, action, (pdf_bytes(), "audit.pdf", "Audit"))
    assert response.status_code == 403
    assert stored_files() == [] and not EvidenceFile.objects.exists()


def test_manager_attaches_evidence_to_the_action_itself(client, personas, action):
    client.force_login(personas.manager)
    response = attach(
        client, action, (docx_bytes("Revised procedure"), "procedure.docx", "Procedure")
    )
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get(action=action)
    assert evidence.update is None and evidence.kind == "Word document"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXECUTABLE, "audit.pdf", "not a document we accept"),
        (HTML_PAGE, "audit.pdf", "web page (HTML)"),
        (zip_bomb_docx(), "audit.docx", "zip bomb"),
        (docx_evidence(macro=True), "audit.docx", "macro-enabled"),
        (zip_bytes({"payload.exe": EXECUTABLE}), "audit.docx", "zip archive, not a document"),
        (b"", "empty.pdf", "The file is empty"),
    ],
    ids=["renamed-executable", "html-named-pdf", "zip-bomb", "docm-renamed", "zip", "empty"],
)
def test_a_hostile_file_is_refused_with_a_clear_message_and_nothing_is_stored(
    client, personas, action, health_update, content, name, message
):
    client.force_login(personas.health_lead)
    response = attach(client, action, (content, name, "Audit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html and "Nothing was kept" in html
    assert stored_files() == [] and not EvidenceFile.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    client, personas, action, health_update, settings
):
    settings.EVIDENCE_MAX_FILE_BYTES = 1024 * 1024
    client.force_login(personas.health_lead)
    response = attach(client, action, (pdf_bytes(size=3 * 1024 * 1024), "big.pdf", "Big audit"))
    assert response.status_code == 200
    assert "the limit is 1 MB a file" in response.content.decode()
    assert stored_files() == [] and not EvidenceFile.objects.exists()


def test_an_upload_declaring_more_than_the_files_may_hold_is_refused_unread(
    client, personas, action, settings
):
    settings.EVIDENCE_MAX_FILE_BYTES = 100 * 1024
    client.force_login(personas.manager)
    response = attach(client, action, (pdf_bytes(size=400 * 1024), "huge.pdf", "Huge"))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert stored_files() == []


def test_the_boards_total_limit_is_kept(client, personas, action, settings):
    settings.EVIDENCE_MAX_BOARD_BYTES = 150 * 1024
    client.force_login(personas.manager)
    assert attach(client, action, (pdf_bytes(size=100 * 1024), "one.pdf", "One")).status_code == 302
    response = attach(client, action, (pdf_bytes(size=100 * 1024), "two.pdf", "Two"))
    assert response.status_code == 200
    assert "evidence files would take" in response.content.decode()
    assert len(stored_files()) == 1 and EvidenceFile.objects.count() == 1


def test_a_file_needs_a_description(client, personas, action):
    client.force_login(personas.manager)
    response = attach(client, action, (pdf_bytes(), "audit.pdf", ""))
    assert response.status_code == 200
    assert "Describe file 1 in a few words" in response.content.decode()
    assert stored_files() == []


def test_a_file_name_is_kept_for_display_only(client, personas, action):
    client.force_login(personas.manager)
    attach(client, action, (pdf_bytes(), "..\\..\\etc/\x07passwd.pdf", "Odd name"))
    evidence = EvidenceFile.objects.get()
    assert evidence.filename == "passwd.pdf"
    assert Path(evidence.file.path).parent == Path(settings.MEDIA_ROOT) / "evidence"


def test_manager_removes_a_file_and_the_history_says_who_what_and_why(
    client, personas, action, health_update
):
    client.force_login(personas.health_lead)
    attach(client, action, (pdf_bytes(), "names-a-child.pdf", "Case audit"))
    evidence = EvidenceFile.objects.get()
    url = reverse("actionplans:evidence_download", args=[evidence.pk])

    client.force_login(personas.health_lead)
    refused = client.post(
        reverse("actionplans:evidence_remove", args=[evidence.pk]), {"reason": "x"}
    )
    assert refused.status_code == 403

    client.force_login(personas.manager)
    empty = client.post(reverse("actionplans:evidence_remove", args=[evidence.pk]), {})
    assert "Say why you are removing the file" in empty.content.decode()
    response = client.post(
        reverse("actionplans:evidence_remove", args=[evidence.pk]),
        {"reason": "Uploaded by mistake: it names a child"},
    )
    assert response.status_code == 302
    assert stored_files() == []
    evidence.refresh_from_db()
    assert evidence.state == EvidenceState.REMOVED and not evidence.file
    assert evidence.removed_by == personas.manager
    last = evidence.history.latest()
    assert last.history_user == personas.manager
    assert last.history_change_reason == "Removed: Uploaded by mistake: it names a child"
    assert (last.filename, last.description) == ("names-a-child.pdf", "Case audit")

    gone = client.get(url)
    assert gone.status_code == 410
    assert "This file has been removed" in gone.content.decode()
    page = client.get(reverse("actionplans:action_detail", args=[action.pk])).content.decode()
    assert "Evidence file removed" in page and "it names a child" in page
    assert "Evidence file added" in page


def test_complete_without_evidence_counts_files_as_evidence(personas, action):
    action.rag, action.progress, action.evidence = RAG.BLUE, "", ""
    assert "Complete without evidence or a progress update" in action.rag_contradictions()
    evidence_services.evidence_add(
        action=action,
        uploader=personas.manager,
        files=[
            (
                SimpleUploadedFile("a.pdf", pdf_bytes()),
                "Audit",
                evidence_check(io.BytesIO(pdf_bytes())),
            )
        ],
    )
    action = Action.objects.get(pk=action.pk)
    action.rag, action.progress, action.evidence = RAG.BLUE, "", ""
    assert "Complete without evidence or a progress update" not in action.rag_contradictions()


# ------------------------------------------------------------- types by content


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "Attended"
    workbook.save(buffer)
    return buffer.getvalue()


def _ole(*streams: str) -> bytes:
    """An OLE2 compound file's header and its directory's stream names (UTF-16)."""
    names = b"".join(name.encode("utf-16-le") + b"\x00" * 8 for name in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + names


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (pdf_bytes(), "x.bin", "PDF document"),
        (docx_bytes("Procedure"), "x", "Word document"),
        (_xlsx(), "register.xlsx", "Excel workbook"),
        (
            zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}),
            "slides.pptx",
            "PowerPoint presentation",
        ),
        (
            zip_bytes(
                {
                    "mimetype": b"application/vnd.oasis.opendocument.text",
                    "content.xml": b'<o:document-content xmlns:o="urn:o"/>',
                },
                compression=zipfile.ZIP_STORED,
            ),
            "report.odt",
            "OpenDocument text",
        ),
        (_ole("Root Entry", "WordDocument"), "old.doc", "Word 97-2003 document"),
        (_ole("Root Entry", "Workbook"), "old.xls", "Excel 97-2003 workbook"),
        (b"a,b\n1,2\n", "data.csv", "CSV file"),
        ("Notes from the audit – café".encode(), "notes.txt", "Text file"),
        ("Notes – cp1252".encode("cp1252"), "notes.txt", "Text file"),
        (PNG, "chart.png", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.jpg", "JPEG image"),
    ],
)
def test_the_type_is_read_from_the_content(content, name, kind):
    assert evidence_check(upload(content, name), filename=name).kind == kind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_ole("Root Entry", "WordDocument", "Macros", "_VBA_PROJECT"), "macro-enabled"),
        (_ole("Root Entry", "EncryptedPackage"), "password-protected"),
        (
            zip_bytes(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<w/>",
                    "xl/vbaProject.bin": b"vba",
                }
            ),
            "macro-enabled",
        ),
        (
            zip_bytes(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "word/document.xml": b'<!DOCTYPE d [<!ENTITY a "b">]><d/>',
                }
            ),
            "DOCTYPE",
        ),
        (b"<svg onload='alert(1)'/>", "web page"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "not a document we accept"),
    ],
)
def test_hostile_content_is_refused_whatever_the_name(content, message):
    with pytest.raises(RefusedFile, match=message):
        evidence_check(upload(content, "fine.pdf"), filename="fine.pdf")


# ------------------------------------------------------- pack, exports, public version


def test_the_board_pack_lists_evidence_and_the_public_version_does_not(client, personas, action):
    from samples import pdf_text

    client.force_login(personas.manager)
    name = "Audit of 30 assessments, March 2027.pdf"
    attach(client, action, (pdf_bytes(), name, "Audit"))
    url = reverse("reporting:plan_pack", args=[action.plan.slug])
    pack = client.get(url)
    assert pack.status_code == 200 and pack["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(pack.content).split())
    assert "Evidence: Audit of 30 assessments, March 2027.pdf" in text
    public = client.get(url, {"public": "1"})
    assert public.status_code == 200
    assert "Audit of 30 assessments, March 2027" not in " ".join(pdf_text(public.content).split())


def test_exports_list_the_file_names(client, personas, action):
    import csv

    client.force_login(personas.manager)
    attach(client, action, (pdf_bytes(), "audit.pdf", "Audit"), (PNG, "chart.png", "Chart"))
    response = client.get(reverse("exports:plan_csv", args=[action.plan.slug]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(row for row in rows if row["Ref"] == action.ref)
    assert row["Evidence files"] == "audit.pdf; chart.png"


# -------------------------------------------------------------- the virus scan


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _queued_scans():
    from django_tasks_db.models import DBTaskResult

    from actionplans.evidence.tasks import scan_evidence

    return DBTaskResult.objects.filter(task_path=scan_evidence.module_path)


def test_with_clamav_a_file_waits_until_the_scan_passes(
    client, personas, action, clamd_server, django_capture_on_commit_callbacks
):
    from actionplans.evidence.tasks import scan_evidence

    client.force_login(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = attach(client, action, (pdf_bytes(), "audit.pdf", "Audit"))
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.state == EvidenceState.CHECKING
    assert _queued_scans().count() == 1, "the worker scans it"
    url = reverse("actionplans:evidence_download", args=[evidence.pk])
    waiting = client.get(url)
    assert waiting.status_code == 409
    assert "still being checked" in waiting.content.decode()

    assert scan_evidence.call(evidence.pk) == EvidenceState.AVAILABLE

    assert clamd_server.scanned == [pdf_bytes()]
    assert client.get(url).status_code == 200


def test_with_clamav_an_infected_file_is_refused_and_deleted(
    client, personas, action, clamd_server, django_capture_on_commit_callbacks
):
    from actionplans.evidence.tasks import scan_evidence

    client.force_login(personas.manager)
    with django_capture_on_commit_callbacks(execute=True):
        attach(client, action, (EICAR + b"\n", "notes.txt", "Meeting notes"))
    evidence = EvidenceFile.objects.get()
    assert len(stored_files()) == 1

    assert scan_evidence.call(evidence.pk) == EvidenceState.REFUSED

    evidence.refresh_from_db()
    assert evidence.scan_result == "Eicar-Test-Signature" and not evidence.file
    assert stored_files() == []
    gone = client.get(reverse("actionplans:evidence_download", args=[evidence.pk]))
    assert gone.status_code == 410 and "refused by the virus check" in gone.content.decode()
    page = client.get(reverse("actionplans:action_detail", args=[action.pk])).content.decode()
    assert "Evidence file refused by the virus check" in page


def test_a_scanner_that_cannot_be_reached_leaves_the_file_being_checked(
    personas, action, settings, django_capture_on_commit_callbacks
):
    import socket

    from actionplans.evidence.scan import ScanError
    from actionplans.evidence.tasks import scan_evidence

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        settings.CLAMAV_HOST, settings.CLAMAV_PORT = probe.getsockname()
    (evidence,) = evidence_services.evidence_add(
        action=action,
        uploader=personas.manager,
        files=[
            (
                SimpleUploadedFile("a.pdf", pdf_bytes()),
                "Audit",
                evidence_check(io.BytesIO(pdf_bytes())),
            )
        ],
    )
    with pytest.raises(ScanError):
        scan_evidence.call(evidence.pk)
    evidence.refresh_from_db()
    assert evidence.state == EvidenceState.CHECKING and evidence.file


def test_a_file_left_being_checked_is_scanned_again_by_the_hourly_run(
    personas, action, clamd_server
):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from actionplans.evidence.tasks import scan_evidence

    (evidence,) = evidence_services.evidence_add(
        action=action,
        uploader=personas.manager,
        files=[
            (
                SimpleUploadedFile("a.pdf", pdf_bytes()),
                "Audit",
                evidence_check(io.BytesIO(pdf_bytes())),
            )
        ],
    )
    assert evidence.state == EvidenceState.CHECKING
    assert _queued_scans().count() == 0  # the job was lost (the test never commits)
    out = io.StringIO()
    call_command("send_reminders", on="2026-12-02", stdout=out)
    assert _queued_scans().count() == 0, "a file uploaded just now is left to its own scan"

    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    EvidenceFile.objects.filter(pk=evidence.pk).update(uploaded_at=an_hour_ago)
    call_command("send_reminders", on="2026-12-02", stdout=out)
    assert "1 evidence file(s) still being checked: scanning again." in out.getvalue()
    (queued,) = _queued_scans()
    assert queued.args_kwargs["args"] == [evidence.pk]
    assert scan_evidence.call(evidence.pk) == EvidenceState.AVAILABLE


# ---------------------------------------------------------- the object store


def test_evidence_kept_in_the_object_store_downloads_through_the_app(
    client, personas, action, s3_storage
):
    store, prefix = s3_storage
    client.force_login(personas.manager)
    attach(client, action, (pdf_bytes(), "audit.pdf", "Audit"))
    (key,) = store.keys(prefix)
    assert key.startswith(f"{prefix}/evidence/") and "audit" not in key
    evidence = EvidenceFile.objects.get()
    client.force_login(personas.viewer)
    download = client.get(reverse("actionplans:evidence_download", args=[evidence.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == pdf_bytes()
    client.force_login(personas.manager)
    client.post(
        reverse("actionplans:evidence_remove", args=[evidence.pk]), {"reason": "Wrong file"}
    )
    assert store.keys(prefix) == []


def test_the_offline_return_names_the_files_attached_on_the_web(
    client, personas, action, open_round
):
    from openpyxl import load_workbook

    from actionplans.rounds import offline

    round = open_round([action.plan])
    client.force_login(personas.manager)
    attach(client, action, (pdf_bytes(), "audit.pdf", "Audit"))
    client.force_login(personas.health_lead)
    data = client.get(reverse("actionplans:offline_return_download", args=[round.pk])).content
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[offline.SHEET]
    headings = [cell.value for cell in sheet[offline.HEADER_ROW]]
    column = headings.index("Evidence files already attached (on the web)")
    refs = headings.index("Ref")
    row = next(
        row
        for row in sheet.iter_rows(min_row=offline.FIRST_ROW, values_only=True)
        if row[refs] == action.ref
    )
    assert row[column] == "audit.pdf"
    guide = " ".join(
        str(cell.value) for line in workbook[offline.GUIDE_SHEET].iter_rows() for cell in line
    )
    assert "attach them to your update on the web" in guide
