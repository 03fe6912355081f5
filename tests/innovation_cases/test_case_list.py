"""/en/cases/: faceted filters, sorting, paging and exports (the feed: test_case_feed.py)."""

import csv
import io
import json
import re

import pytest
from django.db import DatabaseError, connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases import exports
from innovation_cases.engine import journal
from innovation_cases.engine import search as engine
from innovation_cases.filters import CaseStudyFilter
from innovation_cases.models import CARD_TRANSLATION_FIELDS, CaseStudy, Evidence
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    InnovationTeamFactory,
    OrganisationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/en/cases/"


@pytest.fixture
def cases():
    """Four published cases and a draft, spread over two cities, types and themes."""
    adaptive = InnovationType.objects.get(slug="adaptive")
    mission = InnovationType.objects.get(slug="mission-oriented")
    mobility = Theme.objects.get(slug="mobility")
    housing = Theme.objects.get(slug="affordable-housing")
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    lyon = CityFactory(name="Lyon", slug="lyon", country="FR")
    made = {}
    for slug, city, types, themes, year in [
        ("bus-lanes", ghent, [adaptive], [mobility], 2019),
        ("co-housing", ghent, [mission], [housing], 2021),
        ("cycle-streets", lyon, [adaptive, mission], [mobility], 2022),
        ("tenant-panels", lyon, [adaptive], [housing], 2015),
    ]:
        case = CaseStudyFactory(
            published=True,
            slug=slug,
            title=slug.replace("-", " ").title(),
            city=city,
            year_started=year,
        )
        case.innovation_types.set(types)
        case.themes.set(themes)
        made[slug] = case
    draft = CaseStudyFactory(slug="secret-draft", city=ghent, year_started=2020)
    draft.innovation_types.set([adaptive])
    draft.themes.set([mobility])
    made["draft"] = draft
    return made


def slugs(response) -> list[str]:
    return [case.slug for case in response.context["cases"]]


def test_list_shows_only_published_cases(client, cases):
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(slugs(response)) == [
        "bus-lanes",
        "co-housing",
        "cycle-streets",
        "tenant-panels",
    ]
    assert "secret-draft" not in response.content.decode()


def test_a_drafts_url_is_not_found(client, cases):
    assert client.get("/en/cases/secret-draft/").status_code == 404


def test_values_within_a_facet_are_alternatives(client, cases):
    both = client.get(LIST, {"city": ["ghent", "lyon"]})
    assert len(slugs(both)) == 4
    comma = client.get(LIST + "?theme=mobility,affordable-housing")
    assert len(slugs(comma)) == 4


def test_two_facets_combine(client, cases):
    response = client.get(LIST, {"city": "lyon", "theme": "mobility"})
    assert slugs(response) == ["cycle-streets"]


def test_country_and_year_range_filter(client, cases):
    assert sorted(slugs(client.get(LIST, {"country": "be"}))) == [
        "bus-lanes",
        "co-housing",
    ]
    response = client.get(LIST, {"year_min": "2019", "year_max": "2021"})
    assert sorted(slugs(response)) == ["bus-lanes", "co-housing"]


def test_facet_counts_show_what_each_value_would_give(client, cases):
    response = client.get(LIST, {"city": "ghent"})
    facets = response.context["facets"]
    types = {f.value: f.count for f in facets["innovation_type"]}
    assert types == {"adaptive": 1, "mission-oriented": 1}
    # The city facet ignores its own selection, so Lyon still shows its 2 cases.
    cities = {f.value: (f.count, f.selected) for f in facets["city"]}
    assert cities == {"ghent": (2, True), "lyon": (2, False)}
    assert {f.value: f.count for f in facets["country"]} == {"BE": 2}


def test_the_city_facet_lists_the_top_cities_and_the_selected_ones(client, cases):
    from innovation_cases.filters import CITY_FACET_SIZE

    for city in CityFactory.create_batch(CITY_FACET_SIZE + 2):
        CaseStudyFactory.create_batch(2, city=city, published=True)
    smallest = CityFactory()
    CaseStudyFactory(city=smallest, published=True)

    response = client.get(LIST, {"city": smallest.slug})

    facet = response.context["facets"]["city"]
    assert len(facet) == CITY_FACET_SIZE + 1  # the top ones, and the one selected
    counts = [f.count for f in facet]
    assert counts[:CITY_FACET_SIZE] == sorted(counts[:CITY_FACET_SIZE], reverse=True)
    chosen = [f for f in facet if f.selected]
    assert [(f.value, f.count) for f in chosen] == [(smallest.slug, 1)]


def test_the_list_takes_a_fixed_number_of_queries(
    client, cases, django_assert_max_num_queries
):
    """The theme's slug checked, the journal read, the page's rows and their four
    prefetches, the five vocabularies' names and the cities shown: however many cases
    match. (The first request builds the index, and the one after new cases brings it
    up to the journal: work of the index, not of the page.)"""
    client.get(LIST)
    with django_assert_max_num_queries(13):
        client.get(LIST, {"theme": "mobility"})
    for _ in range(30):
        CaseStudyFactory(published=True, city=CityFactory()).themes.set(
            [Theme.objects.get(slug="mobility")]
        )
    client.get(LIST)
    with django_assert_max_num_queries(13):
        response = client.get(LIST, {"theme": "mobility"})
    assert response.context["paginator"].count == 32
    assert len(response.context["facets"]["city"]) == 20  # of 32 cities


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["bus-lanes", "co-housing", "cycle-streets", "tenant-panels"]),
        ("-title", ["tenant-panels", "cycle-streets", "co-housing", "bus-lanes"]),
        ("year", ["tenant-panels", "bus-lanes", "co-housing", "cycle-streets"]),
        ("-year", ["cycle-streets", "co-housing", "bus-lanes", "tenant-panels"]),
    ],
)
def test_list_sorts(client, cases, ordering, expected):
    assert slugs(client.get(LIST, {"ordering": ordering})) == expected


def test_newest_is_the_default_order(client, cases):
    expected = list(
        CaseStudy.objects.published()
        .order_by("-published_at")
        .values_list("slug", flat=True)
    )
    assert slugs(client.get(LIST)) == expected


def test_list_is_paginated_and_keeps_the_filters_in_page_links(client, cases):
    city = cases["bus-lanes"].city
    for _ in range(25):
        CaseStudyFactory(published=True, city=city)
    response = client.get(LIST, {"city": "ghent"})
    assert len(response.context["cases"]) == 20
    assert response.context["paginator"].num_pages == 2
    assert "city=ghent&amp;page=2" in response.content.decode()
    second = client.get(LIST, {"city": "ghent", "page": 2})
    assert len(second.context["cases"]) == 7
    assert 'page=1" rel="prev"' in second.content.decode()
    assert not {c.pk for c in response.context["cases"]} & {
        c.pk for c in second.context["cases"]
    }


def test_the_pages_of_a_sort_follow_on_from_each_other(client, cases):
    city = cases["bus-lanes"].city
    for n in range(21):
        CaseStudyFactory(published=True, city=city, title=f"Case {n:02d}", slug=f"c{n}")
    pages = [
        slugs(client.get(LIST, {"ordering": "title", "page": page})) for page in (1, 2)
    ]
    assert pages[0] + pages[1] == sorted(
        CaseStudy.objects.published().values_list("slug", flat=True),
        key=lambda slug: CaseStudy.objects.get(slug=slug).title.casefold(),
    )


def test_titles_alike_in_their_beginning_sort_by_the_whole_title_across_pages(
    client,
):
    """The engine's sort keys hold the start of the title: ties are put in order by
    the whole title, on every page (engine/search.py, `_in_full`)."""
    city = CityFactory()
    long = "Bus lane pilot for the harbour district and its"  # 48 characters
    titles = [f"Bus lane pilot {n}" for n in range(1, 24)] + [
        f"{long} quays",
        f"{long} docks",
        f"{long} Docks and quays",
    ]
    for n, title in enumerate(reversed(titles)):
        CaseStudyFactory(
            published=True, city=city, title=title, slug=f"c{n}", year_started=2020
        )
    expected = sorted(titles, key=str.casefold)

    def shown(ordering):
        titles = []
        for page in (1, 2):
            response = client.get(LIST, {"ordering": ordering, "page": page})
            titles += [case.title for case in response.context["cases"]]
        return titles

    assert shown("title") == expected
    assert shown("-title") == expected[::-1]
    assert shown("year") == expected  # the same year: the title decides


@pytest.mark.parametrize("page", ["2", "0", "-1", "two", "1.5", "9" * 30])
def test_a_page_that_is_not_there_is_a_404(client, cases, page):
    assert client.get(LIST, {"page": page}).status_code == 404


def test_the_list_has_no_page_size_parameter(client, cases):
    """`page_size` is the API's; the list shows 20 a page whatever it is given."""
    for _ in range(25):
        CaseStudyFactory(published=True, city=cases["bus-lanes"].city)
    assert len(client.get(LIST, {"page_size": "5"}).context["cases"]) == 20
    assert len(client.get(LIST, {"page_size": "100"}).context["cases"]) == 20


@pytest.mark.parametrize(
    ("params", "bad", "label"),
    [
        ({"theme": "no-such-theme"}, "theme", "Theme"),
        ({"city": "atlantis"}, "city", "City"),
        ({"country": "XX"}, "country", "Country"),
        ({"year_min": "twenty"}, "year_min", "Year started"),
        ({"year_max": "99999"}, "year_max", "Year started"),
        ({"ordering": "price"}, "ordering", "Sort by"),
        ({"theme": "mob\x00ility"}, "theme", "Theme"),
        ({"q": "pitch\x00"}, "q", "Search the cases"),
        ({"q": "x" * 201}, "q", "Search the cases"),
        ({"city": "a" * 101}, "city", "City"),
    ],
)
def test_bad_parameters_give_400_naming_the_field_as_the_form_labels_it(
    client, cases, params, bad, label
):
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert [error["name"] for error in response.context["errors"]] == [bad]
    body = response.content.decode()
    summary = body[
        body.index('class="error-summary"') : body.index(
            "</ul>", body.index('class="error-summary"')
        )
    ]
    assert f"<strong>{label}</strong>" in summary
    assert f"<strong>{bad}</strong>" not in summary


def test_a_bad_year_keeps_the_other_filters_and_what_was_typed_on_screen(client, cases):
    response = client.get(
        LIST, {"city": "ghent", "theme": "mobility", "year_min": "twenty"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    # The field is named and linked, the typed value kept and marked invalid.
    assert '<a href="#id_year_min"><strong>Year started</strong></a>' in body
    assert (
        'value="twenty" aria-invalid="true" aria-describedby="year_min-error"' in body
    )
    # The other filters still apply, ticked, with their chips and results.
    assert 'id="f-city-ghent" name="city" value="ghent" checked' in body
    assert 'id="f-theme-mobility" name="theme" value="mobility" checked' in body
    assert slugs(response) == ["bus-lanes"]
    chips = [chosen["label"] for chosen in response.context["active_filters"]]
    assert chips == ["Theme: Mobility", "City: Ghent"]
    assert "<title>Error: Cases — " in body


def test_the_title_and_heading_name_the_search_and_the_filters(client, cases):
    response = client.get(
        LIST,
        {
            "q": "lanes",
            "city": "ghent",
            "theme": ["mobility", "affordable-housing"],
            "year_min": "2010",
            "year_max": "2020",
        },
    )

    assert response.status_code == 200
    expected = (
        "Cases matching “lanes” — Theme: Mobility, Affordable housing; City: Ghent; "
        "Year started: 2010–2020"
    )
    body = response.content.decode()
    assert f"<title>{escape(expected)} · Public Innovation Atlas</title>" in body
    assert f"<h1>{escape(expected)}</h1>" in body


@pytest.mark.parametrize(
    ("params", "heading"),
    [
        ({}, "Case studies"),
        ({"q": "lanes"}, "Cases matching “lanes”"),
        ({"country": "FR"}, "Cases — Country: France"),
        ({"year_min": "2019"}, "Cases — Year started: from 2019"),
        ({"year_max": "2019"}, "Cases — Year started: until 2019"),
    ],
)
def test_the_heading_of_each_kind_of_question(client, cases, params, heading):
    body = client.get(LIST, params).content.decode()
    assert f"<h1>{escape(heading)}</h1>" in body
    assert f"<title>{escape(heading)} · " in body


def test_the_heading_names_the_filters_in_the_readers_language(client, cases):
    body = client.get("/de/cases/", {"country": "FR"}).content.decode()
    assert "<h1>" in body
    heading = body[body.index("<h1>") + 4 : body.index("</h1>")]
    assert "Frankreich" in heading
    assert "France" not in heading


def test_a_nul_byte_in_any_parameter_never_reaches_the_database():
    for name in (
        "q",
        "search",
        "city",
        "country",
        "innovation_type",
        "driver",
        "approach",
        "theme",
        "lifecycle_stage",
        "year_min",
        "year_max",
        "ordering",
    ):
        filterset = CaseStudyFilter({name: "a\x00b"}, queryset=CaseStudy.objects.all())
        assert not filterset.is_valid(), name
        assert name in filterset.errors


def test_no_results_page_suggests_how_to_widen(client, cases):
    response = client.get(LIST, {"city": "ghent", "year_min": "2030"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "No case matches" in body
    assert "Remove" in body
    assert "See all published cases" in body


def test_active_filter_can_be_removed_one_value_at_a_time(client, cases):
    response = client.get(
        LIST, {"theme": ["mobility", "affordable-housing"], "city": "ghent"}
    )
    removals = {f["label"]: f["remove"] for f in response.context["active_filters"]}
    assert removals["Theme: Mobility"] == "theme=affordable-housing&city=ghent"
    assert removals["City: Ghent"] == "theme=mobility&theme=affordable-housing"


def test_stage_is_still_read_as_lifecycle_stage_and_links_use_the_new_name(
    client, cases
):
    for slug in ["bus-lanes", "tenant-panels"]:
        case = cases[slug]
        case.lifecycle_stage = LifecycleStage.objects.get(slug="implementing")
        case.save()

    old = client.get(LIST, {"stage": "implementing", "city": "ghent"})
    new = client.get(LIST, {"lifecycle_stage": "implementing", "city": "ghent"})

    assert slugs(old) == slugs(new) == ["bus-lanes"]
    removals = {f["label"]: f["remove"] for f in old.context["active_filters"]}
    assert removals == {
        "Lifecycle stage: Implementing": "city=ghent",
        "City: Ghent": "lifecycle_stage=implementing",
    }
    stages = {v.value: v for v in old.context["facets"]["lifecycle_stage"]}
    assert stages["implementing"].selected


def test_csv_export_uses_the_same_filters_and_streams(client, cases):
    response = client.get("/en/cases/export.csv", {"theme": "mobility"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    assert sorted(row["slug"] for row in rows) == ["bus-lanes", "cycle-streets"]
    cycle = next(row for row in rows if row["slug"] == "cycle-streets")
    assert cycle["city"] == "Lyon"
    assert cycle["country"] == "FR"
    assert (
        cycle["innovation_types"] == "mission-oriented;adaptive"
        or cycle["innovation_types"] == "adaptive;mission-oriented"
    )
    assert cycle["url"] == "http://testserver/cases/cycle-streets/"


def test_csv_export_neutralises_spreadsheet_formulas(client, cases):
    CaseStudyFactory(published=True, slug="formula", title='=HYPERLINK("http://evil")')
    response = client.get("/en/cases/export.csv")
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    assert next(r for r in rows if r["slug"] == "formula")["title"].startswith("'=")


def test_json_export_has_every_filtered_case(client, cases):
    response = client.get("/en/cases/export.json", {"city": "lyon"})
    data = json.loads(b"".join(response.streaming_content))
    assert data["licence"] == "CC-BY-4.0"
    assert sorted(c["slug"] for c in data["cases"]) == [
        "cycle-streets",
        "tenant-panels",
    ]
    assert data["cases"][0]["themes"] in (["mobility"], ["affordable-housing"])


def test_export_with_a_bad_parameter_is_a_400_with_the_reason(client, cases):
    response = client.get("/en/cases/export.csv", {"theme": "nope"})
    assert response.status_code == 400
    assert "theme" in response.json()["errors"]


def test_export_never_contains_drafts(client, cases):
    body = b"".join(client.get("/en/cases/export.json").streaming_content).decode()
    assert "secret-draft" not in body


def _broken_reading(monkeypatch):
    """Make reading the matches' documents fail, as a broken index would."""

    def broken(matches, start, stop):
        raise OSError("the index could not be read")

    monkeypatch.setattr(engine.Matches, "documents", broken)


@pytest.mark.parametrize("path", ["/en/cases/export.csv", "/en/cases/export.json"])
def test_an_export_whose_query_fails_is_a_500_not_a_200_cut_short(
    cases, monkeypatch, path
):
    # Issue 14 #4: the query ran only once the 200 and the first rows were sent.
    _broken_reading(monkeypatch)
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 500
    assert not response.streaming


@pytest.mark.parametrize("path", ["/en/cases/export.csv", "/en/cases/export.json"])
def test_an_export_that_fails_mid_stream_raises_to_the_server(
    client, cases, monkeypatch, path
):
    """Once the 200 is sent, a failure must not end the body cleanly: it raises out of
    the stream, and the server (gunicorn) cuts the connection without the chunked
    body's end, so the client sees a failed download, not a short file."""
    real_records = exports._records
    calls = []

    def failing_records(documents, orders, url_prefix):
        calls.append(documents)
        if len(calls) > 1:
            raise DatabaseError("the connection dropped")
        return real_records(documents, orders, url_prefix)

    # Two cases a chunk: the first chunk is sent, the second fails.
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(exports, "_records", failing_records)
    response = client.get(path)
    assert response.status_code == 200
    pieces = []
    with pytest.raises(DatabaseError):
        for piece in response.streaming_content:
            pieces.append(piece)
    body = b"".join(pieces).decode("utf-8-sig")
    assert len(calls) == 2
    assert body.count("/cases/") == 2  # the first chunk's two cases were sent
    if path.endswith(".json"):
        assert not body.endswith("]}")
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)


def test_an_export_has_every_column_in_order_and_the_terms_in_vocabulary_order(
    client,
):
    """The columns and values of the open data, pinned: the export reads the index's
    stored documents, and must still say what it said with model instances."""
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    district = DistrictFactory(city=city, name="Sint-Amandsberg")
    stage = LifecycleStage.objects.order_by("pk").first()
    drivers = list(Driver.objects.all()[:3])  # in the vocabulary's own order
    case = CaseStudyFactory(
        published=True,
        slug="bus-lanes",
        title="Bus lanes",
        summary="Faster buses, = fewer cars.",
        city=city,
        district=district,
        lifecycle_stage=stage,
        evidence=Evidence.MEASURED,
        year_started=2019,
        year_ended=2021,
    )
    case.drivers.set(reversed(drivers))
    case.themes.set([Theme.objects.get(slug="mobility")])
    CaseStudyFactory(published=True, slug="bare", title="Bare", city=city)
    CaseStudyFactory(slug="a-draft", city=city)

    cases = json.loads(b"".join(client.get("/en/cases/export.json").streaming_content))
    assert [c["slug"] for c in cases["cases"]] == ["bare", "bus-lanes"] or [
        c["slug"] for c in cases["cases"]
    ] == ["bus-lanes", "bare"]
    record = next(c for c in cases["cases"] if c["slug"] == "bus-lanes")
    expected = {
        "slug": "bus-lanes",
        "title": "Bus lanes",
        "url": "http://testserver/cases/bus-lanes/",
        "city": "Ghent",
        "city_slug": "ghent",
        "country": "BE",
        "district": "Sint-Amandsberg",
        "original_language": "en",
        "summary": "Faster buses, = fewer cars.",
        "innovation_types": [],
        "drivers": [driver.slug for driver in drivers],
        "approaches": [],
        "themes": ["mobility"],
        "lifecycle_stage": stage.slug,
        "evidence": "measured",
        # The stage (5), the years (5) and the evidence (15): CaseStudy.completeness.
        "completeness": 25,
        "year_started": 2019,
        "year_ended": 2021,
        "published_at": case.published_at.isoformat(),
        # No translation: every language's title and summary empty.
        **dict.fromkeys(CARD_TRANSLATION_FIELDS, ""),
    }
    assert list(record) == list(expected)
    assert record == expected
    bare = next(c for c in cases["cases"] if c["slug"] == "bare")
    assert (
        bare["district"],
        bare["lifecycle_stage"],
        bare["themes"],
        bare["evidence"],
        bare["completeness"],
    ) == (None, None, [], "unknown", 0)

    body = b"".join(client.get("/en/cases/export.csv").streaming_content)
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0] == list(expected)
    row = next(line for line in lines[1:] if line[0] == "bus-lanes")
    assert row == [
        ";".join(value) if isinstance(value, list) else str(value)
        for value in expected.values()
    ]
    assert len(lines) == 3


def _many_cases(first: int, n: int) -> None:
    """n published cases (numbered from `first`) in two cities, each with terms of every
    vocabulary, made in bulk (a factory call each would take seconds); like any write
    that bypasses the signals, it tells the search index's journal itself."""
    cities = [CityFactory(), CityFactory()]
    made = CaseStudy.objects.bulk_create(
        CaseStudyFactory.build(
            published=True, city=cities[i % 2], slug=f"bulk-{i}", title=f"Bulk {i}"
        )
        for i in range(first, first + n)
    )
    for name, model in [
        ("innovation_types", InnovationType),
        ("drivers", Driver),
        ("approaches", Approach),
        ("themes", Theme),
    ]:
        terms = list(model.objects.all()[:2])
        through = getattr(CaseStudy, name).through
        case_column = CaseStudy._meta.get_field(name).m2m_field_name()
        term_column = CaseStudy._meta.get_field(name).m2m_reverse_field_name()
        through.objects.bulk_create(
            through(**{case_column: case, term_column: term})
            for case in made
            for term in terms
        )
    journal.record_everything()


@pytest.mark.parametrize("path", ["/en/cases/export.csv", "/en/cases/export.json"])
def test_an_exports_queries_do_not_grow_with_its_cases(
    client, monkeypatch, django_assert_max_num_queries, path
):
    # Issue 15: the export built a model instance per case and ran four prefetches
    # per chunk. Now it reads the index's documents: no query per chunk. (The request
    # after new cases first brings the index up to the journal.)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 50)
    _many_cases(0, 30)
    client.get(LIST)
    reset_queries()  # the log keeps 9,000 queries, then counts none
    with CaptureQueriesContext(connection) as one_chunk:
        b"".join(client.get(path).streaming_content)
    one_chunk_queries = len(one_chunk.captured_queries)
    _many_cases(30, 270)
    client.get(LIST)
    reset_queries()
    extra_chunks = 300 // 50 - 1
    assert extra_chunks == 5
    with django_assert_max_num_queries(one_chunk_queries):
        body = b"".join(client.get(path).streaming_content)
    if path.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert len(rows) == 300
        assert {len(row["themes"].split(";")) for row in rows} == {2}
    else:
        data = json.loads(body)
        assert len(data["cases"]) == 300
        assert {len(case["drivers"]) for case in data["cases"]} == {2}


def test_sitemap_lists_published_cases_and_cities_only(client, cases):
    body = client.get("/sitemap.xml").content.decode()
    assert "/en/cases/bus-lanes/" in body
    assert "/en/cities/ghent/" in body
    assert "secret-draft" not in body


def test_robots_txt_points_to_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_case_page_has_open_graph_and_canonical_tags(client, cases):
    body = client.get("/en/cases/bus-lanes/").content.decode()
    assert '<meta property="og:title" content="Bus Lanes">' in body
    assert '<link rel="canonical" href="http://testserver/en/cases/bus-lanes/">' in body


def test_related_cases_rank_shared_city_types_and_themes(client, cases):
    response = client.get("/en/cases/bus-lanes/")
    related = [c.slug for c in response.context["related_cases"]]
    # cycle-streets shares type and theme (2); co-housing shares the city (2);
    # tenant-panels shares the type (1); the draft never appears.
    assert set(related[:2]) == {"cycle-streets", "co-housing"}
    assert related[2:] == ["tenant-panels"]


def test_the_sort_form_defaults_to_best_match_so_a_new_search_ranks_by_relevance(
    client, cases
):
    body = client.get(LIST, {"q": "lanes"}).content.decode()
    assert '<option value="" selected>' in body
    assert '<option value="newest">' in body


def test_an_empty_ordering_means_relevance_when_searching():
    filterset = CaseStudyFilter(
        {"q": "lanes", "ordering": ""}, queryset=CaseStudy.objects.all()
    )
    assert filterset.is_valid()
    assert filterset.ordering_key == "relevance"


def test_case_page_costs_a_fixed_number_of_queries(
    client, cases, django_assert_max_num_queries
):
    """Teams, partners, taxonomies, sources and related cases never query per row.
    (The search index is brought up to date first: its build, and the sync after the
    changes, are one-offs, not the page's cost.)"""
    case = cases["bus-lanes"]
    journal.fresh_searcher()
    with django_assert_max_num_queries(14):
        client.get("/en/cases/bus-lanes/")
    case.teams.set(InnovationTeamFactory.create_batch(4, city=case.city))
    case.partners.set(OrganisationFactory.create_batch(4))
    for _ in range(5):
        SourceFactory(content_object=case)
    case.themes.add(*Theme.objects.all())
    for _ in range(10):
        CaseStudyFactory(published=True, city=case.city).themes.set(
            Theme.objects.all()[:3]
        )
    journal.fresh_searcher()
    with django_assert_max_num_queries(14):
        response = client.get("/en/cases/bus-lanes/")
    assert len(response.context["case"].sources.all()) == 5
    assert len(response.context["related_cases"]) == 4  # the page shows the best four


def _facet(html: str, name: str) -> str:
    start = html.index(f'<fieldset class="facet" id="facet-{name}">')
    return html[start : html.index("</fieldset>", start)]


def test_a_facet_shows_its_commonest_values_and_the_rest_behind_show_more(client):
    # Twelve cities, the first with the most cases.
    for n in range(12):
        city = CityFactory(name=f"City {n:02}", slug=f"city-{n:02}")
        for _ in range(3 if n == 0 else 1):
            CaseStudyFactory(published=True, city=city)

    html = client.get(LIST, {"city": "city-11"}).content.decode()

    facet = _facet(html, "city")
    shown, more = facet.split('<details class="facet-more">')
    # The eight commonest, and the selected one, which is always shown.
    assert re.findall(r'value="(city-\d\d)"', shown) == [
        "city-00",
        *(f"city-{n:02}" for n in range(1, 8)),
        "city-11",
    ]
    assert 'value="city-11" checked' in shown
    # The rest behind a <details>: it opens without JavaScript.
    assert "<summary>Show 3 more" in more
    assert re.findall(r'value="(city-\d\d)"', more) == ["city-08", "city-09", "city-10"]


def test_a_facet_with_few_values_has_no_show_more(client, cases):
    html = client.get(LIST).content.decode()
    assert "facet-more" not in _facet(html, "city")


def test_the_skip_link_past_the_filters_comes_first_and_leads_to_the_results(
    client, cases
):
    html = client.get(LIST).content.decode()
    skip = html.index('<a class="skip-to-results" href="#results">')
    assert skip < html.index('<fieldset class="facet"')
    assert 'id="results" tabindex="-1"' in html
    assert "Skip the filters to the 4 results" in html
