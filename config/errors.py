"""Error pages in the service's own style."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (an expired page, cookies blocked): say
    so in the service's words; Django's own page names the token, not what to do."""
    return render(request, "errors/csrf.html", status=403)


def server_error(request):
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
