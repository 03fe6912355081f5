import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cities.models import City
from innovation_cases.models import Theme
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    SourceFactory,
    StrategyFactory,
    populate,
)

pytestmark = pytest.mark.django_db

CITY_LIST = reverse("cities:city_list")


def _mapped_city(name: str, lat: str, lng: str, **fields) -> City:
    """A synthetic test city with coordinates (the demo cities have none)."""
    return CityFactory(
        name=name, latitude=Decimal(lat), longitude=Decimal(lng), **fields
    )


def _data_island(html: str) -> list[dict]:
    match = re.search(
        r'<script id="city-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "no map data island"
    return json.loads(match.group(1))


# --- City list -------------------------------------------------------------------------


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
    assert [city.name for city in response.context["cities"]] == [
        "Mapped town",
        "Unmapped town",
    ]


def test_map_data_island_holds_only_the_cities_with_coordinates(client):
    mapped = _mapped_city("Mapped town", "52.090000", "5.120000")
    CityFactory(name="Unmapped town")
    CaseStudyFactory(city=mapped, published=True)
    CaseStudyFactory(city=mapped)  # a draft: not counted
    html = client.get(CITY_LIST).content.decode()
    assert _data_island(html) == [
        {
            "name": "Mapped town",
            "url": mapped.get_absolute_url(),
            "country": "Netherlands",
            "lat": 52.09,
            "lng": 5.12,
            "cases": 1,
        }
    ]


def test_map_has_an_accessible_name_and_says_the_table_lists_every_city(client):
    _mapped_city("Mapped town", "52.1", "5.1")
    response = client.get(CITY_LIST)
    assertContains(response, 'aria-label="Map of the cities in the Atlas"')
    assertContains(response, 'aria-describedby="map-note"')
    assertContains(
        response,
        "The map shows the 1 city whose coordinates are on record. The table below "
        "lists every city.",
    )
    assertContains(
        response, "The map needs JavaScript. The table below lists every city."
    )


def test_map_scripts_are_vendored_deferred_files_and_no_other_script_is_inline(client):
    _mapped_city("Mapped town", "52.1", "5.1")
    html = client.get(CITY_LIST).content.decode()
    # Every page loads tidy-query.js (see base.html); this one adds the map's two.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 4
    inline = [tag for tag in scripts if "src=" not in tag]
    assert inline == ['<script id="city-data" type="application/json">']
    sources = [re.search(r'src="([^"]+)"', tag).group(1) for tag in scripts[:3]]
    assert sources[0].startswith("/static/js/tidy-query.")
    assert sources[1].startswith("/static/vendor/leaflet/leaflet.")
    assert sources[2].startswith("/static/js/city-map.")
    assert all(" defer" in tag for tag in scripts if "src=" in tag)
    assert re.search(r'href="/static/vendor/leaflet/leaflet\.[0-9a-f]+\.css"', html)
    assert "//unpkg.com" not in html and "cdn" not in html.lower()


def test_without_coordinates_the_page_says_so_and_loads_no_map(client, demo):
    response = client.get(CITY_LIST)
    assertContains(
        response,
        "No city has coordinates yet, so there is no map to show. The table below "
        "lists every city.",
    )
    assertNotContains(response, "leaflet")
    assertNotContains(response, "city-map")
    assertNotContains(response, 'id="city-data"')
    for name in ["Bologna", "Bratislava", "Vienna"]:
        assertContains(response, f">{name}</a></th>")


def test_city_list_shows_each_citys_capacity_and_published_cases(client, demo):
    response = client.get(CITY_LIST)
    assertContains(
        response,
        '<tr><th scope="row"><a href="/cities/bologna/">Bologna</a></th><td>Italy</td>'
        '<td>Yes</td><td>No</td><td class="num">1</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr><th scope="row"><a href="/cities/bratislava/">Bratislava</a></th>'
        '<td>Slovakia</td><td>No</td><td>No</td><td class="num">0</td></tr>',
        html=True,
    )


def test_city_list_costs_one_query_whatever_the_number_of_cities(
    client, django_assert_max_num_queries
):
    populate(2)
    with django_assert_max_num_queries(1):
        client.get(CITY_LIST)
    populate(10)
    with django_assert_max_num_queries(1):
        response = client.get(CITY_LIST)
    assert len(response.context["cities_geo"]) == 12


# --- City profile ----------------------------------------------------------------------


def test_bologna_page_shows_its_six_district_labs(client, demo):
    response = client.get(reverse("cities:city_detail", kwargs={"slug": "bologna"}))
    # The caption names the table's scrolling region (the scroll_region tag).
    assertContains(
        response, '<caption id="table-caption-1">6 labs</caption>', html=True
    )
    for district in City.objects.get(slug="bologna").districts.all():
        assertContains(
            response,
            f'<tr><th scope="row">IU lab, {district.name}</th><td>{district.name}</td>'
            "<td>2–3</td><td>2–3</td></tr>",
            html=True,
        )


def test_city_profile_costs_a_fixed_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    bologna = City.objects.get(slug="bologna")
    url = bologna.get_absolute_url()
    with django_assert_max_num_queries(14):
        client.get(url)
    team = bologna.teams.get()
    for i in range(5):
        extra = InnovationTeamFactory(city=bologna)
        LabFactory.create_batch(3, team=extra, district=DistrictFactory(city=bologna))
        StrategyFactory(city=bologna, team=team)
        FundingProgrammeFactory(city=bologna, team=extra)
        case = CaseStudyFactory(city=bologna, published=True)
        case.themes.set(Theme.objects.all()[: i + 1])
        SourceFactory(content_object=bologna)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assertContains(response, f'<a href="{team.get_absolute_url()}">')
    assert len(response.context["cases"]) == 6


def test_a_city_with_many_cases_shows_the_newest_and_links_to_the_rest(client, demo):
    bologna = City.objects.get(slug="bologna")
    CaseStudyFactory.create_batch(15, city=bologna, published=True)
    total = bologna.cases.published().count()

    response = client.get(bologna.get_absolute_url())

    shown = response.context["cases"]
    assert len(shown) == 12
    assert [c.published_at for c in shown] == sorted(
        (c.published_at for c in shown), reverse=True
    )
    assertContains(
        response,
        f'<a href="/cases/?city=bologna">See all {total} cases from Bologna in the '
        "case list</a>",
        html=True,
    )
