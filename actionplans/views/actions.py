from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actionplans import policy, selectors, services
from actionplans.forms import ActionForm, CommentForm
from actionplans.pagination import IdsFirstPaginator
from actionplans.rounds.selectors import lead_rounds

from .common import is_htmx, visible_action_or_404, visible_plan_or_404
from .updates import decision_ids

PAGE_SIZE = 50


@require_safe
def action_list(request):
    actions, filterset = selectors.action_list(user=request.user, filters=request.GET)
    page = IdsFirstPaginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "today": timezone.localdate(),
        "result_count": page.paginator.count,
    }
    if is_htmx(request):
        return render(request, "actionplans/action_list.html#results", context)
    return render(request, "actionplans/action_list.html", context)


@require_safe
def action_detail(request, pk):
    action = visible_action_or_404(request.user, pk)
    return render(request, "actionplans/action_detail.html", _detail_context(request, action))


@require_safe
def action_history(request, pk):
    action = visible_action_or_404(request.user, pk)
    return render(
        request,
        "actionplans/action_history.html",
        {"action": action, "plan": action.plan, "history": selectors.action_timeline(action)},
    )


def _detail_context(request, action, comment_form=None):
    action = selectors.action_detail(action.pk)
    user = request.user
    updates = list(action.updates.all())
    evidence = selectors.action_evidence(action=action)
    return {
        "action": action,
        "plan": action.plan,
        "history": selectors.action_timeline(action),
        "flags": action.flags(),
        "offer": policy.update_offer(user, action, updates),
        "can_edit": policy.can_edit_action(user, action),
        "can_record": policy.can_record_update(user, action) and not action.is_closed,
        "can_comment": policy.can_comment(user, action),
        "editable_update_ids": {u.pk for u in updates if policy.can_edit_update(user, u)},
        **decision_ids(user, updates),
        "comment_form": comment_form or CommentForm(),
        "evidence_files": evidence,
        "can_attach_evidence": policy.can_attach_evidence(
            user, action, policy.evidence_update_for(user, action, updates)
        ),
        "removable_evidence_ids": {f.pk for f in evidence if policy.can_remove_evidence(user, f)},
    }


@require_http_methods(["GET", "POST"])
def action_create(request, slug):
    plan = visible_plan_or_404(request.user, slug)
    if not policy.can_edit_plan(request.user, plan):
        raise PermissionDenied
    form = ActionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_create(
                plan=plan, creator=request.user, data=form.action_data()
            )
            services.action_set_sources(
                action=action,
                editor=request.user,
                reviews=list(form.cleaned_data["reviews"]),
                findings=list(form.cleaned_data["findings"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Action {action.ref} added.")
            return redirect(action)
    return render(
        request,
        "actionplans/action_form.html",
        {"form": form, "plan": plan, "title": f"New action in {plan.title}"},
    )


@require_http_methods(["GET", "POST"])
def action_edit(request, pk):
    action = visible_action_or_404(request.user, pk)
    if not policy.can_edit_action(request.user, action):
        raise PermissionDenied
    form = ActionForm(request.POST or None, instance=action, plan=action.plan)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.action_update(
                action=action,
                editor=request.user,
                data=form.action_data(),
                expected_version=form.cleaned_data["version"] or 0,
                target_change_reason=form.cleaned_data["target_change_reason"],
            )
            services.action_set_sources(
                action=saved,
                editor=request.user,
                reviews=list(form.cleaned_data["reviews"]),
                findings=list(form.cleaned_data["findings"]),
            )
        except services.StaleEditError as error:
            stale = error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Action {saved.ref} saved.")
            return redirect(saved)
    return render(
        request,
        "actionplans/action_form.html",
        {
            "form": form,
            "plan": action.plan,
            "action": action,
            "stale": stale,
            "title": f"Edit action {action.ref}",
        },
        status=409 if stale else 200,
    )


@require_POST
def comment_add(request, pk):
    action = visible_action_or_404(request.user, pk)
    if not policy.can_comment(request.user, action):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_add(action=action, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Comment added.")
        return redirect(action)
    return render(
        request,
        "actionplans/action_detail.html",
        _detail_context(request, action, comment_form=form),
        status=400,
    )


@require_safe
def my_actions(request):
    if not policy.can_see_my_actions(request.user):
        raise PermissionDenied
    return render(
        request,
        "actionplans/my_actions.html",
        {
            "actions": selectors.my_actions(user=request.user),
            "rounds": lead_rounds(user=request.user),
            "today": timezone.localdate(),
        },
    )
