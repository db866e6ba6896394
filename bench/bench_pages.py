"""List and action pages over 10,000 actions and 100,000 history rows: p50/p95.

Goals: p50 <= 50 ms for every action-list case (issue: dashboards and fast lists) and
for the action page (issue: roles and workflow). Requests go through Django's test
client in-process, so the figures are server time. On a shared machine the same page
takes 9 ms one minute and 15 the next, so each case is also printed as a ratio to a
baseline measured in the same rounds: the reviews page, which goes through the same
sign-in, session and layout and lists a handful of rows.
"""

import os
import random
import time

from bench.common import bench_database, percentiles, timed

ACTIONS = int(os.environ.get("BENCH_ACTIONS", 10_000))
HISTORY = int(os.environ.get("BENCH_HISTORY", 100_000))
REPEAT = 10 if os.environ.get("BENCH_QUICK") else 40


def main() -> None:
    with bench_database("bench_pages"):
        from django.contrib.auth import get_user_model
        from django.test import Client

        from actionplans.models import Action, Membership, Role
        from actionplans.synthetic import generate_actions

        started = time.perf_counter()
        board = generate_actions(actions=ACTIONS, history=HISTORY)
        print(
            f"   generated {ACTIONS} actions + {HISTORY} history rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
        # A bulk load is followed by autovacuum's ANALYZE in production; without table
        # statistics PostgreSQL sorts every action for page 100 instead of reading the
        # (due date, plan, position, id) index.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        user = get_user_model().objects.create(username="bench-viewer")
        Membership.objects.create(user=user, board=board, role=Role.VIEWER)
        client = Client()
        client.force_login(user)
        ids = list(Action.objects.values_list("pk", flat=True))
        rng = random.Random(2)
        agency = Action.objects.first().lead_agency_id
        baseline = lambda: client.get("/reviews/")  # noqa: E731
        pages = {
            "action list, first page": lambda: client.get("/actions/"),
            "action list, filtered (RAG + agency)": lambda: client.get(
                "/actions/", {"rag": ["red", "amber"], "agency": agency}
            ),
            "action list, text search": lambda: client.get("/actions/", {"q": "neglect audit"}),
            "action list, page 100 sorted by due": lambda: client.get(
                "/actions/", {"sort": "due", "page": 100}
            ),
            "action page (with history)": lambda: client.get(f"/actions/{rng.choice(ids)}/"),
        }
        samples = {label: [] for label in pages}
        samples["baseline"] = []
        for label, request in [*pages.items(), ("baseline", baseline)]:
            assert request().status_code == 200, label
        # Round-robin, so that a slow minute slows every case, the baseline too.
        for _ in range(REPEAT):
            for label, request in [*pages.items(), ("baseline", baseline)]:
                samples[label] += timed(request, 1)
        base, _ = percentiles(samples.pop("baseline"))
        print(f"   {'baseline: reviews page':<40} p50 {base:6.1f} ms")
        for label, times in samples.items():
            p50, p95 = percentiles(times)
            verdict = "meets" if p50 <= 50 else "misses"
            print(
                f"   {label:<40} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                f"{p50 / base:4.1f}x baseline  ({verdict} 50 ms goal)"
            )
