"""`manage.py send_reminders`: what is due on a day, queued once however often it runs."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from smtp import text_of

from actionplans import services
from actionplans.models import (
    RAG,
    Action,
    Message,
    MessageKind,
    NotificationSettings,
    Plan,
)
from actionplans.notifications.tasks import send_outbox
from actionplans.rounds.services import round_close

pytestmark = pytest.mark.django_db

CAP = "norfolk-cap-2017"
TODAY = timezone.localdate


def day(n: int) -> str:
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


def run(on: str | None = None) -> str:
    out = StringIO()
    call_command("send_reminders", *(["--on", on] if on else []), stdout=out)
    return out.getvalue()


def recipients(kind) -> list[str]:
    return sorted(Message.objects.filter(kind=kind).values_list("to_email", flat=True))


def health_lead_replies_to_everything():
    health_lead = get_user_model().objects.get(username="health-lead")
    for action in Action.objects.filter(plan__slug=CAP, lead_agency__short_name="Health"):
        services.update_submit(action=action, author=health_lead, rag=RAG.GREEN, progress="Done")


@pytest.fixture
def round(open_round):
    return open_round([Plan.objects.get(slug=CAP)], deadline_in=14, reminder_days=7)


def test_the_reminder_goes_on_its_day_only_to_leads_still_owing_updates(round, smtp_server):
    health_lead_replies_to_everything()
    run(day(6))
    assert recipients(MessageKind.REMINDER) == []
    output = run(day(7))
    assert "2 reminder" in output
    assert recipients(MessageKind.REMINDER) == [
        "council-lead@example.org",
        "partnership-lead@example.org",
    ]
    run(day(7))
    run(day(8))
    assert Message.objects.filter(kind=MessageKind.REMINDER).count() == 2
    send_outbox.call()
    [mail] = smtp_server.to("council-lead@example.org")[-1:]
    assert mail["Subject"] == f"Reminder: 4 updates due by {round.deadline:%-d %B %Y}"
    assert "(7 days from now)" in text_of(mail)


def test_a_missed_reminder_day_is_caught_up_by_a_later_run_before_the_deadline(round):
    run(day(10))
    assert len(recipients(MessageKind.REMINDER)) == 3
    assert recipients(MessageKind.CHASER) == []


def test_no_reminder_when_the_round_opened_after_its_reminder_day(open_round):
    open_round([Plan.objects.get(slug=CAP)], deadline_in=3, reminder_days=7)
    run(day(0))
    run(day(3))
    assert recipients(MessageKind.REMINDER) == []
    assert len(recipients(MessageKind.INVITATION)) == 3


def test_chasers_go_the_day_after_the_deadline_then_weekly_and_stop_when_the_round_closes(
    round, personas
):
    run(day(14))
    assert recipients(MessageKind.CHASER) == []  # the deadline day itself: no chaser yet
    run(day(15))
    first = Message.objects.filter(kind=MessageKind.CHASER)
    assert first.count() == 3 and all(m.key.endswith(day(15)) for m in first)
    assert "were due on" in first[0].subject
    run(day(16))
    run(day(21))
    assert Message.objects.filter(kind=MessageKind.CHASER).count() == 3
    run(day(22))
    assert Message.objects.filter(kind=MessageKind.CHASER, key__endswith=day(22)).count() == 3
    round_close(round=round, by=personas.manager)
    run(day(29))
    assert Message.objects.filter(kind=MessageKind.CHASER).count() == 6


def test_a_lead_who_replies_gets_no_more_chasers(round):
    run(day(15))
    health_lead_replies_to_everything()
    run(day(22))
    second = Message.objects.filter(kind=MessageKind.CHASER, key__endswith=day(22))
    assert sorted(second.values_list("to_email", flat=True)) == [
        "council-lead@example.org",
        "partnership-lead@example.org",
    ]


def test_managers_get_a_daily_digest_of_updates_waiting_unless_they_turn_it_off(
    personas, seed, smtp_server
):
    run(day(0))
    assert recipients(MessageKind.DIGEST) == []  # nothing waiting: no digest
    health_lead_replies_to_everything()
    run(day(0))
    run(day(0))
    [digest] = Message.objects.filter(kind=MessageKind.DIGEST)
    assert digest.to_email == "manager@example.org"
    assert digest.subject == f"2 updates waiting for your approval: {digest.board.short_name}"
    assert digest.updates.count() == 2
    send_outbox.call()
    assert "/updates/" in text_of(smtp_server.to("manager@example.org")[0])

    NotificationSettings.objects.create(user=personas.manager, daily_digest=False)
    run(day(1))
    assert Message.objects.filter(kind=MessageKind.DIGEST).count() == 1


def test_a_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match=r"--on takes a date as YYYY-MM-DD"):
        call_command("send_reminders", "--on", "21/01/2027")
    with pytest.raises(CommandError, match=r"--on takes a date as YYYY-MM-DD"):
        call_command("send_reminders", "--on", "2027-02-30")


def test_loop_runs_as_of_each_real_day(seed):
    with pytest.raises(CommandError, match="leave out --on"):
        call_command("send_reminders", "--loop", "--on", day(0))


def test_before_the_reminders_hour_nothing_new_is_queued(settings, round):
    settings.REMINDERS_HOUR = 24
    Message.objects.all().delete()
    assert "nothing new is queued" in run()
    assert not Message.objects.exists()
    settings.REMINDERS_HOUR = 0
    run()
    assert len(recipients(MessageKind.INVITATION)) == 3  # swept up: the invitations


def test_a_lead_given_the_agency_after_the_round_opened_is_invited_by_the_next_run(round, personas):
    from actionplans.models import Agency, Membership

    newcomer = get_user_model().objects.create(username="new-health", email="nh@example.org")
    membership = Membership.objects.create(user=newcomer, board=round.board, role="lead")
    membership.agencies.add(Agency.objects.get(board=round.board, short_name="Health"))
    run(day(1))
    assert "nh@example.org" in recipients(MessageKind.INVITATION)


def test_the_round_knows_what_it_emailed_each_lead(round):
    from actionplans.notifications.selectors import round_messages

    run(day(7))
    run(day(15))
    council_lead = get_user_model().objects.get(username="council-lead")
    kinds = [m.kind for m in round_messages(round=round)[council_lead.pk]]
    assert kinds == [MessageKind.INVITATION, MessageKind.REMINDER, MessageKind.CHASER]
