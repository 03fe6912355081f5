"""Searching the index: what is found, filtered, counted, ordered and highlighted."""

from typing import Any

import pytest
from django.http import QueryDict

from core.models import Theme
from innovation_cases.engine import index as engine_index
from innovation_cases.engine.cards import Card, Stored, cards
from innovation_cases.engine.query import MAX_TERMS, parse
from innovation_cases.engine.search import (
    ORDERINGS,
    Filters,
    Marker,
    matching,
    question_from_filterset,
    rows,
    search,
)
from innovation_cases.filters import CaseStudyFilter
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory

pytestmark = pytest.mark.django_db


def found(cases: dict[str, CaseStudy], text: str = "", **kwargs: Any) -> list[str]:
    """The keys of the cases a question finds, in the order found."""
    by_id = {case.pk: key for key, case in cases.items()}
    return [by_id[i] for i in search(text, limit=50, **kwargs).ids]


def test_only_published_cases_are_in_the_index(built):
    assert search("zanzibar").total == 0
    assert sorted(found(built)) == ["budget", "data", "fund", "streets", "twin"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"theme": ("mobility",)}, {"twin", "streets"}),
        (
            {"theme": ("mobility", "social-inclusion")},
            {"budget", "twin", "fund", "streets"},
        ),
        ({"country": ("SE",)}, {"budget", "streets"}),
        ({"city": ("ghent",)}, {"twin", "data"}),
        ({"innovation_type": ("adaptive",)}, {"budget", "fund"}),
        ({"driver": ("social",)}, {"budget", "streets"}),
        ({"approach": ("partnerships",)}, set()),
        ({"lifecycle_stage": ("evaluating",)}, {"twin", "streets"}),
        ({"evidence": ("unknown",)}, {"data", "streets"}),
        ({"evidence": ("measured", "evaluated")}, {"twin", "fund"}),
        ({"year_min": 2015}, {"budget", "twin", "streets"}),
        ({"year_max": 2014}, {"fund"}),
        ({"year_min": 2015, "year_max": 2015}, {"budget", "streets"}),
        ({"theme": ("mobility",), "country": ("SE",)}, {"streets"}),
        ({"innovation_type": ("adaptive",), "driver": ("economic",)}, {"fund"}),
    ],
)
def test_each_filter_and_their_combinations(built, filters, expected):
    assert set(found(built, filters=Filters(**filters))) == expected


def test_search_and_filters_combine(built):
    assert found(built, "digital", filters=Filters(city=("ghent",))) == ["twin"]


def test_filters_from_the_filtersets_cleaned_data(built):
    data = {
        "theme": Theme.objects.filter(slug__in=["mobility"]),
        "country": ["SE"],
        "year_min": None,
        "q": "",
    }
    filters = Filters.from_cleaned_data(data)
    assert filters == Filters(theme=("mobility",), country=("SE",))
    assert found(built, filters=filters) == ["streets"]


def test_a_facets_own_selection_does_not_narrow_its_counts(built):
    result = search(filters=Filters(theme=("mobility",), country=("SE",)))
    assert result.total == 1
    assert result.facets == {
        # Without the theme filter: the Swedish cases.
        "theme": {"social-inclusion": 1, "public-spaces": 2, "mobility": 1},
        # Without the country filter: the mobility cases.
        "country": {"BE": 1, "SE": 1},
        # The others count the results themselves.
        "innovation_type": {"enhancement-oriented": 1},
        "driver": {"social": 1},
        "approach": {},
        "lifecycle_stage": {"evaluating": 1},
        "evidence": {"unknown": 1},
        "city": {"malmo": 1},
    }


def test_the_evidence_facet_counts_each_level(built):
    assert search().facets["evidence"] == {
        "unknown": 2,
        "reported": 1,
        "measured": 1,
        "evaluated": 1,
    }
    # Its own selection does not narrow it; the others' do.
    selected = search(filters=Filters(evidence=("measured",), country=("BE",)))
    assert selected.total == 1
    assert selected.facets["evidence"] == {"unknown": 1, "measured": 1}


def test_the_index_stores_each_cases_completeness_as_the_model_computes_it(built):
    documents = matching("", Filters(), "title").documents(0, 50)
    stored = {doc["slug"][0]: doc["completeness"][0] for doc in documents}
    expected = {
        case.slug: case.completeness().score for case in CaseStudy.objects.published()
    }
    assert stored == expected
    assert sorted(stored.values()) == [10, 25, 35, 40, 40]


def test_facets_count_the_search_results(built):
    facets = search("digital").facets
    assert facets["city"] == {"ghent": 1, "lyon": 1}
    assert facets["innovation_type"] == {"mission-oriented": 2, "adaptive": 1}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("newest", ["streets", "twin", "fund", "budget", "data"]),
        ("oldest", ["data", "budget", "fund", "twin", "streets"]),
        ("title", ["fund", "twin", "data", "budget", "streets"]),
        ("-title", ["streets", "budget", "data", "twin", "fund"]),
        # Ties (2015) by title; a case without a year last, in both directions.
        ("year", ["fund", "budget", "streets", "twin", "data"]),
        ("-year", ["twin", "budget", "streets", "fund", "data"]),
        # Completeness (10, 25, 35, 40, 40): ties by title, in both directions.
        ("completeness", ["data", "streets", "twin", "fund", "budget"]),
        ("-completeness", ["fund", "budget", "twin", "streets", "data"]),
        # Relevance without a search is newest first, as in the FilterSet.
        ("relevance", ["streets", "twin", "fund", "budget", "data"]),
        (None, ["streets", "twin", "fund", "budget", "data"]),
    ],
)
def test_every_ordering(built, ordering, expected):
    assert found(built, ordering=ordering) == expected


def test_orderings_page_through_every_result_once(built):
    for ordering in [
        "newest",
        "oldest",
        "title",
        "-title",
        "year",
        "-year",
        "completeness",
        "-completeness",
    ]:
        whole = search(ordering=ordering, limit=50).ids
        pages = [search(ordering=ordering, offset=o, limit=2) for o in (0, 2, 4)]
        assert [i for page in pages for i in page.ids] == whole
        assert {page.total for page in pages} == {5}
    assert search(offset=10, limit=2).ids == []


def test_a_limit_of_zero_gives_the_count_alone(built):
    for ordering in ["relevance", "newest", "title"]:
        answer = search("city", ordering=ordering, limit=0)
        assert (answer.total, answer.ids) == (search("city", limit=50).total, [])
    assert search("city", limit=50).total > 0


def test_a_page_far_past_the_end_or_of_no_size_is_empty_not_fatal(built):
    """tantivy allocates offset + limit hits, and panics on a limit of 0."""
    for ordering in ["relevance", "title"]:
        far = search("innovation", ordering=ordering, offset=10**12, limit=20)
        assert (far.total, far.ids) == (3, [])
        none = search("innovation", ordering=ordering, limit=0)
        assert (none.total, none.ids) == (3, [])
    assert len(search(limit=10**12).ids) == 5


def test_relevance_puts_a_title_match_first(built):
    assert found(built, "innovation")[0] == "fund"
    assert set(found(built, "innovation")) == {"fund", "data", "budget"}


def test_a_search_defaults_to_relevance_and_may_be_sorted_otherwise(built):
    assert found(built, "innovation", ordering="title") == ["fund", "data", "budget"]


def test_phrases_must_match_in_order(built):
    assert found(built, '"digital model"') == ["twin"]
    assert found(built, '"model digital"') == []


def test_or_between_words(built):
    assert set(found(built, "zebra OR harbour")) == {"streets", "twin"}
    assert found(built, "zebra harbour") == []
    assert set(found(built, '"digital model" OR grants')) == {"twin", "fund"}


def test_a_minus_excludes(built):
    assert found(built, "digital -harbour") == ["fund"]
    assert set(found(built, "-digital")) == {"budget", "data", "streets"}
    assert found(built, 'digital -"digital model"') == ["fund"]


def test_partial_words_match_as_prefixes(built):
    assert set(found(built, "innovati")) == {"fund", "data", "budget"}
    assert found(built, "particip") == ["budget"]
    assert found(built, "zebr") == ["streets"]


def test_accents_are_folded(built):
    assert set(found(built, "Malmo")) == {"budget", "streets"}
    assert set(found(built, "MALMÖ")) == {"budget", "streets"}


def test_words_are_stemmed(built):
    assert found(built, "budgets") == ["budget"]
    assert found(built, "assembly") == ["budget"]
    assert found(built, "lorry") == ["twin"]


def test_city_district_and_team_names_are_searchable(built):
    assert found(built, "Havenlab") == ["twin"]
    assert found(built, "Sint-Amandsberg") == ["data"]
    assert set(found(built, "ghent")) == {"twin", "data"}


def test_a_typo_finds_the_word_and_suggests_it(built):
    result = search("harbuor")
    assert [result.total, result.suggestion, result.typo_tolerant] == [
        1,
        "harbour",
        True,
    ]
    assert result.ids == [built["twin"].pk]
    result = search("inovation -portal")
    assert result.suggestion == "innovation -portal"
    assert {built["fund"].pk, built["budget"].pk} == set(result.ids)


def test_no_suggestion_when_the_words_exist(built):
    result = search("zebra harbour")
    assert [result.total, result.suggestion, result.typo_tolerant] == [0, None, False]
    # Known words that a filter leaves without results are not "corrected" either.
    result = search("harbour", Filters(city=("lyon",)))
    assert [result.total, result.suggestion, result.typo_tolerant] == [0, None, False]


def test_a_typo_under_a_filter_that_excludes_its_correction(built):
    """The correction is offered (the page also offers to remove the filter)."""
    result = search("harbuor", Filters(city=("lyon",)))
    assert [result.total, result.suggestion, result.typo_tolerant] == [
        0,
        "harbour",
        False,
    ]


def test_no_suggestion_that_would_find_nothing(built):
    """A correction that finds nothing, with the filters or without, is not offered:
    "harbour" exists, but not with "zebra"."""
    result = search("harbuor zebra")
    assert [result.total, result.suggestion] == [0, None]


def test_a_suggestion_is_written_as_the_question_was(built):
    assert search("Harbuor").suggestion == "Harbour"
    assert search("HARBUOR").suggestion == "HARBOUR"
    assert search("Digital Harbuor").suggestion == "Digital Harbour"


def test_a_long_stem_finds_the_other_forms_of_its_word(built):
    """The stemmer leaves "participation" and "participatory" apart; a stem of six
    letters or more also matches as the start of a word, ranked below whole words."""
    case = CaseStudyFactory(
        title="Neighbourhood panels",
        summary="A participatory panel for each district.",
        published=True,
    )
    assert case.pk in search("participation").ids
    # A short stem is not a prefix: "cities" (stem "citi") is not "citizens".
    citizens = CaseStudyFactory(
        title="Citizens' panels", summary="Words.", published=True
    )
    assert citizens.pk not in search("cities").ids


def test_a_possessive_is_the_word_itself(built):
    assert found(built, "Ghent's harbour") == ["twin"]
    assert found(built, "harbour’s") == ["twin"]
    marked = Marker(parse("harbour's")).snippet("The harbour’s cranes stay.")
    assert marked == "The <mark>harbour</mark>’s cranes stay."


def test_snippets_are_escaped_and_marked(built):
    case = CaseStudyFactory(
        published=True,
        title="Markup",
        summary="Beware <script>alert(1)</script> of the innovation & its kin.",
    )
    engine_index.rebuild()
    result = search("innovati")
    assert result.snippets[case.pk] == (
        "Beware &lt;script&gt;alert(1)&lt;/script&gt; of the "
        "<mark>innovation</mark> &amp; its kin."
    )
    assert result.snippets[built["data"].pk] == (
        "The city publishes its datasets openly, a quiet <mark>innovation</mark>."
    )


def test_snippets_without_a_search_are_the_summarys_start(built):
    result = search(filters=Filters(city=("lyon",)))
    assert result.snippets == {
        built["fund"].pk: "Grants for young firms with a digital idea for the city."
    }


def test_words_beyond_the_limit_are_ignored(built):
    text = " ".join(["digital"] * MAX_TERMS + ["nonexistentword"])
    result = search(text)
    assert result.truncated
    assert result.total == 2


def test_the_filtersets_question_and_the_pages_rows(
    built, django_assert_max_num_queries
):
    filterset = CaseStudyFilter(
        QueryDict("q=digital&theme=mobility,social-inclusion&ordering=title"),
        queryset=CaseStudy.objects.published(),
    )
    text, filters, ordering = question_from_filterset(filterset)
    assert (text, ordering) == ("digital", "title")
    assert filters == Filters(theme=("mobility", "social-inclusion"))
    result = search(text, filters, ordering)
    with django_assert_max_num_queries(6):
        cases = rows(result.ids)
        assert [case.slug for case in cases] == [built["fund"].slug, built["twin"].slug]
        assert [t.slug for t in cases[1].themes.all()] == ["mobility"]


def test_an_invalid_filterset_is_not_a_question(db):
    filterset = CaseStudyFilter(
        QueryDict("theme=nonesuch"), queryset=CaseStudy.objects.all()
    )
    with pytest.raises(ValueError, match="not valid"):
        question_from_filterset(filterset)


def test_the_engine_knows_every_ordering_of_the_filterset():
    assert set(ORDERINGS) == set(CaseStudyFilter.ORDERINGS)


def test_a_card_from_the_index_shows_what_the_case_does(built):
    """Every card of a page comes from the stored documents, with no query for the
    rows; each is the card the case itself would make."""
    result = search(limit=50, with_cards=True)
    shown = cards(result.stored)
    assert [card.pk for card in shown] == result.ids
    by_id = {
        case.pk: Card.from_case(case)
        for case in CaseStudy.objects.published().for_cards()
    }
    assert shown == [by_id[card.pk] for card in shown]
    # What the index stores is what the database holds.
    rows = {case.pk: case for case in CaseStudy.objects.published().for_cards()}
    assert result.stored == [Stored.from_case(rows[pk]) for pk in result.ids]
    streets = next(card for card in shown if card.pk == built["streets"].pk)
    assert [t.name for t in streets.themes] == ["Mobility", "Public spaces"]
    assert streets.city.country.name == "Sweden"


def test_a_renamed_term_is_renamed_on_the_cards_without_reindexing(built):
    Theme.objects.filter(slug="mobility").update(name="Getting around")
    shown = cards(search(filters=Filters(theme=("mobility",)), with_cards=True).stored)
    assert shown
    for card in shown:
        assert "Getting around" in [t.name for t in card.themes]
        assert "Mobility" not in [t.name for t in card.themes]


def test_the_case_list_reads_no_row_of_its_cases(
    built, client, django_assert_num_queries
):
    """The list's queries: the journal check, the vocabularies, the cities shown."""
    client.get("/en/cases/")  # the process's one-off work
    with django_assert_num_queries(3):
        response = client.get("/en/cases/", {"q": "digital"})
    assert [c.slug for c in response.context["cases"]] == [
        built[key].slug for key in found(built, "digital")
    ]


def test_a_case_found_in_several_languages_is_one_result_and_counted_once(db):
    """One document holds every language version: a word in all of them finds the
    case once, and each facet counts it once (issue 18)."""
    case = CaseStudyFactory(
        published=True,
        original_language="it",
        title="Tram notturno",
        summary="Un tram notturno per i quartieri.",
        title_de="Nachttram",
        summary_de="Eine Tram für die Nacht.",
        title_fr="Tram de nuit",
        summary_fr="Un tram pour la nuit.",
    )
    result = search("tram")
    assert result.ids == [case.pk]
    assert result.total == 1
    assert result.facets["city"] == {case.city.slug: 1}


def test_a_card_and_its_snippet_are_in_the_readers_language(db):
    from django.utils import translation

    case = CaseStudyFactory(
        published=True,
        original_language="it",
        title="Bilancio partecipativo",
        summary="I cittadini decidono il bilancio.",
        title_de="Bürgerhaushalt",
        summary_de="Die Bürger entscheiden über den Haushalt.",
    )
    with translation.override("de"):
        result = search("Haushalt", with_cards=True)
        (card,) = cards(result.stored)
        assert (card.title, card.language) == ("Bürgerhaushalt", "de")
        assert "<mark>Haushalt</mark>" in result.snippets[case.pk]
    with translation.override("fr"):
        (card,) = cards(search("bilancio", with_cards=True).stored)
        # No French translation: the original, marked as Italian.
        assert (card.title, card.language) == ("Bilancio partecipativo", "it")


def test_citing_a_source_rewrites_the_cases_completeness_in_the_index(built):
    from tests.factories import SourceFactory

    def stored() -> int:
        documents = matching("", Filters(), "title").documents(0, 50)
        return next(d for d in documents if d["slug"][0] == built["data"].slug)[
            "completeness"
        ][0]

    assert stored() == 10
    source = SourceFactory(content_object=built["data"], title="Portal statistics")
    assert stored() == 25
    source.delete()
    assert stored() == 10
