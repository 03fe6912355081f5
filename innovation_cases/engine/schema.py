"""The shape of the index: one document per published case, and how its text is read.

A case is one document, whatever languages it is written and translated in, so that a
case found through several of its versions is one result and each facet counts it
once. Its text is indexed twice (LIBRARIES.md, "prefixes on stemmed fields are
unreliable"):

- **stemmed**, a field per kind of text and language version (`VERSION_FIELDS`:
  `title_de`, `summary_it`, `sections_fr`, ...), each read by its language's analyser
  (`language_analyzer`: lower-cased, its stop words dropped, German compounds split into
  known parts, accents folded, its Snowball stemmer; Slovak, which tantivy cannot stem,
  folded only), so that "cities" finds "city", "quartiere" finds "quartieri" and
  "Haushalt" finds "Bürgerhaushalt"; this is what words and phrases match, the
  question analysed once a language (query.py). A version is the original's text in
  its language's fields, or a translation's in its own;
- **folded** (`FOLD`: lower-cased and ASCII-folded, not stemmed), one copy a kind of
  text that every version shares, so that a word can also match as a prefix
  ("innovati" finds "innovation", "particip" finds "participatory": their stems, "innov"
  and "participatori", do not start with what was typed) and, when nothing matches,
  within one typo.

The four sections share one multi-valued field a language (`sections_<lang>`): they
carry the same boost, and one field is one clause less per word. City, district and
team names go into `places` (names, English stems). `TEXT_KINDS` holds each kind's
boost: title above summary above sections above places, as the PostgreSQL weights A >
B > C > D did.

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
(`documents.sort_keys`): the year, the completeness or the publication time (to the
microsecond) first,
then the start of the title (12 characters for title, 10 after a year or a
completeness, 2 after a time). Cases that tie on a key are put in the order of their whole titles by
`search._in_full`, from two more keys of 12 characters each (`TITLE_KEYS`) and, for
titles alike in their first 36 characters, the stored title: so "Bus lane pilot 9"
comes before "Bus lane pilot 10", on every page. A raw string key would be exact, but
tantivy sorts strings slowly: on 20,000 documents, 5 ms for the first page and 290 ms
at offset 5,000, against 0.2 ms and 7 ms for an integer. For newest and oldest the key
has no `updated_at`, which the database uses only for cases published in the same
microsecond.

What is stored: what a result card shows (`engine/cards.py`) and every column of an
export (`exports.py`), so that neither reads a row of the database. The original's
`title` and `summary` (stored, not searched), each version's title and summary (a card
in the reader's language, the snippet cut from its summary), the `slug`, every facet's
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

from core.language_names import language_codes
from core.vocabularies import VOCABULARIES

# Raise whenever the fields, the analysers or the document's content change meaning.
# 2: the title stored, two more title keys (TITLE_KEYS), times to the microsecond.
# 3: the multi-valued facets counted from single-valued combinations (COUNT_FIELDS);
#    what a result card and an export show stored (STORED_FACETS, STORED_TEXT).
# 4: the lifecycle stage's field named `lifecycle_stage`, as its filter parameter.
# 5: the case's original language stored (exports.py).
# 6: a case's text indexed per language version (VERSION_FIELDS), each with its
#    language's analyser; the original's title and summary stored apart.
# 7: the evidence of results (a facet) and the completeness (stored, and two sort
#    keys: COMPLETENESS_KEYS).
SCHEMA_VERSION: Final = 7

# The names under which the analysers are registered on every Index object (tantivy
# does not store custom analysers with the index: they are registered on each open).
STEM: Final = "atlas_stem"  # places' names: English stems, as before there were others
FOLD: Final = "atlas_fold"
RAW: Final = "raw"
NOTHING: Final = "atlas_nothing"  # stored, not searched: the original's own copy

# Longer "words" (URLs, base64) are dropped rather than indexed.
MAX_TOKEN_LENGTH: Final = 40

# The languages a case's text may be in (its original's and its translations'), each
# analysed as its own: its stop words, then its Snowball stemmer. Slovak has no
# stemmer in tantivy: its words are folded (diacritics off, "Bratislavský" ->
# "bratislavsky") and matched whole or as a prefix (the folded copies). Italian and
# French elisions ("l'amministrazione", "d'innovation") leave a lone article, which
# their stop words drop. German compounds are split into known parts first
# (`GERMAN_PARTS`), so that "Haushalt" finds "Bürgerhaushalt".
VERSION_LANGUAGES: Final = tuple(language_codes())
STEMMERS: Final[dict[str, str | None]] = {
    "en": "english",
    "de": "german",
    "it": "italian",
    "fr": "french",
    "sk": None,
}
STOP_WORDS: Final[dict[str, str | list[str]]] = {
    "en": "english",
    "de": "german",
    "it": "italian",
    "fr": "french",
    # Slovak's commonest function words (tantivy has no list for it).
    "sk": (
        "a aj ako ale alebo ani by do je k ku na nad o od po pod pre pred pri s sa "
        "si so sú tak to v vo z za zo že".split()
    ),
}
# Italian and French articles and pronouns that an apostrophe cuts off, besides
# those the languages' lists hold.
ELIDED: Final = "l d dell dall all nell sull un c j m n s t qu".split()

# The parts German compounds of the Atlas's field are made of, as written (lower
# case), with the linking -s where the language adds it: tantivy splits a word only
# into parts that are all listed, and leaves any other word whole.
GERMAN_PARTS: Final = (
    "bürger bürgerinnen bürgers haushalt haushalts stadt städte stadtteil stadtteils "
    "verwaltung verwaltungs innovation innovations labor labore labors bezirk bezirke "
    "bezirks beteiligung beteiligungs projekt projekte projekts fonds förder förderung "
    "mittel straße straßen strassen raum räume rat amt ämter dienst dienste "
    "dienstleistung dienstleistungen daten plattform wohnung wohnungs wohn mobilität "
    "mobilitäts verkehr verkehrs klima schutz plan planung team arbeit arbeits gruppe "
    "programm wettbewerb stelle netz netzwerk entwicklung entwicklungs zentrum quartier "
    "quartiers nachbarschaft nachbarschafts gemeinde gemeinschaft jugend schule schul "
    "park garten grün energie wasser abfall kultur sozial digital haus häuser bank "
    "bänke markt versorgung wirtschaft wirtschafts strategie strategien budget "
    "einwohner bewohner zukunft bildung gesundheit sicherheit wissen"
).split()

# The parts of a case's text, each indexed once a language version (`<kind>_<lang>`,
# with that language's analyser) and in one folded copy shared by every version
# (`<kind>_folded`); with their boosts. Places (city, district, team names) are names:
# one field, English stems, as before.
TEXT_KINDS: Final[dict[str, float]] = {
    "title": 4.0,
    "summary": 2.0,
    "sections": 1.0,
}
PLACES: Final = "places"
PLACES_BOOST: Final = 0.6


def version_field(kind: str, language: str) -> str:
    """The index field of one language version of a kind of text ("title_de")."""
    return f"{kind}_{language}"


def analyzer_name(language: str) -> str:
    return f"atlas_{language}"


# Every text field searched, with its analyser's name and its boost.
VERSION_FIELDS: Final[dict[str, tuple[str, float]]] = {
    version_field(kind, language): (analyzer_name(language), boost)
    for kind, boost in TEXT_KINDS.items()
    for language in VERSION_LANGUAGES
}
# Text fields and their boosts, each with a folded copy named `<field>_folded`.
TEXT_FIELDS: Final[dict[str, float]] = {**TEXT_KINDS, PLACES: PLACES_BOOST}

# Filter fields: the FilterSet's parameter name -> the index field (raw, fast, indexed).
# A vocabulary's field is named as its parameter (core/vocabularies.py).
FACET_FIELDS: Final[dict[str, str]] = {
    **{vocabulary.name: vocabulary.name for vocabulary in VOCABULARIES},
    # A level of CaseStudy.Evidence (a choice of the case's, not a vocabulary).
    "evidence": "evidence",
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
    # Least complete first, and most complete first (CaseStudy.completeness).
    "completeness": ("sort_completeness", False),
    "-completeness": ("sort_completeness_desc", False),
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


def language_analyzer(language: str) -> tantivy.TextAnalyzer:
    """A language version's words: lower-cased, its stop words (and elided articles)
    dropped, German compounds split, accents folded, stemmed where tantivy can."""
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_LENGTH))
        .filter(tantivy.Filter.lowercase())
    )
    stop = STOP_WORDS[language]
    builder = builder.filter(
        tantivy.Filter.stopword(stop)
        if isinstance(stop, str)
        else tantivy.Filter.custom_stopword(stop)
    )
    if language in ("it", "fr"):
        builder = builder.filter(tantivy.Filter.custom_stopword(ELIDED))
    if language == "de":
        builder = builder.filter(tantivy.Filter.split_compound(GERMAN_PARTS))
    builder = builder.filter(tantivy.Filter.ascii_fold())
    stemmer = STEMMERS[language]
    if stemmer is not None:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.build()


# Each language's analyser, for the code that reads text as the index does (the
# question, the snippets, a case's telling words); every Index object is given its own
# (register_analyzers).
LANGUAGE_ANALYZERS: Final = {
    language: language_analyzer(language) for language in VERSION_LANGUAGES
}


def nothing_analyzer() -> tantivy.TextAnalyzer:
    """No word at all: for a field that is only stored."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
        .filter(tantivy.Filter.remove_long(1))
        .build()
    )


def register_analyzers(index: tantivy.Index) -> None:
    """Must run on every Index object before it writes or parses anything."""
    index.register_tokenizer(STEM, stem_analyzer())
    index.register_tokenizer(FOLD, fold_analyzer())
    index.register_tokenizer(NOTHING, nothing_analyzer())
    for language in VERSION_LANGUAGES:
        index.register_tokenizer(analyzer_name(language), language_analyzer(language))


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    # The database id: stored (to return it), fast (to read it for a page of hits
    # without loading documents), indexed (to delete a case's document by its id).
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    # The original's title and summary, stored only: a card shows them, an export
    # writes them, the title orders the cases that tie on a sort key.
    for field in ("title", "summary"):
        builder.add_text_field(field, stored=True, tokenizer_name=NOTHING)
    for field, (analyzer, _boost) in VERSION_FIELDS.items():
        # Each version's title and summary stored too: a card and an export in the
        # reader's language, and the snippet cut from its summary.
        builder.add_text_field(
            field,
            stored=not field.startswith("sections"),
            tokenizer_name=analyzer,
        )
    builder.add_text_field(PLACES, tokenizer_name=STEM)
    for kind in TEXT_FIELDS:
        builder.add_text_field(folded(kind), tokenizer_name=FOLD)
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
    # CaseStudy.completeness()'s score, computed when the case is indexed: an export
    # writes it, and its sort keys order by it.
    builder.add_integer_field("completeness", stored=True, indexed=True, fast=True)
    for field in SORT_FIELDS:
        builder.add_unsigned_field(field, fast=True)
    return builder.build()


SCHEMA: Final = build_schema()


def sort_text(text: str) -> str:
    """A title as it sorts: case and accents ignored ("Örebro" with the Os)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()
