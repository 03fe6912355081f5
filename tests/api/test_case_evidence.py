"""The evidence of results and the completeness of cases in the API: the `evidence`
filter and its counts, and the `completeness` orderings, as on the website. Every
request here is anonymous."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import LifecycleStage
from innovation_cases.models import CaseStudy, Evidence
from tests.factories import CaseStudyFactory, CityFactory, SourceFactory

from .helpers import api_slugs, assert_problem, get, html_slugs, invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded() -> dict[str, CaseStudy]:
    """Four published cases of four levels and completeness, and a draft."""
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    stage = LifecycleStage.objects.order_by("pk").first()
    cases = {
        "bare": CaseStudyFactory(published=True, slug="bare", title="Bare", city=city),
        "told": CaseStudyFactory(
            published=True,
            slug="told",
            title="Told",
            city=city,
            evidence=Evidence.REPORTED,
            results="It went well.",
        ),
        "counted": CaseStudyFactory(
            published=True,
            slug="counted",
            title="Counted",
            city=city,
            evidence=Evidence.MEASURED,
            challenge="Slow buses.",
            results="Buses 12% faster.",
            year_started=2020,
        ),
        "assessed": CaseStudyFactory(
            published=True,
            slug="assessed",
            title="Assessed",
            city=city,
            evidence=Evidence.EVALUATED,
            challenge="Slow buses.",
            approach="Bus lanes.",
            results="Buses 12% faster.",
            lessons_learned="Ask the drivers.",
            lifecycle_stage=stage,
            year_started=2020,
        ),
    }
    SourceFactory(content_object=cases["assessed"], title="An evaluation")
    CaseStudyFactory(slug="draft", city=city, evidence=Evidence.EVALUATED)
    return cases


def test_the_cases_completeness_is_derived_and_read_only(client, graded):
    scores = {
        record["slug"]: (record["evidence"], record["completeness"])
        for record in get(client, "/api/v1/cases/").json()["results"]
    }
    assert scores == {
        "bare": ("unknown", 0),
        "told": ("reported", 30),  # results 15, evidence 15
        "counted": ("measured", 45),  # and the challenge (10) and the year (5)
        "assessed": ("evaluated", 90),  # all but an image (10)
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("evidence=unknown", ["bare"]),
        ("evidence=measured,evaluated", ["assessed", "counted"]),
        ("evidence=measured&evidence=reported", ["counted", "told"]),
        ("evidence=evaluated&ordering=title", ["assessed"]),  # never the draft
    ],
)
def test_the_evidence_filter_gives_the_websites_results(
    client, graded, query, expected
):
    query += "" if "ordering" in query else "&ordering=title"
    api = get(client, f"/api/v1/cases/?{query}")
    website = client.get(f"/en/cases/?{query}")

    assert api_slugs(api) == expected
    assert html_slugs(website) == expected


def test_an_unknown_evidence_level_is_a_400_naming_the_parameter(client, graded):
    response = get(client, "/api/v1/cases/?evidence=anecdotal")

    assert_problem(
        response, invalid({"evidence": ["“anecdotal” is not a known value."]})
    )
    assert client.get("/en/cases/?evidence=anecdotal").status_code == 400


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("completeness", ["bare", "told", "counted", "assessed"]),
        ("-completeness", ["assessed", "counted", "told", "bare"]),
    ],
)
def test_cases_sort_by_completeness_both_ways(client, graded, ordering, expected):
    api = get(client, f"/api/v1/cases/?ordering={ordering}")
    website = client.get(f"/en/cases/?ordering={ordering}")

    assert api_slugs(api) == expected
    assert html_slugs(website) == expected


def test_the_statistics_count_the_published_cases_by_evidence(client, graded):
    rows = get(client, "/api/v1/stats/").json()["cases_by"]["evidence"]

    # Every level, least backed first, the draft not counted.
    assert rows == [
        {
            "slug": "unknown",
            "name": "Not yet known",
            "count": 1,
            "query": "evidence=unknown",
            "group": "",
            "group_name": "",
        },
        {
            "slug": "reported",
            "name": "Reported by the city",
            "count": 1,
            "query": "evidence=reported",
            "group": "",
            "group_name": "",
        },
        {
            "slug": "measured",
            "name": "Measured with data",
            "count": 1,
            "query": "evidence=measured",
            "group": "",
            "group_name": "",
        },
        {
            "slug": "evaluated",
            "name": "Independently evaluated",
            "count": 1,
            "query": "evidence=evaluated",
            "group": "",
            "group_name": "",
        },
    ]


def test_the_schema_lists_the_evidence_levels_and_orderings(client: Any) -> None:
    schema = client.get("/api/schema/?format=json").json()
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    }
    assert parameters["evidence"]["schema"]["items"]["enum"] == [
        "unknown",
        "reported",
        "measured",
        "evaluated",
    ]
    assert {"completeness", "-completeness"} <= set(
        parameters["ordering"]["schema"]["enum"]
    )
    case = schema["components"]["schemas"]["CaseStudy"]["properties"]
    assert case["completeness"]["readOnly"] is True
    assert "evidence" in case
