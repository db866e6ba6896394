"""The importer's bulk writer: rows and history rows as simple-history would write them.

On PostgreSQL (CI) this exercises the COPY path; on SQLite, simple-history's own
bulk_create_with_history. Both must give the same rows.
"""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from test_import_samples import make_board

from actionplans.importing.bulk import create_with_history
from actionplans.models import RAG, Action, Plan, Theme

pytestmark = pytest.mark.django_db
WHEN = datetime.datetime(2026, 3, 31, 17, 0, tzinfo=datetime.UTC)


def new_plan(board, slug="bulk-plan"):
    plan = Plan(board=board, slug=slug, title="Bulk plan", rag_legend={"red": "Behind"})
    create_with_history([plan], Plan, author=None, reason="Imported from bulk.xlsx", when=WHEN)
    return plan


def test_rows_get_their_ids_and_one_creation_history_row_each(personas):
    board = make_board()
    plan = new_plan(board)
    theme = Theme(plan=plan, key="A", title="Neglect", position=1)
    create_with_history([theme], Theme, author=personas.manager, reason="Imported", when=WHEN)
    actions = [
        Action(
            plan=plan,  # saved in the batch before: its id is taken as bulk_create does
            theme=theme,
            ref=f"1.{number}",
            text=f"Action <b>{number}</b>\nsecond line",
            target_text="Sep – Dec 2014",
            rag=RAG.AMBER,
            position=number,
        )
        for number in range(1, 4)
    ]
    for action in actions:
        action.resolve_target()
    create_with_history(
        actions, Action, author=personas.manager, reason="Imported from bulk.xlsx", when=WHEN
    )

    assert all(action.pk and not action._state.adding for action in actions)
    stored = {action.pk: action for action in Action.objects.filter(plan=plan)}
    assert set(stored) == {action.pk for action in actions}
    for action in actions:
        saved = stored[action.pk]
        assert model_to_dict(saved) == model_to_dict(action)
        assert (saved.plan_id, saved.theme_id) == (plan.pk, theme.pk)
        (entry,) = saved.history.all()
        assert (entry.history_type, entry.history_user, entry.history_date) == (
            "+",
            personas.manager,
            WHEN,
        )
        assert entry.history_change_reason == "Imported from bulk.xlsx"
        assert (entry.ref, entry.text, entry.due_date, entry.rag) == (
            saved.ref,
            saved.text,
            datetime.date(2014, 12, 31),
            RAG.AMBER,
        )
    plan_entry = Plan.history.get(slug="bulk-plan")
    assert plan_entry.rag_legend == {"red": "Behind"} and plan_entry.history_user is None


def test_ids_come_from_the_table_so_later_saves_do_not_clash():
    board = make_board()
    plan = new_plan(board)
    later = Plan.objects.create(board=board, slug="later", title="Saved the usual way")
    assert later.pk > plan.pk
    assert Plan.objects.filter(board=board).count() == 2


def test_a_relation_to_a_row_never_saved_is_refused():
    board = make_board()
    unsaved = Plan(board=board, slug="never-saved", title="Never saved")
    with pytest.raises(ValueError, match="unsaved related object"):
        create_with_history(
            [Theme(plan=unsaved, key="A", title="T", position=1)],
            Theme,
            author=None,
            reason="",
            when=WHEN,
        )


def test_a_clash_is_djangos_integrity_error_and_writes_nothing():
    board = make_board()
    plan = new_plan(board)
    clashing = [Action(plan=plan, ref="1", text="One", position=n) for n in (1, 2)]
    with pytest.raises(IntegrityError), transaction.atomic():
        create_with_history(clashing, Action, author=None, reason="", when=WHEN)
    assert not Action.objects.filter(plan=plan).exists()
    assert not Action.history.filter(plan_id=plan.pk).exists()


def test_new_instance_is_the_instance_keyword_arguments_build(personas):
    from actionplans.importing.bulk import new_instance
    from actionplans.models import ProgressUpdate, UpdateStatus

    board = make_board()
    plan = new_plan(board)
    action = Action(plan=plan, ref="1", text="Audit", position=1)  # not saved yet
    values = {
        "action": action,
        "label": "Update June 2016",
        "status": UpdateStatus.APPROVED,
        "author": personas.manager,
        "progress": "Started",
        "rag": RAG.GREEN,
        "as_at": datetime.date(2016, 6, 30),
        "submitted_at": WHEN,  # its default is the time it is built
    }
    built, expected = new_instance(ProgressUpdate, values), ProgressUpdate(**values)
    assert model_to_dict(built) == model_to_dict(expected)
    assert built.action is action and built.author == personas.manager
    assert built._state.adding
    with pytest.raises(TypeError, match="no field colour"):
        new_instance(ProgressUpdate, {"colour": "green"})
