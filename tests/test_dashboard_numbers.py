"""The dashboards' numbers, each worked out again from the models and read back from
the drawing.

Every expectation here is computed from the ORM and the models' own rules
(`Action.is_overdue`, `Action.is_slipped`, the action's theme or the finding it
answers), never from `reporting.selectors` or the dashboard's helpers. Each bar chart
is read back from its SVG as a reader would: the bar beside each label, its length in
the units of the axis's own tick marks.
"""

# ruff: noqa: S314 - the SVG parsed is our own output

import html as html_lib
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from fractions import Fraction

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from actionplans.models import (
    RAG,
    Action,
    ActionSource,
    Agency,
    Plan,
    RoundAction,
    RoundStatus,
    Theme,
)
from actionplans.models.rag import DISPLAY_ORDER, rag_label
from reporting import selectors
from reporting.dashboard.selectors import BEHIND_REVIEWS, dashboard, pack_charts
from reviews.models import Finding, FindingKind, Review, ReviewKind

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
GENERIC_HEADING = "Theme, finding or recommendation"
PAST = "March 2016"  # long past: an action due then and not complete is overdue
LATER_PAST = "June 2016"
FUTURE = "December 2099"


# Reading a bar chart back from its SVG ------------------------------------------------
def _ticks(svg: ET.Element, axis: str) -> list[tuple[float, str]]:
    """(position, label) of each tick mark matplotlib drew on the axis ("x" or "y")."""
    ticks = []
    for group in svg.iter(f"{SVG}g"):
        if not re.search(rf"{axis}tick_\d+$", group.get("id", "")):
            continue
        mark = group.find(f".//{SVG}use")
        label = group.find(f".//{SVG}text")
        ticks.append((float(mark.get(axis)), label.text))
    return sorted(ticks)


def _legend(svg: ET.Element) -> list[str]:
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("id", "").endswith("legend_1"))
    return [text.text for text in group.iter(f"{SVG}text")]


def _drawn(svg_text: str) -> tuple[list[str], list[str], dict, dict]:
    """What the drawing says: the labels top to bottom, the legend, and for each
    (label position, series) the bar's length and its start, in the axis's units."""
    svg = ET.fromstring(svg_text)
    xticks = [(x, float(label.replace("\u2212", "-"))) for x, label in _ticks(svg, "x")]
    (x0, v0), (x1, v1) = xticks[0], xticks[-1]
    scale = (x1 - x0) / (v1 - v0)  # pixels for one action (or one per cent)
    origin = x0 - v0 * scale
    yticks = _ticks(svg, "y")
    lengths, starts = {}, {}
    for group in svg.iter(f"{SVG}g"):
        match = re.search(r"bar-(\d+)-(\d+)$", group.get("id", ""))
        if not match:
            continue
        points = re.findall(r"[ML]\s*(-?[\d.]+)\s+(-?[\d.]+)", group.find(f"{SVG}path").get("d"))
        xs = [float(x) for x, _ in points]
        ys = [float(y) for _, y in points]
        middle = (min(ys) + max(ys)) / 2
        # The label the bar stands beside: the nearest tick of the category axis.
        row = min(range(len(yticks)), key=lambda i: abs(yticks[i][0] - middle))
        key = (row, int(match[1]))
        assert key not in lengths, f"two bars of one series beside {yticks[row][1]!r}"
        lengths[key] = (max(xs) - min(xs)) / scale
        starts[key] = (min(xs) - origin) / scale
    return [label for _, label in yticks], _legend(svg), lengths, starts


def _fits(drawn: str, name: str) -> bool:
    """A label as drawn: whole, or shortened with an ellipsis."""
    return drawn == name or (drawn.endswith("…") and name.startswith(drawn[:-1]))


def _assert_drawing_says(chart, expected: dict[str, list], series: list[str], *, stacked):
    """The chart's SVG shows, beside each category's label, bars of the expected lengths
    (one per series, in the legend's order), stacked or side by side."""
    labels, legend, lengths, starts = _drawn(chart.svg)
    assert legend == series
    names = [name for name, _ in chart.rows]
    assert len(labels) == len(names) == len(expected)
    for row, (drawn, name) in enumerate(zip(labels, names, strict=True)):
        assert _fits(drawn, name), (drawn, name)
        left = 0
        for index, value in enumerate(expected[name]):
            assert lengths[(row, index)] == pytest.approx(value, abs=0.02), (name, index)
            assert starts[(row, index)] == pytest.approx(left if stacked else 0, abs=0.02)
            left += value


# Expectations from the models ----------------------------------------------------------
def _group_of(action: Action) -> str:
    """The part of its plan an action is printed under, from the models: its theme, else
    the first finding it answers (in the order it cites them), else the rest."""
    if action.theme_id:
        return action.theme.title
    for source in action.sources.select_related("finding").order_by("position", "id"):
        if source.finding is not None:
            return f"{source.finding.get_kind_display()} {source.finding.number}"
    return "Other actions" if action.plan.themes.exists() else "Actions"


def _agency_of(action: Action) -> str:
    return action.lead_agency.short_name if action.lead_agency else "No lead agency"


def _by(actions, key) -> dict[str, Counter]:
    counters: dict[str, Counter] = defaultdict(Counter)
    for action in actions:
        counters[key(action)][action.rag] += 1
    return dict(counters)


def _statuses(counters: dict[str, Counter]) -> list[str]:
    return [s for s in DISPLAY_ORDER if any(counter[s] for counter in counters.values())]


def _assert_rag_chart(chart, actions, key, label, *, heading):
    """A RAG-mix chart: its table and its bars say, for each category, how many of the
    actions are in each status."""
    expected = _by(actions, key)
    statuses = _statuses(expected)
    assert chart.row_heading == heading
    assert chart.columns == [label(s) for s in statuses] + ["Total"]
    assert dict(chart.rows) == {
        name: [counter[s] for s in statuses] + [sum(counter.values())]
        for name, counter in expected.items()
    }
    assert sum(values[-1] for _, values in chart.rows) == len(actions)
    _assert_drawing_says(
        chart,
        {name: [counter[s] for s in statuses] for name, counter in expected.items()},
        [label(s) for s in statuses],
        stacked=True,
    )
    return expected


def _most_red(expected: dict[str, Counter]) -> tuple[str, int]:
    red = {name: counter[RAG.RED] for name, counter in expected.items()}
    top = sorted(red, key=lambda name: (-red[name], name))[0]
    return top, red[top]


def _set_rag(plan: Plan, plan_rags: list[str]) -> None:
    """The plan's first actions (in document order) take these statuses."""
    actions = list(Action.objects.filter(plan=plan).order_by("position", "id"))
    for action, rag in zip(actions, plan_rags, strict=False):
        Action.objects.filter(pk=action.pk).update(rag=rag)


def _target(action: Action, text: str, *, moved_to: str = "") -> None:
    """Give the action a target as written; `moved_to`: then move it (it slips)."""
    action.target_text = text
    action.save()
    if moved_to:
        assert action.move_target(moved_to)
        action.save()


def _board_url(slug="norfolk"):
    return reverse("reporting:board_dashboard", kwargs={"slug": slug})


def _plan_url(slug):
    return reverse("reporting:plan_dashboard", kwargs={"slug": slug})


# 1. The RAG mix per plan ---------------------------------------------------------------
def test_plan_chart_gives_each_plans_rag_mix_on_the_board_dashboard(client, personas, seed):
    _set_rag(seed["norfolk-lscb-business-plan-2014-16"], [RAG.RED] * 3 + [RAG.AMBER] * 2)
    _set_rag(seed["norfolk-scr-case-l-2014"], [RAG.RED] * 4 + [RAG.GREEN] * 3 + [RAG.BLUE] * 2)
    _set_rag(seed["norfolk-cap-2017"], [RAG.RED, RAG.AMBER, RAG.AMBER, RAG.NOT_STARTED])
    client.force_login(personas.viewer)
    response = client.get(_board_url())
    assert response.status_code == 200
    data = response.context["dashboard"]
    actions = list(Action.objects.filter(plan__board__slug="norfolk").select_related("plan"))
    assert len({a.plan_id for a in actions}) == 3
    chart = data.charts["plan"]
    expected = _assert_rag_chart(chart, actions, lambda a: a.plan.title, rag_label, heading="Plan")
    # Several plans, several statuses each: a real mix to draw.
    assert all(len(+counter) >= 2 for counter in expected.values())
    top, red = _most_red(expected)
    assert red and chart.title == f"{top} has the most red actions ({red})"
    assert top == seed["norfolk-scr-case-l-2014"].title
    # The page prints the same drawing and table.
    page = response.content.decode()
    assert chart.key in page
    for name, values in chart.rows:
        cells = "".join(
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{v}</td>' for v in values
        )
        assert (
            f'<th scope="row" class="govuk-table__header">{html_lib.escape(name)}</th>{cells}'
            in page
        )


def test_plan_chart_is_left_out_of_a_plans_own_dashboard(personas, seed):
    plan = seed["norfolk-cap-2017"]
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    assert "plan" not in result.charts


# 2. The RAG mix per theme or finding ---------------------------------------------------
def test_theme_chart_on_a_board_dashboard_names_each_plans_parts(client, personas, seed):
    jtai, ofsted = seed["stockton-jtai-neglect-2018"], seed["stockton-ofsted-cp-2013"]
    _set_rag(jtai, [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.RED, RAG.BLUE, RAG.GREEN, RAG.RED])
    _set_rag(ofsted, [RAG.AMBER, RAG.RED])
    client.force_login(personas.stockton_viewer)
    response = client.get(_board_url("stockton"))
    chart = response.context["dashboard"].charts["theme"]
    actions = list(
        Action.objects.filter(plan__board__slug="stockton").select_related("plan", "theme")
    )
    # One plan grouped by theme, the other by recommendation: the generic heading.
    expected = _assert_rag_chart(
        chart,
        actions,
        lambda a: f"{_group_of(a)} ({a.plan.title})",
        rag_label,
        heading=GENERIC_HEADING,
    )
    assert any(name.startswith("Recommendation 1 (") for name in expected)
    assert any(name.startswith("Actions for Cleveland Police (") for name in expected)
    top, red = _most_red(expected)
    assert red and chart.title == f"{top} has the most red actions ({red})"


@pytest.mark.parametrize(
    ("slug", "heading"),
    [
        ("norfolk-cap-2017", "Theme"),
        ("stockton-ofsted-cp-2013", "Recommendation"),
        ("norfolk-scr-case-l-2014", "Finding"),
    ],
)
def test_theme_chart_on_a_plan_dashboard_counts_each_part_of_the_plan(
    personas, seed, slug, heading
):
    plan = seed[slug]
    _set_rag(plan, [RAG.GREEN, RAG.RED, RAG.AMBER, RAG.RED, RAG.GREEN])
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    actions = list(Action.objects.filter(plan=plan).select_related("plan", "theme"))
    expected = _assert_rag_chart(
        result.charts["theme"], actions, _group_of, plan.rag_label, heading=heading
    )
    assert len(expected) > 1
    assert sum(sum(c.values()) for c in expected.values()) == len(actions)


# 3. Overdue and slipped by lead agency -------------------------------------------------
def _make_late_and_slipped(plan: Plan) -> None:
    """Cleveland Police: 3 overdue (one of them also slipped) and 1 slipped only; SBC: 1
    overdue and slipped, 1 slipped only, 1 past its date but complete; DTV CRC: 1
    slipped only; the other agencies neither."""
    by_ref = {a.ref: a for a in Action.objects.filter(plan=plan)}
    _target(by_ref["3.1"], PAST)
    _target(by_ref["3.2"], PAST)
    _target(by_ref["3.3"], PAST, moved_to=LATER_PAST)  # slipped and still overdue
    _target(by_ref["3.4"], PAST, moved_to=FUTURE)  # slipped, not yet due
    _target(by_ref["2.1"], PAST, moved_to=LATER_PAST)
    _target(by_ref["2.2"], PAST, moved_to=FUTURE)
    _target(by_ref["2.3"], PAST)
    Action.objects.filter(pk=by_ref["2.3"].pk).update(rag=RAG.BLUE)  # done: not overdue
    _target(by_ref["4.2"], PAST, moved_to=FUTURE)


def test_overdue_chart_counts_each_agencys_overdue_and_slipped_actions(client, personas, seed):
    plan = seed["stockton-jtai-neglect-2018"]
    _make_late_and_slipped(plan)
    client.force_login(personas.stockton_viewer)
    response = client.get(_plan_url(plan.slug))
    data = response.context["dashboard"]
    overdue, slipped = Counter(), Counter()
    for action in Action.objects.filter(plan=plan).select_related("lead_agency"):
        overdue[_agency_of(action)] += action.is_overdue()  # the model's own rules
        slipped[_agency_of(action)] += action.is_slipped
    agencies = sorted(
        (a for a in overdue | slipped if overdue[a] or slipped[a]),
        key=lambda a: (-overdue[a], -slipped[a], a),
    )
    # The data is what the test means it to be: both counts, different by agency.
    assert agencies == ["Cleveland Police", "SBC", "DTV CRC"]
    assert len({(overdue[a], slipped[a]) for a in agencies}) == 3
    assert overdue.total() and slipped.total()
    chart = data.charts["overdue"]
    assert chart.row_heading == "Lead agency"
    assert chart.columns == ["Overdue", "Slipped (target moved)"]
    assert chart.rows == [(a, [overdue[a], slipped[a]]) for a in agencies]
    top = agencies[0]
    assert chart.title == f"{top} has the most overdue actions ({overdue[top]})"
    _assert_drawing_says(
        chart,
        {a: [overdue[a], slipped[a]] for a in agencies},
        ["Overdue", "Slipped (target moved)"],
        stacked=False,
    )
    assert data.counts["overdue"] == overdue.total()
    assert data.counts["slipped"] == slipped.total()
    page = response.content.decode()
    assert f"{overdue.total()} overdue, {slipped.total()} slipped" in page


def test_overdue_chart_with_moved_targets_but_none_overdue(personas, seed):
    plan = seed["stockton-jtai-neglect-2018"]
    by_ref = {a.ref: a for a in Action.objects.filter(plan=plan)}
    _target(by_ref["3.4"], PAST, moved_to=FUTURE)
    _target(by_ref["2.2"], PAST, moved_to=FUTURE)
    _target(by_ref["2.4"], FUTURE, moved_to="November 2099")
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    chart = result.charts["overdue"]
    slipped = Counter(_agency_of(a) for a in Action.objects.filter(plan=plan) if a.is_slipped)
    assert not any(a.is_overdue() for a in Action.objects.filter(plan=plan))
    assert chart.title == "No action is overdue; some targets have been moved"
    # Only the slipped series is drawn (an empty series is left out of the legend).
    assert chart.columns == ["Slipped (target moved)"]
    order = sorted(slipped, key=lambda a: (-slipped[a], a))
    assert chart.rows == [(a, [slipped[a]]) for a in order]
    _assert_drawing_says(
        chart, {a: [slipped[a]] for a in order}, ["Slipped (target moved)"], stacked=False
    )


# 4. The reviews furthest behind --------------------------------------------------------
# Each review: the kinds of action citing it. "red" is red with no date, "late" is
# amber and past its date, "both" red and past its date, "moved" green with its target
# moved to the future, "fine" green and due in the future, "done" complete and past its
# date (so not overdue). Actions named in SHARED cite several reviews.
BEHIND_DESIGN = {
    "Behind A": ["red", "late", "both"],  # 3 of 3 behind: 100%
    "Behind B": ["shared-red", "fine"],  # 1 of 2: 50%
    "Behind C": ["shared-red", "late", "fine", "fine"],  # 2 of 4: 50%, more behind than B
    "Behind D": ["late", "moved"],  # 1 of 2: 50%, as B: then by name
    "Behind E": ["red", "fine", "done"],  # 1 of 3: 33%
    "Behind F": ["late", "fine", "fine", "fine"],  # 1 of 4: 25%, beyond the first five
    "Behind G": ["fine", "moved"],  # none behind: not listed
}
BEHIND_ORDER = ["Behind A", "Behind C", "Behind B", "Behind D", "Behind E"]


def _make_behind_plan(board) -> Plan:
    plan = Plan.objects.create(board=board, slug="dashboard-behind", title="Behind plan")
    agency = Agency.objects.get(board=board, short_name="Health")
    shared = None
    number = 0
    for reference, kinds in BEHIND_DESIGN.items():
        review = Review.objects.create(
            board=board, kind=ReviewKind.SCR, reference=reference, title=f"Review {reference}"
        )
        for kind in kinds:
            if kind.startswith("shared") and shared is not None:
                ActionSource.objects.create(action=shared, review=review, position=1)
                continue
            number += 1
            action = Action.objects.create(
                plan=plan,
                ref=f"B{number}",
                text=f"{kind} action of {reference}",
                lead_agency=agency,
                rag={"red": RAG.RED, "both": RAG.RED, "late": RAG.AMBER, "done": RAG.BLUE}.get(
                    kind.removeprefix("shared-"), RAG.GREEN
                ),
                position=number,
            )
            if kind in ("late", "both", "done"):
                _target(action, PAST)
            elif kind == "moved":
                _target(action, FUTURE, moved_to="November 2099")
            elif kind == "fine":
                _target(action, FUTURE)
            ActionSource.objects.create(action=action, review=review)
            if kind.startswith("shared"):
                shared = action
    # An action citing two findings of one review counts once for it.
    first = Action.objects.get(plan=plan, text="both action of Behind A")
    review = Review.objects.get(board=board, reference="Behind A")
    one, two = (
        Finding.objects.create(review=review, number=str(n), kind=FindingKind.FINDING, text="x")
        for n in (1, 2)
    )
    ActionSource.objects.filter(action=first, review=review).update(finding=one)
    ActionSource.objects.create(action=first, review=review, finding=two, position=2)
    return plan


def test_reviews_furthest_behind_are_ordered_by_the_share_red_or_overdue(client, personas, seed):
    board = seed["norfolk-cap-2017"].board
    plan = _make_behind_plan(board)
    client.force_login(personas.viewer)
    response = client.get(_plan_url(plan.slug))
    assert response.status_code == 200
    data = response.context["dashboard"]
    expected = []
    for review in Review.objects.filter(board=board, actions__plan=plan).distinct():
        actions = list(Action.objects.filter(plan=plan, sources__review=review).distinct())
        behind = [a for a in actions if a.is_overdue() or a.rag == RAG.RED]
        expected.append(
            {
                "review": review.reference,
                "actions": len(actions),
                "behind": len(behind),
                "overdue": sum(a.is_overdue() for a in actions),
                "red": sum(a.rag == RAG.RED for a in actions),
                "slipped": sum(a.is_slipped for a in actions),
                "share": Fraction(len(behind), len(actions)),
            }
        )
    expected = [e for e in expected if e["behind"]]
    expected.sort(key=lambda e: (-e["share"], -e["behind"], e["review"]))
    expected = expected[:BEHIND_REVIEWS]
    assert [e["review"] for e in expected] == BEHIND_ORDER  # as the data was designed
    got = [
        {
            "review": item.review,
            "actions": item.actions,
            "behind": item.behind,
            "overdue": item.overdue,
            "red": item.red,
            "slipped": item.slipped,
            "share": item.share,
        }
        for item in data.behind
    ]
    assert got == [e | {"share": round(100 * e["share"])} for e in expected]
    assert {e["review"]: e["share"] for e in got} == {
        "Behind A": 100,
        "Behind C": 50,
        "Behind B": 50,
        "Behind D": 50,
        "Behind E": 33,
    }
    # The page's table: the same rows, in the same order.
    page = response.content.decode()
    section = page[page.index('id="reviews"') : page.index('id="learning"')]
    rows = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>((?:<td[^>]*>[^<]*</td>)+)', section)
    printed = [(name, re.findall(r"<td[^>]*>([^<]*)</td>", cells)) for name, cells in rows]
    assert printed == [
        (
            e["review"],
            [
                str(e["actions"]),
                f"{e['behind']} ({e['share']}%)",
                str(e["overdue"]),
                str(e["red"]),
                str(e["slipped"]),
            ],
        )
        for e in got
    ]


@pytest.mark.parametrize("group_by", ["review", "finding"])
def test_pack_charts_count_each_action_once_when_the_pack_lists_it_twice(seed, group_by):
    plan = seed["norfolk-cap-2017"]
    pack = selectors.board_pack(plans=[plan], group_by=group_by)
    # Grouped by the reviews answered, an action answering several is printed under each.
    assert len(pack.rows) > Action.objects.filter(plan=plan).count()
    charts = {chart.key.split("-")[1]: chart for chart in pack_charts(pack)}
    actions = list(Action.objects.filter(plan=plan).select_related("plan", "theme"))
    _assert_rag_chart(charts["theme"], actions, _group_of, plan.rag_label, heading="Theme")
    _assert_rag_chart(charts["agency"], actions, _agency_of, plan.rag_label, heading="Lead agency")
    overdue = Counter(_agency_of(a) for a in actions if a.is_overdue())
    assert overdue
    assert {name: values[0] for name, values in charts["overdue"].rows} == dict(overdue)


# 5. Filters: plan, review and theme narrow every chart ---------------------------------
def _assert_narrowed(data, actions: list[Action], board):
    """Every figure of the dashboard counts exactly these actions."""
    ids = {a.pk for a in actions}
    assert data.counts["actions"] == len(actions)
    label = _labeller(data)
    multi = "plan" in data.charts
    heading = data.charts["theme"].row_heading
    if multi:
        _assert_rag_chart(
            data.charts["plan"], actions, lambda a: a.plan.title, label, heading="Plan"
        )
        assert len({a.plan_id for a in actions}) > 1
    _assert_rag_chart(
        data.charts["theme"],
        actions,
        (lambda a: f"{_group_of(a)} ({a.plan.title})") if multi else _group_of,
        label,
        heading=heading,
    )
    _assert_rag_chart(data.charts["agency"], actions, _agency_of, label, heading="Lead agency")
    overdue = Counter(_agency_of(a) for a in actions if a.is_overdue())
    slipped = Counter(_agency_of(a) for a in actions if a.is_slipped)
    chart = data.charts["overdue"]
    got = {name: dict(zip(chart.columns, values, strict=True)) for name, values in chart.rows}
    assert {n: v.get("Overdue", 0) for n, v in got.items()} == {
        n: overdue[n] for n in overdue | slipped
    }
    assert {n: v.get("Slipped (target moved)", 0) for n, v in got.items()} == {
        n: slipped[n] for n in overdue | slipped
    }
    # This round's replies: owed by the matching actions only (complete ones owe none).
    owed = Counter(
        _agency_of(item.action)
        for item in RoundAction.objects.filter(
            round__board=board, round__status=RoundStatus.OPEN, action_id__in=ids
        ).select_related("action__lead_agency")
        if item.action.rag != RAG.BLUE
    )
    assert owed
    assert {name: values[0] for name, values in data.charts["response"].rows} == dict(owed)
    # The trend's last point is today's position (the open round): the matching actions.
    completed = data.charts["completed"]
    today = dict(zip(completed.columns, completed.rows[-1][1], strict=True))
    assert today["All actions"] == len(actions)
    assert today.get("Complete", 0) == sum(a.rag == RAG.BLUE for a in actions)
    trend = data.charts["trend"]
    today = dict(zip(trend.columns, trend.rows[-1][1], strict=True))
    assert {name: n for name, n in today.items() if n} == {
        label(status): n for status, n in Counter(a.rag for a in actions).items()
    }
    # The reviews furthest behind count only the matching actions citing them.
    for item in data.behind:
        citing = [a for a in actions if item.review in _reviews_of(a)]
        assert item.actions == len(citing)
        assert item.behind == sum(a.is_overdue() or a.rag == RAG.RED for a in citing)
    for entry in data.recurring:
        assert entry.actions == sum(
            1 for a in actions if a.theme_id and a.theme.title.casefold() == entry.theme.casefold()
        )


def _labeller(data):
    """The RAG words: the plan's own when the dashboard shows one plan (its own, or the
    one the plan filter chose), the generic ones for several."""
    plans = data.plans
    chosen = data.filterset.form.cleaned_data.get("plan")
    if chosen is not None:
        plans = [plan for plan in plans if plan.pk == chosen.pk]
    return plans[0].rag_label if len(plans) == 1 else rag_label


def _reviews_of(action: Action) -> set[str]:
    return set(action.sources.values_list("review__reference", flat=True))


@pytest.fixture
def norfolk_round(seed, open_round):
    """All three Norfolk plans in an open round, with a mix of statuses and dates."""
    plans = [seed[s] for s in ("norfolk-cap-2017", "norfolk-scr-case-l-2014")]
    plans.append(seed["norfolk-lscb-business-plan-2014-16"])
    _set_rag(plans[0], [RAG.RED, RAG.GREEN, RAG.AMBER, RAG.BLUE, RAG.RED])
    _set_rag(plans[1], [RAG.AMBER, RAG.RED, RAG.GREEN])
    by_ref = {a.ref: a for a in Action.objects.filter(plan=plans[0]).order_by("position")}
    first, second = list(by_ref.values())[:2]
    _target(first, PAST, moved_to=FUTURE)
    _target(second, FUTURE)
    return open_round(plans)


def _actions(**filters) -> list[Action]:
    return list(
        Action.objects.filter(**filters)
        .distinct()
        .select_related("plan", "theme", "lead_agency")
        .order_by("plan", "position", "id")
    )


def test_plan_filter_narrows_every_chart_of_the_board_dashboard(
    client, personas, seed, norfolk_round
):
    plan = seed["norfolk-cap-2017"]
    client.force_login(personas.chair)
    response = client.get(_board_url(), {"plan": plan.slug})
    assert response.status_code == 200
    data = response.context["dashboard"]
    assert data.filtered
    assert "plan" not in data.charts  # one plan left: no chart of one bar
    assert data.charts["theme"].row_heading == "Theme"
    _assert_narrowed(data, _actions(plan=plan), plan.board)


def test_review_filter_narrows_every_chart_of_the_board_dashboard(
    client, personas, seed, norfolk_round
):
    board = seed["norfolk-cap-2017"].board
    review = Review.objects.get(board=board, reference="Case L")
    client.force_login(personas.chair)
    response = client.get(_board_url(), {"review": review.pk})
    assert response.status_code == 200
    data = response.context["dashboard"]
    actions = _actions(plan__board=board, sources__review=review)
    assert 0 < len(actions) < Action.objects.filter(plan__board=board).count()
    assert len({a.plan_id for a in actions}) == 2  # Case L's own plan and the composite one
    _assert_narrowed(data, actions, board)


def test_theme_filter_narrows_every_chart(client, personas, seed, norfolk_round):
    plan = seed["norfolk-cap-2017"]
    theme = Theme.objects.filter(plan=plan, actions__rag=RAG.RED).distinct().order_by("position")[0]
    client.force_login(personas.chair)
    for url, query in (
        (_board_url(), {"plan": plan.slug, "theme": theme.pk}),
        (_plan_url(plan.slug), {"theme": theme.pk}),
    ):
        response = client.get(url, query)
        assert response.status_code == 200
        data = response.context["dashboard"]
        actions = _actions(plan=plan, theme=theme)
        assert 0 < len(actions) < Action.objects.filter(plan=plan).count()
        assert [name for name, _ in data.charts["theme"].rows] == [theme.title]
        _assert_narrowed(data, actions, plan.board)


# 7. The chart by theme names the plan's own grouping ----------------------------------
def _grouping_of(plan: Plan) -> str:
    """What the plan calls its parts, from the models: "Theme" when it has themes, else
    the kind of the findings its actions answer."""
    if plan.themes.exists():
        return "Theme"
    kinds = {
        source.finding.get_kind_display()
        for source in ActionSource.objects.filter(action__plan=plan, finding__isnull=False)
    }
    assert len(kinds) == 1
    return kinds.pop()


@pytest.mark.parametrize(
    "slug",
    [
        "stockton-ofsted-cp-2013",
        "norfolk-lscb-business-plan-2014-16",
        "norfolk-scr-case-l-2014",
        "norfolk-cap-2017",
    ],
)
def test_pack_chart_by_theme_names_the_plans_own_grouping(seed, slug):
    plan = seed[slug]
    word = _grouping_of(plan)
    pack = selectors.board_pack(plans=[plan])
    chart = next(c for c in pack_charts(pack) if c.key.startswith("chart-theme-"))
    assert chart.row_heading == word
    assert f"for each {word.lower()}," in chart.description
    # As the pack's own summary table by theme names it.
    assert pack.summaries[0].row_heading == word
    page = render_to_string("reporting/pdf/charts.html", {"pack": pack})
    assert f'<th scope="col">{word}</th>' in page
    assert GENERIC_HEADING not in page


def test_plan_dashboard_chart_by_theme_names_the_plans_own_grouping(client, personas, seed):
    plan = seed["stockton-ofsted-cp-2013"]
    client.force_login(personas.stockton_viewer)
    response = client.get(_plan_url(plan.slug))
    assert response.context["dashboard"].charts["theme"].row_heading == "Recommendation"
    page = response.content.decode()
    assert '<th scope="col" class="govuk-table__header">Recommendation</th>' in page
    assert GENERIC_HEADING not in page


def test_chart_by_theme_keeps_the_generic_words_for_plans_grouped_differently(seed):
    norfolk = [seed[s] for s in ("norfolk-cap-2017", "norfolk-scr-case-l-2014")]
    assert len({_grouping_of(p) for p in norfolk}) == 2
    pack = selectors.board_pack(plans=norfolk)
    chart = next(c for c in pack_charts(pack) if c.key.startswith("chart-theme-"))
    assert chart.row_heading == GENERIC_HEADING
    assert "for each theme or finding," in chart.description
    # Several plans that all group by theme: their shared word.
    themed = [seed["norfolk-cap-2017"], seed["stockton-jtai-neglect-2018"]]
    assert {_grouping_of(p) for p in themed} == {"Theme"}
    pack = selectors.board_pack(plans=themed)
    chart = next(c for c in pack_charts(pack) if c.key.startswith("chart-theme-"))
    assert chart.row_heading == "Theme"
    assert all(name.endswith(")") for name, _ in chart.rows)  # "Theme (Plan title)"


def test_red_title_breaks_a_tie_by_name(personas, seed):
    plan = seed["stockton-jtai-neglect-2018"]
    by_ref = {a.ref: a for a in Action.objects.filter(plan=plan)}
    # Two red actions each for SBC and Cleveland Police: a tie, named alphabetically.
    Action.objects.filter(pk__in=[by_ref[r].pk for r in ("2.1", "2.2", "3.1", "3.2")]).update(
        rag=RAG.RED
    )
    result = dashboard(user=personas.viewer, board=plan.board, plan=plan)
    assert result.charts["agency"].title == "Cleveland Police has the most red actions (2)"
