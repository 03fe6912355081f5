"""/en/cities/: the table of cities, paged, sorted and filtered, and the map above it."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cities.models import City
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    InnovationTeamFactory,
    StrategyFactory,
    populate,
)

pytestmark = pytest.mark.django_db

CITY_LIST = reverse("cities:city_list")


def _names(response) -> list[str]:
    return [city.name for city in response.context["cities"]]


def _mapped_city(name: str, lat: str, lng: str, **fields) -> City:
    """A synthetic test city with coordinates (the demo cities have none)."""
    return CityFactory(
        name=name, latitude=Decimal(lat), longitude=Decimal(lng), **fields
    )


@pytest.fixture
def four_cities() -> None:
    """Four cities that each column puts in a different order. Country codes and names
    sort differently (AT < CH < DE < IE, but Austria < Germany < Ireland < Switzerland),
    so a sort by code would show."""
    graz = CityFactory(name="Graz", country="AT")
    # "No" only where the city states it: Aachen has no strategy, Cork no team.
    aachen = CityFactory(name="Aachen", country="DE", states_no_strategy=True)
    basel = CityFactory(name="Basel", country="CH")
    cork = CityFactory(name="Cork", country="IE", states_no_team=True)
    InnovationTeamFactory(city=aachen)
    InnovationTeamFactory(city=basel)
    StrategyFactory(city=basel)
    StrategyFactory(city=cork)
    for city, published in ((aachen, 2), (basel, 1), (cork, 3)):
        CaseStudyFactory.create_batch(published, city=city, published=True)
    CaseStudyFactory(city=graz)  # a draft: not counted
    CaseStudyFactory.create_batch(2, city=graz)


# --- The table --------------------------------------------------------------------------


def test_city_list_lists_every_city_including_those_without_coordinates(client):
    _mapped_city("Mapped town", "52.1", "5.1")
    CityFactory(name="Unmapped town")
    response = client.get(CITY_LIST)
    for city in City.objects.all():
        assertContains(
            response,
            f'<th scope="row"><a href="{city.get_absolute_url()}">{city.name}</a></th>',
            html=True,
        )
    assert _names(response) == ["Mapped town", "Unmapped town"]


def test_city_list_shows_each_citys_capacity_and_published_cases(client, demo):
    response = client.get(CITY_LIST)
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/cities/bologna/">Bologna</a></th><td>Italy</td>'
        '<td>Yes</td><td>Not recorded</td><td class="num">1</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/cities/bratislava/">Bratislava</a></th>'
        "<td>Slovakia</td><td>Not recorded</td><td>Not recorded</td>"
        '<td class="num">0</td></tr>',
        html=True,
    )


def test_the_table_and_the_city_page_give_the_same_answer(client, demo):
    # Nothing is recorded about Bratislava's capacity: not recorded on both, never "No".
    page = client.get(reverse("cities:city_detail", args=["bratislava"]))
    assertContains(
        page,
        "<div><dt>Dedicated innovation team</dt><dd>Not recorded</dd></div>",
        html=True,
    )
    # Bologna has a team but no adopted strategy on record, and states nothing about
    # one: not recorded, never an inferred "No".
    page = client.get(reverse("cities:city_detail", args=["bologna"]))
    assertContains(
        page,
        "<div><dt>Formal innovation strategy</dt><dd>Not recorded</dd></div>",
        html=True,
    )


def test_a_city_that_states_it_has_none_says_so_in_the_table_and_on_its_page(client):
    CityFactory(name="Cork", country="IE", slug="cork", states_no_team=True)
    row = (
        '<tr><th scope="row"><a href="/en/cities/cork/">Cork</a></th><td>Ireland</td>'
        "<td>None, as the city states</td><td>Not recorded</td>"
        '<td class="num">0</td></tr>'
    )
    assertContains(client.get(CITY_LIST), row, html=True)
    page = client.get(reverse("cities:city_detail", args=["cork"]))
    assertContains(
        page,
        "<div><dt>Dedicated innovation team</dt>"
        "<dd>None, as the city states</dd></div>",
        html=True,
    )
    assertContains(
        page,
        "<div><dt>Formal innovation strategy</dt><dd>Not recorded</dd></div>",
        html=True,
    )
    assertContains(page, "The city states that it has no dedicated innovation team.")
    assertContains(page, "No innovation strategy is recorded for this city.")


def test_the_table_keeps_its_scrolling_region_and_caption(client, demo):
    html = client.get(CITY_LIST).content.decode()
    # The scroll_region tag: a focusable region named by the table's caption.
    region = re.search(r'<div class="scroll-region"[^>]*>', html)
    assert region, html
    caption_id = re.search(r'aria-labelledby="([^"]+)"', region.group(0)).group(1)
    assert 'tabindex="0"' in region.group(0) and 'role="region"' in region.group(0)
    assert f'<caption id="{caption_id}" class="visually-hidden">' in html


# --- Paging -----------------------------------------------------------------------------


def test_the_table_shows_fifty_cities_a_page_with_numbered_page_links(client):
    for i in range(120):
        CityFactory(name=f"City {i:03}")
    first = client.get(CITY_LIST)
    assert _names(first) == [f"City {i:03}" for i in range(50)]
    assertContains(first, "1–50 of 120 cities")
    assertContains(first, '<nav class="pagination" aria-label="Pages of cities">')
    assertContains(
        first,
        '<a href="?page=1" aria-current="page"><span class="visually-hidden">Page '
        "</span>1</a>",
        html=True,
    )
    assertContains(first, '<a href="?page=2" rel="next">Next page</a>', html=True)
    assertNotContains(first, 'rel="prev"')

    last = client.get(CITY_LIST, {"page": 3})
    assert _names(last) == [f"City {i:03}" for i in range(100, 120)]
    assertContains(last, '<a href="?page=2" rel="prev">Previous page</a>', html=True)
    # The main menu marks /cities/ as current; the page links mark page 3 alone.
    assert re.findall(
        r'<a href="\?page=(\d)" aria-current="page">', last.content.decode()
    ) == ["3"]
    assertNotContains(last, 'rel="next"')
    assert client.get(CITY_LIST, {"page": 4}).status_code == 404


def test_a_single_page_has_no_page_links(client, demo):
    response = client.get(CITY_LIST)
    assertNotContains(response, 'class="pagination"')
    assertContains(response, "3 cities")


# --- Sorting ----------------------------------------------------------------------------

ORDERS = {
    "name": ["Aachen", "Basel", "Cork", "Graz"],
    "-name": ["Graz", "Cork", "Basel", "Aachen"],
    # Austria, Germany, Ireland, Switzerland.
    "country": ["Graz", "Aachen", "Cork", "Basel"],
    "-country": ["Basel", "Cork", "Aachen", "Graz"],
    # Ties are broken by name, whichever way the column is sorted. Nothing is recorded
    # about Graz's capacity: it comes last both ways, neither with nor without.
    "team": ["Cork", "Aachen", "Basel", "Graz"],
    "-team": ["Aachen", "Basel", "Cork", "Graz"],
    "strategy": ["Aachen", "Basel", "Cork", "Graz"],
    "-strategy": ["Basel", "Cork", "Aachen", "Graz"],
    "cases": ["Graz", "Basel", "Aachen", "Cork"],
    "-cases": ["Cork", "Aachen", "Basel", "Graz"],
}


@pytest.mark.parametrize(("ordering", "names"), ORDERS.items())
def test_each_column_sorts_both_ways(client, four_cities, ordering, names):
    response = client.get(CITY_LIST, {"ordering": ordering})
    assert response.status_code == 200
    assert _names(response) == names


def test_without_an_ordering_the_table_is_sorted_by_name(client, four_cities):
    assert _names(client.get(CITY_LIST)) == ORDERS["name"]


def test_only_the_sorted_column_has_aria_sort_and_its_link_reverses_it(
    client, four_cities
):
    html = client.get(CITY_LIST, {"ordering": "-cases"}).content.decode()
    headers = re.findall(r"<th scope=\"col\"[^>]*>.*?</th>", html, re.S)
    assert len(headers) == 5
    assert [re.search(r'aria-sort="(\w+)"', h) is not None for h in headers] == [
        False,
        False,
        False,
        False,
        True,
    ]
    cases = headers[4]
    assert 'aria-sort="descending"' in cases
    assert 'href="?ordering=cases"' in cases
    # Other columns link to their natural first order: A–Z, "yes" first.
    assert 'href="?ordering=name"' in headers[0]
    assert 'href="?ordering=-team"' in headers[2]

    html = client.get(CITY_LIST, {"ordering": "name"}).content.decode()
    name = re.findall(r"<th scope=\"col\"[^>]*>.*?</th>", html, re.S)[0]
    assert 'aria-sort="ascending"' in name
    assert 'href="?ordering=-name"' in name


def test_an_unknown_ordering_is_a_400_naming_the_parameter(client, four_cities):
    response = client.get(CITY_LIST, {"ordering": "population"})
    assert response.status_code == 400
    assertContains(
        response,
        '<li id="ordering-error"><strong>Sort by</strong>: Select a valid choice. '
        "population is not one of the available choices.</li>",
        status_code=400,
        html=True,
    )
    assert list(response.context["cities"]) == []


def test_an_unknown_country_is_a_400_naming_the_parameter(client, four_cities):
    response = client.get(CITY_LIST, {"country": "XX"})
    assert response.status_code == 400
    assertContains(response, '<li id="country-error">', status_code=400)


# --- Filters with paging and sorting -----------------------------------------------------


def test_filters_combine_with_sorting_and_paging(client):
    # 60 Dutch cities whose name has "haven", 60 others; the Dutch ones with more
    # published cases than their number sort first by cases.
    for i in range(60):
        CityFactory(name=f"Haven {i:02}", country="NL")
        CityFactory(name=f"Haven {i:02}", country="BE")
        CityFactory(name=f"Dorp {i:02}", country="NL")
    CaseStudyFactory.create_batch(
        3, city=City.objects.get(name="Haven 07", country="NL"), published=True
    )
    params = {"search": "haven", "country": "NL", "ordering": "-cases"}

    first = client.get(CITY_LIST, params)
    assert first.status_code == 200
    assert first.context["paginator"].count == 60
    assert _names(first)[:3] == ["Haven 07", "Haven 00", "Haven 01"]
    assert {city.country.code for city in first.context["cities"]} == {"NL"}
    # The page links keep every filter and the order.
    assertContains(
        first,
        '<a href="?search=haven&amp;country=NL&amp;ordering=-cases&amp;page=2" '
        'rel="next">Next page</a>',
        html=True,
    )
    # The form keeps them too.
    assertContains(first, 'value="haven"')
    assertContains(first, '<option value="NL" selected>Netherlands</option>', html=True)
    assertContains(first, '<input type="hidden" name="ordering" value="-cases">')

    second = client.get(CITY_LIST, {**params, "page": 2})
    assert _names(second) == [f"Haven {i:02}" for i in range(50, 60)]
    assertContains(second, "51–60 of 60 cities")


def test_a_search_that_finds_nothing_says_so(client, four_cities):
    response = client.get(CITY_LIST, {"search": "atlantis"})
    assert response.status_code == 200
    assertContains(response, "No city matches.")


# --- Cost and size ----------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["name", "-country", "-cases", "strategy"])
def test_city_list_costs_a_fixed_number_of_queries_whatever_the_number_of_cities(
    client, django_assert_max_num_queries, ordering
):
    # The count, the page's rows, whether any city is on the map, and the countries
    # of the filter.
    populate(2)
    with django_assert_max_num_queries(4):
        client.get(CITY_LIST, {"ordering": ordering})
    populate(60)
    with django_assert_max_num_queries(4):
        response = client.get(CITY_LIST, {"ordering": ordering, "page": 2})
    assert len(response.context["cities"]) == 12


def test_at_two_thousand_cities_the_page_stays_small(client):
    # It held every city, and every city's map point, in 857 kB.
    City.objects.bulk_create(
        City(
            name=f"City {i:04}",
            slug=f"city-{i:04}",
            country="NL",
            latitude=Decimal("52.1") + Decimal(i) / 1000,
            longitude=Decimal("5.1"),
        )
        for i in range(2000)
    )
    response = client.get(CITY_LIST)
    assert response.status_code == 200
    assert len(response.context["cities"]) == 50
    assert len(response.content) < 150_000, len(response.content)


# --- The map ----------------------------------------------------------------------------


def test_the_map_loads_its_points_from_the_geojson_url(client):
    _mapped_city("Mapped town", "52.1", "5.1")
    response = client.get(CITY_LIST)
    assertContains(response, 'data-geojson-url="/en/cities/map.geojson"')
    assertContains(response, 'aria-label="Map of the cities in the Atlas"')
    assertContains(response, 'aria-describedby="map-note"')
    assertContains(
        response, "The map needs JavaScript. The table below lists every city."
    )
    # The points are not in the page.
    assertNotContains(response, 'type="application/json"')
    assertNotContains(response, "52.1")


def test_map_scripts_are_vendored_deferred_files_and_none_is_inline(client):
    _mapped_city("Mapped town", "52.1", "5.1")
    html = client.get(CITY_LIST).content.decode()
    # Every page loads tidy-query.js and scroll-regions.js (see base.html); this one
    # adds the map's three.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in tag and " defer" in tag for tag in scripts), scripts
    sources = [re.search(r'src="([^"]+)"', tag).group(1) for tag in scripts]
    assert [re.sub(r"\.[0-9a-f]{12}\.", ".", source) for source in sources] == [
        "/static/js/tidy-query.js",
        "/static/js/scroll-regions.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/js/city-map.js",
    ]
    for stylesheet in (
        "vendor/leaflet/leaflet",
        "vendor/leaflet.markercluster/MarkerCluster",
        "vendor/leaflet.markercluster/MarkerCluster.Default",
    ):
        assert re.search(rf'href="/static/{stylesheet}\.[0-9a-f]+\.css"', html)
    assert "//unpkg.com" not in html and "cdn" not in html.lower()


def test_without_coordinates_the_page_says_so_and_still_shows_the_map(client, demo):
    # The demo content records no real city's coordinates (demo/content.py): the map
    # shows Europe with no city on it, and says why.
    response = client.get(CITY_LIST)
    assertContains(
        response,
        '<p id="map-note" class="map-message">No city in the Atlas has its coordinates '
        "recorded yet, so the map shows no cities for now. The table below lists every "
        "city.</p>",
        html=True,
    )
    assertContains(response, 'aria-describedby="map-note"')
    assertContains(response, "/static/js/city-map.")
    assertNotContains(response, "numbered circles group nearby cities")
    for name in ["Bologna", "Bratislava", "Vienna"]:
        assertContains(response, f">{name}</a></th>")


def test_a_skip_link_leads_past_the_map_to_the_table(client):
    html = client.get(CITY_LIST).content.decode()
    skip = re.search(r'<a class="skip-map" href="#([\w-]+)">([^<]+)</a>', html)
    assert skip is not None
    assert skip.group(2) == "Skip the map: go to the table of cities"
    assert f'<h2 id="{skip.group(1)}">All cities</h2>' in html
    # Before the map, after the note.
    assert html.index('id="map-note"') < skip.start() < html.index('id="city-map"')


# The outline of Europe under the tiles: a static file, small enough for every visitor.
OUTLINE_CEILING = 250_000  # bytes, uncompressed; it is about 180,000


def test_the_outline_of_europe_is_a_small_static_geojson_file(client):
    html = client.get(CITY_LIST).content.decode()
    url = re.search(r'data-outline-url="([^"]+)"', html).group(1)
    assert re.fullmatch(
        r"/static/vendor/natural-earth/europe\.[0-9a-f]{12}\.geojson", url
    )

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = b"".join(response.streaming_content)
    assert len(body) < OUTLINE_CEILING, len(body)
    collection = json.loads(body)
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["name"]: f["geometry"] for f in collection["features"]}
    assert features["land"]["type"] == "MultiPolygon"
    assert features["borders"]["type"] == "MultiLineString"
    # Every point on Leaflet's Web Mercator world.
    points = [
        point
        for polygon in features["land"]["coordinates"]
        for ring in polygon
        for point in ring
    ] + [point for line in features["borders"]["coordinates"] for point in line]
    assert all(-180 <= x <= 180 and -85 <= y <= 85 for x, y in points)
    # Compressed as well, for the browsers that ask.
    compressed = client.get(url, headers={"accept-encoding": "gzip"})
    assert compressed["Content-Encoding"] == "gzip"
    assert len(b"".join(compressed.streaming_content)) < OUTLINE_CEILING / 2


def test_the_city_list_links_to_the_comparison_of_cities(client):
    response = client.get(CITY_LIST)
    assertContains(
        response,
        f'<a href="{reverse("innovation_cases:city_compare")}">Compare cities</a>',
        html=True,
    )


def test_a_400_names_the_field_as_the_form_labels_it_and_links_to_it(
    client, four_cities
):
    response = client.get(CITY_LIST, {"search": "x" * 201, "country": "XX"})
    assertContains(
        response,
        '<a href="#id_search"><strong>City or region</strong></a>',
        status_code=400,
        html=True,
    )
    assertContains(
        response,
        '<a href="#id_country"><strong>Country</strong></a>',
        status_code=400,
        html=True,
    )
