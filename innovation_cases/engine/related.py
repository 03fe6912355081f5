"""The published cases most related to one case, for its page.

A related case must share at least one value with the case: its city, a theme, an
innovation type, a driver or an approach. Each shared value scores as a search for it
would (BM25: a value few cases carry counts for more than one most cases carry, and a
case tagged with many values gains less from each), times the weight of its kind in
`WEIGHTS`: the same city first (local peers, as before the engine), then the subject
(themes), then the kind of innovation, then the broad drivers and approaches. On top,
the words shared with the case's title and summary add to the score (`TEXT_WEIGHT`):
its most telling words by tf-idf, as a more-like-this query picks them, so that among
the cases sharing terms those on the same subject come first. The case itself is
excluded by its id; the index holds only published cases, so no draft is proposed.
Ties keep the index's own order.

The query is made from the case as the database has it, not from its document: a case
the index does not hold yet (or any more) still gets its related cases.

Why both parts: on `generate_synthetic_data --cases 5000` (4,226 published), words
alone (tantivy's more-like-this of title, summary and terms) proposed cases on the same
subject in other cities that shared no theme; shared terms alone proposed cases of the
same city and themes on unrelated subjects ("Rethinking playgrounds" for an emergency
shelter case); together (`TEXT_WEIGHT` 0.35; 0.25 let the city win every time, 0.5
let templated phrases such as "save money over the long term" win), "Shared e-bikes: a
neighbourhood register" got three shared e-bike schemes (two in its city) and an
on-demand bus scheme of its city and theme. On the demo content the two cases share no
term, and neither proposes the other.

Why not tantivy's `more_like_this_query`: the index stores only a case's id and
summary, so a document's more-like-this would compare summaries alone and know nothing
of a case not yet indexed; and its document-fields form panics once the index holds
replaced documents (every edit leaves one until a merge), because it divides by the
live documents but counts the deleted ones too (quickwit-oss/tantivy#2964, open for
0.27). `telling_words` does its word choice instead, and the words are ordinary term
queries, scored like any search.

Cost, in-process on PostgreSQL (median over 40 cases): `CaseStudy.objects.related_to()`
(the journal's look for changes, the query, the rows by one `id__in` query) takes
3.3 ms over 4,226 published cases and 7 ms over 85,175, against 10-17 ms and 283-303 ms
for the database's grouped query it replaces. A case page at 100,000 cases went from
about 290 ms to 19 ms.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Final

import tantivy

from ..models import CaseStudy
from . import journal
from .schema import LANGUAGE_ANALYZERS, SCHEMA, version_field

# Index field -> the weight of one shared value of it.
WEIGHTS: Final[dict[str, float]] = {
    "city": 2.0,
    "theme": 1.5,
    "innovation_type": 1.0,
    "driver": 0.5,
    "approach": 0.5,
}
# The weight of the words shared with the case's title and summary.
TEXT_WEIGHT: Final = 0.35
# The kinds of text compared (in the case's original language's version fields), and
# how many of the case's most telling words are looked for in them (as
# more-like-this does).
TEXT: Final = ("title", "summary")
MAX_WORDS: Final = 25
# A word counts only if another case has it too (the case itself is one, if indexed).
MIN_CASES_WITH_WORD: Final = 2


def _text_fields(case: CaseStudy) -> list[str]:
    """The fields of the case's original: its words are compared there."""
    return [version_field(kind, case.original_language) for kind in TEXT]


def shared_values(case: CaseStudy) -> dict[str, list[str]]:
    """The case's values that a related case may share, by index field (from its
    relations: prefetch them, or this costs a query each)."""
    return {
        "city": [case.city.slug],
        "theme": [term.slug for term in case.themes.all()],
        "innovation_type": [term.slug for term in case.innovation_types.all()],
        "driver": [term.slug for term in case.drivers.all()],
        "approach": [term.slug for term in case.approaches.all()],
    }


def telling_words(case: CaseStudy, searcher: tantivy.Searcher) -> list[str]:
    """The stems of the case's title and summary that best tell it apart, at most
    `MAX_WORDS`: by how often the case uses them times how rare they are (tf-idf)."""
    total = searcher.num_docs
    weights: dict[str, float] = {}
    analyzer = LANGUAGE_ANALYZERS[case.original_language]
    fields = _text_fields(case)
    for word, uses in Counter(
        analyzer.analyze(f"{case.title}\n{case.summary}")
    ).items():
        # Cases having the word (replaced documents count until a merge: an estimate).
        having = max(searcher.doc_freq(field, word) for field in fields)
        if having >= MIN_CASES_WITH_WORD:
            weights[word] = uses * math.log(1 + total / having)
    return sorted(weights, key=lambda word: (-weights[word], word))[:MAX_WORDS]


def related_query(case: CaseStudy, searcher: tantivy.Searcher) -> tantivy.Query:
    shares = [
        tantivy.Query.boost_query(
            tantivy.Query.term_query(SCHEMA, field, value), WEIGHTS[field]
        )
        for field, values in shared_values(case).items()
        for value in values
    ]
    words = [
        tantivy.Query.term_query(SCHEMA, field, word)
        for word in telling_words(case, searcher)
        for field in _text_fields(case)
    ]
    clauses = [
        (tantivy.Occur.Must, _any(shares)),
        (tantivy.Occur.MustNot, tantivy.Query.term_query(SCHEMA, "id", case.pk)),
    ]
    if words:
        clauses.append(
            (tantivy.Occur.Should, tantivy.Query.boost_query(_any(words), TEXT_WEIGHT))
        )
    return tantivy.Query.boolean_query(clauses)


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def related_ids(case: CaseStudy, limit: int = 4) -> list[int]:
    """The ids of the `limit` published cases most related to `case`, best first."""

    def ask(searcher: tantivy.Searcher) -> list[int]:
        hits = searcher.search(related_query(case, searcher), limit).hits
        values = searcher.fast_field_values("id", [address for _, address in hits])
        return [int(v) for v in values if v is not None]

    return journal.with_searcher(ask)
