"""The board pack reads well on paper: checked on the PDF itself, with pypdf.

A row is never cut between pages (its ref on one, its text on the next), the header
row repeats, no page but the cover and the last is left mostly empty, the exception
report lists each action once with its reasons, the summaries name the plan's own
grouping and the reviews column cites the short references the plan writes.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from samples import SEED_SLUGS, pdf_pieces, pdf_text

from actionplans import audit_lock
from actionplans.models import RAG, Action, Plan
from reporting import pdf, selectors

pytestmark = pytest.mark.django_db

# A4 landscape with the print stylesheet's margins (12 mm top, 15 mm bottom), in points.
PAGE_TOP, PAGE_BOTTOM = 595.3 - 12 / 25.4 * 72, 15 / 25.4 * 72
_RENDERED: dict = {}


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def rendered(pack, **options) -> bytes:
    key = (pack.fingerprint(), tuple(sorted(options.items())))
    if key not in _RENDERED:
        _RENDERED[key] = pdf.render_pack(pack, **options)
    return _RENDERED[key]


def columns(pieces, headings) -> dict[str, float] | None:
    """x of each heading of the actions table on this page, and the y of its header
    row (None: no table here)."""
    wanted = {name: headings[name] for name in ("ref", "text", "lead")}
    for y in sorted({y for _, y, text in pieces if text == wanted["ref"]}, reverse=True):
        # A long heading wraps: its first line is a piece that starts it.
        header = [(x, text) for x, line, text in pieces if abs(line - y) < 1]
        where = {
            name: next((x for x, text in header if heading.startswith(text)), None)
            for name, heading in wanted.items()
        }
        if None not in where.values():
            return where | {"y": y}
    return None


def repeats_header(pieces, headings) -> bool:
    """The first thing in the ref column of the page is the table's header row
    (a section heading or its introduction may come above it)."""
    where = columns(pieces, headings)
    if where is None:
        return False
    in_column = [(y, text) for x, y, text in pieces if abs(x - where["ref"]) < 1]
    return max(in_column)[1] == headings["ref"]


def row_pages(pack, data: bytes) -> dict[str, tuple[int, str]]:
    """ref -> (page it starts on, the action column's text on that page)."""
    found = {}
    for number, pieces in enumerate(pdf_pieces(data), start=1):
        where = columns(pieces, pack.headings)
        if where is None:
            continue
        # Only below the header row: a chart's table above it may share the column's x.
        in_text = [
            (-y, x, t)
            for x, y, t in pieces
            if where["text"] - 1 <= x < where["lead"] - 1 and y < where["y"] - 1
        ]
        text = squashed("".join(t for _, _, t in sorted(in_text)))
        for x, y, piece in pieces:
            if abs(x - where["ref"]) < 1 and y < where["y"] - 1 and piece not in found:
                found.setdefault(piece, (number, text))
    return found


def lowest_text(pieces) -> float:
    """How far down the page its text goes (the footer left out)."""
    return min((y for x, y, text in pieces if y > PAGE_BOTTOM - 2), default=PAGE_TOP)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_no_action_starts_on_one_page_and_continues_on_the_next(seed, slug):
    pack = selectors.board_pack(plans=[seed[slug]])
    found = row_pages(pack, rendered(pack))
    for row in pack.rows:
        assert row.ref in found, f"{row.ref} is not printed in the ref column"
        page, text = found[row.ref]
        assert squashed(row.text) in text, f"{row.ref} starts on page {page}; its text does not"


def test_an_action_taller_than_a_page_continues_on_the_next(seed):
    plan = seed["norfolk-cap-2017"]
    action = plan.actions.get(ref="2.4")
    action.text = "\n".join(f"Step {n}: the partnership checks the work." for n in range(1, 90))
    action.save()
    pack = selectors.board_pack(plans=[plan], actions=Action.objects.filter(pk=action.pk))
    data = pdf.render_pack(pack, cache=False)
    text = pdf_text(data)
    assert "Step 1:" in text and "Step 89:" in text
    assert len(pdf_pieces(data)) >= 4  # cover, legend and summary, then the long row


def test_the_header_row_repeats_on_every_page_of_actions(seed):
    pack = selectors.board_pack(plans=[seed["stockton-ofsted-cp-2013"]])
    pages = pdf_pieces(rendered(pack))
    with_table = [columns(pieces, pack.headings) is not None for pieces in pages]
    first = with_table.index(True)  # after the cover, the summary and the charts
    for number, pieces in enumerate(pages[first + 1 :], start=first + 2):
        assert repeats_header(pieces, pack.headings), f"page {number} has no header row"


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_no_page_but_the_cover_and_the_last_is_left_mostly_empty(seed, slug):
    pack = selectors.board_pack(plans=[seed[slug]])
    pages = pdf_pieces(rendered(pack))
    half = (PAGE_TOP + PAGE_BOTTOM) / 2
    for number, pieces in enumerate(pages[1:-1], start=2):
        assert lowest_text(pieces) < half, f"page {number} of {len(pages)} is mostly empty"


def test_a_pack_in_several_parts_leaves_no_page_mostly_empty(seed):
    """Each part starts on a new page: a part whose last page would be mostly empty
    leaves it off and hands its rows to the next part, so every row is printed once,
    in order, and no page in the middle is a gap."""
    pack = selectors.board_pack(plans=[seed["stockton-ofsted-cp-2013"]])
    data = rendered(pack, rows_per_part=8)
    pages = pdf_pieces(data)
    half = (PAGE_TOP + PAGE_BOTTOM) / 2
    for number, pieces in enumerate(pages[1:-1], start=2):
        assert lowest_text(pieces) < half, f"page {number} of {len(pages)} is mostly empty"
    walked = [part for _, part in pdf.walk_pack(pack, 8)]
    assert any(part.kept_rows for part in walked), "no part handed rows on: nothing tested"
    text = squashed(pdf_text(data))
    for row in pack.rows:
        assert text.count(squashed(row.text[:80])) == 1, row.ref
    found = row_pages(pack, data)
    assert {row.ref for row in pack.rows} <= set(found)
    starts = [found[row.ref][0] for row in pack.rows]
    assert starts == sorted(starts)  # in the pack's order


# The exception report -------------------------------------------------------------------
def test_exception_report_lists_each_action_once_with_the_reasons(seed):
    plan = seed["norfolk-cap-2017"]
    red = plan.actions.get(ref="1.1")
    red.rag = RAG.RED
    red.save()
    report = selectors.exception_report(plans=[plan], group_by="review")
    refs = [row.ref for row in report.rows]
    assert len(refs) == len(set(refs)) > 1
    cited_twice = next(row for row in report.rows if len(row.citations) > 1)
    assert cited_twice.ref in refs
    first = next(row for row in report.rows if row.ref == "1.1")
    assert [words for _, words in first.exception_reasons][0] == "Red"

    data = pdf.render_pack(report, cache=False)
    text = squashed(pdf_text(data))
    assert "Introduction" not in pdf_text(data)
    assert squashed(plan.introduction[:60]) not in text
    assert squashed("Why it is listed") in text
    for row in report.rows:
        assert text.count(squashed(row.text[:60])) == 1, row.ref
        for _, words in row.exception_reasons:
            assert squashed(words) in text


def test_the_exception_page_shows_the_reasons(client, personas, seed):
    client.force_login(personas.chair)
    html = client.get(reverse("reporting:exceptions", args=["norfolk-cap-2017"])).content.decode()
    assert "Overdue" in html and "No recent update" in html


# Summary tables and citations in the plan's own words --------------------------------------
@pytest.mark.parametrize(
    ("slug", "grouping"),
    [
        ("stockton-ofsted-cp-2013", "Recommendation"),
        ("norfolk-lscb-business-plan-2014-16", "Strategic priority"),
        ("norfolk-scr-case-l-2014", "Finding"),
        ("norfolk-cap-2017", "Theme"),
        ("stockton-jtai-neglect-2018", "Theme"),
    ],
)
def test_summary_tables_name_the_plans_own_grouping(seed, slug, grouping):
    pack = selectors.board_pack(plans=[seed[slug]])
    summary = pack.summaries[0]
    assert summary.row_heading == grouping
    assert summary.title == f"Actions by RAG status and {grouping.lower()}"


def test_summary_table_of_a_recommendation_plan_prints_its_heading(seed):
    pack = selectors.board_pack(plans=[seed["stockton-ofsted-cp-2013"]])
    text = squashed(pdf_text(rendered(pack)))
    assert squashed("Actions by RAG status and recommendation") in text
    assert squashed("RecommendationBlue") in text  # the table's first heading
    assert squashed("and theme") not in text


def test_reviews_cited_are_the_short_references_as_written(seed):
    norfolk = [seed["norfolk-cap-2017"], seed["norfolk-scr-case-l-2014"]]
    pack = selectors.board_pack(plans=norfolk)
    cap_rows = [row for row in pack.rows if row.plan_slug == "norfolk-cap-2017"]
    written = dict(Action.objects.filter(plan=norfolk[0]).values_list("ref", "answers_as_written"))
    assert written["1.1"] == "D, L"
    assert all(row.answers == written[row.ref] for row in cap_rows if written[row.ref])
    case_l_rows = [row for row in pack.rows if row.plan_slug == "norfolk-scr-case-l-2014"]
    assert {row.answers for row in case_l_rows} >= {"Finding 1"}
    assert pack.plans[1].review == "Case L"

    text = squashed(pdf_text(rendered(pack)))
    assert squashed("1.1D,L") in text
    assert squashed("Case D, Case L") not in text
    assert squashed("answering Case L") in text  # named once, on the cover


def test_a_plan_answering_one_review_names_it_once_not_on_every_row(seed):
    plan = seed["stockton-jtai-neglect-2018"]
    pack = selectors.board_pack(plans=[plan])
    assert pack.review == "JTAI Stockton-on-Tees November 2017"
    assert all(pack.review not in row.answers for row in pack.rows)
    text = pdf_text(rendered(pack))
    assert text.count("JTAI Stockton-on-Tees November 2017") <= 2


# The whole-board pack and "changes since" --------------------------------------------------
def test_the_reports_page_offers_a_whole_board_pack(client, personas, seed):
    client.force_login(personas.chair)
    html = client.get(reverse("reporting:plan_reports", args=["norfolk-cap-2017"])).content
    html = html.decode()
    assert f'action="{reverse("reporting:pack")}"' in html
    norfolk = Plan.objects.filter(board__slug="norfolk")
    for plan in norfolk:
        assert f'type="checkbox" value="{plan.slug}" checked' in html
    query = "&".join(f"plan={plan.slug}" for plan in norfolk) + "&group_by=theme"
    response = client.get(reverse("reporting:pack") + "?" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Composite board report: {norfolk.count()} plans" in text


@pytest.mark.parametrize(
    "meeting",
    [
        pytest.param(datetime.date(2025, 3, 4), id="winter"),  # London is on UTC
        # Summer time: London's midnight is 23:00 UTC the day before.
        pytest.param(datetime.date(2025, 7, 8), id="summer"),
    ],
)
def test_changes_since_a_day_include_that_day(seed, meeting):
    """A change at 00:30 London time on the day is listed, one at 23:30 the evening
    before is not: the day starts at London's midnight, not at UTC's (in summer,
    00:30 London is 23:30 UTC the day before)."""
    plan = seed["norfolk-cap-2017"]
    london = ZoneInfo("Europe/London")
    long_ago = datetime.datetime(2025, 1, 10, 12, 0, tzinfo=datetime.UTC)
    actions = list(plan.actions.values_list("pk", flat=True))
    with audit_lock.unlocked():  # the test moves the trail into the past
        for model, filters in (
            (Plan, {"id": plan.pk}),
            (Action, {"plan_id": plan.pk}),
        ):
            model.history.model.objects.filter(**filters).update(history_date=long_ago)
    assert actions
    day_before = meeting - datetime.timedelta(days=1)
    evening = datetime.datetime.combine(day_before, datetime.time(23, 30), london)
    morning = datetime.datetime.combine(meeting, datetime.time(0, 30), london)
    for ref, when in (("1.2", evening), ("1.1", morning)):
        action = plan.actions.get(ref=ref)
        action.rag = RAG.GREEN if action.rag == RAG.RED else RAG.RED
        action.save()
        latest = action.history.order_by("-history_date", "-history_id").first()
        with audit_lock.unlocked():
            type(latest).objects.filter(pk=latest.pk).update(history_date=when)
    if meeting.month == 7:  # the case a UTC day would get wrong
        assert morning.astimezone(datetime.UTC).date() == day_before

    def moved(since):
        report = selectors.changes_since(plans=[plan], since=since)
        return sorted((c.kind, c.row.ref) for c in report.changes)

    assert moved(meeting) == [("rag", "1.1")]  # the morning's, not the evening's
    assert moved(meeting + datetime.timedelta(days=1)) == []
    assert moved(day_before) == [("rag", "1.1"), ("rag", "1.2")]
