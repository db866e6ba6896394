"""Django's `flush`, which the test suite runs after each transactional test.

Under TESTING it empties the database past the audit trail's triggers
(`audit_lock.unlocked`: on PostgreSQL this needs a superuser, as the test database's
owner is). Anywhere else it is Django's own, and the triggers refuse to empty the
history tables: the audit trail is never thrown away by a command.
"""

from django.conf import settings
from django.core.management.commands.flush import Command as DjangoFlush

from actionplans import audit_lock


class Command(DjangoFlush):
    def handle(self, **options):
        if not getattr(settings, "TESTING", False):
            return super().handle(**options)
        with audit_lock.unlocked(options["database"]):
            return super().handle(**options)
