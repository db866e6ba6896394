"""Board pack PDF speed, as ratios against baselines rendered in the same run.

Renders (no database: the pack's rows are built in memory, the sizes of the issue:
action 25-60 words, progress 20-80 words, 4 themes):

- baseline: the whole pack as one plain WeasyPrint document (automatic table layout);
- cold: `reporting.pdf.render_pack` with an empty part cache (parts rendered ahead on
  every core, each again if the part before it handed it the rows of a mostly empty
  last page);
- one action changed: `render_pack` again after changing one row (warm cache);
- after 5 changes and the worker catching up, end to end (`bench_ready`: a plan in the
  database, five updates recorded through the services, `db_worker` running the
  prerender tasks, the chair's GET of the pack timed): against Chromium (goal <= 0.5x);
  and the same on the synthetic pack without the database (`walk_pack`, `render_pack`);
- Chromium print-to-PDF of the same HTML (when /usr/bin/chromium exists);
- 2,000 actions as the background worker renders them: time and peak memory.

Data: the "as at" query over 10,000 actions and 100,000 history rows, in a throwaway
PostgreSQL database this benchmark creates and drops.

`BENCH_QUICK=1` runs each measure once instead of three times.
"""

import datetime
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from io import BytesIO
from multiprocessing import get_context
from pathlib import Path

import django
from pypdf import PdfReader

CHROMIUM = Path("/usr/bin/chromium")
FILESYSTEM = "django.core.files.storage.FileSystemStorage"
THEMES = ["Professional curiosity", "Information sharing", "Joint working", "Management grip"]
WORD_LIST = (
    "the board agency partners will review audit children young people families practice "
    "safeguarding training multi-agency referral assessment plan neglect early help "
    "school health police council social care workers managers evidence quality outcomes "
    "learning with for and of to in on by from each all new local case report meeting "
    "quarterly strategy thresholds guidance develop implement monitor ensure improve "
    "share"
)
WORDS = WORD_LIST.split()


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def synthetic_pack(size: int, seed: int = 1):
    """A pack of `size` actions in four themes, built without a database."""
    from actionplans.models import RAG, Plan
    from reporting import selectors
    from reviews.models import Board

    rng = random.Random(seed)
    plan = Plan(
        title="Synthetic composite action plan",
        slug="synthetic",
        rag_legend={"red": "Behind schedule", "green": "On track", "blue": "Completed"},
        columns={"answers": "SCR Ref"},
    )
    plan.board = Board(name="Synthetic Safeguarding Children Partnership", short_name="SSCP")
    statuses = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE]
    rows = []
    for index in range(size):
        theme = index * len(THEMES) // size
        rag = rng.choice(statuses)
        due = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 900))
        rows.append(
            selectors.PackRow(
                action_id=index + 1,
                plan_slug=plan.slug,
                plan_title=plan.title,
                ref=f"{theme + 1}.{index + 1}",
                text=_words(rng, 25, 60),
                objective="",
                answers=", ".join(rng.sample("DIJKLMNOPQRS", rng.randint(1, 4))),
                citations=[],
                lead_agency=rng.choice(["Police", "Health", "Council", "Education"]),
                lead_agency_name="",
                lead_person=rng.choice(["Head of Service", "DCI Smith", "Named Nurse"]),
                target_text=f"{due:%d/%m/%y}",
                due_date=due,
                slipped_from="",
                rag=rag,
                rag_label=plan.rag_label(rag),
                progress=_words(rng, 20, 80),
                progress_as_at=datetime.date(2025, 3, 31),
                progress_label="Update March 2025",
                next_steps="",
                evidence=_words(rng, 3, 15),
                evidence_files=[],
                flags=[("overdue", "Overdue")] if due < datetime.date(2025, 6, 1) else [],
                theme_key=f"theme-{theme}",
                theme_title=THEMES[theme],
            )
        )
    return selectors.assemble_pack(
        plans=[plan], rows=rows, as_at=datetime.date(2025, 6, 30), group_by="theme"
    )


def _timed(function, repeat: int) -> float:
    """Median wall time of `repeat` runs (each run may set itself up first)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pages(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def _chromium(html: str, workdir: Path) -> None:
    source, target = workdir / "pack.html", workdir / "pack.pdf"
    source.write_text(html, encoding="utf-8")
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )


def _line(label: str, seconds: float, baseline: float | None = None, goal: str = "") -> None:
    ratio = f"{baseline / seconds:5.1f}x faster" if baseline else ""
    print(f"   {label:<38} {seconds:6.2f} s  {ratio}  {goal}".rstrip())


def _empty_part_cache(parent: Path | None = None) -> Path:
    """A new, empty part cache: this process's local copy and the stored parts both."""
    from django.conf import settings
    from django.test import override_settings

    folder = Path(tempfile.mkdtemp(dir=parent, prefix="bench-pdf-cache-"))
    storages = {**settings.STORAGES, "default": {"BACKEND": FILESYSTEM, "OPTIONS": {}}}
    storages["default"]["OPTIONS"]["location"] = str(folder / "files")
    # Left in force (the warm measure after it uses the same cache).
    override_settings(STORAGES=storages, REPORT_CACHE_DIR=folder / "local").enable()
    return folder


def bench_render(size: int, repeat: int) -> None:
    from reporting import pdf

    pack = synthetic_pack(size)
    workdir = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        plain_html = pdf.pack_html(pack, plain=True)
        tuned_html = pdf.pack_html(pack)

        def cold():
            _empty_part_cache(workdir)
            return pdf.render_pack(pack)

        # Round-robin, so that load from elsewhere on the machine (it comes and goes
        # over minutes) weighs on every measure alike, then the median of each.
        measures = {
            "baseline": lambda: pdf.render_pdf(plain_html),
            "single": lambda: pdf.render_pdf(tuned_html),
            "cold": cold,
        }
        if CHROMIUM.exists():
            measures["chromium"] = lambda: _chromium(tuned_html, workdir)
        samples = {name: [] for name in measures}
        for _ in range(repeat):
            for name, function in measures.items():
                samples[name].append(_timed(function, 1))
        median = {name: statistics.median(times) for name, times in samples.items()}
        baseline, cold_time = median["baseline"], median["cold"]
        data = cold()
        changed_rows = iter(range(repeat))

        def one_changed():
            row = pack.sections[2].rows[next(changed_rows) * 7]
            row.progress += " Updated for the next board meeting."
            pdf.render_pack(pack)

        warm = _timed(one_changed, repeat)
        ready = statistics.median(_after_changes_and_worker(pack) for _ in range(repeat))
        print(f"   {size} actions, {_pages(data)} A4 landscape pages (median of {repeat}):")
        print(f"   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        _line("plain auto-layout table (baseline)", baseline)
        _line("fixed layout, one document", median["single"], baseline)
        _line("render_pack cold (parts ahead, every core)", cold_time, baseline, "goal >= 2.5x")
        _line("render_pack, one action changed", warm, baseline, "goal >= 10x")
        if "chromium" in median:
            chromium = median["chromium"]
            _line("Chromium print-to-PDF, same HTML", chromium)
            rounds = zip(samples["cold"], samples["chromium"], strict=True)
            ratios = sorted(ours / theirs for ours, theirs in rounds)
            spread = ", ".join(f"{ratio:.2f}" for ratio in ratios)
            print(
                f"   render_pack cold / Chromium: {cold_time / chromium:.2f} (goal <= 2; "
                f"each round: {spread})"
            )
            _line("synthetic: 5 changes, walk, render_pack", ready)
        else:
            print("   Chromium: not installed, not measured")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench_ready(size: int, repeat: int) -> None:
    """The chair's download after five approvals and the worker catching up, end to end.

    A plan of `size` actions in a throwaway database; the background worker
    (`manage.py db_worker --batch`, in this process) renders its pack into the part
    cache through the real tasks (`reporting.prerender`: one task a part, each queuing
    the next); five updates are recorded through the services, whose signals ask for
    a refresh; the worker catches up; then the chair's GET of the plan's board pack
    (database read, pack built, parts joined) is timed, against Chromium printing the
    same pack's HTML in the same run.
    """
    from django.core.management import call_command
    from django.test import Client, override_settings

    from actionplans import services
    from actionplans.models import RAG, Action, Membership, Plan, Role
    from actionplans.synthetic import generate_actions
    from bench.common import bench_database
    from reporting import pdf, selectors

    def worker() -> float:
        started = time.perf_counter()
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        return time.perf_counter() - started

    workdir = Path(tempfile.mkdtemp(prefix="bench-pdf-ready-"))
    with bench_database("bench_pdf_ready"), override_settings(REPORT_PRERENDER_DELAY=0):
        from django.contrib.auth import get_user_model

        board = generate_actions(board_slug="ready", actions=size, history=0)
        plan = Plan.objects.get(board=board)
        users = {}
        for role in (Role.MANAGER, Role.CHAIR):
            users[role] = get_user_model().objects.create(username=f"bench-{role}")
            Membership.objects.create(user=users[role], board=board, role=role)
        folder = _empty_part_cache(workdir)
        from reporting import prerender

        prerender.plan_changed(plan.pk)
        first = worker()
        actions = list(Action.objects.filter(plan=plan).order_by("position", "id"))
        client = Client()
        client.force_login(users[Role.CHAIR])
        url = f"/reports/plans/{plan.slug}/board-pack.pdf"
        catch_up, download, chromium = [], [], []
        html = pdf.pack_html(selectors.board_pack(plans=[plan]))
        for round_number in range(repeat):
            for index in range(5):
                action = actions[(index * len(actions)) // 5 + 3 + round_number]
                services.update_record(
                    action=action,
                    recorder=users[Role.MANAGER],
                    rag=RAG.AMBER if action.rag != RAG.AMBER else RAG.GREEN,
                    progress=f"Approved at the quarter's end, round {round_number}.",
                )
            catch_up.append(worker())
            started = time.perf_counter()
            response = client.get(url)
            download.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            assert response["Content-Type"] == "application/pdf", response["Content-Type"]
            if CHROMIUM.exists():
                started = time.perf_counter()
                _chromium(html, workdir)
                chromium.append(time.perf_counter() - started)
        pages = _pages(response.content)
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"   {size} actions in the database, {pages} pages (median of {repeat}):")
    _line("worker, first render (a task a part)", first)
    _line("worker catching up after 5 changes", statistics.median(catch_up))
    ready = statistics.median(download)
    _line("chair's download (GET, parts cached)", ready)
    if chromium:
        theirs = statistics.median(chromium)
        _line("Chromium print-to-PDF, same HTML", theirs)
        print(f"   download after 5 changes / Chromium: {ready / theirs:.2f} (goal <= 0.5)")


def _after_changes_and_worker(pack) -> float:
    """Five actions change, the worker catches up, then the chair downloads the pack.

    The worker's part tasks (`reporting.prerender`) render each changed part into the
    part cache; only the download (`render_pack`, every part cached) is timed.
    """
    from reporting import pdf

    rows = pack.rows
    for index in range(5):
        rows[(index * len(rows)) // 5 + 3].progress += " Approved at the quarter's end."
    for _ in pdf.walk_pack(pack):  # the worker's part tasks, before anyone asks
        pass
    started = time.perf_counter()
    pdf.render_pack(pack)
    return time.perf_counter() - started


def _worker_render(size: int, queue) -> None:
    from reporting import pdf

    folder = _empty_part_cache()
    pack = synthetic_pack(size, seed=2)
    started = time.perf_counter()
    data = pdf.render_pack(pack)
    elapsed = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    queue.put((elapsed, _pages(data), own / 1024, children / 1024))


def bench_worker(size: int) -> None:
    """The background task's render in a fresh process: time and peak memory (KB -> MB)."""
    context = get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_worker_render, args=(size, queue))
    process.start()
    elapsed, pages, own, children = queue.get()
    process.join()
    print(f"   {size} actions, {pages} pages, as the worker renders them: {elapsed:.1f} s")
    print(f"   peak memory: {own:.0f} MB main process, {children:.0f} MB largest render process")
    print("   aims: < 25 s and < 500 MB")


def bench_as_at(actions: int, history: int) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("   as at query: skipped (needs PostgreSQL: set DATABASE_URL)")
        return
    from django.core.management import call_command

    name = f"bench_asat_{os.getpid()}"
    original = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0)
        plans, day = _as_at_data(actions, history)
        _as_at_measure(plans, day, actions, history)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _as_at_data(actions: int, history: int):
    """Plans with `actions` actions whose history has `history` rows over two years."""
    from django.utils import timezone

    from actionplans.models import RAG, Action, Agency, Plan, Theme
    from reviews.models import Board

    rng = random.Random(3)
    board = Board.objects.create(slug="bench", name="Bench partnership", short_name="BP")
    agency = Agency.objects.create(board=board, short_name="Police", name="Police")
    plans = []
    for number in range(4):
        plan = Plan.objects.create(board=board, slug=f"bench-{number}", title=f"Plan {number}")
        themes = [
            Theme.objects.create(plan=plan, key=str(key), title=title)
            for key, title in enumerate(THEMES)
        ]
        plans.append((plan, themes))
    rows = [
        Action(
            plan=plan,
            ref=f"{index}",
            text=_words(rng, 25, 60),
            theme=rng.choice(themes),
            lead_agency=agency,
            target_text="31/03/25",
            rag=rng.choice(RAG.values),
            position=index,
        )
        for index in range(actions)
        for plan, themes in [plans[index % len(plans)]]
    ]
    created = Action.objects.bulk_create(rows, batch_size=2000)
    historical = Action.history.model
    recorded = {field.attname for field in historical._meta.concrete_fields}
    names = [f.attname for f in Action._meta.concrete_fields if f.attname in recorded]
    start = timezone.now() - datetime.timedelta(days=730)
    records = []
    per_action = history // actions
    for action in created:
        for step in range(per_action):
            record = historical(**{name: getattr(action, name) for name in names})
            record.rag = rng.choice(RAG.values)
            record.history_date = start + datetime.timedelta(days=step * 73, hours=action.pk % 24)
            record.history_type = "+" if step == 0 else "~"
            records.append(record)
    historical.objects.bulk_create(records, batch_size=5000)
    from actionplans import audit_lock

    with audit_lock.unlocked():  # dating the synthetic history: past the audit triggers
        for model in (Plan, Agency, Theme):
            model.history.model.objects.update(history_date=start)
    with_history = [plan for plan, _ in plans]
    return with_history, (start + datetime.timedelta(days=400)).date()


def _as_at_measure(plans, day, actions: int, history: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting import selectors

    selectors.pack_state(plans, day)  # warm the connection
    with CaptureQueriesContext(connection) as queries:
        query = _timed(lambda: selectors.pack_state(plans, day), 3)
    whole = _timed(lambda: selectors.board_pack(plans=plans, as_at=day), 3)
    today = _timed(lambda: selectors.board_pack(plans=plans), 3)
    count = selectors.board_pack(plans=plans, as_at=day).action_count
    print(f"   as at {day}: {count} actions, {history} history rows, {len(queries) // 3} queries")
    _line("data query (history tables)", query, goal="aim < 2 s")
    _line("whole pack as at then", whole)
    _line("whole pack today (no history)", today)


def main() -> None:
    django.setup()
    quick = os.environ.get("BENCH_QUICK") == "1"
    repeat = 1 if quick else 3
    print("-- render 500 actions")
    bench_render(500, repeat)
    print("-- after 5 changes and the worker catching up: the download, end to end")
    bench_ready(500, repeat)
    print("-- worker, 2,000 actions")
    bench_worker(2000)
    print("-- as at query")
    bench_as_at(10_000, 100_000)
