"""Opening a quarterly round over many actions, agencies and leads.

Goal (issue: the quarterly round): open a round over 2,000 actions led by 200 agencies
with 300 leads in under 2 s, with a number of queries that does not grow with the
number of actions. Baseline, in the same run: inserting the same 2,000 round rows
with a bare `bulk_create` (no checks, no history).
"""

import os
import statistics
import time

from bench.common import bench_database

REPEAT = 3 if os.environ.get("BENCH_QUICK") else 5
ACTIONS = 2000
AGENCIES = 200
LEADS = 300


def main() -> None:
    with bench_database("bench_rounds"):
        import datetime

        from django.contrib.auth import get_user_model
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from actionplans.models import (
            Action,
            Agency,
            Membership,
            Plan,
            Role,
            Round,
            RoundAction,
            RoundPlan,
        )
        from actionplans.rounds.services import RoundRequest, round_open
        from actionplans.synthetic import generate_actions

        board = generate_actions(actions=ACTIONS, history=0)
        agencies = Agency.objects.bulk_create(
            Agency(board=board, short_name=f"Lead agency {n}", name=f"Lead agency {n}")
            for n in range(AGENCIES)
        )
        actions = list(Action.objects.filter(plan__board=board).order_by("id"))
        for n, action in enumerate(actions):
            action.lead_agency = agencies[n % AGENCIES]
            action.rag = "amber"
        Action.objects.bulk_update(actions, ["lead_agency", "rag"], batch_size=1000)
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"lead-{n}", email=f"lead-{n}@example.org")
            for n in range(LEADS)
        )
        memberships = Membership.objects.bulk_create(
            Membership(user=user, board=board, role=Role.LEAD) for user in users
        )
        Through = Membership.agencies.through  # noqa: N806
        Through.objects.bulk_create(
            Through(membership_id=m.pk, agency_id=agencies[n % AGENCIES].pk)
            for n, m in enumerate(memberships)
        )
        manager = get_user_model().objects.create(username="manager")
        Membership.objects.create(user=manager, board=board, role=Role.MANAGER)
        plans = list(Plan.objects.filter(board=board))
        today = timezone.localdate()

        def request(chosen):
            return RoundRequest(
                board=board,
                name="Q3",
                deadline=today + datetime.timedelta(days=14),
                meeting_date=today + datetime.timedelta(days=30),
                plans=chosen,
            )

        def clear():
            from actionplans import audit_lock

            with audit_lock.unlocked():  # a throwaway database: past the audit triggers
                RoundAction.history.all().delete()
                RoundAction.objects.all().delete()
                RoundPlan.history.all().delete()
                RoundPlan.objects.all().delete()
                Round.history.all().delete()
                Round.objects.all().delete()

        def open_round(chosen) -> tuple[float, int]:
            clear()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                with transaction.atomic():
                    round_open(request=request(chosen), by=manager)
                elapsed = time.perf_counter() - started
            return elapsed, len(queries)

        def bare_insert() -> float:
            clear()
            started = time.perf_counter()
            with transaction.atomic():
                round = Round.objects.create(
                    board=board, name="Q3", deadline=today, meeting_date=today
                )
                RoundAction.objects.bulk_create(
                    RoundAction(round=round, action=action, agency_id=action.lead_agency_id)
                    for action in actions
                )
            return time.perf_counter() - started

        open_round(plans)  # warm
        baseline = statistics.median(bare_insert() for _ in range(REPEAT))
        runs = [open_round(plans) for _ in range(REPEAT)]
        elapsed = statistics.median(run[0] for run in runs)
        queries_all = runs[0][1]
        _, queries_one = open_round(plans[:1])
        print(f"   bare bulk_create of {ACTIONS} round rows: {baseline * 1000:.0f} ms (baseline)")
        print(
            f"   round_open over {ACTIONS} actions, {AGENCIES} agencies, {LEADS} leads: "
            f"{elapsed * 1000:.0f} ms median of {REPEAT} ({elapsed / baseline:.1f}x baseline; "
            f"goal < 2 s: {'met' if elapsed < 2 else 'missed'})"
        )
        print(
            f"   queries: {queries_one} for one plan ({ACTIONS // len(plans)} actions), "
            f"{queries_all} for all {len(plans)} plans ({ACTIONS} actions): "
            f"{'not growing' if queries_all == queries_one else 'GROWING'}"
        )
