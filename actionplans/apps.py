from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = "Action plans"

    def ready(self):
        from . import (
            checks,  # noqa: F401 - registers the system checks
            sessions,  # noqa: F401 - records when a session starts
        )
