"""The Outbox and message pages (business managers of the message's board only), each
person's email settings, and the navigation."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from actionplans.models import Membership, Message, MessageKind, MessageStatus, NotificationSettings
from reviews.models import Board

pytestmark = pytest.mark.django_db


def message(board_slug: str, to: str, subject: str, status=MessageStatus.SENT) -> Message:
    board = Board.objects.get(slug=board_slug)
    return Message.objects.create(
        key=f"invitation:{board_slug}:{to}",
        kind=MessageKind.INVITATION,
        board=board,
        to_email=to,
        subject=subject,
        text=f"Dear lead,\n\n{subject}: please send your updates.",
        status=status,
        last_error="The mail server refused it: 550 Mailbox unavailable"
        if status == MessageStatus.FAILED
        else "",
    )


@pytest.fixture
def stockton_manager(seed):
    person = get_user_model().objects.create(username="stockton-manager")
    Membership.objects.create(user=person, board=Board.objects.get(slug="stockton"), role="manager")
    return person


def test_the_manager_sees_every_message_of_their_boards_with_its_status(client, personas):
    message("norfolk", "health-lead@example.org", "Norfolk updates wanted")
    message("stockton", "police-lead@example.org", "Stockton chaser", MessageStatus.FAILED)
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:outbox")).content.decode()
    assert "Norfolk updates wanted" in page and "Stockton chaser" in page
    assert "Failed" in page and "will be tried again" in page
    failed_only = client.get(reverse("actionplans:outbox"), {"status": "failed"}).content.decode()
    assert "Stockton chaser" in failed_only and "Norfolk updates wanted" not in failed_only


def test_a_manager_of_one_board_sees_only_that_boards_outbox(client, stockton_manager):
    norfolk = message("norfolk", "health-lead@example.org", "Norfolk updates wanted")
    stockton = message("stockton", "police-lead@example.org", "Stockton chaser")
    client.force_login(stockton_manager)
    page = client.get(reverse("actionplans:outbox")).content.decode()
    assert "Stockton chaser" in page and "Norfolk updates wanted" not in page
    assert client.get(reverse("actionplans:message_detail", args=[norfolk.pk])).status_code == 404
    detail = client.get(reverse("actionplans:message_detail", args=[stockton.pk]))
    assert detail.status_code == 200
    assert "Stockton chaser: please send your updates." in detail.content.decode()


def test_a_lead_of_the_board_is_refused_the_outbox_and_its_messages(client, personas):
    norfolk = message("norfolk", "health-lead@example.org", "Norfolk updates wanted")
    client.force_login(personas.health_lead)
    assert client.get(reverse("actionplans:outbox")).status_code == 403
    assert client.get(reverse("actionplans:message_detail", args=[norfolk.pk])).status_code == 403


def test_the_message_page_shows_the_text_and_the_last_error(client, personas):
    failed = message("norfolk", "x@example.org", "Chaser", MessageStatus.FAILED)
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:message_detail", args=[failed.pk])).content.decode()
    assert "Chaser: please send your updates." in page
    assert "550 Mailbox unavailable" in page


def test_held_messages_are_explained_when_no_mail_server_is_set_up(client, personas, settings):
    settings.OUTBOX_SENDS = False
    message("norfolk", "x@example.org", "Held one", MessageStatus.HELD)
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:outbox")).content.decode()
    assert "No mail server is set up" in page and "Kept in the outbox" in page


def test_the_outbox_is_in_the_navigation_for_managers_only(client, personas):
    client.force_login(personas.manager)
    assert 'href="/outbox/"' in client.get(reverse("actionplans:plan_list")).content.decode()
    client.force_login(personas.health_lead)
    page = client.get(reverse("actionplans:plan_list")).content.decode()
    assert 'href="/outbox/"' not in page
    assert 'href="/account/notifications/"' in page  # everyone's email settings


def test_a_manager_turns_the_daily_digest_off_and_approved_notices_on(client, personas):
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:notification_settings")).content.decode()
    assert 'name="daily_digest"' in page and "checked" in page
    response = client.post(reverse("actionplans:notification_settings"), {"approved_notices": "on"})
    assert response.status_code == 302
    choices = NotificationSettings.objects.get(user=personas.manager)
    assert not choices.daily_digest and choices.approved_notices


def test_a_lead_chooses_approved_notices_and_is_not_offered_the_managers_digest(client, personas):
    client.force_login(personas.health_lead)
    page = client.get(reverse("actionplans:notification_settings")).content.decode()
    assert 'name="daily_digest"' not in page
    client.post(reverse("actionplans:notification_settings"), {"approved_notices": "on"})
    choices = NotificationSettings.objects.get(user=personas.health_lead)
    assert choices.approved_notices and choices.daily_digest  # untouched


def test_the_people_page_offers_to_email_the_sign_up_link(client, personas):
    person = get_user_model().objects.create(username="newcomer", email="nia@example.org")
    person.set_unusable_password()
    person.save()
    membership = Membership.objects.create(
        user=person, board=Board.objects.get(slug="norfolk"), role="viewer"
    )
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:people_list")).content.decode()
    assert reverse("actionplans:sign_up_email", args=[membership.pk]) in page
    response = client.post(reverse("actionplans:sign_up_email", args=[membership.pk]), follow=True)
    assert "on its way to nia@example.org" in response.content.decode()
    assert Message.objects.get(kind=MessageKind.SIGN_UP).recipient == person


def test_no_sign_up_email_for_someone_without_an_address(client, personas):
    person = get_user_model().objects.create(username="no-address")
    person.set_unusable_password()
    person.save()
    membership = Membership.objects.create(
        user=person, board=Board.objects.get(slug="norfolk"), role="viewer"
    )
    client.force_login(personas.manager)
    response = client.post(reverse("actionplans:sign_up_email", args=[membership.pk]), follow=True)
    assert "has no email address" in response.content.decode()
    assert not Message.objects.exists()


def test_the_outbox_hides_the_sign_up_link_itself(client, personas):
    board = Board.objects.get(slug="norfolk")
    sign_up = Message.objects.create(
        key="sign_up:norfolk:nia",
        kind=MessageKind.SIGN_UP,
        board=board,
        to_email="nia@example.org",
        subject="Choose your password",
        text="Choose your password here:\nhttp://x/accounts/set-password/MTI/secret-token/\n",
    )
    client.force_login(personas.manager)
    page = client.get(reverse("actionplans:message_detail", args=[sign_up.pk])).content.decode()
    assert "secret-token" not in page
    assert "/accounts/set-password/[the link is hidden here]" in page
