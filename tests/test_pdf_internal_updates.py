"""An update marked "for the board only" never reaches the public version."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from actionplans import services
from actionplans.models import RAG, Action
from reporting import pdf, selectors

pytestmark = pytest.mark.django_db

PUBLISHED = "Commissioning Support Unit is working with NHS Providers"
CONFIDENTIAL = "Provider B is under a contract performance notice."


def text_of(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(data)).pages
    )


def test_internal_update_is_printed_for_the_board_but_not_in_public(personas, seed):
    action = Action.objects.get(plan__slug="norfolk-cap-2017", ref="2.1")
    update = services.update_submit(
        action=action,
        author=personas.health_lead,
        rag=RAG.AMBER,
        progress=CONFIDENTIAL,
        internal=True,
    )
    services.update_approve(update=update, approver=personas.manager)
    only_this = Action.objects.filter(pk=action.pk)

    board = selectors.board_pack(plans=[action.plan], actions=only_this)
    public = selectors.board_pack(plans=[action.plan], actions=only_this, public=True)
    assert board.sections[0].rows[0].progress == CONFIDENTIAL
    assert public.sections[0].rows[0].progress.startswith(PUBLISHED)

    assert CONFIDENTIAL in text_of(pdf.render_pack(board, cache=False))
    public_text = text_of(pdf.render_pack(public, cache=False))
    assert CONFIDENTIAL not in public_text
    assert PUBLISHED in public_text
