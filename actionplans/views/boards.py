"""Reviews, findings and agencies: the board records plans are built from."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from actionplans import policy
from actionplans.forms import AgencyForm, FindingForm, ReviewForm
from reviews.models import Finding, Review

from .common import record_form_page


@require_safe
def review_list(request):
    reviews = (
        policy.visible_reviews(request.user)
        .select_related("board")
        .order_by("board__name", "kind", "reference")
    )
    return render(
        request,
        "actionplans/review_list.html",
        {"reviews": reviews, "can_create": policy.managed_boards(request.user).exists()},
    )


@require_safe
def review_detail(request, pk):
    review = get_object_or_404(policy.visible_reviews(request.user).select_related("board"), pk=pk)
    return render(
        request,
        "actionplans/review_detail.html",
        {
            "review": review,
            "findings": review.findings.all(),
            "actions": review.actions.select_related("plan", "lead_agency").distinct(),
            "can_edit": policy.can_edit_review(request.user, review),
        },
    )


@require_http_methods(["GET", "POST"])
def review_form(request, pk=None):
    boards = policy.managed_boards(request.user)
    if pk:
        review = get_object_or_404(policy.visible_reviews(request.user), pk=pk)
        if not policy.can_edit_review(request.user, review):
            raise PermissionDenied
    elif not boards.exists():
        raise PermissionDenied
    else:
        review = Review()
    return record_form_page(
        request,
        ReviewForm(request.POST or None, instance=review, boards=boards),
        title=f"Edit review {review.reference}" if pk else "New review",
        back=reverse("actionplans:review_list"),
        board_id=review.board_id if pk else None,
    )


@require_http_methods(["GET", "POST"])
def finding_form(request, review_pk, pk=None):
    review = get_object_or_404(policy.visible_reviews(request.user), pk=review_pk)
    if not policy.can_edit_review(request.user, review):
        raise PermissionDenied
    finding = get_object_or_404(Finding, review=review, pk=pk) if pk else Finding(review=review)
    return record_form_page(
        request,
        FindingForm(request.POST or None, instance=finding),
        title=f"Edit {finding}" if pk else f"New finding of {review.reference}",
        back=review.get_absolute_url(),
        board_id=review.board_id,
    )


@require_safe
def agency_list(request):
    agencies = policy.visible_agencies(request.user).select_related("board")
    return render(
        request,
        "actionplans/agency_list.html",
        {"agencies": agencies, "can_create": policy.managed_boards(request.user).exists()},
    )


@require_http_methods(["GET", "POST"])
def agency_form(request, pk=None):
    boards = policy.managed_boards(request.user)
    if pk:
        agency = get_object_or_404(policy.visible_agencies(request.user), pk=pk)
        if not policy.can_manage_board(request.user, agency.board_id):
            raise PermissionDenied
    elif not boards.exists():
        raise PermissionDenied
    else:
        agency = None
    form = AgencyForm(request.POST or None, instance=agency, boards=boards)
    return record_form_page(
        request,
        form,
        title=f"Edit agency {agency.short_name}" if agency else "New agency",
        back=reverse("actionplans:agency_list"),
        board_id=agency.board_id if agency else None,
    )
