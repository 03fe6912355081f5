"""The API's endpoints for cities and their capacity (registered in config/api.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from core.api_examples import record_examples
from core.slugs import SLUG_PATH
from core.viewsets import ReadOnlyViewSet

from . import api_examples as examples
from . import filters, serializers
from .models import City, District, FundingProgramme, InnovationTeam, Lab, Strategy
from .viewsets import CityRecordViewSet


@extend_schema_view(
    **record_examples(name="Vienna", read=examples.CITY, summary=examples.DEMO_CITY)
)
class CityViewSet(ReadOnlyViewSet):
    """Cities, with their capacity: teams, labs, strategies and funding programmes."""

    serializer_class = serializers.CitySerializer
    filterset_class = filters.CityFilter

    def get_queryset(self) -> QuerySet[City]:
        return (
            City.objects.with_capacity()
            .with_published_case_count()
            .prefetch_related(
                Prefetch("districts", District.objects.select_related("city")),
                "teams",
                "strategies",
                "funding_programmes",
            )
            .order_by("name")
        )


@extend_schema_view(
    **record_examples(
        name="Navile", read=examples.DISTRICT, summary=examples.DEMO_DISTRICT
    )
)
@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "key",
                str,
                OpenApiParameter.PATH,
                pattern=rf"^{SLUG_PATH}/{SLUG_PATH}$",
                description="The city's slug and the district's, e.g. bologna/navile.",
            )
        ]
    )
)
class DistrictViewSet(ReadOnlyViewSet):
    """Districts of cities. A district's slug is unique within its city, so a district
    is looked up by both: /districts/<city>/<district>/."""

    serializer_class = serializers.DistrictSerializer
    filterset_class = filters.DistrictFilter
    lookup_field = "key"
    lookup_value_regex = rf"{SLUG_PATH}/{SLUG_PATH}"

    def get_queryset(self) -> QuerySet[District]:
        return District.objects.select_related("city").order_by("city__name", "name")

    def get_object(self) -> District:
        city_slug, slug = self.kwargs["key"].split("/", 1)
        district = get_object_or_404(
            self.get_queryset(), city__slug=city_slug, slug=slug
        )
        self.check_object_permissions(self.request, district)
        return district


@extend_schema_view(
    **record_examples(
        name="IMCO",
        read=examples.TEAM,
        create=examples.TEAM_WRITE,
        update=examples.TEAM_WRITE,
        partial={"mandate": examples.TEAM_WRITE["mandate"]},
        summary=examples.DEMO_TEAM,
    )
)
class InnovationTeamViewSet(CityRecordViewSet):
    """Innovation teams. Officers create and update their own cities' teams."""

    serializer_class = serializers.InnovationTeamSerializer
    filterset_class = filters.InnovationTeamFilter

    def get_queryset(self) -> QuerySet[InnovationTeam]:
        return (
            InnovationTeam.objects.select_related("city", "parent")
            .prefetch_related("labs")
            .order_by("city__name", "name")
        )


@extend_schema_view(
    **record_examples(
        name="IU lab, Navile",
        read=examples.LAB,
        create=examples.LAB_WRITE,
        update=examples.LAB_WRITE,
        partial={"partner_staff_min": 2, "partner_staff_max": 3},
        summary=examples.DEMO_LAB,
    )
)
class LabViewSet(CityRecordViewSet):
    """Labs: a team's local units. Officers create and update their own cities' labs."""

    serializer_class = serializers.LabSerializer
    filterset_class = filters.LabFilter

    def get_queryset(self) -> QuerySet[Lab]:
        return Lab.objects.select_related("team__city", "district__city").order_by(
            "team__city__name", "team__name", "name"
        )

    def city_of(self, attrs: dict[str, Any], instance: Any = None) -> City | None:
        team = attrs.get("team") or getattr(instance, "team", None)
        return team.city if team else None


@extend_schema_view(
    **record_examples(
        name="Example strategy",
        read=examples.STRATEGY,
        create=examples.STRATEGY_WRITE,
        update=examples.STRATEGY_WRITE,
        partial={"summary": examples.STRATEGY_WRITE["summary"]},
        summary=examples.ILLUSTRATIVE_STRATEGY,
    )
)
class StrategyViewSet(CityRecordViewSet):
    """Innovation strategies. Officers create and update their own cities' strategies."""

    serializer_class = serializers.StrategySerializer
    filterset_class = filters.StrategyFilter

    def get_queryset(self) -> QuerySet[Strategy]:
        return (
            Strategy.objects.select_related("city", "team")
            .prefetch_related("innovation_types")
            .order_by("city__name", "-period_start", "title")
        )


@extend_schema_view(
    **record_examples(
        name="Innovation project funds",
        read=examples.PROGRAMME,
        create=examples.PROGRAMME_WRITE,
        update=examples.PROGRAMME_WRITE,
        partial={"training_offered": True},
        summary=examples.DEMO_PROGRAMME,
    )
)
class FundingProgrammeViewSet(CityRecordViewSet):
    """Funding programmes. Officers create and update their own cities' programmes."""

    serializer_class = serializers.FundingProgrammeSerializer
    filterset_class = filters.FundingProgrammeFilter

    def get_queryset(self) -> QuerySet[FundingProgramme]:
        return FundingProgramme.objects.select_related("city", "team").order_by(
            "city__name", "name"
        )
