"""The quarterly round: open it, follow the replies, record the board's decisions, close it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from actionplans import policy
from actionplans.models import Round
from actionplans.rounds import selectors, services
from actionplans.rounds.forms import DecisionForm, RoundForm

from .common import is_htmx


def _round_or_404(user, pk: int) -> Round:
    """A round of another board is "not found"; one the user may not see is refused."""
    round = get_object_or_404(selectors.visible_rounds(user=user), pk=pk)
    if not policy.can_view_round(user, round):
        raise PermissionDenied
    return round


def _managed_round_or_404(user, pk: int) -> Round:
    round = _round_or_404(user, pk)
    if not policy.can_manage_rounds(user, round.board_id):
        raise PermissionDenied
    return round


def _refuse_closed(request, round: Round):
    messages.info(request, str(services.RoundClosedError(round).message))
    return redirect(round)


@require_safe
def round_list(request):
    if not policy.can_see_rounds(request.user):
        raise PermissionDenied
    return render(
        request,
        "actionplans/rounds/round_list.html",
        {"list": selectors.round_list(user=request.user)},
    )


@require_http_methods(["GET", "POST"])
def round_open(request, board_slug):
    board = get_object_or_404(policy.visible_boards(request.user), slug=board_slug)
    if not policy.can_manage_rounds(request.user, board.pk):
        raise PermissionDenied
    form = RoundForm(request.POST if request.method == "POST" else None, board=board)
    preview = None
    if request.method == "POST" and "change" not in request.POST and form.is_valid():
        if request.POST.get("confirmed"):
            try:
                round = services.round_open(request=form.round_request(), by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"“{round}” is open: the agencies' leads are asked.")
                return redirect(round)
        else:
            preview = selectors.round_preview(board=board, plans=form.cleaned_data["plans"])
    return render(
        request,
        "actionplans/rounds/round_open.html",
        {"form": form, "board": board, "preview": preview},
    )


@require_safe
def round_detail(request, pk):
    round = _round_or_404(request.user, pk)
    page = selectors.round_page(
        round=round,
        user=request.user,
        agency=request.GET.get("agency", ""),
        state=request.GET.get("state", ""),
    )
    template = "actionplans/rounds/round_detail.html"
    if is_htmx(request) and not request.headers.get("HX-History-Restore-Request"):
        template += "#state_list"  # the list behind a number of the tracker
    return render(request, template, {"page": page, "round": round})


@require_http_methods(["GET", "POST"])
def round_decisions(request, pk):
    round = _managed_round_or_404(request.user, pk)
    if not round.is_open:
        return _refuse_closed(request, round)
    items = selectors.round_tracker(round).for_sign_off
    forms = [
        (
            item,
            DecisionForm(
                request.POST if request.method == "POST" else None,
                prefix=f"item-{item.item.pk}",
                initial={"decision": item.item.decision, "challenge": item.item.challenge},
            ),
        )
        for item in items
    ]
    if request.method == "POST" and all(form.is_valid() for _, form in forms):
        chosen = {
            item.item.pk: (form.cleaned_data["decision"], form.cleaned_data["challenge"])
            for item, form in forms
            if form.cleaned_data["decision"] and form.has_changed()
        }
        try:
            refused = services.round_decide_each(round=round, by=request.user, decisions=chosen)
        except services.RoundClosedError:
            return _refuse_closed(request, round)
        for item, form in forms:
            if item.item.pk in refused:
                form.add_error(None, refused[item.item.pk])
        if not refused:
            if chosen:
                messages.success(
                    request, f"Recorded the board's decision on {len(chosen)} actions."
                )
            else:
                messages.info(request, "No decision was chosen: nothing was recorded.")
            return redirect(round)
    return render(
        request,
        "actionplans/rounds/round_decisions.html",
        {"round": round, "forms": forms, "has_errors": any(form.errors for _, form in forms)},
    )


@require_http_methods(["GET", "POST"])
def round_close(request, pk):
    round = _managed_round_or_404(request.user, pk)
    if not round.is_open:
        return _refuse_closed(request, round)
    if request.method == "POST":
        try:
            services.round_close(round=round, by=request.user)
        except services.RoundClosedError:
            return _refuse_closed(request, round)
        messages.success(request, f"“{round}” is closed: its summary and board pack are kept.")
        return redirect(round)
    return render(
        request,
        "actionplans/rounds/round_close.html",
        {"round": round, "summary": selectors.round_tracker(round).summary()},
    )
