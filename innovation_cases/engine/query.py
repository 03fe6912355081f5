"""The site's search syntax, parsed by our own code into tantivy queries.

The syntax is the one the search box has always documented: words, "quoted phrases",
`OR` between two words or phrases, and `-word` or `-"a phrase"` to exclude. Words and
phrases are all required (AND), except those joined by OR, of which one is.

tantivy's own `parse_query` is never given user text: it raises on `----`,
`"unbalanced`, `(((`, `title:` and more, and reads `word:` as a field name
(LIBRARIES.md). Here a token is only ever analysed into words by the same analysers the
index uses, then made into `Query` objects; punctuation can only separate words. So any
input gives a query or "no search" (`Parsed.is_empty`), and nothing raises; a
hypothesis test fuzzes this.

How a word matches (`_word_query`): its stem on the stemmed fields, each language
version's with that language's stem (the question is analysed once a language: a German
word finds the German translation of an Italian case), or its folded form as a prefix of
a word on the unstemmed copies ("innovati" -> "innovation"), each boosted by its field
(schema.TEXT_KINDS); a word that is a stop word in every language is no word to find.
Prefix matches weigh half as much as whole words, and a word shorter than `MIN_PREFIX`
letters is not a prefix (else "in" would match "innovation", "initiative", ...). A word
whose stem is `MIN_ROOT` letters or more and shorter than the word also matches words
starting with its stem, weighing less again (`Term.roots`): "participation" finds
"participatory". An English possessive is dropped from an unquoted word: "Vienna's" is
"Vienna". tantivy expands a prefix to at most 50 words (`phrase_prefix_query`'s
default), which bounds its cost. A token that analyses into several words
("e-government", "Wien/Vienna") is a phrase of them, as in PostgreSQL's websearch.
Exclusions match whole words only, so that `-bologna` does not drop a case that says
"bolognese".

Bounds: the text is cut at `MAX_INPUT` characters, and only the first `MAX_TERMS`
words and phrases count; the rest are ignored (`Parsed.truncated` says so). The
FilterSet already refuses a `q` of more than 200 characters with a 400 naming it, so on
the site the cut never shows.

Typos (`typo_tolerant=True`): a word of `MIN_FUZZY` letters or more also matches words
one edit away (insert, delete, substitute or swap two letters) on the unstemmed copies.
`search.search` asks for this only when the exact question finds nothing, since on
100k cases a fuzzy word matches far more than the visitor meant (LIBRARIES.md), and
then proposes a correction (`suggestion`).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Final

import tantivy

from .schema import (
    LANGUAGE_ANALYZERS,
    PLACES,
    PLACES_BOOST,
    SCHEMA,
    TEXT_FIELDS,
    TEXT_KINDS,
    VERSION_LANGUAGES,
    fold_analyzer,
    folded,
    stem_analyzer,
    version_field,
)

MAX_INPUT: Final = 1000
MAX_TERMS: Final = 32
MIN_PREFIX: Final = 3
MIN_FUZZY: Final = 4
# A word whose stem has this many letters or more also matches words that start with
# its stem: "participation" (stem "particip") finds "participatory" (stem
# "participatori"), which the stemmer does not bring together. Shorter stems would
# reach too far: "art" would find "article", "citi" "citizen".
MIN_ROOT: Final = 6
# Unknown words a suggestion tries to correct (each costs about 800 look-ups).
MAX_CORRECTIONS: Final = 4
PREFIX_WEIGHT: Final = 0.5
ROOT_WEIGHT: Final = 0.4
FUZZY_WEIGHT: Final = 0.3

# A quoted phrase (the closing quote optional), or a run of anything but whitespace.
_TOKEN: Final = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# An English possessive at the end of a word: "Vienna's" is searched as "Vienna".
_POSSESSIVE: Final = re.compile(r"['’]s$", re.IGNORECASE)

# Each language version's analyser (schema.language_analyzer), and the places'.
_ANALYZERS = {**LANGUAGE_ANALYZERS, PLACES: stem_analyzer()}
_FOLD = fold_analyzer()


@dataclass(frozen=True)
class Term:
    """One word or phrase of the question."""

    text: str  # as typed, without quotes or the leading minus
    # What each language version's fields (and the places) hold for it, as pairs of
    # (language or "places", its words): none where it is only a stop word. Each
    # word with its position, counted in the words of the text as typed: a dropped
    # stop word leaves a gap, a German compound's parts share its place (as in the
    # index).
    words: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    folds: tuple[str, ...]  # what the unstemmed copies hold for it
    quoted: bool
    span: tuple[int, int]  # where `text` is in the (cut) question

    def stems_in(self, key: str) -> tuple[str, ...]:
        """What the fields of `key` (a language, or "places") hold for the term."""
        return tuple(word for _position, word in dict(self.words).get(key, ()))

    def positions_in(self, key: str) -> tuple[int, ...]:
        return tuple(position for position, _word in dict(self.words).get(key, ()))

    @property
    def all_stems(self) -> set[str]:
        return {word for _key, pairs in self.words for _position, word in pairs}

    @property
    def is_word(self) -> bool:
        """A single word, not quoted: the kind that may be a prefix or a typo."""
        return not self.quoted and len(self.folds) == 1

    @property
    def roots(self) -> tuple[str, ...]:
        """Its stems, in any language, that are long enough to be matched as the
        start of other words and are not the word itself (which matches as a prefix
        anyway)."""
        if not self.is_word:
            return ()
        word = self.folds[0]
        return tuple(
            sorted(
                {
                    stem
                    for _key, pairs in self.words
                    if len(pairs) == 1
                    and len(stem := pairs[0][1]) >= MIN_ROOT
                    and word.startswith(stem)
                    and word != stem
                }
            )
        )


@dataclass(frozen=True)
class Parsed:
    """The question: each group must match (one of its terms), no exclusion may."""

    text: str
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    truncated: bool = False

    @property
    def is_empty(self) -> bool:
        """Nothing to search for: every case matches, ranked by nothing."""
        return not self.groups and not self.excluded

    @property
    def terms(self) -> list[Term]:
        """The terms that must (or may) match, in the order typed."""
        return [term for group in self.groups for term in group]


# A word as tantivy's simple tokenizer sees one: a run of letters and digits.
_SIMPLE_TOKEN: Final = re.compile(r"[^\W_]+")


def _analysed(analyzer: tantivy.TextAnalyzer, raw: str) -> tuple[tuple[int, str], ...]:
    """`raw`'s words as `analyzer` indexes them, each with its position: the
    analyser is given one word at a time, so that a stop word it drops leaves its
    place empty and a compound's parts all get the compound's place."""
    return tuple(
        (position, word)
        for position, token in enumerate(_SIMPLE_TOKEN.findall(raw))
        for word in analyzer.analyze(token)
    )


def parse(text: str | None) -> Parsed:
    """Split the question into terms (never raises)."""
    text = (text or "")[:MAX_INPUT]
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    count = 0
    truncated = False
    join_next = False  # the previous token was OR, after a term that may be joined
    for match in _TOKEN.finditer(text):
        minus, phrase, word = match.groups()
        if word is not None:
            if word == "OR":
                join_next = bool(groups)
                continue
            exclude = word.startswith("-")
            raw = _POSSESSIVE.sub("", word.lstrip("-")) or word.lstrip("-")
            start = match.end() - len(raw)
            quoted = False
        else:
            exclude = bool(minus)
            raw = phrase
            start = match.start(2)
            quoted = True
        words = tuple(
            (key, _analysed(analyzer, raw)) for key, analyzer in _ANALYZERS.items()
        )
        folds = tuple(_FOLD.analyze(raw))
        if not folds or not any(pairs for _key, pairs in words):
            join_next = False
            continue  # punctuation, or a stop word in every language: nothing to find
        if count == MAX_TERMS:
            truncated = True
            break
        count += 1
        term = Term(raw, words, folds, quoted, (start, start + len(raw)))
        if exclude:
            excluded.append(term)
            join_next = False
        elif join_next:
            groups[-1].append(term)
            join_next = False
        else:
            groups.append([term])
    return Parsed(
        text,
        tuple(tuple(group) for group in groups),
        tuple(excluded),
        truncated,
    )


# --- Building queries --------------------------------------------------------------------


def _exact(
    field_name: str, words: tuple[str, ...], positions: tuple[int, ...]
) -> tantivy.Query:
    """One word, or a phrase of words at their positions."""
    if len(words) == 1:
        return tantivy.Query.term_query(SCHEMA, field_name, words[0])
    first = positions[0]
    placed: list[str | tuple[int, str]] = [
        (p - first, w) for p, w in zip(positions, words, strict=True)
    ]
    return tantivy.Query.phrase_query(SCHEMA, field_name, placed)


def _stemmed(term: Term) -> list[tuple[str, tuple[str, ...], tuple[int, ...], float]]:
    """The fields its stems are looked for in: (field, words, their positions,
    boost). Each language version's fields with that language's stems (where it is
    more than a stop word), and the places."""
    fields = []
    for kind, boost in TEXT_KINDS.items():
        for language in VERSION_LANGUAGES:
            words = term.stems_in(language)
            if words:
                field_name = version_field(kind, language)
                fields.append((field_name, words, term.positions_in(language), boost))
    places = term.stems_in(PLACES)
    if places:
        fields.append((PLACES, places, term.positions_in(PLACES), PLACES_BOOST))
    return fields


def _word_query(term: Term, *, typo_tolerant: bool) -> tantivy.Query:
    """The term on every text field, the best field's score counting most: its stems
    on each language version's fields, its folded words as a prefix (and its long
    stems as roots, and its typos) on the folded copies that every version shares."""
    clauses = [
        tantivy.Query.boost_query(_exact(name, words, positions), boost)
        for name, words, positions, boost in _stemmed(term)
    ]
    for name, boost in TEXT_FIELDS.items():
        if not term.quoted and len(term.folds[-1]) >= MIN_PREFIX:
            prefix = tantivy.Query.phrase_prefix_query(
                SCHEMA, folded(name), list(term.folds)
            )
            clauses.append(tantivy.Query.boost_query(prefix, boost * PREFIX_WEIGHT))
        for stem in term.roots:
            root = tantivy.Query.phrase_prefix_query(SCHEMA, folded(name), [stem])
            clauses.append(tantivy.Query.boost_query(root, boost * ROOT_WEIGHT))
        if typo_tolerant and term.is_word and len(term.folds[0]) >= MIN_FUZZY:
            fuzzy = tantivy.Query.fuzzy_term_query(
                SCHEMA, folded(name), term.folds[0], 1, True, False
            )
            clauses.append(tantivy.Query.boost_query(fuzzy, boost * FUZZY_WEIGHT))
    return tantivy.Query.disjunction_max_query(clauses, 0.1)


def _excluded_query(term: Term) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Should, _exact(name, words, positions))
            for name, words, positions, _boost in _stemmed(term)
        ]
    )


def build(parsed: Parsed, *, typo_tolerant: bool = False) -> tantivy.Query | None:
    """The tantivy query of a parsed question; None if there is nothing to search."""
    if parsed.is_empty:
        return None
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for group in parsed.groups:
        alternatives = [_word_query(t, typo_tolerant=typo_tolerant) for t in group]
        clauses.append(
            (
                tantivy.Occur.Must,
                alternatives[0]
                if len(alternatives) == 1
                else tantivy.Query.boolean_query(
                    [(tantivy.Occur.Should, q) for q in alternatives]
                ),
            )
        )
    if not parsed.groups:
        # Only exclusions: every other case matches.
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    for term in parsed.excluded:
        clauses.append((tantivy.Occur.MustNot, _excluded_query(term)))
    return tantivy.Query.boolean_query(clauses)


def can_be_typo_tolerant(parsed: Parsed) -> bool:
    """Whether `typo_tolerant=True` would change anything."""
    return any(t.is_word and len(t.folds[0]) >= MIN_FUZZY for t in parsed.terms)


# --- Did you mean ------------------------------------------------------------------------

_LETTERS: Final = string.ascii_lowercase + string.digits


def one_edit_away(word: str) -> set[str]:
    """Every string one insertion, deletion, substitution or swap away from `word`
    (letters and digits only: what the folded fields hold)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


def within_one_edit(a: str, b: str) -> bool:
    """Whether `b` is `a` with at most one edit (as the fuzzy query counts them)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    return b in one_edit_away(a) if len(a) <= 40 else False


@dataclass(frozen=True)
class Suggestion:
    """The question with its unknown words corrected, and the corrections."""

    text: str
    corrections: dict[str, str] = field(default_factory=dict)  # typed -> corrected


def _frequency(searcher: tantivy.Searcher, fields: list[str], word: str) -> int:
    return sum(searcher.doc_freq(name, word) for name in fields)


def _cased_like(typed: str, word: str) -> str:
    """`word` (folded: lower case) written as `typed` was: "Digitl" -> "Digital",
    "DIGITL" -> "DIGITAL"."""
    if len(typed) > 1 and typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def suggest(parsed: Parsed, searcher: tantivy.Searcher) -> Suggestion | None:
    """For each word that no case contains (even as a prefix), the most frequent word
    one edit away, if any: "inovation" -> "innovation". None if nothing changes."""
    folded_fields = [folded(name) for name in TEXT_FIELDS]
    corrections: dict[str, str] = {}
    pieces: list[str] = []
    position = 0
    tried = 0
    for term in parsed.terms:
        if not term.is_word or len(term.folds[0]) < MIN_FUZZY:
            continue
        word = term.folds[0]
        if _frequency(searcher, folded_fields, word) or any(
            searcher.doc_freq(name, words[0])
            for name, words, _positions, _boost in _stemmed(term)
        ):
            continue
        if tried == MAX_CORRECTIONS:
            break
        tried += 1
        best, best_count = None, 0
        for candidate in sorted(one_edit_away(word)):
            count = _frequency(searcher, folded_fields, candidate)
            if count > best_count:
                best, best_count = candidate, count
        if best is None:
            continue
        best = _cased_like(term.text, best)
        corrections[term.text] = best
        start, end = term.span
        pieces += [parsed.text[position:start], best]
        position = end
    if not corrections:
        return None
    pieces.append(parsed.text[position:])
    return Suggestion(" ".join("".join(pieces).split()), corrections)
