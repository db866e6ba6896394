"""Read-only pages: a signed-in user sees every page; an anonymous one is sent to sign in."""

import pytest
from django.urls import reverse

from actionplans.models import Action

pytestmark = pytest.mark.django_db


def page_urls(seed):
    urls = [reverse("actionplans:plan_list"), reverse("actionplans:action_list")]
    for plan in seed.values():
        urls.append(plan.get_absolute_url())
        urls.append(plan.actions.order_by("position").first().get_absolute_url())
    return urls


def test_every_page_returns_200_for_a_signed_in_user(client, seed, personas):
    client.force_login(personas.viewer)
    for url in page_urls(seed):
        assert client.get(url).status_code == 200, url


def test_anonymous_user_is_sent_to_sign_in(client, seed):
    for url in page_urls(seed):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_sign_in_page_is_public_and_signs_in_a_demo_user(client, seed):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "manager", "password": "demo"})
    assert response.status_code == 302
    assert client.get(reverse("actionplans:plan_list")).status_code == 200


def test_plan_page_mirrors_the_document(client, seed, personas):
    client.force_login(personas.viewer)
    html = client.get(seed["stockton-ofsted-cp-2013"].get_absolute_url()).content.decode()
    assert "Recommendation 5" in html
    assert "for improvement within 3 months" in html
    assert "What we will do" in html and "By when" in html
    assert "Timescale to be determined following CMT discussion." in html
    assert "Blue – complete" in html  # colour always carries words

    html = client.get(seed["stockton-jtai-neglect-2018"].get_absolute_url()).content.decode()
    assert "Actions for Cleveland Police" in html
    assert "Red – Behind schedule" in html and "Green – On track" in html

    html = client.get(seed["norfolk-scr-case-l-2014"].get_absolute_url()).content.decode()
    assert "Strategic response" in html
    assert "The NSCB agreed that neglect would be one of three priority areas" in html


def test_action_page_shows_its_updates_and_history(client, seed, personas):
    action = Action.objects.get(plan__slug="stockton-ofsted-cp-2013", ref="1.4")
    action.rag = "amber"
    action.save()
    client.force_login(personas.viewer)
    html = client.get(action.get_absolute_url()).content.decode()
    assert "Implementation planned for Nov 2013." in html
    assert "Update September 2013" in html
    assert "Not rated" in html and "Amber" in html  # before and after


def test_unknown_action_is_404(client, seed, personas):
    client.force_login(personas.viewer)
    assert client.get(reverse("actionplans:action_detail", args=[999999])).status_code == 404


def test_hostile_text_is_shown_as_text(client, seed, personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    action.text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    action.save()
    client.force_login(personas.viewer)
    for url in (action.get_absolute_url(), action.plan.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert" in html


def test_repeated_failed_sign_ins_lock_the_account_for_an_hour(client, seed):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "chair", "password": "wrong"})
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()
    fifth = client.post(reverse("login"), {"username": "chair", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(reverse("login"), {"username": "chair", "password": "demo"})
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    # Another user from the same address can still sign in.
    other = client.post(reverse("login"), {"username": "viewer", "password": "demo"})
    assert other.status_code == 302
