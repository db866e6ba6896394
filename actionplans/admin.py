from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import policy
from .models import (
    Action,
    ActionComment,
    ActionSource,
    Agency,
    Membership,
    Objective,
    Plan,
    ProgressUpdate,
    Theme,
)


class BoardScopedAdmin(SimpleHistoryAdmin):
    """Staff see the rows of their own boards and change only where they manage.

    Superusers see everything (the policy gives them every role). `board_path` is the
    lookup from the model to its board's id.
    """

    board_path = "board_id"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.filter(**{f"{self.board_path}__in": policy.board_ids(request.user)})

    def _board_id(self, obj):
        value = obj
        for part in self.board_path.split("__"):
            value = getattr(value, part)
        return value

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or policy.can_manage_board(request.user, self._board_id(obj))
        )

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (
            obj is None or policy.can_manage_board(request.user, self._board_id(obj))
        )


@admin.register(Agency)
class AgencyAdmin(BoardScopedAdmin):
    list_display = ["short_name", "name", "kind", "board"]
    list_filter = ["board", "kind"]
    search_fields = ["short_name", "name"]


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


@admin.register(Plan)
class PlanAdmin(BoardScopedAdmin):
    list_display = ["title", "board", "kind", "published_text"]
    list_filter = ["board", "kind"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ThemeInline]


@admin.register(Theme)
class ThemeAdmin(BoardScopedAdmin):
    board_path = "plan__board_id"
    list_display = ["title", "plan", "position"]
    list_filter = ["plan"]


@admin.register(Objective)
class ObjectiveAdmin(BoardScopedAdmin):
    board_path = "plan__board_id"
    list_display = ["key", "__str__", "plan", "finding"]
    list_filter = ["plan"]


class ActionSourceInline(admin.TabularInline):
    model = ActionSource
    extra = 0
    raw_id_fields = ["review", "finding"]


class ProgressUpdateInline(admin.StackedInline):
    model = ProgressUpdate
    extra = 0
    raw_id_fields = ["author"]


@admin.register(Action)
class ActionAdmin(BoardScopedAdmin):
    board_path = "plan__board_id"
    list_display = ["ref", "plan", "lead_agency", "target_text", "due_date", "rag"]
    list_filter = ["plan", "rag", "lead_agency"]
    search_fields = ["ref", "text", "lead_person", "progress"]
    raw_id_fields = ["theme", "objective", "lead_agency"]
    readonly_fields = ["target_kind", "start_date", "version"]
    inlines = [ActionSourceInline, ProgressUpdateInline]


@admin.register(ActionSource)
class ActionSourceAdmin(BoardScopedAdmin):
    board_path = "action__plan__board_id"
    list_display = ["action", "review", "finding", "note"]
    raw_id_fields = ["action", "review", "finding"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(BoardScopedAdmin):
    board_path = "action__plan__board_id"
    list_display = ["action", "as_at", "rag", "status", "author"]
    list_filter = ["status", "rag"]
    raw_id_fields = ["action", "author"]


@admin.register(ActionComment)
class ActionCommentAdmin(BoardScopedAdmin):
    board_path = "action__plan__board_id"
    list_display = ["action", "author", "created_at"]
    raw_id_fields = ["action", "author"]


@admin.register(Membership)
class MembershipAdmin(BoardScopedAdmin):
    list_display = ["user", "board", "role"]
    list_filter = ["board", "role"]
    filter_horizontal = ["agencies"]
