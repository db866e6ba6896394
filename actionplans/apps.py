from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = "Action plans"

    def ready(self):
        from . import (
            audit_lock,
            checks,  # noqa: F401 - registers the system checks
            security_events,  # noqa: F401 - records sign-ins, failures, passwords
            sessions,  # noqa: F401 - records when a session starts
        )

        post_migrate.connect(audit_lock.relock_after_migrate, sender=self)
