"""The audit trail cannot be edited: database triggers on every history table.

Every `Historical*` table of `reviews` and `actionplans` (django-simple-history) gets,
from a migration (`lock`):

- on PostgreSQL, a trigger refusing UPDATE and DELETE of any row, and one refusing
  TRUNCATE, raising "The audit trail is append-only: ..." (function
  `audit_trail_append_only`);
- on SQLite (the `make run` demo), triggers refusing UPDATE and DELETE.

A history table added later is locked too: after every `migrate` (post_migrate,
`relock_after_migrate`) the triggers are put on every history table that exists, which
also restores them where SQLite rebuilt a table for a schema change. The test
`tests/test_audit_trail.py` lists every history table and fails for one without.

Only two things get past the triggers, and neither is open to the app's runtime role:
on PostgreSQL, a session with `session_replication_role = replica` (which only a
superuser may set: ordinary triggers do not fire then); on SQLite, the `unlocked()`
flag of this process. `unlocked()` is used by the test suite's flush (`manage.py
flush` under TESTING, see actionplans/management/commands/flush.py) and by tests that
date history rows; a retention change in production is a deliberate migration run by
the database owner (README "Deploying": least privilege).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

__all__ = ["history_tables", "lock", "locked_tables", "unlock", "unlocked"]

HISTORY_APPS = ("reviews", "actionplans")
FUNCTION = "audit_trail_append_only"
ROW_TRIGGER = "audit_trail_no_change"
TRUNCATE_TRIGGER = "audit_trail_no_truncate"
SQLITE_UNLOCKED = "audit_trail_unlocked"
MESSAGE = "The audit trail is append-only"

PG_TRIGGER_BITS = ((8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE"))

_state = threading.local()


def history_tables(apps) -> list[str]:
    """The history tables of our apps, in `apps` (the live registry or a migration's)."""
    return sorted(
        model._meta.db_table
        for label in HISTORY_APPS
        for model in apps.get_app_config(label).get_models()
        if model.__name__.startswith("Historical")
    )


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on % is refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'History is kept for good; only a migration run by the database '
                     'owner may change what is kept.';
END;
$$
"""


def _pg_statements(table: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
        f'DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON "{table}"',
        f'CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    ]


def _sqlite_statements(table: str) -> list[str]:
    statements = []
    for operation in ("UPDATE", "DELETE"):
        name = f"{ROW_TRIGGER}_{operation.lower()}_{table}"
        statements += [
            f'DROP TRIGGER IF EXISTS "{name}"',
            f'CREATE TRIGGER "{name}" BEFORE {operation} ON "{table}" '
            f"WHEN NOT {SQLITE_UNLOCKED}() "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {operation} on {table} is refused'); END",
        ]
    return statements


def lock(schema_editor, tables: list[str]) -> None:
    """Install the triggers on `tables` (idempotent)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION, params=None)
        statements = [sql for table in tables for sql in _pg_statements(table)]
    elif vendor == "sqlite":
        statements = [sql for table in tables for sql in _sqlite_statements(table)]
    else:  # pragma: no cover - we run on PostgreSQL and SQLite only
        raise NotImplementedError(f"No audit-trail triggers for {vendor}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def unlock(schema_editor, tables: list[str]) -> None:
    """Remove the triggers (the migration's reverse)."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON "{table}"')
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON "{table}"')
        else:
            for operation in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{ROW_TRIGGER}_{operation}_{table}"')


def locked_tables(connection) -> dict[str, set[str]]:
    """Table -> the statements its triggers refuse, as the database has them now."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT c.relname, t.tgname, t.tgtype
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE p.proname = %s AND NOT t.tgisinternal AND t.tgenabled = 'O'
                """,
                [FUNCTION],
            )
            found: dict[str, set[str]] = {}
            for table, _name, tgtype in cursor.fetchall():
                # pg_trigger.tgtype bits: 8 DELETE, 16 UPDATE, 32 TRUNCATE.
                found.setdefault(table, set()).update(
                    kind for bit, kind in PG_TRIGGER_BITS if tgtype & bit
                )
            return found
        cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        found = {}
        for table, sql in cursor.fetchall():
            if MESSAGE in (sql or ""):
                for operation in ("UPDATE", "DELETE"):
                    if f"BEFORE {operation}" in sql:
                        found.setdefault(table, set()).add(operation)
        return found


LOCK_MIGRATION = ("actionplans", "0009_audit_trail_append_only")


def relock_after_migrate(sender, using="default", **kwargs):
    """post_migrate: lock every history table, once the locking migration is applied."""
    from django.apps import apps as live_apps
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if LOCK_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    existing = set(connection.introspection.table_names())
    tables = [table for table in history_tables(live_apps) if table in existing]
    with connection.schema_editor(atomic=False) as editor:
        lock(editor, tables)


@contextmanager
def unlocked(using: str = "default"):
    """Let statements through the triggers on this connection, for the tests' flush and
    fixtures. On PostgreSQL it needs a superuser (the runtime role is refused)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            if not connection.needs_rollback and connection.is_usable():
                with connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = DEFAULT")
    else:
        _state.unlocked = True
        try:
            yield
        finally:
            _state.unlocked = False


def _sqlite_unlocked() -> int:
    return 1 if getattr(_state, "unlocked", False) else 0


@receiver(connection_created, dispatch_uid="actionplans.audit_lock.sqlite")
def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_UNLOCKED, 0, _sqlite_unlocked)
