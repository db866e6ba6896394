"""The audit trail cannot be edited: every history table refuses UPDATE and DELETE (and
TRUNCATE on PostgreSQL), while the tests' own flush still empties the database."""

import datetime

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from actionplans import audit_lock, services
from actionplans.evidence.checks import Checked
from actionplans.evidence.services import evidence_add
from actionplans.models import RAG, Action, Plan
from actionplans.rounds.services import RoundRequest, round_open

pytestmark = pytest.mark.django_db
TABLES = audit_lock.history_tables(apps)
STATEMENTS = {
    "UPDATE": 'UPDATE "{table}" SET history_id = history_id',
    "DELETE": 'DELETE FROM "{table}"',
    "TRUNCATE": 'TRUNCATE "{table}"',
}
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE and roles are PostgreSQL's"
)


def refused_statements() -> set[str]:
    return (
        {"UPDATE", "DELETE", "TRUNCATE"}
        if connection.vendor == "postgresql"
        else {
            "UPDATE",
            "DELETE",
        }
    )


@pytest.fixture
def every_table_has_history(personas):
    """A row in every history table: the seed plans and demo users give most; a comment,
    an update, an evidence file and a round give the rest."""
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    services.update_submit(
        action=action, author=personas.health_lead, rag=RAG.AMBER, progress="Audit begun."
    )
    services.comment_add(action=action, author=personas.chair, text="Thank you.")
    evidence_add(
        action=action,
        uploader=personas.manager,
        files=[
            (
                SimpleUploadedFile("audit.pdf", b"%PDF-1.7\n"),
                "Audit",
                Checked("PDF document", "application/pdf"),
            )
        ],
    )
    plan = Plan.objects.get(slug="norfolk-cap-2017")
    today = timezone.localdate()
    round_open(
        request=RoundRequest(
            board=plan.board,
            name="Q3",
            deadline=today + datetime.timedelta(days=14),
            meeting_date=today + datetime.timedelta(days=30),
            plans=[plan],
        ),
        by=personas.manager,
    )
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our tables
            assert cursor.fetchone()[0] > 0, f"{table} has no rows to test with"


def test_every_history_table_is_locked_against_changes():
    """A new history model without the triggers fails here (they are put on every
    history table after each `migrate`; see actionplans/audit_lock.py)."""
    assert len(TABLES) >= 16
    locked = audit_lock.locked_tables(connection)
    missing = {
        table: sorted(refused_statements() - locked.get(table, set()))
        for table in TABLES
        if refused_statements() - locked.get(table, set())
    }
    assert not missing, f"History tables that accept changes: {missing}"


@pytest.mark.parametrize("statement", sorted(STATEMENTS))
@pytest.mark.parametrize("table", TABLES)
def test_each_history_table_refuses_each_statement(every_table_has_history, table, statement):
    if statement not in refused_statements():
        pytest.skip(f"{statement} does not exist on {connection.vendor}")
    if statement == "TRUNCATE":
        # The fixture's inserts leave deferred foreign-key checks, which PostgreSQL
        # would name instead: run them first, so the answer is the trigger's.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(STATEMENTS[statement].format(table=table))
    assert f"The audit trail is append-only: {statement} on {table} is refused" in str(
        refused.value
    )


def test_the_orm_cannot_rewrite_history_either(personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    history = action.history.model.objects.filter(id=action.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        history.update(history_change_reason="Nothing to see here")
    with pytest.raises(DatabaseError), transaction.atomic():
        history.delete()
    assert history.exists()


def test_new_history_is_still_written(personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    before = action.history.count()
    action.rag = RAG.RED
    action.save()
    assert action.history.count() == before + 1


def test_unlocked_lets_a_test_fixture_through(personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    with transaction.atomic(), audit_lock.unlocked():
        changed = action.history.model.objects.filter(id=action.pk).update(
            history_change_reason="Dated by a test"
        )
    assert changed >= 1


@postgresql_only
def test_a_role_that_is_not_superuser_cannot_unlock_or_drop_the_triggers(personas):
    table = TABLES[0]
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE audit_trail_probe NOLOGIN")
        cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO audit_trail_probe')
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute("SET LOCAL ROLE audit_trail_probe")
            cursor.execute("SET session_replication_role = replica")
        with pytest.raises(DatabaseError, match="must be owner"), transaction.atomic():
            cursor.execute("SET LOCAL ROLE audit_trail_probe")
            cursor.execute(f'DROP TRIGGER {audit_lock.ROW_TRIGGER} ON "{table}"')
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("SET LOCAL ROLE audit_trail_probe")
            cursor.execute(STATEMENTS["DELETE"].format(table=table))


@pytest.mark.django_db(transaction=True)
def test_the_test_flush_still_empties_the_database(seed):
    """A transactional test: Django flushes every table (TRUNCATE on PostgreSQL) after
    it, past the triggers; were the flush refused, this test would error at teardown."""
    action = Action.objects.filter(plan__slug="norfolk-cap-2017").first()
    action.rag = RAG.GREEN
    action.save()
    assert action.history.exists()
