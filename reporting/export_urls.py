from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("actions.csv", export_views.action_list_csv, name="action_list_csv"),
    path("actions.xlsx", export_views.action_list_xlsx, name="action_list_xlsx"),
    path("updates.csv", export_views.action_list_updates_csv, name="action_list_updates_csv"),
    path("plans/<slug:slug>/actions.csv", export_views.plan_csv, name="plan_csv"),
    path("plans/<slug:slug>/actions.xlsx", export_views.plan_xlsx, name="plan_xlsx"),
    path("plans/<slug:slug>/updates.csv", export_views.plan_updates_csv, name="plan_updates_csv"),
]
