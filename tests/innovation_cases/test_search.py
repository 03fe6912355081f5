"""CaseStudy.objects.search(): full-text on PostgreSQL, word-by-word on SQLite.

Most tests run on both databases; the few that only PostgreSQL can pass (accents,
stemming, websearch's OR, the index) say so.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import SafeString

from innovation_cases.models import CaseStudy
from innovation_cases.search import MAX_TERMS, Term, parse_search
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    InnovationTeamFactory,
)

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL full-text search (unaccent, stemming, websearch syntax)",
)


def found(text: str) -> set[str]:
    return set(CaseStudy.objects.search(text).values_list("slug", flat=True))


# --- what matches -------------------------------------------------------------------


def test_a_word_in_the_title_finds_the_case():
    CaseStudyFactory(slug="budget", title="Participatory budgeting in the harbour")
    CaseStudyFactory(slug="other", title="Something else entirely")
    assert found("harbour") == {"budget"}


def test_a_title_match_ranks_above_a_summary_only_match():
    CaseStudyFactory(slug="in-title", title="Harbour renewal")
    CaseStudyFactory(
        slug="in-summary", title="Quay works", summary="The old harbour was rebuilt."
    )
    results = list(CaseStudy.objects.search("harbour").order_by("-rank"))
    assert [case.slug for case in results] == ["in-title", "in-summary"]
    assert results[0].rank > results[1].rank


def test_a_word_in_a_markdown_section_finds_the_case():
    CaseStudyFactory(
        slug="case", lessons_learned="## Lessons\n\nStart with **kiosks**."
    )
    assert found("kiosks") == {"case"}


def test_a_word_only_in_a_team_name_finds_the_case():
    case = CaseStudyFactory(slug="case")
    case.teams.add(InnovationTeamFactory(name="Zephyr Unit"))
    CaseStudyFactory(slug="other")
    assert found("zephyr") == {"case"}


def test_a_case_with_two_matching_teams_is_found_once():
    case = CaseStudyFactory(slug="case")
    case.teams.add(
        InnovationTeamFactory(name="Zephyr North"),
        InnovationTeamFactory(name="Zephyr South"),
    )
    results = CaseStudy.objects.search("zephyr")
    assert results.count() == 1
    assert [c.slug for c in results] == ["case"]


def test_a_word_only_in_the_city_or_district_name_finds_the_case():
    city = CityFactory(name="Quillburg")
    CaseStudyFactory(slug="city-case", city=city)
    CaseStudyFactory(
        slug="district-case",
        city=city,
        district=DistrictFactory(name="Navile", city=city),
    )
    CaseStudyFactory(slug="other")
    assert found("quillburg") == {"city-case", "district-case"}
    assert found("navile") == {"district-case"}


def test_a_word_prefix_finds_the_whole_word():
    CaseStudyFactory(slug="case", title="An innovation fund")
    CaseStudyFactory(slug="other")
    assert found("innov") == {"case"}
    assert found("INNOV") == {"case"}


def test_every_word_must_match():
    CaseStudyFactory(slug="both", title="Harbour kiosks")
    CaseStudyFactory(slug="one", title="Harbour renewal")
    assert found("harbour kiosks") == {"both"}


@postgres_only
def test_accents_are_ignored_both_ways():
    CaseStudyFactory(slug="malmo", city=CityFactory(name="Malmö", country="SE"))
    CaseStudyFactory(slug="zurich", title="Café culture in Zurich")
    CaseStudyFactory(slug="other")
    assert found("Malmo") == {"malmo"}
    assert found("malmö") == {"malmo"}
    assert found("Zürich") == {"zurich"}
    assert found("cafe") == {"zurich"}


@postgres_only
def test_english_word_forms_find_each_other():
    CaseStudyFactory(slug="case", summary="Three cities shared their budgets.")
    assert found("city budget") == {"case"}


def test_or_finds_either_word():
    CaseStudyFactory(slug="harbour", title="Harbour renewal")
    CaseStudyFactory(slug="kiosk", title="Kiosk network")
    CaseStudyFactory(slug="other")
    assert found("harbour OR kiosk") == {"harbour", "kiosk"}
    assert found("harbour or kiosk") == {"harbour", "kiosk"}


def test_or_joins_only_the_words_beside_it():
    CaseStudyFactory(slug="harbour", title="Harbour renewal")
    CaseStudyFactory(slug="kiosk", title="Kiosk renewal")
    CaseStudyFactory(slug="harbour-only", title="Harbour kiosks")
    CaseStudyFactory(slug="other", title="Park renewal")
    assert found("harbour OR kiosk renewal") == {"harbour", "kiosk"}
    assert found('"harbour renewal" OR park') == {"harbour", "other"}


@postgres_only
def test_an_excluded_word_is_not_a_prefix():
    CaseStudyFactory(slug="sauce", title="Harbour kitchen", summary="Bolognese sauce.")
    CaseStudyFactory(slug="city", title="Harbour renewal", summary="In Bologna.")
    assert found("harbour -bologna") == {"sauce"}


# --- odd input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "C++",
        "2030",
        '"quoted phrase"',
        '"unclosed quote',
        "-excluded",
        "a & b | !c :* '",
        "&|!():*'\\",
        "'; DROP TABLE innovation_cases_casestudy; --",
        "<script>alert(1)</script>",
        "innov\x00ation",
        "\x00",
        "OR",
        "- -- ---",
        "x" * 10_000,
        "word " * 500,
        "😀 ∑ ² ß İ",
    ],
)
def test_symbols_numbers_and_odd_input_never_raise(text):
    CaseStudyFactory(title="Innovation in C++ by 2030")
    results = list(CaseStudy.objects.search(text))
    assert all(isinstance(case.headline, SafeString) for case in results)


def test_symbols_and_numbers_give_sensible_results():
    CaseStudyFactory(slug="vision", title="Vision 2030", summary="Written in C++.")
    CaseStudyFactory(slug="other", title="Something else", summary="Nothing here.")
    assert found("2030") == {"vision"}
    assert found("C++") == {"vision"}
    assert found("(vision),") == {"vision"}
    assert found("&|!():*'\\") == set()


def test_a_quoted_phrase_matches_the_words_together():
    CaseStudyFactory(slug="phrase", summary="A quoted phrase, word for word.")
    CaseStudyFactory(slug="apart", summary="The phrase was quoted back.")
    assert found('"quoted phrase"') == {"phrase"}
    assert found("quoted phrase") == {"phrase", "apart"}


def test_a_leading_minus_excludes_a_word_or_phrase():
    CaseStudyFactory(slug="a", title="Harbour renewal", summary="All went well.")
    CaseStudyFactory(slug="b", title="Harbour renewal", summary="Excluded at first.")
    CaseStudyFactory(slug="c", title="Harbour kiosks", summary="Renewal was excluded.")
    assert found("harbour -excluded") == {"a"}
    assert found('harbour -"renewal was excluded"') == {"a", "b"}


def test_runs_of_operators_are_read_as_one_or_ignored():
    CaseStudyFactory(slug="harbour", title="Harbour renewal")
    CaseStudyFactory(slug="kiosk", title="Harbour kiosks")
    assert found("-" * 40) == set()
    assert found("- " * 40) == set()
    assert found("harbour " + "-" * 40) == {"harbour", "kiosk"}
    assert found("harbour ---kiosks") == {"harbour"}
    assert found("((((harbour)))) &&& !!!") == {"harbour", "kiosk"}
    assert found("OR OR harbour OR OR") == {"harbour", "kiosk"}


def test_parse_search_reads_the_sites_syntax():
    search = parse_search('harbour OR port -kiosk "a  phrase" --x-ray OR "or" C++ ---')
    assert search.clauses == (
        (Term("harbour"), Term("port")),
        (Term("kiosk", exclude=True),),
        (Term("a phrase"),),
        (Term("x-ray", exclude=True),),
        (Term("or"),),
        (Term("C++"),),
    )
    assert search.wanted == ["harbour", "port", "a phrase", "or", "C++"]
    assert parse_search("harbour OR -kiosk").clauses == (
        (Term("harbour"),),
        (Term("kiosk", exclude=True),),
    )
    assert parse_search("- -- ( ) & | ! :* \\ OR '").clauses == ()
    assert parse_search('"-" "" -" ( ) &').clauses == ()


def test_parse_search_counts_a_repeated_term_once_and_keeps_at_most_the_limit():
    assert parse_search("harbour Harbour HARBOUR " * 10).terms == [Term("harbour")]
    words = [f"w{n}" for n in range(MAX_TERMS + 10)]
    assert [t.text for t in parse_search(" ".join(words)).terms] == words[:MAX_TERMS]


def test_a_nul_byte_is_dropped_not_sent():
    CaseStudyFactory(slug="case", title="An innovation fund")
    assert found("innov\x00ation") == {"case"}


def test_an_overlong_query_is_cut_to_200_characters():
    CaseStudyFactory(slug="case", title="Harbour renewal")
    assert (
        found("harbour " + "x" * 300) == set()
    )  # the x-word is cut, but still required
    assert found("harbour" + " " * 300 + "missing") == {"case"}


# --- annotations --------------------------------------------------------------------


def test_blank_text_returns_every_case_with_rank_0_and_the_summary():
    CaseStudyFactory(summary="Fish & chips <b>daily</b>.")
    CaseStudyFactory()
    for text in ("", "   ", "\x00"):
        results = list(CaseStudy.objects.search(text))
        assert len(results) == 2
        assert {case.rank for case in results} == {0}
    case = CaseStudy.objects.search("").get(summary__startswith="Fish")
    assert case.headline == "Fish &amp; chips &lt;b&gt;daily&lt;/b&gt;."


def test_a_long_summary_gives_a_short_headline():
    CaseStudyFactory(summary=" ".join(["filler"] * 200) + " harbour")
    (case,) = CaseStudy.objects.search("harbour")
    assert "<mark>harbour</mark>" in case.headline
    assert len(case.headline.split()) < 60
    (case,) = CaseStudy.objects.search("")
    assert len(case.headline.split()) < 60


def test_search_applies_no_ordering_of_its_own():
    assert CaseStudy.objects.search("harbour").query.order_by == ()
    assert CaseStudy.objects.search("").query.order_by == ()


def test_the_headline_marks_the_match():
    CaseStudyFactory(summary="The harbour kiosks opened in spring.")
    (case,) = CaseStudy.objects.search("kiosks")
    assert isinstance(case.headline, SafeString)
    assert "<mark>kiosks</mark>" in case.headline
    assert case.headline.count("<mark>") == case.headline.count("</mark>") == 1


def test_the_headline_escapes_html_from_the_summary():
    CaseStudyFactory(
        summary='Kiosks <script>alert(1)</script> & 1 < 2 "quoted" <img src=x>'
    )
    (case,) = CaseStudy.objects.search("kiosks")
    assert "<mark>Kiosks</mark>" in case.headline
    assert "<script" not in case.headline
    assert "<img" not in case.headline
    assert "&amp;" in case.headline
    assert "&lt;" in case.headline
    assert case.headline.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_search_is_one_query_however_many_teams_match(django_assert_num_queries):
    for n in range(10):
        case = CaseStudyFactory()
        case.teams.add(
            InnovationTeamFactory(name=f"Zephyr {n}a"),
            InnovationTeamFactory(name=f"Zephyr {n}b"),
        )
    with django_assert_num_queries(1):
        results = list(CaseStudy.objects.search("zephyr"))
    assert len(results) == 10


# --- keeping the vector current -----------------------------------------------------


def test_a_new_case_is_found_at_once():
    CaseStudyFactory(slug="case", title="Harbour renewal")
    assert found("harbour") == {"case"}


def test_editing_a_case_updates_its_results():
    case = CaseStudyFactory(slug="case", title="Harbour renewal")
    case.title = "Kiosk network"
    case.save()
    assert found("harbour") == set()
    assert found("kiosk") == {"case"}


def test_renaming_a_team_updates_its_cases_results():
    team = InnovationTeamFactory(name="Zephyr Unit")
    CaseStudyFactory(slug="case").teams.add(team)
    team.name = "Boreas Unit"
    team.save()
    assert found("zephyr") == set()
    assert found("boreas") == {"case"}


def test_renaming_a_city_or_district_updates_its_cases_results():
    city = CityFactory(name="Quillburg")
    district = DistrictFactory(name="Navile", city=city)
    CaseStudyFactory(slug="case", city=city, district=district)
    city.name = "Rookhaven"
    city.save()
    district.name = "Savena"
    district.save()
    assert found("quillburg") == found("navile") == set()
    assert found("rookhaven") == found("savena") == {"case"}


def test_linking_and_unlinking_teams_updates_results_from_either_side():
    case = CaseStudyFactory(slug="case")
    zephyr = InnovationTeamFactory(name="Zephyr Unit")
    boreas = InnovationTeamFactory(name="Boreas Unit")
    case.teams.add(zephyr)
    boreas.cases.add(case)
    assert found("zephyr") == found("boreas") == {"case"}
    case.teams.remove(zephyr)
    assert found("zephyr") == set()
    boreas.cases.clear()
    assert found("boreas") == set()
    case.teams.set([zephyr])
    assert found("zephyr") == {"case"}
    case.teams.clear()
    assert found("zephyr") == set()


def test_deleting_a_team_or_district_updates_its_cases_results():
    city = CityFactory()
    district = DistrictFactory(name="Navile", city=city)
    case = CaseStudyFactory(slug="case", city=city, district=district)
    team = InnovationTeamFactory(name="Zephyr Unit")
    case.teams.add(team)
    team.delete()
    district.delete()
    assert found("zephyr") == found("navile") == set()
    assert found("testville") == {"case"}


def test_a_save_that_touches_no_searched_field_leaves_the_vector_alone():
    case = CaseStudyFactory()
    case.status = CaseStudy.Status.SUBMITTED
    with CaptureQueriesContext(connection) as queries:
        case.save(update_fields=["status"])
    # The save and its version in the history; nothing rebuilds the search vector.
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert "search_vector" not in " ".join(q["sql"] for q in queries)


def test_update_search_vector_is_one_query_for_many_cases(
    django_assert_max_num_queries,
):
    city = CityFactory()
    for n in range(25):
        case = CaseStudyFactory(city=city, district=DistrictFactory(city=city))
        case.teams.add(InnovationTeamFactory(name=f"Team {n}"))
    # Writes that bypass the signals leave the vectors stale until the method runs.
    CaseStudy.objects.update(title="Kiosk network")
    if connection.vendor == "postgresql":
        assert found("kiosk") == set()
    with django_assert_max_num_queries(1):
        updated = CaseStudy.objects.all().update_search_vector()
    assert updated == (25 if connection.vendor == "postgresql" else 0)
    assert len(found("kiosk")) == 25
    assert len(found("team 7")) >= 1


# --- PostgreSQL only ----------------------------------------------------------------


@postgres_only
def test_the_vector_is_weighted_by_field():
    team = InnovationTeamFactory(name="Delta")
    case = CaseStudyFactory(
        title="Alpha", summary="Beta", challenge="Gamma", city=team.city
    )
    case.teams.add(team)
    case.refresh_from_db()
    # 'lexeme':positions, each position followed by its weight; D is not written.
    weights = {
        lexeme: re.sub(r"[\d,]", "", positions)
        for lexeme, positions in (
            item.rsplit(":", 1) for item in case.search_vector.split()
        )
    }
    assert weights["'alpha'"] == "A"
    assert weights["'beta'"] == "B"
    assert weights["'gamma'"] == "C"
    assert weights["'delta'"] == ""


@postgres_only
def test_search_uses_the_gin_index():
    CaseStudyFactory(title="Harbour renewal")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = CaseStudy.objects.search("harbour").explain()
    assert "case_search_vector" in plan
