"""One question in, one answer out: the page's ids, the count, the facets, the snippets.

`search()` takes what `CaseStudyFilter` has validated (`Filters.from_cleaned_data`,
the search text, the ordering key) and answers from the index alone; the caller then
loads the page's rows with one `id__in` query (`CaseStudy.objects.filter(id__in=ids)`,
kept in the order of `Result.ids`). Semantics follow `innovation_cases/filters.py`:

- values within a facet are alternatives (OR), facets combine with AND, `year_min` and
  `year_max` bound `year_started` (a case without one is left out by either bound);
- facet counts ignore the facet's own selection: the facets with nothing selected are
  counted together over the results; each facet with a selection is counted over the
  results without that selection (one aggregation request each);
- orderings: relevance (only with a search; otherwise newest), newest, oldest, title,
  -title, year, -year, completeness, -completeness, with the FilterSet's tie-breaks, then the id (see
  `documents.sort_keys`);
- typos: when the question finds nothing and one of its words is in no case, the most
  frequent word one edit away, written as the word was typed, is proposed
  (`Result.suggestion`, "did you mean") if the corrected question finds cases, under
  the same filters or without them; and the question is asked again with typo tolerance
  (`Result.typo_tolerant` if that found something).

Measured on the shared 2-core machine (load average about 6 while measuring), one
question being search, count, the page of 20, seven facet aggregations and 20
snippets:

- `bench/engine_timing.py`, 20,000 synthetic documents: median 3.6 ms (2-6 ms), deep
  pages (offset 10,000) included; 100,000: median 23 ms, 7-37 ms. Its text is
  repetitive, so most questions match 85-100 % of the documents: a worst case;
- an index rebuilt from PostgreSQL's 17,013 published cases of
  `generate_synthetic_data --cases 20000`: 2-6 ms; 8 ms for a typo and its suggestion.

The seven facet aggregations are about 80 % of that time; the search and count alone
take well under a millisecond, the snippets about one.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

import tantivy
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..models import CaseStudy
from . import journal
from .cards import Card, Stored, cards
from .documents import title_order
from .query import (
    MIN_FUZZY,
    MIN_PREFIX,
    Parsed,
    build,
    can_be_typo_tolerant,
    parse,
    suggest,
    within_one_edit,
)
from .schema import (
    COUNT_FIELDS,
    FACET_FIELDS,
    LANGUAGE_ANALYZERS,
    SCHEMA,
    SORT_KEYS,
    TITLE_KEYS,
    fold_analyzer,
    split_buckets,
)

if TYPE_CHECKING:
    from ..filters import CaseStudyFilter

# tantivy's terms aggregation returns at most `size` buckets; above any vocabulary's
# or the cities' number, so that every count is exact.
FACET_SIZE: Final = 100_000
SNIPPET_WORDS: Final = 35
# The FilterSet's ordering keys (CaseStudyFilter.ORDERINGS): relevance, and one sort key
# each for the others.
ORDERINGS: Final = ("relevance", *SORT_KEYS)


@dataclass(frozen=True)
class Filters:
    """The validated filters, as slugs (countries as ISO codes)."""

    innovation_type: tuple[str, ...] = ()
    driver: tuple[str, ...] = ()
    approach: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    lifecycle_stage: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    @classmethod
    def from_cleaned_data(cls, data: Mapping[str, Any]) -> Filters:
        """From `CaseStudyFilter.form.cleaned_data`: querysets of terms and cities
        become their slugs, countries stay codes."""
        values: dict[str, Any] = {}
        for name in FACET_FIELDS:
            chosen = data.get(name) or ()
            if isinstance(chosen, QuerySet):
                chosen = [item.slug for item in chosen]
            values[name] = tuple(sorted(str(v) for v in chosen))
        return cls(
            **values, year_min=data.get("year_min"), year_max=data.get("year_max")
        )

    def selected(self, facet: str) -> tuple[str, ...]:
        return getattr(self, facet)


@dataclass(frozen=True)
class Result:
    total: int
    ids: list[int]
    # Facet (the FilterSet's parameter name) -> value (slug or code) -> count.
    facets: dict[str, dict[str, int]]
    # Case id -> its summary, shortened, escaped, matches in <mark>.
    snippets: dict[int, SafeString] = field(default_factory=dict)
    # What the index stores of each case of the page, in order (`with_cards`).
    stored: list[Stored] = field(default_factory=list)
    # Where the page's documents are in the index (for `matching`).
    addresses: list[tantivy.DocAddress] = field(
        default_factory=list, repr=False, compare=False
    )
    # The corrected question, when the one asked found nothing.
    suggestion: str | None = None
    typo_tolerant: bool = False  # the results are those of the corrected question
    truncated: bool = False  # the question had more than query.MAX_TERMS terms


def _filter_clauses(
    filters: Filters, *, without: str | None = None
) -> list[tantivy.Query]:
    clauses = []
    for name, index_field in FACET_FIELDS.items():
        values = filters.selected(name)
        if values and name != without:
            clauses.append(
                tantivy.Query.term_set_query(SCHEMA, index_field, list(values))
            )
    if filters.year_min is not None or filters.year_max is not None:
        clauses.append(
            tantivy.Query.range_query(
                SCHEMA,
                "year_started",
                tantivy.FieldType.Integer,
                filters.year_min if filters.year_min is not None else -(2**62),
                filters.year_max if filters.year_max is not None else 2**62,
            )
        )
    return clauses


def _combine(text_query: tantivy.Query | None, filters: list[tantivy.Query]) -> Any:
    musts = [text_query] if text_query is not None else []
    # Filters do not score: a constant 0 leaves the text's ranking as it is.
    musts += [tantivy.Query.const_score_query(f, 0.0) for f in filters]
    if not musts:
        return tantivy.Query.all_query()
    if len(musts) == 1 and text_query is not None:
        return text_query
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in musts])


def facet_counts(
    searcher: tantivy.Searcher,
    text_query: tantivy.Query | None,
    filters: Filters,
) -> dict[str, dict[str, int]]:
    """Every facet's counts, each ignoring its own selection (see the module)."""
    counts: dict[str, dict[str, int]] = {}
    unselected = [name for name in FACET_FIELDS if not filters.selected(name)]
    requests: list[tuple[tantivy.Query, list[str]]] = []
    if unselected:
        requests.append((_combine(text_query, _filter_clauses(filters)), unselected))
    for name in FACET_FIELDS:
        if filters.selected(name):
            query = _combine(text_query, _filter_clauses(filters, without=name))
            requests.append((query, [name]))
    for query, names in requests:
        aggregations = {
            name: {"terms": {"field": COUNT_FIELDS[name], "size": FACET_SIZE}}
            for name in names
        }
        answer = searcher.aggregate(query, aggregations)
        for name in names:
            counts[name] = split_buckets(name, answer[name]["buckets"])
    return counts


def _page(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    ordering: str,
    offset: int,
    limit: int,
) -> tuple[int, list[tantivy.DocAddress]]:
    """The count and the page's hits. tantivy allocates room for `offset + limit` hits
    before it searches (16 bytes each: `?page=1000000000` aborted the process for want
    of 300 GB) and panics on a limit of 0, so neither is asked beyond the number of
    documents, and a limit of 0 is asked as 1, its hit dropped."""
    offset = min(max(0, offset), searcher.num_docs)
    asked = max(1, min(limit, searcher.num_docs))
    if ordering == "relevance":
        found = searcher.search(query, asked, count=True, offset=offset)
        hits = [address for _score, address in found.hits]
    else:
        key, descending = SORT_KEYS[ordering]
        found = searcher.search(
            query,
            asked,
            count=True,
            order_by_field=key,
            offset=offset,
            order=tantivy.Order.Desc if descending else tantivy.Order.Asc,
        )
        hits = _in_full(searcher, query, key, descending, offset, found.hits)
    # tantivy's stubs leave out SearchResult.count, which the search above asked for.
    return int(found.count or 0), hits[: max(0, limit)]  # type: ignore[attr-defined]


_MAX_KEY: Final = 2**64 - 1


def _within(query: tantivy.Query, key: str, low: int, high: int) -> tantivy.Query:
    """The cases of `query` whose `key` is from `low` to `high`."""
    keys = tantivy.Query.range_query(
        SCHEMA, key, tantivy.FieldType.Unsigned, max(low, 0), min(high, _MAX_KEY)
    )
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, query), (tantivy.Occur.Must, keys)]
    )


def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return int(searcher.search(query, 1, count=True).count or 0)  # type: ignore[attr-defined]  # as above


def _in_full(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    key: str,
    descending: bool,
    offset: int,
    hits: list[tuple[int, tantivy.DocAddress]],
) -> list[tantivy.DocAddress]:
    """The page of `hits` (key, address), from `offset` in the key's order, with the
    cases that tie on the key in the order of their whole titles.

    A key ends with the start of the title only (schema.py), so cases that tie on it
    may belong on this page or the next, in either order. If the page holds every case
    whose key is in its range, no two alike, it is right as it is: one count tells.
    Otherwise those cases are read again (one search, and one count of the cases before
    them), ordered by the key, then the title's next digits (schema.TITLE_KEYS, fast
    fields: a tie of 10,000 cases costs a few milliseconds), then, for titles alike in
    their first 36 characters, the stored title, then the id; and the page is cut from
    them.
    """
    if not hits:
        return []
    keys = [value for value, _address in hits]
    low, high = min(keys), max(keys)
    within = _within(query, key, low, high)
    count = _count(searcher, within)
    if count == len(hits) and len(set(keys)) == len(keys):
        return [address for _value, address in hits]
    if descending:
        before = _count(searcher, _within(query, key, high + 1, _MAX_KEY))
    else:
        before = _count(searcher, _within(query, key, 0, low - 1)) if low else 0
    addresses = [address for _score, address in searcher.search(within, count).hits]
    fields = [key, *TITLE_KEYS, "id"]
    columns = [searcher.fast_field_values(name, addresses) for name in fields]
    rows = sorted(zip(*columns, addresses, strict=True), key=lambda row: row[:-1])
    ranked: list[tantivy.DocAddress] = []
    # The digits are alike: the whole titles decide, then the id.
    for _digits, alike in itertools.groupby(rows, key=lambda row: row[:-2]):
        group = list(alike)
        if len(group) > 1:
            group.sort(
                key=lambda row: (
                    title_order(searcher.doc(row[-1]).get_first("title") or ""),
                    row[-2],
                )
            )
        ranked.extend(row[-1] for row in group)
    if descending:
        ranked.reverse()
    start = offset - before
    return ranked[start : start + len(hits)]


def search(
    text: str = "",
    filters: Filters | None = None,
    ordering: str | None = None,
    offset: int = 0,
    limit: int = 20,
    *,
    with_facets: bool = True,
    with_snippets: bool = True,
    with_cards: bool = False,
    searcher: tantivy.Searcher | None = None,
) -> Result:
    """Answer one question from the index (opening or building it if need be, and
    bringing it up to the journal first: see journal.with_searcher)."""
    filters = filters or Filters()
    if searcher is None:
        return journal.with_searcher(
            lambda fresh: search(
                text,
                filters,
                ordering,
                offset,
                limit,
                with_facets=with_facets,
                with_snippets=with_snippets,
                with_cards=with_cards,
                searcher=fresh,
            )
        )
    parsed = parse(text)
    if ordering not in ORDERINGS or ordering == "relevance" and parsed.is_empty:
        ordering = None
    ordering = ordering or ("newest" if parsed.is_empty else "relevance")

    text_query = build(parsed)
    filter_clauses = _filter_clauses(filters)
    total, addresses = _page(
        searcher, _combine(text_query, filter_clauses), ordering, offset, limit
    )
    suggestion = None
    typo_tolerant = False
    # Typo tolerance only for a word that no case contains: a question of known words
    # that finds nothing (say, under a narrow filter) is answered "nothing".
    found = (
        suggest(parsed, searcher)
        if total == 0 and can_be_typo_tolerant(parsed)
        else None
    )
    if found is not None:
        # Proposed only if the corrected question finds cases: under the filters, or
        # without them (the page then also offers to remove them).
        corrected = build(parse(found.text))
        if _count(searcher, _combine(corrected, filter_clauses)) or (
            filter_clauses and _count(searcher, _combine(corrected, []))
        ):
            suggestion = found.text
        fuzzy_query = build(parsed, typo_tolerant=True)
        fuzzy_total, fuzzy_addresses = _page(
            searcher, _combine(fuzzy_query, filter_clauses), ordering, offset, limit
        )
        if fuzzy_total:
            text_query, total, addresses = fuzzy_query, fuzzy_total, fuzzy_addresses
            typo_tolerant = True

    ids = [int(v) for v in searcher.fast_field_values("id", addresses) if v is not None]
    snippets: dict[int, SafeString] = {}
    stored: list[Stored] = []
    if with_snippets or with_cards:
        page = [Stored.from_document(searcher.doc(address)) for address in addresses]
        if with_cards:
            stored = page
        if with_snippets:
            # Cut from the summary the reader is shown (their translation, else the
            # original), its words analysed in its language.
            marker = Marker(parsed, typo_tolerant=typo_tolerant)
            reader = get_language()
            for case_id, doc in zip(ids, page, strict=True):
                _title, summary, language = doc.in_language(reader)
                snippets[case_id] = marker.snippet(summary, language=language)
    return Result(
        total=total,
        ids=ids,
        facets=facet_counts(searcher, text_query, filters) if with_facets else {},
        snippets=snippets,
        stored=stored,
        addresses=addresses,
        suggestion=suggestion,
        typo_tolerant=typo_tolerant,
        truncated=parsed.truncated,
    )


# --- For the callers --------------------------------------------------------------------


def question_from_filterset(filterset: CaseStudyFilter) -> tuple[str, Filters, str]:
    """The search text, filters and ordering key of a valid `CaseStudyFilter`: what
    `search()` takes. (An invalid one is a 400 naming the parameter, before this.)"""
    if not filterset.is_valid():
        raise ValueError("The FilterSet is not valid; answer its errors first.")
    return (
        filterset.search_text,
        Filters.from_cleaned_data(filterset.form.cleaned_data),
        filterset.ordering_key,
    )


def rows(ids: list[int]) -> list[CaseStudy]:
    """The page's cases, in the engine's order, with what a card shows: one `id__in`
    query and the prefetches of `for_cards()`, whatever the page size. A case
    unpublished since the index last heard of it is left out."""
    by_id = {
        case.pk: case
        for case in CaseStudy.objects.published().filter(pk__in=ids).for_cards()
    }
    return [by_id[i] for i in ids if i in by_id]


@dataclass(frozen=True)
class Matches:
    """Every case that answers a question, in its order, and the searcher that found
    them, whose documents hold every column of an export (see exports.py)."""

    searcher: tantivy.Searcher
    addresses: list[tantivy.DocAddress]

    def documents(self, start: int, stop: int) -> list[dict[str, list[Any]]]:
        """The stored fields of the matches from `start` to `stop`."""
        return [self.searcher.doc(a).to_dict() for a in self.addresses[start:stop]]


def matching(text: str, filters: Filters, ordering: str) -> Matches:
    """Every case that answers the question, in its order: one search whose limit is
    the number of documents, about 3 MB of tantivy's buffer at 100,000. The documents
    are read afterwards, from the same searcher (as the index was when asked)."""
    return journal.with_searcher(
        lambda searcher: Matches(
            searcher,
            search(
                text,
                filters,
                ordering,
                limit=searcher.num_docs,
                with_facets=False,
                with_snippets=False,
                searcher=searcher,
            ).addresses,
        )
    )


class Newest:
    """The newest published cases under `filters`, and how many there are: for a page
    that shows a few and links to the case list for the rest (a term's, a city's).
    Asked of the engine when first read."""

    def __init__(self, filters: Filters, limit: int) -> None:
        self.filters = filters
        self.limit = limit

    @cached_property
    def _result(self) -> Result:
        return search(
            filters=self.filters,
            ordering="newest",
            limit=self.limit,
            with_facets=False,
            with_snippets=False,
            with_cards=True,
        )

    @property
    def count(self) -> int:
        return self._result.total

    @cached_property
    def cases(self) -> list[Card]:
        return cards(self._result.stored)


# --- Snippets ----------------------------------------------------------------------------

_WORD: Final = re.compile(r"[^\W_]+")
_FOLD = fold_analyzer()


class Marker:
    """Finds the words of a text that the question matched, as the index did: the same
    stem, a folded word the question typed as a prefix, or (when the results are the
    typo-tolerant ones) a word one edit from a correction."""

    def __init__(self, parsed: Parsed, *, typo_tolerant: bool = False) -> None:
        self.stems = {stem for t in parsed.terms for stem in t.all_stems}
        self.prefixes = [
            t.folds[-1]
            for t in parsed.terms
            if not t.quoted and len(t.folds[-1]) >= MIN_PREFIX
        ]
        # The typed words that matched within one edit (see query._word_query).
        self.near = [
            t.folds[0]
            for t in parsed.terms
            if typo_tolerant and t.is_word and len(t.folds[0]) >= MIN_FUZZY
        ]
        self._seen: dict[tuple[str, str], bool] = {}

    def matches(self, word: str, language: str = "en") -> bool:
        """Whether `word`, of a text in `language`, is one the question found."""
        known = self._seen.get((language, word))
        if known is None:
            stems = LANGUAGE_ANALYZERS[language].analyze(word)
            folds = _FOLD.analyze(word)
            fold = folds[0] if folds else ""
            known = bool(
                (stems and stems[0] in self.stems)
                or (fold and any(fold.startswith(p) for p in self.prefixes))
                or (fold and any(within_one_edit(n, fold) for n in self.near))
            )
            self._seen[(language, word)] = known
        return known

    def _mark(self, text: str, language: str) -> str:
        out: list[str] = []
        position = 0
        for match in _WORD.finditer(text):
            if self.matches(match.group(), language):
                out.append(html.escape(text[position : match.start()]))
                out.append(f"<mark>{html.escape(match.group())}</mark>")
                position = match.end()
        out.append(html.escape(text[position:]))
        return "".join(out)

    def snippet(
        self, text: str, words: int = SNIPPET_WORDS, *, language: str = "en"
    ) -> SafeString:
        """About `words` words of `text` (written in `language`) around the first
        match, escaped, matches marked (the whole start of the text if nothing
        matches)."""
        tokens = text.split()
        first = next(
            (
                i
                for i, token in enumerate(tokens)
                if any(self.matches(w, language) for w in _WORD.findall(token))
            ),
            0,
        )
        start = max(0, min(first - 10, len(tokens) - words))
        excerpt = self._mark(" ".join(tokens[start : start + words]), language)
        if start > 0:
            excerpt = "… " + excerpt
        if start + words < len(tokens):
            excerpt += " …"
        return mark_safe(excerpt)  # noqa: S308 -- every piece of text is escaped  # nosec B308, B703
