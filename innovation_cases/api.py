"""The API's endpoints for case studies, vocabularies, organisations and the live
statistics (registered in config/api.py)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, cast

from django.db.models import Max, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cities.viewsets import CityRecordViewSet
from core.api_examples import api_url, record_examples, web_url
from core.models import Source
from core.rest import Conflict, PageNumberPagination
from core.slugs import SLUG_PATTERN
from core.viewsets import ApiViewMixin, ReadOnlyViewSet
from core.vocabularies import VOCABULARIES, Vocabulary

from . import api_examples as examples
from . import serializers as api_serializers
from .compare import MAX_CITIES, MIN_CITIES, CompareForm, compare
from .engine import search as engine
from .filters import CaseStudyFilter
from .models import CaseStudy, CaseStudyQuerySet, Organisation
from .stats import site_statistics


@extend_schema_view(
    **record_examples(
        name="Vienna's innovation pitch fund",
        read=examples.CASE,
        create=examples.CASE_WRITE,
        created=examples.CASE_CREATED,
        update=examples.CASE_WRITE,
        updated=examples.CASE_CREATED,
        partial={"results": examples.CASE["results"]},
        summary=examples.DEMO_CASE,
    )
)
class CaseStudyViewSet(CityRecordViewSet):
    """Case studies of public-sector innovation.

    Anyone reads the published cases; officers and reviewers also see their own
    cities' drafts. Officers create and update their own cities' cases, as drafts or
    submitted for review. Filters are those of the website's case list.

    A list holds first the unpublished cases its reader may see (none for the
    public), then the published ones, each part in the requested order: `count`
    counts both, and one page may hold the last of the first part and the start of
    the second. The site's search engine finds the published cases; the unpublished
    ones are matched by the database, without the engine's stemming and typo
    tolerance.
    """

    serializer_class = api_serializers.CaseStudySerializer
    filterset_class = CaseStudyFilter

    def get_queryset(self) -> QuerySet[CaseStudy]:
        return with_relations(CaseStudy.objects.visible_to(self.request.user))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The published cases that match come from the search engine, which holds
        # nothing else (unpublished text never enters it); the unpublished ones from
        # the database, through the same FilterSet, and they are few: a reader's own
        # cities' drafts and submissions. See CaseResults for the paging across both.
        unpublished = CaseStudy.objects.visible_to(request.user).exclude(
            status=CaseStudy.Status.PUBLISHED
        )
        # The one FilterSet validates the parameters (a bad one is the 400 of any
        # filtered list), filters the unpublished cases and states the question.
        filterset = CaseStudyFilter(request.query_params, unpublished, request=request)
        if not filterset.is_valid():
            # It answers DRF's ValidationError; types-django-filter says a dict.
            raise translate_validation(filterset.errors)  # type: ignore[misc]
        results = CaseResults(
            filterset,
            self.get_queryset(),
            # Only a signed-in reader can see an unpublished case.
            with_unpublished=request.user.is_authenticated,
        )
        # The API's pagination class (settings.REST_FRAMEWORK): core.rest's.
        paginator = cast(PageNumberPagination, self.paginator)
        page = paginator.paginate_fetched(results.fetch, request)
        self._last_modified = results.last_modified()
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def check_writable(self, instance: CaseStudy) -> None:
        if instance.status not in CaseStudy.EDITABLE_STATUSES:
            raise Conflict(
                _(
                    "This case is %(status)s: it changes only through the review "
                    "workflow, so that the public never sees an unreviewed text."
                )
                % {"status": instance.get_status_display().lower()}
            )


def with_relations(cases: CaseStudyQuerySet) -> CaseStudyQuerySet:
    """`cases` with everything their representation shows, in a fixed number of
    queries whatever their number."""
    return (
        cases.with_facets()
        .select_related("city")
        .prefetch_related(
            "teams",
            "partners",
            Prefetch("sources", Source.objects.order_by("published_on", "title")),
        )
    )


class CaseResults:
    """The cases a valid `CaseStudyFilter` matches, as one reader may see them: the
    unpublished ones they may read first (from the database, `filterset.qs`, whose
    queryset holds only those), then the published ones (from the search engine).

    `fetch(offset, limit)` answers as a FetchingPaginator asks. With `u` unpublished
    matches, an offset below `u` takes the unpublished cases from there and fills the
    rest of the page with the engine's first results; an offset of `u` or more takes
    the engine's results from `offset - u`. The count is `u` plus the engine's total.
    """

    def __init__(
        self,
        filterset: CaseStudyFilter,
        cases: QuerySet[CaseStudy],
        *,
        with_unpublished: bool,
    ) -> None:
        self.filterset = filterset
        self.question = engine.question_from_filterset(filterset)
        # The reader's cases, with their relations: a page's rows come from here.
        self.cases = cases
        self.with_unpublished = with_unpublished

    @cached_property
    def unpublished_count(self) -> int:
        return self.filterset.qs.count() if self.with_unpublished else 0

    def fetch(self, offset: int, limit: int) -> tuple[int, list[CaseStudy]]:
        unpublished = self.unpublished_count
        first: list[int] = []
        if offset < unpublished:
            first = list(
                self.filterset.qs.values_list("pk", flat=True)[offset : offset + limit]
            )
        text, filters, ordering = self.question
        answer = engine.search(
            text,
            filters,
            ordering,
            max(0, offset - unpublished),
            limit - len(first),
            with_facets=False,
            with_snippets=False,
        )
        return unpublished + answer.total, self.rows([*first, *answer.ids])

    def rows(self, ids: list[int]) -> list[CaseStudy]:
        """The cases of `ids`, in that order, in one query (and its prefetches). An id
        the reader may no longer see (a case unpublished since the index heard of
        it) is left out, and an id given twice (a case published between the two
        queries) is shown once."""
        if not ids:
            return []
        by_id = {case.pk: case for case in self.cases.filter(pk__in=ids)}
        return [by_id.pop(i) for i in ids if i in by_id]

    def last_modified(self) -> datetime | None:
        """The latest update of a published case, or of an unpublished one listed: a
        change to any result is later than any date given before it. Of every
        published case, not only the matching ones, as the engine keeps no dates."""
        dates = [
            CaseStudy.objects.published().aggregate(latest=Max("updated_at"))["latest"]
        ]
        if self.unpublished_count:
            dates.append(
                self.filterset.qs.order_by().aggregate(latest=Max("updated_at"))[
                    "latest"
                ]
            )
        return max((d for d in dates if d is not None), default=None)


@extend_schema_view(
    **record_examples(
        name="Fondazione IU Rusconi Ghigi",
        read=examples.ORGANISATION,
        summary=examples.DEMO_ORGANISATION,
    )
)
class OrganisationViewSet(ReadOnlyViewSet):
    """Organisations that take part in cases as partners."""

    serializer_class = api_serializers.OrganisationSerializer
    queryset = Organisation.objects.select_related("city").order_by("name")
    filterset_class = None


class VocabularyViewSet(ReadOnlyViewSet):
    """A controlled vocabulary: a few terms, never filtered or paged."""

    filterset_class = None
    # Not paged: a vocabulary's list is all its terms (a few dozen at most), a bare
    # JSON array, as /api/v1/ has answered since it was published; paging it now would
    # break every client that reads it. The schema says so (UNPAGED).
    pagination_class = None


# What a vocabulary's list operation adds to the vocabulary's own description.
UNPAGED = (
    "Every term, in the vocabulary's order, as one JSON array: unlike the other "
    "lists, a vocabulary's is not paged (it holds a few terms), so it has no `count`, "
    "`next` or `results`, and `page` and `page_size` do not apply."
)


def vocabulary_viewset(vocabulary: Vocabulary) -> type[VocabularyViewSet]:
    """The read-only endpoint of one vocabulary's terms (vocabularies.py)."""
    name = f"{vocabulary.model.__name__}ViewSet"
    viewset = type(
        name,
        (VocabularyViewSet,),
        {
            "__doc__": vocabulary.description,
            "__module__": __name__,
            "__qualname__": name,
            "serializer_class": api_serializers.TERM_SERIALIZERS[vocabulary.name],
            "queryset": vocabulary.model._default_manager.all(),
        },
    )
    term = examples.TERMS[vocabulary.name]
    viewset = extend_schema_view(
        **record_examples(name=term["name"], read=term, summary=examples.DEMO_TERM)
    )(viewset)
    return extend_schema_view(
        list=extend_schema(description=f"{vocabulary.description} {UNPAGED}")
    )(viewset)


_share = inline_serializer(
    "Share",
    {
        "part": serializers.IntegerField(
            help_text="The cities, of `whole`, that have this capacity."
        ),
        "whole": serializers.IntegerField(
            help_text="The cities with a recorded answer: one is recorded (a team; "
            "an adopted strategy), or the city states it has none."
        ),
        "not_recorded": serializers.IntegerField(
            help_text="The cities with neither a record nor a statement of none: "
            "in neither `part` nor `whole` (not counted as cities without)."
        ),
        "fraction": serializers.FloatField(
            allow_null=True,
            help_text="part / whole; null when no city has a recorded answer.",
        ),
        "percent": serializers.IntegerField(
            allow_null=True,
            help_text="The fraction as a whole-number percentage, rounded half up; "
            "null when no city has a recorded answer.",
        ),
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
        examples=[
            OpenApiExample(
                "Figures",
                value=examples.STATS,
                summary=f"The figures: {examples.DEMO_STATS}",
                response_only=True,
            )
        ],
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
                            *(vocabulary.name for vocabulary in VOCABULARIES),
                            "evidence",
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


def _example_city(
    slug: str, name: str, country: str, records: dict[str, Any], cases: dict[str, Any]
) -> dict[str, Any]:
    return {
        "city": {
            "url": api_url(f"cities/{slug}/"),
            "slug": slug,
            "name": name,
            "country": country,
        },
        "web_url": web_url(f"cities/{slug}/"),
        "teams": [],
        "labs": [],
        "strategies": [],
        "funding_programmes": [],
        "funding_by_currency": [],
        **records,
        "cases": {
            "count": cases.get("count", 0),
            "query": f"city={slug}",
            "by": {
                vocabulary: [
                    {
                        "slug": term,
                        "name": term_name,
                        "count": count,
                        "query": f"city={slug}&{vocabulary}={term}",
                    }
                    for term, term_name, count in cases.get(vocabulary, [])
                ]
                for vocabulary in ("innovation_type", "theme", "lifecycle_stage")
            },
        },
    }


# The demo content's answer for ?cities=vienna,bratislava, each vocabulary shortened to
# the terms that count a case (tests/api/test_schema_examples.py compares them).
COMPARISON_EXAMPLE = OpenApiExample(
    "Vienna and Bratislava",
    summary="Vienna's records beside a city with none recorded (shortened: each "
    "vocabulary lists every term, those that count no case too)",
    value={
        "cities": [
            _example_city(
                "vienna",
                "Vienna",
                "AT",
                {
                    "teams": [
                        {
                            "url": api_url("teams/imco-vienna/"),
                            "slug": "imco-vienna",
                            "name": "Innovation Management Coordination Office (IMCO)",
                            "kind": "coordination_office",
                            "year_established": None,
                            "web_url": web_url("teams/imco-vienna/"),
                        }
                    ],
                    "funding_programmes": [
                        {
                            "url": api_url(
                                "funding-programmes/imco-innovation-project-funds/"
                            ),
                            "slug": "imco-innovation-project-funds",
                            "name": "Innovation project funds",
                            "amount": 1500000.0,
                            "currency": "EUR",
                            "allocation": "pitch_competition",
                            "year": None,
                        }
                    ],
                    "funding_by_currency": [
                        {
                            "currency": "EUR",
                            "total": 1500000.0,
                            "programmes": 1,
                            "amounts_recorded": 1,
                        }
                    ],
                },
                {
                    "count": 1,
                    "innovation_type": [
                        ("enhancement-oriented", "Enhancement-oriented", 1)
                    ],
                    "theme": [
                        ("government-capacity", "Innovation capacity in government", 1)
                    ],
                    "lifecycle_stage": [("generating-ideas", "Generating ideas", 1)],
                },
            ),
            _example_city("bratislava", "Bratislava", "SK", {}, {}),
        ]
    },
    response_only=True,
)


class CityCompareView(ApiViewMixin, APIView):
    """Two to four cities side by side: their innovation teams, labs (with their
    staffing), strategies and funding programmes (each amount in its own currency,
    totalled per currency, never across currencies), and their published cases by
    innovation type, theme and lifecycle stage. The same comparison as the page
    /cities/compare/ (compare.py)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="cities_compare",
        parameters=[
            OpenApiParameter(
                "cities",
                {
                    "type": "array",
                    "items": {"type": "string", "pattern": SLUG_PATTERN},
                    "minItems": MIN_CITIES,
                    "maxItems": MAX_CITIES,
                    "uniqueItems": True,
                },
                OpenApiParameter.QUERY,
                required=True,
                style="form",
                explode=False,
                description=(
                    f"The slugs of {MIN_CITIES} to {MAX_CITIES} different cities, "
                    "comma-separated (cities=vienna,bologna) or repeated "
                    "(cities=vienna&cities=bologna), in the order of the answer. "
                    "Fewer, more, an unknown slug or one given twice is a 400 naming "
                    "`cities`."
                ),
            )
        ],
        responses=api_serializers.CityComparisonSerializer,
        examples=[COMPARISON_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        form = CompareForm(request.query_params)
        if not form.is_valid():
            # Said as a FilterSet's errors are: a 400 whose `errors` name `cities`.
            # (It answers DRF's ValidationError; types-django-filter says a dict of
            # lists, where a form's ErrorDict is.)
            raise translate_validation(form.errors)  # type: ignore[misc, arg-type]
        serializer = api_serializers.CityComparisonSerializer(
            compare(form.cleaned_data["cities"]), context={"request": request}
        )
        return Response(serializer.data)
