"""FilterSets for the records of cities. Values are slugs (countries: ISO codes); several
are comma-separated. An unknown value is a 400 naming the parameter, before any query
(see innovation_cases/filters.py for the shared filters)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from innovation_cases.filters import (
    MAX_QUERY_LENGTH,
    ListWidget,
    SlugListFilter,
    city_filter,
    country_filter,
)

from .models import City, District, FundingProgramme, InnovationTeam, Lab, Strategy


class NameSearchFilter(django_filters.CharFilter):
    """`?search=` matches any of the given fields, ignoring case."""

    def __init__(self, *fields: str, **kwargs: object) -> None:
        self.search_fields = fields
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def filter(self, qs: QuerySet, value: str) -> QuerySet:  # type: ignore[type-arg]
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return qs.filter(condition)


class CityFilter(django_filters.FilterSet):
    country = country_filter("country")
    search = NameSearchFilter("name", "region")

    class Meta:
        model = City
        fields: list[str] = []


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
