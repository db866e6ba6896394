"""Import a plan from CSV, XLSX or Word: choose a board, upload, check the preview, confirm.

Only the board's business manager may import (`policy.can_import_plan`); someone who
can see the board but does not manage it gets 403, anyone else 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from reviews.models import Board

from . import policy
from .importing.forms import UploadForm, check_upload, confirm_upload
from .importing.pipeline import ImportRefused
from .importing.uploads import discard_upload, stored_upload
from .views.common import upload_too_large

PREVIEW_TEMPLATE = "actionplans/imports/preview.html"


def _board_for_import(request, board_slug: str) -> Board:
    board = get_object_or_404(policy.visible_boards(request.user), slug=board_slug)
    if not policy.can_import_plan(request.user, board):
        raise PermissionDenied("Only the board's business manager can import plans.")
    return board


def _upload_or_404(request, board: Board, token):
    upload = stored_upload(request.user, str(token), board.pk)
    if upload is None:
        raise Http404("This upload has expired or was already imported.")
    return upload


@require_safe
def choose_board(request):
    boards = list(policy.managed_boards(request.user).order_by("name"))
    if not boards:
        raise PermissionDenied("Only a board's business manager can import plans.")
    if len(boards) == 1:
        return redirect("imports:upload", board_slug=boards[0].slug)
    return render(request, "actionplans/imports/choose_board.html", {"boards": boards})


def upload(request, board_slug):
    board = _board_for_import(request, board_slug)
    if request.method == "POST" and upload_too_large(request):
        # Refused before Django reads the body, so a huge upload never reaches the disk.
        context = {"board": board, "form": UploadForm(board=board), "too_large": True}
        return render(request, "actionplans/imports/upload.html", context, status=413)
    form = UploadForm(request.POST or None, request.FILES or None, board=board)
    if request.method == "POST" and form.is_valid():
        stored = form.store(request.user)
        return redirect("imports:preview", board_slug=board.slug, token=stored.token)
    return render(request, "actionplans/imports/upload.html", {"board": board, "form": form})


def preview(request, board_slug, token):
    board = _board_for_import(request, board_slug)
    upload = _upload_or_404(request, board, token)
    data = request.POST if request.method == "POST" else None
    check = check_upload(upload, board=board, data=data)
    return render(request, PREVIEW_TEMPLATE, {"board": board, "check": check})


def confirm(request, board_slug, token):
    board = _board_for_import(request, board_slug)
    upload = _upload_or_404(request, board, token)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    check = check_upload(upload, board=board, data=request.POST, confirming=True)
    if check.can_import:
        try:
            outcome = confirm_upload(check, author=request.user)
        except ImportRefused as refused:
            check.problems += refused.problems
        else:
            discard_upload(upload)
            messages.success(
                request,
                f"Imported {upload.filename}: {outcome.created} actions added, "
                f"{outcome.updated} updated, {outcome.unchanged} unchanged.",
            )
            return redirect("actionplans:plan_detail", slug=outcome.plan_slug)
    return render(request, PREVIEW_TEMPLATE, {"board": board, "check": check}, status=400)
