"""The filters of every list but the case list (whose filters are test_case_filters.py):
cities, districts, teams, labs, strategies and funding programmes, each by its own
parameters, and a 400 problem naming a bad value. Every request here is anonymous; the
records are the demo's and `read_capacity`'s (conftest.py).
"""

from __future__ import annotations

import pytest

from .helpers import api_slugs, assert_problem, get, invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_capacity(read_capacity_once: None, db: None) -> None:
    """Made once for the module: its tests only read (tests/worlds.py)."""


BOLOGNA_LABS = [
    f"iu-lab-{slug}"
    for slug in [
        "borgo-panigale-reno",
        "navile",
        "porto-saragozza",
        "san-donato-san-vitale",
        "santo-stefano",
        "savena",
    ]
]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/cities/", ["bologna", "bratislava", "ghent", "vienna"]),
        ("/api/v1/cities/?country=AT", ["vienna"]),
        ("/api/v1/cities/?country=it,sk", ["bologna", "bratislava"]),
        ("/api/v1/cities/?country=IT&country=BE", ["bologna", "ghent"]),
        ("/api/v1/cities/?search=VIEN", ["vienna"]),
        ("/api/v1/cities/?search=brat", ["bratislava"]),
        ("/api/v1/cities/?search=atlantis", []),
        ("/api/v1/teams/?city=vienna", ["imco-vienna"]),
        ("/api/v1/teams/?city=vienna&kind=coordination_office", ["imco-vienna"]),
        ("/api/v1/teams/?city=vienna&kind=in_house_unit", []),
        (
            "/api/v1/teams/?kind=in_house_unit,independent_foundation",
            ["fondazione-iu-rusconi-ghigi", "ghent-digital"],
        ),
        (
            "/api/v1/teams/?city=bologna,ghent",
            ["fondazione-iu-rusconi-ghigi", "ghent-digital"],
        ),
        ("/api/v1/labs/?city=bologna", BOLOGNA_LABS),
        ("/api/v1/labs/?city=vienna", ["imco-lab-leopoldstadt"]),
        ("/api/v1/labs/?team=imco-vienna", ["imco-lab-leopoldstadt"]),
        ("/api/v1/labs/?team=fondazione-iu-rusconi-ghigi", BOLOGNA_LABS),
        ("/api/v1/labs/?team=ghent-digital", []),
        ("/api/v1/strategies/?status=adopted", ["vienna-innovation-strategy"]),
        (
            "/api/v1/strategies/?status=draft,superseded",
            ["bologna-draft-strategy", "vienna-old-strategy"],
        ),
        (
            "/api/v1/funding-programmes/?allocation=pitch_competition",
            ["imco-innovation-project-funds"],
        ),
        (
            "/api/v1/funding-programmes/?allocation=grant_call",
            ["bologna-civic-grants"],
        ),
        ("/api/v1/funding-programmes/?allocation=challenge_prize", []),
        (
            "/api/v1/districts/?city=bologna",
            [
                "borgo-panigale-reno",
                "navile",
                "porto-saragozza",
                "san-donato-san-vitale",
                "santo-stefano",
                "savena",
            ],
        ),
        ("/api/v1/districts/?city=vienna", ["leopoldstadt"]),
        ("/api/v1/districts/?city=ghent", []),
    ],
)
def test_the_other_endpoints_filter_their_records(client, read_capacity, url, expected):
    response = get(client, url)

    assert api_slugs(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("url", "errors"),
    [
        (
            "/api/v1/cities/?country=ZZ",
            {
                "country": [
                    "Select a valid choice. ZZ is not one of the available choices."
                ]
            },
        ),
        (
            "/api/v1/teams/?kind=garage",
            {
                "kind": [
                    "Select a valid choice. garage is not one of the available choices."
                ]
            },
        ),
        (
            "/api/v1/teams/?city=atlantis",
            {"city": ["“atlantis” is not a known value."]},
        ),
        ("/api/v1/labs/?team=nope", {"team": ["“nope” is not a known value."]}),
        (
            "/api/v1/strategies/?status=secret",
            {
                "status": [
                    "Select a valid choice. secret is not one of the available choices."
                ]
            },
        ),
        (
            "/api/v1/funding-programmes/?allocation=lottery",
            {
                "allocation": [
                    "Select a valid choice. lottery is not one of the available "
                    "choices."
                ]
            },
        ),
        ("/api/v1/districts/?city=nope", {"city": ["“nope” is not a known value."]}),
    ],
)
def test_a_bad_filter_value_on_another_endpoint_is_a_400_problem(
    client, read_capacity, url, errors
):
    assert_problem(get(client, url), invalid(errors))
