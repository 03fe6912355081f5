"""The districts endpoint, /api/v1/districts/: a district is addressed by its city's
slug and its own, in a list as at its own address. Every request here is anonymous.
"""

from __future__ import annotations

import pytest

from .helpers import API, PROBLEM, city_ref, get

pytestmark = pytest.mark.django_db


def test_a_district_is_looked_up_by_its_city_and_its_own_slug(client, demo):
    response = get(client, "/api/v1/districts/bologna/navile/")

    assert response.status_code == 200
    assert response.json() == {
        "url": f"{API}/districts/bologna/navile/",
        "slug": "navile",
        "name": "Navile",
        "city": city_ref("bologna", "Bologna", "IT"),
    }


def test_a_district_list_links_each_district_by_city_and_slug(client, demo):
    response = get(client, "/api/v1/districts/?city=bologna&page_size=1")

    assert response.json() == {
        "count": 6,
        "next": f"{API}/districts/?city=bologna&page=2&page_size=1",
        "previous": None,
        "results": [
            {
                "url": f"{API}/districts/bologna/borgo-panigale-reno/",
                "slug": "borgo-panigale-reno",
                "name": "Borgo Panigale-Reno",
                "city": city_ref("bologna", "Bologna", "IT"),
            }
        ],
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/districts/vienna/navile/",  # another city's slug
        "/api/v1/districts/atlantis/navile/",
        "/api/v1/districts/bologna/nowhere/",
    ],
)
def test_a_district_of_another_city_is_not_found(client, demo, url):
    response = get(client, url)

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "not_found"
