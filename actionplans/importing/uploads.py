"""Keep an uploaded plan between upload, preview and confirm.

The bytes go to the default storage under ``imports/<uuid>.bin`` (MEDIA_ROOT on a
single server); the session keeps only what the upload form said, keyed by that
uuid, so one user can have several imports going and nobody can open another's.
Files are removed on confirm, and any left older than `KEEP_FOR` are swept away at
the next upload.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

SESSION_KEY = "plan_imports"
DIRECTORY = "imports"
KEEP_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class StoredUpload:
    """What the upload form said, and where its file is."""

    token: str
    board_id: int
    title: str
    kind: str
    plan_slug: str
    sheet: str
    filename: str
    review_reference: str = ""

    @property
    def path(self) -> str:
        return f"{DIRECTORY}/{self.token}.bin"

    def read(self) -> bytes:
        with default_storage.open(self.path, "rb") as stored:
            return stored.read()


def store_upload(
    session,
    *,
    data: bytes,
    board_id: int,
    title: str,
    kind: str,
    plan_slug: str,
    sheet: str,
    filename: str,
    review_reference: str = "",
) -> StoredUpload:
    _sweep()
    upload = StoredUpload(
        token=str(uuid.uuid4()),
        board_id=board_id,
        title=title,
        kind=kind,
        plan_slug=plan_slug,
        sheet=sheet,
        filename=filename[:200],
        review_reference=review_reference,
    )
    default_storage.save(upload.path, ContentFile(data))
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), upload.token: asdict(upload)}
    return upload


def stored_upload(session, token: str, board_id: int) -> StoredUpload | None:
    """The session's upload with this token, for this board, if its file is still there."""
    saved = session.get(SESSION_KEY, {}).get(str(token))
    if not saved or saved.get("board_id") != board_id:
        return None
    upload = StoredUpload(**saved)
    return upload if default_storage.exists(upload.path) else None


def discard_upload(session, upload: StoredUpload) -> None:
    default_storage.delete(upload.path)
    uploads = dict(session.get(SESSION_KEY, {}))
    uploads.pop(upload.token, None)
    session[SESSION_KEY] = uploads


def _sweep() -> None:
    """Remove uploads nobody confirmed."""
    try:
        _folders, files = default_storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - KEEP_FOR
    for name in files:
        path = f"{DIRECTORY}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
