"""/api/v1/cities/compare/: the comparison of the page /cities/compare/, as data, read
anonymously (innovation_cases/compare.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from cities.models import InnovationTeam, Strategy
from core.models import InnovationType, LifecycleStage, Theme
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    StrategyFactory,
)

from .helpers import INVALID_DETAIL, PROBLEM, get

pytestmark = pytest.mark.django_db

URL = "/api/v1/cities/compare/"
HOST = "http://testserver"


@pytest.fixture
def world(db: None) -> None:
    """Aville keeps a team, a lab, a strategy and funds in euros and francs, and has
    two published cases and a draft; Beeburg a fund in pounds and one published case;
    Ceeton and Deeham nothing."""
    aville = CityFactory(name="Aville", slug="aville", country="NL")
    beeburg = CityFactory(name="Beeburg", slug="beeburg", country="BE")
    CityFactory(name="Ceeton", slug="ceeton", country="FR")
    CityFactory(name="Deeham", slug="deeham", country="DE")
    team = InnovationTeamFactory(
        city=aville,
        name="Aville Lab",
        slug="aville-lab",
        kind=InnovationTeam.Kind.IN_HOUSE_UNIT,
        year_established=2015,
    )
    LabFactory(team=team, name="Harbour lab", slug="harbour-lab", municipal_staff_min=2)
    StrategyFactory(
        city=aville,
        title="Aville innovates",
        slug="aville-innovates",
        status=Strategy.Status.ADOPTED,
        period_start=2024,
    )
    FundingProgrammeFactory(
        city=aville, name="Pitch fund", slug="pitch-fund", amount=Decimal("1000.50")
    )
    FundingProgrammeFactory(city=aville, name="No sum", slug="no-sum", amount=None)
    FundingProgrammeFactory(
        city=aville,
        name="Swiss partnership",
        slug="swiss-partnership",
        amount=Decimal("2000"),
        currency="CHF",
    )
    FundingProgrammeFactory(
        city=beeburg,
        name="Beeburg fund",
        slug="beeburg-fund",
        amount=Decimal("300"),
        currency="GBP",
    )
    mobility = Theme.objects.get(slug="mobility")
    adaptive = InnovationType.objects.get(slug="adaptive")
    for status in ["published", "published", "draft"]:
        case = CaseStudyFactory(city=aville, published=status == "published")
        case.themes.set([mobility])
        case.innovation_types.set([adaptive])
    CaseStudyFactory(city=beeburg, published=True).themes.set([mobility])
    assert CaseStudy.objects.exclude(status="published").count() == 1


def by(slug: str, counts: dict[str, dict[str, int]]) -> dict[str, list[dict[str, Any]]]:
    """Every term of each compared vocabulary, in its order, with the city's counts
    (0 unless `counts` says otherwise) and the case-list filter for them."""
    vocabularies = {
        "innovation_type": InnovationType,
        "theme": Theme,
        "lifecycle_stage": LifecycleStage,
    }
    return {
        name: [
            {
                "slug": term.slug,
                "name": term.name,
                "count": counts.get(name, {}).get(term.slug, 0),
                "query": f"city={slug}&{name}={term.slug}",
            }
            for term in model.objects.all()
        ]
        for name, model in vocabularies.items()
    }


def city(slug: str, name: str, country: str, **records: Any) -> dict[str, Any]:
    cases = records.pop("cases", 0)
    counts = records.pop("counts", {})
    return {
        "city": {
            "url": f"{HOST}/api/v1/cities/{slug}/",
            "slug": slug,
            "name": name,
            "country": country,
        },
        "web_url": f"{HOST}/cities/{slug}/",
        "teams": [],
        "labs": [],
        "strategies": [],
        "funding_programmes": [],
        "funding_by_currency": [],
        **records,
        "cases": {"count": cases, "query": f"city={slug}", "by": by(slug, counts)},
    }


def fund(slug: str, name: str, amount: float | None, currency: str) -> dict[str, Any]:
    return {
        "url": f"{HOST}/api/v1/funding-programmes/{slug}/",
        "slug": slug,
        "name": name,
        "amount": amount,
        "currency": currency,
        "allocation": "grant_call",
        "year": None,
    }


AVILLE = {
    "teams": [
        {
            "url": f"{HOST}/api/v1/teams/aville-lab/",
            "slug": "aville-lab",
            "name": "Aville Lab",
            "kind": "in_house_unit",
            "year_established": 2015,
            "web_url": f"{HOST}/teams/aville-lab/",
        }
    ],
    "labs": [
        {
            "url": f"{HOST}/api/v1/labs/harbour-lab/",
            "slug": "harbour-lab",
            "name": "Harbour lab",
            "team": "aville-lab",
            "municipal_staff_min": 2,
            "municipal_staff_max": None,
            "partner_staff_min": None,
            "partner_staff_max": None,
        }
    ],
    "strategies": [
        {
            "url": f"{HOST}/api/v1/strategies/aville-innovates/",
            "slug": "aville-innovates",
            "title": "Aville innovates",
            "status": "adopted",
            "period_start": 2024,
            "period_end": None,
            "web_url": f"{HOST}/strategies/aville-innovates/",
        }
    ],
    # By name; each amount in its own currency.
    "funding_programmes": [
        fund("no-sum", "No sum", None, "EUR"),
        fund("pitch-fund", "Pitch fund", 1000.5, "EUR"),
        fund("swiss-partnership", "Swiss partnership", 2000.0, "CHF"),
    ],
    # Totalled per currency, never across currencies.
    "funding_by_currency": [
        {"currency": "CHF", "total": 2000.0, "programmes": 1, "amounts_recorded": 1},
        {"currency": "EUR", "total": 1000.5, "programmes": 2, "amounts_recorded": 1},
    ],
    # The draft, on mobility and adaptive too, is not counted.
    "cases": 2,
    "counts": {"theme": {"mobility": 2}, "innovation_type": {"adaptive": 2}},
}


def test_two_cities_are_compared_whole_and_nothing_recorded_is_an_empty_list(
    client, world
):
    response = get(client, f"{URL}?cities=aville,ceeton")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "cities": [
            city("aville", "Aville", "NL", **AVILLE),
            city("ceeton", "Ceeton", "FR"),
        ]
    }
    assert response["ETag"]


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("cities=beeburg,deeham,aville", ["beeburg", "deeham", "aville"]),
        (
            "cities=deeham&cities=ceeton&cities=beeburg&cities=aville",
            ["deeham", "ceeton", "beeburg", "aville"],
        ),
    ],
)
def test_three_or_four_cities_are_answered_in_the_order_asked(
    client, world, query, slugs
):
    response = get(client, f"{URL}?{query}")

    assert response.status_code == 200
    cities = response.json()["cities"]
    assert [c["city"]["slug"] for c in cities] == slugs
    assert cities[slugs.index("aville")] == city("aville", "Aville", "NL", **AVILLE)
    beeburg = next(c for c in cities if c["city"]["slug"] == "beeburg")
    assert beeburg == city(
        "beeburg",
        "Beeburg",
        "BE",
        funding_programmes=[fund("beeburg-fund", "Beeburg fund", 300.0, "GBP")],
        funding_by_currency=[
            {"currency": "GBP", "total": 300.0, "programmes": 1, "amounts_recorded": 1}
        ],
        cases=1,
        counts={"theme": {"mobility": 1}},
    )


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("", ["Choose at least 2 cities to compare."]),
        ("?cities=aville", ["Choose at least 2 cities to compare."]),
        (
            "?cities=aville,beeburg,ceeton,deeham,aville",
            ["Choose at most 4 cities to compare."],
        ),
        ("?cities=aville,atlantis", ["“atlantis” is not a known city."]),
        (
            "?cities=aville,aville",
            ["“aville” is chosen more than once: choose each city once."],
        ),
    ],
)
def test_a_question_that_cannot_be_answered_is_a_problem_document(
    client, world, query, messages
):
    response = get(client, f"{URL}{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": INVALID_DETAIL,
        "code": "invalid",
        "errors": {"cities": messages},
    }


def test_the_comparison_is_throttled_like_every_anonymous_read(
    client, world, api_rates
):
    api_rates(anon="2/minute")

    statuses = [
        get(client, f"{URL}?cities=aville,beeburg").status_code for _ in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_the_schema_documents_the_operation_its_parameter_and_its_answer(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    operation = schema["paths"][URL]["get"]

    assert operation["operationId"] == "cities_compare"
    (cities,) = [p for p in operation["parameters"] if p["name"] == "cities"]
    assert cities["in"] == "query" and cities["required"] is True
    assert cities["schema"]["minItems"] == 2 and cities["schema"]["maxItems"] == 4
    assert "allowEmptyValue" not in cities
    assert "comma-separated" in cities["description"]
    ok = operation["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/CityComparison"}
    example = next(iter(ok["examples"].values()))["value"]
    assert [c["city"]["slug"] for c in example["cities"]] == ["vienna", "bratislava"]
    compared = schema["components"]["schemas"]["ComparedCity"]["properties"]
    assert set(compared) == {
        "city",
        "web_url",
        "teams",
        "labs",
        "strategies",
        "funding_programmes",
        "funding_by_currency",
        "cases",
    }
    assert {} in operation["security"]  # anyone may read it
