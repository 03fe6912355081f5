"""The case list's filters, /api/v1/cases/?…: the website's, giving the website's
results, and a 400 problem naming a bad or NUL-laden parameter. Every request here is
anonymous; the cases are `read_cases` (conftest.py).

The list itself, for the public and for a city's members, is test_case_list.py; the
other endpoints' filters are test_filters.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.worlds import fresh_copy

from .helpers import (
    API,
    NUL_MESSAGE,
    api_slugs,
    assert_problem,
    get,
    html_slugs,
    invalid,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_cases(read_cases_once: Any, db: None) -> Any:
    """Made once for the module: its tests only read (tests/worlds.py)."""
    return fresh_copy(read_cases_once)


NEWEST = [
    "vienna-innovation-pitch-fund",
    "bologna-neighbourhood-labs",
    "vienna-cool-streets",
    "ghent-bus-lanes",
    "bratislava-e-services",
    "bologna-participatory-budget",
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", NEWEST),
        ("q=lanes", ["ghent-bus-lanes"]),
        ("search=lanes", ["ghent-bus-lanes"]),
        ("q=participatory", ["bologna-participatory-budget"]),
        ("city=vienna", ["vienna-innovation-pitch-fund", "vienna-cool-streets"]),
        (
            "city=vienna,ghent",
            ["vienna-innovation-pitch-fund", "vienna-cool-streets", "ghent-bus-lanes"],
        ),
        (
            "city=vienna&city=ghent",
            ["vienna-innovation-pitch-fund", "vienna-cool-streets", "ghent-bus-lanes"],
        ),
        ("country=BE", ["ghent-bus-lanes"]),
        (
            "country=at,sk",
            [
                "vienna-innovation-pitch-fund",
                "vienna-cool-streets",
                "bratislava-e-services",
            ],
        ),
        (
            "innovation_type=adaptive",
            ["bologna-neighbourhood-labs", "vienna-cool-streets", "ghent-bus-lanes"],
        ),
        (
            "innovation_type=anticipatory,mission-oriented",
            ["vienna-cool-streets", "bologna-participatory-budget"],
        ),
        ("driver=political", ["ghent-bus-lanes", "bologna-participatory-budget"]),
        (
            "driver=management,technological",
            ["vienna-innovation-pitch-fund", "bratislava-e-services"],
        ),
        (
            "approach=co-production",
            ["bologna-neighbourhood-labs", "bologna-participatory-budget"],
        ),
        ("theme=mobility", ["ghent-bus-lanes"]),
        (
            "theme=climate,digital-services",
            ["vienna-cool-streets", "bratislava-e-services"],
        ),
        (
            "lifecycle_stage=implementing",
            ["bologna-neighbourhood-labs", "ghent-bus-lanes"],
        ),
        # `stage`: the deprecated alias of lifecycle_stage, as first published.
        ("stage=implementing", ["bologna-neighbourhood-labs", "ghent-bus-lanes"]),
        (
            "lifecycle_stage=evaluating&stage=diffusing-lessons",
            ["vienna-cool-streets", "bratislava-e-services"],
        ),
        (
            "year_min=2017",
            ["vienna-cool-streets", "ghent-bus-lanes", "bologna-participatory-budget"],
        ),
        ("year_max=2017", ["bratislava-e-services", "bologna-participatory-budget"]),
        (
            "year_min=2016&year_max=2020",
            ["ghent-bus-lanes", "bologna-participatory-budget"],
        ),
        ("ordering=newest", NEWEST),
        ("ordering=oldest", NEWEST[::-1]),
        ("ordering=relevance", NEWEST),  # without a search: newest first
        (
            "ordering=title",
            [
                "bologna-participatory-budget",  # A participatory budget…
                "ghent-bus-lanes",  # Bus lanes…
                "vienna-cool-streets",  # Cool streets…
                "bratislava-e-services",  # Digital services…
                "bologna-neighbourhood-labs",  # Neighbourhood labs…
                "vienna-innovation-pitch-fund",  # Vienna's innovation…
            ],
        ),
        (
            "ordering=-title",
            [
                "vienna-innovation-pitch-fund",
                "bologna-neighbourhood-labs",
                "bratislava-e-services",
                "vienna-cool-streets",
                "ghent-bus-lanes",
                "bologna-participatory-budget",
            ],
        ),
        (
            "year_min=1900&ordering=year",
            [
                "bratislava-e-services",
                "bologna-participatory-budget",
                "ghent-bus-lanes",
                "vienna-cool-streets",
            ],
        ),
        (
            "year_min=1900&ordering=-year",
            [
                "vienna-cool-streets",
                "ghent-bus-lanes",
                "bologna-participatory-budget",
                "bratislava-e-services",
            ],
        ),
        (
            "theme=mobility,civic-participation&country=IT",
            ["bologna-neighbourhood-labs", "bologna-participatory-budget"],
        ),
        ("city=ghent&theme=climate", []),
    ],
)
def test_every_case_filter_gives_the_websites_results(
    client, read_cases, query, expected
):
    api = get(client, f"/api/v1/cases/?page_size=100&{query}")
    website = client.get(f"/en/cases/?{query}")

    assert api_slugs(api) == expected
    assert html_slugs(website) == expected
    assert api.json()["count"] == len(expected)


def test_filtered_results_are_whole_records_and_their_links_keep_the_filters(
    client, read_cases
):
    response = get(client, "/api/v1/cases/?theme=climate,digital-services&page_size=1")

    payload = response.json()
    assert payload["count"] == 2
    assert payload["previous"] is None
    assert (
        payload["next"]
        == f"{API}/cases/?page=2&page_size=1&theme=climate%2Cdigital-services"
    )
    assert payload["results"] == [
        get(client, "/api/v1/cases/vienna-cool-streets/").json()
    ]
    assert payload["results"][0]["themes"] == [
        {"slug": "climate", "name": "Climate and zero-carbon economy"},
        {"slug": "public-spaces", "name": "Public spaces"},
    ]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("theme=nope", {"theme": ["“nope” is not a known value."]}),
        ("city=vienna,atlantis", {"city": ["“atlantis” is not a known value."]}),
        (
            "innovation_type=adaptive&innovation_type=nope",
            {"innovation_type": ["“nope” is not a known value."]},
        ),
        ("driver=Not%20A%20Slug", {"driver": ["“Not A Slug” is not a known value."]}),
        ("approach=nope", {"approach": ["“nope” is not a known value."]}),
        (
            "lifecycle_stage=nope",
            {"lifecycle_stage": ["“nope” is not a known value."]},
        ),
        # The alias's values are the parameter's, and so are its errors.
        ("stage=nope", {"lifecycle_stage": ["“nope” is not a known value."]}),
        (
            "country=XX",
            {
                "country": [
                    "Select a valid choice. XX is not one of the available choices."
                ]
            },
        ),
        ("year_min=abc", {"year_min": ["Enter a whole number."]}),
        ("year_max=2020.5", {"year_max": ["Enter a whole number."]}),
        (
            "year_min=1700",
            {"year_min": ["Ensure this value is greater than or equal to 1800."]},
        ),
        (
            "ordering=zzz",
            {
                "ordering": [
                    "Select a valid choice. zzz is not one of the available choices."
                ]
            },
        ),
        (
            "q=" + "x" * 201,
            {"q": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
    ],
)
def test_a_bad_filter_value_is_a_400_problem_naming_the_parameter(
    client, read_cases, query, errors
):
    response = get(client, f"/api/v1/cases/?{query}")

    assert_problem(response, invalid(errors))
    assert client.get(f"/en/cases/?{query}").status_code == 400  # as on the website


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("q=a%00b", "q"),
        ("search=%00", "search"),
        ("city=vienna%00", "city"),
        ("country=AT%00", "country"),
        ("innovation_type=%00adaptive", "innovation_type"),
        ("driver=%00", "driver"),
        ("approach=%00", "approach"),
        ("theme=mobility,%00", "theme"),
        ("lifecycle_stage=%00", "lifecycle_stage"),
        ("evidence=%00", "evidence"),
        ("stage=%00", "stage"),
        ("year_min=20%0020", "year_min"),
        ("year_max=%00", "year_max"),
        ("ordering=title%00", "ordering"),
        ("page=%00", "page"),
        ("page_size=1%00", "page_size"),
        ("unknown=%00", "unknown"),
        ("unknown%00=1", "unknown\\0"),
    ],
)
def test_a_nul_byte_in_any_query_parameter_is_a_400_problem(
    client, read_cases, query, param
):
    response = get(client, f"/api/v1/cases/?{query}")

    assert_problem(response, invalid({param: [NUL_MESSAGE]}))
