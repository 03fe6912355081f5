"""The strategies endpoint, /api/v1/strategies/: an officer of Bologna, with a personal
token, creating and updating Bologna's strategies and their innovation types.
"""

from __future__ import annotations

import pytest

from cities.models import City, Strategy

from .helpers import API, BOLOGNA, IU_TEAM, assert_problem, invalid, iso, send

pytestmark = pytest.mark.django_db


def test_an_officer_creates_a_strategy_with_innovation_types(client, write_officer):
    body = {
        "title": "Bologna innovation strategy, 2024-2030",
        "city": "bologna",
        "team": "fondazione-iu-rusconi-ghigi",
        "status": "adopted",
        "adopted_on": "2024-02-01",
        "period_start": 2024,
        "period_end": 2030,
        "document_url": "https://example.org/strategy.pdf",
        "summary": "Collaboration first.",
        "innovation_types": ["anticipatory", "adaptive"],
    }

    response = send(client, "post", "/api/v1/strategies/", body, write_officer)

    assert response.status_code == 201, response.content
    strategy = Strategy.objects.get(slug="bologna-innovation-strategy-2024-2030")
    assert response.json() == {
        "url": f"{API}/strategies/bologna-innovation-strategy-2024-2030/",
        "slug": "bologna-innovation-strategy-2024-2030",
        "title": "Bologna innovation strategy, 2024-2030",
        "city": BOLOGNA,
        "team": IU_TEAM,
        "status": "adopted",
        "adopted_on": "2024-02-01",
        "period_start": 2024,
        "period_end": 2030,
        "document_url": "https://example.org/strategy.pdf",
        "summary": "Collaboration first.",
        "innovation_types": [  # in the vocabulary's order
            {"slug": "adaptive", "name": "Adaptive"},
            {"slug": "anticipatory", "name": "Anticipatory"},
        ],
        "web_url": "http://testserver/strategies/bologna-innovation-strategy-2024-2030/",
        "updated_at": iso(strategy.updated_at),
    }
    assert sorted(strategy.innovation_types.values_list("slug", flat=True)) == [
        "adaptive",
        "anticipatory",
    ]
    assert City.objects.with_formal_strategy().filter(slug="bologna").exists()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"innovation_types": ["disruptive"]},
            {"innovation_types": ["No record has the slug “disruptive”."]},
        ),
        (
            {"period_start": 2030, "period_end": 2024},
            {"period_end": ["The period cannot end before it starts."]},
        ),
        (
            {"team": "imco-vienna"},
            {"team": ["The owning team must belong to the same city."]},
        ),
        ({"status": "secret"}, {"status": ['"secret" is not a valid choice.']}),
    ],
)
def test_an_invalid_strategy_is_a_400(client, write_officer, change, errors):
    before = Strategy.objects.count()
    body = {"title": "A strategy", "city": "bologna", **change}

    response = send(client, "post", "/api/v1/strategies/", body, write_officer)

    assert_problem(response, invalid(errors))
    assert Strategy.objects.count() == before


def test_an_officer_updates_a_strategys_innovation_types(client, write_officer):
    created = send(
        client,
        "post",
        "/api/v1/strategies/",
        {"title": "A strategy", "city": "bologna", "innovation_types": ["adaptive"]},
        write_officer,
    )
    url = created["Location"]

    response = send(
        client,
        "patch",
        url,
        {"innovation_types": ["mission-oriented"], "status": "superseded"},
        write_officer,
        If_Match=created["ETag"],
    )

    assert response.status_code == 200, response.content
    assert response.json()["innovation_types"] == [
        {"slug": "mission-oriented", "name": "Mission-oriented"}
    ]
    strategy = Strategy.objects.get(slug="a-strategy")
    assert list(strategy.innovation_types.values_list("slug", flat=True)) == [
        "mission-oriented"
    ]
    assert strategy.status == Strategy.Status.SUPERSEDED
