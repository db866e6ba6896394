import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actionplans import policy, selectors, services
from actionplans.forms import DecideUpdateForm, ProgressUpdateForm, ReturnUpdateForm

from .common import visible_action_or_404, visible_update_or_404


@require_http_methods(["GET", "POST"])
def update_submit(request, pk):
    action = visible_action_or_404(request.user, pk)
    if not policy.can_submit_update(request.user, action):
        raise PermissionDenied
    offer = policy.update_offer(request.user, action, selectors.waiting_updates(action=action))
    if not offer.report and not _sent_again(request, offer.change or offer.waiting):
        return _update_waiting(request, action, offer)
    form = ProgressUpdateForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_submit(
                action=action,
                author=request.user,
                submission_key=form.cleaned_data["submission_key"],
                **form.update_data(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Update sent to the business manager for approval.")
            return redirect(action)
    return _update_form_page(request, form, action, title="Report progress")


def _sent_again(request, waiting) -> bool:
    """The form that made the waiting update, sent again (a double click): the service
    returns the first update instead of making a second."""
    key = request.POST.get("submission_key") if request.method == "POST" else None
    return bool(key) and str(waiting.submission_key) == key


def _update_waiting(request, action, offer):
    """An update of the action is already waiting: its author changes it instead of
    sending a second one; anyone else is told whose it is. What was typed is kept."""
    if offer.change is not None:
        update = offer.change
        if request.method != "POST":
            messages.info(
                request,
                "Your update is waiting for approval: change it instead of sending another.",
            )
            return redirect("actionplans:update_edit", update.pk)
        form = ProgressUpdateForm(
            _with_version(request.POST, update), instance=update, action=action
        )
        form.is_valid()  # show what needs correcting, as the form would
        messages.info(
            request,
            "Your update is still waiting for approval, so what you wrote is below as a "
            "change to it rather than a second update: check it and send it.",
        )
        return _update_form_page(
            request,
            form,
            action,
            title="Change your update",
            update=update,
            form_action=reverse("actionplans:update_edit", args=[update.pk]),
        )
    said = f"An update by {offer.waiting.byline} is waiting for approval"
    if request.method != "POST":
        messages.info(request, f"{said}: you can report progress once it has been decided.")
        return redirect(action)
    form = ProgressUpdateForm(request.POST, action=action)
    return _update_form_page(
        request, form, action, title="Report progress", waiting=offer.waiting, status=409
    )


def _with_version(data, update):
    """What the user sent, against the update's current version."""
    data = data.copy()
    data["version"] = str(update.version)
    return data


@require_http_methods(["GET", "POST"])
def update_record(request, pk):
    """A manager records an update received from the lead agency: approved at once."""
    action = visible_action_or_404(request.user, pk)
    if not policy.can_record_update(request.user, action):
        raise PermissionDenied
    form = ProgressUpdateForm(request.POST or None, action=action)
    if request.method == "POST" and form.is_valid():
        try:
            update = services.update_record(
                action=action,
                recorder=request.user,
                submission_key=form.cleaned_data["submission_key"],
                **form.update_data(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Update {update.byline} saved and approved.")
            return redirect(action)
    form.fields["rag"].label = "RAG status the agency reports"
    return _update_form_page(
        request,
        form,
        action,
        title="Record an update received from the agency",
        submit_label="Save and approve",
        recording=True,
    )


def _update_form_page(request, form, action, *, title: str, status: int = 200, **context):
    """The progress update form of an action: a new update, or one being changed."""
    return render(
        request,
        "actionplans/update_form.html",
        {"form": form, "action": action, "plan": action.plan, "title": title, **context},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def update_edit(request, pk):
    update = visible_update_or_404(request.user, pk)
    if not policy.is_update_author(request.user, update):
        raise PermissionDenied
    if not policy.can_edit_update(request.user, update):
        return _approved_meanwhile(request, update)
    form = ProgressUpdateForm(request.POST or None, instance=update, action=update.action)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_edit(
                update=update,
                editor=request.user,
                data=form.update_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        except services.AlreadyDecided as decided:
            return _approved_meanwhile(request, decided.update)
        except services.StaleUpdateError as error:
            # What they typed stays in the form, now against the current version: sending
            # it again, having seen the changes, is a choice, not an accident.
            stale, update = error, error.update
            form = ProgressUpdateForm(
                _with_version(request.POST, update), instance=update, action=update.action
            )
        else:
            messages.success(request, "Update sent to the business manager for approval.")
            return redirect(update.action)
    return _update_form_page(
        request,
        form,
        update.action,
        title="Change your update",
        update=update,
        stale=stale,
        status=409 if stale else 200,
    )


def _approved_meanwhile(request, update):
    """The author's update was approved while they changed it: keep what they wrote, as
    a new update they can send (nothing is lost), or, without changes, say so."""
    action = update.action
    said = f"Your update was approved by {update.decided_by or 'the business manager'}"
    if request.method != "POST":
        messages.info(request, f"{said}, so it can no longer be changed.")
        return redirect(action)
    messages.info(
        request,
        f"{said} while you were changing it. Your changes are below as a new update: "
        "send it if they still apply.",
    )
    data = request.POST.copy()
    data["submission_key"] = str(uuid.uuid4())  # a new update, with its own key
    form = ProgressUpdateForm(data, action=action)
    form.is_valid()  # show what needs correcting, as the form would
    return _update_form_page(
        request,
        form,
        action,
        title="Report progress",
        form_action=reverse("actionplans:update_submit", args=[action.pk]),
    )


def _already_decided(request, update, *, to_queue: bool):
    """Another manager decided first: say who, change nothing, go back where they were."""
    decided_by = update.decided_by or "another manager"
    messages.info(
        request,
        f"The update on action {update.action.ref} was already "
        f"{update.get_status_display().lower()} by {decided_by}. Nothing was changed.",
    )
    return redirect("actionplans:approval_queue" if to_queue else update.action)


def _decidable_update_or_403(request, pk):
    update = visible_update_or_404(request.user, pk)
    if not policy.can_decide_updates(request.user, update):
        raise PermissionDenied
    return update


@require_POST
def update_approve(request, pk):
    update = _decidable_update_or_403(request, pk)
    to_queue = request.POST.get("next") == "queue"
    if not policy.can_approve_update(request.user, update):
        return _already_decided(request, update, to_queue=to_queue)
    form = DecideUpdateForm(request.POST)
    if not form.is_valid():  # no version: we cannot know what the manager read
        return _check_update_page(request, update, to_queue=to_queue, status=400)
    try:
        services.update_approve(
            update=update, approver=request.user, expected_version=form.cleaned_data["version"]
        )
    except services.AlreadyDecided as decided:
        return _already_decided(request, decided.update, to_queue=to_queue)
    except services.StaleUpdateError as stale:
        return _check_update_page(request, stale.update, to_queue=to_queue, stale=stale, status=409)
    messages.success(request, f"Update on action {update.action.ref} approved.")
    return redirect("actionplans:approval_queue" if to_queue else update.action)


def _check_update_page(request, update, *, to_queue: bool, status: int, stale=None):
    """Nothing was approved: the update as it is now (and what changed, if it did),
    to approve or return again."""
    return render(
        request,
        "actionplans/update_check.html",
        {
            "update": update,
            "action": update.action,
            "plan": update.action.plan,
            "stale": stale,
            "to_queue": to_queue,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def update_return(request, pk):
    update = _decidable_update_or_403(request, pk)
    if not policy.can_approve_update(request.user, update):
        return _already_decided(request, update, to_queue=True)
    form = ReturnUpdateForm(request.POST or None, initial={"version": update.version})
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_return(
                update=update,
                manager=request.user,
                reason=form.cleaned_data["return_reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.AlreadyDecided as decided:
            return _already_decided(request, decided.update, to_queue=True)
        except services.StaleUpdateError as error:
            stale, update = error, error.update
            form = ReturnUpdateForm(_with_version(request.POST, update))
        else:
            messages.success(
                request, f"Update on action {update.action.ref} returned to its author."
            )
            return redirect("actionplans:approval_queue")
    return render(
        request,
        "actionplans/update_return.html",
        {
            "form": form,
            "update": update,
            "action": update.action,
            "plan": update.action.plan,
            "stale": stale,
        },
        status=409 if stale else 200,
    )


@require_safe
def approval_queue(request):
    if not policy.can_see_approval_queue(request.user):
        raise PermissionDenied
    updates = list(selectors.approval_queue(user=request.user))
    return render(
        request,
        "actionplans/approval_queue.html",
        {"updates": updates, **decision_ids(request.user, updates)},
    )


def decision_ids(user, updates) -> dict:
    """Which of these updates the user may approve or return, and which are their own
    (a manager's own update is decided by another manager): for the buttons."""
    return {
        "approvable_update_ids": {u.pk for u in updates if policy.can_approve_update(user, u)},
        "own_waiting_update_ids": {u.pk for u in updates if policy.wrote_update_to_decide(user, u)},
    }
