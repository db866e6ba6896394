"""Keep an uploaded offline return between its preview and its confirmation.

The bytes go to the default storage (`django.core.files.storage.default_storage`)
under ``returns/<random>.xlsx``; the page gets a token signed with `django.core.signing`
that names the file, the user and the round. Nothing is kept in the session, so the
preview and the confirmation may reach different app servers (with a shared storage),
and nobody can confirm another user's upload or move it to another round. The file
is deleted on confirmation; any left older than `KEEP_FOR` are swept away at the next
upload.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from actionplans.models import Round

RETURNS_DIRECTORY = "returns"
SIGNED_AS = "actionplans.rounds.offline-return"
KEEP_FOR = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class StoredReturn:
    token: str
    path: str

    def read(self) -> bytes:
        with default_storage.open(self.path, "rb") as stored:
            return stored.read()


def stored_return_save(*, data: bytes, user, round: Round) -> StoredReturn:
    """Keep the upload until it is confirmed; the token names it for this user and round."""
    _sweep()
    path = default_storage.save(
        f"{RETURNS_DIRECTORY}/{secrets.token_urlsafe(18)}.xlsx", ContentFile(data)
    )
    token = signing.dumps({"path": path, "user": user.pk, "round": round.pk}, salt=SIGNED_AS)
    return StoredReturn(token=token, path=path)


def stored_return_read(*, token: str, user, round: Round) -> StoredReturn | None:
    """The upload behind the token, if it is this user's for this round and still kept."""
    try:
        saved = signing.loads(token or "", salt=SIGNED_AS, max_age=KEEP_FOR)
    except signing.BadSignature:
        return None
    path = saved.get("path", "")
    if (
        saved.get("user") != user.pk
        or saved.get("round") != round.pk
        or not path.startswith(f"{RETURNS_DIRECTORY}/")
        or ".." in path
        or not default_storage.exists(path)
    ):
        return None
    return StoredReturn(token=token, path=path)


def stored_return_delete(stored: StoredReturn) -> None:
    default_storage.delete(stored.path)


def _sweep() -> None:
    """Remove uploads nobody confirmed."""
    try:
        _folders, files = default_storage.listdir(RETURNS_DIRECTORY)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - KEEP_FOR
    for name in files:
        path = f"{RETURNS_DIRECTORY}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
