"""Counts of the published cases over the whole index: the site's statistics.

`published_counts()` answers, from one fresh searcher (`journal.with_searcher`), how
many cases the index holds and how many carry each value of the vocabularies, each
country and each start year: one `searcher.aggregate` call with a terms aggregation per
fast field, so the cost does not grow with the number of facets asked for. The index
holds published cases only, so a draft, a submission or an archived case is never
counted. A case without a start year has no `year_started` value; those are counted as
the cases less the sum of the years (a case has at most one).

`counts_by_city()` answers the same for a few cities at once (the comparison of
cities, compare.py): one terms aggregation by city with the facets' inside it.

Measured in-process on PostgreSQL (`generate_synthetic_data`, median): the aggregation
takes 1.5 ms over 4,226 published cases and 13 ms over 85,175, where the 13 queries
that counted the same figures in the database took 38-68 ms and 806-880 ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import tantivy

from core.vocabularies import VOCABULARIES

from . import journal
from .schema import COUNT_FIELDS, FACET_FIELDS, SCHEMA, split_buckets
from .search import FACET_SIZE

# The facets counted (FilterSet parameter names, as in schema.COUNT_FIELDS): the city
# is left out, the statistics do not break cases down by city.
COUNTED: Final = (
    *(vocabulary.name for vocabulary in VOCABULARIES),
    "evidence",
    "country",
)
YEAR: Final = "year_started"


@dataclass(frozen=True)
class Counts:
    """Published cases: how many, and how many carry each value."""

    cases: int
    # Facet (a COUNTED name) -> value (slug, or country code) -> cases; a value that
    # no published case carries is absent.
    by_facet: dict[str, dict[str, int]]
    by_year: dict[int, int]

    @property
    def undated(self) -> int:
        """The cases without a start year."""
        return self.cases - sum(self.by_year.values())


def counts_in(searcher: tantivy.Searcher) -> Counts:
    """The counts as `searcher` sees the index."""
    aggregations = {
        name: {"terms": {"field": COUNT_FIELDS[name], "size": FACET_SIZE}}
        for name in COUNTED
    }
    aggregations[YEAR] = {"terms": {"field": YEAR, "size": FACET_SIZE}}
    answer: dict[str, Any] = searcher.aggregate(tantivy.Query.all_query(), aggregations)
    return Counts(
        cases=searcher.num_docs,
        by_facet={
            name: split_buckets(name, answer[name]["buckets"]) for name in COUNTED
        },
        # int(): a number's key may come back as a float (JSON numbers).
        by_year={int(b["key"]): int(b["doc_count"]) for b in answer[YEAR]["buckets"]},
    )


def published_counts() -> Counts:
    """The counts of the index brought up to the journal (built first if need be)."""
    return journal.with_searcher(counts_in)


@dataclass(frozen=True)
class CityCounts:
    """One city's published cases: how many, and how many carry each value."""

    cases: int
    # Facet -> value (slug) -> cases; a value that none of its cases carries is absent.
    by_facet: dict[str, dict[str, int]]


def counts_by_city(
    cities: Sequence[str],
    facets: Sequence[str],
    searcher: tantivy.Searcher | None = None,
) -> dict[str, CityCounts]:
    """The published cases of each of `cities` (slugs), and their counts for each of
    `facets`, from one aggregation request: a terms aggregation by city, over the
    cases of these cities only, with one by each facet inside it. The same counts as
    the case list's facets under `?city=<slug>` (search.facet_counts), whatever the
    number of cases. A city without a published case is absent."""
    if searcher is None:
        return journal.with_searcher(
            lambda fresh: counts_by_city(cities, facets, searcher=fresh)
        )
    if not cities:
        return {}
    inner = {
        name: {"terms": {"field": COUNT_FIELDS[name], "size": FACET_SIZE}}
        for name in facets
    }
    query = tantivy.Query.term_set_query(SCHEMA, FACET_FIELDS["city"], list(cities))
    answer: dict[str, Any] = searcher.aggregate(
        query,
        {
            "city": {
                "terms": {"field": COUNT_FIELDS["city"], "size": FACET_SIZE},
                "aggs": inner,
            }
        },
    )
    return {
        str(bucket["key"]): CityCounts(
            cases=int(bucket["doc_count"]),
            by_facet={
                name: split_buckets(name, bucket[name]["buckets"]) for name in facets
            },
        )
        for bucket in answer["city"]["buckets"]
    }
