"""The audit trail cannot be edited: triggers on every history table (audit_lock)."""

from django.db import migrations

from actionplans import audit_lock


def lock(apps, schema_editor):
    audit_lock.lock(schema_editor, audit_lock.history_tables(apps))


def unlock(apps, schema_editor):
    audit_lock.unlock(schema_editor, audit_lock.history_tables(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0008_security_events"),
        ("reviews", "0001_initial"),
    ]

    operations = [migrations.RunPython(lock, unlock)]
