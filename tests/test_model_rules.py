"""The database and the models refuse bad data with a clear message."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actionplans.models import RAG, Action, ActionSource, Plan
from reviews.models import Review

pytestmark = pytest.mark.django_db


def test_duplicate_ref_in_a_plan_is_refused_with_a_clear_message(seed):
    plan = seed["norfolk-cap-2017"]
    duplicate = Action(plan=plan, ref="1.1", text="Again", rag=RAG.NOT_STARTED)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already has an action with that reference" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(plan=plan, ref="1.1", text="Again")


def test_same_ref_is_fine_in_another_plan(seed):
    Action.objects.create(plan=seed["norfolk-scr-case-l-2014"], ref="4.11", text="New")


def test_due_date_before_start_is_refused(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    action.start_date = datetime.date(2017, 6, 1)
    action.due_date = datetime.date(2017, 1, 1)
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "cannot be before the start date" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(
            start_date=datetime.date(2017, 6, 1), due_date=datetime.date(2017, 1, 1)
        )


def test_unknown_rag_is_refused_by_the_database(seed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(plan__slug="norfolk-cap-2017").update(rag="purple")


def test_blank_ref_is_refused(seed):
    with pytest.raises(ValidationError) as error:
        Action(plan=seed["norfolk-cap-2017"], ref="", text="x").full_clean()
    assert "ref" in error.value.message_dict


def test_lead_agency_of_another_board_is_refused(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    action.lead_agency = seed["stockton-jtai-neglect-2018"].actions.first().lead_agency
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "this plan's board" in str(error.value)


def test_citing_a_review_of_another_board_is_refused(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    stockton_review = Review.objects.get(reference="JTAI Stockton-on-Tees November 2017")
    with pytest.raises(ValidationError):
        ActionSource(action=action, review=stockton_review).full_clean()


def test_legend_with_unknown_status_is_refused(seed):
    plan = Plan.objects.get(slug="stockton-jtai-neglect-2018")
    plan.rag_legend = {"purple": "Mystery"}
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "Unknown RAG status" in str(error.value)


def test_target_text_resolves_to_a_due_date_and_keeps_the_words(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    assert action.target_text == "01/06/17"
    assert action.due_date == datetime.date(2017, 6, 1)
    action.target_text = "Sep – Dec 2014"
    action.save()
    action.refresh_from_db()
    assert action.target_text == "Sep – Dec 2014"
    assert action.start_date == datetime.date(2014, 9, 1)
    assert action.due_date == datetime.date(2014, 12, 31)
    ongoing = Action.objects.get(plan__slug="norfolk-cap-2017", ref="4.2")
    assert ongoing.target_text == "Ongoing" and ongoing.due_date is None


def test_overdue_rule(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.1")
    assert action.is_overdue(on=datetime.date(2017, 6, 2))
    assert not action.is_overdue(on=datetime.date(2017, 6, 1))
    action.rag = RAG.BLUE
    assert not action.is_overdue(on=datetime.date(2030, 1, 1))


def test_every_change_writes_a_history_row_with_its_author(seed, personas):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.2")
    before = action.history.count()
    action._history_user = personas.manager
    action.rag = RAG.GREEN
    action.save()
    assert action.history.count() == before + 1
    latest = action.history.first()
    assert latest.rag == RAG.GREEN and latest.history_user == personas.manager
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes] == ["rag"]


def test_citations_have_their_own_history(seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="1.2")
    source = action.sources.first()
    source.note = "All reviews"
    source.save()
    assert source.history.count() == 2


def test_admin_shows_staff_only_their_boards_rows(client, seed, personas):
    from django.contrib.auth.models import Permission

    from actionplans.models import Membership, Role

    staff = personas.stockton_viewer
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_plan", "change_plan"]))
    client.force_login(staff)
    listing = client.get("/admin/actionplans/plan/").content.decode()
    assert "Post Inspection Action Plan 2018" in listing
    assert "Composite Action Plan" not in listing
    norfolk = Plan.objects.get(slug="norfolk-cap-2017")
    assert client.get(f"/admin/actionplans/plan/{norfolk.pk}/change/").status_code in (302, 404)
    jtai = Plan.objects.get(slug="stockton-jtai-neglect-2018")
    page = client.get(f"/admin/actionplans/plan/{jtai.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # a viewer reads but does not change
    Membership.objects.create(user=staff, board=jtai.board, role=Role.MANAGER)
    client.force_login(staff)
    page = client.get(f"/admin/actionplans/plan/{jtai.pk}/change/").content.decode()
    assert 'name="_save"' in page
