from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.urls import reverse, translate_url
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found
from django.views.generic import DetailView, TemplateView, View

from core.language_names import language_name, local_name
from core.languages import neutral_path
from core.models import Approach, Driver, InnovationType, LifecycleStage, Term, Theme

from . import citations, exports, images
from .engine import search as engine
from .filters import CaseStudyFilter, FacetValue, facet_values, vocabulary_terms
from .models import (
    COMPLETENESS_ITEMS,
    EVIDENCE_DEFINITIONS,
    CaseRevision,
    CaseStudy,
    Evidence,
    Finding,
)
from .stats import Share, site_statistics

# How many of the newest cases the home page shows.
HOME_PAGE_CASES = 6


class HomeView(TemplateView):
    template_name = "innovation_cases/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The statistics compute each figure on first use; the newest cases come
        # from the search engine, as every public list does.
        context.update(
            stats=site_statistics(),
            recent_cases=engine.Newest(engine.Filters(), HOME_PAGE_CASES),
        )
        return context


class FilteredCasesMixin:
    """The question the query string asks of the published cases, validated by
    `CaseStudyFilter` (an invalid one is a 400 naming the parameter)."""

    request: HttpRequest

    def get_filterset(self) -> CaseStudyFilter:
        if not hasattr(self, "_filterset"):
            self._filterset = CaseStudyFilter(
                self.request.GET, queryset=CaseStudy.objects.published()
            )
        return self._filterset


class ResultPaginator(Paginator):
    """Django's Paginator over one answer of the search engine: its count is the
    engine's total, and the page asked for holds the rows the engine found for it, so
    that the template pages as it would any list."""

    def __init__(self, total: int, per_page: int) -> None:
        super().__init__((), per_page)
        self.total = total

    # Django's, private (Page or a subclass's), which django-stubs leaves out.
    _get_page: Callable[..., Page]

    @property
    def count(self) -> int:
        return self.total

    def page_with(self, number: int, rows: list[Any]) -> Page:
        """Page `number` (an InvalidPage past the last one), holding `rows`."""
        return self._get_page(rows, self.validate_number(number), self)


class CaseListView(FilteredCasesMixin, TemplateView):
    """/cases/: the parameters, validated by the FilterSet, asked of the search engine;
    the page's cards made from what the index stores (`engine.cards`)."""

    template_name = "innovation_cases/casestudy_list.html"
    paginate_by = 20

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        status = 200 if self.get_filterset().is_valid() else 400
        return self.render_to_response(self.get_context_data(**kwargs), status=status)

    def page_number(self) -> int:
        """The page asked for; a 404 if it is not a page number."""
        try:
            number = int(self.request.GET.get("page") or 1)
        except ValueError:
            raise Http404(_("Invalid page.")) from None
        if number < 1:
            raise Http404(_("Invalid page."))
        return number

    def answer(
        self, text: str, filters: engine.Filters, ordering: str, offset: int
    ) -> engine.Result:
        """The page's ids, the count, the facets' counts and the snippets."""
        return engine.search(
            text, filters, ordering, offset, self.paginate_by, with_cards=True
        )

    def usable_filterset(self) -> CaseStudyFilter:
        """The question asked, or, if some of its parameters are invalid, the question
        without them: the page says what was wrong and keeps the other filters (and
        their results) on screen, so that the reader corrects one field, not all."""
        filterset = self.get_filterset()
        if filterset.is_valid():
            return filterset
        rest = filterset.data.copy()
        for name in filterset.errors:
            rest.pop(name, None)
        usable = CaseStudyFilter(rest, queryset=CaseStudy.objects.published())
        if usable.is_valid():
            return usable
        return CaseStudyFilter({}, queryset=CaseStudy.objects.published())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        asked = self.get_filterset()
        filterset = self.usable_filterset()
        params = self.request.GET.copy()
        params.pop("page", None)
        if filterset.is_valid():
            text, filters, ordering = engine.question_from_filterset(filterset)
            number = self.page_number()
            result = self.answer(
                text, filters, ordering, (number - 1) * self.paginate_by
            )
            paginator = ResultPaginator(result.total, self.paginate_by)
            # The vocabularies name the facets' values and the cards' terms.
            terms = vocabulary_terms()
            try:
                page = paginator.page_with(
                    number, engine.cards(result.stored, result.snippets, terms)
                )
            except InvalidPage:
                raise Http404(_("Invalid page.")) from None
            facets = facet_values(result.facets, filters, terms)
        else:
            result = engine.Result(total=0, ids=[], facets={})
            paginator = ResultPaginator(0, self.paginate_by)
            page = paginator.page_with(1, [])
            facets = {}
        context.update(
            # The question as asked, its errors included (the page runs the usable rest).
            filter=asked,
            # What was wrong with the question, each field named as the form labels it.
            errors=[
                {"name": name, "label": field_label(name), "messages": messages}
                for name, messages in asked.errors.items()
            ],
            year_min_value=_first(asked.data, "year_min"),
            year_max_value=_first(asked.data, "year_max"),
            facets=facets,
            # Each facet's parameter, legend (its filter's label) and values, in the
            # order the vocabularies are declared in (vocabularies.py), the values
            # split into those shown and those behind "Show more".
            facet_groups=[
                (
                    name,
                    filterset.filters[name].label,
                    *collapsed(facets.get(name, [])),
                )
                for name in CaseStudyFilter.FACETS
            ],
            search_text=filterset.search_text,
            # What the reader typed, kept in the box even when it was refused.
            search_value=filterset.search_text or _first(asked.data, "q"),
            ordering=filterset.ordering_key,
            query_string=params.urlencode(),
            active_filters=active_filters(filterset, facets),
            filter_summary=filter_summary(filterset, facets),
            paginator=paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            cases=page.object_list,
            # Each card with its summary's snippet, matches marked.
            cards=[(card, card.snippet) for card in page.object_list],
            suggestion=result.suggestion,
            suggestion_query=_with_search(params, result.suggestion),
            typo_tolerant=result.typo_tolerant,
        )
        return context


# How many values of a facet show before its "Show more" (the selected ones always do):
# with thousands of cases, every value of every facet took 97 Tab presses to pass.
FACET_SHOWN = 8


def collapsed(values: list[FacetValue]) -> tuple[list[FacetValue], list[FacetValue]]:
    """A facet's values split into those shown (the FACET_SHOWN with the most cases,
    and every selected one) and the rest, each part in the facet's own order."""
    top = sorted(values, key=lambda v: -v.count)[:FACET_SHOWN]
    shown = {v.value for v in top} | {v.value for v in values if v.selected}
    return (
        [v for v in values if v.value in shown],
        [v for v in values if v.value not in shown],
    )


# A parameter as the filter form labels it, where that is not its filter's label (the
# facets' legends are): the error summary names the field the reader sees.
FORM_LABELS: dict[str, Any] = {
    "q": _("Search the cases"),
    "search": _("Search the cases"),
    "year_min": _("Year started"),
    "year_max": _("Year started"),
    "ordering": _("Sort by"),
}


def field_label(name: str) -> str:
    if name in FORM_LABELS:
        return str(FORM_LABELS[name])
    filter_ = CaseStudyFilter.base_filters.get(name)
    return str(filter_.label) if filter_ is not None else name


def _first(params: Any, name: str) -> str:
    value = params.get(name) if params is not None else None
    return str(value) if value is not None else ""


def filter_summary(
    filterset: CaseStudyFilter, facets: dict[str, list[FacetValue]]
) -> str:
    """The filters applied, as the page's title and heading name them ("City: Vienna;
    Theme: Housing, Mobility; Year started: 2015–2020"), with the labels and names the
    form shows, in the reader's language; "" if none is."""
    if not filterset.is_valid():
        return ""
    parts = []
    for name in CaseStudyFilter.FACETS:
        chosen = [v.name for v in facets.get(name, []) if v.selected]
        if chosen:
            parts.append(f"{filterset.filters[name].label}: {', '.join(chosen)}")
    first = filterset.form.cleaned_data.get("year_min")
    last = filterset.form.cleaned_data.get("year_max")
    if first is not None or last is not None:
        if first is None:
            years = _("until %(year)s") % {"year": last}
        elif last is None:
            years = _("from %(year)s") % {"year": first}
        else:
            years = f"{first}–{last}"
        parts.append(f"{FORM_LABELS['year_min']}: {years}")
    return "; ".join(parts)


def _with_search(params: QueryDict, text: str | None) -> str:
    """The query string of the same question with another search text (the "did you
    mean" link): every other parameter kept, back to the first page."""
    if text is None:
        return ""
    changed = params.copy()
    name = "q" if "q" in changed or "search" not in changed else "search"
    changed[name] = text
    return changed.urlencode()


def active_filters(
    filterset: CaseStudyFilter, facets: dict[str, list[FacetValue]]
) -> list[dict[str, str]]:
    """Each chosen filter value, with the query string that removes just that value."""
    if not filterset.is_valid():
        return []
    params = filterset.data
    names = {
        (facet, v.value): v.name for facet, values in facets.items() for v in values
    }
    chosen = []
    for name in (*CaseStudyFilter.FACETS, "year_min", "year_max", "q", "search"):
        for value in _values(params, name):
            remaining = params.copy()
            remaining.pop("page", None)
            rest = [v for v in _values(params, name) if v != value]
            remaining.setlist(name, rest)
            label = filterset.filters[name].label
            shown = names.get(
                (name, value.upper() if name == "country" else value), value
            )
            chosen.append(
                {"label": f"{label}: {shown}", "remove": remaining.urlencode()}
            )
    return chosen


def _values(params: QueryDict, name: str) -> list[str]:
    return [
        v.strip() for item in params.getlist(name) for v in item.split(",") if v.strip()
    ]


def invalid_filters_response(filterset: CaseStudyFilter) -> JsonResponse:
    """The 400 of the open data (the exports, the feed) when a filter is invalid: each
    bad parameter by name, with why. A program reads it; the list shows a page."""
    return JsonResponse({"errors": filterset.errors.get_json_data()}, status=400)


class CaseExportView(FilteredCasesMixin, View):
    """The filtered case list as CSV or JSON, streamed so memory stays flat: the
    search engine's matches, in the question's order, their stored documents read a
    chunk at a time (exports.py)."""

    format: str = "csv"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return invalid_filters_response(filterset)
        matches = engine.matching(*engine.question_from_filterset(filterset))
        # Run now, while an error can still be a 500 rather than a 200 cut short.
        chunks = exports.started(matches, exports.case_url_prefix(request))
        filename = f"atlas-cases.{self.format}"
        writer = exports.write_csv if self.format == "csv" else exports.write_json
        response = StreamingHttpResponse(
            writer(chunks), content_type=exports.CONTENT_TYPES[self.format]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


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

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case: CaseStudy = self.object
        context["related_cases"] = CaseStudy.objects.published().related_to(
            case, limit=4
        )
        # The reader's translation, else the original, marked with its language.
        text = case.in_language(get_language())
        context["text"] = text
        context["original_language_name"] = language_name(case.original_language)
        context["case_versions"] = [
            CaseVersion(
                code=code,
                name=local_name(code),
                url=translate_url(self.request.path, code),
                is_original=code == case.original_language,
            )
            for code in case.languages()
            if code != text.language
        ]
        context["citation"] = cite(self.request, case)
        # A sharing preview's image: the largest rendition, by its absolute URL.
        renditions = case.image_renditions
        if renditions:
            context["og_image"] = self.request.build_absolute_uri(renditions[-1].url)
        return context


def cite(request: HttpRequest, case: CaseStudy) -> citations.Citation:
    """The case's citation for the reader of this request's language, at its page's
    permanent (language-neutral) address."""
    url = request.build_absolute_uri(neutral_path(case.get_absolute_url()))
    return citations.case_citation(case, language=get_language(), url=url)


class CaseCitationView(DetailView):
    """/cases/<slug>/cite.bib, .ris, .json: the case's citation as a file for a
    reference manager (citations.py). A draft's is a 404, as its page is."""

    format: str = "bib"

    def get_queryset(self) -> QuerySet[CaseStudy]:
        return CaseStudy.objects.published().select_related("city")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        case: CaseStudy = self.get_object()
        body = citations.WRITERS[self.format](cite(request, case))
        response = HttpResponse(body, content_type=citations.CONTENT_TYPES[self.format])
        filename = f"{case.slug}.{self.format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@dataclass(frozen=True)
class CaseVersion:
    """A language a case can be read in, other than the one shown: a link to its page."""

    code: str
    name: str  # in itself ("Italiano")
    url: str
    is_original: bool


# How many of its cases a term's page shows; the case list has the rest.
TERM_PAGE_CASES = 12


class TermDetailView(DetailView):
    """A taxonomy term: its definition and the published cases that carry it."""

    template_name = "innovation_cases/term_detail.html"
    context_object_name = "term"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The newest few and a link to the case list filtered by the term: a theme
        # can carry tens of thousands of cases.
        term: Term = self.object
        context["newest"] = engine.Newest(
            # A facet's field, a tuple of slugs: the checker cannot tell which one.
            engine.Filters(**{term.filter_param: (term.slug,)}),  # type: ignore[arg-type]
            TERM_PAGE_CASES,
        )
        context["all_cases_url"] = (
            reverse("innovation_cases:case_list") + f"?{term.filter_param}={term.slug}"
        )
        return context


class InnovationTypeDetailView(TermDetailView):
    model = InnovationType


class ThemeDetailView(TermDetailView):
    model = Theme


class DriverDetailView(TermDetailView):
    model = Driver


class InsightsView(TemplateView):
    """Charts and tables of the live figures; apart from them, the study's findings."""

    template_name = "innovation_cases/insights.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        stats = site_statistics()
        context.update(
            stats=stats,
            capacity=[
                _capacity_row(_("Dedicated innovation team"), stats.team_share),
                _capacity_row(_("Formal innovation strategy"), stats.strategy_share),
            ],
            findings=_by_topic(Finding.objects.prefetch_related("sources")),
        )
        return context


def _capacity_row(name: str | Promise, share: Share) -> dict[str, Any]:
    """A bar of the capacity chart: its length is the cities, out of all cities."""
    label = _("%(percent)s%%") % {"percent": share.percent}
    return {"name": name, "share": share, "count": share.part, "label": label}


def _by_topic(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the order of their topics' choices (capacity first, "other" last)."""
    order = {topic: index for index, topic in enumerate(Finding.Topic.values)}
    return sorted(findings, key=lambda finding: order.get(finding.topic, len(order)))


class AboutView(TemplateView):
    """What public sector innovation is, the vocabularies, the licence, the sources."""

    template_name = "innovation_cases/about.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        drivers = list(Driver.objects.all())
        context.update(
            innovation_types=InnovationType.objects.all(),
            driver_groups=[
                (label, [d for d in drivers if d.group == group])
                for group, label in Driver.Group.choices
            ],
            approaches=Approach.objects.all(),
            themes=Theme.objects.all(),
            lifecycle_stages=LifecycleStage.objects.all(),
            evidence_levels=[
                (Evidence(value).label, EVIDENCE_DEFINITIONS[value])
                for value in Evidence.values
            ],
            completeness_items=COMPLETENESS_ITEMS,
        )
        return context


def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /cases/export.",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


# --- Case images ----------------------------------------------------------------------

# A published case's image may be kept by browsers and shared caches: its bytes never
# change. A day bounds how long a cache goes on showing it once the case is archived or
# its image replaced; Django itself stops serving it at once.
PUBLIC_IMAGE_MAX_AGE = 24 * 60 * 60


def _image_not_found(request: HttpRequest) -> HttpResponse:
    """The site's 404, alike for an image that is not stored and for one the user may
    not see, so that an address confirms nothing. Kept by no cache: at the same address
    a member of the case's city gets the image, and the public once it is published."""
    response = page_not_found(request, Http404())
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def case_image(request: HttpRequest, path: str) -> HttpResponseBase:
    """A rendition of a case image (images.py), for whoever may see a case or a revision
    that uses it: anyone for a published case's image; otherwise whoever may read the
    case (CaseStudyQuerySet.visible_to) or the revision that proposes it
    (CaseRevisionQuerySet.of_member_cities), never cached for them; a 404 for everyone
    else. So a draft's or a pending revision's image stays in the city's workspace, and
    an archived case's image or a replaced one is withdrawn with the case's text."""
    folder = images.folder_of(path)
    if folder is None or not default_storage.exists(path):
        return _image_not_found(request)
    cases = CaseStudy.objects.using_image(folder)
    if cases.published().exists():
        response = images.file_response(request, path)
        patch_cache_control(response, public=True, max_age=PUBLIC_IMAGE_MAX_AGE)
        return response
    revisions = CaseRevision.objects.of_member_cities(request.user)
    if not (
        cases.visible_to(request.user).exists()
        or revisions.proposing_image(folder).exists()
    ):
        return _image_not_found(request)
    response = images.file_response(request, path)
    patch_cache_control(response, private=True, no_store=True)
    return response
