from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("board-pack.pdf", views.composite_pack, name="pack"),
    path("actions.pdf", views.action_list_pdf, name="action_list_pdf"),
    path("boards/<slug:slug>/dashboard/", views.board_dashboard, name="board_dashboard"),
    path("plans/<slug:slug>/dashboard/", views.plan_dashboard, name="plan_dashboard"),
    path("plans/<slug:slug>/", views.plan_reports, name="plan_reports"),
    path("plans/<slug:slug>/board-pack.pdf", views.plan_pack, name="plan_pack"),
    path("plans/<slug:slug>/exceptions/", views.exceptions, name="exceptions"),
    path("plans/<slug:slug>/exceptions.pdf", views.exceptions_pdf, name="exceptions_pdf"),
    path("plans/<slug:slug>/changes/", views.changes, name="changes"),
    path("plans/<slug:slug>/changes.pdf", views.changes_pdf, name="changes_pdf"),
    path("rounds/<int:pk>/board-pack.pdf", views.round_pack, name="round_pack"),
    path("rendered/<uuid:pk>/", views.report_status, name="report_status"),
    path("rendered/<uuid:pk>/download/", views.report_download, name="report_download"),
]
