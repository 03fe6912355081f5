"""FilterSets for the records of cities. Values are slugs (countries: ISO codes); several
are comma-separated. An unknown value is a 400 naming the parameter, before any query
(the shared filters are in core/filters.py)."""

from __future__ import annotations

import django_filters
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.filters import (
    ListWidget,
    NameSearchFilter,
    SlugListFilter,
    country_filter,
)

from .models import City, District, FundingProgramme, InnovationTeam, Lab, Strategy


def city_filter(field_name: str = "city") -> SlugListFilter:
    """`?city=` by slug, for any record with a path `field_name` to its city."""
    return SlugListFilter(
        field_name=field_name, queryset=City.objects.all(), label=_("City")
    )


class CityFilter(django_filters.FilterSet):
    country = country_filter("country")
    search = NameSearchFilter("name", "region")

    class Meta:
        model = City
        fields: list[str] = []


def countries_in_use(cities: QuerySet[City] | None = None) -> list[tuple[str, str]]:
    """The countries of the recorded cities (or of `cities`), as (code, name), by name
    in the active language (one query)."""
    cities = City.objects.all() if cities is None else cities
    codes = set(cities.order_by().values_list("country", flat=True).distinct())
    return [(code, str(name)) for code, name in countries if code in codes]


def by_country_name(in_use: list[tuple[str, str]]) -> Case:
    """Each city's country as its rank among the names of the countries `in_use` (see
    countries_in_use): the table shows names, so it sorts by them (the column holds
    ISO codes). A rank rather than the name, so that SQLite and PostgreSQL, whose
    collations differ, sort alike."""
    return Case(
        *(
            When(country=code, then=Value(rank))
            for rank, (code, _n) in enumerate(in_use)
        ),
        default=Value(len(in_use)),
        output_field=IntegerField(),
    )


class CityListFilter(CityFilter):
    """The table of cities on /cities/: CityFilter's filters and a sort order.

    Its queryset must carry `with_capacity()` and `with_published_case_count()`, which
    three of the orders sort by. Cities whose answer is not recorded (neither a record nor
    a statement of none) come after the others in both directions of the team and
    strategy columns. Every order ends with the name and the primary key,
    so that pages never share or skip a city.
    """

    # Each column: its sort key, and the direction a first click on it sorts in.
    COLUMNS = {
        "name": "asc",
        "country": "asc",
        "team": "desc",
        "strategy": "desc",
        "cases": "desc",
    }
    DEFAULT_ORDERING = "name"

    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        label=_("Sort by"),
        choices=[
            ("name", _("City, A–Z")),
            ("-name", _("City, Z–A")),
            ("country", _("Country, A–Z")),
            ("-country", _("Country, Z–A")),
            ("team", _("Without a dedicated team first")),
            ("-team", _("With a dedicated team first")),
            ("strategy", _("Without a formal strategy first")),
            ("-strategy", _("With a formal strategy first")),
            ("cases", _("Fewest published cases first")),
            ("-cases", _("Most published cases first")),
        ],
        empty_label=None,
    )

    @property
    def ordering_key(self) -> str:
        chosen = self.form.cleaned_data.get("ordering") if self.is_valid() else None
        return chosen or self.DEFAULT_ORDERING

    @cached_property
    def countries_in_use(self) -> list[tuple[str, str]]:
        """The choices of the country filter, and the order of the country column."""
        return countries_in_use()

    def filter_ordering(
        self, queryset: QuerySet[City], name: str, value: str
    ) -> QuerySet[City]:
        return queryset  # applied in filter_queryset, with the default when not given

    def filter_queryset(self, queryset: QuerySet[City]) -> QuerySet[City]:
        queryset = super().filter_queryset(queryset)
        key = self.ordering_key
        column = key.removeprefix("-")
        expression = (
            by_country_name(self.countries_in_use)
            if column == "country"
            else F(
                {
                    "name": "name",
                    "team": "_has_dedicated_team",
                    "strategy": "_has_formal_strategy",
                    "cases": "published_case_count",
                }[column]
            )
        )
        # A city whose answer is not recorded (NULL) comes last either way: it is
        # neither with nor without a team.
        primary = (
            expression.desc(nulls_last=True)
            if key.startswith("-")
            else expression.asc(nulls_last=True)
        )
        return queryset.order_by(primary, "name", "pk")


class DistrictFilter(django_filters.FilterSet):
    city = city_filter()

    class Meta:
        model = District
        fields: list[str] = []


class InnovationTeamFilter(django_filters.FilterSet):
    city = city_filter()
    country = country_filter("city__country")
    kind = django_filters.MultipleChoiceFilter(
        choices=InnovationTeam.Kind.choices, widget=ListWidget, label=_("Kind")
    )
    search = NameSearchFilter("name", "mandate")

    class Meta:
        model = InnovationTeam
        fields: list[str] = []


class LabFilter(django_filters.FilterSet):
    city = city_filter("team__city")
    team = SlugListFilter(
        field_name="team", queryset=InnovationTeam.objects.all(), label=_("Team")
    )

    class Meta:
        model = Lab
        fields: list[str] = []


class StrategyFilter(django_filters.FilterSet):
    city = city_filter()
    country = country_filter("city__country")
    status = django_filters.MultipleChoiceFilter(
        choices=Strategy.Status.choices, widget=ListWidget, label=_("Status")
    )

    class Meta:
        model = Strategy
        fields: list[str] = []


class FundingProgrammeFilter(django_filters.FilterSet):
    city = city_filter()
    country = country_filter("city__country")
    allocation = django_filters.MultipleChoiceFilter(
        choices=FundingProgramme.Allocation.choices,
        widget=ListWidget,
        label=_("How it is allocated"),
    )

    class Meta:
        model = FundingProgramme
        fields: list[str] = []
