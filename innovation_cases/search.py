"""Full-text search over case studies: the query, the stored vector and the headline.

On PostgreSQL, cases carry a stored, weighted `tsvector` (kept current by the signals in
`signals.py`) and a query is matched against it through a GIN index. On SQLite, a
simpler word-by-word `icontains` search stands in, so that a fresh clone still has a
working search box. `CaseStudyQuerySet.search()` picks one or the other. Both read the
user's text the same way first: `parse_search()` turns the site's syntax ("a phrase",
OR, -exclude) into at most MAX_TERMS words and phrases, and the query is built from
those, so that no text reaches a database's own query parser as syntax.

This module must not import `innovation_cases.models` at import time (models.py imports
it); the functions that need the models import them when called.
"""

from __future__ import annotations

import html
import operator
import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib.postgres.search import (
    CombinedSearchVector,
    SearchHeadline,
    SearchQuery,
    SearchQueryCombinable,
    SearchVector,
)
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import (
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

# The text search configuration made by migration 0003: a copy of `english` whose
# mapping for words with non-ASCII letters runs `unaccent` before the English stemmer.
# English, not `simple`, because the cases are written in English: stemming lets
# "cities" find "city" and "participatory" find "participation", and drops stop words
# that would otherwise match every case. City, district and team names go through the
# same stemmer on both sides of the match, so they still find each other ("Bologna",
# "Wien"); unaccent makes "Malmo" find "Malmö" and the other way round.
CONFIG = "atlas_search"

# Weights D, C, B, A, in the order ts_rank takes them (PostgreSQL's defaults): a word
# in the title counts two and a half times a word in the summary.
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]

MAX_QUERY_LENGTH = 200
# Words and phrases in one search: a sentence's worth. Each is a term of the query (a
# tsquery, or a condition on every text field on SQLite), so the query stays small
# whatever is typed; longer text is refused (`validate_search_text`).
MAX_TERMS = 32
HEADLINE_WORDS = 35

# The fields that feed the vector; a save that touches none of them leaves it alone.
VECTOR_FIELDS = frozenset(
    {
        "title",
        "summary",
        "challenge",
        "approach",
        "results",
        "lessons_learned",
        "city",
        "city_id",
        "district",
        "district_id",
    }
)

# ts_headline marks matches with these, and `safe_headline()` turns them into <mark>
# tags after escaping everything else. Control characters, because they survive HTML
# escaping unchanged and do not occur in prose.
_START = "\x02"
_STOP = "\x03"


def uses_postgres(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def clean_text(text: str | None) -> str:
    """The user's query, made safe to send: no NUL (PostgreSQL rejects it), bounded."""
    return (text or "").replace("\x00", "")[:MAX_QUERY_LENGTH].strip()


# --- The site's search syntax ----------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase; if `exclude`, a case must not contain it."""

    text: str
    exclude: bool = False


@dataclass(frozen=True)
class ParsedSearch:
    """A search as clauses that must all hold. A clause holds if any of its terms does
    (`harbour OR port`); an excluded term is always a clause of its own."""

    clauses: tuple[tuple[Term, ...], ...]

    @property
    def terms(self) -> list[Term]:
        return [term for clause in self.clauses for term in clause]

    @property
    def wanted(self) -> list[str]:
        """The words and phrases looked for (not excluded), to mark in a headline."""
        return [term.text for term in self.terms if not term.exclude]


# A quoted phrase after any number of -, its closing quote optional; or a run of
# anything but whitespace.
_TOKEN = re.compile(r'(-*)"([^"]*)"?|(\S+)')
# Punctuation trimmed from the ends of a word, so "innovation," and "(Vienna)" match;
# + and # stay, so "C++" and "C#" mean what they say.
_TRIM = "!\"$%&'()*,./:;<=>?@[\\]^_`{|}~"


def parse_search(text: str, *, limit: int = MAX_TERMS) -> ParsedSearch:
    """Read the site's search syntax, the same way whatever runs the search.

    Words must all appear; "a phrase" in quotes must appear as written (a missing
    closing quote is forgiven); OR between two words or phrases takes either
    (`harbour OR port renewal` wants renewal, and harbour or port); a leading - excludes
    a word or phrase. Nothing else is syntax. A token without a letter or digit (`---`,
    `&|!`, `(`) is dropped, a run of - counts as one, and an OR with nothing to join is
    ignored: the search engine is only ever given words and phrases, each of which it
    reads as plain text, so no text, however hostile, can make it parse an operator.

    A term repeated counts once. Past `limit` distinct terms the rest are dropped: the
    search filters refuse such text with a 400 first (`validate_search_text`).
    """
    clauses: list[list[Term]] = []
    join_next = False  # the previous token was an OR after a wanted term
    for match in _TOKEN.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None:
            if word.upper() == "OR":
                join_next = bool(clauses) and not clauses[-1][0].exclude
                continue
            exclude = word.startswith("-")
            term_text = word.lstrip("-").strip(_TRIM)
        else:
            exclude = bool(minus)
            term_text = " ".join(phrase.split())
        if not re.search(r"\w", term_text):
            continue  # punctuation only: it can match nothing
        term = Term(term_text, exclude)
        if join_next and not exclude:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False

    kept: list[tuple[Term, ...]] = []
    seen_clauses: set[frozenset[tuple[str, bool]]] = set()
    seen_terms: set[tuple[str, bool]] = set()
    for clause in clauses:
        keys = {(term.text.casefold(), term.exclude): term for term in clause}
        if frozenset(keys) in seen_clauses:
            continue
        if len(seen_terms | set(keys)) > limit:
            break
        seen_clauses.add(frozenset(keys))
        seen_terms |= set(keys)
        kept.append(tuple(keys.values()))
    return ParsedSearch(tuple(kept))


def validate_search_text(text: str) -> None:
    """A form validator: refuse a search of more than MAX_TERMS words and phrases,
    rather than search for some of them."""
    if len(parse_search(clean_text(text), limit=MAX_TERMS + 1).terms) > MAX_TERMS:
        raise ValidationError(
            _("Search for at most %(limit)d words or phrases."),
            code="too_many_terms",
            params={"limit": MAX_TERMS},
        )


# --- The query on PostgreSQL -------------------------------------------------------------


class PrefixSearchQuery(SearchQuery):
    """A word or phrase as plain text (`phraseto_tsquery`), every lexeme of two or more
    letters made a prefix.

    This rewrites PostgreSQL's own canonical output of the phrase query, which reads the
    text as plain words, never as operators: `innovation fund` gives
    `'innov' <-> 'fund'`, made `'innov':* <-> 'fund':*`. The lexemes are already
    stemmed and unaccented, so a prefix still matches the stored stems ("innov" finds
    "innovation", stored as 'innov'). One-letter lexemes stay exact: `C++` gives 'c',
    and 'c':* would match nearly every case.
    """

    # First pass: append :* to each quoted lexeme ('' is an escaped quote inside one).
    # The scan runs left to right and every lexeme matches, so quotes pair up rightly.
    _LEXEME = r"'(?:[^']|'')+'"
    # Second pass: take it off one-letter lexemes again. A closing quote is now always
    # followed by ":*", so this cannot pair a closing quote with an opening one.
    _ONE_LETTER = r"'([^'])':\*"

    def __init__(self, value: str, *, config: str = CONFIG) -> None:
        super().__init__(value, config=config, search_type="phrase")

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, function: Any = None, template: Any = None
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().as_sql(compiler, connection, function, template)
        return (
            f"regexp_replace(regexp_replace(({sql})::text, %s, %s, 'g'), "
            f"%s, %s, 'g')::tsquery",
            (*params, self._LEXEME, r"\&:*", self._ONE_LETTER, r"'\1'"),
        )


def search_query(search: ParsedSearch) -> SearchQueryCombinable:
    """The tsquery of a parsed search (with at least one clause), built term by term.

    Never `websearch_to_tsquery` of the user's text: it gives one tsquery operator per
    - or quote it reads, and 33 hyphens overflowed its parser ("tsquery stack too
    small"). Here each term is plain text, and the operators are the clauses' own, so
    the query has at most MAX_TERMS terms whatever was typed. Wanted words and phrases
    match as word beginnings; an excluded one only as itself (-bologna must not drop a
    case that says "bolognese").
    """
    query: SearchQueryCombinable | None = None
    for clause in search.clauses:
        part: SearchQueryCombinable
        if clause[0].exclude:
            part = ~SearchQuery(clause[0].text, config=CONFIG, search_type="phrase")
        else:
            part = reduce(operator.or_, (PrefixSearchQuery(t.text) for t in clause))
        query = part if query is None else query & part
    if query is None:
        raise ValueError("A search with no terms has no query: match nothing instead.")
    return query


def search_vector() -> CombinedSearchVector:
    """The weighted vector of a case, for `UPDATE ... SET search_vector = <this>`.

    Related names come through correlated subqueries rather than joins, because an
    UPDATE cannot join, and so that updating many cases stays one statement.
    """
    from cities.models import City, District, InnovationTeam

    city_name = City.objects.filter(pk=OuterRef("city_id")).values("name")[:1]
    district_name = District.objects.filter(pk=OuterRef("district_id")).values("name")[
        :1
    ]
    team_names = (
        InnovationTeam.objects.filter(cases=OuterRef("pk"))
        .order_by()
        .values("cases")
        .annotate(names=StringAgg("name", delimiter=Value(" "), order_by="name"))
        .values("names")
    )
    return (
        SearchVector("title", config=CONFIG, weight="A")
        + SearchVector("summary", config=CONFIG, weight="B")
        + SearchVector(
            "challenge",
            "approach",
            "results",
            "lessons_learned",
            config=CONFIG,
            weight="C",
        )
        + SearchVector(
            Subquery(city_name),
            Subquery(district_name),
            Subquery(team_names),
            config=CONFIG,
            weight="D",
        )
    )


def headline(query: SearchQueryCombinable) -> Expression:
    """The summary with matches marked, as one SQL expression; see `safe_headline`."""
    return ExpressionWrapper(
        SearchHeadline(
            "summary",
            query,
            config=CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=HEADLINE_WORDS,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
        output_field=HeadlineField(),
    )


def safe_headline(value: str | None) -> SafeString:
    """Escape a ts_headline result, then turn its match markers into <mark> tags.

    Only <mark> and </mark> can come out unescaped, always balanced, even if the text
    itself held a marker character.
    """
    parts = re.split(f"([{_START}{_STOP}])", value or "")
    out: list[str] = []
    open_ = False
    for part in parts:
        if part == _START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == _STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(html.escape(part))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 -- every piece of text is escaped above


# --- The query on SQLite -----------------------------------------------------------------


def contains(term: str) -> Q:
    """The case mentions `term` in its text, its city, district or one of its teams."""
    from cities.models import InnovationTeam

    return (
        Q(title__icontains=term)
        | Q(summary__icontains=term)
        | Q(challenge__icontains=term)
        | Q(approach__icontains=term)
        | Q(results__icontains=term)
        | Q(lessons_learned__icontains=term)
        | Q(city__name__icontains=term)
        | Q(district__name__icontains=term)
        # A subquery rather than a join, so a case with two matching teams is one row.
        | Q(
            Exists(
                InnovationTeam.objects.filter(
                    cases=OuterRef("pk"), name__icontains=term
                )
            )
        )
    )


def matches(search: ParsedSearch) -> Q:
    """The cases that hold every clause of `search`, word by word."""
    condition = Q()
    for clause in search.clauses:
        if clause[0].exclude:
            condition &= ~contains(clause[0].text)
        else:
            condition &= reduce(operator.or_, (contains(t.text) for t in clause))
    return condition


def title_holds(search: ParsedSearch) -> Q | None:
    """The cases whose title holds every wanted clause (None: nothing is wanted)."""
    wanted = [clause for clause in search.clauses if not clause[0].exclude]
    if not wanted:
        return None
    condition = Q()
    for clause in wanted:
        condition &= reduce(operator.or_, (Q(title__icontains=t.text) for t in clause))
    return condition


def highlighted_summary(terms: list[str]) -> Expression:
    """The summary, escaped, shortened and with `terms` marked, in Python on load."""
    return ExpressionWrapper(F("summary"), output_field=HeadlineField(terms=terms))


def highlight(text: str, terms: list[str], words: int = HEADLINE_WORDS) -> SafeString:
    """About `words` words of `text` around the first match, escaped, matches marked."""
    if not terms:
        return safe_headline(Truncator(text).words(words, truncate=" …"))
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)),
        re.IGNORECASE,
    )
    tokens = text.split()
    first = next((i for i, t in enumerate(tokens) if pattern.search(t)), 0)
    start = max(0, min(first - 10, len(tokens) - words))
    excerpt = " ".join(tokens[start : start + words])
    if start > 0:
        excerpt = "… " + excerpt
    if start + words < len(tokens):
        excerpt += " …"
    return safe_headline(pattern.sub(lambda m: f"{_START}{m.group()}{_STOP}", excerpt))


class HeadlineField(TextField):
    """Loads a headline as safe HTML: marked by ts_headline, or marked here (`terms`)."""

    def __init__(self, *args: Any, terms: list[str] | None = None, **kwargs: Any):
        self.terms = terms
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        if self.terms is None:
            return safe_headline(value)
        return highlight(value, self.terms)
