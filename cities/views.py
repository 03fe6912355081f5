import hashlib
import json
from dataclasses import dataclass
from typing import Any

import django_filters
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.generic import DetailView, ListView, View
from django_countries import countries

from . import structured_data
from .filters import (
    CityListFilter,
    InnovationTeamFilter,
    StrategyFilter,
    countries_in_use,
)
from .models import City, InnovationTeam, Lab, Strategy


class FilteredListView(ListView):
    """A list filtered by a FilterSet's parameters and paged 50 at a time, with the
    page links' range. An invalid parameter is a 400 whose page names it (the list is
    empty then). /cities/, /teams/, /strategies/ and /organisations/ are ones."""

    paginate_by = 50
    filterset_class: type[django_filters.FilterSet]

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_filterset(self) -> django_filters.FilterSet:
        if not hasattr(self, "_filterset"):
            self._filterset = self.filterset_class(
                self.request.GET, queryset=self.base_queryset()
            )
        return self._filterset

    def get_queryset(self) -> QuerySet[Any]:
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return self.base_queryset().none()
        return filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        page = context["page_obj"]
        context.update(
            filter=self.get_filterset(),
            query_string=params.urlencode(),
            # Whether any filter is chosen: the empty list then says "none matches".
            filtered=any(v for k, v in params.items() if k != "ordering"),
            page_range=list(
                page.paginator.get_elided_page_range(page.number, on_each_side=2)
            ),
            ellipsis=Paginator.ELLIPSIS,
        )
        return context

    def render_to_response(
        self, context: dict[str, Any], **kwargs: Any
    ) -> HttpResponse:
        if not self.get_filterset().is_valid():
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)


class CityListView(FilteredListView):
    """The table of cities, filtered by CityFilter's parameters, sorted and paged.

    The map above it loads its points from CityMapDataView, so the page's size and cost
    depend on the page size, not on the number of cities.
    """

    template_name = "cities/city_list.html"
    context_object_name = "cities"
    filterset_class = CityListFilter

    def base_queryset(self) -> QuerySet[City]:
        return City.objects.with_capacity().with_published_case_count()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            columns=sort_columns(filterset, params),
            # The map's points come from their own URL; the page only needs to know
            # whether there are any, to say so when there are none.
            has_coordinates=City.objects.located().exists(),
            countries_in_use=filterset.countries_in_use,
        )
        return context


def _choices_of(cities: QuerySet[City]) -> dict[str, Any]:
    """The city and country filters' options: the cities given (those that have the
    listed records), and their countries by name (two queries)."""
    return {
        "city_options": list(
            cities.order_by("name", "pk").distinct().values_list("slug", "name")
        ),
        "country_options": countries_in_use(cities),
    }


class TeamListView(FilteredListView):
    """/teams/: every innovation team, with its city, kind, founding year and how many
    labs and funding programmes it has; filtered by InnovationTeamFilter (the API's)."""

    template_name = "cities/innovationteam_list.html"
    context_object_name = "teams"
    filterset_class = InnovationTeamFilter

    def base_queryset(self) -> QuerySet[InnovationTeam]:
        return (
            InnovationTeam.objects.select_related("city")
            .with_record_counts()
            .order_by("city__name", "name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            _choices_of(City.objects.filter(teams__isnull=False)),
            kinds=InnovationTeam.Kind.choices,
        )
        return context


class StrategyListView(FilteredListView):
    """/strategies/: every strategy with its city, status and years; filtered by
    StrategyFilter (the API's)."""

    template_name = "cities/strategy_list.html"
    context_object_name = "strategies"
    filterset_class = StrategyFilter

    def base_queryset(self) -> QuerySet[Strategy]:
        return Strategy.objects.select_related("city").order_by(
            "city__name", F("period_start").desc(nulls_last=True), "title", "pk"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            _choices_of(City.objects.filter(strategies__isnull=False)),
            statuses=Strategy.Status.choices,
        )
        return context


@dataclass(frozen=True)
class SortColumn:
    """A sortable column's header: the link that sorts by it, and its aria-sort."""

    key: str
    href: str
    aria_sort: str  # "ascending", "descending" or "" (not sorted by this column)


def sort_columns(filterset: CityListFilter, params: QueryDict) -> dict[str, SortColumn]:
    """For each column, the query string that sorts by it (keeping the filters, back to
    the first page): the other direction if the table is sorted by it already, its
    natural direction (A–Z, most first) if not."""
    current = filterset.ordering_key if filterset.is_valid() else ""
    columns = {}
    for key, first in CityListFilter.COLUMNS.items():
        if current == key:
            aria_sort, target = "ascending", f"-{key}"
        elif current == f"-{key}":
            aria_sort, target = "descending", key
        else:
            aria_sort, target = "", key if first == "asc" else f"-{key}"
        linked = params.copy()
        linked["ordering"] = target
        columns[key] = SortColumn(key, f"?{linked.urlencode()}", aria_sort)
    return columns


class CityMapDataView(View):
    """Every city with coordinates as GeoJSON, for the map on /cities/ (one query).

    Points are [longitude, latitude], as GeoJSON requires. The answer is the same for
    every visitor, so it may be kept by browsers and shared caches for a few minutes, and
    its ETag lets them revalidate it for the price of the query alone.
    """

    MAX_AGE = 300

    def get(self, request: HttpRequest) -> HttpResponseBase:
        # One reverse() for every city: the URL differs only by the slug.
        placeholder = "__slug__"
        url = reverse("cities:city_detail", kwargs={"slug": placeholder})
        rows = (
            City.objects.located()
            .with_published_case_count()
            .order_by("name", "pk")
            # (published_case_count is the annotation, unknown to django-stubs.)
            .values(  # type: ignore[misc]
                "name",
                "slug",
                "country",
                "latitude",
                "longitude",
                "published_case_count",
            )
        )
        features = [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(row["longitude"]), float(row["latitude"])],
                },
                "properties": {
                    "name": row["name"],
                    "slug": row["slug"],
                    "url": url.replace(placeholder, row["slug"]),
                    "country": str(countries.name(row["country"])),
                    "cases": row["published_case_count"],
                },
            }
            for row in rows
        ]
        body = json.dumps(
            {"type": "FeatureCollection", "features": features},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
        response: HttpResponseBase | None = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(body, content_type="application/geo+json")
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=self.MAX_AGE)
        return response


class CityDetailView(DetailView):
    template_name = "cities/city_detail.html"
    context_object_name = "city"

    def get_queryset(self) -> QuerySet[City]:
        return City.objects.with_profile().prefetch_related("districts", "sources")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The other cities, for the "Compare with" form (one query).
        context = super().get_context_data(
            compare_choices=City.objects.exclude(pk=self.object.pk).choices(),
            **kwargs,
        )
        # The city government and its teams, as schema.org JSON-LD.
        context["structured_data"] = structured_data.city_government(
            self.request, self.object
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


class StrategyDetailView(DetailView):
    template_name = "cities/strategy_detail.html"
    context_object_name = "strategy"

    def get_queryset(self) -> QuerySet[Strategy]:
        return Strategy.objects.select_related("city", "team").prefetch_related(
            "innovation_types", "sources"
        )
