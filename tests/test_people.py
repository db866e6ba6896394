"""Business managers give people roles on their board; new people choose a password."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from actionplans import policy
from actionplans.models import Action, Agency, Membership, Role
from reviews.models import Board

pytestmark = pytest.mark.django_db
PEOPLE = reverse("actionplans:people_list")
User = get_user_model()


def add_url(board_slug="norfolk"):
    return reverse("actionplans:person_add", kwargs={"board_slug": board_slug})


def norfolk_agency(short_name):
    return Agency.objects.get(board__slug="norfolk", short_name=short_name)


@pytest.fixture
def stockton_manager(seed):
    user = User.objects.create_user("stockton-manager", password="x")
    Membership.objects.create(user=user, board=Board.objects.get(slug="stockton"), role="manager")
    return user


def test_a_new_person_gets_an_account_and_a_sign_up_link_to_choose_a_password(client, personas):
    client.force_login(personas.manager)
    health = norfolk_agency("Health")
    page = client.post(
        add_url(),
        {
            "username": "nurse-jo",
            "full_name": "Jo Bloggs",
            "email": "jo@example.nhs.uk",
            "role": Role.LEAD,
            "agencies": [health.pk],
        },
    )
    assert page.status_code == 200
    person = User.objects.get(username="nurse-jo")
    assert (person.first_name, person.last_name, person.email) == (
        "Jo",
        "Bloggs",
        "jo@example.nhs.uk",
    )
    assert not person.has_usable_password()
    membership = Membership.objects.get(user=person)
    assert (membership.board.slug, membership.role) == ("norfolk", Role.LEAD)
    assert list(membership.agencies.all()) == [health]
    entry = membership.history.latest()
    assert (entry.history_user, entry.history_change_reason) == (personas.manager, "Added")
    link = page.context["link"]
    assert link.startswith("http://testserver/accounts/set-password/")

    anonymous = client.__class__()
    form = anonymous.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )
    assert done.status_code == 302
    signed_in = anonymous.post(
        reverse("login"), {"username": "nurse-jo", "password": "a long new passphrase"}
    )
    assert signed_in.status_code == 302 and signed_in.url == reverse("actionplans:plan_list")
    again = client.__class__().get(link, follow=True)
    assert not again.context["validlink"]  # the link works once
    action = Action.objects.filter(lead_agency=health).first()
    assert policy.can_submit_update(person, action)


def test_someone_who_already_has_an_account_just_gets_the_role(client, personas):
    client.force_login(personas.manager)
    response = client.post(
        add_url("stockton"), {"username": "HEALTH-LEAD", "role": Role.CHAIR}, follow=True
    )
    assert response.redirect_chain[-1][0] == PEOPLE
    assert "health-lead is now Quality-assurance chair (PIQAG)." in response.content.decode()
    lead = personas.health_lead
    lead.refresh_from_db()
    assert lead.has_usable_password() and lead.check_password("demo")
    assert Membership.objects.filter(user=lead, board__slug="stockton", role=Role.CHAIR).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "new-lead", "role": Role.LEAD}, "Choose the agencies this lead reports for."),
        (
            {"username": "new-viewer", "role": Role.VIEWER, "agencies": "HEALTH"},
            "Only an agency lead",
        ),
        (
            {"username": "police-lead", "role": Role.LEAD, "agencies": "POLICE"},
            "already has this role",
        ),
        ({"username": "bad name!", "role": Role.VIEWER}, "Enter a valid username"),
        (
            {"username": "stockton-agency", "role": Role.LEAD, "agencies": "STOCKTON"},
            "valid choice",
        ),
    ],
)
def test_bad_additions_are_refused_with_a_clear_message(client, personas, data, message):
    client.force_login(personas.manager)
    agencies = {
        "HEALTH": norfolk_agency("Health").pk,
        "POLICE": Membership.objects.get(user=personas.police_lead, board__slug="norfolk")
        .agencies.first()
        .pk,
        "STOCKTON": Agency.objects.filter(board__slug="stockton").first().pk,
    }
    if "agencies" in data:
        data = data | {"agencies": [agencies[data["agencies"]]]}
    before = Membership.objects.count(), User.objects.count()

    response = client.post(add_url(), data)

    assert response.status_code == 200 and message in response.content.decode()
    assert (Membership.objects.count(), User.objects.count()) == before


def test_changing_a_role_and_its_agencies(client, personas):
    client.force_login(personas.manager)
    membership = Membership.objects.get(user=personas.police_lead, board__slug="norfolk")
    url = reverse("actionplans:membership_edit", kwargs={"pk": membership.pk})

    refused = client.post(url, {"role": Role.VIEWER, "agencies": [membership.agencies.first().pk]})
    assert "Only an agency lead names agencies." in refused.content.decode()

    assert client.post(url, {"role": Role.VIEWER}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER and not membership.agencies.exists()
    assert membership.history.latest().history_change_reason == "Role changed"


def test_a_board_always_keeps_a_business_manager(client, personas, stockton_manager):
    client.force_login(stockton_manager)
    own = Membership.objects.get(user=stockton_manager)
    manager_there = Membership.objects.get(user=personas.manager, board__slug="stockton")
    remove = "actionplans:membership_remove"

    assert client.post(reverse(remove, kwargs={"pk": manager_there.pk})).status_code == 302
    response = client.post(reverse(remove, kwargs={"pk": own.pk}), follow=True)

    assert "A board needs at least one business manager" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()
    assert not Membership.objects.filter(pk=manager_there.pk).exists()


def test_managers_see_and_change_only_their_own_boards_people(client, personas, stockton_manager):
    client.force_login(stockton_manager)
    page = client.get(PEOPLE).content.decode()
    assert "Stockton" in page and "Norfolk" not in page
    norfolk = Membership.objects.get(user=personas.police_lead, board__slug="norfolk")
    edit = reverse("actionplans:membership_edit", kwargs={"pk": norfolk.pk})
    assert client.get(edit).status_code == 404
    assert client.get(add_url("norfolk")).status_code == 404


def test_sign_up_links_only_for_people_with_no_password_on_boards_you_manage(
    client, personas, stockton_manager
):
    newcomer = User.objects.create_user("newcomer")  # no password yet
    assert not newcomer.has_usable_password()
    norfolk = Board.objects.get(slug="norfolk")
    stockton = Board.objects.get(slug="stockton")
    there = Membership.objects.create(user=newcomer, board=stockton, role=Role.VIEWER)
    link = reverse("actionplans:sign_up_link", kwargs={"pk": there.pk})

    client.force_login(stockton_manager)
    assert client.post(link).status_code == 200
    assert not policy.can_send_set_password_link(stockton_manager, personas.viewer)

    Membership.objects.create(user=newcomer, board=norfolk, role=Role.VIEWER)
    assert client.post(link).status_code == 403  # also on a board they do not manage
    assert policy.can_send_set_password_link(personas.manager, newcomer)

    newcomer.is_staff = True
    newcomer.save()
    assert not policy.can_send_set_password_link(personas.manager, newcomer)


def test_the_people_page_is_in_the_menu_for_managers_only(client, personas):
    client.force_login(personas.manager)
    assert f'href="{PEOPLE}"' in client.get(reverse("actionplans:plan_list")).content.decode()
    client.force_login(personas.chair)
    assert f'href="{PEOPLE}"' not in client.get(reverse("actionplans:plan_list")).content.decode()
