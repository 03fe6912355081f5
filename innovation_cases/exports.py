"""Open-data downloads of the case list: CSV and JSON, streamed a chunk at a time.

Which cases, in which order, and what they say, is the search engine's answer: the
index stores every column of an export (schema.STORED_FACETS, schema.STORED_TEXT and
the stored dates), so an export reads the documents of the question's matches
(`engine.search.matching`), a chunk at a time from one searcher, and makes no query
per chunk: only one for the vocabularies' order. The index holds published cases only,
brought up to the journal before the question is asked, so nothing else can be
exported. Each chunk is written out as one piece of text, so memory stays flat however
many cases there are. No model instance and no `reverse()` per row: see
bench/export_throughput.py for the figures: 85,173 cases at 7.8 MB/s through gunicorn
(6.1 MB/s when the rows came from the database, two queries a chunk of 500); where the
rest of the time goes is in docs/benchmarks.md.

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cities.models import FIRST_YEAR, LAST_YEAR
from core.fields import field_list
from core.language_names import language_name
from core.languages import neutral_path
from core.slugs import SLUG_CHARACTERS, SLUG_MAX_LENGTH
from core.vocabularies import VOCABULARIES as ALL_VOCABULARIES

from .engine.search import Matches
from .filters import vocabulary_terms
from .models import (
    CARD_TRANSLATION_FIELDS,
    LANGUAGE_CODES,
    SECTION_FIELDS,
    CaseStudy,
    Evidence,
    translation_field,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The content's licence, as the site's footer, the about page, the feed and the API's
# schema state it: the exports and the catalogue (catalog.py) link it.
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_SPDX = "CC-BY-4.0"


def attribution() -> str:
    """How to credit the content, in the request's language."""
    return gettext(
        "%(site)s, licensed CC BY 4.0: credit the %(site)s and the sources each case "
        "lists."
    ) % {"site": settings.SITE_NAME}


# Documents read, and written out as one piece, at a time: about 0.3 MB of CSV.
CHUNK_SIZE = 500
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

# The case's fields, but the long sections (the case's page has them), the teams and
# partners (records of their own) and the image; with the case's address, its city's
# slug and country, and its completeness after its evidence of results: derived
# (CaseStudy.completeness, computed when the case is indexed), never stored, but what
# a researcher filtering for well-documented cases needs, as the site sorts by it.
COLUMNS = [
    "slug",
    *field_list(
        CaseStudy.FIELDS,
        leave_out=[
            *SECTION_FIELDS,
            *["teams", "partners", "image", "image_alt", "image_credit"],
        ],
        add_after={
            "title": ["url"],
            "city": ["city_slug", "country"],
            "evidence": ["completeness"],
        },
    ),
    "published_at",
    # Each translation's title and summary, language by language (empty where the
    # case has none, and for its original language, whose text is title and summary).
    *CARD_TRANSLATION_FIELDS,
]

# What separates the values of a cell that holds several (a case's themes): the
# exports write them so, and the spreadsheet import reads them so (docs/import.md).
LIST_SEPARATOR = ";"


# --- The data dictionary: what each column holds ---------------------------------------


@dataclass(frozen=True)
class Column:
    """What a column of the exports holds, in the terms of a Frictionless Table Schema
    field (https://specs.frictionlessdata.io/table-schema/): its type, what it means
    and the values it may take. `several`: a list of values (a JSON array; in the CSV,
    the values joined by LIST_SEPARATOR)."""

    type: str
    description: StrOrPromise
    format: str = "default"
    constraints: dict[str, Any] = field(default_factory=dict)
    several: bool = False


_SLUG = {"pattern": f"[{SLUG_CHARACTERS}]{{1,{SLUG_MAX_LENGTH}}}"}
_YEAR = {"minimum": FIRST_YEAR, "maximum": LAST_YEAR}


def _terms(vocabulary: str) -> Column:
    return Column(
        "list",
        _(
            "The slugs of the case's terms of this vocabulary, in the vocabulary's "
            "order: /api/v1/%(path)s/ names and defines each."
        )
        % {"path": next(v.api_path for v in ALL_VOCABULARIES if v.name == vocabulary)},
        several=True,
    )


# Every column but the translations' (translation_column), by name: the one place that
# says what a column means. A column of COLUMNS without one fails at import, as does one
# here that COLUMNS lacks; docs/open-data.md lists them (tests/innovation_cases/
# test_open_data_schema.py checks it).
COLUMN_DEFINITIONS: dict[str, Column] = {
    "slug": Column(
        "string",
        _("The case's identifier, unique in the Atlas and kept once it is published."),
        constraints={"required": True, "unique": True, **_SLUG},
    ),
    "title": Column(
        "string",
        _("The title, in the case's original language."),
        constraints={"required": True},
    ),
    "url": Column(
        "string",
        _("The case's page; it opens in the reader's language."),
        format="uri",
        constraints={"required": True},
    ),
    "city": Column("string", _("The city's name."), constraints={"required": True}),
    "city_slug": Column(
        "string",
        _("The city's identifier: /api/v1/cities/<slug>/ describes it."),
        constraints={"required": True, **_SLUG},
    ),
    "country": Column(
        "string",
        _("The city's country, as an ISO 3166-1 alpha-2 code (AT, DE, …)."),
        constraints={"required": True, "pattern": "[A-Z]{2}"},
    ),
    "district": Column(
        "string", _("The district of the city the case is in, if it is one district's.")
    ),
    "original_language": Column(
        "string",
        _("The language the case is written in (ISO 639-1)."),
        constraints={"required": True, "enum": LANGUAGE_CODES},
    ),
    "summary": Column("string", _("The summary, in the case's original language.")),
    "innovation_types": _terms("innovation_type"),
    "drivers": _terms("driver"),
    "approaches": _terms("approach"),
    "themes": _terms("theme"),
    "lifecycle_stage": Column(
        "string",
        _("How far the innovation has come: /api/v1/lifecycle-stages/ defines each."),
        constraints=_SLUG,
    ),
    "evidence": Column(
        "string",
        _(
            "How far the case's results are backed: unknown (not yet known), reported "
            "(by the city), measured (with data) or evaluated (independently)."
        ),
        constraints={"required": True, "enum": list(Evidence.values)},
    ),
    "completeness": Column(
        "integer",
        _("How complete the case's record is, in percent (the about page says how)."),
        constraints={"required": True, "minimum": 0, "maximum": 100},
    ),
    "year_started": Column(
        "integer", _("The year the innovation began."), constraints=_YEAR
    ),
    "year_ended": Column(
        "integer", _("The year it ended; empty if it goes on."), constraints=_YEAR
    ),
    "published_at": Column(
        "datetime",
        _("When the case was first published (ISO 8601, UTC)."),
        constraints={"required": True},
    ),
}


_undefined = [
    name
    for name in COLUMNS
    if name not in COLUMN_DEFINITIONS and name not in CARD_TRANSLATION_FIELDS
]
_unknown = [name for name in COLUMN_DEFINITIONS if name not in COLUMNS]
if _undefined or _unknown:
    raise ImproperlyConfigured(
        f"Export columns without a definition: {_undefined}; definitions of no "
        f"column: {_unknown} (innovation_cases/exports.py COLUMN_DEFINITIONS)."
    )


def translation_column(name: str) -> Column:
    """A translation's title or summary column (title_de, summary_de, …)."""
    for language in LANGUAGE_CODES:
        if name == translation_field("title", language):
            text = _("The title's translation into %(language)s; empty if none.")
        elif name == translation_field("summary", language):
            text = _("The summary's translation into %(language)s; empty if none.")
        else:
            continue
        return Column("string", str(text) % {"language": language_name(language)})
    raise KeyError(name)


def table_schema() -> dict[str, Any]:
    """The exports' data dictionary as a Frictionless Table Schema, in the request's
    language: /cases/export/schema.json, which the CSV is validated against."""
    fields = []
    for name in COLUMNS:
        column = COLUMN_DEFINITIONS.get(name) or translation_column(name)
        described: dict[str, Any] = {
            "name": name,
            "type": column.type,
            "description": str(column.description),
        }
        if column.format != "default":
            described["format"] = column.format
        if column.several:
            described.update(delimiter=LIST_SEPARATOR, itemType="string")
        if column.constraints:
            described["constraints"] = column.constraints
        fields.append(described)
    return {
        "fields": fields,
        "primaryKey": ["slug"],
        "missingValues": [""],
    }


# The export's columns of the vocabularies a case has several terms of, by the index
# field (the facet) that holds their slugs.
VOCABULARIES = {v.name: v.case_field for v in ALL_VOCABULARIES if v.many}

Record = dict[str, Any]


class _Order:
    """The slugs of a case's terms of one vocabulary, in the order the vocabulary
    lists its terms (its Meta.ordering, as `case.themes.all()` would): the index keeps
    them in no particular order. Sorted once for each combination: a few hundred,
    however many cases. A term the vocabulary does not know (made since the export
    began) comes last."""

    def __init__(self, slugs: list[str]) -> None:
        self.position = {slug: i for i, slug in enumerate(slugs)}
        self._sorted: dict[tuple[str, ...], list[str]] = {}

    def __call__(self, slugs: list[str] | None) -> list[str]:
        if not slugs:
            return []
        key = tuple(slugs)
        found = self._sorted.get(key)
        if found is None:
            last = len(self.position)
            found = self._sorted[key] = sorted(
                slugs, key=lambda slug: (self.position.get(slug, last), slug)
            )
        return found


def case_url_prefix(request: HttpRequest | None, site_url: str = "") -> str:
    """A case's absolute URL up to its slug: `reverse()` once an export, not once a
    row. A SlugField's slug is left as it is by `reverse()`, so appending is the same.
    Without a request (`manage.py export_dataset`), the URL is under `site_url`, or a
    path if that is empty."""
    marker = "slug-marker"
    # In no language: the address opens the page in the reader's (core/languages.py).
    path = neutral_path(
        reverse("innovation_cases:case_detail", kwargs={"slug": marker})
    )
    url = (
        request.build_absolute_uri(path)
        if request is not None
        else site_url.rstrip("/") + path
    )
    prefix, rest = url.rsplit(marker, 1)
    if rest != "/":
        raise ValueError(f"A case's URL is expected to end with its slug and /: {url}")
    return prefix


def _first(values: list[Any] | None) -> Any:
    return values[0] if values else None


def _records(
    documents: list[dict[str, list[Any]]], orders: dict[str, _Order], url_prefix: str
) -> list[Record]:
    """A chunk of cases as plain data, from their stored documents (`to_dict()`): the
    same fields in CSV and JSON, in the order of COLUMNS (write_csv relies on it)."""
    types, drivers, approaches, themes = (
        orders[name] for name in ("innovation_type", "driver", "approach", "theme")
    )
    records = []
    for doc in documents:
        slug = doc["slug"][0]
        published_at = _first(doc.get("published_at"))
        original = _first(doc.get("original_language"))
        records.append(
            {
                "slug": slug,
                "title": doc["title"][0],
                "url": f"{url_prefix}{slug}/",
                "city": doc["city_name"][0],
                "city_slug": doc["city"][0],
                "country": doc["country"][0],
                "district": _first(doc.get("district_name")),
                "original_language": original,
                "summary": _first(doc.get("summary")) or "",
                "innovation_types": types(doc.get("innovation_type")),
                "drivers": drivers(doc.get("driver")),
                "approaches": approaches(doc.get("approach")),
                "themes": themes(doc.get("theme")),
                "lifecycle_stage": _first(doc.get("lifecycle_stage")),
                "evidence": _first(doc.get("evidence")),
                "completeness": _first(doc.get("completeness")),
                "year_started": _first(doc.get("year_started")),
                "year_ended": _first(doc.get("year_ended")),
                "published_at": published_at.isoformat() if published_at else None,
                # The index holds the original in its language's fields too.
                **{
                    column: ""
                    if column.endswith(f"_{original}")
                    else _first(doc.get(column)) or ""
                    for column in CARD_TRANSLATION_FIELDS
                },
            }
        )
    return records


def _chunks(matches: Matches, url_prefix: str) -> Iterator[list[Record]]:
    terms = vocabulary_terms(tuple(VOCABULARIES))
    orders = {name: _Order([t.slug for t in terms[name]]) for name in VOCABULARIES}
    for start in range(0, len(matches.addresses), CHUNK_SIZE):
        documents = matches.documents(start, start + CHUNK_SIZE)
        yield _records(documents, orders, url_prefix)


def started(matches: Matches, url_prefix: str) -> Iterator[list[Record]]:
    """The cases of `matches`, a chunk of records at a time, with the first chunk read
    and built already (see the module's docstring); each case's URL is `url_prefix`
    (case_url_prefix) and its slug."""
    chunks = _chunks(matches, url_prefix)
    first = list(itertools.islice(chunks, 1))
    return itertools.chain(first, chunks)


# A cell starting with one of these would run as a formula in a spreadsheet: the
# ASCII signs, and their full-width forms, which spreadsheets with an East Asian input
# method read the same. Spreadsheets skip white space before them, so a cell is
# checked from its first other character; and a cell that starts with a tab or a
# carriage return is neutralised whatever follows (OWASP's advice: some programs
# split cells there).
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_RISKY_FIRST = frozenset("".join(FORMULA_STARTS) + "\t\r")


def _starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula (see FORMULA_STARTS)."""
    first = text[:1]
    if first in _RISKY_FIRST:
        return bool(first)
    return first.isspace() and text.lstrip().startswith(FORMULA_STARTS)


def csv_cells(record: Record) -> list[Any]:
    """A record as a CSV row: lists joined by ";", formulas neutralised by a leading
    "'", which spreadsheets read as "this is text". None needs nothing: csv writes
    it as an empty cell. One call a row, not one a cell. (The dataset's CSV files are
    written with it too: innovation_cases/dataset.py.)"""
    cells = []
    for value in record.values():
        if value.__class__ is list:
            value = LIST_SEPARATOR.join(value)
        if value.__class__ is str and _starts_formula(value):
            value = "'" + value
        cells.append(value)
    return cells


# Each writer sends its opening with the first records rather than alone: a proxy that
# compresses decides on the first piece it gets, and leaves a stream whose first piece
# is a few bytes long uncompressed (deploy/Caddyfile).


def write_csv(chunks: Iterable[list[Record]]) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for records in chunks:
        writer.writerows(map(csv_cells, records))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# One encoder for the whole export: json.dumps(…, ensure_ascii=False) builds a new one
# at every call.
_json = json.JSONEncoder(ensure_ascii=False)


def write_json(chunks: Iterable[list[Record]]) -> Iterator[str]:
    # The licence by its SPDX id (as before), its address and how to credit it, in the
    # request's language: worked out now, before the stream is read, after the view.
    head = _json.encode(
        {
            "licence": LICENCE_SPDX,
            "licence_url": LICENCE_URL,
            "attribution": attribution(),
        }
    )
    return _json_pieces(head[:-1] + ', "cases": [', chunks)


def _json_pieces(opening: str, chunks: Iterable[list[Record]]) -> Iterator[str]:
    separator = ""
    for records in chunks:
        if records:
            # A chunk's records as one JSON array, without its brackets.
            yield opening + separator + _json.encode(records)[1:-1]
            opening, separator = "", ", "
    yield opening + "]}"
