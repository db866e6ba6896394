"""Progress updates submitted at once by many leads: rate, and nothing lost.

Goal (issue: roles and workflow): at least 150 submissions per second sustained,
0 lost, 0 overwritten. Baseline: one lead submitting alone, in the same run.
"""

import os
import threading
import time
import uuid

from bench.common import bench_database

SECONDS = 3 if os.environ.get("BENCH_QUICK") else 8
THREADS = 8


def main() -> None:
    with bench_database("bench_updates"):
        from django.contrib.auth import get_user_model
        from django.db import connection

        from actionplans import services
        from actionplans.models import RAG, Action, Agency, Membership, ProgressUpdate, Role
        from actionplans.synthetic import generate_actions

        board = generate_actions(actions=200, history=200)
        agency = Agency.objects.filter(board=board).first()
        actions = list(Action.objects.filter(lead_agency=agency)[:20])
        leads = []
        for n in range(THREADS):
            lead = get_user_model().objects.create(username=f"lead-{n}")
            Membership.objects.create(user=lead, board=board, role=Role.LEAD).agencies.add(agency)
            leads.append(lead)

        def submit_for(lead, seconds, counter):
            deadline = time.perf_counter() + seconds
            n = 0
            while time.perf_counter() < deadline:
                services.update_submit(
                    action=actions[n % len(actions)],
                    author=lead,
                    rag=RAG.AMBER,
                    progress=f"{lead.username} {n}",
                    submission_key=uuid.uuid4(),
                )
                n += 1
            counter.append(n)
            connection.close()

        alone: list[int] = []
        submit_for(leads[0], SECONDS / 2, alone)
        baseline = alone[0] / (SECONDS / 2)
        ProgressUpdate.objects.all().delete()

        counts: list[int] = []
        threads = [
            threading.Thread(target=submit_for, args=(lead, SECONDS, counts)) for lead in leads
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        submitted = sum(counts)
        stored = ProgressUpdate.objects.count()
        distinct = ProgressUpdate.objects.values("progress").distinct().count()
        rate = submitted / elapsed
        print(f"   one lead alone: {baseline:.0f} submissions/s (baseline)")
        print(
            f"   {THREADS} leads at once for {elapsed:.1f} s: {rate:.0f} submissions/s "
            f"({rate / baseline:.2f}x baseline; goal >= 150/s: "
            f"{'met' if rate >= 150 else 'missed'})"
        )
        print(
            f"   submitted {submitted}, stored {stored}, distinct {distinct}: "
            f"lost {submitted - stored}, overwritten {stored - distinct}"
        )
