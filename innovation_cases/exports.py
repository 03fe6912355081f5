"""Open-data downloads of the case list: CSV and JSON, streamed a chunk at a time.

Which cases, in which order, is the search engine's answer (every matching id, from
`engine.search.matching_ids`); their content is read from the database. Speed: for each
CHUNK_SIZE ids, one query reads the cases as plain rows (`values_list`, their city,
district and lifecycle stage joined in) and one more gathers each case's term ids, a
`StringAgg` subquery per vocabulary (on PostgreSQL and SQLite alike). The terms are not
in the rows' query: over many cases, those subqueries make its estimated cost so high
that PostgreSQL JIT-compiles it, with inlining and optimisation, which took 2 s for a
0.3 s query at 17,000 cases; a chunk's query stays under `jit_above_cost`. Each chunk
is written out as one piece of text, so memory stays flat however many cases there
are. No model instance and no `reverse()` per row: see bench/export_throughput.py for
the figures.

A streamed response sends its status and headers with its first piece: an error after
that can no longer become a 500. So the view asks the engine and builds the first chunk
(`started`) before it answers, and an error there is a 500 like any other. What can
still fail later (a later chunk) raises out of the stream on purpose: the server then
cuts the connection, without the end of a chunked body, and the client sees a failed
download (curl: "transfer closed with outstanding read data remaining") rather than a
short file that looks whole. The JSON also never parses without its closing `]}`.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import (
    CharField,
    ManyToManyField,
    OuterRef,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse

from .models import CaseStudy

# Rows read, and written out as one piece, at a time: about 0.3 MB of CSV. Also what
# keeps a chunk's terms query under PostgreSQL's JIT threshold (see above): its
# estimated cost is about 17,000, against a jit_above_cost of 100,000.
CHUNK_SIZE = 500
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

COLUMNS = [
    "slug",
    "title",
    "url",
    "city",
    "city_slug",
    "country",
    "district",
    "summary",
    "innovation_types",
    "drivers",
    "approaches",
    "themes",
    "lifecycle_stage",
    "year_started",
    "year_ended",
    "published_at",
]

# The columns read from the case's row and its joined city, district and stage, in the
# order `_records` unpacks them.
ROW_FIELDS = (
    "pk",
    "slug",
    "title",
    "city__name",
    "city__slug",
    "city__country",
    "district__name",
    "summary",
    "lifecycle_stage__slug",
    "year_started",
    "year_ended",
    "published_at",
)
VOCABULARIES = ("innovation_types", "drivers", "approaches", "themes")

Record = dict[str, Any]


class _Vocabulary:
    """One many-to-many vocabulary of the cases (themes, drivers…): the subquery that
    gathers a case's term ids, and the terms' slugs in the order the term model lists
    them (its Meta.ordering, as `case.themes.all()` would)."""

    def __init__(self, name: str) -> None:
        field = CaseStudy._meta.get_field(name)
        if not isinstance(field, ManyToManyField):
            raise TypeError(f"CaseStudy.{name} is not a many-to-many vocabulary")
        self.field = field
        self.column = f"export_{name}"
        # The slugs of each combination of ids seen: a few hundred combinations,
        # however many cases.
        self._slugs: dict[str, list[str]] = {}
        self._load()

    def _load(self) -> None:
        # Once an export: a few dozen terms. Keyed by the id as text, as the subquery
        # gives it.
        model: Any = self.field.related_model
        terms = model._default_manager.order_by(*model._meta.ordering)
        self.terms = {
            str(pk): (position, slug)
            for position, (pk, slug) in enumerate(terms.values_list("pk", "slug"))
        }

    def ids(self) -> Subquery:
        """A case's term ids, as text: "4;1". Not ordered (SQLite before 3.44 cannot
        order inside an aggregate): `slugs` sorts them."""
        case_column = self.field.m2m_field_name()
        through: Any = self.field.remote_field.through
        links = through._default_manager.filter(**{case_column: OuterRef("pk")})
        term_id = Cast(f"{self.field.m2m_reverse_field_name()}_id", CharField())
        return Subquery(
            links.order_by()
            .values(case_column)
            .annotate(ids=StringAgg(term_id, Value(";")))
            .values("ids")
        )

    def slugs(self, ids: str | None) -> list[str]:
        """The slugs of the terms whose `ids` the subquery gave, in the vocabulary's
        order."""
        if not ids:
            return []
        found = self._slugs.get(ids)
        if found is None:
            found = self._slugs[ids] = [
                slug for _, slug in sorted(self._term(i) for i in ids.split(";"))
            ]
        return found

    def _term(self, term_id: str) -> tuple[int, str]:
        if term_id not in self.terms:  # a term created since the export began
            self._load()
        return self.terms[term_id]


def case_url_prefix(request: HttpRequest) -> str:
    """A case's absolute URL up to its slug: `reverse()` once an export, not once a
    row. A SlugField's slug is left as it is by `reverse()`, so appending is the same."""
    marker = "slug-marker"
    url = request.build_absolute_uri(
        reverse("innovation_cases:case_detail", kwargs={"slug": marker})
    )
    prefix, rest = url.rsplit(marker, 1)
    if rest != "/":
        raise ValueError(f"A case's URL is expected to end with its slug and /: {url}")
    return prefix


def _term_ids(
    case_ids: list[int], vocabularies: list[_Vocabulary]
) -> dict[int, tuple[str | None, ...]]:
    """Each case's term ids, a text per vocabulary, in one query."""
    rows = (
        CaseStudy.objects.filter(pk__in=case_ids)
        .order_by()
        .annotate(**{v.column: v.ids() for v in vocabularies})
        .values_list("pk", *(v.column for v in vocabularies))
    )
    return {pk: ids for pk, *ids in rows}


_NO_TERMS: tuple[None, ...] = (None,) * len(VOCABULARIES)


def _records(
    rows: tuple[tuple[Any, ...], ...], vocabularies: list[_Vocabulary], url_prefix: str
) -> list[Record]:
    """A chunk of cases as plain data: the same fields in CSV and JSON, in the order of
    COLUMNS (write_csv relies on it)."""
    term_ids = _term_ids([row[0] for row in rows], vocabularies)
    types, drivers, approaches, themes = (v.slugs for v in vocabularies)
    return [
        {
            "slug": slug,
            "title": title,
            "url": f"{url_prefix}{slug}/",
            "city": city,
            "city_slug": city_slug,
            "country": country,
            "district": district,
            "summary": summary,
            "innovation_types": types(type_ids),
            "drivers": drivers(driver_ids),
            "approaches": approaches(approach_ids),
            "themes": themes(theme_ids),
            "lifecycle_stage": stage,
            "year_started": year_started,
            "year_ended": year_ended,
            "published_at": published_at.isoformat() if published_at else None,
        }
        for (
            pk,
            slug,
            title,
            city,
            city_slug,
            country,
            district,
            summary,
            stage,
            year_started,
            year_ended,
            published_at,
        ) in rows
        # A case deleted since the chunk was read has no terms left.
        for type_ids, driver_ids, approach_ids, theme_ids in [
            term_ids.get(pk, _NO_TERMS)
        ]
    ]


def _rows(ids: tuple[int, ...]) -> tuple[tuple[Any, ...], ...]:
    """The published cases of `ids` as plain rows, in the order of `ids`: one query. A
    case unpublished since the engine heard of it is left out."""
    found = {
        row[0]: row
        for row in CaseStudy.objects.published()
        .filter(pk__in=ids)
        .order_by()
        .values_list(*ROW_FIELDS)
    }
    return tuple(found[pk] for pk in ids if pk in found)


def _chunks(ids: list[int], request: HttpRequest) -> Iterator[list[Record]]:
    vocabularies = [_Vocabulary(name) for name in VOCABULARIES]
    url_prefix = case_url_prefix(request)
    for chunk in itertools.batched(ids, CHUNK_SIZE):
        yield _records(_rows(chunk), vocabularies, url_prefix)


def started(ids: list[int], request: HttpRequest) -> Iterator[list[Record]]:
    """The cases of `ids`, a chunk of records at a time, with the first chunk read and
    built already (see the module's docstring)."""
    chunks = _chunks(ids, request)
    first = list(itertools.islice(chunks, 1))
    return itertools.chain(first, chunks)


# A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@")


def _cells(record: Record) -> list[Any]:
    """A record as a CSV row: lists joined by ";", formulas neutralised. None needs
    nothing: csv writes it as an empty cell. One call a row, not one a cell."""
    cells = []
    for value in record.values():
        if value.__class__ is list:
            value = ";".join(value)
        if value.__class__ is str and value.startswith(FORMULA_STARTS):
            value = "'" + value
        cells.append(value)
    return cells


def write_csv(chunks: Iterable[list[Record]]) -> Iterator[str]:
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for records in chunks:
        writer.writerows(map(_cells, records))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# One encoder for the whole export: json.dumps(…, ensure_ascii=False) builds a new one
# at every call.
_json = json.JSONEncoder(ensure_ascii=False)


def write_json(chunks: Iterable[list[Record]]) -> Iterator[str]:
    yield '{"licence": "CC-BY-4.0", "cases": ['
    separator = ""
    for records in chunks:
        if records:
            # A chunk's records as one JSON array, without its brackets.
            yield separator + _json.encode(records)[1:-1]
            separator = ", "
    yield "]}"
