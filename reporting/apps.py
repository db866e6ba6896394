from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from actionplans.signals import round_closed

        from .services import keep_round_pack

        round_closed.connect(keep_round_pack, dispatch_uid="reporting.keep_round_pack")
