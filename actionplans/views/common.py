from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from actionplans import policy, services
from actionplans.importing.readers import MAX_FILE_BYTES
from actionplans.models import Action, Plan, ProgressUpdate

# The file limit, plus room for the form's other fields and the multipart framing.
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 64 * 1024


def upload_too_large(request) -> bool:
    """Whether the request says it is larger than an upload may be: refused before Django
    reads the body, so a huge upload never reaches the disk."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > MAX_REQUEST_BYTES


def visible_plan_or_404(user, slug: str) -> Plan:
    """A plan of another board is "not found": its existence is not revealed."""
    return get_object_or_404(policy.visible_plans(user).select_related("board"), slug=slug)


def visible_action_or_404(user, pk: int) -> Action:
    return get_object_or_404(
        policy.visible_actions(user).select_related("plan", "plan__board", "lead_agency"), pk=pk
    )


def visible_update_or_404(user, pk: int) -> ProgressUpdate:
    return get_object_or_404(
        ProgressUpdate.objects.select_related(
            "action", "action__plan", "action__lead_agency", "author"
        ).filter(action__plan__board_id__in=policy.board_ids(user)),
        pk=pk,
    )


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def record_form_page(request, form, *, title: str, back: str, board_id: int | None = None):
    """Create/edit page for a board record (plan, theme, review, agency...).

    On a valid POST the record is saved through the service (which checks that the
    user manages the board) and the user goes back; otherwise the form is shown with
    its errors. `board_id` None means: the board chosen in the form.
    """
    if request.method == "POST" and form.is_valid():
        instance = form.save(commit=False)
        services.board_record_save(
            instance=instance,
            user=request.user,
            board_id=board_id or form.cleaned_data["board"].pk,
            reason="Created" if form.instance._state.adding else "Edited",
        )
        form.save_m2m()
        messages.success(request, f"Saved “{instance}”.")
        target = instance.get_absolute_url() if hasattr(instance, "get_absolute_url") else back
        return redirect(target)
    return render(
        request, "actionplans/form_page.html", {"form": form, "title": title, "back": back}
    )
