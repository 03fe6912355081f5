"""The one definition of how cases are filtered, searched and sorted.

The HTML case list, its CSV/JSON exports, the Atom feed and the REST API all use
`CaseStudyFilter`, so a query parameter means the same thing everywhere. Facet values
are slugs (countries: ISO codes); several values may be repeated (`?theme=a&theme=b`,
as HTML checkboxes send them) or comma-separated (`?theme=a,b`). Values within a
facet are alternatives (OR); facets combine with AND.

Bad input never reaches the database or the search engine: an unknown slug, a malformed
number, an unknown ordering, an over-long value, a search of more than
`engine.query.MAX_TERMS` words and phrases or a NUL byte makes the form invalid, with an
error keyed by the parameter's name. Any other search text is valid: the engine's parser
(`engine.query.parse`) reads it into words and phrases, here to count them and there to
search.

A valid question about the published cases is answered by the search engine
(`engine.search.question_from_filterset`); the filters' own `filter()` methods, and so
`.qs`, remain for the few unpublished cases that signed-in members see in the API, which
the database answers (`text_matches`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.utils.datastructures import MultiValueDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from modeltranslation.manager import MultilingualQuerySet

from cities.filters import city_filter
from cities.models import FIRST_YEAR, LAST_YEAR, City
from core.filters import (
    MAX_QUERY_LENGTH,
    ChoiceListFilter,
    NameSearchFilter,
    SlugListFilter,
    YearFilter,
    country_filter,
)
from core.models import Term as VocabularyTerm
from core.vocabularies import NAME_COLUMNS, VOCABULARIES

from .engine.query import MAX_TERMS, Term, parse
from .models import SECTION_FIELDS, CaseStudy, Evidence, Organisation

if TYPE_CHECKING:
    from .engine.search import Filters


def validate_search_text(text: str) -> None:
    """Refuse a search of more than MAX_TERMS words and phrases, counted as the engine
    counts them, rather than search for some of them."""
    if parse(text).truncated:
        raise ValidationError(
            _("Search for at most %(limit)d words or phrases."),
            code="too_many_terms",
            params={"limit": MAX_TERMS},
        )


# The text a database match looks in (`text_matches`).
MATCHED_FIELDS = ("title", "summary", *SECTION_FIELDS)
# Punctuation trimmed from the ends of a word, so that "innovation," and "(Vienna)"
# match; + and # stay, so that "C++" and "C#" mean what they say.
_TRIM = "!\"$%&'()*,./:;<=>?@[\\]^_`{|}~"


def _contains(term: Term) -> Q:
    needle = " ".join(term.text.split())
    if not term.quoted:
        needle = needle.strip(_TRIM) or needle
    return reduce(
        operator.or_, (Q(**{f"{name}__icontains": needle}) for name in MATCHED_FIELDS)
    )


def text_matches(text: str) -> Q:
    """The cases whose text holds the question, read by the engine's parser: each
    wanted word or phrase (one of those joined by OR) as a case-insensitive substring of
    the title, the summary or a section, and no excluded one. For the few unpublished
    cases that signed-in members see in the API (the engine answers for the published
    ones): the same on every database, without the engine's stemming, accent folding,
    typo tolerance or ranking. A question of punctuation only matches every case, as in
    the engine."""
    parsed = parse(text)
    condition = Q()
    for group in parsed.groups:
        condition &= reduce(operator.or_, map(_contains, group))
    for term in parsed.excluded:
        condition &= ~_contains(term)
    return condition


# A filter for each vocabulary, by its terms' slugs (vocabularies.py).
VocabularyFilters = type(
    "VocabularyFilters",
    (django_filters.FilterSet,),
    {
        vocabulary.name: SlugListFilter(
            field_name=vocabulary.case_field,
            queryset=vocabulary.model._default_manager.all(),
            label=vocabulary.label,
        )
        for vocabulary in VOCABULARIES
    },
)


# VocabularyFilters is a class made at run time (by type()), unknown to the checker.
class CaseStudyFilter(VocabularyFilters):  # type: ignore[valid-type,misc]  # made at run time
    # How the database orders: cases without a date or a year (drafts, for their
    # officers) come last, on PostgreSQL as on SQLite. It does not rank, so relevance
    # is newest first there. (The engine has a sort key for each: engine/schema.py.)
    ORDERINGS: dict[str, tuple[Any, ...]] = {
        "relevance": (F("published_at").desc(nulls_last=True), "-updated_at", "title"),
        "newest": (F("published_at").desc(nulls_last=True), "-updated_at", "title"),
        "oldest": (F("published_at").asc(nulls_last=True), "updated_at", "title"),
        "title": ("title",),
        "-title": ("-title",),
        "year": (F("year_started").asc(nulls_last=True), "title"),
        "-year": (F("year_started").desc(nulls_last=True), "title"),
        # Completeness is derived in Python (CaseStudy.completeness), which SQL
        # cannot order by: the few unpublished cases a member sees in the API come
        # newest first; the published ones, which the engine answers, are sorted.
        "completeness": (
            F("published_at").desc(nulls_last=True),
            "-updated_at",
            "title",
        ),
        "-completeness": (
            F("published_at").desc(nulls_last=True),
            "-updated_at",
            "title",
        ),
    }

    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        validators=[validate_search_text],
        help_text=format_lazy(
            _(
                'Words to look for. Use "quotes" for a phrase, OR for either, - to '
                "exclude; at most {limit} words and phrases."
            ),
            limit=MAX_TERMS,
        ),
    )
    # The API's name for the same search.
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        validators=[validate_search_text],
    )
    evidence = ChoiceListFilter(
        field_name="evidence",
        choices=Evidence.choices,
        label=_("Evidence of results"),
    )
    city = city_filter()
    country = country_filter("city__country")
    year_min = YearFilter(
        field_name="year_started",
        lookup_expr="gte",
        label=_("Started in or after"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
    )
    year_max = YearFilter(
        field_name="year_started",
        lookup_expr="lte",
        label=_("Started in or before"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        label=_("Sort by"),
        choices=[
            ("relevance", _("Relevance")),
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("title", _("Title, A–Z")),
            ("-title", _("Title, Z–A")),
            ("year", _("Year started, earliest first")),
            ("-year", _("Year started, latest first")),
            ("-completeness", _("Most complete first")),
            ("completeness", _("Least complete first")),
        ],
        empty_label=None,
    )

    # The facets shown with counts (see `facet_values`), by parameter name.
    FACETS = (*(v.name for v in VOCABULARIES), "evidence", "country", "city")

    # Former parameter names, still accepted (deprecated, and so documented in the
    # schema): alias -> the parameter it stands for.
    ALIASES: dict[str, str] = {v.alias: v.name for v in VOCABULARIES if v.alias}

    class Meta:
        model = CaseStudy
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # An alias's values join its parameter's, under the parameter's name, so
        # that everything after here (the form, its errors, the engine's question,
        # the links that remove one filter) knows one name.
        if data is not None and any(alias in data for alias in self.ALIASES):
            data = data.copy()
            for alias, name in self.ALIASES.items():
                if alias not in data:
                    continue
                if isinstance(data, MultiValueDict):  # a request's parameters
                    data.setlist(name, data.getlist(name) + data.getlist(alias))
                    del data[alias]
                else:  # a dict of strings: the values may be comma-separated
                    values = (data.get(name), data.pop(alias))
                    data[name] = ",".join(value for value in values if value)
        super().__init__(data, *args, **kwargs)

    @property
    def search_text(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return (
            self.form.cleaned_data.get("q")
            or self.form.cleaned_data.get("search")
            or ""
        ).strip()

    @property
    def ordering_key(self) -> str:
        chosen = self.form.cleaned_data.get("ordering") if self.is_valid() else None
        if chosen == "relevance" and not self.search_text:
            chosen = None
        return chosen or ("relevance" if self.search_text else "newest")

    def filter_search(
        self, queryset: QuerySet[CaseStudy], name: str, value: str
    ) -> QuerySet[CaseStudy]:
        # q and search are the same filter; apply it once even if both are given.
        if not value or name == "search" and self.form.cleaned_data.get("q"):
            return queryset
        return queryset.filter(text_matches(value))

    def filter_ordering(
        self, queryset: QuerySet[CaseStudy], name: str, value: str
    ) -> QuerySet[CaseStudy]:
        return queryset  # applied last, in filter_queryset

    def filter_queryset(self, queryset: QuerySet[CaseStudy]) -> QuerySet[CaseStudy]:
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*self.ORDERINGS[self.ordering_key])


@dataclass(frozen=True)
class FacetValue:
    value: str
    name: str
    count: int
    selected: bool


# How many cities the city facet lists (besides those selected).
CITY_FACET_SIZE = 20

# The facets whose values are the terms of a vocabulary.
TERM_FACETS: dict[str, type[VocabularyTerm]] = {v.name: v.model for v in VOCABULARIES}


def _as_stored(model: type[VocabularyTerm]) -> MultilingualQuerySet[Any]:
    """A vocabulary's terms, whose fields are read as named: modeltranslation
    (core/translation.py) would rewrite a translated field's name to the active
    language's column."""
    queryset = cast("MultilingualQuerySet[Any]", model._default_manager.all())
    return queryset.rewrite(False)


def vocabulary_terms(
    names: tuple[str, ...] = tuple(TERM_FACETS),
) -> dict[str, list[VocabularyTerm]]:
    """The terms (slug and name, in every language) of the vocabularies of the facets
    `names`, each in its vocabulary's order, named in the active language: one query
    for all of them (a UNION ALL), where a query each cost a round trip each on every
    list page."""
    parts = [
        _as_stored(TERM_FACETS[name])
        # Named as the Term.vocabulary property, which the rows (tuples) do not have.
        .annotate(vocabulary=Value(name, output_field=models.CharField()))
        # The name's column in each language, so that a term reads its name as a
        # loaded one does (the active language's, else English's).
        .values_list("vocabulary", "slug", "position", *NAME_COLUMNS)
        .order_by()
        for name in names
    ]
    if not parts:
        return {}
    terms: dict[str, list[VocabularyTerm]] = {name: [] for name in names}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    # Unordered (sorted below, by the name in the active language): the union would
    # take the first model's ordering, by columns it does not select.
    # (Rows of values_list, which modeltranslation's queryset types as its model.)
    for row in cast("Iterable[tuple[Any, ...]]", rows.order_by()):
        vocabulary, slug, position, *localized = row
        terms[vocabulary].append(
            TERM_FACETS[vocabulary](
                slug=slug,
                position=position,
                **dict(zip(NAME_COLUMNS, localized, strict=True)),
            )
        )
    for vocabulary_terms_ in terms.values():
        vocabulary_terms_.sort(key=lambda term: (term.position, term.name))
    return terms


def facet_values(
    counts: Mapping[str, Mapping[str, int]],
    filters: Filters,
    terms: Mapping[str, list[VocabularyTerm]] | None = None,
) -> dict[str, list[FacetValue]]:
    """The facets as the case list shows them, from the engine's counts (facet ->
    slug or country code -> cases, each facet counted without its own selection:
    `engine.search.facet_counts`) and the question's `filters`.

    Each value is named from its vocabulary, city or country. A value with no case is
    left out unless it is selected, so that it can be unticked. The vocabularies list
    their terms in their own order, countries by name, and cities the CITY_FACET_SIZE
    with the most cases, most first, plus the selected ones: with thousands of cities,
    listing every one made the page half a megabyte. `terms`: the vocabularies'
    terms (`vocabulary_terms()`, one query, made here if not given), and one query for
    the cities shown.
    """
    if terms is None:
        terms = vocabulary_terms()
    facets: dict[str, list[FacetValue]] = {}
    for name in TERM_FACETS:
        found = counts.get(name, {})
        selected = set(filters.selected(name))
        facets[name] = [
            FacetValue(
                term.slug, term.name, found.get(term.slug, 0), term.slug in selected
            )
            for term in terms[name]
            if found.get(term.slug) or term.slug in selected
        ]

    # The evidence levels in their own order (least backed first), each named by its
    # label; a level no case has is left out unless selected, as a term would be.
    found = counts.get("evidence", {})
    selected = set(filters.selected("evidence"))
    facets["evidence"] = [
        FacetValue(value, str(label), found.get(value, 0), value in selected)
        for value, label in Evidence.choices
        if found.get(value) or value in selected
    ]

    chosen = set(filters.selected("country"))
    by_country = {**dict.fromkeys(chosen, 0), **counts.get("country", {})}
    facets["country"] = sorted(
        (
            FacetValue(code, str(countries.name(code)), n, code in chosen)
            for code, n in by_country.items()
        ),
        key=lambda value: value.name,
    )

    by_city = counts.get("city", {})
    chosen = set(filters.selected("city"))
    top = sorted(by_city, key=lambda slug: (-by_city[slug], slug))[:CITY_FACET_SIZE]
    shown = City.objects.filter(slug__in={*top, *chosen}).values_list("slug", "name")
    facets["city"] = sorted(
        (
            FacetValue(slug, name, by_city.get(slug, 0), slug in chosen)
            for slug, name in shown
        ),
        key=lambda value: (-value.count, value.name),
    )
    return facets


class OrganisationFilter(django_filters.FilterSet):
    """The partner organisations: by kind, and a search of their names and
    descriptions (/organisations/)."""

    kind = ChoiceListFilter(
        field_name="kind", choices=Organisation.Kind.choices, label=_("Kind")
    )
    search = NameSearchFilter("name", "description")

    class Meta:
        model = Organisation
        fields: list[str] = []
