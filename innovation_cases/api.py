"""The API's endpoints for case studies, vocabularies, organisations and the live
statistics (registered in config/api.py)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.rest import Conflict
from config.viewsets import ApiViewMixin, CityRecordViewSet, ReadOnlyViewSet

from . import serializers as api_serializers
from .filters import CaseStudyFilter
from .models import (
    Approach,
    CaseStudy,
    Driver,
    InnovationType,
    LifecycleStage,
    Organisation,
    Source,
    Theme,
)
from .stats import site_statistics


class CaseStudyViewSet(CityRecordViewSet):
    """Case studies of public-sector innovation.

    Anyone reads the published cases; officers and reviewers also see their own
    cities' drafts. Officers create and update their own cities' cases, as drafts or
    submitted for review. Filters are those of the website's case list.
    """

    serializer_class = api_serializers.CaseStudySerializer
    filterset_class = CaseStudyFilter

    def get_queryset(self) -> QuerySet[CaseStudy]:
        # Ordering is the FilterSet's (`ordering`); it also ranks search results.
        return (
            CaseStudy.objects.visible_to(self.request.user)
            .with_facets()
            .select_related("city")
            .prefetch_related(
                "teams",
                "partners",
                Prefetch("sources", Source.objects.order_by("published_on", "title")),
            )
        )

    def check_writable(self, instance: CaseStudy) -> None:
        if instance.status not in CaseStudy.EDITABLE_STATUSES:
            raise Conflict(
                _(
                    "This case is %(status)s: it changes only through the review "
                    "workflow, so that the public never sees an unreviewed text."
                )
                % {"status": instance.get_status_display().lower()}
            )


class OrganisationViewSet(ReadOnlyViewSet):
    """Organisations that take part in cases as partners."""

    serializer_class = api_serializers.OrganisationSerializer
    queryset = Organisation.objects.select_related("city").order_by("name")
    filterset_class = None


class VocabularyViewSet(ReadOnlyViewSet):
    """A controlled vocabulary: a few terms, never filtered or paged."""

    filterset_class = None
    pagination_class = None


class InnovationTypeViewSet(VocabularyViewSet):
    """OPSI's four innovation types."""

    serializer_class = api_serializers.InnovationTypeSerializer
    queryset = InnovationType.objects.all()


class DriverViewSet(VocabularyViewSet):
    """What drives a city to innovate, internal or external."""

    serializer_class = api_serializers.DriverSerializer
    queryset = Driver.objects.all()


class ApproachViewSet(VocabularyViewSet):
    """How a city goes about innovating."""

    serializer_class = api_serializers.ApproachSerializer
    queryset = Approach.objects.all()


class ThemeViewSet(VocabularyViewSet):
    """The policy themes cases address."""

    serializer_class = api_serializers.ThemeSerializer
    queryset = Theme.objects.all()


class LifecycleStageViewSet(VocabularyViewSet):
    """How far an innovation has come."""

    serializer_class = api_serializers.LifecycleStageSerializer
    queryset = LifecycleStage.objects.all()


_share = inline_serializer(
    "Share",
    {
        "part": serializers.IntegerField(),
        "whole": serializers.IntegerField(),
        "fraction": serializers.FloatField(allow_null=True),
        "percent": serializers.IntegerField(allow_null=True),
    },
)
_row = inline_serializer(
    "BreakdownRow",
    {
        "slug": serializers.CharField(),
        "name": serializers.CharField(),
        "count": serializers.IntegerField(),
        "query": serializers.CharField(
            help_text="The case-list filter for these cases, e.g. theme=mobility."
        ),
        "group": serializers.CharField(),
        "group_name": serializers.CharField(),
    },
)


class StatsView(ApiViewMixin, APIView):
    """The live figures of the insights page, computed from published records only."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="stats_retrieve",
        responses=inline_serializer(
            "Stats",
            {
                "city_count": serializers.IntegerField(),
                "case_count": serializers.IntegerField(
                    help_text="Published cases only."
                ),
                "team_count": serializers.IntegerField(),
                "lab_count": serializers.IntegerField(),
                "strategy_count": serializers.IntegerField(),
                "funding_programme_count": serializers.IntegerField(),
                "team_share": _share,
                "strategy_share": _share,
                "cases_by": inline_serializer(
                    "CasesBy",
                    {
                        name: _row.__class__(many=True)
                        for name in (
                            "innovation_type",
                            "driver",
                            "approach",
                            "theme",
                            "lifecycle_stage",
                            "country",
                            "year",
                        )
                    },
                ),
                "cases_without_year": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(site_statistics().as_dict())
