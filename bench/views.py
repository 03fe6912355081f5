"""The naive baseline: the case list answered by the database alone (bench only).

The same view, template and paging as /cases/ (`CaseListView`); only the answer differs:
what a site without a search index would do. It is written out here in full, so that it
stays the same baseline whatever becomes of the site's own database search: every word
of the search a case-insensitive substring (`icontains`) of the title, the summary or a
section; the validated filters (`engine.Filters`, from the same FilterSet as /cases/)
applied in SQL; then one query counts the results, one reads the page's ids, and one per
facet counts its values over the results without the facet's own selection. The search
engine is held to answering the same question at least 100 times faster, cold
(bench/endpoints.py: SEARCH_OVER_BASELINE).
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from innovation_cases.engine.cards import Stored
from innovation_cases.engine.search import Filters, Result
from innovation_cases.models import CaseStudy, CaseStudyQuerySet
from innovation_cases.views import CaseListView

# The text a search looks in.
TEXT_FIELDS = (
    "title",
    "summary",
    "challenge",
    "approach",
    "results",
    "lessons_learned",
)
# Each facet's value, as a path from the case (the FilterSet's parameter names).
FACET_PATHS = {
    "innovation_type": "innovation_types__slug",
    "driver": "drivers__slug",
    "approach": "approaches__slug",
    "theme": "themes__slug",
    "lifecycle_stage": "lifecycle_stage__slug",
    "country": "city__country",
    "city": "city__slug",
}
# The database does not rank: relevance is newest first, as it was before the engine.
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "relevance": (F("published_at").desc(nulls_last=True), "title"),
    "newest": (F("published_at").desc(nulls_last=True), "title"),
    "oldest": (F("published_at").asc(nulls_last=True), "title"),
    "title": ("title",),
    "-title": ("-title",),
    "year": (F("year_started").asc(nulls_last=True), "title"),
    "-year": (F("year_started").desc(nulls_last=True), "title"),
}


def icontains(text: str) -> Q:
    """Every word of `text` in one of the text fields, in any case."""
    condition = Q()
    for word in text.split():
        condition &= reduce(
            operator.or_, (Q(**{f"{name}__icontains": word}) for name in TEXT_FIELDS)
        )
    return condition


def matching(
    text: str, filters: Filters, *, without: str | None = None
) -> CaseStudyQuerySet:
    """The published cases that answer the question, unordered; `without`: as if that
    facet had nothing selected (for its own counts)."""
    queryset = CaseStudy.objects.published().filter(icontains(text))
    for name, path in FACET_PATHS.items():
        values = filters.selected(name)
        if values and name != without:
            # Values within a facet are alternatives. A subquery rather than a join
            # keeps one row per case without DISTINCT.
            chosen = CaseStudy.objects.filter(**{f"{path}__in": list(values)})
            queryset = queryset.filter(pk__in=chosen.values("pk"))
    if filters.year_min is not None:
        queryset = queryset.filter(year_started__gte=filters.year_min)
    if filters.year_max is not None:
        queryset = queryset.filter(year_started__lte=filters.year_max)
    return queryset.order_by()


def counts(queryset: QuerySet[CaseStudy], path: str) -> dict[str, int]:
    """How many of `queryset` carry each value at `path`: one GROUP BY query."""
    rows = queryset.values_list(path).annotate(n=Count("pk")).values_list(path, "n")
    return {str(value): n for value, n in rows if value is not None}


class IcontainsCaseListView(CaseListView):
    def answer(self, text: str, filters: Filters, ordering: str, offset: int) -> Any:
        results = matching(text, filters)
        ids = list(
            results.order_by(*ORDERINGS[ordering]).values_list("pk", flat=True)[
                offset : offset + self.paginate_by
            ]
        )
        # The cards from the database, as the site would without its index.
        rows = {case.pk: case for case in results.filter(pk__in=ids).for_cards()}
        return Result(
            total=results.count(),
            ids=ids,
            stored=[Stored.from_case(rows[pk]) for pk in ids if pk in rows],
            facets={
                name: counts(matching(text, filters, without=name), path)
                for name, path in FACET_PATHS.items()
            },
        )
