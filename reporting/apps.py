from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _plan_changed(plan_id) -> None:
    from .prerender import plan_changed

    if plan_id is not None:
        transaction.on_commit(lambda: plan_changed(plan_id))


def _action_saved(sender, instance, **kwargs) -> None:
    _plan_changed(instance.plan_id)


def _related_saved(sender, instance, **kwargs) -> None:
    """An update or cited review of an action: the action's plan changed."""
    from actionplans.models import Action

    plan_id = Action.objects.filter(pk=instance.action_id).values_list("plan_id", flat=True)
    _plan_changed(plan_id.first())


def _actions_written(sender, plan_ids, **kwargs) -> None:
    for plan_id in plan_ids:
        _plan_changed(plan_id)


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from django.conf import settings

        from actionplans.models import Action, ActionSource, ProgressUpdate
        from actionplans.signals import actions_written, round_closed

        from .services import keep_round_pack

        round_closed.connect(keep_round_pack, dispatch_uid="reporting.keep_round_pack")
        if not getattr(settings, "REPORT_PRERENDER", True):
            return
        # Packs ready before they are asked for (reporting.prerender).
        for signal in (post_save, post_delete):
            signal.connect(_action_saved, sender=Action, dispatch_uid=f"reporting.{signal}.a")
            for model in (ProgressUpdate, ActionSource):
                uid = f"reporting.{signal}.{model.__name__}"
                signal.connect(_related_saved, sender=model, dispatch_uid=uid)
        actions_written.connect(_actions_written, dispatch_uid="reporting.actions_written")
