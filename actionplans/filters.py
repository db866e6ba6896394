"""The action list's filters: one FilterSet for the page, its exports and its PDF."""

import re

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import F, Func, Q, TextField, Value
from django.utils import timezone

from reviews.models import Review

from .models import RAG, Action, Agency, Objective, Plan, Theme, rag_label
from .models.rag import DISPLAY_ORDER
from .widgets import GovukCheckboxes, GovukSelect

# Every order ends in document order (plan, position), which an index serves.
SORTS = {
    "plan": ("plan_id", "position"),
    "due": ("due_date", "plan_id", "position"),
    "-due": ("-due_date", "plan_id", "position"),
    "rag": ("rag", "plan_id", "position"),
    "agency": ("lead_agency__short_name", "plan_id", "position"),
}


SEARCH_FIELDS = ["ref", "text", "progress", "lead_person", "target_text"]
# A word is letters and digits, with dots inside it ("2.4", "1.10"); everything else
# (spaces, hyphens, apostrophes, commas) separates words, as PostgreSQL's parser does.
WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")


def search_words(value: str) -> list[str]:
    """The words of a search, lower case, each once, at most 10 (of 200 characters)."""
    return list(dict.fromkeys(WORD.findall(value[:200].lower())))[:10]


def text_search(value: str, *, database: str = "default") -> Q:
    """Actions with every word of `value` in their ref, text, progress, lead or target
    (or every word in their objective).

    On PostgreSQL a word matches the start of a word, through the stored search
    vector and its GIN index (migration 0009): "audit" finds "audits", "2.4" finds
    "2.4" and "2.41". On SQLite each word is found anywhere in the text, as the
    search has always done there ("audit" also finds "reaudit"); for whole words and
    refs both give the same actions. Objectives are few: their ids are looked up first.
    """
    words = search_words(value)
    if not words:
        return Q()
    objectives = Objective.objects.using(database)
    if connections[database].vendor == "postgresql":
        query = SearchQuery(
            " & ".join(f"'{word}':*" for word in words), search_type="raw", config="simple"
        )
        matches = Q(search_vector=query)
        # Read as the stored vector reads actions (migration 0009): "/" and "@" split.
        text = Func(
            F("text"), Value("/@"), Value("  "), function="translate", output_field=TextField()
        )
        vector = SearchVector(text, config="simple")
        objectives = objectives.annotate(words=vector).filter(words=query)
    else:
        matches = Q()
        for word in words:
            matches &= Q.create([(f"{field}__icontains", word) for field in SEARCH_FIELDS], "OR")
        for word in words:
            objectives = objectives.filter(text__icontains=word)
    objective_ids = list(objectives.order_by("pk").values_list("pk", flat=True)[:500])
    if objective_ids:
        matches |= Q(objective_id__in=objective_ids)
    return matches


class _OneQueryChoices(forms.models.ModelChoiceIterator):
    """A choice list read in one query. Django reads model choices through a
    server-side cursor (DECLARE, FETCH, CLOSE on PostgreSQL), three round trips per
    list, meant for lists too long for memory; the filter lists are short."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _ListedChoices(django_filters.fields.ModelChoiceIterator, _OneQueryChoices):
    pass


class _ListedChoiceField(django_filters.fields.ModelChoiceField):
    iterator = _ListedChoices


class ListedChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose choices are read in one query."""

    field_class = _ListedChoiceField


DATE_WIDGET = forms.DateInput(
    attrs={"class": "govuk-input govuk-input--width-10", "type": "date"}, format="%Y-%m-%d"
)


class ActionFilter(django_filters.FilterSet):
    """Filters restricted to what the user may see (pass `user` to the constructor)."""

    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        widget=forms.TextInput(attrs={"class": "govuk-input", "type": "search"}),
        help_text="Words in the action, its progress, lead or target; or a reference.",
    )
    plan = ListedChoiceFilter(
        queryset=Plan.objects.none(), to_field_name="slug", label="Plan", widget=GovukSelect
    )
    review = ListedChoiceFilter(
        field_name="reviews",
        queryset=Review.objects.none(),
        label="Review it answers",
        distinct=True,
        widget=GovukSelect,
    )
    theme = ListedChoiceFilter(queryset=Theme.objects.none(), label="Theme", widget=GovukSelect)
    agency = ListedChoiceFilter(
        field_name="lead_agency",
        queryset=Agency.objects.none(),
        label="Lead agency",
        widget=GovukSelect,
    )
    rag = django_filters.MultipleChoiceFilter(
        choices=[(status.value, rag_label(status)) for status in DISPLAY_ORDER],
        label="RAG status",
        widget=GovukCheckboxes,
        distinct=False,  # a column of the action: no join, so no duplicates to remove
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Overdue only", widget=forms.CheckboxInput
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due on or after", widget=DATE_WIDGET
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before", widget=DATE_WIDGET
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("plan", "Plan and reference"),
            ("due", "Due date, earliest first"),
            ("-due", "Due date, latest first"),
            ("rag", "RAG status"),
            ("agency", "Lead agency"),
        ],
        method="filter_sort",
        label="Sort by",
        empty_label="Plan and reference",
        widget=GovukSelect,
    )

    class Meta:
        model = Action
        fields = []

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        from . import policy

        # The lists read only what an option shows (a plan's JSON columns are not needed).
        plans = policy.visible_plans(user)
        self.filters["plan"].queryset = plans.only("pk", "slug", "title")
        # Themes belong to one plan: offer those of the chosen plan only (none, and
        # no query, when no plan is chosen).
        chosen = (data or {}).get("plan") or ""
        self.filters["theme"].queryset = (
            Theme.objects.filter(plan__in=plans, plan__slug=chosen)
            if chosen
            else Theme.objects.none()
        )
        self.filters["agency"].queryset = policy.visible_agencies(user)
        self.filters["review"].queryset = (
            policy.visible_reviews(user).only("pk", "reference").order_by("reference")
        )

    def filter_text(self, queryset, name, value):
        return queryset.filter(text_search(value, database=queryset.db))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(due_date__lt=timezone.localdate()).exclude(rag=RAG.BLUE)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["plan"]))
