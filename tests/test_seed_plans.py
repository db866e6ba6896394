"""The five real plans are in the database, whole: counts and the source's own words."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from actionplans.models import Action, Objective, Plan, ProgressUpdate, Theme
from actionplans.seeding import load_seed_plans
from reviews.models import Finding, Review

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "sources"
pytestmark = pytest.mark.django_db


def actions_of(slug):
    return Action.objects.filter(plan__slug=slug)


def test_composite_plan_has_22_actions_in_4_themes_citing_scr_letters(seed):
    cap = seed["norfolk-cap-2017"]
    assert cap.kind == "composite"
    assert actions_of(cap.slug).count() == 22
    assert list(Theme.objects.filter(plan=cap).values_list("title", flat=True)) == [
        "Professional Curiosity",
        "Fora for discussion and information-sharing",
        "Collaborative working, decision-making and planning",
        "Ownership and accountability: management grip",
    ]
    action = actions_of(cap.slug).get(ref="1.4")
    assert action.answers_as_written == "K,O,P,Q,R"
    assert sorted(action.reviews.values_list("reference", flat=True)) == [
        "Case K",
        "Case O",
        "Case P",
        "Case Q",
        "Case R",
    ]
    all_and_m = actions_of(cap.slug).get(ref="4.1")
    assert all_and_m.answers_as_written == "M (and All)"
    assert all_and_m.sources.get(review__reference="Case M").note == ""
    assert all_and_m.sources.filter(note="All").count() >= 5


def test_composite_plan_cites_case_l_findings_of_the_case_l_plan(seed):
    source = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1").sources.get(
        review__reference="Case L"
    )
    assert source.finding.number == "6"
    assert source.finding.objectives.filter(plan__slug="norfolk-scr-case-l-2014").exists()


def test_jtai_has_25_key_tasks_in_its_agency_sections(seed):
    jtai = seed["stockton-jtai-neglect-2018"]
    assert actions_of(jtai.slug).count() == 25
    counts = [theme.actions.count() for theme in Theme.objects.filter(plan=jtai)]
    assert counts == [5, 4, 6, 5, 5]
    assert jtai.rag_legend == {"red": "Behind schedule", "green": "On track", "blue": "Completed"}


def test_ofsted_plan_has_14_recommendations_and_58_actions(seed):
    review = Review.objects.get(reference="Ofsted CP inspection January 2013")
    assert review.findings.count() == 14
    assert actions_of("stockton-ofsted-cp-2013").count() == 58
    first = review.findings.get(number="1")
    assert first.priority == "for immediate improvement"
    assert "monthly case file audits" in first.measure
    assert "timely manner" in first.outcome


def test_business_plan_has_4_priorities_and_22_strategic_intents(seed):
    review = Review.objects.get(reference="NSCB Business Plan 2014-2016")
    assert review.findings.filter(kind="priority").count() == 4
    assert actions_of("norfolk-lscb-business-plan-2014-16").count() == 22


def test_case_l_has_8_findings_and_every_objective_row(seed):
    review = Review.objects.get(reference="Case L")
    assert list(review.findings.values_list("number", flat=True)) == [str(n) for n in range(1, 9)]
    recovered = review.findings.exclude(source_note="").values_list("number", flat=True)
    assert sorted(recovered) == ["1", "7"]
    # 19 table rows; two rows under finding 8 continue the objective above them.
    assert Objective.objects.filter(plan__slug="norfolk-scr-case-l-2014").count() == 17
    assert actions_of("norfolk-scr-case-l-2014").count() >= 19
    assert not actions_of("norfolk-scr-case-l-2014").filter(objective=None).exists()


def test_every_action_cites_a_review_of_its_own_board(seed):
    for action in Action.objects.prefetch_related("sources__review").select_related("plan"):
        reviews = [source.review for source in action.sources.all()]
        assert reviews, f"{action.plan.slug} {action.ref} cites no review"
        assert all(review.board_id == action.plan.board_id for review in reviews)


def _normalise(text: str) -> str:
    return " ".join(text.replace("&amp;", "&").split())


def _database_text() -> str:
    parts = []
    for action in Action.objects.all():
        parts += [action.ref, action.text, action.lead_person, action.target_text]
        parts += [action.subgroup, action.evidence, action.resources, action.kpis]
        parts.append(action.answers_as_written)
    for update in ProgressUpdate.objects.all():
        parts += [update.progress, update.next_steps]
    for finding in Finding.objects.all():
        parts += [finding.text, finding.strategic_response, finding.outcome, finding.measure]
    parts += [objective.text for objective in Objective.objects.all()]
    parts += [plan.introduction for plan in Plan.objects.all()]
    return _normalise("\n".join(parts))


# Distinctive strings from each source file, as printed there.
SOURCE_STRINGS = {
    "norfolk-scr-case-l-action-plan-2014.txt": [
        "Sep – Dec 2014",
        "Jul 2014 onwards",
        "Aug 2014 onwards",
        "Oct 2014 – Jan 2015",
        "Learning from is included in consultation process on threshold review",
        "including how children's news are shared with parents",
        "NHS Designated Safeguarding Team",
        "Engage with UEA research project on involving men to improve practice",
        "routine attribution of a label such as ADHD to a child distracts attention",
        "Digital Norfolk initiative",
        "Dip sample audit on cases where referrals have resulted in NFA",
    ],
    "norfolk-scr-composite-action-plan-2017.txt": [
        "K,O,P,Q,R",
        "M (and All)",
        "J, M, P, Q",
        "01/06/17",
        "1/12/17",
        "Ongoing",
        "NSCB Monitoring and Evaluation Officer (MEO)",
        "C39ds [now CPIs] by the Norfolk Constabulary",
        "Complete. Early Years Advisory Group established",
        "children and put in place mechanisms to ensure this is used effectively and routinely.",
    ],
    "stockton-jtai-neglect-action-plan-2018.txt": [
        "CHUB implementation group (LA, public health, police, FTs)",
        "D. Supt. PVP",
        "Sheila Whitehead & Sharon Barnett",
        "Review approach to flags on NICHE",
        "Internal case management audit of 100 cases to be completed by 31/08/18",
        "Some additional wording has been added to the Tees procedures",
        "Review contribution of substance misuse services",
    ],
    "stockton-ofsted-cp-inspection-action-plan-2013.txt": [
        "Timescale to be determined following CMT discussion.",
        "To commence wef April 2013.",
        "During Q3 (by end of December 2013).",
        "JH SMcL",
        "RB / KS / MG",
        "Timescale likely now to be March 2014.",
        "Completed – first weekly report wef 11/03/13.",
        "LGA Peer Review to incorporate a review of this Action Plan.",
        "Improve children and young people's access to advocacy services",
    ],
    "norfolk-lscb-business-plan-2014-2016.txt": [
        "June 2014 onwards",
        "DA & Sheila Lock (Chair of CYP Strategic Partnership)",
        "BC/CG/MA",
        "EH Programme Board VCG CPG SCRG PIQAG",
        "Advisory Groups show 100% attendance from District Councils",
        "The Voice of the child is integral to all Board activity.",
        "Increased number of parents in substance misuse programme",
    ],
}


@pytest.mark.parametrize("filename", sorted(SOURCE_STRINGS))
def test_source_strings_survive_in_the_database(seed, filename):
    source = _normalise((SEEDS / filename).read_text(encoding="utf-8"))
    stored = _database_text()
    for phrase in SOURCE_STRINGS[filename]:
        phrase = _normalise(phrase)
        assert phrase in source or phrase.replace("'", "’") in source, f"not in source: {phrase}"
        assert phrase in stored or phrase.replace("'", "’") in stored, f"lost: {phrase}"


def test_every_fixture_field_is_stored_verbatim(seed):
    fixtures = Path(settings.BASE_DIR) / "fixtures" / "plans"
    for path in fixtures.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = {a.ref: a for a in actions_of(data["plan"]["slug"])}
        assert len(stored) == len(data["actions"])
        for row in data["actions"]:
            action = stored[row["ref"]]
            assert action.text == row["text"]
            assert action.target_text == row["target_text"]
            assert action.lead_person == row["lead_as_written"]
            assert action.rag == row["rag"]


def test_loading_again_duplicates_nothing_and_writes_no_history(seed):
    counts = (Action.objects.count(), ProgressUpdate.objects.count(), Finding.objects.count())
    history = Action.history.count()
    load_seed_plans()
    assert (Action.objects.count(), ProgressUpdate.objects.count(), Finding.objects.count()) == (
        counts
    )
    assert Action.history.count() == history


def test_a_seed_loaded_again_with_a_new_target_slips_it_as_every_writer_does(seed):
    """The seed loader changes an action through the model's rules: the first target is
    kept as the original, and the change is a new version."""
    from actionplans.seeding import SEED_DIRECTORY, load_plan

    data = json.loads((SEED_DIRECTORY / "stockton-jtai-neglect-2018.json").read_text("utf-8"))
    row = data["actions"][0]
    action = Action.objects.get(plan__slug=data["plan"]["slug"], ref=row["ref"])
    first, version = action.target_text, action.version
    row["target_text"] = "December 2031"
    load_plan(data)
    action.refresh_from_db()
    assert (action.target_text, action.original_target_text) == ("December 2031", first)
    assert action.version == version + 1
