from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Board, Finding, Review


@admin.register(Board)
class BoardAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class FindingInline(admin.StackedInline):
    model = Finding
    extra = 0


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "kind", "board", "published_on"]
    list_filter = ["board", "kind"]
    search_fields = ["reference", "title"]
    inlines = [FindingInline]


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "review", "kind", "priority"]
    list_filter = ["review__board", "kind"]
    search_fields = ["text", "strategic_response"]
