from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from actionplans.signin import AdminSignInForm
from actionplans.views.account import SignInView
from config.health import healthz

admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        SignInView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The sign-up link a business manager gives a new person: they choose a password.
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password.html",
            success_url="/accounts/set-password/done/",
        ),
        name="password_set",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/set_password_done.html"
        ),
        name="password_set_done",
    ),
    path("admin/", admin.site.urls),
    path("reports/", include("reporting.urls")),
    path("exports/", include("reporting.export_urls")),
    path("import/", include("actionplans.import_urls")),
    path("", include("actionplans.urls")),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
handler403 = "config.errors.permission_denied"
