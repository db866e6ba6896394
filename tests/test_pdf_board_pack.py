"""The board pack PDF: what a PIQAG chair takes to the board, read back with pypdf.

Each seed plan is rendered once per session (`seed_pdf`) for the read-only checks;
tests that change data render their own, small packs.
"""

import datetime
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader
from samples import SEED_SLUGS

from actionplans import audit_lock
from actionplans.models import (
    RAG,
    Action,
    ActionSource,
    Agency,
    Plan,
    ProgressUpdate,
    Theme,
    UpdateStatus,
)
from reporting import pdf, selectors

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2025, 1, 10, 12, 0, tzinfo=datetime.UTC)
_RENDERED: dict[tuple, bytes] = {}


@pytest.fixture
def seed_pdf(seed):
    """The board pack of an unchanged seed plan, rendered once per session."""

    def render(slug: str, *, public: bool = False) -> bytes:
        key = (slug, public, timezone.localdate())
        if key not in _RENDERED:
            pack = selectors.board_pack(plans=[seed[slug]], public=public)
            _RENDERED[key] = pdf.render_pack(pack)
        return _RENDERED[key]

    return render


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def squashed(text: str) -> str:
    """Text without any whitespace: table cells wrap wherever the column ends."""
    return re.sub(r"\s+", "", text)


def all_text(data: bytes) -> str:
    return squashed("".join(pages_text(data)))


def render_actions(plan: Plan, refs: list[str], **options) -> bytes:
    """A pack of a few of a plan's actions: quick, for tests that change data."""
    actions = Action.objects.filter(plan=plan, ref__in=refs)
    pack = selectors.board_pack(plans=[plan], actions=actions, **options)
    return pdf.render_pack(pack, cache=False)


def backdate_history(plan: Plan, when: datetime.datetime) -> None:
    """Pretend the plan was loaded (and last changed) at `when`."""
    actions = list(plan.actions.values_list("pk", flat=True))
    for model, filters in (
        (Plan, {"id": plan.pk}),
        (Theme, {"plan_id": plan.pk}),
        (Agency, {"board_id": plan.board_id}),
        (Action, {"plan_id": plan.pk}),
        (ActionSource, {"action_id__in": actions}),
        (ProgressUpdate, {"action_id__in": actions}),
    ):
        # The audit trail refuses changes: a test dating it must say so.
        with audit_lock.unlocked():
            model.history.model.objects.filter(**filters).update(history_date=when)


def dated(instance, when: datetime.datetime) -> None:
    """Date the latest history row of `instance` (the change just saved) at `when`."""
    latest = instance.history.order_by("-history_date", "-history_id").first()
    with audit_lock.unlocked():
        type(latest).objects.filter(pk=latest.pk).update(history_date=when)


# What a board pack prints ---------------------------------------------------------------
@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_seed_plan_pack_prints_every_ref_and_target_date_and_numbers_its_pages(
    seed, seed_pdf, slug
):
    pages = pages_text(seed_pdf(slug))
    text = squashed("".join(pages))
    actions = list(seed[slug].actions.all())
    assert actions
    for action in actions:
        assert squashed(action.ref) in text, action.ref
        assert squashed(action.target_text) in text, (action.ref, action.target_text)
        assert squashed(action.text[:80]) in text, action.ref
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        footer = re.findall(r"Page(\d+)of(\d+)", squashed(page))[-1]
        assert footer == (str(number), str(len(pages)))


def test_stockton_jtai_legend_is_printed_in_the_plans_own_words(seed_pdf):
    text = "".join(pages_text(seed_pdf("stockton-jtai-neglect-2018")))
    for words in ("Behind schedule", "On track", "Completed"):
        assert words in text
    assert "Red – Behind schedule" in text  # colour always with words


def test_cover_and_summary_show_the_board_the_date_and_the_counts(seed, seed_pdf):
    cover, *rest = pages_text(seed_pdf("stockton-ofsted-cp-2013"))
    assert "Stockton-on-Tees Local Safeguarding Children Board" in cover
    assert f"Position as at {timezone.localdate():%-d %B %Y}" in cover
    summary = squashed("".join(rest[:3]))
    assert squashed("Actions by RAG status and recommendation") in summary
    assert squashed("Actions by RAG status and lead agency") in summary
    assert squashed("58 actions:") in summary
    assert "Recommendation1" in summary


def test_pack_is_a_tagged_pdf_with_title_language_and_bookmarks(seed, seed_pdf):
    reader = PdfReader(BytesIO(seed_pdf("norfolk-cap-2017")))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Serious Case Review Composite Action Plan January 2017"
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    tree = root["/StructTreeRoot"]
    document = tree["/K"][0].get_object()
    assert document["/S"] == "/Document" and len(document["/K"]) > 10
    parent_tree = tree["/ParentTree"]["/Nums"]
    assert parent_tree[::2] == list(range(len(reader.pages)))  # every page mapped once
    assert sorted(page["/StructParents"] for page in reader.pages) == list(range(len(reader.pages)))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    for theme in seed["norfolk-cap-2017"].themes.all():
        assert theme.title in titles


def test_composite_report_groups_by_theme_and_cites_reviews_as_each_plan_writes_them(seed):
    cap, case_l = seed["norfolk-cap-2017"], seed["norfolk-scr-case-l-2014"]
    actions = Action.objects.filter(plan__in=[cap, case_l], ref__in=["1.4", "4.11", "1.1"])
    pack = selectors.board_pack(plans=[cap, case_l], actions=actions)
    assert [section.subtitle for section in pack.sections] == [
        cap.title,
        cap.title,
        case_l.title,
    ]
    text = all_text(pdf.render_pack(pack, cache=False))
    # The CAP's own "SCR Ref" column; Case L answers one review, named on the cover.
    for words in ("K, O, P, Q, R", "Finding 1", "answering Case L"):
        assert squashed(words) in text
    assert squashed("Case K") not in text


def test_a_plan_answering_one_review_cites_only_its_findings_on_each_row(seed):
    ofsted = seed["stockton-ofsted-cp-2013"]
    pack = selectors.board_pack(plans=[ofsted])
    review = "Ofsted CP inspection January 2013"
    assert pack.review == review
    answers = {row.answers for row in pack.rows}
    assert "Rec 1" in answers and not any(review in text for text in answers)
    text = all_text(pdf.render_pack(pack, cache=False))
    assert squashed(f"Answers{review}") in text  # on the cover, once
    assert text.count(squashed(review)) == 1
    # A composite pack (several reviews) and a column written in the plan stay as they were.
    cap = selectors.board_pack(plans=[seed["norfolk-cap-2017"]])
    assert cap.review == "" and "K,O,P,Q,R" in {row.answers for row in cap.rows}


# Public version -------------------------------------------------------------------------
def test_public_version_leaves_out_lead_initials_but_keeps_agencies(seed_pdf):
    internal = "".join(pages_text(seed_pdf("stockton-ofsted-cp-2013")))
    public = "".join(pages_text(seed_pdf("stockton-ofsted-cp-2013", public=True)))
    assert "SMcL" in internal and "JH SMcL" in internal  # the test can fail
    for initials in ("SMcL", "RB / KS / MG", "JH"):
        assert initials not in public
    assert "SBC" in public and "Public version" in public

    plan = "".join(pages_text(seed_pdf("norfolk-lscb-business-plan-2014-16", public=True)))
    assert "DA/AM" not in plan and "Irene Kerry" not in plan
    assert "NSCB" in plan


# As at a past date ----------------------------------------------------------------------
def test_as_at_a_past_date_prints_the_old_rag_and_today_the_new_one(seed):
    plan = seed["stockton-jtai-neglect-2018"]
    backdate_history(plan, LONG_AGO)
    action = plan.actions.get(ref="1.1")
    action.rag = RAG.RED
    action.save()
    dated(action, datetime.datetime(2025, 3, 15, 9, 0, tzinfo=datetime.UTC))

    before = render_actions(plan, ["1.1"], as_at=datetime.date(2025, 3, 14))
    after = render_actions(plan, ["1.1"], as_at=datetime.date(2025, 3, 15))
    today = render_actions(plan, ["1.1"])
    red = "Red – Behind schedule"
    # The legend prints "Red – Behind schedule" once; the row and the summary add more.
    assert "".join(pages_text(before)).count(red) == 1
    assert "".join(pages_text(after)).count(red) > 1
    assert "".join(pages_text(today)).count(red) > 1
    assert "Position as at 14 March 2025" in pages_text(before)[0]


def test_as_at_uses_the_actions_updates_and_wording_of_that_day(seed):
    plan = seed["stockton-jtai-neglect-2018"]
    backdate_history(plan, LONG_AGO)
    first = plan.actions.get(ref="1.1")
    first.text = "Reworded after the board met."
    first.target_text = "December 2025"
    first.save()
    dated(first, datetime.datetime(2025, 4, 1, tzinfo=datetime.UTC))
    update = ProgressUpdate.objects.create(
        action=first,
        as_at=datetime.date(2025, 4, 1),
        progress="Hub review finished in April.",
        rag=RAG.GREEN,
        status=UpdateStatus.APPROVED,
    )
    dated(update, datetime.datetime(2025, 4, 2, tzinfo=datetime.UTC))
    pending = ProgressUpdate.objects.create(
        action=first, as_at=datetime.date(2025, 4, 3), progress="Not approved yet.", rag="red"
    )
    dated(pending, datetime.datetime(2025, 4, 3, tzinfo=datetime.UTC))
    Action.objects.create(plan=plan, ref="9.9", text="Added later", theme=first.theme)

    then = selectors.board_pack(plans=[plan], as_at=datetime.date(2025, 3, 31))
    rows = {row.ref: row for row in then.rows}
    assert "9.9" not in rows
    assert rows["1.1"].text.startswith("A review of the resilience")
    assert rows["1.1"].target_text == ""
    assert rows["1.1"].progress.startswith("Children's Hub Strategic Management Board")

    later = selectors.board_pack(plans=[plan], as_at=timezone.localdate())
    rows = {row.ref: row for row in later.rows}
    assert rows["1.1"].text == "Reworded after the board met."
    assert rows["1.1"].progress == "Hub review finished in April."  # not the pending one
    assert "9.9" in rows


def test_as_at_before_a_plan_existed_prints_no_actions(seed):
    plan = seed["norfolk-cap-2017"]
    backdate_history(plan, LONG_AGO)
    pack = selectors.board_pack(plans=[plan], as_at=datetime.date(2024, 12, 31))
    assert pack.rows == [] and pack.plans[0].existed is False


def test_reprinting_the_same_as_at_date_gives_the_same_text(seed):
    plan = seed["stockton-jtai-neglect-2018"]
    backdate_history(plan, LONG_AGO)
    day = datetime.date(2025, 2, 1)
    first = render_actions(plan, ["1.1", "1.2", "2.1"], as_at=day)
    action = plan.actions.get(ref="1.2")
    action.rag = RAG.AMBER
    action.save()  # a change after the date must not show in a reprint
    second = render_actions(plan, ["1.1", "1.2", "2.1"], as_at=day)
    assert pages_text(first) == pages_text(second)


def test_as_at_pack_takes_the_same_number_of_queries_for_one_plan_or_five(seed):
    day = timezone.localdate()
    with CaptureQueriesContext(connection) as one:
        selectors.board_pack(plans=[seed["norfolk-cap-2017"]], as_at=day)
    with CaptureQueriesContext(connection) as five:
        pack = selectors.board_pack(plans=list(seed.values()), as_at=day)
    assert pack.action_count == Action.objects.count()
    assert len(five) <= len(one) + 2  # objectives and findings appear with more plans
    assert len(five) <= 11  # one of them: every action's evidence files


# Exception report and changes since a date -----------------------------------------------
def test_exception_report_lists_red_overdue_slipped_stale_and_contradictions_only(seed):
    plan = seed["stockton-ofsted-cp-2013"]
    full = selectors.board_pack(plans=[plan])
    report = selectors.exception_report(plans=[plan])
    assert {row.ref for row in report.rows} == {row.ref for row in full.rows if row.is_exception}
    assert 0 < len(report.rows) < len(full.rows)
    complete = next(row for row in full.rows if row.rag == RAG.BLUE and not row.flags)
    assert complete.ref not in {row.ref for row in report.rows}

    text = all_text(pdf.render_pack(report, cache=False))
    assert squashed("Exception report") in text
    for row in report.rows:
        assert squashed(row.text[:60]) in text
    assert squashed(complete.text[:60]) not in text


def test_changes_since_a_date_shows_what_moved(seed):
    plan = seed["norfolk-cap-2017"]
    backdate_history(plan, LONG_AGO)
    red = plan.actions.get(ref="1.1")
    red.rag = RAG.RED
    red.save()
    done = plan.actions.get(ref="1.2")
    done.rag = RAG.BLUE
    done.save()
    slipped = plan.actions.get(ref="1.3")
    slipped.target_text = "01/12/27"
    slipped.save()
    Action.objects.create(plan=plan, ref="5.1", text="A brand new action", theme=red.theme)

    report = selectors.changes_since(plans=[plan], since=datetime.date(2025, 2, 1))
    kinds = {(change.kind, change.row.ref) for change in report.changes}
    assert {("rag", "1.1"), ("completed", "1.2"), ("slipped", "1.3"), ("new", "5.1")} <= kinds
    assert len(kinds) == 4
    slip = next(change for change in report.changes if change.kind == "slipped")
    assert (slip.before, slip.after) == ("01/06/17", "01/12/27")

    pages = pages_text(pdf.render_changes(report))
    text = squashed("".join(pages))
    for words in ("Changes since 1 February 2025", "A brand new action", "01/12/27", "Completed"):
        assert squashed(words) in text
    for number, page in enumerate(pages, start=1):
        assert re.findall(r"Page(\d+)of(\d+)", squashed(page))[-1] == (str(number), str(len(pages)))


# The management command --------------------------------------------------------------------
def test_board_pdf_command_writes_the_pack(seed, tmp_path):
    output = tmp_path / "pack.pdf"
    call_command(
        "board_pdf",
        "--plan",
        "stockton-jtai-neglect-2018",
        "--group-by",
        "agency",
        "--public",
        "-o",
        str(output),
    )
    text = "".join(pages_text(output.read_bytes()))
    assert "Public version" in text and "Lead agency" in text
    assert "Kay Nicolson" not in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--plan", "no-such-plan"], "No plan 'no-such-plan'"),
        (["--plan", "norfolk-cap-2017", "--as-at", "31/03/2025"], "is not a date"),
        (["--plan", "norfolk-cap-2017", "--as-at", "2999-01-01"], "in the future"),
        (["--plan", "norfolk-cap-2017", "--group-by", "colour"], "invalid choice"),
    ],
)
def test_board_pdf_command_refuses_bad_options_clearly(seed, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("board_pdf", *arguments, "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


# Nothing is fetched but our own static files ------------------------------------------------
@pytest.fixture
def http_server():
    """A local web server that records every request it gets."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "ftp://example.com/x.png",
        "file://example.com/static/css/app.css",
    ],
)
def test_url_fetcher_refuses_anything_but_static_files(url):
    fetcher = pdf.StaticFilesOnly()
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_url_fetcher_refuses_paths_that_climb_or_link_out_of_static(settings, tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "print.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("secret")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = pdf.StaticFilesOnly(roots=[static])
    assert fetcher.fetch((static / "css" / "print.css").as_uri()).read() == b"p {}"
    for url in (
        f"file://{static}/css/../../secret.txt",
        (static / "link.txt").as_uri(),
        (tmp_path / "secret.txt").as_uri(),
        f"file://{static}/missing.png",
    ):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4


def test_url_fetcher_serves_data_urls_and_our_static_files():
    fetcher = pdf.StaticFilesOnly()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    css = pdf.static_roots()[-1] / "css" / "app.css"
    assert fetcher.fetch(css.as_uri()).read()[:20] == css.read_bytes()[:20]
    assert fetcher.refused == []


def test_hostile_action_text_is_printed_as_text_and_fetches_nothing(seed, http_server):
    server, requests = http_server
    plan = seed["norfolk-cap-2017"]
    action = plan.actions.get(ref="1.1")
    action.text = f'<img src="file:///etc/passwd"> <img src="{server}/tracker.png"> done'
    action.save()
    text = all_text(render_actions(plan, ["1.1"]))
    assert squashed('<img src="file:///etc/passwd">') in text
    assert squashed(f'<img src="{server}/tracker.png">') in text
    assert requests == []


def test_even_unescaped_html_cannot_fetch_files_or_urls(http_server):
    """If escaping ever failed, the fetcher is the second line: it refuses and logs."""
    server, requests = http_server
    fetcher = pdf.StaticFilesOnly()
    html = (
        '<html lang="en-GB"><head><title>t</title>'
        f'<link rel="stylesheet" href="{server}/evil.css"></head><body>'
        '<img src="file:///etc/passwd" alt="a">'
        f'<img src="{server}/x.png" alt="b"><p>Still printed</p></body></html>'
    )
    data = pdf.render_pdf(html, fetcher=fetcher)
    assert "Still printed" in pages_text(data)[0]
    assert sorted(fetcher.refused) == sorted(
        [f"{server}/evil.css", "file:///etc/passwd", f"{server}/x.png"]
    )
    assert requests == []


# Parts, cache and joining ---------------------------------------------------------------------
def test_a_pack_cut_into_many_parts_keeps_every_row_page_numbers_and_tags(seed):
    plan = seed["stockton-ofsted-cp-2013"]
    pack = selectors.board_pack(plans=[plan])
    parts = pdf.part_chunks(pack, rows_per_part=12)
    assert len(parts) >= 5
    assert [row.ref for part in parts for chunk in part for row in chunk.rows] == [
        row.ref for row in pack.rows
    ]
    data = pdf.render_pack(pack, rows_per_part=12, cache=False)
    pages = pages_text(data)
    for number, text in enumerate(pages, start=1):
        assert re.findall(r"Page(\d+)of(\d+)", squashed(text))[-1] == (
            str(number),
            str(len(pages)),
        )
    text = squashed("".join(pages))
    for action in plan.actions.all():
        assert squashed(action.text[:60]) in text
    reader = PdfReader(BytesIO(data))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[1:4] == ["Recommendation 1", "Recommendation 2", "Recommendation 3"]
    assert not any("(continued)" in title for title in titles)


def test_an_unchanged_part_comes_from_the_cache(seed, settings, tmp_path):
    settings.REPORT_CACHE_DIR = tmp_path / "parts"
    plan = seed["stockton-jtai-neglect-2018"]
    pack = selectors.board_pack(plans=[plan])
    pdf.render_pack(pack, rows_per_part=10)
    cached = sorted(path.name for path in (tmp_path / "parts").rglob("*.part"))
    action = plan.actions.get(ref="5.5")
    action.text = "Changed for the next quarter."
    action.save()
    pack = selectors.board_pack(plans=[plan])
    text = all_text(pdf.render_pack(pack, rows_per_part=10))
    assert squashed("Changed for the next quarter.") in text
    now = sorted(path.name for path in (tmp_path / "parts").rglob("*.part"))
    assert len(set(now) - set(cached)) == 1  # only the part with 5.5 was rendered again

    tampered = next((tmp_path / "parts").rglob("*.part"))
    tampered.write_bytes(b"x" * 40)
    assert pdf.cache_load(tampered.stem) is None


def test_rendering_a_part_puts_the_garbage_collector_back_as_it_was():
    import gc

    html = "<html lang='en-GB'><head><title>T</title></head><body><p>Part</p></body></html>"
    assert gc.isenabled()
    assert pdf.render_part(html).page_count == 1
    assert gc.isenabled()
    gc.disable()
    try:
        pdf.render_part(html)
        assert not gc.isenabled()
    finally:
        gc.enable()
