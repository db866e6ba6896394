from django.urls import reverse

from . import policy, sessions
from .rounds.selectors import waiting_count


def navigation(request):
    """The menu a user sees: only the pages their roles open to them."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav_items": []}
    items = [
        ("plans", "Plans", reverse("actionplans:plan_list")),
        ("actions", "Actions", reverse("actionplans:action_list")),
    ]
    if policy.can_see_my_actions(user):
        items.append(("mine", "My actions", reverse("actionplans:my_actions")))
    if policy.can_see_rounds(user):
        items.append(("rounds", "Rounds", reverse("actionplans:round_list")))
    if policy.can_see_approval_queue(user):
        waiting = waiting_count(user=user)
        items.append(("queue", f"Approvals ({waiting})", reverse("actionplans:approval_queue")))
    items += [
        ("reviews", "Reviews", reverse("actionplans:review_list")),
        ("agencies", "Agencies", reverse("actionplans:agency_list")),
    ]
    if policy.manages_a_board(user):
        items.append(("people", "People", reverse("actionplans:people_list")))
    if policy.can_see_outbox(user):
        items.append(("outbox", "Outbox", reverse("actionplans:outbox")))
    match = getattr(request, "resolver_match", None)
    on_a_round = bool(match and (match.url_name or "").startswith("round_"))
    return {"nav_items": items, **({"nav_active": "rounds"} if on_a_round else {})}


def session_timing(request):
    """Seconds until a signed-in session ends, for static/js/session.js's warning."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and hasattr(request, "session")):
        return {}
    left, ends = sessions.seconds_left(request.session)
    return {"session_seconds_left": left, "session_ends": ends}
