"""Each seed plan, exported by our exporter and imported into an empty board, comes back the same.

"Empty" is a board created for the test with no agencies, reviews or plans: the
import creates the agencies (the manager's "create new" answer) and everything else.
"""

import pytest
from test_import_samples import preview_of

from actionplans.importing.pipeline import NEW_AGENCY, ImportTarget
from actionplans.importing.pipeline.write import write_plan
from actionplans.models import Membership, Plan, Role
from reporting import exports
from reviews.models import Board, ReviewKind

pytestmark = pytest.mark.django_db

SEED_PLANS = [
    "norfolk-scr-case-l-2014",
    "norfolk-cap-2017",
    "stockton-jtai-neglect-2018",
    "stockton-ofsted-cp-2013",
    "norfolk-lscb-business-plan-2014-16",
]
EXPORTERS = {"csv": exports.actions_csv, "xlsx": exports.actions_xlsx}


def as_printed(plan: Plan) -> list[tuple]:
    return [
        (
            action.ref,
            action.text,
            action.target_text,
            action.due_date,
            action.lead_person,
            action.lead_agency.short_name if action.lead_agency else None,
            action.rag,
            action.theme.title if action.theme else None,
            action.objective.text if action.objective else None,
            action.evidence,
            action.resources,
            action.kpis,
            action.subgroup,
            action.answers_as_written,
            action.progress,
            action.progress_as_at,
        )
        for action in plan.actions.select_related("lead_agency", "theme", "objective").order_by(
            "position"
        )
    ]


@pytest.mark.parametrize("file_kind", sorted(EXPORTERS))
@pytest.mark.parametrize("slug", SEED_PLANS)
def test_seed_plan_round_trip(seed, personas, slug, file_kind):
    original = seed[slug]
    data = EXPORTERS[file_kind](exports.plan_actions(original))
    board = Board.objects.create(slug=f"empty-{file_kind}", name="Empty", short_name="E")
    # The import asks policy: the manager importing manages the new board.
    Membership.objects.create(user=personas.manager, board=board, role=Role.MANAGER)
    preview = preview_of(data, board)
    assert not preview.errors and not preview.notes
    assert not preview.reported_columns and not preview.unknown_statuses
    preview = preview.with_choices(agencies=dict.fromkeys(preview.unknown_agencies, NEW_AGENCY))
    target = ImportTarget(board, original.title, ReviewKind.OTHER, f"copy-of-{slug}")
    outcome = write_plan(preview=preview, target=target, author=personas.manager, dry_run=False)
    copy = Plan.objects.get(slug=f"copy-of-{slug}")
    assert outcome.created == original.actions.count()
    assert as_printed(copy) == as_printed(original)
