from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("reports/", include("reporting.urls")),
    path("exports/", include("reporting.export_urls")),
    path("import/", include("actionplans.import_urls")),
    path("", include("actionplans.urls")),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
handler403 = "config.errors.permission_denied"
