"""The virus scan of a new evidence file, run by the worker (`manage.py db_worker`)."""

from django.tasks import task


@task()
def scan_evidence(evidence_id: int) -> str:
    """Scan one file held as "being checked": its new state."""
    from .services import evidence_scan

    return evidence_scan(evidence_id=evidence_id)
