"""Email sent by the app, through a real SMTP server on loopback: what each message
says, one a person, and sending that survives a refusing or dead server."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from smtp import html_of, text_of

from actionplans import services
from actionplans.models import (
    RAG,
    Action,
    BoardDecision,
    Message,
    MessageKind,
    MessageStatus,
    NotificationSettings,
    Plan,
    RoundAction,
)
from actionplans.notifications import outbox
from actionplans.notifications.tasks import send_outbox
from actionplans.rounds.services import round_decide

pytestmark = pytest.mark.django_db

SITE = "https://actionplans.example.net"
CAP = "norfolk-cap-2017"  # Health leads 2 actions, the partnership lead 15 (one complete)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def user(username):
    return get_user_model().objects.get(username=username)


def cap():
    return Plan.objects.get(slug=CAP)


def test_each_lead_is_invited_to_their_own_agencies_actions_with_links_to_each_form(
    smtp_server, open_round
):
    round = open_round([cap()])
    assert send_outbox.call() == {"sent": 3, "failed": 0, "held": 0}

    health = smtp_server.to("health-lead@example.org")
    assert len(health) == 1
    text, html = text_of(health[0]), html_of(health[0])
    assert health[0]["Subject"].startswith("Updates wanted by ")
    assert round.name in text and f"{round.deadline:%-d %B %Y}" in text
    health_actions = Action.objects.filter(plan__slug=CAP, lead_agency__short_name="Health")
    assert health_actions.count() == 2
    for action in health_actions:
        form = f"{SITE}{reverse('actionplans:update_submit', args=[action.pk])}"
        assert form in text and form in html
    others = Action.objects.filter(plan__slug=CAP).exclude(lead_agency__short_name="Health")
    for action in others:
        assert reverse("actionplans:update_submit", args=[action.pk]) not in text
        assert reverse("actionplans:update_submit", args=[action.pk]) not in html
    assert "NSCB" not in text and "Education" not in text  # no other agency named
    assert 'href="/' not in html  # every link absolute
    # The police lead leads nothing in this plan: no invitation.
    assert smtp_server.to("police-lead@example.org") == []


def test_a_lead_with_many_actions_gets_one_invitation_listing_all_of_them(smtp_server, open_round):
    open_round([cap()])
    send_outbox.call()
    mail = smtp_server.to("partnership-lead@example.org")
    assert len(mail) == 1
    text = text_of(mail[0])
    owed = Action.objects.filter(
        plan__slug=CAP, lead_agency__short_name__in=["NSCB", "MASH", "DASVB"]
    ).exclude(rag=RAG.BLUE)
    assert owed.count() == 15
    assert text.count("Send the update:") == 15
    assert Message.objects.filter(kind=MessageKind.INVITATION).count() == 3


def test_a_repeated_run_sends_nothing_twice(smtp_server, open_round):
    round = open_round([cap()])
    send_outbox.call()
    arrived = len(smtp_server.messages)
    call_command("send_reminders", on=timezone.localdate().isoformat())
    assert send_outbox.call() == {"sent": 0, "failed": 0, "held": 0}
    assert len(smtp_server.messages) == arrived
    assert Message.objects.filter(round=round).count() == arrived
    sent = Message.objects.filter(status=MessageStatus.SENT)
    assert sent.count() == arrived and all(m.sent_at and m.attempts == 1 for m in sent)


def test_a_refused_recipient_is_recorded_failed_and_sent_by_the_next_run_once(
    smtp_server, open_round
):
    smtp_server.refuse.add("health-lead@example.org")
    open_round([cap()])
    assert send_outbox.call() == {"sent": 2, "failed": 1, "held": 0}
    failed = Message.objects.get(status=MessageStatus.FAILED)
    assert failed.to_email == "health-lead@example.org" and failed.attempts == 1
    assert "550" in failed.last_error and "Mailbox unavailable" in failed.last_error

    smtp_server.refuse.clear()
    assert send_outbox.call() == {"sent": 1, "failed": 0, "held": 0}
    failed.refresh_from_db()
    assert failed.status == MessageStatus.SENT and failed.attempts == 2 and not failed.last_error
    assert len(smtp_server.to("health-lead@example.org")) == 1
    assert len(smtp_server.messages) == 3


def test_a_server_that_is_down_fails_every_message_and_the_next_run_sends_each_once(
    smtp_server, open_round
):
    smtp_server.stop()
    open_round([cap()])
    assert send_outbox.call() == {"sent": 0, "failed": 3, "held": 0}
    assert all(
        "Could not reach the mail server" in m.last_error
        for m in Message.objects.filter(status=MessageStatus.FAILED)
    )
    call_command("send_reminders", on=timezone.localdate().isoformat())  # queues nothing new
    assert Message.objects.count() == 3

    smtp_server.start()
    assert send_outbox.call() == {"sent": 3, "failed": 0, "held": 0}
    assert send_outbox.call() == {"sent": 0, "failed": 0, "held": 0}
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "council-lead@example.org",
        "health-lead@example.org",
        "partnership-lead@example.org",
    ]


def test_a_message_left_sending_by_a_dead_worker_is_sent_after_a_while(smtp_server, open_round):
    open_round([cap()])
    stuck = Message.objects.first()
    Message.objects.filter(pk=stuck.pk).update(
        status=MessageStatus.SENDING, claimed_at=timezone.now()
    )
    assert send_outbox.call()["sent"] == 2  # another worker may still be sending it
    Message.objects.filter(pk=stuck.pk).update(
        claimed_at=timezone.now() - outbox.CLAIM_AGAIN_AFTER - datetime.timedelta(minutes=1)
    )
    assert send_outbox.call()["sent"] == 1
    assert len(smtp_server.messages) == 3


def test_the_same_message_id_is_used_whenever_a_message_is_sent(smtp_server, open_round):
    open_round([cap()])
    send_outbox.call()
    ids = {m["Message-ID"] for m in smtp_server.messages}
    assert len(ids) == 3
    assert all(m["Auto-Submitted"] == "auto-generated" for m in smtp_server.messages)


def test_without_a_mail_server_messages_are_held_in_the_outbox_and_never_sent(settings, open_round):
    settings.OUTBOX_SENDS = False
    open_round([cap()])
    assert send_outbox.call() == {"sent": 0, "failed": 0, "held": 3}
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.HELD}
    assert send_outbox.call() == {"sent": 0, "failed": 0, "held": 0}


# Notices: returned, approved, challenged.


def _health_update(progress="Audit under way."):
    action = Action.objects.filter(plan__slug=CAP, lead_agency__short_name="Health").first()
    return services.update_submit(
        action=action, author=user("health-lead"), rag=RAG.AMBER, progress=progress
    )


def _return(update, reason, capture):
    with capture(execute=True):
        return services.update_return(update=update, manager=user("manager"), reason=reason)


def test_a_returned_update_tells_its_author_the_reason_with_a_link_to_change_it(
    smtp_server, personas, django_capture_on_commit_callbacks
):
    update = _health_update()
    _return(update, "Say which audit, and when it reports.", django_capture_on_commit_callbacks)
    send_outbox.call()
    [mail] = smtp_server.to("health-lead@example.org")
    text = text_of(mail)
    assert mail["Subject"] == f"Your update on action {update.action.ref} was returned"
    assert "Say which audit, and when it reports." in text
    assert f"{SITE}{reverse('actionplans:update_edit', args=[update.pk])}" in text
    assert list(Message.objects.get().updates.all()) == [update]


def test_a_second_return_the_same_day_joins_the_message_not_sent_yet(
    settings, personas, django_capture_on_commit_callbacks
):
    settings.OUTBOX_SENDS = False
    first = _health_update("First")
    second = services.update_submit(
        action=Action.objects.filter(plan__slug=CAP, lead_agency__short_name="Health").last(),
        author=personas.health_lead,
        rag=RAG.RED,
        progress="Second",
    )
    _return(first, "Reason one.", django_capture_on_commit_callbacks)
    _return(second, "Reason two.", django_capture_on_commit_callbacks)
    message = Message.objects.get(kind=MessageKind.RETURNED)
    assert "Reason one." in message.text and "Reason two." in message.text
    assert message.subject == "2 of your updates were returned"
    assert set(message.updates.all()) == {first, second}


def test_a_return_after_the_days_message_went_goes_in_the_next_days_message(
    smtp_server, personas, django_capture_on_commit_callbacks
):
    first = _health_update("First")
    _return(first, "Reason one.", django_capture_on_commit_callbacks)
    send_outbox.call()
    second = services.update_submit(
        action=Action.objects.filter(plan__slug=CAP, lead_agency__short_name="Health").last(),
        author=personas.health_lead,
        rag=RAG.RED,
        progress="Second",
    )
    _return(second, "Reason two.", django_capture_on_commit_callbacks)
    assert send_outbox.call()["sent"] == 0  # today's went already: one a day
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    call_command("send_reminders", on=tomorrow.isoformat())
    call_command("send_reminders", on=tomorrow.isoformat())
    send_outbox.call()
    first_mail, next_mail = smtp_server.to("health-lead@example.org")
    assert "Reason one." in text_of(first_mail) and "Reason two." not in text_of(first_mail)
    assert "Reason two." in text_of(next_mail) and "Reason one." not in text_of(next_mail)


def test_a_resubmitted_update_returned_again_is_told_again(
    smtp_server, personas, django_capture_on_commit_callbacks
):
    update = _health_update()
    _return(update, "Reason one.", django_capture_on_commit_callbacks)
    send_outbox.call()
    services.update_edit(update=update, editor=personas.health_lead, data={"progress": "More"})
    Message.objects.update(
        key=Message.objects.get().key.replace(  # as if yesterday's
            timezone.localdate().isoformat(),
            (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        )
    )
    _return(update, "Reason two.", django_capture_on_commit_callbacks)
    send_outbox.call()
    assert ["Reason two." in text_of(m) for m in smtp_server.to("health-lead@example.org")] == [
        False,
        True,
    ]


def test_approved_notices_go_only_to_authors_who_asked_for_them(
    smtp_server, personas, django_capture_on_commit_callbacks
):
    update = _health_update()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_approve(update=update, approver=personas.manager)
    call_command("send_reminders", on=timezone.localdate().isoformat())  # the sweep neither
    assert not Message.objects.filter(kind=MessageKind.APPROVED).exists()

    council_lead = user("council-lead")
    NotificationSettings.objects.create(user=council_lead, approved_notices=True)
    action = Action.objects.filter(plan__slug=CAP, lead_agency__short_name="Education").first()
    update = services.update_submit(
        action=action, author=council_lead, rag=RAG.GREEN, progress="Training delivered."
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.update_approve(update=update, approver=personas.manager)
    send_outbox.call()
    assert smtp_server.to("health-lead@example.org") == []
    [mail] = smtp_server.to("council-lead@example.org")
    assert mail["Subject"] == f"Your update on action {action.ref} was approved"
    assert f"{SITE}{action.get_absolute_url()}" in text_of(mail)


def test_the_boards_challenge_goes_to_the_actions_leads_like_a_returned_update(
    smtp_server, personas, open_round, django_capture_on_commit_callbacks
):
    round = open_round([cap()])
    send_outbox.call()
    item = RoundAction.objects.get(round=round, action__rag=RAG.BLUE)
    with django_capture_on_commit_callbacks(execute=True):
        round_decide(
            item=item,
            by=personas.manager,
            decision=BoardDecision.NOT_YET,
            challenge="Show us the audit that found the new pathway in use.",
        )
    send_outbox.call()
    challenge = [
        m
        for m in smtp_server.to("partnership-lead@example.org")
        if "not signed off" in m["Subject"]
    ]
    assert len(challenge) == 1
    text = text_of(challenge[0])
    assert "Show us the audit that found the new pathway in use." in text
    assert f"{SITE}{reverse('actionplans:update_submit', args=[item.action.pk])}" in text
    assert list(Message.objects.get(kind=MessageKind.CHALLENGED).round_items.all()) == [item]
    assert all(
        "not signed off" not in m["Subject"] for m in smtp_server.to("health-lead@example.org")
    )


def test_the_sign_up_link_is_emailed_from_the_people_page(client, smtp_server, personas, seed):
    from actionplans.models import Membership

    client.force_login(personas.manager)
    with_capture = client.post(
        reverse("actionplans:person_add", args=["norfolk"]),
        {
            "username": "newcomer",
            "full_name": "Nia Newcomer",
            "email": "nia@example.org",
            "role": "viewer",
        },
    )
    assert with_capture.status_code == 200
    membership = Membership.objects.get(user__username="newcomer")
    response = client.post(reverse("actionplans:sign_up_email", args=[membership.pk]))
    assert response.status_code == 302
    again = client.post(reverse("actionplans:sign_up_email", args=[membership.pk]), follow=True)
    assert "already emailed" in again.content.decode()
    assert Message.objects.filter(kind=MessageKind.SIGN_UP).count() == 1
    send_outbox.call()
    [mail] = smtp_server.to("nia@example.org")
    text = text_of(mail)
    assert "newcomer" in text and f"{SITE}/accounts/set-password/" in text
    link = next(line for line in text.splitlines() if "/accounts/set-password/" in line).strip()
    client.logout()
    assert client.get(link.removeprefix(SITE), follow=True).status_code == 200


def test_two_workers_never_take_the_same_message(settings, open_round):
    open_round([cap()])
    ids = list(Message.objects.values_list("pk", flat=True))
    assert sorted(outbox._claim(ids)) == sorted(ids)
    assert outbox._claim(ids) == []  # the other worker finds them taken
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENDING}


def test_a_message_refused_again_and_again_stops_being_tried(smtp_server, open_round):
    smtp_server.refuse.add("health-lead@example.org")
    open_round([cap()])
    Message.objects.filter(to_email="health-lead@example.org").update(
        attempts=outbox.MAX_ATTEMPTS - 1
    )
    assert send_outbox.call()["failed"] == 1
    refused = Message.objects.get(to_email="health-lead@example.org")
    assert refused.status == MessageStatus.FAILED and refused.attempts == outbox.MAX_ATTEMPTS
    assert send_outbox.call() == {"sent": 0, "failed": 0, "held": 0}


def test_a_round_name_with_a_line_break_still_makes_a_one_line_subject(smtp_server, open_round):
    open_round([cap()], name="Q3 2026/27\r\nBcc: everyone@example.org")
    assert send_outbox.call()["sent"] == 3
    assert all("\n" not in m["Subject"] and "Bcc" not in m for m in smtp_server.messages)
    assert len(smtp_server.messages) == 3 and not any(m["Bcc"] for m in smtp_server.messages)
