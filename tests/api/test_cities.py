"""The cities endpoint, /api/v1/cities/: a filtered list, read whole (anonymously).

Its filters are test_filters.py; its ETag and Last-Modified, test_conditional_requests.py.
"""

from __future__ import annotations

import pytest

from .helpers import API, demo_city, get, iso

pytestmark = pytest.mark.django_db


def test_a_filtered_city_list_is_the_whole_payload(client, demo):
    vienna = demo_city("vienna")

    response = get(client, "/api/v1/cities/?country=AT")

    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "url": f"{API}/cities/vienna/",
                "slug": "vienna",
                "name": "Vienna",
                "country": "AT",
                "country_name": "Austria",
                "region": "",
                "population": None,
                "latitude": None,
                "longitude": None,
                "website": "",
                "summary": "Vienna's municipal government set up the Innovation "
                "Management Coordination Office (IMCO) to support innovation "
                "throughout city hall.",
                "has_dedicated_team": True,
                "has_formal_strategy": None,
                "states_no_team": False,
                "states_no_strategy": False,
                "published_case_count": 1,
                "districts": [],
                "teams": [
                    {
                        "url": f"{API}/teams/imco-vienna/",
                        "slug": "imco-vienna",
                        "name": "Innovation Management Coordination Office (IMCO)",
                    }
                ],
                "strategies": [],
                "funding_programmes": [
                    {
                        "url": f"{API}/funding-programmes/imco-innovation-project-funds/",
                        "slug": "imco-innovation-project-funds",
                        "name": "Innovation project funds",
                    }
                ],
                "web_url": "http://testserver/cities/vienna/",
                "updated_at": iso(vienna.updated_at),
            }
        ],
    }
