"""/en/cities/map.geojson: the points of the map on /cities/."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import CaseStudyFactory, CityFactory, populate

pytestmark = pytest.mark.django_db

MAP_DATA = reverse("cities:city_map_data")


def test_the_map_data_is_a_feature_collection_of_the_cities_with_coordinates(client):
    utrecht = CityFactory(
        name="Utrecht",
        slug="utrecht",
        country="NL",
        latitude=Decimal("52.090000"),
        longitude=Decimal("5.120000"),
    )
    CityFactory(
        name="Malmö",
        slug="malmo",
        country="SE",
        latitude=Decimal("55.605000"),
        longitude=Decimal("13.003500"),
    )
    CityFactory(name="Unmapped", latitude=None, longitude=None)
    CaseStudyFactory.create_batch(2, city=utrecht, published=True)
    CaseStudyFactory(city=utrecht)  # a draft: not counted

    response = client.get(MAP_DATA)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert json.loads(response.content) == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                # GeoJSON's order: longitude, latitude.
                "geometry": {"type": "Point", "coordinates": [13.0035, 55.605]},
                "properties": {
                    "name": "Malmö",
                    "slug": "malmo",
                    "url": "/en/cities/malmo/",
                    "country": "Sweden",
                    "cases": 0,
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [5.12, 52.09]},
                "properties": {
                    "name": "Utrecht",
                    "slug": "utrecht",
                    "url": "/en/cities/utrecht/",
                    "country": "Netherlands",
                    "cases": 2,
                },
            },
        ],
    }


def test_with_no_city_on_the_map_it_is_an_empty_feature_collection(client, demo):
    response = client.get(MAP_DATA)
    assert response.json() == {"type": "FeatureCollection", "features": []}


def test_the_map_data_may_be_cached_and_revalidated(client):
    CityFactory(latitude=Decimal("52.1"), longitude=Decimal("5.1"))
    response = client.get(MAP_DATA)
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    unchanged = client.get(MAP_DATA, headers={"if-none-match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    # A change to what the map shows changes the ETag.
    CityFactory(latitude=Decimal("48.2"), longitude=Decimal("16.4"))
    changed = client.get(MAP_DATA, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert len(changed.json()["features"]) == 2


def test_the_map_data_costs_one_query_whatever_the_number_of_cities(
    client, django_assert_num_queries
):
    populate(2)
    with django_assert_num_queries(1):
        client.get(MAP_DATA)
    populate(20)
    with django_assert_num_queries(1):
        response = client.get(MAP_DATA)
    assert len(response.json()["features"]) == 22


def test_the_map_data_is_read_only(client):
    assert client.post(MAP_DATA).status_code == 405
