"""A published case as an index document, and the database query that feeds a build.

Only published cases become documents: `document_for` refuses any other, so that no
draft, submission or archived text can reach the index through a careless caller (the
index is public; see issue 15). `indexable_cases` loads what documents need with
`select_related` and `prefetch_related`, streamed with `iterator(chunk_size=...)`: one
query for a chunk of cases and one for each of its five many-to-many relations, so 100k
cases take about 600 queries of 1,000 rows each, never all rows in memory at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import tantivy
from django.db.models import QuerySet

from ..models import CaseStudy
from .schema import TEXT_FIELDS, folded, sort_text

# Cases loaded per query (and per prefetch query) while building.
CHUNK_SIZE = 1000

# Sort keys hold times as fixed-width numbers, so that byte order is time order;
# "descending" keys hold (this - time). Microseconds before 2286 fit in 17 digits.
_TIME_SPAN = 10**17
_NO_YEAR = 9999  # sorts after every real year (1800-2100), in both directions


class NotPublic(ValueError):
    """A case that is not published was about to be indexed."""


def _micros(value: datetime.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1_000_000)


def _time_key(value: datetime.datetime | None, *, descending: bool) -> str:
    micros = _micros(value)
    if micros is None:
        return "9" * 17  # cases without a time come last, as NULLS LAST does
    return f"{(_TIME_SPAN - 1 - micros) if descending else micros:017d}"


def sort_keys(case: CaseStudy) -> dict[str, str]:
    """Each ordering's key: ascending byte order is the ordering with its tie-breaks
    (the FilterSet's, then the id, so that paging is stable)."""
    tail = f"\x00{sort_text(case.title)}\x00{case.pk:012d}"
    year = case.year_started
    return {
        "sort_title": tail[1:],
        "sort_year": f"{year if year is not None else _NO_YEAR:04d}{tail}",
        "sort_year_desc": f"{9999 - year if year is not None else _NO_YEAR:04d}{tail}",
        "sort_newest": _time_key(case.published_at, descending=True)
        + _time_key(case.updated_at, descending=True)
        + tail,
        "sort_oldest": _time_key(case.published_at, descending=False)
        + _time_key(case.updated_at, descending=False)
        + tail,
    }


def text_of(case: CaseStudy) -> dict[str, list[str]]:
    """The searchable text of a case, by index field (see schema.TEXT_FIELDS)."""
    places = [case.city.name]
    if case.district is not None:
        places.append(case.district.name)
    places.extend(team.name for team in case.teams.all())
    sections = [case.challenge, case.approach, case.results, case.lessons_learned]
    return {
        "title": [case.title],
        "summary": [case.summary],
        "sections": [text for text in sections if text],
        "places": places,
    }


def document_for(case: CaseStudy) -> tantivy.Document:
    """The document of a published case, its relations prefetched (see
    `indexable_cases`; otherwise this costs a query per relation)."""
    if case.status != CaseStudy.Status.PUBLISHED:
        raise NotPublic(f"Case {case.pk} is {case.status}, not published.")
    doc = tantivy.Document()
    doc.add_integer("id", case.pk)
    for field, values in text_of(case).items():
        assert field in TEXT_FIELDS  # noqa: S101 -- a programming error, not input
        for value in values:
            doc.add_text(field, value)
            doc.add_text(folded(field), value)
    for field, slugs in [
        ("innovation_type", [t.slug for t in case.innovation_types.all()]),
        ("driver", [t.slug for t in case.drivers.all()]),
        ("approach", [t.slug for t in case.approaches.all()]),
        ("theme", [t.slug for t in case.themes.all()]),
        ("stage", [case.lifecycle_stage.slug] if case.lifecycle_stage else []),
        ("country", [str(case.city.country.code)]),
        ("city", [case.city.slug]),
    ]:
        for slug in slugs:
            doc.add_text(field, slug)
    if case.year_started is not None:
        doc.add_integer("year_started", case.year_started)
    if case.year_ended is not None:
        doc.add_integer("year_ended", case.year_ended)
    if case.published_at is not None:
        doc.add_date("published_at", case.published_at)
    for field, key in sort_keys(case).items():
        doc.add_text(field, key)
    return doc


def _with_relations() -> QuerySet[CaseStudy]:
    """Published cases, with what `document_for` reads: one query for the cases and
    their city, district and stage, one for each many-to-many relation."""
    return (
        CaseStudy.objects.published()
        .select_related("city", "district", "lifecycle_stage")
        .prefetch_related(
            "teams", "innovation_types", "drivers", "approaches", "themes"
        )
    )


def indexable_cases() -> Iterator[CaseStudy]:
    """Every published case with what its document needs, streamed a chunk at a time
    (a fixed number of queries per chunk, whatever the relations hold)."""
    return _with_relations().order_by("pk").iterator(chunk_size=CHUNK_SIZE)


def published_count() -> int:
    """How many documents a complete index holds."""
    return CaseStudy.objects.published().count()


def indexable_case(case_id: int) -> CaseStudy | None:
    """One case with what its document needs, or None if it is not published (or gone):
    for the writes of one case (`index.update_case`)."""
    return _with_relations().filter(pk=case_id).first()
