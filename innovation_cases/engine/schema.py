"""The shape of the index: one document per published case, and how its text is read.

Text is indexed twice (LIBRARIES.md, "prefixes on stemmed fields are unreliable"):

- **stemmed** (`STEM`: lower-cased, ASCII-folded, English Snowball stemmer), so that
  "cities" finds "city" and "Malmo" finds "Malmö"; this is what words and phrases match;
- **folded** (`FOLD`: lower-cased and ASCII-folded, not stemmed), so that a word can
  also match as a prefix ("innovati" finds "innovation", "particip" finds
  "participatory": their stems, "innov" and "participatori", do not start with what
  was typed) and, when nothing matches, within one typo.

The four sections share one multi-valued field (`sections`): they carry the same boost,
and one field is one clause less per word. City, district and team names go into
`places`. `TEXT_FIELDS` holds each text field's boost: title above summary above
sections above places, as the PostgreSQL weights A > B > C > D did.

Every filter of `CaseStudyFilter` has an indexed field: slugs (and the country's ISO
code) as raw strings, multi-valued where the case has several, which the filters'
term queries match. A facet is counted by a terms aggregation over a fast field
(`COUNT_FIELDS`), which returns the values the URL uses. For the four vocabularies a
case has several terms of, that fast field is single-valued: the case's slugs, sorted
and joined by a space (`combination`), which `split_buckets` spreads back over the
slugs. A terms aggregation over a multi-valued string column walks it value by value:
over 85,173 published cases each such facet took 4 to 5.5 ms, against 0.3 ms for the
single-valued combination (a few hundred distinct ones), so the seven facets of an
unfiltered question went from about 20 ms to about 5.

Orderings sort on one unsigned fast field each (`SORT_KEYS`): a number whose ascending
order is the FilterSet's ordering with its tie-breaks, as far as 64 bits hold them
(`documents.sort_keys`): the year or the publication time (to the microsecond) first,
then the start of the title (12 characters for title, 10 after a year, 2 after a
time). Cases that tie on a key are put in the order of their whole titles by
`search._in_full`, from two more keys of 12 characters each (`TITLE_KEYS`) and, for
titles alike in their first 36 characters, the stored title: so "Bus lane pilot 9"
comes before "Bus lane pilot 10", on every page. A raw string key would be exact, but
tantivy sorts strings slowly: on 20,000 documents, 5 ms for the first page and 290 ms
at offset 5,000, against 0.2 ms and 7 ms for an integer. For newest and oldest the key
has no `updated_at`, which the database uses only for cases published in the same
microsecond.

What is stored: what a result card shows (`engine/cards.py`) and every column of an
export (`exports.py`), so that neither reads a row of the database. The `title`,
`slug`, `summary` (also the text the highlighted snippet is cut from), every facet's
slugs (the country's code), the city's and the district's names, the years, the
publication date, the original language and whether the case is synthetic; the terms' names come from their
vocabularies (one small query), so a renamed term needs no reindexing, and a renamed
city or district is reindexed anyway (their names are searchable text). Measured at
100,000 cases (85,173 published), a page of 20 cards on PostgreSQL: 8.3 ms for the
rows of `CaseStudy.objects.filter(id__in=ids).for_cards()` (three queries and 104
model instances), against about 0.2 ms to read the 20 stored documents, which the
snippets read anyway; the full CSV export streamed 6.1 MB/s from the database (two
queries a chunk of 500). Storing the card made the index grow from 145 to 156 MB, and
it builds in the same time (32 to 36 s). The feed and the API, which show more than
the index holds, still load their rows by `id__in`.

Changing a field, an analyser or a key's format changes what an existing index means:
raise `SCHEMA_VERSION`, and an index of an older version is rebuilt when opened.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Final

import tantivy

from core.vocabularies import VOCABULARIES

# Raise whenever the fields, the analysers or the document's content change meaning.
# 2: the title stored, two more title keys (TITLE_KEYS), times to the microsecond.
# 3: the multi-valued facets counted from single-valued combinations (COUNT_FIELDS);
#    what a result card and an export show stored (STORED_FACETS, STORED_TEXT).
# 4: the lifecycle stage's field named `lifecycle_stage`, as its filter parameter.
# 5: the case's original language stored (exports.py).
SCHEMA_VERSION: Final = 5

# The names under which the analysers are registered on every Index object (tantivy
# does not store custom analysers with the index: they are registered on each open).
STEM: Final = "atlas_stem"
FOLD: Final = "atlas_fold"
RAW: Final = "raw"

# Longer "words" (URLs, base64) are dropped rather than indexed.
MAX_TOKEN_LENGTH: Final = 40

# Text fields and their boosts; each has a folded copy named `<field>_folded`.
TEXT_FIELDS: Final[dict[str, float]] = {
    "title": 4.0,
    "summary": 2.0,
    "sections": 1.0,
    "places": 0.6,
}

# Filter fields: the FilterSet's parameter name -> the index field (raw, fast, indexed).
# A vocabulary's field is named as its parameter (core/vocabularies.py).
FACET_FIELDS: Final[dict[str, str]] = {
    **{vocabulary.name: vocabulary.name for vocabulary in VOCABULARIES},
    "country": "country",
    "city": "city",
}

# Stored, besides the title, the summary and the years and date: what a result card
# (engine/cards.py) and an export (exports.py) show.
STORED_FACETS: Final = frozenset(FACET_FIELDS)
STORED_TEXT: Final = ("slug", "city_name", "district_name", "original_language")

# The facets a case may have several values of.
MULTI_VALUED: Final = frozenset(v.name for v in VOCABULARIES if v.many)

# Facet -> the fast field its terms aggregation reads: the filter field itself where a
# case has one value, the combination of its values otherwise.
COUNT_FIELDS: Final[dict[str, str]] = {
    name: f"{field}_set" if name in MULTI_VALUED else field
    for name, field in FACET_FIELDS.items()
}


def combination(slugs: list[str]) -> str:
    """The one value of a multi-valued facet's count field: "digital mobility"."""
    return " ".join(sorted(set(slugs)))


def split_buckets(name: str, buckets: list[dict[str, Any]]) -> dict[str, int]:
    """A facet's counts (value -> cases) from the buckets of the terms aggregation
    over its `COUNT_FIELDS` field: a combination's cases count for each of its slugs
    (a case holds a slug once, so no case is counted twice for one slug)."""
    if name not in MULTI_VALUED:
        return {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets}
    counts: dict[str, int] = {}
    for bucket in buckets:
        n = int(bucket["doc_count"])
        for value in str(bucket["key"]).split(" "):
            counts[value] = counts.get(value, 0) + n
    return counts


# The FilterSet's orderings (besides relevance) -> (sort key field, descending?).
SORT_KEYS: Final[dict[str, tuple[str, bool]]] = {
    "newest": ("sort_newest", False),
    "oldest": ("sort_oldest", False),
    "title": ("sort_title", False),
    "-title": ("sort_title", True),
    "year": ("sort_year", False),
    "-year": ("sort_year_desc", False),
}


# The title's digits (documents.title_order), 12 characters a field: the first 12 are
# the title's own sort key, the next ones order the cases that tie on any key.
TITLE_KEYS: Final = ("sort_title", "sort_title_2", "sort_title_3")
# Every unsigned fast field that orders.
SORT_FIELDS: Final = tuple(
    sorted({key for key, _ in SORT_KEYS.values()} | set(TITLE_KEYS))
)


def folded(field: str) -> str:
    """The name of the unstemmed, folded copy of a text field."""
    return f"{field}_folded"


def stem_analyzer() -> tantivy.TextAnalyzer:
    """Words, lower-cased, accents folded, English stems: "Participatory" ->
    "participatori", "Malmö" -> "malmo", "cities" -> "citi"."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def fold_analyzer() -> tantivy.TextAnalyzer:
    """Words, lower-cased, accents folded, not stemmed: for prefixes and typos."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def register_analyzers(index: tantivy.Index) -> None:
    """Must run on every Index object before it writes or parses anything."""
    index.register_tokenizer(STEM, stem_analyzer())
    index.register_tokenizer(FOLD, fold_analyzer())


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # The database id: stored (to return it), fast (to read it for a page of hits
    # without loading documents), indexed (to delete a case's document by its id).
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for field in TEXT_FIELDS:
        # The summary is stored: the highlighted snippet is cut from it. The title
        # too: it orders the cases that tie on a sort key.
        builder.add_text_field(
            field, stored=field in ("title", "summary"), tokenizer_name=STEM
        )
        builder.add_text_field(folded(field), tokenizer_name=FOLD)
    for name, field in FACET_FIELDS.items():
        # Filtered on (indexed); counted from COUNT_FIELDS (fast); some shown on a card.
        builder.add_text_field(
            field,
            stored=name in STORED_FACETS,
            fast=name not in MULTI_VALUED,
            tokenizer_name=RAW,
        )
        if name in MULTI_VALUED:
            builder.add_text_field(COUNT_FIELDS[name], fast=True, tokenizer_name=RAW)
    for field in STORED_TEXT:
        builder.add_text_field(field, stored=True, tokenizer_name=RAW)
    builder.add_integer_field("is_synthetic", stored=True)
    builder.add_integer_field("year_started", stored=True, indexed=True, fast=True)
    builder.add_integer_field("year_ended", stored=True, indexed=True, fast=True)
    builder.add_date_field("published_at", stored=True, indexed=True, fast=True)
    for field in SORT_FIELDS:
        builder.add_unsigned_field(field, fast=True)
    return builder.build()


SCHEMA: Final = build_schema()


def sort_text(text: str) -> str:
    """A title as it sorts: case and accents ignored ("Örebro" with the Os)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()
