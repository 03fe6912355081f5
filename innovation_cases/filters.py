"""The one definition of how cases are filtered, searched and sorted.

The HTML case list, its CSV/JSON exports, the Atom feed and the REST API all use
`CaseStudyFilter`, so a query parameter means the same thing everywhere. Facet values
are slugs (countries: ISO codes); several values may be repeated (`?theme=a&theme=b`,
as HTML checkboxes send them) or comma-separated (`?theme=a,b`). Values within a
facet are alternatives (OR); facets combine with AND.

Bad input never reaches the database: an unknown slug, a malformed number, an unknown
ordering, an over-long value or a NUL byte makes the form invalid, with an error keyed
by the parameter's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from cities.models import City

from .models import (
    Approach,
    CaseStudy,
    Driver,
    InnovationType,
    LifecycleStage,
    Theme,
)

MAX_VALUES = 50
MAX_QUERY_LENGTH = 200
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")


class ListWidget(forms.SelectMultiple):
    """Reads `?x=a&x=b` and `?x=a,b` alike; empty items and duplicates are dropped."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        raw = (
            data.getlist(name)
            if isinstance(data, MultiValueDict)
            else data.get(name, [])
        )
        if isinstance(raw, str):
            raw = [raw]
        values: list[str] = []
        for item in raw:
            for value in str(item).split(","):
                value = value.strip()
                if value and value not in values:
                    values.append(value)
        return values


class SlugListField(forms.ModelMultipleChoiceField):
    """Several slugs of one vocabulary; each must exist."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a known value."),
        "too_many": _("Choose at most %(limit)d values."),
    }

    def clean(self, value: Any) -> QuerySet[Any]:
        values = value or []
        if len(values) > MAX_VALUES:
            raise ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": MAX_VALUES},
            )
        for item in values:
            # Checked before any query: a NUL byte would make PostgreSQL fail.
            if not SLUG_RE.match(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item[:100].replace("\x00", "\\0")},
                )
        return super().clean(values)


class SlugListFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = SlugListField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("widget", ListWidget)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        # Values within a facet are alternatives. A subquery, rather than a join, keeps
        # one row per case without DISTINCT.
        if not value:
            return qs
        matching = qs.model._default_manager.filter(
            **{f"{self.field_name}__in": list(value)}
        )
        return qs.filter(pk__in=matching.values("pk"))


class CountryListField(forms.MultipleChoiceField):
    def clean(self, value: Any) -> list[str]:
        values = [str(v).upper() for v in (value or [])]
        if len(values) > MAX_VALUES:
            raise ValidationError(
                _("Choose at most %(limit)d values."), params={"limit": MAX_VALUES}
            )
        return super().clean(values)


class CountryListFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryListField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


def city_filter(field_name: str = "city") -> SlugListFilter:
    """`?city=` by slug, for any record with a path `field_name` to its city."""
    return SlugListFilter(
        field_name=field_name, queryset=City.objects.all(), label=_("City")
    )


def country_filter(field_name: str) -> CountryListFilter:
    """`?country=` by ISO code, for any record with a path `field_name` to a country."""
    return CountryListFilter(
        field_name=field_name,
        choices=list(countries),
        widget=ListWidget,
        label=_("Country"),
    )


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class CaseStudyFilter(django_filters.FilterSet):
    # Cases without a date or a year (drafts, for their officers) come last, on
    # PostgreSQL as on SQLite.
    ORDERINGS: dict[str, tuple[Any, ...]] = {
        "relevance": ("-rank", F("published_at").desc(nulls_last=True), "title"),
        "newest": (F("published_at").desc(nulls_last=True), "-updated_at", "title"),
        "oldest": (F("published_at").asc(nulls_last=True), "updated_at", "title"),
        "title": ("title",),
        "-title": ("-title",),
        "year": (F("year_started").asc(nulls_last=True), "title"),
        "-year": (F("year_started").desc(nulls_last=True), "title"),
    }

    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        help_text=_(
            'Words to look for. Use "quotes" for a phrase, OR for either, - to exclude.'
        ),
    )
    # The API's name for the same search.
    search = django_filters.CharFilter(
        method="filter_search", label=_("Search"), max_length=MAX_QUERY_LENGTH
    )
    city = city_filter()
    country = country_filter("city__country")
    innovation_type = SlugListFilter(
        field_name="innovation_types",
        queryset=InnovationType.objects.all(),
        label=_("Innovation type"),
    )
    driver = SlugListFilter(
        field_name="drivers", queryset=Driver.objects.all(), label=_("Driver")
    )
    approach = SlugListFilter(
        field_name="approaches", queryset=Approach.objects.all(), label=_("Approach")
    )
    theme = SlugListFilter(
        field_name="themes", queryset=Theme.objects.all(), label=_("Theme")
    )
    stage = SlugListFilter(
        field_name="lifecycle_stage",
        queryset=LifecycleStage.objects.all(),
        label=_("Lifecycle stage"),
    )
    year_min = YearFilter(
        field_name="year_started",
        lookup_expr="gte",
        label=_("Started in or after"),
        min_value=1800,
        max_value=2100,
    )
    year_max = YearFilter(
        field_name="year_started",
        lookup_expr="lte",
        label=_("Started in or before"),
        min_value=1800,
        max_value=2100,
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        label=_("Sort by"),
        choices=[
            ("relevance", _("Relevance")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("title", _("Title, A–Z")),
            ("-title", _("Title, Z–A")),
            ("year", _("Year started, earliest first")),
            ("-year", _("Year started, latest first")),
        ],
        empty_label=None,
    )

    # Facets shown with counts: parameter name -> how to count it (see facet_counts).
    FACETS = (
        "innovation_type",
        "driver",
        "approach",
        "theme",
        "stage",
        "country",
        "city",
    )

    class Meta:
        model = CaseStudy
        fields: list[str] = []

    # --- the form ----------------------------------------------------------------------

    @property
    def search_text(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return (
            self.form.cleaned_data.get("q")
            or self.form.cleaned_data.get("search")
            or ""
        ).strip()

    @property
    def ordering_key(self) -> str:
        chosen = self.form.cleaned_data.get("ordering") if self.is_valid() else None
        if chosen == "relevance" and not self.search_text:
            chosen = None
        return chosen or ("relevance" if self.search_text else "newest")

    def filter_search(
        self, queryset: QuerySet[CaseStudy], name: str, value: str
    ) -> QuerySet[CaseStudy]:
        # q and search are the same filter; apply it once even if both are given.
        if not value or name == "search" and self.form.cleaned_data.get("q"):
            return queryset
        return queryset.search(value)

    def filter_ordering(
        self, queryset: QuerySet[CaseStudy], name: str, value: str
    ) -> QuerySet[CaseStudy]:
        return queryset  # applied last, in filter_queryset, once the search has annotated rank

    def filter_queryset(self, queryset: QuerySet[CaseStudy]) -> QuerySet[CaseStudy]:
        queryset = super().filter_queryset(queryset)
        if (
            self.ordering_key == "relevance"
            and "rank" not in queryset.query.annotations
        ):
            return queryset.order_by(*self.ORDERINGS["newest"])
        return queryset.order_by(*self.ORDERINGS[self.ordering_key])

    # --- facet counts ----------------------------------------------------------------------

    def _queryset_without(self, facet: str) -> QuerySet[CaseStudy]:
        """The results as they would be if `facet` were not filtered: for its counts."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != facet:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facet_counts(self) -> dict[str, list[FacetValue]]:
        """For each facet, how many results each of its values would give.

        One aggregate query per facet (seven in all), whatever the number of values.
        Within a facet the counts ignore the facet's own selection (values are OR-ed),
        so a visitor can see what adding a value would give.
        """
        if not self.is_valid():
            return {}
        data = self.form.cleaned_data
        facets: dict[str, list[FacetValue]] = {}
        term_facets: dict[str, type[models.Model]] = {
            "innovation_type": InnovationType,
            "driver": Driver,
            "approach": Approach,
            "theme": Theme,
            "stage": LifecycleStage,
        }
        for name, model in term_facets.items():
            matching = self._queryset_without(name).values("pk")
            selected = {t.slug for t in (data.get(name) or [])}
            rows = model.objects.annotate(
                n=Count("cases", filter=Q(cases__in=matching))
            ).order_by(*model._meta.ordering)
            facets[name] = [
                FacetValue(t.slug, t.name, t.n, t.slug in selected)
                for t in rows
                if t.n or t.slug in selected
            ]

        matching = self._queryset_without("country").values("pk")
        selected_countries = set(data.get("country") or [])
        by_country = dict(
            CaseStudy.objects.filter(pk__in=matching)
            .values_list("city__country")
            .annotate(n=Count("pk"))
            .values_list("city__country", "n")
        )
        for code in selected_countries:
            by_country.setdefault(code, 0)
        facets["country"] = sorted(
            (
                FacetValue(
                    code, str(countries.name(code)), n, code in selected_countries
                )
                for code, n in by_country.items()
            ),
            key=lambda f: f.name,
        )

        # The cities with the most results, and the selected ones: with thousands of
        # cities, listing every one made the page half a megabyte. Counted from the
        # cases' side, in one pass (a HAVING on the annotated count scanned twice).
        matching = self._queryset_without("city").values("pk")
        selected = {c.pk: c for c in (data.get("city") or [])}
        counts = dict(
            CaseStudy.objects.filter(pk__in=matching)
            .values_list("city")
            .annotate(n=Count("pk"))
            .order_by("-n", "city")
            .values_list("city", "n")[:CITY_FACET_SIZE]
        )
        missing = [pk for pk in selected if pk not in counts]
        if missing:
            counts.update(
                CaseStudy.objects.filter(pk__in=matching, city__in=missing)
                .values_list("city")
                .annotate(n=Count("pk"))
                .values_list("city", "n")
            )
        shown = City.objects.filter(pk__in=[*counts, *selected])
        facets["city"] = sorted(
            (
                FacetValue(slug, name, counts.get(pk, 0), pk in selected)
                for pk, slug, name in shown.values_list("pk", "slug", "name")
            ),
            key=lambda f: (-f.count, f.name),
        )
        return facets


# How many cities the city facet lists (besides those selected).
CITY_FACET_SIZE = 20


@dataclass(frozen=True)
class FacetValue:
    value: str
    name: str
    count: int
    selected: bool
