"""Open-data downloads of the case list: CSV and JSON, streamed row by row.

Rows are read in chunks (`iterator(chunk_size=…)`, which still runs the prefetches per
chunk), so a full export keeps the server's memory flat however many cases there are.

A streamed response sends its status and headers with its first piece: an error after
that can no longer become a 500. So the view runs the query and reads the first chunk
(`started`) before it answers, and an error there is a 500 like any other. What can
still fail later (a later chunk) raises out of the stream on purpose: the server then
cuts the connection, without the end of a chunked body, and the client sees a failed
download (curl: "transfer closed with outstanding read data remaining") rather than a
short file that looks whole. The JSON also never parses without its closing `]}`.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from .models import CaseStudy

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


def case_record(case: CaseStudy, request: HttpRequest) -> dict[str, Any]:
    """One case as plain data: the same fields in CSV and JSON."""

    def slugs(manager: Any) -> list[str]:
        return [term.slug for term in manager.all()]

    return {
        "slug": case.slug,
        "title": case.title,
        "url": request.build_absolute_uri(case.get_absolute_url()),
        "city": case.city.name,
        "city_slug": case.city.slug,
        "country": case.city.country.code,
        "district": case.district.name if case.district else None,
        "summary": case.summary,
        "innovation_types": slugs(case.innovation_types),
        "drivers": slugs(case.drivers),
        "approaches": slugs(case.approaches),
        "themes": slugs(case.themes),
        "lifecycle_stage": case.lifecycle_stage.slug if case.lifecycle_stage else None,
        "year_started": case.year_started,
        "year_ended": case.year_ended,
        "published_at": case.published_at.isoformat() if case.published_at else None,
    }


class _Echo:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value: str) -> str:
        return value


def _neutralise(value: Any) -> Any:
    # A cell starting with =, +, - or @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def started(cases: QuerySet[CaseStudy]) -> Iterator[CaseStudy]:
    """The cases, one at a time, with the query and its first chunk already run (see
    the module's docstring)."""
    rows = cases.iterator(chunk_size=CHUNK_SIZE)
    first = list(itertools.islice(rows, 1))
    return itertools.chain(first, rows)


def write_csv(cases: Iterable[CaseStudy], request: HttpRequest) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow(COLUMNS)
    for case in cases:
        record = case_record(case, request)
        yield writer.writerow(
            [
                _neutralise(
                    ";".join(v) if isinstance(v, list) else ("" if v is None else v)
                )
                for v in (record[column] for column in COLUMNS)
            ]
        )


def write_json(cases: Iterable[CaseStudy], request: HttpRequest) -> Iterator[str]:
    yield '{"licence": "CC-BY-4.0", "cases": ['
    separator = ""
    for case in cases:
        yield separator + json.dumps(case_record(case, request), ensure_ascii=False)
        separator = ","
    yield "]}"
