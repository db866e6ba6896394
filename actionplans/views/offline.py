"""The offline return of a round: download it, upload it filled in, check, confirm.

`policy.can_use_offline_return` decides who may (a round of another board is "not
found"); `rounds.offline` builds, reads and checks the workbook, and
`rounds.services.offline_return_apply` writes. Between the preview and the
confirmation the file waits in the default storage behind a signed token
(`rounds.uploads`), not in the session, so the two requests may reach different servers.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actionplans import policy
from actionplans.forms import OfflineReturnUploadForm
from actionplans.models import Round
from actionplans.rounds import offline, uploads
from actionplans.rounds.services import ReturnRefused, RoundClosedError, offline_return_apply
from actionplans.spreadsheets import XLSX_CONTENT_TYPE

from .common import upload_too_large

UPLOAD_TEMPLATE = "actionplans/offline_return_upload.html"
PREVIEW_TEMPLATE = "actionplans/offline_return_preview.html"


def _round_for_return(request, pk) -> Round:
    round = get_object_or_404(
        Round.objects.filter(board_id__in=policy.board_ids(request.user)).select_related("board"),
        pk=pk,
    )
    if not policy.can_use_offline_return(request.user, round):
        raise PermissionDenied("Only the round's leads and business managers use its return.")
    return round


def _upload_page(request, round, form=None, *, status=200, problem=""):
    on_behalf = policy.can_manage_rounds(request.user, round.board_id)
    context = {
        "round": round,
        "form": form or OfflineReturnUploadForm(),
        "on_behalf": on_behalf,
        "agencies": offline.return_agencies(round) if on_behalf and round.is_open else [],
        "closed_message": "" if round.is_open else offline.closed_message(round),
        "problem": problem,
    }
    return render(request, UPLOAD_TEMPLATE, context, status=status)


@require_safe
def offline_return_download(request, pk):
    round = _round_for_return(request, pk)
    agency = _chosen_agency(request, round)
    if not round.is_open:
        return _upload_page(request, round, status=409)
    scope = offline.return_scope(round=round, user=request.user, agency=agency)
    response = HttpResponse(offline.return_workbook(scope), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{offline.return_filename(scope)}"'
    return response


def _chosen_agency(request, round):
    """`?agency=<id>`: one agency's actions only (a manager: any agency of the board; a
    lead: one of their own). Any other id is "not found"."""
    chosen = request.GET.get("agency", "")
    if not chosen:
        return None
    agency_ids = policy.offline_return_agency_ids(request.user, round)
    agencies = round.board.agencies.all()
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=agency_ids)
    return get_object_or_404(agencies, pk=int(chosen) if chosen.isdigit() else 0)


@require_http_methods(["GET", "POST"])
def offline_return_upload(request, pk):
    round = _round_for_return(request, pk)
    if request.method != "POST":
        return _upload_page(request, round)
    if not round.is_open:
        return _upload_page(request, round, status=409)
    if upload_too_large(request):
        return _upload_page(
            request, round, status=413, problem="The file must be smaller than 10 MB."
        )
    form = OfflineReturnUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, round, form)
    data = form.cleaned_data["file"].read()
    check = offline.check_return(round=round, user=request.user, data=data)
    if check.file_error:
        form.add_error("file", check.file_error)
        return _upload_page(request, round, form)
    stored = None
    if check.can_apply:
        stored = uploads.stored_return_save(data=data, user=request.user, round=round)
    context = {"round": round, "check": check, "token": stored.token if stored else ""}
    return render(request, PREVIEW_TEMPLATE, context)


@require_POST
def offline_return_confirm(request, pk):
    round = _round_for_return(request, pk)
    stored = uploads.stored_return_read(
        token=request.POST.get("token", ""), user=request.user, round=round
    )
    if stored is None:
        problem = "This upload has expired or was already sent. Upload the file again."
        return _upload_page(request, round, status=400, problem=problem)
    try:
        outcome = offline_return_apply(round=round, by=request.user, data=stored.read())
    except RoundClosedError:
        uploads.stored_return_delete(stored)
        round.refresh_from_db()
        return _upload_page(request, round, status=409)
    except ReturnRefused as refused:
        uploads.stored_return_delete(stored)
        context = {"round": round, "check": refused.check, "token": ""}
        return render(request, PREVIEW_TEMPLATE, context, status=400)
    uploads.stored_return_delete(stored)
    messages.success(request, _sent_words(outcome))
    if outcome.on_behalf:
        return redirect("actionplans:offline_return_upload", pk=round.pk)
    return redirect("actionplans:my_actions")


def _sent_words(outcome) -> str:
    count = len(outcome.created)
    updates = f"{count} update{'' if count == 1 else 's'}"
    if outcome.on_behalf:
        said = (
            f"Recorded {updates} on the agencies' behalf: approved, and now the actions' progress."
        )
    else:
        said = f"Sent {updates} to the business manager for approval."
    if outcome.already:
        said += f" {outcome.already} row{'' if outcome.already == 1 else 's'} had been sent before."
    return said
