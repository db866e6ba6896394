"""Trigram indexes for the action list's text search, on PostgreSQL only.

Django's `icontains` runs `UPPER(column::text) LIKE UPPER('%words%')`, which no b-tree
index serves; pg_trgm's GIN indexes on exactly that expression do. SQLite
(the embedded database of `make run`) gets nothing and searches by scanning, which is
fine at its sizes. If the database role may not create the extension, the indexes are
skipped with a warning: search still works, only slower.
"""

import warnings

from django.db import migrations

COLUMNS = ["ref", "text", "progress", "lead_person", "target_text"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT trigram")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT trigram")
        except Exception as error:  # noqa: BLE001 - permission problems vary by host
            cursor.execute("ROLLBACK TO SAVEPOINT trigram")
            warnings.warn(f"pg_trgm unavailable, text search unindexed: {error}", stacklevel=1)
            return
        for column in COLUMNS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS action_{column}_trgm "  # noqa: S608 - fixed names
                f"ON actionplans_action USING gin ((upper({column}::text)) gin_trgm_ops)"
            )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS objective_text_trgm "
            "ON actionplans_objective USING gin ((upper(text::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS action_{column}_trgm")
        cursor.execute("DROP INDEX IF EXISTS objective_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("actionplans", "0004_list_indexes")]
    operations = [migrations.RunPython(create, drop)]
