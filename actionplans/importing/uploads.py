"""Keep an uploaded plan between upload, preview and confirm, as a `PlanImport` row.

The row says who uploaded what for which board and what they chose; the bytes go to
the default storage under ``imports/<token>.bin`` (MEDIA_ROOT on a single server). Only
the user who uploaded it, on its board, opens it again. The file is removed on
confirm (the row stays, "imported"), and imports nobody confirmed are swept away with
their files after `KEEP_FOR`, at the next upload.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from actionplans.models import ImportState, PlanImport

DIRECTORY = "imports"
KEEP_FOR = timedelta(hours=24)


def store_upload(
    *,
    user,
    data: bytes,
    board_id: int,
    title: str,
    kind: str,
    plan_slug: str,
    sheet: str,
    filename: str,
    review_reference: str = "",
) -> PlanImport:
    _sweep()
    upload = PlanImport(
        user=user,
        board_id=board_id,
        title=title,
        kind=kind,
        plan_slug=plan_slug,
        sheet=sheet,
        filename=filename[:200],
        review_reference=review_reference,
    )
    upload.file.save(f"{upload.token}.bin", ContentFile(data), save=False)
    upload.save()
    return upload


def stored_upload(user, token: str, board_id: int) -> PlanImport | None:
    """The user's import with this token, for this board, if its file is still there."""
    upload = PlanImport.objects.filter(
        token=token, user=user, board_id=board_id, state=ImportState.CHECKING
    ).first()
    if upload is None or not upload.file or not default_storage.exists(upload.file.name):
        return None
    return upload


def remember_choices(upload: PlanImport, choices: dict) -> None:
    if upload.choices != choices:
        upload.choices = choices
        upload.save(update_fields=["choices", "updated_at"])


def discard_upload(upload: PlanImport) -> None:
    """The import is done: its file goes, the row stays as the record of it."""
    upload.file.delete(save=False)
    upload.state = ImportState.IMPORTED
    upload.save(update_fields=["file", "state", "updated_at"])


def _sweep() -> None:
    """Remove imports nobody confirmed, and any file no import names."""
    cutoff = timezone.now() - KEEP_FOR
    for upload in PlanImport.objects.filter(state=ImportState.CHECKING, updated_at__lt=cutoff):
        upload.file.delete(save=False)
        upload.delete()
    try:
        _folders, files = default_storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{DIRECTORY}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
