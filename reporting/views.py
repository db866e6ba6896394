"""Report pages and PDF downloads.

Every view reads its options through a form (bad options: 400 with the form and its
errors), finds the plans through `actionplans.policy` (a plan of another board is
404, never 403, so its existence is not revealed), then calls one selector or
service. Big PDFs go to the background worker and the user gets a status page.
"""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from actionplans.models import Plan

from . import selectors, services
from .dashboard import selectors as dashboard_selectors
from .forms import BoardPackForm, ChangesForm, PackOptionsForm
from .models import RenderedReport, ReportKind
from .services import ReportSpec


def _plans_or_404(user, slugs: list[str]) -> list[Plan]:
    try:
        return services.spec_plans(ReportSpec(kind=ReportKind.PACK, plans=tuple(slugs)), user)
    except Plan.DoesNotExist as missing:
        raise Http404("No such plan.") from missing


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _deliver(request, spec: ReportSpec, data) -> HttpResponse:
    """The PDF now, or (for a big one) a stored report rendered by the worker.

    A big pack whose parts the worker has all rendered ahead (reporting.prerender)
    is joined now, unless the same report is already stored.
    """
    if services.report_count(data) > services.inline_limit():
        if not services.report_existing(spec=spec, data=data):
            ready = services.render_if_ready(data)
            if ready is not None:
                return _pdf(ready, services.report_filename(spec, data))
        report = services.report_request(
            spec=spec, data=data, user=request.user, source_url=request.get_full_path()
        )
        if report.is_ready:
            return redirect("reporting:report_download", pk=report.pk)
        return redirect(report)
    return _pdf(services.render_data(data), services.report_filename(spec, data))


def _options_page(request, plans, form, *, status: int = 200) -> HttpResponse:
    board_plans = services.board_plans(user=request.user, board=plans[0].board)
    board_form = None
    if len(board_plans) > 1:
        slugs = [plan.slug for plan in board_plans]
        board_form = BoardPackForm(plans=board_plans, initial={"plan": slugs, "group_by": "theme"})
    return render(
        request,
        "reporting/plan_reports.html",
        {
            "plans": plans,
            "plan": plans[0],
            "form": form,
            "changes_form": ChangesForm(),
            "board_form": board_form,
        },
        status=status,
    )


@require_GET
def plan_reports(request, slug):
    """The plan's report options: board pack, exception report, changes since."""
    plans = _plans_or_404(request.user, [slug])
    return _options_page(request, plans, PackOptionsForm(initial={"group_by": "theme"}))


def _pack_pdf(request, slugs: list[str], kind: str) -> HttpResponse:
    plans = _plans_or_404(request.user, slugs)
    form = PackOptionsForm(request.GET)
    if not form.is_valid():
        return _options_page(request, plans, form, status=400)
    spec = ReportSpec(kind=kind, plans=tuple(plan.slug for plan in plans), **form.options())
    return _deliver(request, spec, services.report_data(spec, request.user))


@require_GET
def plan_pack(request, slug):
    return _pack_pdf(request, [slug], ReportKind.PACK)


@require_GET
def composite_pack(request):
    """Several plans in one pack: ?plan=slug&plan=slug..."""
    slugs = request.GET.getlist("plan")
    if not slugs:
        return render(
            request,
            "reporting/message.html",
            {
                "title": "Choose the plans to report on",
                "text": "Add one or more plans to the address, for example ?plan=my-plan.",
            },
            status=400,
        )
    return _pack_pdf(request, slugs, ReportKind.PACK)


@require_GET
def action_list_pdf(request):
    """The filtered action list (same query string as the action list page) as a pack."""
    form = PackOptionsForm(request.GET)
    if not form.is_valid():
        return render(request, "reporting/options_error.html", {"form": form}, status=400)
    spec = ReportSpec.for_action_list(request.GET, **form.options())
    try:
        data = services.report_data(spec, request.user)
    except services.NothingToReport:
        return render(
            request,
            "reporting/message.html",
            {
                "title": "No actions match these filters",
                "text": "Change the filters on the action list, then download the PDF again.",
                "back": reverse("actionplans:action_list"),
            },
        )
    except services.InvalidFilters as invalid:
        return render(
            request,
            "reporting/message.html",
            {
                "title": "Check the filters",
                "text": f"These filters cannot be used: {invalid}.",
                "back": reverse("actionplans:action_list"),
            },
            status=400,
        )
    return _deliver(request, spec, data)


@require_GET
def exceptions(request, slug):
    """The exception report as a page, with a link to the same as PDF."""
    plans = _plans_or_404(request.user, [slug])
    form = PackOptionsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "reporting/exceptions.html",
            {"plan": plans[0], "form": form},
            status=400,
        )
    options = form.options() if form.is_bound else {}
    pack = selectors.exception_report(plans=plans, **options)
    return render(
        request, "reporting/exceptions.html", {"plan": plans[0], "form": form, "pack": pack}
    )


@require_GET
def exceptions_pdf(request, slug):
    return _pack_pdf(request, [slug], ReportKind.EXCEPTIONS)


def _changes_spec(request, slug, *, required: bool):
    """The plans and the checked form; the spec only when the form is valid."""
    plans = _plans_or_404(request.user, [slug])
    form = ChangesForm(request.GET if required or request.GET else None)
    if not form.is_valid():
        return plans, form, None
    spec = ReportSpec(
        kind=ReportKind.CHANGES,
        plans=(plans[0].slug,),
        since=form.cleaned_data["since"],
        as_at=form.cleaned_data["until"],
        public=form.cleaned_data["public"],
    )
    return plans, form, spec


@require_GET
def changes(request, slug):
    """What moved since a date: new actions, RAG changes, completions, slips."""
    plans, form, spec = _changes_spec(request, slug, required=False)
    context = {"plan": plans[0], "form": form}
    if spec is None:
        return render(
            request, "reporting/changes.html", context, status=400 if form.is_bound else 200
        )
    context["report"] = services.report_data(spec, request.user)
    return render(request, "reporting/changes.html", context)


@require_GET
def changes_pdf(request, slug):
    plans, form, spec = _changes_spec(request, slug, required=True)
    if spec is None:
        context = {"plan": plans[0], "form": form}
        return render(request, "reporting/changes.html", context, status=400)
    return _deliver(request, spec, services.report_data(spec, request.user))


def _report_or_404(request, pk) -> RenderedReport:
    report = get_object_or_404(RenderedReport.objects.prefetch_related("plans"), pk=pk)
    if not services.can_download(request.user, report):
        raise Http404("No such report.")
    return report


@require_GET
def report_status(request, pk):
    """Progress of a background render; refreshes itself until the file is ready."""
    report = _report_or_404(request, pk)
    template = "reporting/status.html"
    if request.headers.get("HX-Request") == "true":
        template += "#status"
    return render(request, template, {"report": report})


@require_GET
def report_download(request, pk):
    report = _report_or_404(request, pk)
    if not report.is_ready:
        return redirect(report)
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def round_pack(request, pk):
    """The board pack kept when the round closed (as at its meeting date), unchanged."""
    report = services.round_pack(user=request.user, round_id=pk)
    if report is None:
        raise Http404("No pack is kept for that round.")
    return redirect("reporting:report_download", pk=report.pk)


@require_GET
def board_dashboard(request, slug):
    """The board's dashboard: every plan of the board, filtered as the action list."""
    board = dashboard_selectors.board_or_none(request.user, slug)
    if board is None:
        raise Http404("No such board.")
    data = dashboard_selectors.dashboard(user=request.user, board=board, data=request.GET)
    return render(request, "reporting/dashboard.html", {"dashboard": data})


@require_GET
def plan_dashboard(request, slug):
    """One plan's dashboard."""
    plan = _plans_or_404(request.user, [slug])[0]
    data = dashboard_selectors.dashboard(
        user=request.user, board=plan.board, plan=plan, data=request.GET
    )
    return render(request, "reporting/dashboard.html", {"dashboard": data})
