"""`manage.py restore FILE.tar`: load a backup into a fresh database and empty storage."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from actionplans.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Load FILE (from `manage.py backup`) into the database of DATABASE_URL, which must "
        "be freshly created and empty, and into the storage, which must be empty. Run it "
        "as the database owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive `manage.py backup` wrote.")

    def handle(self, *args, file, **options):
        try:
            outcome = backup_restore(
                path=file,
                database=connection.settings_dict,
                storage=default_storage,
                tables=connection.introspection.table_names(),
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the database and {outcome.files} file(s) "
            f"({outcome.bytes / 1024 / 1024:.1f} MB) from {outcome.path}"
        )
