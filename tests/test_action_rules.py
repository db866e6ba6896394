"""The rules of an action, written once on the model and used by every writer: the
forms and approvals (`actionplans.services`), the importer and the seed loader."""

import datetime

from actionplans.models import RAG, Action, ProgressUpdate


def test_a_moved_target_keeps_the_first_one_agreed():
    action = Action(target_text="March 2017")
    action.resolve_target()
    first_due = action.due_date
    assert action.move_target("June 2017")
    assert (action.original_target_text, action.original_due_date) == ("March 2017", first_due)
    assert action.due_date == datetime.date(2017, 6, 30)
    assert action.move_target("Sept 2017")
    assert action.original_target_text == "March 2017"  # still the first agreed
    assert not action.move_target("Sept 2017")
    assert action.is_slipped


def test_a_first_target_is_no_slip():
    action = Action(target_text="")
    assert action.move_target("March 2017")
    assert not action.original_target_text and not action.is_slipped


def test_an_approved_update_becomes_the_actions_progress_and_rag():
    action = Action(target_text="March 2017", rag=RAG.NOT_RATED, progress="Old words")
    update = ProgressUpdate(
        rag=RAG.AMBER, progress="", as_at=datetime.date(2017, 1, 5), proposed_target_text="May 2017"
    )
    action.take_update(update)
    assert action.rag == RAG.AMBER
    assert action.progress == "Old words"  # an update without words keeps the last ones
    assert action.progress_as_at == datetime.date(2017, 1, 5)
    assert (action.target_text, action.original_target_text) == ("May 2017", "March 2017")


def test_every_saved_change_bumps_the_version():
    action = Action(version=3)
    action.bump_version()
    assert action.version == 4


def test_a_plans_progress_column_becomes_the_latest_unless_a_later_update_is_in():
    action = Action(progress="Approved since", progress_as_at=datetime.date(2017, 3, 1))
    assert not action.take_progress("From the file", datetime.date(2017, 1, 1))
    assert action.progress == "Approved since"
    assert action.take_progress("From the file", datetime.date(2017, 4, 1))
    assert (action.progress, action.progress_as_at) == ("From the file", datetime.date(2017, 4, 1))
    assert not action.take_progress("From the file", datetime.date(2017, 4, 1))


def test_a_progress_date_without_words_dates_an_action_with_no_progress_yet():
    action = Action()
    assert not action.take_progress("", datetime.date(2017, 1, 1))
    assert action.take_progress("", datetime.date(2017, 1, 1), dated=datetime.date(2016, 12, 1))
    assert action.progress_as_at == datetime.date(2016, 12, 1)
