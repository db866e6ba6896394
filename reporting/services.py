"""Producing reports: what to print (a `ReportSpec`), for whom, now or in the background.

Reporting reads `actionplans` only through its selectors and policy; the one thing it
writes is its own `RenderedReport` (a PDF kept for re-use).
"""

import dataclasses
import datetime
import hashlib
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from actionplans import policy
from actionplans import selectors as action_selectors
from actionplans.models import Plan

from . import selectors
from .models import RenderedReport, ReportKind, ReportStatus
from .tasks import render_report

logger = logging.getLogger(__name__)

# Above this many actions a PDF is rendered by the background worker, not the request.
DEFAULT_INLINE_MAX_ACTIONS = 300


class NothingToReport(Exception):
    """A filtered action list that matches no action."""


class InvalidFilters(ValueError):
    """The action list filters in the query string are not valid for this user."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


@dataclasses.dataclass(frozen=True)
class ReportSpec:
    """Everything that decides what a report prints (apart from the data itself)."""

    kind: str
    plans: tuple[str, ...] = ()
    group_by: str = "theme"
    as_at: datetime.date | None = None
    since: datetime.date | None = None
    public: bool = False
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        for name in ("as_at", "since"):
            data[name] = data[name].isoformat() if data[name] else None
        data["plans"] = list(self.plans)
        data["filters"] = [[key, list(values)] for key, values in self.filters]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ReportSpec":
        def day(value):
            return datetime.date.fromisoformat(value) if value else None

        return cls(
            kind=data["kind"],
            plans=tuple(data.get("plans", ())),
            group_by=data.get("group_by", "theme"),
            as_at=day(data.get("as_at")),
            since=day(data.get("since")),
            public=bool(data.get("public")),
            filters=tuple((key, tuple(values)) for key, values in data.get("filters", ())),
        )

    @classmethod
    def for_action_list(cls, query: QueryDict, **options) -> "ReportSpec":
        ignored = {"page", "group_by", "as_at", "public"}
        filters = tuple(
            (key, tuple(query.getlist(key))) for key in sorted(query) if key not in ignored
        )
        return cls(kind=ReportKind.ACTIONS, filters=filters, **options)

    def filter_query(self) -> QueryDict:
        query = QueryDict(mutable=True)
        for key, values in self.filters:
            query.setlist(key, list(values))
        return query


def spec_plans(spec: ReportSpec, user) -> list[Plan]:
    """The spec's plans, each one the user may export; anything else is Plan.DoesNotExist."""
    plans = selectors.plans_by_slug(list(spec.plans), visible=policy.visible_plans(user))
    for plan in plans:
        if not policy.can_export_plan(user, plan):
            raise Plan.DoesNotExist(f"No plan {plan.slug!r}.")
    return plans


def board_plans(*, user, board) -> list[Plan]:
    """The plans of `board` the user may put in a whole-board pack, in the board's order."""
    plans = policy.visible_plans(user).filter(board=board).select_related("board")
    return [plan for plan in plans.order_by("title", "pk") if policy.can_export_plan(user, plan)]


def report_data(spec: ReportSpec, user):
    """The data a report prints (a BoardPack or a ChangeReport), as `user` may see it."""
    if spec.kind == ReportKind.ACTIONS:
        return _action_list_pack(spec, user)
    plans = spec_plans(spec, user)
    if spec.kind == ReportKind.CHANGES:
        return selectors.changes_since(
            plans=plans, since=spec.since, until=spec.as_at, public=spec.public
        )
    if spec.kind == ReportKind.EXCEPTIONS:
        return selectors.exception_report(
            plans=plans, as_at=spec.as_at, public=spec.public, group_by=spec.group_by
        )
    return selectors.board_pack(
        plans=plans, group_by=spec.group_by, as_at=spec.as_at, public=spec.public, trend=True
    )


def _action_list_pack(spec: ReportSpec, user) -> selectors.BoardPack:
    actions, filterset = action_selectors.action_list(user=user, filters=spec.filter_query())
    if filterset.is_bound and not filterset.is_valid():
        raise InvalidFilters(filterset.form.errors)
    plan_ids = actions.order_by().values("plan_id").distinct()
    plans = list(
        policy.visible_plans(user)
        .filter(pk__in=plan_ids)
        .select_related("board")
        .order_by("board__name", "title")
    )
    if not plans:
        raise NothingToReport("No actions match these filters.")
    pack = selectors.board_pack(
        plans=plans,
        group_by=spec.group_by,
        as_at=spec.as_at,
        public=spec.public,
        actions=actions,
    )
    return dataclasses.replace(
        pack, kind=ReportKind.ACTIONS, title=f"Action list: {_describe(filterset)}"
    )


def _describe(filterset) -> str:
    """The filters in words, for the cover: "RAG status: Red; Overdue only"."""
    words = []
    cleaned = getattr(filterset.form, "cleaned_data", {}) if filterset.is_bound else {}
    for name, value in cleaned.items():
        if value in (None, "", [], False) or name == "sort":
            continue
        label = filterset.form.fields[name].label or name
        if isinstance(value, list | tuple):
            choices = dict(filterset.form.fields[name].choices)
            value = ", ".join(str(choices.get(item, item)) for item in value)
        words.append(label if value is True else f"{label}: {value}")
    return "; ".join(words) or "all actions"


def report_count(data) -> int:
    """How much there is to print: actions in a pack, rows in a changes report."""
    if isinstance(data, selectors.ChangeReport):
        return len(data.changes)
    return data.action_count


def inline_limit() -> int:
    return getattr(settings, "REPORT_INLINE_MAX_ACTIONS", DEFAULT_INLINE_MAX_ACTIONS)


def render_data(data) -> bytes:
    """PDF bytes for a pack or a changes report (the one renderer: reporting.pdf)."""
    # Imported here: WeasyPrint takes seconds to load (fonts), which every process that
    # merely loads the URL conf (migrate, the worker, tests) would otherwise pay.
    from . import pdf

    if isinstance(data, selectors.ChangeReport):
        return pdf.render_changes(data)
    return pdf.render_pack(data)


def render_if_ready(data) -> bytes | None:
    """The pack's PDF at once if the worker has every part of it cached (else None).

    `reporting.prerender` keeps the parts of each plan's pack current as actions
    change, so a big pack is usually only joined, which is quick enough to hand over
    in the request instead of sending the user to wait for the worker.
    """
    from . import pdf

    if isinstance(data, selectors.ChangeReport):
        return None
    return pdf.render_pack_if_cached(data)


def report_filename(spec: ReportSpec, data) -> str:
    name = spec.plans[0] if len(spec.plans) == 1 else "composite"
    if spec.kind == ReportKind.ACTIONS:
        name = "action-list"
    kind = {
        ReportKind.PACK: "board-pack",
        ReportKind.EXCEPTIONS: "exception-report",
        ReportKind.CHANGES: f"changes-since-{spec.since}",
        ReportKind.ACTIONS: "board-pack",
    }[spec.kind]
    as_at = data.until if isinstance(data, selectors.ChangeReport) else data.as_at
    suffix = "-public" if spec.public else ""
    return f"{name}-{kind}-as-at-{as_at:%Y-%m-%d}{suffix}.pdf"


def report_key(spec: ReportSpec, data) -> str:
    """Same key for the same options and the same printed content."""
    payload = json.dumps({"spec": spec.to_json(), "data": data.fingerprint()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _data_plans(data) -> list[str]:
    return [plan.slug for plan in data.plans]


def report_existing(*, spec: ReportSpec, data) -> RenderedReport | None:
    """The stored report for this spec and unchanged data, done or being prepared."""
    return _reusable_report(report_key(spec, data))


def report_request(*, spec: ReportSpec, data, user, source_url: str = "") -> RenderedReport:
    """A stored report for this spec and data: an existing one if it is unchanged
    (done, or still being prepared), otherwise a new one queued for the worker.

    Claimed atomically across every app server: the database allows one unfinished
    report per key (`rendered_report_one_unfinished_per_key`), so of two requests that
    ask at once one queues it and the other gets that same report, never a second job.
    """
    key = report_key(spec, data)
    if existing := _reusable_report(key):
        return existing
    try:
        with transaction.atomic():
            report = RenderedReport.objects.create(
                kind=spec.kind,
                key=key,
                spec=spec.to_json(),
                title=data.title[:400],
                filename=report_filename(spec, data),
                action_count=report_count(data),
                created_by=user if getattr(user, "is_authenticated", False) else None,
                source_url=source_url[:2000],
            )
            report.plans.set(Plan.objects.filter(slug__in=_data_plans(data)))
    except IntegrityError:
        # Another request (on this server or another) claimed the key since we looked.
        if existing := _reusable_report(key):
            return existing
        raise
    result = render_report.enqueue(str(report.pk))
    RenderedReport.objects.filter(pk=report.pk).update(task_id=str(result.id))
    report.refresh_from_db()
    return report


def _reusable_report(key: str) -> RenderedReport | None:
    """The report being prepared for this key, else the newest ready one."""
    reports = RenderedReport.objects.filter(key=key).order_by("-created_at")
    unfinished = reports.filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
    if claimed := unfinished.filter(round__isnull=True).first() or unfinished.first():
        return claimed
    done = reports.filter(status=ReportStatus.DONE).first()
    return done if done and done.is_ready else None


def keep_round_pack(*, round, by, **signal) -> RenderedReport:
    """When a round closes: its board pack as at the meeting date (or today, if closed
    before the meeting), rendered by the worker and kept with the round for good."""
    as_at = min(round.meeting_date, timezone.localdate())
    plans = list(round.plans.order_by("title"))
    spec = ReportSpec(kind=ReportKind.PACK, plans=tuple(plan.slug for plan in plans), as_at=as_at)
    data = report_data(spec, by)
    report = RenderedReport.objects.create(
        kind=spec.kind,
        key=report_key(spec, data),
        spec=spec.to_json(),
        title=f"{round}: {data.title}"[:400],
        filename=f"{round.board.slug}-round-{round.pk}-board-pack-as-at-{as_at:%Y-%m-%d}.pdf",
        action_count=report_count(data),
        created_by=by,
        round=round,
    )
    report.plans.set(plans)
    result = render_report.enqueue(str(report.pk))
    RenderedReport.objects.filter(pk=report.pk).update(task_id=str(result.id))
    return report


def round_pack(*, user, round_id: int) -> RenderedReport | None:
    """The pack kept for a round, if the user may read every plan in it."""
    report = RenderedReport.objects.filter(round_id=round_id).order_by("-created_at").first()
    if report is None or not can_download(user, report):
        return None
    return report


def report_render(*, report: RenderedReport) -> RenderedReport:
    """Render a stored report now (the background task calls this) and keep the file."""
    RenderedReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), error=""
    )
    try:
        spec = ReportSpec.from_json(report.spec)
        user = report.created_by
        data = report_data(spec, user)
        content = render_data(data)
    except Exception as error:
        RenderedReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        logger.exception("Rendering report %s failed", report.pk)
        raise
    report.refresh_from_db()
    report.file.save(f"{report.pk}.pdf", ContentFile(content), save=False)
    report.key = report_key(spec, data)  # what was printed, if the data moved meanwhile
    report.status = ReportStatus.DONE
    report.finished_at = timezone.now()
    report.save()
    return report


def can_download(user, report: RenderedReport) -> bool:
    """A stored report is for users who may see every plan in it."""
    plans = list(report.plans.all())
    return bool(plans) and all(policy.can_view_plan(user, plan) for plan in plans)
