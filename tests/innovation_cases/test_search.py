"""Search on /cases/, answered by the search engine, the same on SQLite and PostgreSQL.

What a visitor types in the search box, and what the page answers: the syntax
(phrases, OR, -exclude), partial words, accents, stemming, typos with a "did you
mean", the snippets, and the facets and ordering of a search. The engine itself
(its parser, its index, its journal) is tested in tests/innovation_cases/engine/; the
database match that remains for members' unpublished cases is at the end.
"""

import html
import re

import pytest

from core.models import Theme
from innovation_cases.engine.query import MAX_TERMS
from innovation_cases.filters import CaseStudyFilter
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    InnovationTeamFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/en/cases/"


def case(slug: str, **fields) -> CaseStudy:
    return CaseStudyFactory(published=True, slug=slug, **fields)


def found(client, text: str, **params) -> list[str]:
    """The slugs the case list shows for a search, in its order."""
    response = client.get(LIST, {"q": text, **params})
    assert response.status_code == 200
    return [c.slug for c in response.context["cases"]]


# --- What matches ---------------------------------------------------------------------


def test_a_word_in_the_title_finds_the_case(client):
    case("budget", title="Participatory budgeting in the harbour")
    case("other", title="Something else entirely")
    assert found(client, "harbour") == ["budget"]


def test_a_title_match_ranks_above_a_summary_match_above_a_section_match(client):
    case("in-section", title="Quay works", challenge="The harbour silted up.")
    case("in-title", title="Harbour renewal")
    case("in-summary", title="Dock works", summary="The old harbour was rebuilt.")
    assert found(client, "harbour") == ["in-title", "in-summary", "in-section"]


def test_a_word_in_a_markdown_section_finds_the_case(client):
    case("case", lessons_learned="## Lessons\n\nStart with **kiosks**.")
    case("other")
    assert found(client, "kiosks") == ["case"]


def test_the_names_of_its_city_district_and_teams_find_a_case(client):
    city = CityFactory(name="Quillburg")
    case("city-case", city=city)
    district_case = case(
        "district-case", city=city, district=DistrictFactory(name="Navile", city=city)
    )
    district_case.teams.add(InnovationTeamFactory(name="Zephyr Unit", city=city))
    case("other")
    assert sorted(found(client, "quillburg")) == ["city-case", "district-case"]
    assert found(client, "navile") == ["district-case"]
    assert found(client, "zephyr") == ["district-case"]


def test_every_word_must_match(client):
    case("both", title="Harbour kiosks")
    case("one", title="Harbour renewal")
    assert found(client, "harbour kiosks") == ["both"]


def test_the_beginning_of_a_word_finds_the_whole_word(client):
    case("innovation", title="An innovation fund")
    case("participatory", title="Participatory budgeting")
    case("other", title="Street lighting")
    assert found(client, "innovati") == ["innovation"]
    assert found(client, "INNOV") == ["innovation"]
    assert found(client, "particip") == ["participatory"]


def test_accents_are_ignored_both_ways(client):
    case("malmo", city=CityFactory(name="Malmö", country="SE"))
    case("zurich", title="Café culture in Zurich")
    case("other")
    assert found(client, "Malmo") == ["malmo"]
    assert found(client, "malmö") == ["malmo"]
    assert found(client, "Zürich") == ["zurich"]
    assert found(client, "cafe") == ["zurich"]


def test_english_word_forms_find_each_other(client):
    case("case", summary="Three cities shared their budgets.")
    case("other", summary="Nothing to see.")
    assert found(client, "city budget") == ["case"]
    assert found(client, "sharing") == ["case"]


def test_a_quoted_phrase_matches_the_words_together(client):
    case("phrase", summary="A quoted phrase, word for word.")
    case("apart", summary="The phrase was quoted back.")
    assert found(client, '"quoted phrase"') == ["phrase"]
    assert sorted(found(client, "quoted phrase")) == ["apart", "phrase"]


def test_or_finds_either_and_joins_only_the_words_beside_it(client):
    case("harbour", title="Harbour renewal")
    case("kiosk", title="Kiosk renewal")
    case("harbour-kiosks", title="Harbour kiosks")
    case("park", title="Park renewal")
    assert sorted(found(client, "harbour OR kiosk")) == [
        "harbour",
        "harbour-kiosks",
        "kiosk",
    ]
    assert sorted(found(client, "harbour OR kiosk renewal")) == ["harbour", "kiosk"]
    assert sorted(found(client, '"harbour renewal" OR park')) == ["harbour", "park"]


def test_a_leading_minus_excludes_a_word_or_a_phrase(client):
    case("a", title="Harbour renewal", summary="All went well.")
    case("b", title="Harbour renewal", summary="Excluded at first.")
    case("c", title="Harbour kiosks", summary="Renewal was excluded.")
    assert found(client, "harbour -excluded") == ["a"]
    assert sorted(found(client, 'harbour -"renewal was excluded"')) == ["a", "b"]


def test_an_excluded_word_is_not_a_prefix(client):
    case("sauce", title="Harbour kitchen", summary="Bolognese sauce.")
    case("city", title="Harbour renewal", summary="In Bologna.")
    assert found(client, "harbour -bologna") == ["sauce"]


def test_symbols_and_numbers_give_sensible_results(client):
    case("vision", title="Vision 2030", summary="Written in C++.")
    case("other", title="Something else", summary="Nothing here.")
    assert found(client, "2030") == ["vision"]
    assert found(client, "(vision),") == ["vision"]
    assert found(client, "vision2030") == []


def test_punctuation_alone_is_no_search_at_all(client):
    case("harbour", title="Harbour renewal")
    case("kiosk", title="Kiosk network")
    for text in ["-" * 40, "- " * 40, "&|!():*'\\", "OR"]:
        assert sorted(found(client, text)) == ["harbour", "kiosk"], text
    assert sorted(found(client, "harbour " + "-" * 40)) == ["harbour"]
    assert found(client, "((((kiosk)))) &&& !!!") == ["kiosk"]


@pytest.mark.parametrize(
    "text",
    [
        "C++",
        '"unclosed quote',
        "a & b | !c :* '",
        "'; DROP TABLE innovation_cases_casestudy; --",
        "<script>alert(1)</script>",
        "title:harbour",
        "- -- ---",
        "😀 ∑ ² ß İ",
    ],
)
def test_odd_input_is_answered(client, text):
    case("case", title="Innovation in C++ by 2030")
    response = client.get(LIST, {"q": text})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


# --- Too much: a 400 naming the parameter ------------------------------------------


def test_more_words_than_the_engine_reads_is_a_400_naming_the_search(client):
    words = [f"w{n}" for n in range(MAX_TERMS + 1)]
    response = client.get(LIST, {"q": " ".join(words)})
    assert response.status_code == 400
    assert "q" in response.context["filter"].errors
    assert f"at most {MAX_TERMS} words" in response.content.decode()
    assert client.get(LIST, {"q": " ".join(words[:-1])}).status_code == 200
    # Excluded words and phrases count too, as the engine counts them.
    mixed = " ".join([*words[:-2], "-x", '"y z"'])
    assert client.get(LIST, {"q": mixed}).status_code == 400


# --- Typos: the typo-tolerant results, and "did you mean" ------------------------------


def test_a_typo_finds_the_close_words_and_says_so(client):
    case("harbour", title="Harbour renewal")
    case("kiosk", title="Kiosk network")

    response = client.get(LIST, {"q": "harbuor"})

    assert [c.slug for c in response.context["cases"]] == ["harbour"]
    assert response.context["typo_tolerant"]
    body = response.content.decode()
    assert "No case contains “harbuor” as written" in body
    assert 'Did you mean <a href="?q=harbour">harbour</a>?' in body


def test_did_you_mean_keeps_the_other_filters(client):
    ghent = CityFactory(name="Ghent", slug="ghent")
    case("ghent-harbour", title="Harbour renewal", city=ghent)
    case("lyon-harbour", title="Harbour renewal", city=CityFactory(slug="lyon"))

    response = client.get(LIST, {"q": "harbuor", "city": "ghent", "page": "1"})

    assert [c.slug for c in response.context["cases"]] == ["ghent-harbour"]
    link = re.search(r'Did you mean <a href="\?([^"]+)">', response.content.decode())
    assert html.unescape(link.group(1)) == "q=harbour&city=ghent"
    followed = client.get(LIST + "?" + html.unescape(link.group(1)))
    assert [c.slug for c in followed.context["cases"]] == ["ghent-harbour"]
    assert not followed.context["typo_tolerant"]


def test_did_you_mean_with_no_result_still_offers_the_correction(client):
    case("ghent-harbour", title="Harbour renewal", city=CityFactory(slug="ghent"))
    CityFactory(slug="lyon")

    response = client.get(LIST, {"search": "harbuor", "city": "lyon"})

    assert response.context["paginator"].count == 0
    body = response.content.decode()
    assert "No case matches" in body
    assert 'Did you mean <a href="?search=harbour&amp;city=lyon">harbour</a>?' in body


def test_known_words_that_find_nothing_offer_no_correction(client):
    case("harbour", title="Harbour renewal")
    case("kiosk", title="Kiosk network")
    response = client.get(LIST, {"q": "harbour kiosk"})
    assert response.context["paginator"].count == 0
    assert response.context["suggestion"] is None
    assert "Did you mean" not in response.content.decode()


# --- Snippets ---------------------------------------------------------------------------


def snippets(response) -> list[str]:
    return [str(snippet) for _case, snippet in response.context["cards"]]


def test_the_snippet_marks_what_matched_and_escapes_the_rest(client):
    case(
        "case",
        summary='Kiosks <script>alert(1)</script> & 1 < 2 "quoted" <img src=x> kiosk',
    )
    response = client.get(LIST, {"q": "kiosk"})
    [snippet] = snippets(response)
    assert snippet.count("<mark>") == snippet.count("</mark>") == 2
    assert "<mark>Kiosks</mark>" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "&lt;script&gt;" in snippet
    assert "&amp;" in snippet
    body = response.content.decode()
    assert "<script>alert" not in body
    assert "<img src=x>" not in body


def test_the_snippet_marks_partial_words_stems_and_folded_accents(client):
    case("case", summary="Malmö's innovation agencies shared their budgets.")
    [snippet] = snippets(client.get(LIST, {"q": "malmo innovati agency"}))
    assert "<mark>Malmö</mark>" in snippet
    assert "<mark>innovation</mark>" in snippet
    assert "<mark>agencies</mark>" in snippet
    assert "<mark>budgets</mark>" not in snippet


def test_a_long_summary_gives_a_short_snippet_around_the_match(client):
    case("case", summary=" ".join(["filler"] * 200) + " harbour " + "end " * 50)
    [snippet] = snippets(client.get(LIST, {"q": "harbour"}))
    assert "<mark>harbour</mark>" in snippet
    assert len(snippet.split()) < 60
    [plain] = snippets(client.get(LIST))
    assert "<mark>" not in plain
    assert len(plain.split()) < 60


# --- A search's facets and order ------------------------------------------------------


def test_facets_count_the_searchs_results_each_ignoring_its_own_selection(client):
    mobility = Theme.objects.get(slug="mobility")
    housing = Theme.objects.get(slug="affordable-housing")
    ghent = CityFactory(name="Ghent", slug="ghent")
    lyon = CityFactory(name="Lyon", slug="lyon")
    for slug, city, theme in [
        ("ghent-bus", ghent, mobility),
        ("lyon-bus", lyon, mobility),
        ("lyon-bus-homes", lyon, housing),
    ]:
        case(slug, title="Bus lanes", city=city).themes.set([theme])
    case("tram", title="Tram", city=ghent).themes.set([housing])

    response = client.get(LIST, {"q": "bus", "theme": "mobility"})

    facets = response.context["facets"]
    assert sorted(c.slug for c in response.context["cases"]) == [
        "ghent-bus",
        "lyon-bus",
    ]
    # The themes of the search's results, whichever theme is chosen.
    assert {f.value: (f.count, f.selected) for f in facets["theme"]} == {
        "mobility": (2, True),
        "affordable-housing": (1, False),
    }
    # The cities of the search's results with the chosen theme.
    assert {f.value: f.count for f in facets["city"]} == {"ghent": 1, "lyon": 1}


def test_a_search_is_ranked_unless_another_order_is_asked_for(client):
    case("b-summary", title="Bee keeping", summary="A harbour hive.")
    case("a-summary", title="Apiary", summary="The harbour bees.")
    case("z-title", title="Zoning the harbour")
    assert found(client, "harbour")[0] == "z-title"
    assert found(client, "harbour", ordering="title") == [
        "a-summary",
        "b-summary",
        "z-title",
    ]
    assert found(client, "harbour", ordering="-title")[0] == "z-title"


# --- Freshness: what the journal brings to the next search ----------------------------


def test_editing_a_published_case_changes_what_finds_it(client):
    edited = case("case", title="Harbour renewal")
    assert found(client, "harbour") == ["case"]
    edited.title = "Kiosk network"
    edited.save()
    assert found(client, "harbour") == []
    assert found(client, "kiosk") == ["case"]


def test_renaming_a_team_changes_what_finds_its_cases(client):
    team = InnovationTeamFactory(name="Zephyr Unit")
    case("case").teams.add(team)
    assert found(client, "zephyr") == ["case"]
    team.name = "Boreas Unit"
    team.save()
    assert found(client, "zephyr") == []
    assert found(client, "boreas") == ["case"]


def test_an_unpublished_case_is_never_found(client):
    CaseStudyFactory(slug="draft", title="Harbour draft")
    case("public", title="Harbour renewal")
    assert found(client, "harbour") == ["public"]
    assert "Harbour draft" not in client.get(LIST, {"q": "draft"}).content.decode()


# --- The database match, for members' unpublished cases (the API) ---------------------


def matched(text: str) -> set[str]:
    """What the FilterSet's own `q` filter keeps of every case, published or not."""
    filterset = CaseStudyFilter({"q": text}, queryset=CaseStudy.objects.all())
    assert filterset.is_valid()
    return set(filterset.qs.values_list("slug", flat=True))


def test_the_database_match_reads_the_same_syntax():
    CaseStudyFactory(slug="harbour", title="Harbour renewal", summary="New kiosks.")
    CaseStudyFactory(slug="kiosk", title="Kiosk network", challenge="A quoted phrase.")
    CaseStudyFactory(slug="park", title="Park renewal", summary="(Quoted) phrase.")
    assert matched("renewal") == {"harbour", "park"}
    assert matched("RENEW") == {"harbour", "park"}
    assert matched("harbour OR kiosk") == {"harbour", "kiosk"}
    assert matched('"quoted phrase"') == {"kiosk"}
    assert matched("renewal -kiosks") == {"park"}
    assert matched('phrase -"a quoted phrase"') == {"park"}
    assert matched("(harbour),") == {"harbour"}
    assert matched("-" * 40) == {"harbour", "kiosk", "park"}
