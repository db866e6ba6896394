"""`manage.py backup FILE.tar`: the database and every stored file, in one archive."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from actionplans.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write FILE (a .tar): pg_dump of the database and every file in storage."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the archive (replaced atomically).")

    def handle(self, *args, file, **options):
        try:
            outcome = backup_write(
                path=file, database=connection.settings_dict, storage=default_storage
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up the database and {outcome.files} file(s) "
            f"({outcome.bytes / 1024 / 1024:.1f} MB) to {outcome.path}"
        )
