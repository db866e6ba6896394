"""Signing in: the sign-in page, the session's time left, and the two-factor pages."""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from actionplans import policy, sessions, two_factor
from actionplans.forms import TwoFactorCodeForm
from actionplans.signin import SignInForm


class SignInView(LoginView):
    """Django's sign-in page, with our username checks and, after a session ended,
    why the user was signed out."""

    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(sessions.SIGNED_OUT_REASON, None)
        context["signed_out_message"] = sessions.signed_out_message(reason)
        return context


@never_cache
@require_http_methods(["GET"])
def session_status(request):
    """ "Stay signed in": the idle limit starts again; says how long is left."""
    sessions.touch(request.session)
    left, ends = sessions.seconds_left(request.session)
    return JsonResponse({"seconds_left": left, "ends": ends})


def _next_url(request) -> str:
    """Where to go after the code: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    if not two_factor.is_on(user) or user.is_verified():
        return redirect(_next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(user, form.cleaned_data["code"])
        except two_factor.InvalidCode as error:
            form.add_error("code", str(error))
        else:
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                left = two_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a backup code. You have {left} left: make new ones "
                    "from “Two-factor sign-in” if you are running out.",
                )
            return redirect(_next_url(request))
    return render(
        request, "actionplans/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if two_factor.is_on(user):
        return redirect("actionplans:two_factor")
    device = two_factor.start_setup(user)
    form = TwoFactorCodeForm(request.POST or None, numeric=True)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.confirm_setup(user, device, form.cleaned_data["code"])
        except two_factor.InvalidCode as error:
            form.add_error("code", str(error))
        else:
            django_otp.login(request, device)
            return _backup_codes_page(request, codes, first_time=True)
    return render(
        request,
        "actionplans/two_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "required": policy.two_factor_required(user),
            "key": two_factor.setup_key(device),
            "qr_code": two_factor.setup_qr_code(device),
        },
    )


@require_http_methods(["GET", "POST"])
def two_factor_account(request):
    """Whether two-factor sign-in is on; new backup codes; turning it off."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("new_codes", "turn_off"):
            return HttpResponseBadRequest("Choose a button on the page.")
        if not two_factor.is_on(user):
            return redirect("actionplans:two_factor_setup")
        if action == "new_codes":
            return _backup_codes_page(request, two_factor.new_backup_codes(user))
        try:
            two_factor.turn_off(user)
        except PermissionDenied as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "Two-factor sign-in is off.")
        return redirect("actionplans:two_factor")
    return render(
        request,
        "actionplans/two_factor.html",
        {
            "on": two_factor.is_on(user),
            "required": policy.two_factor_required(user),
            "codes_left": two_factor.backup_codes_left(user),
        },
    )


def _backup_codes_page(request, codes: list[str], *, first_time: bool = False):
    return render(
        request,
        "actionplans/two_factor_codes.html",
        {
            "codes": codes,
            "first_time": first_time,
            "next": _next_url(request) if first_time else reverse("actionplans:two_factor"),
        },
    )
