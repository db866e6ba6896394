"""Evidence files: attach (a lead to their open update, a manager to the action),
download (as an attachment, through the policy), remove (a manager, with a reason)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from actionplans import policy
from actionplans.evidence import services
from actionplans.evidence.forms import SLOTS, EvidenceRemoveForm, EvidenceUploadForm
from actionplans.evidence.scan import scan_configured
from actionplans.evidence.uploads import EvidenceUploadHandler
from actionplans.models import EvidenceState

from .common import visible_action_or_404

FORM_ROOM = 64 * 1024  # the form's other fields and the multipart framing


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@require_http_methods(["GET", "POST"])
def evidence_add(request, pk):
    request.upload_handlers = [EvidenceUploadHandler(request)]
    return _evidence_add(request, pk)


@csrf_protect
def _evidence_add(request, pk):
    action = visible_action_or_404(request.user, pk)
    update = policy.evidence_update_for(request.user, action, action.updates.all())
    if not policy.can_attach_evidence(request.user, action, update):
        raise PermissionDenied
    if request.method == "POST" and _too_large(request):
        problem = (
            "These files are too large together: attach at most "
            f"{settings.EVIDENCE_MAX_FILE_BYTES // 1024 // 1024} MB a file. Nothing was kept."
        )
        return _add_page(request, EvidenceUploadForm(), action, update, status=413, problem=problem)
    posted = request.method == "POST"
    form = EvidenceUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.evidence_add(
                action=action, update=update, uploader=request.user, files=form.checked
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            names = ", ".join(evidence.filename for evidence in saved)
            checking = " They are being checked for viruses first." if scan_configured() else ""
            messages.success(request, f"Attached {names}.{checking}")
            return redirect(action.get_absolute_url() + "#evidence")
    return _add_page(request, form, action, update)


def _too_large(request) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > SLOTS * settings.EVIDENCE_MAX_FILE_BYTES + FORM_ROOM


def _add_page(request, form, action, update, status=200, problem=""):
    return render(
        request,
        "actionplans/evidence_add.html",
        {
            "form": form,
            "action": action,
            "plan": action.plan,
            "update": update,
            "problem": problem,
        },
        status=status,
    )


def _visible_evidence_or_404(user, pk):
    return get_object_or_404(
        policy.visible_evidence(user).select_related("action", "action__plan", "removed_by"),
        pk=pk,
    )


@require_safe
def evidence_download(request, pk):
    evidence = _visible_evidence_or_404(request.user, pk)
    if not policy.can_download_evidence(request.user, evidence):
        raise PermissionDenied
    if evidence.state != EvidenceState.AVAILABLE or not evidence.file:
        status = 409 if evidence.state == EvidenceState.CHECKING else 410
        return render(
            request,
            "actionplans/evidence_gone.html",
            {"evidence": evidence, "action": evidence.action},
            status=status,
        )
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.filename,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def evidence_remove(request, pk):
    evidence = _visible_evidence_or_404(request.user, pk)
    if not policy.can_remove_evidence(request.user, evidence):
        raise PermissionDenied
    if evidence.state == EvidenceState.REMOVED:
        messages.info(request, f"{evidence.filename} was already removed.")
        return redirect(evidence.action.get_absolute_url() + "#evidence")
    form = EvidenceRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.evidence_remove(
            evidence=evidence, manager=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"Removed {evidence.filename}. The history says why.")
        return redirect(evidence.action.get_absolute_url() + "#evidence")
    return render(
        request,
        "actionplans/evidence_remove.html",
        {"form": form, "evidence": evidence, "action": evidence.action},
    )
