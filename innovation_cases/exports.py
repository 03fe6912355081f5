"""Open-data downloads of the case list: CSV and JSON, streamed row by row.

Rows are read in chunks (`iterator(chunk_size=…)`, which still runs the prefetches per
chunk), so a full export keeps the server's memory flat however many cases there are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
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


def write_csv(cases: QuerySet[CaseStudy], request: HttpRequest) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow(COLUMNS)
    for case in cases.iterator(chunk_size=CHUNK_SIZE):
        record = case_record(case, request)
        yield writer.writerow(
            [
                _neutralise(
                    ";".join(v) if isinstance(v, list) else ("" if v is None else v)
                )
                for v in (record[column] for column in COLUMNS)
            ]
        )


def write_json(cases: QuerySet[CaseStudy], request: HttpRequest) -> Iterator[str]:
    yield '{"licence": "CC-BY-4.0", "cases": ['
    separator = ""
    for case in cases.iterator(chunk_size=CHUNK_SIZE):
        yield separator + json.dumps(case_record(case, request), ensure_ascii=False)
        separator = ","
    yield "]}"
