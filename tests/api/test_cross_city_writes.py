"""Nothing is created in another city: an officer creates records in their own
cities only, on every endpoint that takes writes, and a user with no city writes
nothing. (Every role, endpoint and method: test_permissions.py.)
"""

from __future__ import annotations

import pytest

from cities.models import City, FundingProgramme, InnovationTeam, Lab, Strategy
from innovation_cases.models import CaseStudy
from tests.factories import InnovationTeamFactory

from .helpers import FORBIDDEN, assert_problem, make_officer, send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("endpoint", "model", "body"),
    [
        (
            "cases",
            CaseStudy,
            {"title": "Elsewhere", "city": "vienna", "summary": "S"},
        ),
        (
            "teams",
            InnovationTeam,
            {"name": "Elsewhere", "city": "vienna", "kind": "in_house_unit"},
        ),
        ("labs", Lab, {"name": "Elsewhere", "team": "imco-vienna"}),
        (
            "labs",
            Lab,
            {"name": "Elsewhere", "team": "imco-vienna", "district": "leopoldstadt"},
        ),
        ("strategies", Strategy, {"title": "Elsewhere", "city": "vienna"}),
        (
            "funding-programmes",
            FundingProgramme,
            {"name": "Elsewhere", "city": "vienna", "allocation": "grant_call"},
        ),
    ],
)
def test_creating_in_another_city_is_a_403_and_creates_nothing(
    client, write_officer, endpoint, model, body
):
    before = model.objects.count()

    response = send(client, "post", f"/api/v1/{endpoint}/", body, write_officer)

    assert_problem(response, FORBIDDEN)
    assert model.objects.count() == before


def test_a_user_with_no_city_cannot_write_at_all(client, write_officer):
    nobody = make_officer("no-city")
    InnovationTeamFactory(city=City.objects.get(slug="bologna"), slug="some-team")

    created = send(
        client,
        "post",
        "/api/v1/teams/",
        {"name": "Mine", "city": "bologna", "kind": "in_house_unit"},
        nobody,
    )
    updated = send(
        client, "patch", "/api/v1/teams/some-team/", {"staff_size": 3}, nobody
    )

    assert created.status_code == 403
    assert updated.status_code == 403
    assert not InnovationTeam.objects.filter(name="Mine").exists()
