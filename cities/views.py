from functools import cache
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.views.generic import DetailView, ListView

from config.cache import RememberedObjectMixin
from innovation_cases.models import CaseStudy

from .models import City, InnovationTeam, Lab, Strategy


class CityListView(ListView):
    template_name = "cities/city_list.html"
    context_object_name = "cities"

    def get_queryset(self) -> QuerySet[City]:
        published = Q(cases__status=CaseStudy.Status.PUBLISHED)
        # Django leaves Meta.ordering out of GROUP BY queries: order explicitly.
        return (
            City.objects.with_capacity()
            .annotate(published_case_count=Count("cases", filter=published))
            .order_by("name", "country")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Built from the rows the table shows, so the map costs no query of its own.
        context["cities_geo"] = [
            city_geo(city) for city in context["cities"] if city.latitude is not None
        ]
        return context


def city_geo(city: City) -> dict[str, Any]:
    """What the map's JSON data island says about a city (it must have coordinates)."""
    return {
        "name": city.name,
        "url": city.get_absolute_url(),
        "country": str(city.country.name),
        "lat": float(city.latitude),
        "lng": float(city.longitude),
        "cases": city.published_case_count,
    }


# How many of its cases a city's page shows; the case list has the rest.
CITY_PAGE_CASES = 12


class CityDetailView(RememberedObjectMixin, DetailView):
    template_name = "cities/city_detail.html"
    context_object_name = "city"

    def get_queryset(self) -> QuerySet[City]:
        labs = Lab.objects.select_related("district")
        return City.objects.with_capacity().prefetch_related(
            "districts",
            Prefetch(
                "teams",
                queryset=InnovationTeam.objects.prefetch_related(
                    Prefetch("labs", queryset=labs)
                ),
            ),
            Prefetch("strategies", queryset=Strategy.objects.select_related("team")),
            "funding_programmes__team",
            "sources",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The newest few, and a link to all of them in the case list: a city with
        # thousands of cases must not put thousands of cards on one page. Both are
        # found only if the template renders the city's body (it is remembered): the
        # count is a function the template calls (once: it is cached), the cases a
        # queryset it iterates.
        published = CaseStudy.objects.published().for_city(self.object)
        context["case_count"] = cache(published.count)
        context["cases"] = published.with_facets().order_by("-published_at", "title")[
            :CITY_PAGE_CASES
        ]
        context["all_cases_url"] = (
            reverse("innovation_cases:case_list") + f"?city={self.object.slug}"
        )
        return context


class TeamDetailView(DetailView):
    template_name = "cities/innovationteam_detail.html"
    context_object_name = "team"

    def get_queryset(self) -> QuerySet[InnovationTeam]:
        return InnovationTeam.objects.select_related("city", "parent").prefetch_related(
            Prefetch("labs", queryset=Lab.objects.select_related("district")),
            "funding_programmes",
            "strategies",
            "sources",
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["cases"] = (
            CaseStudy.objects.published().filter(teams=self.object).with_facets()
        )
        return context


class StrategyDetailView(DetailView):
    template_name = "cities/strategy_detail.html"
    context_object_name = "strategy"

    def get_queryset(self) -> QuerySet[Strategy]:
        return Strategy.objects.select_related("city", "team").prefetch_related(
            "innovation_types", "sources"
        )
