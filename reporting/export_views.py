"""Downloads: a plan's actions (CSV, XLSX), its update trail (CSV), and the same for any
filtered action list (same query string as the action list page).

Exports follow the pages: a plan through `policy.can_export_plan` (another board's
plan is 404), a list through `selectors.action_list`, so nobody ever gets a row they
could not see.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from actionplans import policy, selectors

from . import exports


def _plan(request, slug):
    plan = get_object_or_404(policy.visible_plans(request.user).select_related("board"), slug=slug)
    if not policy.can_export_plan(request.user, plan):
        raise PermissionDenied("You cannot export this plan.")
    return plan


def _download(content: bytes, content_type: str, name: str, extension: str) -> HttpResponse:
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _csv(content: bytes, name: str) -> HttpResponse:
    return _download(content, exports.CSV_CONTENT_TYPE, name, "csv")


def _xlsx(content: bytes, name: str) -> HttpResponse:
    return _download(content, exports.XLSX_CONTENT_TYPE, name, "xlsx")


@require_safe
def plan_csv(request, slug):
    plan = _plan(request, slug)
    return _csv(exports.actions_csv(exports.plan_actions(plan)), f"{plan.slug}-actions")


@require_safe
def plan_xlsx(request, slug):
    plan = _plan(request, slug)
    return _xlsx(exports.actions_xlsx(exports.plan_actions(plan)), f"{plan.slug}-actions")


@require_safe
def plan_updates_csv(request, slug):
    plan = _plan(request, slug)
    return _csv(exports.updates_csv(exports.plan_actions(plan)), f"{plan.slug}-updates")


def _action_list(request):
    """The action list's actions for this user and query string, or a 400 for bad filters."""
    actions, filterset = selectors.action_list(user=request.user, filters=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
        )
        return None, HttpResponseBadRequest(
            f"Check the filters: {problems}", content_type="text/plain; charset=utf-8"
        )
    return actions, None


@require_safe
def action_list_csv(request):
    actions, refused = _action_list(request)
    return refused or _csv(exports.actions_csv(actions), "actions")


@require_safe
def action_list_xlsx(request):
    actions, refused = _action_list(request)
    return refused or _xlsx(exports.actions_xlsx(actions), "actions")


@require_safe
def action_list_updates_csv(request):
    actions, refused = _action_list(request)
    return refused or _csv(exports.updates_csv(actions), "updates")
