"""The naive baseline: the case list answered by the database alone (bench only).

The same view, template, facets and paging as /cases/, only the answer differs: what a
site without a search index would do. The FilterSet's own database path filters (its
search is `filters.text_matches`, every word a case-insensitive substring of the title,
the summary or a section), then one query counts, one reads the page's ids and one per
facet counts its values over the results without the facet's own selection. This is
what the search engine is measured against.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from innovation_cases.engine.search import Filters, Result
from innovation_cases.filters import CaseStudyFilter
from innovation_cases.models import CaseStudy
from innovation_cases.views import CaseListView

# Each facet's value, as a path from the case.
FACET_PATHS = {
    "innovation_type": "innovation_types__slug",
    "driver": "drivers__slug",
    "approach": "approaches__slug",
    "theme": "themes__slug",
    "stage": "lifecycle_stage__slug",
    "country": "city__country",
    "city": "city__slug",
}


def _without(filterset: CaseStudyFilter, facet: str | None) -> QuerySet[CaseStudy]:
    """The results as they would be without `facet`'s selection (None: all of it)."""
    queryset = filterset.queryset.all()
    for name, value in filterset.form.cleaned_data.items():
        if name != facet:
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset.order_by()


def _counts(queryset: QuerySet[CaseStudy], path: str) -> dict[str, int]:
    rows = queryset.values_list(path).annotate(n=Count("pk")).values_list(path, "n")
    return {str(value): n for value, n in rows if value is not None}


class IcontainsCaseListView(CaseListView):
    def answer(self, text: str, filters: Filters, ordering: str, offset: int) -> Any:
        filterset = self.get_filterset()
        results = filterset.qs
        ids = list(
            results.values_list("pk", flat=True)[offset : offset + self.paginate_by]
        )
        return Result(
            total=results.count(),
            ids=ids,
            facets={
                name: _counts(_without(filterset, name), path)
                for name, path in FACET_PATHS.items()
            },
        )
