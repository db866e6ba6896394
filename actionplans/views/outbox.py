"""The outbox (every message the app sent or will send) and each person's email choices."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from actionplans import policy, services
from actionplans.forms import NotificationSettingsForm
from actionplans.notifications import outbox, selectors


@require_safe
def outbox_list(request):
    if not policy.can_see_outbox(request.user):
        raise PermissionDenied
    found, filters = selectors.message_list(user=request.user, filters=request.GET)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "actionplans/outbox.html",
        {
            "page": page,
            "filters": filters,
            "mail_configured": outbox.mail_configured(),
            "nav_active": "outbox",
        },
    )


@require_safe
def message_detail(request, pk):
    message = get_object_or_404(selectors.message_queryset(user=request.user), pk=pk)
    if not policy.can_view_message(request.user, message):
        raise PermissionDenied
    return render(
        request,
        "actionplans/message_detail.html",
        {"message": message, "nav_active": "outbox"},
    )


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    choices = outbox.notification_settings(request.user)
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None,  # all unticked: an empty POST
        choices=choices,
        manager=policy.manages_a_board(request.user),
    )
    if request.method == "POST" and form.is_valid():
        services.notification_settings_change(user=request.user, **form.cleaned_data)
        messages.success(request, "Your email settings are saved.")
        return redirect("actionplans:notification_settings")
    return render(request, "actionplans/notification_settings.html", {"form": form})
