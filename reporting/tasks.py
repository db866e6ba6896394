"""Background work: big PDFs are rendered by `manage.py db_worker`, not the request."""

from django.tasks import task


@task()
def render_report(report_id: str) -> str:
    """Render a queued `RenderedReport` and store its file; returns its final status."""
    from .models import RenderedReport
    from .services import report_render

    report = RenderedReport.objects.get(pk=report_id)
    return report_render(report=report).status


@task()
def refresh_pack(plan_id: int) -> list[str]:
    """Queue a render of each part of the plan's pack that changed (reporting.prerender)."""
    from .prerender import refresh

    return refresh(plan_id)


@task()
def render_pack_part(plan_id: int, key: str) -> str:
    """Render one part of the plan's pack into the part cache (one task a part)."""
    from .prerender import render_part

    return render_part(plan_id, key)
