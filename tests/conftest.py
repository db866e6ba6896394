"""One place for test data: the five seed plans and the demo personas.

The seed plans are loaded once into the test database; a test that empties the
database (transactional tests) gets them back through the `seed` fixture.
"""

from types import SimpleNamespace

import pytest
from clamav import clamd_server  # noqa: F401 - the loopback ClamAV daemon
from django.contrib.auth import get_user_model
from objectstore import object_store, s3_storage  # noqa: F401 - the loopback S3 server
from smtp import smtp_server  # noqa: F401 - the loopback SMTP server fixture

from actionplans.demo import load_demo_users
from actionplans.models import Plan
from actionplans.seeding import load_seed_plans

PLAN_SLUGS = [
    "norfolk-scr-case-l-2014",
    "norfolk-cap-2017",
    "stockton-jtai-neglect-2018",
    "stockton-ofsted-cp-2013",
    "norfolk-lscb-business-plan-2014-16",
]


def _ensure_seeded():
    if Plan.objects.filter(slug__in=PLAN_SLUGS).count() != len(PLAN_SLUGS):
        load_seed_plans()
        load_demo_users()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _ensure_seeded()


@pytest.fixture(scope="session")
def report_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("report-parts")


@pytest.fixture(autouse=True)
def files_in_temporary_folders(settings, tmp_path, report_cache):
    """Uploads and stored reports go to a temporary folder, never into the repo;
    rendered PDF parts are cached for the whole session (they are keyed by content)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_CACHE_DIR = report_cache


@pytest.fixture
def seed(db):
    _ensure_seeded()
    return {plan.slug: plan for plan in Plan.objects.filter(slug__in=PLAN_SLUGS)}


@pytest.fixture
def personas(seed):
    """The demo users by persona: manager, police_lead, health_lead, chair, viewer..."""
    users = {user.username: user for user in get_user_model().objects.all()}
    return SimpleNamespace(
        manager=users["manager"],
        police_lead=users["police-lead"],
        health_lead=users["health-lead"],
        chair=users["chair"],
        viewer=users["viewer"],
        stockton_viewer=users["stockton-viewer"],
    )


@pytest.fixture
def open_round(personas, django_capture_on_commit_callbacks):
    """Open a round as the manager, then run the task it queued for the worker (the
    invitations); `open_round(plans, deadline_in=14, reminder_days=7)`."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from actionplans.notifications.tasks import queue_invitations
    from actionplans.rounds.services import RoundRequest, round_open

    def open_(plans, *, deadline_in=14, reminder_days=7, name="Q3 2026/27"):
        today = timezone.localdate()
        deadline = today + datetime.timedelta(days=deadline_in)
        with django_capture_on_commit_callbacks(execute=True):
            round = round_open(
                request=RoundRequest(
                    board=plans[0].board,
                    name=name,
                    deadline=deadline,
                    meeting_date=deadline + datetime.timedelta(days=7),
                    plans=plans,
                    reminder_days=reminder_days,
                ),
                by=personas.manager,
            )
        # What the worker would do with the task the round left: the invitations.
        assert DBTaskResult.objects.filter(task_path=queue_invitations.module_path).exists()
        queue_invitations.call(round.pk)
        return round

    return open_
