"""Full-text search over case studies: the query, the stored vector and the headline.

On PostgreSQL, cases carry a stored, weighted `tsvector` (kept current by the signals in
`signals.py`) and a query is matched against it through a GIN index. On SQLite, a
simpler word-by-word `icontains` search stands in, so that a fresh clone still has a
working search box. `CaseStudyQuerySet.search()` picks one or the other.

This module must not import `innovation_cases.models` at import time (models.py imports
it); the functions that need the models import them when called.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import (
    CombinedSearchQuery,
    CombinedSearchVector,
    SearchHeadline,
    SearchQuery,
    SearchVector,
)
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


# --- The query on PostgreSQL -------------------------------------------------------------


class PrefixSearchQuery(SearchQuery):
    """`websearch_to_tsquery`, with every lexeme of two or more letters made a prefix.

    Rather than build a raw tsquery from the user's words (and re-implement websearch's
    quotes, OR and -), this rewrites PostgreSQL's own canonical output of the websearch
    query, so the semantics are exactly websearch's and no input can produce a syntax
    error: `'innov' & !'bologna'` becomes `'innov':* & !'bologna':*`. The lexemes are
    already stemmed and unaccented, so a prefix still matches the stored stems
    ("innov" finds "innovation", stored as 'innov'). One-letter lexemes stay exact:
    `C++` gives 'c', and 'c':* would match nearly every case.
    """

    # First pass: append :* to each quoted lexeme ('' is an escaped quote inside one).
    # The scan runs left to right and every lexeme matches, so quotes pair up rightly.
    _LEXEME = r"'(?:[^']|'')+'"
    # Second pass: take it off one-letter lexemes again. A closing quote is now always
    # followed by ":*", so this cannot pair a closing quote with an opening one.
    _ONE_LETTER = r"'([^'])':\*"

    def __init__(self, value: str, *, config: str = CONFIG) -> None:
        super().__init__(value, config=config, search_type="websearch")

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, function: Any = None, template: Any = None
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = super().as_sql(compiler, connection, function, template)
        return (
            f"regexp_replace(regexp_replace(({sql})::text, %s, %s, 'g'), "
            f"%s, %s, 'g')::tsquery",
            (*params, self._LEXEME, r"\&:*", self._ONE_LETTER, r"'\1'"),
        )


def search_query(text: str) -> CombinedSearchQuery:
    """The websearch query OR its prefix form.

    The prefix form alone would also turn exclusions into prefixes (-bologna would drop
    a case that says "bolognese"); with the OR, whatever websearch finds is found.
    """
    websearch = SearchQuery(text, config=CONFIG, search_type="websearch")
    return websearch | PrefixSearchQuery(text)


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


def headline(query: CombinedSearchQuery) -> Expression:
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


@dataclass(frozen=True)
class Term:
    text: str
    exclude: bool = False


# A quoted phrase (quotes optional at the end), or a run of anything but whitespace.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Punctuation trimmed from the ends of a word, so "innovation," and "(Vienna)" match;
# + and # stay, so "C++" and "C#" mean what they say.
_TRIM = "!\"$%&'()*,./:;<=>?@[\\]^_`{|}~"


def parse_terms(text: str) -> list[Term]:
    """Split a query into words and quoted phrases; a leading - excludes one."""
    terms = []
    for match in _TOKEN.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None:
            exclude = word.startswith("-")
            word = word.lstrip("-").strip(_TRIM)
            # OR means something to websearch; here every word is required anyway.
            if word and word != "OR" and re.search(r"\w", word):
                terms.append(Term(word, exclude))
        elif phrase.strip():
            terms.append(Term(" ".join(phrase.split()), bool(minus)))
    return terms


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
