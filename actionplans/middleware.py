"""Send a user who signed in with a password only to the second step first; keep
signed-in pages out of caches."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode

from . import policy, two_factor

# Pages a half-signed-in user may still open: signing out and the two-factor pages.
OPEN_URL_NAMES = {"logout", "login", "healthz"}
OPEN_NAMESPACE_URL_NAMES = {"two_factor_verify", "two_factor_setup"}


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: `request.user.is_verified()` is known.

    A user with two-factor sign-in on, who has not given a code this session, is
    sent to enter one; a user whose role needs it, and who has not set it up yet,
    is sent to set it up. Either way they come back to the page they asked for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match and (
            match.url_name in OPEN_URL_NAMES
            or (match.namespace == "actionplans" and match.url_name in OPEN_NAMESPACE_URL_NAMES)
        ):
            return None
        if two_factor.is_on(user):
            target = "actionplans:two_factor_verify"
        elif policy.two_factor_required(user):
            target = "actionplans:two_factor_setup"
        else:
            return None
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(target) + (f"?{query}" if query else ""))


class NoStoreForSignedInMiddleware:
    """Every response to a signed-in user says `Cache-Control: private, no-store`:
    safeguarding pages must not stay in a shared computer's browser cache or in a proxy.
    After AuthenticationMiddleware, so the user is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
        return response
