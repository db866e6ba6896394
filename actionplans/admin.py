from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Action, ActionSource, Agency, Objective, Plan, ProgressUpdate, Theme


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["short_name", "name", "kind", "board"]
    list_filter = ["board", "kind"]
    search_fields = ["short_name", "name"]


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "board", "kind", "published_text"]
    list_filter = ["board", "kind"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ThemeInline]


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "plan", "position"]
    list_filter = ["plan"]


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
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
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["ref", "plan", "lead_agency", "target_text", "due_date", "rag"]
    list_filter = ["plan", "rag", "lead_agency"]
    search_fields = ["ref", "text", "lead_person", "progress"]
    raw_id_fields = ["theme", "objective", "lead_agency"]
    readonly_fields = ["target_kind", "start_date", "version"]
    inlines = [ActionSourceInline, ProgressUpdateInline]


@admin.register(ActionSource)
class ActionSourceAdmin(SimpleHistoryAdmin):
    list_display = ["action", "review", "finding", "note"]
    raw_id_fields = ["action", "review", "finding"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["action", "as_at", "rag", "status", "author"]
    list_filter = ["status", "rag"]
    raw_id_fields = ["action", "author"]
