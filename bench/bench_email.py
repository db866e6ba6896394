"""Email: 300 invitations sent through a loopback SMTP server (aiosmtpd).

Goal (issue: email sent by the app): at least 50 messages per second, 0 lost, and a
second run sends 0. Baseline: the same 300 messages sent by smtplib alone over one
connection (no database, no claiming), in the same run.
"""

import datetime
import multiprocessing
import os
import smtplib
import time

from bench.common import bench_database

LEADS = 100 if os.environ.get("BENCH_QUICK") else 300


class Counter:
    """An aiosmtpd handler that counts what it accepts (in a process of its own, as a
    real mail server would be: not competing with the sender for the interpreter)."""

    def __init__(self, count):
        self.count = count

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.count.get_lock():
            self.count.value += 1
        return "250 Message accepted for delivery"


def serve(port: int, count, stop) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def main() -> None:
    with bench_database("bench_email"):
        import sys

        sys.path.insert(0, "tests")
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.utils import timezone
        from smtp import free_port, mailer_settings

        from actionplans.models import (
            RAG,
            Action,
            Agency,
            Membership,
            Message,
            MessageStatus,
            Plan,
            Role,
        )
        from actionplans.notifications.tasks import queue_invitations, send_outbox
        from actionplans.rounds.services import RoundRequest, round_open
        from actionplans.synthetic import generate_actions

        port = free_port()
        count = multiprocessing.Value("i", 0)
        stop = multiprocessing.Event()
        server = multiprocessing.Process(target=serve, args=(port, count, stop), daemon=True)
        server.start()
        for _ in range(100):  # until it listens
            try:
                smtplib.SMTP("127.0.0.1", port).quit()
                break
            except OSError:
                time.sleep(0.05)
        settings.MAILERS = mailer_settings(port)
        settings.OUTBOX_SENDS = True
        try:
            # Each lead leads for their own agency, with two actions of the plan (a
            # lead's invitation lists only their own agencies' actions).
            board = generate_actions(actions=2 * LEADS, history=0)
            agencies = Agency.objects.bulk_create(
                Agency(board=board, short_name=f"Bench {n}", name=f"Bench agency {n}")
                for n in range(LEADS)
            )
            actions = list(Action.objects.filter(plan__board=board).order_by("pk"))
            for n, action in enumerate(actions):
                action.lead_agency = agencies[n % LEADS]
                action.rag = RAG.AMBER  # owed: none complete already
            Action.objects.bulk_update(actions, ["lead_agency", "rag"], batch_size=500)
            manager = get_user_model().objects.create(username="bench-manager")
            Membership.objects.create(user=manager, board=board, role=Role.MANAGER)
            User = get_user_model()  # noqa: N806
            leads = User.objects.bulk_create(
                User(username=f"lead-{n}", email=f"lead-{n}@example.org") for n in range(LEADS)
            )
            for n, lead in enumerate(leads):
                Membership.objects.create(user=lead, board=board, role=Role.LEAD).agencies.add(
                    agencies[n % len(agencies)]
                )

            # Baseline: smtplib alone, the same number of messages, one connection.
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for n in range(LEADS):
                    smtp.sendmail(
                        "bench@example.org",
                        [f"lead-{n}@example.org"],
                        f"Subject: baseline {n}\r\n\r\nHello".encode(),
                    )
            baseline = LEADS / (time.perf_counter() - started)
            count.value = 0

            today = timezone.localdate()
            round = round_open(  # it leaves its invitations to the worker's task
                request=RoundRequest(
                    board=board,
                    name="Bench round",
                    deadline=today + datetime.timedelta(days=14),
                    meeting_date=today + datetime.timedelta(days=21),
                    plans=list(Plan.objects.filter(board=board)),
                ),
                by=manager,
            )
            started = time.perf_counter()
            queue_invitations.call(round.pk)
            queue_seconds = time.perf_counter() - started
            queued = Message.objects.count()

            started = time.perf_counter()
            first = send_outbox.call()
            elapsed = time.perf_counter() - started
            rate = first["sent"] / elapsed
            second = send_outbox.call()
            arrived = count.value
            sent = Message.objects.filter(status=MessageStatus.SENT).count()
            print(f"   smtplib alone: {baseline:.0f} messages/s (baseline)")
            print(f"   {LEADS} leads invited: {queued} invitations queued in {queue_seconds:.1f} s")
            print(
                f"   outbox sent {first['sent']} in {elapsed:.2f} s: {rate:.0f} messages/s "
                f"({rate / baseline:.2f}x baseline; goal >= 50/s: "
                f"{'met' if rate >= 50 else 'missed'})"
            )
            print(
                f"   arrived {arrived}, recorded sent {sent}, failed {first['failed']}: "
                f"lost {queued - arrived}; second run sent {second['sent']}"
            )
        finally:
            stop.set()
            server.join(5)
