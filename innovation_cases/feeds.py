from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .filters import CaseStudyFilter
from .models import CaseStudy


class CaseFeed(Feed):
    """Newly published cases, as Atom; the case list's filters apply here too."""

    feed_type = Atom1Feed
    title = _("Public Innovation Atlas: newly published cases")
    subtitle = _(
        "Case studies of public-sector innovation in European city governments."
    )
    limit = 50

    def get_object(self, request: HttpRequest) -> CaseStudyFilter:  # type: ignore[override]
        self.request = request
        return CaseStudyFilter(request.GET, queryset=CaseStudy.objects.published())

    def link(self, filterset: CaseStudyFilter) -> str:
        query = self.request.GET.urlencode()
        return reverse("innovation_cases:case_list") + (f"?{query}" if query else "")

    def items(self, filterset: CaseStudyFilter) -> QuerySet[CaseStudy]:
        if not filterset.is_valid():
            return CaseStudy.objects.none()
        # Newest publications first, whatever the list's own sort order.
        return filterset.qs.select_related("city").order_by("-published_at")[
            : self.limit
        ]

    def item_title(self, case: CaseStudy) -> str:
        return f"{case.title} ({case.city.name})"

    def item_description(self, case: CaseStudy) -> str:
        return case.summary

    def item_pubdate(self, case: CaseStudy) -> datetime | None:
        return case.published_at

    def item_updateddate(self, case: CaseStudy) -> datetime:
        return case.updated_at
