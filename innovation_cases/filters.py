"""The one definition of how cases are filtered, searched and sorted.

The HTML case list, its CSV/JSON exports, the Atom feed and the REST API all use
`CaseStudyFilter`, so a query parameter means the same thing everywhere. Facet values
are slugs (countries: ISO codes); several values may be repeated (`?theme=a&theme=b`,
as HTML checkboxes send them) or comma-separated (`?theme=a,b`). Values within a
facet are alternatives (OR); facets combine with AND.

Bad input never reaches the database: an unknown slug, a malformed number, an unknown
ordering, an over-long value, a search of more than `search.MAX_TERMS` words or a NUL
byte makes the form invalid, with an error keyed by the parameter's name. Any other
search text is valid: `search.parse_search` reads it into words and phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models
from django.db.models import F, QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from cities.models import FIRST_YEAR, LAST_YEAR, City
from config.cache import name_query, query_key, remember, remembering

from . import search as full_text
from .models import (
    Approach,
    CaseStudy,
    Driver,
    InnovationType,
    LifecycleStage,
    Theme,
)

MAX_VALUES = 50
MAX_QUERY_LENGTH = full_text.MAX_QUERY_LENGTH
# Python and ECMA-262 (the schema's `pattern`) read it alike.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,100}$"
SLUG_RE = re.compile(SLUG_PATTERN.replace("$", r"\Z"))


class ListWidget(forms.SelectMultiple):
    """Reads `?x=a&x=b` and `?x=a,b` alike; empty items are dropped. Duplicates are
    kept, so that a field can count the values as given (see `at_most`)."""

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
                if value:
                    values.append(value)
        return values


def at_most(values: list[str]) -> list[str]:
    """`values` without duplicates, or a 400 if more than MAX_VALUES were given. Counted
    before the duplicates go, as the OpenAPI schema's `maxItems` counts them."""
    if len(values) > MAX_VALUES:
        raise ValidationError(
            _("Choose at most %(limit)d values."),
            code="too_many",
            params={"limit": MAX_VALUES},
        )
    return list(dict.fromkeys(values))


class SlugListField(forms.ModelMultipleChoiceField):
    """Several slugs of one vocabulary; each must exist."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a known value."),
    }
    # What the OpenAPI schema says of the parameter (config/schema.py), from the same
    # constants as the checks below.
    schema_items = {"type": "string", "pattern": SLUG_PATTERN}
    max_values = MAX_VALUES

    def clean(self, value: Any) -> QuerySet[Any]:
        values = at_most(value or [])
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
    """ISO 3166-1 alpha-2 codes, in either case."""

    max_values = MAX_VALUES

    @property
    def schema_items(self) -> dict[str, Any]:
        # The codes in capitals; the API takes them in small letters too.
        return {"type": "string", "enum": [code for code, _name in countries]}

    def clean(self, value: Any) -> list[str]:
        return super().clean(at_most([str(v).upper() for v in (value or [])]))


class CountryListFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryListField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


def city_filter(field_name: str = "city") -> SlugListFilter:
    """`?city=` by slug, for any record with a path `field_name` to its city."""
    return SlugListFilter(
        field_name=field_name, queryset=City.objects.all(), label=_("City")
    )


def _country_choices() -> list[tuple[str, str]]:
    return list(countries)


def country_filter(field_name: str) -> CountryListFilter:
    """`?country=` by ISO code, for any record with a path `field_name` to a country."""
    return CountryListFilter(
        field_name=field_name,
        # A callable, so that the 250 choices are listed when a form shows or checks
        # them, not deep-copied with every FilterSet and form on each request.
        choices=_country_choices,
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
        validators=[full_text.validate_search_text],
        help_text=format_lazy(
            _(
                'Words to look for. Use "quotes" for a phrase, OR for either, - to '
                "exclude; at most {limit} words and phrases."
            ),
            limit=full_text.MAX_TERMS,
        ),
    )
    # The API's name for the same search.
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        validators=[full_text.validate_search_text],
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
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
    )
    year_max = YearFilter(
        field_name="year_started",
        lookup_expr="lte",
        label=_("Started in or before"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
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
    def qs(self) -> QuerySet[CaseStudy]:
        """The filtered cases, named for the data cache by what they depend on (see
        `cache_key`): compiling the filtered query (the search, the facets'
        subqueries) to key it would cost more than a request that finds it
        remembered."""
        queryset = super().qs
        if self.is_valid() and remembering():
            name_query(queryset, self.cache_key())
        return queryset

    def cache_key(self, *, ordered: bool = True) -> tuple[Any, ...]:
        """What the filtered cases depend on: this class (a subclass may filter
        otherwise), the base queryset (its SQL, a simple one) and the validated
        parameters, normalised, slugs as given rather than looked up; without the
        ordering if not `ordered`."""
        params = []
        for name, value in sorted(self.form.cleaned_data.items()):
            if name == "ordering" and not ordered:
                continue
            if isinstance(value, QuerySet):
                value = tuple(sorted(set(self.form[name].value() or ())))
            elif isinstance(value, list | tuple):
                value = tuple(sorted(value))
            params.append((name, value))
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            *query_key(self.queryset),
            tuple(params),
        )

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

    def _queryset_without(self, facet: str | None) -> QuerySet[CaseStudy]:
        """The results as they would be if `facet` were not filtered: for its counts
        (None: every filter applied, the results themselves)."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != facet:
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    # How each facet is counted: the table holding (case, value) pairs, and its columns.
    @staticmethod
    def _facet_sources() -> dict[str, tuple[str, str, str]]:
        cases = CaseStudy._meta.db_table
        sources = {}
        for name, field_name in [
            ("innovation_type", "innovation_types"),
            ("driver", "drivers"),
            ("approach", "approaches"),
            ("theme", "themes"),
        ]:
            field = CaseStudy._meta.get_field(field_name)
            sources[name] = (
                field.m2m_db_table(),  # type: ignore[union-attr]
                field.m2m_column_name(),  # type: ignore[union-attr]
                field.m2m_reverse_name(),  # type: ignore[union-attr]
            )
        sources["stage"] = (cases, "id", "lifecycle_stage_id")
        sources["city"] = (cases, "id", "city_id")
        return sources

    def _raw_counts(
        self, matching: QuerySet[CaseStudy], names: list[str]
    ) -> dict[str, dict[str, int]]:
        """For each facet in `names`, the number of `matching` cases with each value:
        one query, in which the matching cases (the search, if any) are found once."""
        if not names:
            return {}
        sources = self._facet_sources()
        try:
            match_sql, match_params = matching.values("pk").query.sql_with_params()
        except EmptyResultSet:  # Nothing can match (a search of punctuation only).
            return {name: {} for name in names}
        cities = City._meta.db_table
        branches = []
        for name in names:
            if name == "country":
                branches.append(
                    "SELECT 'country', CAST(ci.country AS TEXT), COUNT(*) "  # noqa: S608
                    f"FROM {CaseStudy._meta.db_table} c JOIN m ON m.id = c.id "
                    f"JOIN {cities} ci ON ci.id = c.city_id GROUP BY ci.country"
                )
                continue
            table, case_column, value_column = sources[name]
            branches.append(
                f"SELECT '{name}', CAST(t.{value_column} AS TEXT), COUNT(*) "  # noqa: S608
                f"FROM {table} t JOIN m ON m.id = t.{case_column} "
                f"WHERE t.{value_column} IS NOT NULL GROUP BY t.{value_column}"
            )
        # Only names from the models (and the facets' own fixed names) are formatted
        # into the SQL; every value is a parameter of the matching query.
        sql = f"WITH m(id) AS ({match_sql}) " + " UNION ALL ".join(branches)  # noqa: S608
        counts: dict[str, dict[str, int]] = {name: {} for name in names}
        with connections[matching.db].cursor() as cursor:
            cursor.execute(sql, match_params)
            for name, value, n in cursor.fetchall():
                counts[name][value] = n
        return counts

    def facet_counts(self) -> dict[str, list[FacetValue]]:
        """For each facet, how many results each of its values would give.

        Within a facet the counts ignore the facet's own selection (values are OR-ed),
        so a visitor can see what adding a value would give. The facets with nothing
        selected all count the results themselves: one query counts them together,
        finding the matching cases (running the search) once. Each facet with a
        selection takes one query of its own. Then one small query for each
        vocabulary's terms, and one for the cities shown.
        """
        if not self.is_valid():
            return {}
        if not remembering():
            return self._facet_counts()
        # The facets depend on every filter but not on the ordering.
        key = ("facet_counts", *self.cache_key(ordered=False))
        return remember(key, self._facet_counts)

    def _facet_counts(self) -> dict[str, list[FacetValue]]:
        data = self.form.cleaned_data
        term_facets: dict[str, type[models.Model]] = {
            "innovation_type": InnovationType,
            "driver": Driver,
            "approach": Approach,
            "theme": Theme,
            "stage": LifecycleStage,
        }
        names = [*term_facets, "country", "city"]
        unselected = [name for name in names if not data.get(name)]
        counts = self._raw_counts(self._queryset_without(None), unselected)
        for name in names:
            if name not in unselected:
                counts.update(self._raw_counts(self._queryset_without(name), [name]))

        facets: dict[str, list[FacetValue]] = {}
        for name, model in term_facets.items():
            selected = {t.slug for t in (data.get(name) or [])}
            facets[name] = [
                FacetValue(t.slug, t.name, n, t.slug in selected)
                for t in model.objects.order_by(*model._meta.ordering)
                for n in [counts[name].get(str(t.pk), 0)]
                if n or t.slug in selected
            ]

        selected_countries = set(data.get("country") or [])
        by_country = dict(counts["country"])
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
        # cities, listing every one made the page half a megabyte.
        selected = {c.pk: c for c in (data.get("city") or [])}
        by_city = {int(pk): n for pk, n in counts["city"].items()}
        top = sorted(by_city, key=lambda pk: (-by_city[pk], pk))[:CITY_FACET_SIZE]
        shown = City.objects.filter(pk__in=[*top, *selected])
        facets["city"] = sorted(
            (
                FacetValue(slug, name, by_city.get(pk, 0), pk in selected)
                for pk, slug, name in shown.values_list("pk", "slug", "name")
            ),
            key=lambda f: (-f.count, f.name),
        )
        return facets


@dataclass(frozen=True)
class FacetValue:
    value: str
    name: str
    count: int
    selected: bool


# How many cities the city facet lists (besides those selected).
CITY_FACET_SIZE = 20
