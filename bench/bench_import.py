"""Import a 5,000-row XLSX plan: dry run, real run, and the same file again.

The target (issue "Import existing plans"): dry run + import under 10 s. The baseline,
measured in the same run, is openpyxl reading the workbook, which no import can beat;
the other figures are printed as multiples of it.
"""

import functools
import io
import os
import random
import statistics
import time

ROWS = 5_000
LIMIT_SECONDS = 10.0
REPEAT = 1 if os.environ.get("BENCH_QUICK") else 3
VOCABULARY = (
    "partners review assurance neglect audit training safeguarding children families practice "
    "referrals threshold information sharing supervision conference early help strategy "
    "learning workforce board evidence impact quality outcomes voice child"
)
LEADS = ["Police", "Health", "Children's Services", "NSCB Business Manager", "Schools", "SMcL"]
TARGETS = ["Sep – Dec 2014", "Jul 2014 onwards", "01/06/17", "Ongoing", "Q3 2016/17", "31.03.15"]
STATUSES = ["Green", "Amber", "Red", "Completed", "Not started", "On track", "A/G"]


def plan_workbook(rows: int = ROWS, seed: int = 1) -> bytes:
    """A plan as boards keep them: a title row, headings, findings written once per block."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Action plan")
    sheet.append(["Benchmark Safeguarding Partnership – action plan"])
    sheet.append([])
    sheet.append(
        ["Finding", "Ref", "Specific actions", "Lead(s)", "Timescales", "BRAG",
         "Progress update", "How will we know"]
    )  # fmt: skip
    for number in range(1, rows + 1):
        finding, item = divmod(number - 1, 25)
        sheet.append(
            [
                f"Finding {finding + 1}. {_sentence(rng, 12)}" if item == 0 else None,
                f"{finding + 1}.{item + 1}",
                _sentence(rng, 25),
                rng.choice(LEADS),
                rng.choice(TARGETS),
                rng.choice(STATUSES),
                _sentence(rng, 20),
                _sentence(rng, 10),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sentence(rng: random.Random, words: int) -> str:
    vocabulary = VOCABULARY.split()
    return " ".join(rng.choice(vocabulary) for _ in range(words)).capitalize() + "."


def main() -> None:
    from bench.common import bench_database

    with bench_database("bench_import"):
        _run()


def _run() -> None:
    from actionplans.importing.plan_rows import build_preview
    from actionplans.importing.readers import read_table
    from actionplans.importing.services import ImportTarget, import_plan_rows
    from actionplans.models import Action, Agency, AgencyKind
    from reviews.models import Board, ReviewKind

    data = plan_workbook()
    board = Board.objects.create(slug="bench", name="Bench Partnership", short_name="BSP")
    for name, kind in [("Police", AgencyKind.POLICE), ("Health", AgencyKind.HEALTH)]:
        Agency.objects.create(board=board, short_name=name, name=name, kind=kind)

    def import_once(slug: str, dry_run: bool):
        target = ImportTarget(board, f"Bench plan {slug}", ReviewKind.SCR, slug, "bench.xlsx")
        preview = build_preview(read_table(data), board=board)
        return import_plan_rows(preview=preview, target=target, author=None, dry_run=dry_run)

    runs = {"read": [], "preview": [], "dry": [], "real": [], "total": []}
    for number in range(REPEAT):
        slug = f"bench-plan-{number}"
        runs["read"].append(_timed(lambda: read_table(data))[0])
        runs["preview"].append(_timed(lambda: build_preview(read_table(data), board=board))[0])
        dry_time, dry = _timed(functools.partial(import_once, slug, dry_run=True))
        real_time, real = _timed(functools.partial(import_once, slug, dry_run=False))
        assert dry.created == real.created == ROWS, (dry, real)
        runs["dry"].append(dry_time)
        runs["real"].append(real_time)
        runs["total"].append(dry_time + real_time)
    again_time, again = _timed(lambda: import_once(slug, dry_run=False))
    assert again.unchanged == ROWS and Action.objects.filter(plan__slug=slug).count() == ROWS

    median = {key: statistics.median(values) for key, values in runs.items()}
    baseline = median["read"]
    print(f"   {ROWS:,}-row XLSX, {len(data) / 1024 / 1024:.1f} MB; medians of {REPEAT}")
    for label, seconds in [
        ("read (openpyxl, baseline)", baseline),
        ("read + preview", median["preview"]),
        ("dry run (read, preview, decide; no writes)", median["dry"]),
        ("import (read, preview, decide, write)", median["real"]),
        ("same file again (nothing changes)", again_time),
    ]:
        print(f"   {label:<44} {seconds:6.2f} s  {seconds / baseline:5.1f}x baseline")
    total = median["total"]
    verdict = "within" if total < LIMIT_SECONDS else "OVER"
    spread = ", ".join(f"{seconds:.2f}" for seconds in sorted(runs["total"]))
    print(
        f"   dry run + import: {total:.2f} s ({verdict} the {LIMIT_SECONDS:.0f} s target; "
        f"runs: {spread} s)"
    )


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


if __name__ == "__main__":
    main()
