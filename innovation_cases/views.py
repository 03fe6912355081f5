from typing import Any

from django.db.models import Count, Q, QuerySet
from django.views.generic import DetailView, ListView, TemplateView

from cities.models import City

from .models import CaseStudy, Driver, InnovationType, Term, Theme

PUBLISHED_CASES = Q(cases__status=CaseStudy.Status.PUBLISHED)


class HomeView(TemplateView):
    template_name = "innovation_cases/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cities = City.objects.with_capacity()
        city_count = cities.count()
        context.update(
            city_count=city_count,
            case_count=CaseStudy.objects.published().count(),
            team_share=_share(
                cities.filter(_has_dedicated_team=True).count(), city_count
            ),
            strategy_share=_share(
                cities.filter(_has_formal_strategy=True).count(), city_count
            ),
            recent_cases=CaseStudy.objects.published().with_facets()[:6],
            innovation_types=InnovationType.objects.annotate(
                case_count=Count("cases", filter=PUBLISHED_CASES)
            ),
            themes=Theme.objects.annotate(
                case_count=Count("cases", filter=PUBLISHED_CASES)
            ),
        )
        return context


def _share(part: int, whole: int) -> int | None:
    """A whole-number percentage, or None when there is nothing to divide by."""
    return round(100 * part / whole) if whole else None


class CaseListView(ListView):
    template_name = "innovation_cases/casestudy_list.html"
    context_object_name = "cases"
    paginate_by = 20

    def get_queryset(self) -> QuerySet[CaseStudy]:
        return CaseStudy.objects.published().with_facets()


class CaseDetailView(DetailView):
    template_name = "innovation_cases/casestudy_detail.html"
    context_object_name = "case"

    def get_queryset(self) -> QuerySet[CaseStudy]:
        # Only published cases are public: a draft's URL is a 404.
        return (
            CaseStudy.objects.published()
            .with_facets()
            .prefetch_related("teams", "partners", "sources")
        )


class TermDetailView(DetailView):
    """A taxonomy term: its definition and the published cases that carry it."""

    template_name = "innovation_cases/term_detail.html"
    context_object_name = "term"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        term: Term = self.object
        context["cases"] = term.cases.published().with_facets()
        return context


class InnovationTypeDetailView(TermDetailView):
    model = InnovationType


class ThemeDetailView(TermDetailView):
    model = Theme


class DriverDetailView(TermDetailView):
    model = Driver


class InsightsView(TemplateView):
    """Charts and tables of the live figures (owned by the insights work)."""

    template_name = "innovation_cases/insights.html"


class AboutView(TemplateView):
    template_name = "innovation_cases/about.html"
