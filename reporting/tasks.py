"""Background work: big PDFs are rendered by `manage.py db_worker`, not the request."""

from django.tasks import task


@task()
def render_report(report_id: str) -> str:
    """Render a queued `RenderedReport` and store its file; returns its final status."""
    from .models import RenderedReport
    from .services import report_render

    report = RenderedReport.objects.get(pk=report_id)
    return report_render(report=report).status
