"""RAG status: one vocabulary for every plan, each plan with its own words for it."""

from django.db import models


class RAG(models.TextChoices):
    NOT_RATED = "not_rated", "Not rated"
    NOT_STARTED = "not_started", "Not started"
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue"


# What each colour means when a plan prints no legend of its own.
DEFAULT_MEANING = {
    RAG.NOT_RATED: "no status recorded",
    RAG.NOT_STARTED: "not yet started",
    RAG.RED: "behind schedule",
    RAG.AMBER: "some slippage",
    RAG.GREEN: "on track",
    RAG.BLUE: "complete",
}

# Order in which statuses are shown in legends and summaries (worst first).
DISPLAY_ORDER = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE, RAG.NOT_STARTED, RAG.NOT_RATED]


def rag_label(status: str, legend: dict | None = None) -> str:
    """The text that always accompanies a RAG colour: "Red – Behind schedule"."""
    status = RAG(status)
    if status in (RAG.NOT_RATED, RAG.NOT_STARTED):
        return status.label
    meaning = (legend or {}).get(status.value) or DEFAULT_MEANING[status]
    return f"{status.label} – {meaning}"
