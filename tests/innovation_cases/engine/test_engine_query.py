"""The site's search syntax: parsed by our code, bounded, and never an error."""

import pytest
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innovation_cases.engine import journal
from innovation_cases.engine.query import (
    MAX_CORRECTIONS,
    MAX_INPUT,
    MAX_TERMS,
    build,
    one_edit_away,
    parse,
    suggest,
    within_one_edit,
)
from innovation_cases.engine.search import search
from tests.hostile_search import HOSTILE_SEARCH_TEXTS

# What breaks tantivy's own query parser (LIBRARIES.md) and other odd input, beside
# the corpus every search parameter is fuzzed with (tests/hostile_search.py).
ENGINE_HOSTILE = [
    "C++",
    "2030",
    '"quoted phrase"',
    '"unclosed quote',
    "-excluded",
    "innov\x00ation",
    "OR OR OR",
    "- -- ---",
    "-" * 40,
    '"' * 41,
    "(" * 60,
    "*" * 30,
    ":" * 30,
    "\\" * 30,
    "title:digital",
    "NOT digital",
    "digital AND",
    "[1 TO 5]",
    "digital^10",
    "digi*",
    "word " * 500,
    "\u202e\u200b\ufeff",
    '-"" "" -',
]
HOSTILE = [*ENGINE_HOSTILE, *HOSTILE_SEARCH_TEXTS]


def test_words_phrases_or_and_exclusions():
    parsed = parse('digital "public transport" OR cycling -harbour -"old town"')
    assert [[t.text for t in group] for group in parsed.groups] == [
        ["digital"],
        ["public transport", "cycling"],
    ]
    assert [t.text for t in parsed.excluded] == ["harbour", "old town"]
    assert parsed.groups[1][0].quoted
    # Each language's stems: English "digit", German "digital".
    assert parsed.groups[0][0].stems_in("en") == ("digit",)
    assert parsed.groups[0][0].stems_in("de") == ("digital",)


def test_a_hyphenated_word_is_a_phrase_of_its_parts():
    (term,) = parse("e-Government").terms
    assert (term.stems_in("en"), term.folds, term.quoted) == (
        ("e", "govern"),
        ("e", "government"),
        False,
    )


def test_accents_are_folded_and_words_stemmed():
    participatory, malmo = parse("Participatory Malmö").terms
    assert (participatory.stems_in("en"), participatory.folds) == (
        ("participatori",),
        ("participatory",),
    )
    assert (malmo.stems_in("en"), malmo.folds) == (("malmo",), ("malmo",))


@pytest.mark.parametrize("text", ["", "   ", "OR", "- -- ---", '""', "&|!():*'\\"])
def test_punctuation_and_operators_alone_are_no_search(text):
    parsed = parse(text)
    assert parsed.is_empty
    assert build(parsed) is None


def test_or_without_a_term_on_its_left_is_a_plain_word_boundary():
    assert [[t.text for t in g] for g in parse("OR digital").groups] == [["digital"]]
    assert [[t.text for t in g] for g in parse("-a OR b").groups] == [["b"]]


def test_only_the_first_terms_count():
    parsed = parse(" ".join(f"w{i}" for i in range(MAX_TERMS + 10)))
    assert len(parsed.terms) == MAX_TERMS
    assert parsed.truncated


def test_one_edit_away():
    assert "innovation" in one_edit_away("inovation")
    assert "harbour" in one_edit_away("harbuor")
    assert within_one_edit("harbour", "harbor")
    assert not within_one_edit("harbour", "arbor")


@pytest.mark.django_db
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_raises(built, text):
    result = search(text)
    assert result.total >= 0
    assert all(isinstance(s, SafeString) for s in result.snippets.values())
    assert "<script>" not in "".join(result.snippets.values())


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.text(max_size=300),
        st.text(alphabet='-"()*:\\ ORabc^~!+&|', max_size=200),
        st.lists(
            st.sampled_from([*ENGINE_HOSTILE[:12], "OR", "-", '"', "digital"])
        ).map(" ".join),
    )
)
def test_any_input_gives_a_bounded_query_or_no_search(built, text):
    parsed = parse(text)
    assert len(parsed.terms) + len(parsed.excluded) <= MAX_TERMS
    assert len(parsed.text) <= MAX_INPUT
    assert (build(parsed) is None) == parsed.is_empty
    result = search(text, limit=5)
    assert 0 <= result.total <= 5
    assert len(result.ids) <= 5


@pytest.mark.django_db
def test_only_the_first_unknown_words_are_corrected(built):
    text = " ".join(["harbuor"] * (MAX_CORRECTIONS + 3))
    found = suggest(parse(text), journal.fresh_searcher())
    assert found is not None
    assert found.text == " ".join(["harbour"] * MAX_CORRECTIONS + ["harbuor"] * 3)


def test_a_possessive_is_dropped_from_a_word_not_a_phrase():
    assert [t.text for t in parse("Vienna's labs").terms] == ["Vienna", "labs"]
    assert [t.text for t in parse("Vienna’s").terms] == ["Vienna"]
    assert parse('"Vienna\'s labs"').terms[0].folds == ("vienna", "s", "labs")
    # A word that is only the ending stays as it was.
    assert [t.text for t in parse("'s").terms] == ["'s"]


def test_only_a_long_stem_shorter_than_its_word_is_a_root():
    [participation, art, digital] = parse("participation art digital").terms
    assert participation.roots == ("particip",)  # English's and French's stem
    assert art.roots == ()  # "art": too short
    assert digital.roots == ()  # "digit" is too short
    assert parse('"participation"').terms[0].roots == ()
