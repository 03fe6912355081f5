"""The naive baseline: the case list, its search done by `icontains` (bench only).

The same view, template, facet counts and paging as /cases/, only the search differs:
every word of the query must occur, as a case-insensitive substring, in one of the six
text fields. That is what a site without a search index would do, and what the index
is measured against.
"""

from __future__ import annotations

from django.db.models import FloatField, Q, QuerySet, Value

from innovation_cases import search as full_text
from innovation_cases.filters import CaseStudyFilter
from innovation_cases.models import CaseStudy
from innovation_cases.views import CaseListView

TEXT_FIELDS = (
    "title",
    "summary",
    "challenge",
    "approach",
    "results",
    "lessons_learned",
)


class IcontainsCaseStudyFilter(CaseStudyFilter):
    def filter_search(
        self, queryset: QuerySet[CaseStudy], name: str, value: str
    ) -> QuerySet[CaseStudy]:
        if not value or name == "search" and self.form.cleaned_data.get("q"):
            return queryset
        words = full_text.clean_text(value).split()
        for word in words:
            matches = Q()
            for field in TEXT_FIELDS:
                matches |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(matches)
        # A constant rank: the ordering is then by date, as an unranked search would be.
        return queryset.annotate(
            rank=Value(1.0, output_field=FloatField()),
            headline=full_text.highlighted_summary(words),
        )


class IcontainsCaseListView(CaseListView):
    def get_filterset(self) -> CaseStudyFilter:
        if not hasattr(self, "_filterset"):
            self._filterset = IcontainsCaseStudyFilter(
                self.request.GET, queryset=CaseStudy.objects.published().with_facets()
            )
        return self._filterset
