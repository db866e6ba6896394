from django.urls import path

from . import import_views

app_name = "imports"

urlpatterns = [
    path("", import_views.choose_board, name="choose_board"),
    path("<slug:board_slug>/", import_views.upload, name="upload"),
    path("<slug:board_slug>/<uuid:token>/", import_views.preview, name="preview"),
    path("<slug:board_slug>/<uuid:token>/confirm/", import_views.confirm, name="confirm"),
]
