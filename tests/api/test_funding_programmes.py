"""The funding programmes endpoint, /api/v1/funding-programmes/: an officer of
Bologna, with a personal token, creating and updating Bologna's funding programmes, and
no other city's.
"""

from __future__ import annotations

import pytest

from cities.models import FundingProgramme

from .helpers import (
    API,
    BOLOGNA,
    FORBIDDEN,
    IU_TEAM,
    PROBLEM,
    assert_problem,
    iso,
    send,
)

pytestmark = pytest.mark.django_db


def test_an_officer_creates_a_funding_programme(client, write_officer):
    body = {
        "name": "Neighbourhood grants",
        "city": "bologna",
        "team": "fondazione-iu-rusconi-ghigi",
        "description": "Small grants for residents' projects.",
        "amount": "250000.50",
        "currency": "EUR",
        "allocation": "grant_call",
        "training_offered": True,
        "year": 2025,
    }

    response = send(client, "post", "/api/v1/funding-programmes/", body, write_officer)

    assert response.status_code == 201, response.content
    programme = FundingProgramme.objects.get(slug="neighbourhood-grants")
    assert response["Location"] == f"{API}/funding-programmes/neighbourhood-grants/"
    assert response.json() == {
        "url": f"{API}/funding-programmes/neighbourhood-grants/",
        "slug": "neighbourhood-grants",
        "name": "Neighbourhood grants",
        "city": BOLOGNA,
        "team": IU_TEAM,
        "description": "Small grants for residents' projects.",
        "amount": 250000.5,
        "currency": "EUR",
        "allocation": "grant_call",
        "training_offered": True,
        "year": 2025,
        "updated_at": iso(programme.updated_at),
    }
    assert str(programme.amount) == "250000.50"


def test_a_funding_programmes_currency_defaults_to_euros(client, write_officer):
    body = {"name": "Prize", "city": "bologna", "allocation": "challenge_prize"}

    response = send(client, "post", "/api/v1/funding-programmes/", body, write_officer)

    assert response.status_code == 201, response.content
    assert response.json()["currency"] == "EUR"
    assert FundingProgramme.objects.get(slug="prize").currency == "EUR"


@pytest.mark.parametrize("currency", ["eur", "EURO", "EU", "E1R", "€", "EUR\x00", ""])
def test_a_currency_must_be_three_capital_letters(client, write_officer, currency):
    before = FundingProgramme.objects.count()
    body = {
        "name": "Fund",
        "city": "bologna",
        "allocation": "grant_call",
        "currency": currency,
    }

    response = send(client, "post", "/api/v1/funding-programmes/", body, write_officer)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["currency"]
    assert FundingProgramme.objects.count() == before


def test_an_officer_updates_a_funding_programme(client, write_officer):
    created = send(
        client,
        "post",
        "/api/v1/funding-programmes/",
        {"name": "Fund", "city": "bologna", "allocation": "grant_call"},
        write_officer,
    )

    response = send(
        client,
        "put",
        created["Location"],
        {
            "name": "Fund",
            "city": "bologna",
            "allocation": "participatory_budget",
            "currency": "CHF",
            "amount": 1000,
        },
        write_officer,
        If_Match=created["ETag"],
    )

    assert response.status_code == 200, response.content
    assert response.json()["allocation"] == "participatory_budget"
    assert response.json()["currency"] == "CHF"
    programme = FundingProgramme.objects.get(slug="fund")
    assert programme.currency == "CHF"
    assert programme.amount == 1000


def test_a_funding_programme_of_another_city_cannot_be_updated(client, write_officer):
    url = "/api/v1/funding-programmes/imco-innovation-project-funds/"

    response = send(client, "patch", url, {"amount": 1}, write_officer)

    assert_problem(response, FORBIDDEN)
    programme = FundingProgramme.objects.get(slug="imco-innovation-project-funds")
    assert programme.amount == 1500000
