"""Synthetic plans at scale, for benchmarks: many actions and a long history.

Rows are bulk-inserted (no per-row save), so 10,000 actions with 100,000 history
rows take seconds. The history rows are plausible edits: RAG and progress changing
quarter by quarter.
"""

import datetime
import random
import re

from django.db import connection, transaction
from django.utils import timezone

from reviews.models import Board, Review, ReviewKind

from .models import RAG, Action, ActionSource, Agency, AgencyKind, Plan, Theme
from .seeding import SEED_DIRECTORY


def _vocabulary() -> list[str]:
    """Real plans' words (from the seed fixtures), so searches select as they would."""
    words = set()
    for path in SEED_DIRECTORY.glob("*.json"):
        words |= set(re.findall(r"[a-z]{4,}", path.read_text(encoding="utf-8").lower()))
    return sorted(words) or ["action"]


WORDS = _vocabulary()
TARGETS = ["Sep – Dec 2014", "Jul 2014 onwards", "01/06/17", "Ongoing", "Q3 2016/17", "Dec 2015"]
RAGS = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.BLUE, RAG.NOT_STARTED]


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


@transaction.atomic
def generate_actions(
    *, board_slug: str = "synthetic", actions: int = 10_000, history: int = 100_000, seed: int = 1
) -> Board:
    rng = random.Random(seed)
    board, _ = Board.objects.get_or_create(
        slug=board_slug, defaults={"name": "Synthetic Board", "short_name": "SYN"}
    )
    agencies = [
        Agency.objects.get_or_create(
            board=board, short_name=f"Agency {n}", defaults={"name": f"Agency {n}", "kind": kind}
        )[0]
        for n, kind in enumerate([AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.COUNCIL] * 4)
    ]
    reviews = [
        Review.objects.get_or_create(
            board=board,
            reference=f"Case {letter}",
            defaults={"kind": ReviewKind.SCR, "title": f"SCR Case {letter}"},
        )[0]
        for letter in "ABCDEFGH"
    ]
    plan_count = max(1, actions // 500)
    rows = []
    for p in range(plan_count):
        plan, _ = Plan.objects.get_or_create(
            slug=f"{board_slug}-plan-{p}", defaults={"board": board, "title": f"Plan {p}"}
        )
        themes = [
            Theme.objects.get_or_create(plan=plan, key=str(t), defaults={"title": f"Theme {t}"})[0]
            for t in range(1, 5)
        ]
        for n in range(actions // plan_count):
            rows.append(
                Action(
                    plan=plan,
                    ref=f"{n // 25 + 1}.{n % 25 + 1}",
                    text=sentence(rng, 25, 60),
                    theme=themes[n % 4],
                    lead_agency=rng.choice(agencies),
                    lead_person=f"{rng.choice('ABCDEFG')}{rng.choice('HIJKLMN')}",
                    target_text=(target := rng.choice(TARGETS)),
                    due_date=datetime.date(2014 + n % 4, 1 + n % 12, 28) if target else None,
                    rag=rng.choice(RAGS),
                    progress=sentence(rng, 20, 80),
                    position=n,
                )
            )
    created = Action.objects.bulk_create(rows, batch_size=2000)
    ActionSource.objects.bulk_create(
        [ActionSource(action=a, review=rng.choice(reviews)) for a in created], batch_size=5000
    )
    _bulk_history(created, history, rng)
    _refresh_planner_statistics()
    return board


def _refresh_planner_statistics() -> None:
    """After a bulk load PostgreSQL's planner must relearn the table sizes (autovacuum
    would, later): without it, it plans for the empty tables it last saw."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _bulk_history(actions: list[Action], total: int, rng: random.Random) -> None:
    """`total` history rows spread over the actions, oldest first, like quarterly edits."""
    Historical = Action.history.model
    per_action = max(1, total // len(actions))
    start = timezone.now() - datetime.timedelta(days=per_action * 91)
    kept = {f.attname for f in Historical._meta.fields}
    fields = [f.attname for f in Action._meta.fields if f.attname in kept]
    batch = []
    for action in actions:
        values = {name: getattr(action, name) for name in fields}
        for step in range(per_action):
            values |= {"rag": rng.choice(RAGS), "progress": sentence(rng, 20, 80)}
            batch.append(
                Historical(
                    **values,
                    history_date=start + datetime.timedelta(days=91 * step),
                    history_type="+" if step == 0 else "~",
                    history_change_reason="Synthetic",
                )
            )
        if len(batch) >= 10_000:
            Historical.objects.bulk_create(batch)
            batch = []
    Historical.objects.bulk_create(batch)
