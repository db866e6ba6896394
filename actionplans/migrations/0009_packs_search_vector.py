"""Full-text search for the action list: a stored, indexed search vector on PostgreSQL.

`Action.search_vector` holds `to_tsvector('simple', ref text progress lead target)`.
A trigger (BEFORE INSERT OR UPDATE, so it also fires for the importer's COPY and for
bulk_create in `actionplans/synthetic.py`) keeps it current: nothing in Python has
to remember it. A GIN index serves `search_vector @@ query`. The 'simple'
configuration neither stems nor drops words: "audit" finds "audits" and "Audit"
as a prefix, as the list's search always has.

SQLite (the embedded database of `make run`) keeps an empty column and searches by
scanning, as before. The trigram indexes on the action's columns (migration 0005) are
no longer used by the search and are dropped (the objectives' one stays).

The due-date index carries the ids too, so that a page of the list sorted by due date
(`actionplans.pagination`) is read from the index alone on PostgreSQL.
"""

import django.contrib.postgres.search
from django.db import migrations, models

# "/" and "@" separate words ("Health/NSCB" is two words, not a file path; an email
# address is its parts), as `actionplans.filters.search_words` reads a search.
VECTOR = (
    "to_tsvector('simple'::regconfig, translate("
    "coalesce(NEW.ref, '') || ' ' || coalesce(NEW.text, '') || ' ' || "
    "coalesce(NEW.progress, '') || ' ' || coalesce(NEW.lead_person, '') || ' ' || "
    "coalesce(NEW.target_text, ''), '/@', '  '))"
)
TRIGRAM_COLUMNS = ["ref", "text", "progress", "lead_person", "target_text"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION actionplans_action_search_vector() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN NEW.search_vector := {VECTOR}; RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER actionplans_action_search_vector "
            "BEFORE INSERT OR UPDATE ON actionplans_action "
            "FOR EACH ROW EXECUTE FUNCTION actionplans_action_search_vector()"
        )
        cursor.execute("UPDATE actionplans_action SET search_vector = NULL")  # the trigger fills
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS action_search_vector "
            "ON actionplans_action USING gin (search_vector)"
        )
        for column in TRIGRAM_COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS action_{column}_trgm")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS actionplans_action_search_vector ON actionplans_action")
        cursor.execute("DROP FUNCTION IF EXISTS actionplans_action_search_vector()")
        cursor.execute("DROP INDEX IF EXISTS action_search_vector")


class Migration(migrations.Migration):
    dependencies = [("actionplans", "0008_email_challenges_and_claims")]
    operations = [
        migrations.AddField(
            model_name="action",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create, drop),
        migrations.RemoveIndex(model_name="action", name="action_due_order"),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["due_date", "plan", "position", "id"], name="action_due_ids"),
        ),
    ]
