"""A published case as an index document, and the database query that feeds a build.

Only published cases become documents: `document_for` refuses any other, so that no
draft, submission or archived text can reach the index through a careless caller (the
index is public; see issue 15). `published_documents` streams them for a build with
`iterator(chunk_size=...)`: one query for a chunk of cases (with their city, district
and stage) and one for each of the five many-to-many relations, so 100k cases take
about 600 queries of 1,000 rows each, never all rows in memory at once. The relations
are read as (case id, slug) tuples, not model instances: on PostgreSQL, 17,013
published synthetic cases became documents in 3.3 s, and `manage.py search_index
rebuild` took 5.8 s in all (30.1 s with `prefetch_related`).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

import tantivy
from django.db.models import QuerySet

from core.vocabularies import VOCABULARIES, Vocabulary

from ..models import SECTION_FIELDS, TRANSLATION_FIELDS, CaseStudy
from .schema import (
    COUNT_FIELDS,
    MULTI_VALUED,
    PLACES,
    TEXT_KINDS,
    VERSION_FIELDS,
    combination,
    folded,
    sort_text,
    version_field,
)

# Cases loaded per query (and per prefetch query) while building.
CHUNK_SIZE = 1000

# Sort keys (see schema.py): a title is read as base-39 digits, one per character:
# the end of the title 0, a space or punctuation 1, digits 2-11, letters 12-37, any
# other character 38, so that "Ab" < "Ab c" < "Abc" as in a dictionary.
_BASE = 39
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# Microseconds after 2000 that a key holds: until 2136. To the microsecond, as the
# database orders them: two cases published in one second (the demo loader's) are
# still newest first.
_MOMENTS = 2**32 * 10**6
_YEARS = 402  # years 1700-2100 (the validators allow 1800-2100), then "no year"


# The case's own columns that a document is made of.
DOCUMENT_FIELDS = (
    "id",
    "title",
    "slug",
    "is_synthetic",
    "status",
    "original_language",
    "summary",
    *SECTION_FIELDS,
    *TRANSLATION_FIELDS,
    "year_started",
    "year_ended",
    "published_at",
    "updated_at",
    "city",
    "district",
    "lifecycle_stage",
    # What CaseStudy.completeness() reads besides the text and the years.
    "evidence",
    "image",
    "image_alt",
)


class NotPublic(ValueError):
    """A case that is not published was about to be indexed."""


def _digit(char: str) -> int:
    if "a" <= char <= "z":
        return 12 + ord(char) - ord("a")
    if "0" <= char <= "9":
        return 2 + ord(char) - ord("0")
    return 38 if char.isalnum() else 1


def title_order(title: str) -> tuple[int, ...]:
    """The whole title as the digits its sort keys begin with: how the cases that tie
    on a key are ordered (search._in_full). A title that another begins with comes
    first, as the end of a title is the smallest digit."""
    return tuple(map(_digit, sort_text(title)))


def _title_digits(title: str, length: int, start: int = 0) -> int:
    """`length` characters of a sortable title from `start`, as one number."""
    number = 0
    digits = title_order(title)[start : start + length]
    for position in range(length):
        number = number * _BASE + (digits[position] if position < len(digits) else 0)
    return number


def _moment(value: datetime.datetime | None) -> int:
    """Microseconds since 2000, within the key's range; no time sorts last."""
    if value is None:
        return _MOMENTS - 1
    elapsed = (value - _EPOCH) // datetime.timedelta(microseconds=1)
    return min(max(elapsed, 0), _MOMENTS - 2)


def _year(value: int | None, *, descending: bool) -> int:
    if value is None:
        return _YEARS - 1  # last, in both directions
    offset = min(max(value - 1700, 0), _YEARS - 2)
    return _YEARS - 2 - offset if descending else offset


# Completeness is 0 to 100.
_SCORES = 101


def sort_keys(case: CaseStudy, completeness: int) -> dict[str, int]:
    """Each ordering's key: ascending order is the FilterSet's ordering, with the
    title as tie-break (see schema.py for how much of it); and the title's next
    digits (schema.TITLE_KEYS). `completeness`: the case's score, computed once by
    the caller (CaseStudy.completeness)."""
    score = min(max(completeness, 0), _SCORES - 1)
    published = _moment(case.published_at)
    newest = _MOMENTS - 1 - published if case.published_at is not None else published
    return {
        "sort_title": _title_digits(case.title, 12),
        "sort_title_2": _title_digits(case.title, 12, start=12),
        "sort_title_3": _title_digits(case.title, 12, start=24),
        "sort_year": _year(case.year_started, descending=False) * _BASE**10
        + _title_digits(case.title, 10),
        "sort_year_desc": _year(case.year_started, descending=True) * _BASE**10
        + _title_digits(case.title, 10),
        "sort_completeness": score * _BASE**10 + _title_digits(case.title, 10),
        "sort_completeness_desc": (_SCORES - 1 - score) * _BASE**10
        + _title_digits(case.title, 10),
        "sort_newest": newest * _BASE**2 + _title_digits(case.title, 2),
        "sort_oldest": published * _BASE**2 + _title_digits(case.title, 2),
    }


# The many-to-many relations a document holds, and the field of each related record
# it takes (see `document_for`).
RELATIONS: dict[str, str] = {
    "teams": "name",
    # The vocabularies a case has several terms of (core/vocabularies.py).
    **{v.case_field: "slug" for v in VOCABULARIES if v.many},
}

# A case's related names and slugs, by relation.
Related = dict[str, list[str]]


def related_of(case: CaseStudy) -> Related:
    """From a case's own relations (prefetched, or a query each)."""
    return {
        relation: [getattr(item, field) for item in getattr(case, relation).all()]
        for relation, field in RELATIONS.items()
    }


def related_for(ids: list[int]) -> dict[int, Related]:
    """For many cases at once: one query per relation, reading the link tables'
    names and slugs as tuples. (prefetch_related made model instances of every link,
    which took three quarters of a rebuild's time.)"""
    related: dict[int, Related] = {i: {r: [] for r in RELATIONS} for i in ids}
    for relation, field in RELATIONS.items():
        # A many-to-many field of the case, which get_field() types as any field.
        m2m = CaseStudy._meta.get_field(relation)
        through = m2m.remote_field.through  # type: ignore[union-attr]  # as said above
        source = m2m.m2m_field_name()  # type: ignore[union-attr]  # as said above
        target = m2m.m2m_reverse_field_name()  # type: ignore[union-attr]  # as said above
        pairs = through.objects.filter(**{f"{source}_id__in": ids}).values_list(
            f"{source}_id", f"{target}__{field}"
        )
        for case_id, value in pairs:
            related[case_id][relation].append(value)
    return related


def versions_of(case: CaseStudy) -> dict[str, dict[str, list[str]]]:
    """The case's text in each language it is written or translated in, by kind of
    text (schema.TEXT_KINDS): its original, and each translation (a section a
    translation leaves out is not part of that version: the original holds it)."""
    versions = {}
    for language in case.languages():
        text = case.in_language(language)
        if text.language != language:
            continue
        sections = [
            passage.text
            for name in SECTION_FIELDS
            if (passage := getattr(text, name)).text and passage.language == language
        ]
        versions[language] = {
            "title": [text.title.text],
            "summary": [text.summary.text],
            "sections": sections,
        }
    return versions


def places_of(case: CaseStudy, related: Related) -> list[str]:
    """The names of where the case happened and who did it: searchable text too."""
    places = [case.city.name]
    if case.district is not None:
        places.append(case.district.name)
    places.extend(related["teams"])
    return places


def _term_slugs(case: CaseStudy, related: Related, vocabulary: Vocabulary) -> list[str]:
    """The slugs of the case's terms of `vocabulary`: from the relations read with the
    case, or the one term it may have."""
    if vocabulary.many:
        return related[vocabulary.case_field]
    term = getattr(case, vocabulary.case_field)
    return [term.slug] if term is not None else []


def document_for(case: CaseStudy, related: Related | None = None) -> tantivy.Document:
    """The document of a published case. `related`: its relations' names and slugs
    (`related_for`); by default read from the case (prefetch them, or this costs a
    query per relation)."""
    if case.status != CaseStudy.Status.PUBLISHED:
        raise NotPublic(f"Case {case.pk} is {case.status}, not published.")
    if related is None:
        related = related_of(case)
    doc = tantivy.Document()
    doc.add_integer("id", case.pk)
    doc.add_text("slug", case.slug)
    doc.add_text("city_name", case.city.name)
    doc.add_text("original_language", case.original_language)
    if case.district is not None:
        doc.add_text("district_name", case.district.name)
    doc.add_integer("is_synthetic", int(case.is_synthetic))
    # The original's title and summary, stored as they are (not searched: each
    # version's own fields are).
    doc.add_text("title", case.title)
    doc.add_text("summary", case.summary)
    for language, kinds in versions_of(case).items():
        for kind, values in kinds.items():
            field = version_field(kind, language)
            assert kind in TEXT_KINDS and field in VERSION_FIELDS  # noqa: S101 -- a programming error, not input  # nosec B101
            for value in values:
                doc.add_text(field, value)
                doc.add_text(folded(kind), value)
    for value in places_of(case, related):
        doc.add_text(PLACES, value)
        doc.add_text(folded(PLACES), value)
    for field, slugs in [
        *((v.name, _term_slugs(case, related, v)) for v in VOCABULARIES),
        ("evidence", [case.evidence]),
        # CountryField's Country, typed as str.
        ("country", [str(case.city.country.code)]),  # type: ignore[attr-defined]
        ("city", [case.city.slug]),
    ]:
        for slug in slugs:
            doc.add_text(field, slug)
        if field in MULTI_VALUED and slugs:
            doc.add_text(COUNT_FIELDS[field], combination(slugs))
    if case.year_started is not None:
        doc.add_integer("year_started", case.year_started)
    if case.year_ended is not None:
        doc.add_integer("year_ended", case.year_ended)
    if case.published_at is not None:
        doc.add_date("published_at", case.published_at)
    # The one rule (CaseStudy.completeness); its sources counted by the query that
    # loaded the case (`_cases`), so a build makes no query per case.
    completeness = case.completeness().score
    doc.add_integer("completeness", completeness)
    for field, key in sort_keys(case, completeness).items():
        doc.add_unsigned(field, key)
    return doc


def _cases() -> QuerySet[CaseStudy]:
    """Published cases with their city, district and stage, and only the columns a
    document reads (the PostgreSQL search vector alone is as large as the text);
    with how many sources each cites (a subquery in the same query), for its
    completeness."""
    return (
        CaseStudy.objects.published()
        .with_source_count()
        .select_related("city", "district", "lifecycle_stage")
        .only(
            *DOCUMENT_FIELDS,
            "city__name",
            "city__slug",
            "city__country",
            "district__name",
            "lifecycle_stage__slug",
        )
    )


def published_documents() -> Iterator[tantivy.Document]:
    """The document of every published case, streamed a chunk at a time: per chunk of
    `CHUNK_SIZE` cases, one query for the cases and one per relation, so 100k cases
    take about 600 queries and never more than a chunk in memory."""
    cases = _cases().order_by("pk").iterator(chunk_size=CHUNK_SIZE)
    for chunk in itertools.batched(cases, CHUNK_SIZE):
        related = related_for([case.pk for case in chunk])
        for case in chunk:
            yield document_for(case, related[case.pk])


def published_count() -> int:
    """How many documents a complete index holds."""
    return CaseStudy.objects.published().count()


def indexable_case(case_id: int) -> CaseStudy | None:
    """One case with what its document needs, or None if it is not published (or gone):
    for the writes of one case (`index.update_case`)."""
    return _cases().prefetch_related(*RELATIONS).filter(pk=case_id).first()
