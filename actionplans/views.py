from django.http import Http404
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Action, Plan


def plan_list(request):
    return render(
        request, "actionplans/plan_list.html", {"plans": selectors.plan_list(user=request.user)}
    )


def plan_detail(request, slug):
    plan = get_object_or_404(Plan.objects.select_related("board"), slug=slug)
    return render(
        request,
        "actionplans/plan_detail.html",
        {"plan": plan, "sections": selectors.plan_sections(plan)},
    )


def action_detail(request, pk):
    try:
        action = selectors.action_detail(pk)
    except Action.DoesNotExist as missing:
        raise Http404("No such action.") from missing
    return render(
        request,
        "actionplans/action_detail.html",
        {"action": action, "plan": action.plan, "history": selectors.action_history(action)},
    )


def action_list(request):
    actions = selectors.action_queryset().order_by("plan__title", "position")
    return render(request, "actionplans/action_list.html", {"actions": actions})
