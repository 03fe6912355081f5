import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import F, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.urls import reverse, translate_url
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import Promise
from django.utils.http import http_date
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found
from django.views.generic import DetailView, TemplateView, View
from rest_framework import exceptions

from cities.views import FilteredListView
from core.etags import etag_for
from core.language_names import language_name, local_name
from core.languages import neutral_path
from core.models import Approach, Driver, InnovationType, LifecycleStage, Term, Theme
from core.rest import invalid_values_response, problem_response
from core.vocabularies import BY_NAME, Vocabulary

from . import catalog, citations, exports, images, structured_data
from .compare import CompareForm, city_options, compare
from .engine import journal
from .engine import search as engine
from .engine.aggregate import published_counts
from .filters import (
    CaseStudyFilter,
    FacetValue,
    OrganisationFilter,
    facet_values,
    vocabulary_terms,
)
from .models import (
    COMPLETENESS_ITEMS,
    EVIDENCE_DEFINITIONS,
    CaseRevision,
    CaseStudy,
    Evidence,
    Finding,
    Organisation,
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
    """The 400 of the open data (the exports, the feed) when a filter is invalid: an
    RFC 9457 problem document like the API's, each bad parameter by name with why. A
    program reads it; the list shows a page."""
    return invalid_values_response(
        {
            name: [str(message) for message in messages]
            for name, messages in filterset.errors.items()
        }
    )


def _throttled(request: HttpRequest) -> JsonResponse | None:
    """A 429 problem with Retry-After once the client has downloaded too often
    (settings.EXPORT_THROTTLE), as the API answers; None while it may go on."""
    throttle = import_string(settings.EXPORT_THROTTLE_CLASS)()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    response = problem_response(
        429, str(exceptions.Throttled(wait).detail), "throttled"
    )
    response["Retry-After"] = str(math.ceil(wait))
    return response


def _link(url: str, rel: str, **params: str) -> str:
    return "; ".join(
        [f"<{url}>", f'rel="{rel}"', *(f'{k}="{v}"' for k, v in params.items())]
    )


class CaseExportView(FilteredCasesMixin, View):
    """The filtered case list as CSV or JSON, streamed so memory stays flat: the
    search engine's matches, in the question's order, their stored documents read a
    chunk at a time (exports.py). As the API: errors and the rate limit's 429 are
    problem documents, and a conditional GET whose validators still hold is a 304,
    answered before the question is asked."""

    format: str = "csv"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        refused = _throttled(request)
        if refused is not None:
            return refused
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return invalid_filters_response(filterset)
        # Read before the question: the index answers with this change or a newer one,
        # never an older, so a body is never sent under a newer ETag than its own.
        change = journal.last_change()
        etag = etag_for(
            {
                "change": change.entry,
                "query": sorted(request.GET.lists()),
                "site": exports.case_url_prefix(request),
                "language": get_language(),
                "columns": exports.COLUMNS,
            },
            f"export.{self.format}",
        )
        # Whole seconds, as HTTP dates are (If-Modified-Since compares them so).
        last_modified = int(change.at.timestamp()) if change.at is not None else None
        headers = {
            "ETag": etag,
            "Link": ", ".join(self.links(request)),
        }
        if last_modified is not None:
            headers["Last-Modified"] = http_date(last_modified)
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=last_modified
        )
        if not_modified is not None:
            for name, value in headers.items():
                not_modified[name] = value
            return not_modified
        matches = engine.matching(*engine.question_from_filterset(filterset))
        # Run now, while an error can still be a 500 rather than a 200 cut short.
        chunks = exports.started(matches, exports.case_url_prefix(request))
        filename = f"atlas-cases.{self.format}"
        writer = exports.write_csv if self.format == "csv" else exports.write_json
        response = StreamingHttpResponse(
            writer(chunks), content_type=exports.CONTENT_TYPES[self.format]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        for name, value in headers.items():
            response[name] = value
        return response

    def links(self, request: HttpRequest) -> list[str]:
        """The content's licence, and (the CSV) the data dictionary it follows."""
        links = [_link(exports.LICENCE_URL, "license")]
        if self.format == "csv":
            schema = reverse("innovation_cases:case_export_schema")
            links.append(
                _link(
                    request.build_absolute_uri(schema),
                    "describedby",
                    type="application/json",
                )
            )
        return links


def case_export_schema(request: HttpRequest) -> JsonResponse:
    """The exports' data dictionary: a Frictionless Table Schema of the CSV's columns
    (exports.table_schema), in the page's language."""
    response = JsonResponse(
        exports.table_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Link"] = _link(exports.LICENCE_URL, "license")
    return response


def catalog_view(request: HttpRequest, format: str) -> HttpResponse:
    """The open data's DCAT-AP catalogue (catalog.py), as JSON-LD or Turtle: one graph,
    with an ETag (its body's) and Last-Modified (the published cases' last change),
    and a 304 when they still hold. The page cache keeps it as it keeps the sitemap."""
    facts = catalog.coverage()
    graph = catalog.catalogue(request, facts)
    response = HttpResponse(
        catalog.serialise(graph, format), content_type=catalog.FORMATS[format][1]
    )
    response["ETag"] = etag_for(catalog.fingerprint(graph), format)
    last_modified = int(facts.modified.timestamp()) if facts.modified else None
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Link"] = _link(exports.LICENCE_URL, "license")
    # Given a response, get_conditional_response() answers one, never None.
    return cast(
        "HttpResponse",
        get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=last_modified,
            response=response,
        ),
    )


def catalog_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """/catalog, the catalogue's resources' own address (/catalog#cases, …): 303 to
    the Turtle for a client that asks for it, to the JSON-LD otherwise."""
    turtle = "text/turtle" in request.headers.get("Accept", "")
    response = HttpResponseRedirect(
        reverse("catalog_ttl" if turtle else "catalog_jsonld")
    )
    response.status_code = 303
    response["Vary"] = "Accept"
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
        # What the page shows, as schema.org JSON-LD (structured_data.py).
        context["structured_data"] = structured_data.case_article(
            self.request, case, text
        )
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


class TermListView(TemplateView):
    """/types/, /themes/, /drivers/: every term of a vocabulary, with its definition
    and its count of published cases, linked to the case list filtered by it.

    The counts are the search index's (`engine.aggregate`, the statistics' source),
    which the case list's facets also count: the numbers agree with /cases/.
    """

    template_name = "innovation_cases/term_list.html"
    vocabulary: Vocabulary
    title: str | Promise = ""
    lead: str | Promise = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        name = self.vocabulary.name
        counts = published_counts().by_facet[name]
        case_list = reverse("innovation_cases:case_list")
        rows = [
            TermRow(
                term=term,
                count=counts.get(term.slug, 0),
                cases_url=f"{case_list}?{urlencode({name: term.slug})}",
            )
            for term in self.vocabulary.model._default_manager.all()
        ]
        groups: list[tuple[str | Promise, list[TermRow]]] = (
            [
                (
                    label,
                    [row for row in rows if getattr(row.term, "group", "") == value],
                )
                for value, label in Driver.Group.choices
            ]
            if self.vocabulary.model is Driver
            else [("", rows)]
        )
        context.update(
            vocabulary=self.vocabulary,
            title=self.title,
            lead=self.lead,
            groups=groups,
            term_count=len(rows),
        )
        return context


@dataclass(frozen=True)
class TermRow:
    """A term of the index pages, with its count of published cases."""

    term: Term
    count: int
    cases_url: str


class InnovationTypeListView(TermListView):
    vocabulary = BY_NAME["innovation_type"]
    title = _("Innovation types")
    lead = _(
        "OPSI's four types of public sector innovation, each with its published cases."
    )


class ThemeListView(TermListView):
    vocabulary = BY_NAME["theme"]
    title = _("Themes")
    lead = _("The policy themes the cases address, each with its published cases.")


class DriverListView(TermListView):
    vocabulary = BY_NAME["driver"]
    title = _("Drivers")
    lead = _(
        "What drives a city to innovate, from inside city hall or from outside, each "
        "with its published cases."
    )


class OrganisationListView(FilteredListView):
    """/organisations/: the partner organisations, each with how many published cases
    it took part in; filtered by kind and a search of names and descriptions."""

    template_name = "innovation_cases/organisation_list.html"
    context_object_name = "organisations"
    filterset_class = OrganisationFilter

    def base_queryset(self) -> QuerySet[Organisation]:
        return (
            Organisation.objects.select_related("city")
            .with_published_case_count()
            .order_by("name", "pk")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["kinds"] = Organisation.Kind.choices
        return context


class OrganisationDetailView(DetailView):
    """An organisation and the published cases it took part in, 50 a page.

    Its own page, rather than a filter of /cases/: the case list's filters are the
    search index's facets, which do not include partners, and a reader who follows a
    partner's name expects to learn who it is (its kind, base and description) before
    its cases."""

    template_name = "innovation_cases/organisation_detail.html"
    context_object_name = "organisation"
    queryset = Organisation.objects.select_related("city").prefetch_related("sources")
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        cases = (
            CaseStudy.objects.published()
            .filter(partners=self.object)
            .select_related("city")
            .order_by(F("published_at").desc(nulls_last=True), "title", "pk")
        )
        paginator = Paginator(cases, self.paginate_by)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage:
            raise Http404(_("Invalid page.")) from None
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            cases=page.object_list,
            paginator=paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            query_string=params.urlencode(),
            page_range=list(
                paginator.get_elided_page_range(page.number, on_each_side=2)
            ),
            ellipsis=Paginator.ELLIPSIS,
        )
        return context


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
    """A bar of the capacity chart: its length is the share of the cities with a
    recorded answer (a chart scaled to 100)."""
    label: str | Promise
    if share.percent is None:
        label = _("no city with a recorded answer")
    else:
        label = _("%(percent)s%% (%(part)s of %(whole)s)") % {
            "percent": share.percent,
            "part": share.part,
            "whole": share.whole,
        }
    return {
        "name": name,
        "share": share,
        "count": share.percent or 0,
        "no": share.whole - share.part,
        "label": label,
    }


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


# Kept from crawlers: the admin, the signed-in people's pages, the language switcher's
# links (each sets a cookie and redirects) and the API's one path that only writes.
# Everything else is theirs to read, the open data included: the exports, their schema,
# the feed and the catalogue (/catalog.jsonld), which data portals harvest.
ROBOTS_DISALLOWED = [
    "/admin/",
    "/account/",
    "/workspace/",
    "/language/",
    "/api/v1/imports/",
]


def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED),
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


class CityCompareView(TemplateView):
    """/cities/compare/?cities=vienna,bologna: two to four cities side by side (see
    compare.py, which the API's answer shares). Without `cities`, the form alone; a
    question the form refuses is a 400 that shows the form as it was sent."""

    template_name = "innovation_cases/city_compare.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        asked = "cities" in request.GET
        form = CompareForm(request.GET if asked else None)
        comparison = compare(form.cleaned_data["cities"]) if form.is_valid() else None
        context = self.get_context_data(
            form=form,
            comparison=comparison,
            options=city_options(form.chosen()),
        )
        status = 400 if asked and comparison is None else 200
        return self.render_to_response(context, status=status)
