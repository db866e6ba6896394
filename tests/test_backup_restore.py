"""The backup drill: seeds, then changes (an update, a stored pack, an upload waiting
for confirmation, an evidence file), `manage.py backup`, a restore into a fresh
database and an empty storage, and not one difference in any table (history included)
or any file."""

import datetime
import io
import tarfile

import psycopg
import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from actionplans import services
from actionplans.backup import BackupError, backup_restore, backup_write, storage_names
from actionplans.evidence.checks import Checked
from actionplans.evidence.services import evidence_add
from actionplans.models import RAG, Action
from actionplans.rounds.services import RoundRequest, round_open
from actionplans.rounds.uploads import stored_return_save
from reporting import services as report_services
from reporting.models import ReportKind
from reporting.tasks import render_report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("postgresql" not in connection.vendor, reason="pg_dump needs PostgreSQL"),
]


def connect(database: dict, name: str | None = None) -> psycopg.Connection:
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        password=database.get("PASSWORD") or None,
        dbname=name or database["NAME"],
        autocommit=True,
    )


@pytest.fixture
def fresh_database():
    source = connection.settings_dict
    name = f"{source['NAME']}_restored"
    with connect(source, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {**source, "NAME": name}
    with connect(source, "postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def snapshot(database: dict) -> dict:
    """Every table's rows (sorted), every sequence's value and every trigger."""
    with connect(database) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        content = {
            table: sorted(
                map(
                    repr,
                    db.execute(
                        sql.SQL("SELECT * FROM {}").format(sql.Identifier(table))
                    ).fetchall(),
                )
            )
            for table in tables
        }
        content["(sequences)"] = db.execute(
            "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"
        ).fetchall()
        content["(triggers)"] = db.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1, 2"
        ).fetchall()
    return content


def files(storage) -> dict[str, bytes]:
    result = {}
    for name in storage_names(storage):
        with storage.open(name, "rb") as stored:
            result[name] = stored.read()
    return result


def test_backup_then_restore_into_a_fresh_database_and_storage_loses_nothing(
    seed, personas, tmp_path, fresh_database
):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    services.action_update(
        action=action,
        editor=personas.manager,
        data={"rag": RAG.RED, "progress": "Behind: the audit moved to March."},
        expected_version=action.version,
    )
    spec = report_services.ReportSpec(kind=ReportKind.PACK, plans=("norfolk-scr-case-l-2014",))
    data = report_services.report_data(spec, personas.manager)
    report = report_services.report_request(spec=spec, data=data, user=personas.manager)
    render_report.call(str(report.pk))
    today = datetime.date.today()
    round = round_open(
        request=RoundRequest(
            board=action.plan.board,
            name="Drill round",
            deadline=today + datetime.timedelta(days=14),
            meeting_date=today + datetime.timedelta(days=21),
            plans=[action.plan],
        ),
        by=personas.manager,
    )
    stored_return_save(data=b"PK\x03\x04 a waiting return", user=personas.health_lead, round=round)
    evidence_add(
        action=action,
        uploader=personas.manager,
        files=[
            (
                SimpleUploadedFile("audit.pdf", b"%PDF-1.7\n" + b"%" * 3_000_000),
                "Audit of 30 assessments",
                Checked("PDF document", "application/pdf"),
            )
        ],
    )
    before_files = files(default_storage)
    assert any(name.startswith("evidence/") for name in before_files)
    assert any(name.startswith("reports/") and name.endswith(".pdf") for name in before_files)
    assert any(name.startswith("returns/") for name in before_files)
    archive = tmp_path / "backups" / "drill.tar"

    call_command("backup", str(archive), stdout=io.StringIO())

    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "database.dump" in names and "manifest.json" in names
    assert {f"files/{name}" for name in before_files} <= set(names)
    assert [path.name for path in archive.parent.iterdir()] == ["drill.tar"], "no temp left"

    restored_storage = FileSystemStorage(location=tmp_path / "restored-files")
    backup_restore(path=archive, database=fresh_database, storage=restored_storage, tables=[])

    before, after = snapshot(connection.settings_dict), snapshot(fresh_database)
    assert before.keys() == after.keys()
    assert any(table.endswith("historicalaction") for table in before)
    differences = [table for table in before if before[table] != after[table]]
    assert differences == []
    assert files(restored_storage) == before_files
    # The restored audit trail is still append-only.
    with connect(fresh_database) as db, pytest.raises(psycopg.errors.RaiseException):
        db.execute("UPDATE actionplans_historicalaction SET ref = 'x'")


def test_restore_refuses_a_database_that_is_not_empty(seed, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_a_backup_that_fails_leaves_no_file_behind(tmp_path):
    missing = {**connection.settings_dict, "NAME": "no_such_database_for_backup"}
    target = tmp_path / "backups" / "broken.tar"
    with pytest.raises(BackupError, match="pg_dump failed"):
        backup_write(path=target, database=missing, storage=default_storage)
    assert list(target.parent.iterdir()) == []
