"""People: board business managers give people roles on their board."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from actionplans import notifications, policy, selectors, services
from actionplans.forms import MembershipForm, PersonForm
from actionplans.models import Agency, Membership
from reviews.models import Board


def _managed_board_or_404(user, slug: str) -> Board:
    board = get_object_or_404(policy.visible_boards(user), slug=slug)
    if not policy.can_manage_people(user, board.pk):
        raise PermissionDenied
    return board


def _membership_or_404(user, pk: int) -> Membership:
    membership = get_object_or_404(
        Membership.objects.select_related("user", "board").filter(
            board_id__in=policy.board_ids(user)
        ),
        pk=pk,
    )
    if not policy.can_manage_people(user, membership.board_id):
        raise PermissionDenied
    return membership


@require_safe
def people_list(request):
    if not policy.manages_a_board(request.user):
        raise PermissionDenied
    boards = policy.managed_boards(request.user).order_by("name")
    memberships = Membership.objects.select_related("user").prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.order_by("short_name"))
    )
    boards = boards.prefetch_related(
        Prefetch("memberships", queryset=memberships.order_by("user__username", "role"))
    )
    return render(request, "actionplans/people_list.html", {"boards": boards})


@require_http_methods(["GET", "POST"])
def person_add(request, board_slug):
    board = _managed_board_or_404(request.user, board_slug)
    form = PersonForm(request.POST or None, board=board)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.person_add(board=board, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            person = added.membership.user
            if added.new_account:
                return _sign_up_link_page(request, added.membership)
            messages.success(
                request, f"{person.get_username()} is now {added.membership.get_role_display()}."
            )
            return redirect("actionplans:people_list")
    return render(
        request,
        "actionplans/form_page.html",
        {
            "form": form,
            "title": f"Add a person to {board.name}",
            "back": reverse("actionplans:people_list"),
        },
    )


@require_http_methods(["GET", "POST"])
def membership_edit(request, pk):
    membership = _membership_or_404(request.user, pk)
    form = MembershipForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change(
                membership=membership,
                by=request.user,
                role=form.cleaned_data["role"],
                agencies=list(form.cleaned_data["agencies"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Changed the role of {membership.user.get_username()}.")
            return redirect("actionplans:people_list")
    return render(
        request,
        "actionplans/form_page.html",
        {
            "form": form,
            "title": f"Change the role of {membership.user.get_username()} on "
            f"{membership.board.name}",
            "back": reverse("actionplans:people_list"),
        },
    )


@require_POST
def membership_remove(request, pk):
    membership = _membership_or_404(request.user, pk)
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{membership.user.get_username()} is no longer "
            f"{membership.get_role_display()} on {membership.board.name}.",
        )
    return redirect("actionplans:people_list")


@require_POST
def sign_up_link(request, pk):
    """A new sign-up link for someone who has not chosen a password yet."""
    membership = _membership_or_404(request.user, pk)
    if not policy.can_send_set_password_link(request.user, membership.user):
        raise PermissionDenied
    return _sign_up_link_page(request, membership)


@require_POST
def sign_up_email(request, pk):
    """The app emails the sign-up link (at most once a day), instead of it being copied."""
    membership = _membership_or_404(request.user, pk)
    person = membership.user
    if not policy.can_send_set_password_link(request.user, person):
        raise PermissionDenied
    if not person.email:
        messages.error(
            request,
            f"{person.get_username()} has no email address: change their account in the "
            "admin, or make a sign-up link and send it yourself.",
        )
        return redirect("actionplans:people_list")
    message, created = notifications.sign_up_link_send(
        person=person, board=membership.board, by=request.user
    )
    if created:
        messages.success(
            request, f"The sign-up link is on its way to {message.to_email} (see the Outbox)."
        )
    else:
        messages.info(
            request,
            f"A sign-up link was already emailed to {message.to_email} today "
            f"({message.get_status_display().lower()}): see the Outbox.",
        )
    return redirect("actionplans:people_list")


def _sign_up_link_page(request, membership):
    person = membership.user
    path = services.set_password_link(person=person, by=request.user)
    return render(
        request,
        "actionplans/sign_up_link.html",
        {
            "person": person,
            "board": membership.board,
            "membership": membership,
            "link": request.build_absolute_uri(path),
        },
    )


SECURITY_EVENTS_PER_PAGE = 50


@require_safe
def security_events(request):
    """Sign-in activity: managers see the people on their boards, staff everyone."""
    if not policy.can_see_security_events(request.user):
        raise PermissionDenied
    events = selectors.security_event_list(user=request.user)
    page = Paginator(events, SECURITY_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "actionplans/security_events.html", {"page": page})
