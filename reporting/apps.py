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


def plans_printing(instance) -> list[int]:
    """The plans whose pack prints `instance`, a record printed beside the actions:
    the plan itself (title, introduction, RAG legend, headings), its board (the name
    on the cover), a theme or objective of the plan (title, text), or the lead agency
    (names), review (reference) or finding (number, text) of one of its actions."""
    from actionplans.models import Action, Agency, Objective, Plan, Theme
    from reviews.models import Board, Finding, Review

    if isinstance(instance, Plan):
        return [instance.pk]
    if isinstance(instance, (Theme, Objective)):
        return [instance.plan_id]
    if isinstance(instance, Board):
        plans = Plan.objects.filter(board=instance).values_list("pk", flat=True)
    else:
        cited = {Agency: "lead_agency", Review: "sources__review", Finding: "sources__finding"}
        actions = Action.objects.filter(**{cited[type(instance)]: instance})
        plans = actions.values_list("plan_id", flat=True)
    return sorted(set(plans))


def _printed_saved(sender, instance, **kwargs) -> None:
    """A record the pack prints beside the actions changed: so did the packs of the
    plans that print it (and no other's)."""
    for plan_id in plans_printing(instance):
        _plan_changed(plan_id)


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from django.conf import settings

        from actionplans.models import (
            Action,
            ActionSource,
            Agency,
            Objective,
            Plan,
            ProgressUpdate,
            Theme,
        )
        from actionplans.signals import actions_written, round_closed
        from reviews.models import Board, Finding, Review

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
        # What the pack prints beside the actions. Deleting an agency, review or
        # finding an action cites is refused (PROTECT), so only their edits count; a
        # theme or objective can go (an empty one: "Other actions" becomes "Actions").
        for model in (Board, Plan, Theme, Objective, Agency, Review, Finding):
            uid = f"reporting.printed.{model.__name__}"
            post_save.connect(_printed_saved, sender=model, dispatch_uid=uid)
        for model in (Theme, Objective):
            uid = f"reporting.printed.deleted.{model.__name__}"
            post_delete.connect(_printed_saved, sender=model, dispatch_uid=uid)
