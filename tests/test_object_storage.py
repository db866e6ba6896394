"""Files in an S3-compatible object store: uploads, stored PDFs and cached pack parts go
through Django's storage API, so app servers and workers share no disk. The store is a
real HTTP server on loopback (moto's), not a patched boto3."""

import datetime
import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.urls import reverse
from samples import offline_return_filled, pdf_text

from actionplans.models import ProgressUpdate
from actionplans.rounds.services import RoundRequest, round_open
from config.storages import FILESYSTEM, S3, default_storage_from_environ
from reporting import pdf, selectors, services
from reporting.models import ReportKind
from reporting.services import ReportSpec
from reporting.storage import part_name, part_path, prune_reports
from reporting.tasks import render_report

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ settings


def test_nothing_set_keeps_files_on_the_local_disk():
    assert default_storage_from_environ({}) == {"BACKEND": FILESYSTEM}
    assert default_storage_from_environ({"STORAGE_URL": "file:///srv/files"}) == {
        "BACKEND": FILESYSTEM,
        "OPTIONS": {"location": "/srv/files"},
    }


def test_storage_url_names_an_s3_compatible_bucket():
    entry = default_storage_from_environ(
        {
            "STORAGE_URL": "s3://KEY:se%2Fcret@packs/prod?endpoint_url=https://minio.local:9000"
            "&region_name=eu-west-2&addressing_style=path"
        }
    )
    assert entry["BACKEND"] == S3
    assert entry["OPTIONS"] == {
        "bucket_name": "packs",
        "access_key": "KEY",
        "secret_key": "se/cret",
        "location": "prod",
        "endpoint_url": "https://minio.local:9000",
        "region_name": "eu-west-2",
        "addressing_style": "path",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": True,
    }
    with pytest.raises(ImproperlyConfigured):
        default_storage_from_environ({"STORAGE_URL": "s3://packs?acl=public-read"})


def test_the_usual_aws_names_work_without_a_storage_url():
    entry = default_storage_from_environ(
        {"AWS_STORAGE_BUCKET_NAME": "packs", "AWS_S3_REGION_NAME": "eu-west-2"}
    )
    assert entry["BACKEND"] == S3
    assert entry["OPTIONS"]["bucket_name"] == "packs"
    assert entry["OPTIONS"]["region_name"] == "eu-west-2"
    assert entry["OPTIONS"]["default_acl"] is None  # private: the bucket decides


# ------------------------------------------------------------ the files themselves


def test_health_lead_previews_and_confirms_a_return_kept_in_the_object_store(
    client, personas, seed, s3_storage
):
    store, prefix = s3_storage
    plan = seed["norfolk-cap-2017"]
    today = datetime.date.today()
    round = round_open(
        request=RoundRequest(
            board=plan.board,
            name="Q3 round",
            deadline=today + datetime.timedelta(days=21),
            meeting_date=today + datetime.timedelta(days=35),
            plans=[plan],
        ),
        by=personas.manager,
    )
    client.force_login(personas.health_lead)
    blank = client.get(reverse("actionplans:offline_return_download", args=[round.pk])).content
    file = io.BytesIO(offline_return_filled(blank, {"2.1": {"progress": "Audit done."}}))
    file.name = "return.xlsx"

    preview = client.post(
        reverse("actionplans:offline_return_upload", args=[round.pk]), {"file": file}
    )

    assert preview.status_code == 200
    (key,) = store.keys(prefix)
    assert key.startswith(f"{prefix}/returns/")
    confirm = client.post(
        reverse("actionplans:offline_return_confirm", args=[round.pk]),
        {"token": preview.context["token"]},
    )
    assert confirm.status_code == 302
    assert ProgressUpdate.objects.get(round=round).progress == "Audit done."
    assert store.keys(prefix) == [], "the upload is deleted once confirmed"


def test_a_pack_the_worker_stored_downloads_through_the_view_only(
    client, personas, seed, s3_storage
):
    store, prefix = s3_storage
    plan = seed["norfolk-scr-case-l-2014"]
    spec = ReportSpec(kind=ReportKind.PACK, plans=(plan.slug,))
    data = services.report_data(spec, personas.manager)
    report = services.report_request(spec=spec, data=data, user=personas.manager)
    render_report.call(str(report.pk))  # what the worker does
    report.refresh_from_db()
    assert report.is_ready
    assert f"{prefix}/reports/{report.pk}.pdf" in store.keys(prefix)

    client.force_login(personas.manager)
    response = client.get(reverse("reporting:report_download", args=[report.pk]))
    assert response.status_code == 200
    assert "Norfolk" in pdf_text(b"".join(response.streaming_content))
    assert response["Cache-Control"] == "private, no-store"

    client.force_login(personas.stockton_viewer)  # not their board
    assert client.get(reverse("reporting:report_download", args=[report.pk])).status_code == 404
    anonymous = store.client()
    assert (
        "public"
        not in str(
            anonymous.get_object_acl(Bucket=store.bucket, Key=f"{prefix}/reports/{report.pk}.pdf")
        ).lower()
    )


def test_another_server_reads_cached_parts_from_the_object_store(
    seed, settings, tmp_path, s3_storage
):
    store, prefix = s3_storage
    pack = selectors.board_pack(plans=[seed["stockton-jtai-neglect-2018"]])
    settings.REPORT_CACHE_DIR = tmp_path / "first-server"
    first = pdf.render_pack(pack, rows_per_part=10)
    stored = [key for key in store.keys(prefix) if key.endswith(".part")]
    assert len(stored) >= 3

    settings.REPORT_CACHE_DIR = tmp_path / "second-server"  # an empty local copy
    keys = [job.key for job, _ in pdf.walk_pack(pack, 10, render=False)]
    assert len(keys) >= 2
    assert all(pdf.cache_load(key) is not None for key in keys), "read from the store"
    assert all(part_path(key).exists() for key in keys), "and kept locally"
    assert pdf_text(pdf.render_pack(pack, rows_per_part=10)) == pdf_text(first)


def test_pruning_clears_old_parts_from_the_object_store(s3_storage):
    store, prefix = s3_storage
    default_storage.save(part_name("a" * 64), io.BytesIO(b"x" * 10))
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=200)

    outcome = prune_reports(part_days=120, now=later)

    assert outcome.parts >= 1
    assert not [key for key in store.keys(prefix) if key.endswith(".part")]
