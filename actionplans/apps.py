from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = "Action plans"

    def ready(self):
        from . import (
            checks,  # noqa: F401 - registers the system checks
            security_events,  # noqa: F401 - records sign-ins, failures, passwords
            sessions,  # noqa: F401 - records when a session starts
        )
