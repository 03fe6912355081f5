"""Result cards: what `includes/case_card.html` shows of a case, read from the index.

A page of results (the case list, the newest cases of the home, city and term pages)
shows each case as a card: title, link, city and country, start year, summary or
snippet, innovation types and themes. The index stores those fields
(`schema.STORED_FACETS`, `schema.STORED_TEXT`), so a page's cards come from the documents
the engine has already found, without a query for their rows: the names of the terms
come from their two vocabularies (`Term.get_absolute_url` makes their links, so a term
page's address is decided in one place, as the case's and the city's are by `reverse`).
Measured at 100,000 cases, the rows of 20
cards cost 8.3 ms by `id__in` (three queries, 104 model instances) and about 0.2 ms
from the stored documents.

`Card.from_case` makes the same card from a model instance, for a list the engine does
not answer (a team's cases): the template sees one kind of object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import tantivy
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django_countries.fields import Country

from core.models import Term

from ..filters import vocabulary_terms
from ..models import CaseStudy
from .schema import VERSION_LANGUAGES, version_field


@dataclass(frozen=True)
class Stored:
    """What the index stores of a case for its card (`search.Result.stored`)."""

    id: int
    title: str
    slug: str
    summary: str
    city: str
    city_name: str
    country: str
    year_started: int | None
    is_synthetic: bool
    innovation_types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    original_language: str = "en"
    # Each translation's title and summary: (language, title, summary).
    translations: tuple[tuple[str, str, str], ...] = ()

    def in_language(self, language: str) -> tuple[str, str, str]:
        """(title, summary, their language) as a reader of `language` is shown them:
        the translation into it, else the original (as CaseStudy.in_language)."""
        for code, title, summary in self.translations:
            if code == language and title:
                return title, summary, code
        return self.title, self.summary, self.original_language

    @classmethod
    def from_case(cls, case: CaseStudy) -> Stored:
        """What the index would store of `case` (loaded with `for_cards()`)."""
        return cls(
            id=case.pk,
            title=case.title,
            slug=case.slug,
            summary=case.summary,
            city=case.city.slug,
            city_name=case.city.name,
            country=str(case.city.country.code),  # type: ignore[attr-defined]  # CountryField's Country, typed as str
            year_started=case.year_started,
            is_synthetic=case.is_synthetic,
            innovation_types=tuple(t.slug for t in case.innovation_types.all()),
            themes=tuple(t.slug for t in case.themes.all()),
            original_language=case.original_language,
            translations=tuple(case.card_translations()),
        )

    @classmethod
    def from_document(cls, doc: tantivy.Document) -> Stored:
        original = doc.get_first("original_language") or "en"
        year = doc.get_first("year_started")
        return cls(
            id=int(doc.get_first("id")),  # type: ignore[arg-type]  # every document has one
            title=doc.get_first("title") or "",
            slug=doc.get_first("slug") or "",
            summary=doc.get_first("summary") or "",
            city=doc.get_first("city") or "",
            city_name=doc.get_first("city_name") or "",
            country=doc.get_first("country") or "",
            year_started=int(year) if year is not None else None,
            is_synthetic=bool(doc.get_first("is_synthetic")),
            innovation_types=tuple(doc.get_all("innovation_type")),
            themes=tuple(doc.get_all("theme")),
            original_language=original,
            translations=tuple(
                (
                    language,
                    doc.get_first(version_field("title", language)) or "",
                    doc.get_first(version_field("summary", language)) or "",
                )
                for language in VERSION_LANGUAGES
                if language != original
                and doc.get_first(version_field("title", language))
            ),
        )


@dataclass(frozen=True)
class Link:
    """A city or a term on a card: its name and its page."""

    slug: str
    name: str
    url: str
    country: Country | None = None  # a city's

    def get_absolute_url(self) -> str:
        return self.url


@dataclass(frozen=True)
class Card:
    """One case as a card shows it; `pk` and `slug` as on the model. Its title and
    summary are the reader's translation, else the original, and are in `language`,
    for their `lang` attribute."""

    pk: int
    slug: str
    title: str
    summary: str
    language: str
    url: str
    city: Link
    year_started: int | None
    is_synthetic: bool
    innovation_types: list[Link] = field(default_factory=list)
    themes: list[Link] = field(default_factory=list)
    snippet: SafeString | None = None

    def get_absolute_url(self) -> str:
        return self.url

    @classmethod
    def from_case(cls, case: CaseStudy) -> Card:
        """From a case loaded with `CaseStudyQuerySet.for_cards()`."""
        text = case.in_language(get_language())
        return cls(
            pk=case.pk,
            slug=case.slug,
            title=text.title.text,
            summary=text.summary.text,
            language=text.summary.language,
            url=case.get_absolute_url(),
            city=Link(
                case.city.slug,
                case.city.name,
                case.city.get_absolute_url(),
                case.city.country,  # type: ignore[arg-type]  # a Country, typed as str
            ),
            year_started=case.year_started,
            is_synthetic=case.is_synthetic,
            innovation_types=[_link(t) for t in case.innovation_types.all()],
            themes=[_link(t) for t in case.themes.all()],
        )


def _link(term: Term) -> Link:
    return Link(term.slug, term.name, term.get_absolute_url())


def cards(
    stored: Iterable[Stored],
    snippets: Mapping[int, SafeString] | None = None,
    terms: Mapping[str, list[Term]] | None = None,
) -> list[Card]:
    """The cards of the stored documents, in their order. `terms`: the vocabularies'
    terms (`filters.vocabulary_terms()`, which the case list reads for its facets
    anyway); without them, one query for the innovation types and themes. A term
    deleted since the index heard of it is left off its cards."""
    stored = list(stored)
    if not stored:
        return []
    if terms is None:
        terms = vocabulary_terms(("innovation_type", "theme"))
    types = {term.slug: _link(term) for term in terms["innovation_type"]}
    themes = {term.slug: _link(term) for term in terms["theme"]}
    snippets = snippets or {}
    reader = get_language()
    made = []
    for doc in stored:
        title, summary, language = doc.in_language(reader)
        made.append(
            Card(
                pk=doc.id,
                slug=doc.slug,
                title=title,
                summary=summary,
                language=language,
                url=reverse("innovation_cases:case_detail", kwargs={"slug": doc.slug}),
                city=Link(
                    doc.city,
                    doc.city_name,
                    reverse("cities:city_detail", kwargs={"slug": doc.city}),
                    Country(doc.country),
                ),
                year_started=doc.year_started,
                is_synthetic=doc.is_synthetic,
                innovation_types=_in_order(types, doc.innovation_types),
                themes=_in_order(themes, doc.themes),
                snippet=snippets.get(doc.id),
            )
        )
    return made


def _in_order(links: dict[str, Link], slugs: tuple[str, ...]) -> list[Link]:
    """The links of `slugs`, in the vocabulary's order (that of `links`)."""
    chosen = set(slugs)
    return [link for slug, link in links.items() if slug in chosen]
