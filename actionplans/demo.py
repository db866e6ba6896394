"""Demo users for `make run`. Never called by migrations or in production settings."""

from django.contrib.auth import get_user_model
from django.db import transaction

from reviews.models import Board

from .models import Agency, AgencyKind, Membership, Role

DEMO_EMAIL_DOMAIN = "example.org"  # reserved for examples: mail to it reaches nobody
DEMO_PASSWORD = "demo"  # noqa: S105 - printed on purpose: these are demo accounts

# The people behind the demo accounts, as bylines and emails name them.
DEMO_NAMES = {
    "manager": ("Jo", "Smith"),
    "police-lead": ("Sam", "Patel"),
    "health-lead": ("Alex", "Morgan"),
    "council-lead": ("Chris", "Evans"),
    "partnership-lead": ("Priya", "Shah"),
    "probation-lead": ("Dan", "Walsh"),
    "chair": ("Ruth", "Green"),
    "viewer": ("Tom", "Hughes"),
    "stockton-viewer": ("Anna", "Clarke"),
}

# username -> (role, agency kinds they lead for, boards (None = every board), description)
DEMO_USERS = {
    "manager": (Role.MANAGER, [], None, "Board business manager: edits plans, approves updates"),
    "police-lead": (
        Role.LEAD,
        [AgencyKind.POLICE],
        None,
        "Agency lead for every police force: updates police actions",
    ),
    "health-lead": (
        Role.LEAD,
        [AgencyKind.HEALTH],
        None,
        "Agency lead for the health bodies: updates health actions",
    ),
    "council-lead": (
        Role.LEAD,
        [AgencyKind.COUNCIL, AgencyKind.EDUCATION],
        None,
        "Agency lead for the councils (children's services, public health, education)",
    ),
    "partnership-lead": (
        Role.LEAD,
        [AgencyKind.PARTNERSHIP],
        None,
        "Agency lead for the board's own actions (board, MASH, Early Help, DASVB)",
    ),
    "probation-lead": (
        Role.LEAD,
        [AgencyKind.PROBATION, AgencyKind.YOUTH_JUSTICE, AgencyKind.OTHER],
        None,
        "Agency lead for probation, youth justice and commissioned providers",
    ),
    "chair": (Role.CHAIR, [], None, "PIQAG chair: reads everything, comments, exports PDFs"),
    "viewer": (Role.VIEWER, [], None, "Board member: reads"),
    "stockton-viewer": (Role.VIEWER, [], ["stockton"], "Board member of Stockton only"),
}


@transaction.atomic
def load_demo_users() -> list[tuple[str, str]]:
    """Create or refresh the demo accounts; returns (username, description) pairs."""
    User = get_user_model()
    created = []
    for username, (role, agency_kinds, board_slugs, description) in DEMO_USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(DEMO_PASSWORD)
        user.first_name, user.last_name = DEMO_NAMES[username]
        user.email = f"{username}@{DEMO_EMAIL_DOMAIN}"
        user.save()
        boards = Board.objects.all()
        if board_slugs is not None:
            boards = boards.filter(slug__in=board_slugs)
        for board in boards:
            membership, _ = Membership.objects.get_or_create(user=user, board=board, role=role)
            if agency_kinds:
                agencies = Agency.objects.filter(board=board, kind__in=agency_kinds)
                membership.agencies.set(agencies)
        created.append((username, description))
    return created
