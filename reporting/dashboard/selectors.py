"""The figures a dashboard shows, for a board or one plan, and the charts drawn from them.

Everything is read through `reporting.selectors` (the rows a board pack prints, today
or as at a day) and `actionplans.rounds.selectors` (the reply tracker), so the numbers
are the pack's numbers. The queries are a constant number whatever the number of
actions: one pack read for today (with its trend: one as-at read for each round, at
most `selectors.TREND_ROUNDS`) and one tracker read for each open round.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from actionplans import policy
from actionplans.filters import ActionFilter
from actionplans.models import RAG, Action, Agency, Plan, Round, RoundStatus, Theme
from actionplans.models.rag import DISPLAY_ORDER, rag_label
from actionplans.rounds.selectors import round_tracker
from reviews.models import Board, Review

from .. import selectors
from ..charts import PLAIN_COLOURS, RAG_COLOURS, Chart, Series, bar_chart, line_chart

BEHIND_REVIEWS = 5
FILTERS = ("plan", "review", "agency", "theme")


@dataclass
class ReviewBehind:
    review: str
    actions: int
    overdue: int
    red: int
    slipped: int
    behind: int

    @property
    def share(self) -> int:
        return round(100 * self.behind / self.actions) if self.actions else 0


@dataclass
class RecurringTheme:
    theme: str
    reviews: list[str]
    counts: Counter
    actions: int


@dataclass
class Dashboard:
    title: str
    board: Board
    plan: Plan | None
    plans: list[Plan]
    filterset: ActionFilter
    as_at: datetime.date
    counts: dict[str, int]
    charts: dict[str, Chart] = field(default_factory=dict)
    behind: list[ReviewBehind] = field(default_factory=list)
    recurring: list[RecurringTheme] = field(default_factory=list)
    open_rounds: list[Round] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return any(self.filterset.data.get(name) for name in FILTERS if name != "plan") or (
            self.plan is None and bool(self.filterset.data.get("plan"))
        )


# Labels and messages -----------------------------------------------------------------
def _labeller(plans: list[Plan]):
    if len(plans) == 1:
        return plans[0].rag_label
    return rag_label


def _rag_series(categories, counters, statuses, label) -> list[Series]:
    return [
        Series(
            label(status),
            tuple(counters[c][status] for c in categories),
            RAG_COLOURS[status],
        )
        for status in statuses
    ]


def _statuses(rows) -> list[str]:
    present = {row.rag for row in rows}
    return [status for status in DISPLAY_ORDER if status in present] or [RAG.NOT_RATED]


def _most(counters: dict, key) -> tuple[str, int]:
    """The name with the highest `key`, the first in alphabetical order on a tie (as the
    overdue chart and the reviews furthest behind break theirs)."""
    best = min(counters, key=lambda name: (-key(counters[name]), name), default=None)
    return (best, key(counters[best])) if best is not None else ("", 0)


def _count_words(n: int, word: str = "action") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _rag_chart(key, rows, label, *, by, heading, noun) -> Chart:
    counters: dict[str, Counter] = {}
    for row in rows:
        counters.setdefault(by(row), Counter())[row.rag] += 1
    categories = list(counters)
    statuses = _statuses(rows)
    worst, red = _most(counters, lambda counter: counter[RAG.RED])
    most_open, still_open = _most(
        counters, lambda counter: sum(counter.values()) - counter[RAG.BLUE]
    )
    if red:
        title = f"{worst} has the most red actions ({red})"
    elif still_open:
        title = f"No action is red; {most_open} has the most not yet complete ({still_open})"
    elif rows:
        title = f"Every action is complete in every {noun}"
    else:
        title = "No actions to show"
    description = (
        f"Horizontal stacked bars: for each {noun}, its actions by RAG status "
        f"({', '.join(label(s) for s in statuses)}). The table gives the numbers."
    )
    chart = bar_chart(
        key=key,
        title=title,
        description=description,
        row_heading=heading,
        categories=categories,
        series=_rag_series(categories, counters, statuses, label),
    )
    chart.columns.append("Total")
    chart.rows = [(name, values + [sum(counters[name].values())]) for name, values in chart.rows]
    return chart


def _agency(row) -> str:
    return row.lead_agency or "No lead agency"


def _theme(row, multi_plan: bool) -> str:
    return f"{row.theme_title} ({row.plan_title})" if multi_plan else row.theme_title


GENERIC_GROUPING = ("Theme, finding or recommendation", "theme or finding")


def _grouping(rows) -> tuple[str, str]:
    """(heading, noun) for the chart by theme: the plan's own word for the parts it
    groups its actions in ("Recommendation", "Strategic priority", "Theme"), as the
    pack's summary tables name them (`selectors.grouping_word`); the generic words when
    the plans shown group theirs differently."""
    by_plan: dict[str, list] = defaultdict(list)
    for row in rows:
        by_plan[row.plan_slug].append(row)
    words = {selectors.grouping_word(plan_rows) for plan_rows in by_plan.values()}
    if len(words) != 1:
        return GENERIC_GROUPING
    word = words.pop()
    return word, word.lower()


def _overdue_chart(rows) -> Chart:
    overdue, slipped = Counter(), Counter()
    agencies = []
    for row in rows:
        agency = _agency(row)
        if agency not in agencies:
            agencies.append(agency)
        overdue[agency] += row.is_overdue
        slipped[agency] += row.is_slipped
    agencies = [a for a in agencies if overdue[a] or slipped[a]]
    agencies.sort(key=lambda a: (-overdue[a], -slipped[a], a))
    if agencies and overdue[agencies[0]]:
        title = f"{agencies[0]} has the most overdue actions ({overdue[agencies[0]]})"
    elif agencies:
        title = "No action is overdue; some targets have been moved"
    else:
        title = "No action is overdue or has had its target moved"
    return bar_chart(
        key="overdue",
        title=title,
        description=(
            "Horizontal bars side by side: for each lead agency with any, its overdue actions "
            "(past their target date and not complete) and its slipped actions (target date "
            "moved). The table gives the numbers."
        ),
        row_heading="Lead agency",
        categories=agencies,
        series=[
            Series("Overdue", tuple(overdue[a] for a in agencies), PLAIN_COLOURS[1]),
            Series("Slipped (target moved)", tuple(slipped[a] for a in agencies), PLAIN_COLOURS[2]),
        ],
        stacked=False,
    )


def row_charts(rows, *, multi_plan: bool, label) -> dict[str, Chart]:
    """The charts drawn from one set of pack rows (the dashboard's and the pack's).

    `label(status)` gives the words printed beside each RAG colour.
    """
    rows = list({row.action_id: row for row in rows}.values())
    charts = {}
    if multi_plan:
        charts["plan"] = _rag_chart(
            "plan", rows, label, by=lambda r: r.plan_title, heading="Plan", noun="plan"
        )
    heading, noun = _grouping(rows)
    charts["theme"] = _rag_chart(
        "theme", rows, label, by=lambda r: _theme(r, multi_plan), heading=heading, noun=noun
    )
    charts["agency"] = _rag_chart(
        "agency", rows, label, by=_agency, heading="Lead agency", noun="lead agency"
    )
    charts["overdue"] = _overdue_chart(rows)
    return charts


def pack_charts(pack: selectors.BoardPack) -> list[Chart]:
    """The charts of a board pack's summary page, from the rows it prints."""
    if pack.multi_plan or not pack.plans:
        label = rag_label
    else:
        legend = {status: text for status, text, _ in pack.plans[0].legend}

        def label(status):
            return legend.get(status) or rag_label(status)

    charts = row_charts(pack.rows, multi_plan=pack.multi_plan, label=label)
    charts |= trend_charts(pack.trend, label)
    recurring = _recurring_chart(_recurring(pack.rows), label)
    if recurring is not None:
        charts["recurring"] = recurring
    return list(charts.values())


# Rounds: response rates and the trend -------------------------------------------------
def _response_chart(rounds: list[Round], action_ids: set[int]) -> Chart | None:
    if not rounds:
        return None
    owed, replied = Counter(), Counter()
    for open_round in rounds:
        for row in round_tracker(open_round).rows:
            name = str(row.agency) if row.agency else "No lead agency"
            items = [item for item in row.items if item.action.pk in action_ids]
            counted = [item for item in items if item.state != "not_due"]
            owed[name] += len(counted)
            replied[name] += sum(1 for item in counted if item.state != "missing")
    agencies = sorted((a for a in owed if owed[a]), key=lambda a: (replied[a] / owed[a], a))
    rates = {a: round(100 * replied[a] / owed[a]) for a in agencies}
    total_owed, total_replied = sum(owed.values()), sum(replied.values())
    if agencies:
        overall = round(100 * total_replied / total_owed)
        lowest = agencies[0]
        title = f"{overall}% of the updates owed have come in; {lowest} lowest at {rates[lowest]}%"
    else:
        title = "No update is owed in the open round"
    chart = bar_chart(
        key="response",
        title=title,
        description=(
            f"Horizontal bars: for each lead agency asked in {rounds[0].name}, the percentage "
            "of its actions with an update sent (approved, waiting or returned). The table "
            "gives the numbers."
        ),
        row_heading="Lead agency",
        categories=agencies,
        series=[
            Series("Updates received (%)", tuple(rates[a] for a in agencies), PLAIN_COLOURS[0])
        ],
        stacked=False,
        unit="% of the actions owed with an update",
    )
    chart.columns = ["Owed", "Received", "Response rate"]
    chart.rows = [(a, [owed[a], replied[a], f"{rates[a]}%"]) for a in agencies]
    return chart


def trend_charts(points: list[selectors.TrendPoint], label) -> dict[str, Chart]:
    """RAG counts and completed actions at each board meeting (`selectors.round_trend`)."""
    if not points:
        return {}
    points = [(point, Counter(point.counts)) for point in points]
    labels = [f"{point.meeting_date:%b %Y}" for point, _ in points]
    statuses = [s for s in DISPLAY_ORDER if any(counter[s] for _, counter in points)]
    first, last = points[0][1], points[-1][1]
    span = f"{labels[0]} to {labels[-1]}"
    rag = line_chart(
        key="trend",
        title=(
            f"Red actions went from {first[RAG.RED]} to {last[RAG.RED]} and green from "
            f"{first[RAG.GREEN]} to {last[RAG.GREEN]}, {span}"
        ),
        description=(
            "Lines, one for each RAG status: the number of actions in that status at each "
            "board meeting (the plans as they stood that day). The table gives the "
            "numbers."
        ),
        row_heading="Board meeting",
        x_labels=labels,
        series=[
            Series(label(s), tuple(counter[s] for _, counter in points), RAG_COLOURS[s])
            for s in statuses
        ]
        or [Series("Actions", tuple(0 for _ in points), PLAIN_COLOURS[0])],
    )
    done = line_chart(
        key="completed",
        title=f"Completed actions went from {first[RAG.BLUE]} to {last[RAG.BLUE]}, {span}",
        description=(
            "A line: the number of actions reported complete at each board meeting, and the "
            "number of actions in the plans then. The table gives the numbers."
        ),
        row_heading="Board meeting",
        x_labels=labels,
        series=[
            Series("Complete", tuple(c[RAG.BLUE] for _, c in points), RAG_COLOURS[RAG.BLUE]),
            Series("All actions", tuple(sum(c.values()) for _, c in points), PLAIN_COLOURS[2]),
        ],
    )
    for chart in (rag, done):
        chart.rows = [
            (item.round, values) for (_, values), (item, _) in zip(chart.rows, points, strict=True)
        ]
    return {"trend": rag, "completed": done}


# Reviews furthest behind, and themes across reviews -----------------------------------
def _behind(rows) -> list[ReviewBehind]:
    by_review: dict[str, list] = defaultdict(list)
    for row in rows:
        for review in dict.fromkeys(c.review for c in row.citations):
            by_review[review].append(row)
    result = []
    for review, actions in by_review.items():
        behind = sum(1 for r in actions if r.is_overdue or r.rag == RAG.RED)
        result.append(
            ReviewBehind(
                review=review,
                actions=len(actions),
                overdue=sum(r.is_overdue for r in actions),
                red=sum(r.rag == RAG.RED for r in actions),
                slipped=sum(r.is_slipped for r in actions),
                behind=behind,
            )
        )
    result = [item for item in result if item.behind]
    result.sort(key=lambda item: (-item.share, -item.behind, item.review))
    return result[:BEHIND_REVIEWS]


def _recurring(rows) -> list[RecurringTheme]:
    themes: dict[str, RecurringTheme] = {}
    for row in rows:
        if not row.theme_key.startswith("theme-"):
            continue
        name = row.theme_title.strip()
        entry = themes.setdefault(name.casefold(), RecurringTheme(name, [], Counter(), 0))
        entry.actions += 1
        entry.counts[row.rag] += 1
        for citation in row.citations:
            if citation.review not in entry.reviews:
                entry.reviews.append(citation.review)
    result = [entry for entry in themes.values() if len(entry.reviews) > 1]
    result.sort(key=lambda entry: (-len(entry.reviews), entry.theme))
    return result


def _recurring_chart(recurring: list[RecurringTheme], label) -> Chart | None:
    if not recurring:
        return None
    statuses = [s for s in DISPLAY_ORDER if any(e.counts[s] for e in recurring)]
    top = recurring[0]
    names = [f"{e.theme} ({len(e.reviews)} reviews)" for e in recurring]
    chart = bar_chart(
        key="recurring",
        title=(
            f"{len(recurring)} theme{'s' if len(recurring) > 1 else ''} recur across reviews: "
            f"{top.theme} draws on {len(top.reviews)}"
        ),
        description=(
            "Horizontal stacked bars: for each theme whose actions answer more than one "
            "review, those actions by RAG status. The table gives the reviews and "
            "the numbers."
        ),
        row_heading="Theme",
        categories=names,
        series=[
            Series(label(s), tuple(e.counts[s] for e in recurring), RAG_COLOURS[s])
            for s in statuses
        ],
    )
    chart.columns = ["Reviews", *chart.columns, "Actions"]
    chart.rows = [
        (e.theme, [len(e.reviews), *values, e.actions])
        for e, (_, values) in zip(recurring, chart.rows, strict=True)
    ]
    return chart


# The dashboard ------------------------------------------------------------------------
def _filterset(user, plans: list[Plan], board: Board, data: dict, plan: Plan | None):
    values = {name: data.get(name, "") for name in FILTERS if data.get(name)}
    if plan is not None:
        values["plan"] = plan.slug
    base = Action.objects.filter(plan__in=plans)
    filterset = ActionFilter(values or None, queryset=base, user=user)
    filterset.filters["plan"].queryset = Plan.objects.filter(pk__in=[p.pk for p in plans])
    filterset.filters["agency"].queryset = Agency.objects.filter(board=board).order_by("short_name")
    filterset.filters["review"].queryset = Review.objects.filter(board=board).order_by("reference")
    chosen = values.get("plan", "")
    filterset.filters["theme"].queryset = Theme.objects.filter(plan__in=plans, plan__slug=chosen)
    return filterset


def dashboard(*, user, board: Board, plan: Plan | None = None, data=None) -> Dashboard:
    """The board's dashboard (all its plans), or one plan's, filtered as asked.

    The caller has checked that `user` may view the board or plan
    (`policy.can_view_dashboard`).
    """
    plans = [plan] if plan is not None else list(board.plans.order_by("title"))
    for item in plans:
        item.board = board
    filterset = _filterset(user, plans, board, data or {}, plan)
    today = timezone.localdate()
    title = f"Dashboard: {plan.title}" if plan else f"Dashboard: {board.name}"
    result = Dashboard(
        title=title,
        board=board,
        plan=plan,
        plans=plans,
        filterset=filterset,
        as_at=today,
        counts={},
    )
    if not plans or (filterset.is_bound and not filterset.is_valid()):
        return result
    actions = filterset.qs
    if filterset.is_bound and filterset.form.cleaned_data.get("plan"):
        plans = [p for p in plans if p.pk == filterset.form.cleaned_data["plan"].pk]
    pack = selectors.board_pack(plans=plans, actions=actions, trend=True)
    rows = pack.rows
    result.counts = pack.counts
    result.charts = row_charts(rows, multi_plan=len(plans) > 1, label=_labeller(plans))
    action_ids = {row.action_id for row in rows}
    rounds = list(
        Round.objects.filter(board=board, round_plans__plan__in=plans)
        .distinct()
        .prefetch_related("plans")
        .order_by("-meeting_date", "-id")
    )
    result.open_rounds = [r for r in rounds if r.status == RoundStatus.OPEN]
    response = _response_chart(result.open_rounds, action_ids)
    if response is not None:
        result.charts["response"] = response
    result.charts |= trend_charts(pack.trend, _labeller(plans))
    result.behind = _behind(rows)
    result.recurring = _recurring(rows)
    recurring = _recurring_chart(result.recurring, _labeller(plans))
    if recurring is not None:
        result.charts["recurring"] = recurring
    return result


def board_or_none(user, slug: str) -> Board | None:
    board = Board.objects.filter(slug=slug).first()
    return board if board is not None and policy.can_view_dashboard(user, board) else None
