"""List and action pages over 10,000 actions and 100,000 history rows: p50/p95.

Goal (issue: roles and workflow): p50 <= 50 ms for the filtered list and action pages.
Requests go through Django's test client in-process, so the figures are server time.
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
        for label, request in pages.items():
            assert request().status_code == 200, label
            p50, p95 = percentiles(timed(request, REPEAT))
            verdict = "meets" if p50 <= 50 else "misses"
            print(f"   {label:<40} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ({verdict} 50 ms goal)")
