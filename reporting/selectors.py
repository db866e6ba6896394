"""Reads for board reports: a plan (or several) as plain data, today or as it stood then.

Everything here only reads `actionplans` and `reviews` (their models and selectors)
and returns dataclasses that the PDF and the report pages print. Nothing here knows
about HTML or PDF, and nothing here writes.

"As at" a date means the plan at the end of that day (Europe/London), rebuilt from the
history tables: the actions that existed then, their status, dates and wording then,
the reviews they cited then, and the latest progress update that had been approved by
then. The queries are a constant number whatever the number of actions.
"""

import dataclasses
import datetime
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Model, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from actionplans.models import (
    RAG,
    Action,
    ActionSource,
    Agency,
    Objective,
    Plan,
    ProgressUpdate,
    Round,
    RoundStatus,
    Theme,
    UpdateStatus,
)
from actionplans.models.plans import DEFAULT_HEADINGS
from actionplans.models.rag import DISPLAY_ORDER
from actionplans.selectors import action_queryset, evidence_held, evidence_names
from reviews.models import Finding, Review

GROUP_BY_CHOICES = [
    ("theme", "Theme, as the plan groups its actions"),
    ("review", "Review answered"),
    ("agency", "Lead agency"),
    ("finding", "Finding or recommendation answered"),
]
GROUP_BY = [key for key, _ in GROUP_BY_CHOICES]

# What puts an action on the exception report (flag codes from Action.flags()).
EXCEPTION_FLAGS = {"overdue", "slipped", "stale", "contradiction"}


# The data a pack prints ---------------------------------------------------------------
@dataclass(frozen=True)
class Citation:
    """A review (and, where known, one of its findings) that an action answers."""

    review: str
    finding: str = ""
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.review} {self.finding}".strip()
        return f"{text} ({self.note})" if self.note else text


@dataclass
class PackRow:
    """One action as the board reads it."""

    action_id: int
    plan_slug: str
    plan_title: str
    ref: str
    text: str
    objective: str
    answers: str
    citations: list[Citation]
    lead_agency: str
    lead_agency_name: str
    lead_person: str
    target_text: str
    due_date: datetime.date | None
    slipped_from: str
    rag: str
    rag_label: str
    progress: str
    progress_as_at: datetime.date | None
    progress_label: str
    next_steps: str
    evidence: str
    evidence_files: list[str]
    flags: list[tuple[str, str]]
    theme_key: str
    theme_title: str

    @property
    def flag_codes(self) -> set[str]:
        return {code for code, _ in self.flags}

    @property
    def is_overdue(self) -> bool:
        return "overdue" in self.flag_codes

    @property
    def is_slipped(self) -> bool:
        return "slipped" in self.flag_codes

    @property
    def is_exception(self) -> bool:
        return self.rag == RAG.RED or bool(self.flag_codes & EXCEPTION_FLAGS)

    @property
    def exception_reasons(self) -> list[tuple[str, str]]:
        """(code, words) of why the exception report lists this action ("Red", "Overdue")."""
        reasons = [("red", "Red")] if self.rag == RAG.RED else []
        return reasons + [(code, words) for code, words in self.flags if code in EXCEPTION_FLAGS]


@dataclass
class PackSection:
    """A group of actions printed under one heading (a theme, a review, an agency...)."""

    key: str
    title: str
    subtitle: str = ""
    intro: str = ""
    rows: list[PackRow] = field(default_factory=list)


@dataclass
class PlanCover:
    slug: str
    title: str
    board: str
    published_text: str
    introduction: str
    legend: list[tuple[str, str, str]]
    existed: bool = True
    # The one review every action of the plan answers, when there is one.
    review: str = ""


@dataclass
class SummaryTable:
    """Counts of actions by RAG status against one other dimension."""

    title: str
    row_heading: str
    statuses: list[tuple[str, str]]
    rows: list[tuple[str, list[int], int]]
    totals: list[int]
    total: int


@dataclass(frozen=True)
class TrendPoint:
    """The RAG counts of the plans as they stood at one board meeting of a round."""

    round: str
    meeting_date: datetime.date
    counts: dict[str, int]


@dataclass
class BoardPack:
    kind: str
    title: str
    board: str
    plans: list[PlanCover]
    as_at: datetime.date
    historical: bool
    produced_on: datetime.date
    public: bool
    group_by: str
    headings: dict[str, str]
    sections: list[PackSection]
    summaries: list[SummaryTable]
    counts: dict[str, int]
    # The one review every action answers, when there is one: the rows then cite only
    # the finding or recommendation ("Recommendation 2"), and the cover the review.
    review: str = ""
    # The board's rounds up to the pack's date, oldest first (see `round_trend`).
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def rows(self) -> list[PackRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def action_count(self) -> int:
        return self.counts["actions"]

    @property
    def multi_plan(self) -> bool:
        return len(self.plans) > 1

    @property
    def group_by_label(self) -> str:
        return dict(GROUP_BY_CHOICES)[self.group_by]

    def fingerprint(self) -> str:
        """A hash of everything printed except the day it was produced.

        Two requests for the same unchanged plan, options and date give the same
        fingerprint, so a stored PDF can be handed out again instead of re-rendered.
        """
        data = dataclasses.asdict(self)
        data.pop("produced_on")
        return _digest(data)


def _digest(data) -> str:
    payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


# State of the actions: today, or rebuilt from history ----------------------------------
@dataclass
class _State:
    """Model instances (unsaved copies when historical) for the plans at one moment."""

    plans: dict[int, Plan]
    actions: list[Action]
    sources: dict[int, list[ActionSource]]
    updates: dict[int, ProgressUpdate]
    themes: dict[int, Theme]
    agencies: dict[int, Agency]
    objectives: dict[int, Objective]
    reviews: dict[int, Review]
    findings: dict[int, Finding]
    plans_with_themes: set[int]


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the board's time zone (Europe/London)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, zone)


def _latest(queryset: QuerySet, *, partition_by: str, order_by: list[str]) -> QuerySet:
    """The first row of each `partition_by` group in `order_by` order, in one query.

    A window function (PostgreSQL and SQLite both have them), so the number of
    queries never grows with the number of actions.
    """
    ordering = [F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in order_by]
    return queryset.annotate(
        _rank=Window(RowNumber(), partition_by=[F(partition_by)], order_by=ordering)
    ).filter(_rank=1)


def _as_at(model: type[Model], end: datetime.datetime, **filters) -> list[Model]:
    """Instances of `model` as they were just before `end`, from its history table.

    For each object: its newest historical row recorded before `end`; objects whose
    newest row is a deletion did not exist then. The copies are never saved.
    """
    history = model.history.model
    latest = _latest(
        history.objects.filter(history_date__lt=end, **filters),
        partition_by="id",
        order_by=["-history_date", "-history_id"],
    ).values("history_id")
    recorded = {field.attname for field in history._meta.concrete_fields}
    names = [f.attname for f in model._meta.concrete_fields if f.attname in recorded]
    rows = (
        history.objects.filter(history_id__in=latest).exclude(history_type="-").values_list(*names)
    )
    # from_db: the fast way to build instances from columns (fields left out of the
    # history, such as Action.updated_at, keep their defaults).
    return [model.from_db(DEFAULT_DB_ALIAS, names, row) for row in rows]


def _current_state(plans: list[Plan], actions: QuerySet | None, public: bool) -> _State:
    queryset = action_queryset().filter(plan__in=plans).order_by("position", "id")
    if actions is not None:
        queryset = queryset.filter(pk__in=actions.values("pk"))
    action_list = list(queryset)
    approved = ProgressUpdate.objects.filter(
        action_id__in=queryset.values("pk"), status=UpdateStatus.APPROVED
    )
    if public:
        approved = approved.filter(internal=False)
    updates = _latest(
        approved,
        partition_by="action_id",
        order_by=["-as_at", "-submitted_at", "-id"],
    )
    sources = {action.pk: list(action.sources.all()) for action in action_list}
    return _State(
        plans={plan.pk: plan for plan in plans},
        actions=action_list,
        sources=sources,
        updates={update.action_id: update for update in updates},
        themes={a.theme_id: a.theme for a in action_list if a.theme_id},
        agencies={a.lead_agency_id: a.lead_agency for a in action_list if a.lead_agency_id},
        objectives={a.objective_id: a.objective for a in action_list if a.objective_id},
        reviews={s.review_id: s.review for rows in sources.values() for s in rows},
        findings={s.finding_id: s.finding for rows in sources.values() for s in rows if s.finding},
        plans_with_themes=set(
            Theme.objects.filter(plan__in=plans).values_list("plan_id", flat=True)
        ),
    )


def _historical_state(
    plans: list[Plan], day: datetime.date, actions: QuerySet | None, public: bool
) -> _State:
    """The plans at the end of `day`, rebuilt from the history tables."""
    end = end_of_day(day)
    plan_ids = [plan.pk for plan in plans]
    boards = {plan.pk: plan.board for plan in plans}
    old_plans = {}
    for plan in _as_at(Plan, end, id__in=plan_ids):
        plan.board = boards[plan.pk]
        old_plans[plan.pk] = plan
    ever_in_plans = Action.history.model.objects.filter(plan_id__in=plan_ids).values("id")
    if actions is not None:
        ever_in_plans = ever_in_plans.filter(id__in=actions.values("pk"))
    action_list = [
        action
        for action in _as_at(Action, end, id__in=ever_in_plans)
        if action.plan_id in old_plans
    ]
    ids = {action.pk for action in action_list}
    sources = defaultdict(list)
    old_sources = _as_at(ActionSource, end, action_id__in=ever_in_plans)
    for source in sorted(old_sources, key=lambda s: (s.position, s.pk)):
        if source.action_id in ids:
            sources[source.action_id].append(source)
    approved = [
        update
        for update in _as_at(ProgressUpdate, end, action_id__in=ever_in_plans)
        if update.action_id in ids
        and update.status == UpdateStatus.APPROVED
        and update.as_at <= day
        and not (public and update.internal)
    ]
    updates = {}
    for update in sorted(approved, key=lambda u: (u.as_at, u.submitted_at, u.pk)):
        updates[update.action_id] = update
    themes = {theme.pk: theme for theme in _as_at(Theme, end, plan_id__in=plan_ids)}
    agency_ids = {action.lead_agency_id for action in action_list if action.lead_agency_id}
    agencies = {agency.pk: agency for agency in _as_at(Agency, end, id__in=agency_ids)}
    review_ids = {s.review_id for rows in sources.values() for s in rows}
    finding_ids = {s.finding_id for rows in sources.values() for s in rows if s.finding_id}
    objective_ids = {a.objective_id for a in action_list if a.objective_id}
    return _State(
        plans=old_plans,
        actions=action_list,
        sources=dict(sources),
        updates=updates,
        themes=themes,
        agencies=agencies,
        objectives=Objective.objects.in_bulk(objective_ids),
        reviews=Review.objects.in_bulk(review_ids),
        findings=Finding.objects.in_bulk(finding_ids),
        plans_with_themes={theme.plan_id for theme in themes.values()},
    )


def _attach(state: _State) -> None:
    """Point each copy at its plan, theme, agency... so model rules run without queries."""
    for action in state.actions:
        action.plan = state.plans[action.plan_id]
        action.theme = state.themes.get(action.theme_id)
        action.lead_agency = state.agencies.get(action.lead_agency_id)
        action.objective = state.objectives.get(action.objective_id)
        update = state.updates.get(action.pk)
        if update is not None:
            # What the board had approved by then is the progress it saw.
            action.progress = update.progress
            action.progress_as_at = update.as_at
    for rows in state.sources.values():
        # A review deleted since is left out (reviews are protected, so only in theory).
        rows[:] = [source for source in rows if source.review_id in state.reviews]
        for source in rows:
            source.review = state.reviews[source.review_id]
            source.finding = state.findings.get(source.finding_id) if source.finding_id else None


# Building rows and sections ------------------------------------------------------------
def _citations(sources: list[ActionSource]) -> list[Citation]:
    citations = []
    for source in sources:
        if source.review is None:
            continue
        finding = source.finding
        label = f"{finding.get_kind_display().lower()} {finding.number}" if finding else ""
        citations.append(Citation(source.review.reference, label, source.note))
    return citations


def _theme_of(action: Action, sources: list[ActionSource], state: _State) -> tuple[str, str]:
    """(key, title) of the part of its plan an action is printed under.

    Plans with themes print theme by theme; the others by the finding or
    recommendation each action answers (as `actionplans.selectors.plan_sections`).
    """
    if action.theme is not None:
        return f"theme-{action.theme.pk}", action.theme.title
    for source in sources:
        if source.finding is not None:
            finding = source.finding
            return f"finding-{finding.pk}", f"{finding.get_kind_display()} {finding.number}"
    return "other", "Other actions" if action.plan_id in state.plans_with_themes else "Actions"


def _row(action: Action, state: _State, on: datetime.date, public: bool) -> PackRow:
    sources = state.sources.get(action.pk, [])
    update = state.updates.get(action.pk)
    citations = _citations(sources)
    theme_key, theme_title = _theme_of(action, sources, state)
    agency = action.lead_agency
    return PackRow(
        action_id=action.pk,
        plan_slug=action.plan.slug,
        plan_title=action.plan.title,
        ref=action.ref,
        text=action.text,
        objective=action.objective.text if action.objective else "",
        answers=action.answers_as_written or ", ".join(str(c) for c in citations),
        citations=citations,
        lead_agency=agency.short_name if agency else "",
        lead_agency_name=agency.name if agency else "",
        lead_person="" if public else _lead_person(action),
        target_text=action.target_text,
        due_date=action.due_date,
        slipped_from=action.original_target_text if action.is_slipped else "",
        rag=action.rag,
        rag_label=action.rag_label,
        progress=(update.progress if update else "") if public else action.progress,
        progress_as_at=(update.as_at if update else None) if public else action.progress_as_at,
        progress_label=update.label if update else "",
        next_steps=update.next_steps if update else "",
        evidence=action.evidence,
        # Evidence files are for the board: the public version never lists them.
        evidence_files=[] if public else evidence_names(action),
        flags=action.flags(on),
        theme_key=theme_key,
        theme_title=theme_title,
    )


def _lead_person(action: Action) -> str:
    agency = action.lead_agency
    if agency and action.lead_person.strip() == agency.short_name:
        return ""
    return action.lead_person


def _findings_by_label(state: _State) -> dict[tuple[str, str], Finding]:
    """(review reference, "finding 2") -> the finding, for every finding cited."""
    return {
        (source.review.reference, _citations([source])[0].finding): source.finding
        for sources in state.sources.values()
        for source in sources
        if source.finding is not None and source.review is not None
    }


def _sections(rows: list[PackRow], findings_by_label: dict, group_by: str, multi_plan: bool):
    """Rows grouped as asked, in the plans' own order (first appearance)."""
    sections: dict[str, PackSection] = {}

    def add(key: str, title: str, row: PackRow, subtitle: str = "", intro: str = ""):
        if key not in sections:
            sections[key] = PackSection(key=key, title=title, subtitle=subtitle, intro=intro)
        sections[key].rows.append(row)

    for row in rows:
        if group_by == "theme":
            subtitle = row.plan_title if multi_plan else ""
            intro = _finding_intro(row, findings_by_label) if row.theme_key.startswith("f") else ""
            add(f"{row.plan_slug}:{row.theme_key}", row.theme_title, row, subtitle, intro)
        elif group_by == "agency":
            title = row.lead_agency or "No lead agency"
            add(f"agency:{title}", title, row, subtitle=row.lead_agency_name)
        elif group_by == "review":
            for review in dict.fromkeys(c.review for c in row.citations) or ["No review cited"]:
                add(f"review:{review}", review, row)
        else:
            for citation in row.citations or [Citation("No review cited")]:
                finding = findings_by_label.get((citation.review, citation.finding))
                if finding is not None:
                    title = f"{citation.review}: {finding.get_kind_display()} {finding.number}"
                    add(f"finding:{finding.pk}", title, row, intro=finding.text)
                else:
                    add(f"review:{citation.review}", f"{citation.review} (whole review)", row)
    if group_by in ("review", "finding"):
        return sorted(sections.values(), key=lambda s: _natural(s.title))
    return list(sections.values())


def _finding_intro(row: PackRow, findings_by_label: dict) -> str:
    for citation in row.citations:
        finding = findings_by_label.get((citation.review, citation.finding))
        if finding is not None:
            return finding.text
    return ""


def _natural(text: str) -> list:
    """Sort "Recommendation 10" after "Recommendation 9"."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _summaries(rows: list[PackRow], plans: list[Plan]) -> list[SummaryTable]:
    unique = list({row.action_id: row for row in rows}.values())
    if len(plans) == 1:
        statuses = [(status, plans[0].rag_label(status)) for status in DISPLAY_ORDER]
    else:
        statuses = [(status.value, status.label) for status in DISPLAY_ORDER]
    statuses = [(s, label) for s, label in statuses if any(row.rag == s for row in unique)] or [
        (RAG.NOT_RATED.value, RAG.NOT_RATED.label)
    ]
    grouping = grouping_word(unique)
    by_theme = _summary(
        f"Actions by RAG status and {grouping[0].lower() + grouping[1:]}",
        grouping,
        statuses,
        unique,
        lambda row: f"{row.theme_title} ({row.plan_title})" if len(plans) > 1 else row.theme_title,
    )
    by_agency = _summary(
        "Actions by RAG status and lead agency",
        "Lead agency",
        statuses,
        unique,
        lambda row: row.lead_agency or "No lead agency",
    )
    return [by_theme, by_agency]


def grouping_word(rows: list[PackRow]) -> str:
    """What the plans call the parts their actions are grouped in, for a heading.

    "Theme" for plans with themes; for the others the kind of finding they print
    under ("Recommendation", "Strategic priority", "Finding"), as the plan does.
    """
    words = set()
    for row in rows:
        if row.theme_key.startswith("finding-"):
            words.add(row.theme_title.rsplit(" ", 1)[0])
        elif row.theme_key.startswith("theme-"):
            words.add("Theme")
    if len(words) == 1:
        return words.pop()
    return "Theme" if "Theme" in words or not words else "Finding or recommendation"


def _summary(title, row_heading, statuses, rows, key) -> SummaryTable:
    counts: dict[str, Counter] = {}
    for row in rows:
        counts.setdefault(key(row), Counter())[row.rag] += 1
    table_rows = []
    for label, counter in counts.items():
        values = [counter[status] for status, _ in statuses]
        table_rows.append((label, values, sum(counter.values())))
    totals = [sum(values[i] for _, values, _ in table_rows) for i in range(len(statuses))]
    return SummaryTable(
        title=title,
        row_heading=row_heading,
        statuses=statuses,
        rows=table_rows,
        totals=totals,
        total=len(rows),
    )


def _counts(rows: list[PackRow]) -> dict[str, int]:
    unique = list({row.action_id: row for row in rows}.values())
    return {
        "actions": len(unique),
        "overdue": sum(row.is_overdue for row in unique),
        "slipped": sum(row.is_slipped for row in unique),
        "red": sum(row.rag == RAG.RED for row in unique),
        "complete": sum(row.rag == RAG.BLUE for row in unique),
        "stale": sum("stale" in row.flag_codes for row in unique),
        "contradictions": sum("contradiction" in row.flag_codes for row in unique),
    }


def _headings(plans: list[Plan]) -> dict[str, str]:
    if len(plans) == 1:
        return plans[0].headings
    return DEFAULT_HEADINGS | {"answers": "Reviews answered"}


def _meaning(label: str) -> str:
    """ "Red – Behind schedule" -> "Behind schedule"; "Not started" stays as it is."""
    return label.split(" – ", 1)[1] if " – " in label else label


def _cover(plan: Plan, existed: bool, review: str = "") -> PlanCover:
    return PlanCover(
        slug=plan.slug,
        title=plan.title,
        board=plan.board.name,
        published_text=plan.published_text,
        introduction=plan.introduction,
        legend=[(status, label, _meaning(label)) for status, label in plan.legend_entries()],
        existed=existed,
        review=review,
    )


def _with_boards(plans) -> list[Plan]:
    """The plans again, in the order given, with their boards (one query)."""
    ids = [plan.pk for plan in plans]
    found = Plan.objects.select_related("board").in_bulk(ids)
    return [found[pk] for pk in dict.fromkeys(ids)]


def pack_state(
    plans: list[Plan],
    as_at: datetime.date | None,
    actions: QuerySet | None = None,
    public: bool = False,
) -> _State:
    """The model instances a pack prints: today's, or copies rebuilt as at a day.

    In a public pack, updates marked internal (for the board only) are left out: the
    progress printed is the latest approved update that may be published.
    """
    if as_at is None:
        state = _current_state(plans, actions, public)
    else:
        state = _historical_state(plans, as_at, actions, public)
    order = {plan.pk: index for index, plan in enumerate(plans)}
    state.actions.sort(key=lambda a: (order[a.plan_id], a.position, a.pk))
    _attach(state)
    evidence_held(state.actions)
    return state


def board_pack(
    *,
    plans: list[Plan],
    group_by: str = "theme",
    as_at: datetime.date | None = None,
    public: bool = False,
    actions: QuerySet | None = None,
    trend: bool = False,
) -> BoardPack:
    """Everything a board pack prints for these plans, today or as at the end of a day.

    `actions` narrows the pack to some of the plans' actions (the filtered action
    list); `public` leaves out every person's name or initials (agencies only);
    `trend` adds the position at each of the plans' rounds up to then (`round_trend`).
    """
    if group_by not in GROUP_BY:
        raise ValueError(f"Unknown grouping {group_by!r}: choose one of {', '.join(GROUP_BY)}.")
    plans = _with_boards(plans)
    if not plans:
        raise ValueError("A board pack needs at least one plan.")
    today = timezone.localdate()
    state = pack_state(plans, as_at, actions, public)
    on = as_at or today
    rows = [_row(action, state, on, public) for action in state.actions]
    pack = assemble_pack(
        plans=[state.plans.get(plan.pk, plan) for plan in plans],
        rows=rows,
        group_by=group_by,
        as_at=on,
        historical=as_at is not None,
        public=public,
        findings=_findings_by_label(state),
        missing={plan.pk for plan in plans} - set(state.plans),
    )
    if trend:
        pack.trend = round_trend(plans=plans, on=on, actions=actions, public=public)
    return pack


TREND_ROUNDS = 8


def round_trend(
    *,
    plans: list[Plan],
    on: datetime.date,
    actions: QuerySet | None = None,
    public: bool = False,
) -> list[TrendPoint]:
    """The position at each board meeting of the plans' rounds, up to `on`.

    Each closed round's plans (those of `plans` it covered) as they stood at the end of
    its meeting date, rebuilt from the history tables, and, on today's position, the
    open round as it stands today. At most `TREND_ROUNDS`, oldest first; one as-at read
    a round, so the queries never grow with the number of actions.
    """
    today = timezone.localdate()
    rounds = list(
        Round.objects.filter(round_plans__plan__in=plans, meeting_date__lte=on)
        .exclude(status=RoundStatus.OPEN)
        .distinct()
        .prefetch_related("plans")
        .order_by("-meeting_date", "-id")[: TREND_ROUNDS - (on == today)]
    )
    if on == today:
        rounds += list(
            Round.objects.filter(round_plans__plan__in=plans, status=RoundStatus.OPEN)
            .distinct()
            .prefetch_related("plans")
            .order_by("-meeting_date", "-id")[:1]
        )
    points = []
    for item in sorted(rounds, key=lambda r: (r.meeting_date, r.pk)):
        ids = {plan.pk for plan in item.plans.all()}
        covered = [plan for plan in plans if plan.pk in ids]
        day = min(item.meeting_date, today)
        state = pack_state(covered, None if day == today else day, actions, public)
        counts = Counter(action.rag for action in state.actions)
        points.append(TrendPoint(item.name, item.meeting_date, dict(counts)))
    return points


def assemble_pack(
    *,
    plans: list[Plan],
    rows: list[PackRow],
    group_by: str = "theme",
    as_at: datetime.date,
    historical: bool = False,
    public: bool = False,
    findings: dict | None = None,
    missing: set[int] = frozenset(),
) -> BoardPack:
    """A pack from rows already read: sections, summaries, counts and cover.

    `board_pack` reads the rows from the database; the benchmarks build them.
    """
    boards = list(dict.fromkeys(plan.board.name for plan in plans))
    title = plans[0].title
    if len(plans) > 1:
        title = f"Composite board report: {len(plans)} plans"
    # A plan whose actions all answer one review names it once (on the cover); its
    # rows cite only the finding ("Rec 2"), in a composite pack too.
    reviews_by_plan: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        reviews_by_plan[row.plan_slug] |= {citation.review for citation in row.citations}
    one_review = {
        slug: next(iter(cited)) for slug, cited in reviews_by_plan.items() if len(cited) == 1
    }
    rows = [_cite_findings_only(row) if row.plan_slug in one_review else row for row in rows]
    review = one_review.get(plans[0].slug, "") if len(plans) == 1 else ""
    return BoardPack(
        kind="pack",
        title=title,
        board=" and ".join(boards),
        plans=[
            _cover(plan, plan.pk not in missing, one_review.get(plan.slug, "")) for plan in plans
        ],
        as_at=as_at,
        historical=historical,
        produced_on=timezone.localdate(),
        public=public,
        group_by=group_by,
        headings=_headings(plans),
        sections=_sections(rows, findings or {}, group_by, multi_plan=len(plans) > 1),
        summaries=_summaries(rows, plans),
        counts=_counts(rows),
        review=review,
    )


def _short_finding(label: str) -> str:
    """ "recommendation 2" -> "Rec 2" (as boards write it; the column is narrow)."""
    kind, _, number = label.partition(" ")
    return f"{'Rec' if kind == 'recommendation' else kind.capitalize()} {number}".strip()


def _cite_findings_only(row: PackRow) -> PackRow:
    """The row citing its findings without the review's name, which every row shares
    (an answers column written in the plan itself is left as written)."""
    if row.answers != ", ".join(str(citation) for citation in row.citations):
        return row
    cited = [
        str(Citation(_short_finding(citation.finding), note=citation.note))
        if citation.finding
        else WHOLE_REVIEW
        for citation in row.citations
    ]
    return dataclasses.replace(row, answers=", ".join(dict.fromkeys(cited)))


# What a row of a plan answering one review cites when it answers no one finding.
WHOLE_REVIEW = "Whole review"


def exception_report(
    *,
    plans: list[Plan],
    as_at: datetime.date | None = None,
    public: bool = False,
    group_by: str = "theme",
) -> BoardPack:
    """The actions a board should look at first: red, overdue, slipped, stale or
    contradicting their own status. Summary counts stay those of the whole plan.

    Each action is listed once (under the first group it falls in, when a grouping
    by review or finding would list it under several), with the reasons it is listed
    (`PackRow.exception_reasons`).
    """
    pack = board_pack(plans=plans, group_by=group_by, as_at=as_at, public=public)
    sections = []
    listed: set[int] = set()
    for section in pack.sections:
        rows = [row for row in section.rows if row.is_exception and row.action_id not in listed]
        listed |= {row.action_id for row in rows}
        if rows:
            sections.append(dataclasses.replace(section, rows=rows))
    return dataclasses.replace(
        pack,
        kind="exceptions",
        title=f"Exception report: {pack.title}",
        sections=sections,
    )


# Changes between two dates ------------------------------------------------------------
@dataclass
class Change:
    kind: str
    label: str
    row: PackRow
    before: str = ""
    after: str = ""


@dataclass
class ChangeReport:
    title: str
    board: str
    plans: list[PlanCover]
    since: datetime.date
    until: datetime.date
    produced_on: datetime.date
    public: bool
    headings: dict[str, str]
    changes: list[Change]

    def fingerprint(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("produced_on")
        return _digest(data)

    def of_kind(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]

    @property
    def groups(self) -> list[tuple[str, list[Change]]]:
        return [(label, self.of_kind(kind)) for kind, label in CHANGE_KINDS if self.of_kind(kind)]


CHANGE_KINDS = [
    ("new", "New actions"),
    ("completed", "Completed"),
    ("rag", "RAG status changed"),
    ("slipped", "Target date moved"),
    ("progress", "New progress approved"),
    ("removed", "Actions removed"),
]


def _changes_for(old: PackRow | None, new: PackRow | None) -> list[Change]:
    if old is None:
        return [Change("new", "New action", new, after=new.rag_label)]
    if new is None:
        return [Change("removed", "Removed", old, before=old.rag_label)]
    changes = []
    if new.rag != old.rag:
        kind = "completed" if new.rag == RAG.BLUE else "rag"
        changes.append(Change(kind, "RAG status", new, old.rag_label, new.rag_label))
    if new.target_text != old.target_text:
        before = old.target_text or "(none)"
        changes.append(Change("slipped", "Target date", new, before, new.target_text or "(none)"))
    if new.progress_as_at != old.progress_as_at and new.progress_as_at:
        before = f"{old.progress_as_at:%d/%m/%Y}" if old.progress_as_at else "(none)"
        after = f"{new.progress_as_at:%d/%m/%Y}"
        changes.append(Change("progress", "Progress as at", new, before, after))
    return changes


def changes_since(
    *,
    plans: list[Plan],
    since: datetime.date,
    until: datetime.date | None = None,
    public: bool = False,
) -> ChangeReport:
    """What moved from the start of `since` to the end of `until` (default: now).

    The starting point is the plan as it stood at the end of the day before `since`,
    so a change made on `since` itself (say, at the board meeting) is listed.
    """
    then = board_pack(plans=plans, as_at=since - datetime.timedelta(days=1), public=public)
    now = board_pack(plans=plans, as_at=until, public=public)
    old_rows = {row.action_id: row for row in then.rows}
    new_rows = {row.action_id: row for row in now.rows}
    changes = []
    for action_id in list(new_rows) + [i for i in old_rows if i not in new_rows]:
        changes += _changes_for(old_rows.get(action_id), new_rows.get(action_id))
    return ChangeReport(
        title=f"Changes since {since.day} {since:%B %Y}: {now.title}",
        board=now.board,
        plans=now.plans,
        since=since,
        until=now.as_at,
        produced_on=now.produced_on,
        public=public,
        headings=now.headings,
        changes=changes,
    )


def plans_by_slug(slugs: list[str], *, visible: QuerySet[Plan]) -> list[Plan]:
    """The plans named, in the order named; a slug not in `visible` raises Plan.DoesNotExist."""
    found = {plan.slug: plan for plan in visible.filter(slug__in=slugs).select_related("board")}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise Plan.DoesNotExist(f"No plan {missing[0]!r}.")
    return [found[slug] for slug in dict.fromkeys(slugs)]
