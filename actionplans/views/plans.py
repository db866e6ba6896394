from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from actionplans import policy, selectors
from actionplans.forms import ObjectiveForm, PlanForm, ThemeForm
from actionplans.models import Objective, Theme
from actionplans.rounds import selectors as round_selectors

from .common import record_form_page, visible_plan_or_404


@require_safe
def plan_list(request):
    return render(
        request,
        "actionplans/plan_list.html",
        {
            "plans": selectors.plan_list(user=request.user),
            "can_create": policy.managed_boards(request.user).exists(),
            "home": round_selectors.home(user=request.user),
        },
    )


@require_safe
def plan_detail(request, slug):
    plan = visible_plan_or_404(request.user, slug)
    return render(
        request,
        "actionplans/plan_detail.html",
        {
            "plan": plan,
            "sections": selectors.plan_sections(plan),
            "signed_off": selectors.signed_off_actions(plan),
            "can_edit": policy.can_edit_plan(request.user, plan),
            "can_export": policy.can_export_plan(request.user, plan),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_create(request):
    boards = policy.managed_boards(request.user)
    if not boards.exists():
        raise PermissionDenied
    form = PlanForm(request.POST or None, boards=boards)
    return record_form_page(request, form, title="New plan", back=reverse("actionplans:plan_list"))


@require_http_methods(["GET", "POST"])
def plan_edit(request, slug):
    plan = _editable_plan(request, slug)
    form = PlanForm(request.POST or None, instance=plan, boards=policy.managed_boards(request.user))
    return record_form_page(
        request,
        form,
        title=f"Edit plan: {plan.title}",
        back=plan.get_absolute_url(),
        board_id=plan.board_id,
    )


@require_http_methods(["GET", "POST"])
def theme_form(request, slug, pk=None):
    plan = _editable_plan(request, slug)
    theme = get_object_or_404(Theme, plan=plan, pk=pk) if pk else Theme(plan=plan)
    return record_form_page(
        request,
        ThemeForm(request.POST or None, instance=theme),
        title=f"Edit theme: {theme.title}" if pk else f"New theme in {plan.title}",
        back=plan.get_absolute_url(),
        board_id=plan.board_id,
    )


@require_http_methods(["GET", "POST"])
def objective_form(request, slug, pk=None):
    plan = _editable_plan(request, slug)
    objective = get_object_or_404(Objective, plan=plan, pk=pk) if pk else Objective(plan=plan)
    return record_form_page(
        request,
        ObjectiveForm(request.POST or None, instance=objective, plan=plan),
        title="Edit objective" if pk else f"New objective in {plan.title}",
        back=plan.get_absolute_url(),
        board_id=plan.board_id,
    )


def _editable_plan(request, slug):
    plan = visible_plan_or_404(request.user, slug)
    if not policy.can_edit_plan(request.user, plan):
        raise PermissionDenied
    return plan
