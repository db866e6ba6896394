"""Every write to evidence files: add, scan, remove. Each asks the policy first and
leaves a history record (who, and why) that names the file but never holds it."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from actionplans import policy
from actionplans.models import Action, EvidenceFile, EvidenceState, ProgressUpdate
from actionplans.services import stamp
from reviews.models import Board

from .checks import Checked
from .scan import ScanError, scan_chunks, scan_configured

logger = logging.getLogger(__name__)

NAME_LIMIT = 200
READ_CHUNK = 1024 * 1024
HELD = (EvidenceState.CHECKING, EvidenceState.AVAILABLE)


def display_name(name: str) -> str:
    """The uploaded name, for display only: no folders, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    if len(name) > NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: NAME_LIMIT - len(extension) - 1] + dot + extension)[:NAME_LIMIT]
    return name or "evidence"


def board_evidence_bytes(board_id: int) -> int:
    return (
        EvidenceFile.objects.filter(action__plan__board_id=board_id, state__in=HELD).aggregate(
            total=Sum("size")
        )["total"]
        or 0
    )


def evidence_add(
    *,
    action: Action,
    uploader,
    files: list[tuple[object, str, Checked]],
    update: ProgressUpdate | None = None,
) -> list[EvidenceFile]:
    """Store checked files (`(uploaded file, description, what it is)`) on the action,
    or on one of its updates. With a virus scanner configured they wait as "being
    checked" until the worker's scan passes."""
    if not policy.can_attach_evidence(uploader, action, update):
        raise PermissionDenied
    board_id = action.plan.board_id
    saved: list[EvidenceFile] = []
    try:
        with transaction.atomic():
            Board.objects.select_for_update().filter(pk=board_id).first()  # one at a time
            adding = sum(file.size for file, _description, _checked in files)
            used = board_evidence_bytes(board_id)
            limit = settings.EVIDENCE_MAX_BOARD_BYTES
            if used + adding > limit:
                raise ValidationError(
                    f"The board's evidence files would take {(used + adding) / 1024**2:,.0f} MB;"
                    f" its limit is {limit / 1024**2:,.0f} MB. Nothing was kept: ask the "
                    "business manager to remove files no longer needed."
                )
            state = EvidenceState.CHECKING if scan_configured() else EvidenceState.AVAILABLE
            for file, description, checked in files:
                evidence = EvidenceFile(
                    action=action,
                    update=update,
                    filename=display_name(file.name or ""),
                    description=description.strip()[:200],
                    kind=checked.kind,
                    content_type=checked.content_type,
                    size=file.size,
                    state=state,
                    uploaded_by=uploader,
                )
                file.seek(0)
                # Streams: a temporary upload is moved (local disk) or sent in parts (S3).
                evidence.file.save("evidence", file, save=False)
                saved.append(evidence)
                evidence.full_clean()
                stamp(evidence, uploader, "Added")
                evidence.save()
    except BaseException:
        for evidence in saved:
            evidence.file.delete(save=False)
        raise
    if state == EvidenceState.CHECKING:
        from .tasks import scan_evidence  # noqa: PLC0415 (tasks import this module)

        for evidence in saved:
            transaction.on_commit(lambda pk=evidence.pk: scan_evidence.enqueue(pk))
    return saved


def evidence_scan(*, evidence_id: int) -> str:
    """The worker's scan of a file being checked: available if clean; if a virus is
    found, deleted from storage and refused (the row and its history say so)."""
    evidence = EvidenceFile.objects.filter(pk=evidence_id).first()
    if evidence is None or evidence.state != EvidenceState.CHECKING:
        return evidence.state if evidence else "gone"
    with evidence.file.open("rb") as stored:
        result = scan_chunks(iter(lambda: stored.read(READ_CHUNK), b""))
    with transaction.atomic():
        locked = EvidenceFile.objects.select_for_update().get(pk=evidence_id)
        if locked.state != EvidenceState.CHECKING:
            return locked.state
        if result.clean:
            locked.state = EvidenceState.AVAILABLE
            locked.scan_result = "OK"
            stamp(locked, None, "Virus check passed")
        else:
            logger.warning("Evidence file %s refused: %s", locked.pk, result.signature)
            locked.file.delete(save=False)
            locked.state = EvidenceState.REFUSED
            locked.scan_result = result.signature[:200]
            stamp(locked, None, f"Refused by the virus check: {result.signature}")
        locked.save()
    return locked.state


def rescan_waiting(*, older_than: datetime.timedelta = datetime.timedelta(minutes=15)) -> int:
    """Queue the scan again for files still being checked after `older_than` (the
    scanner was down, or the worker lost the job): the hourly `send_reminders` run calls
    this, so a file is never left waiting for good. A scan is idempotent. How many."""
    if not scan_configured():
        return 0
    from .tasks import scan_evidence

    waiting = EvidenceFile.objects.filter(
        state=EvidenceState.CHECKING, uploaded_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    count = 0
    for pk in waiting:
        scan_evidence.enqueue(pk)
        count += 1
    return count


def evidence_remove(*, evidence: EvidenceFile, manager, reason: str) -> EvidenceFile:
    """A manager removes a file (uploaded by mistake, or with personal data in it): the
    bytes are deleted from storage; the row keeps its name, description, who removed
    it, when and why."""
    if not policy.can_remove_evidence(manager, evidence):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why you are removing the file.")
    with transaction.atomic():
        locked = EvidenceFile.objects.select_for_update().get(pk=evidence.pk)
        if locked.state == EvidenceState.REMOVED:
            return locked
        if locked.file:
            locked.file.delete(save=False)
        locked.state = EvidenceState.REMOVED
        locked.removed_by = manager
        locked.removed_at = timezone.now()
        locked.removal_reason = reason
        stamp(locked, manager, f"Removed: {reason}")
        locked.save()
    return locked


__all__ = [
    "ScanError",
    "board_evidence_bytes",
    "display_name",
    "evidence_add",
    "evidence_remove",
    "evidence_scan",
]
