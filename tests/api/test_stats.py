"""/api/v1/stats/: the capacity shares say what they are computed of, and never count a
city about which nothing is recorded as a city without (the rule of
CityQuerySet.with_capacity). The other figures are tests/innovation_cases/test_stats.py."""

from __future__ import annotations

import pytest

from cities.models import Strategy
from tests.factories import (
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    StrategyFactory,
)

from .helpers import get

pytestmark = pytest.mark.django_db


def test_the_shares_leave_out_the_cities_with_nothing_recorded(client):
    InnovationTeamFactory()  # a team: yes; nothing about a strategy
    StrategyFactory(status=Strategy.Status.ADOPTED)  # a formal strategy; no team known
    CityFactory(states_no_team=True, states_no_strategy=True)  # states it has neither
    FundingProgrammeFactory()  # a programme says nothing of a team or a strategy
    CityFactory.create_batch(2)  # nothing recorded

    data = get(client, "/api/v1/stats/").json()

    assert data["city_count"] == 6
    assert data["team_share"] == {
        "part": 1,
        "whole": 2,
        "not_recorded": 4,
        "fraction": 0.5,
        "percent": 50,
    }
    assert data["strategy_share"] == {
        "part": 1,
        "whole": 2,
        "not_recorded": 4,
        "fraction": 0.5,
        "percent": 50,
    }


def test_with_no_recorded_answer_the_shares_are_null(client):
    CityFactory()

    data = get(client, "/api/v1/stats/").json()

    assert data["team_share"] == {
        "part": 0,
        "whole": 0,
        "not_recorded": 1,
        "fraction": None,
        "percent": None,
    }


def test_a_city_with_nothing_recorded_has_null_capacity_answers(client, demo):
    data = get(client, "/api/v1/cities/bratislava/").json()
    assert (data["has_dedicated_team"], data["has_formal_strategy"]) == (None, None)
    # A team is recorded; nothing about a strategy, and nothing stated: null, not false.
    data = get(client, "/api/v1/cities/bologna/").json()
    assert (data["has_dedicated_team"], data["has_formal_strategy"]) == (True, None)


def test_a_city_shows_its_statements_and_the_answers_they_give(client):
    CityFactory(slug="cork", states_no_team=True)
    data = get(client, "/api/v1/cities/cork/").json()
    assert (data["has_dedicated_team"], data["has_formal_strategy"]) == (False, None)
    assert (data["states_no_team"], data["states_no_strategy"]) == (True, False)


def test_the_statements_are_not_written_through_the_api(officer_a_client, city_a):
    # Cities are read-only in the API: an officer states these in the workspace.
    response = officer_a_client.patch(
        f"/api/v1/cities/{city_a.slug}/", {"states_no_team": True}, format="json"
    )
    assert response.status_code == 405
    city_a.refresh_from_db()
    assert city_a.states_no_team is False


def test_the_schema_says_what_each_answer_and_statement_means(client):
    response = client.get("/api/schema/", {"format": "json"})
    city = response.json()["components"]["schemas"]["City"]["properties"]
    assert (
        "false when the city states it has none"
        in city["has_dedicated_team"]["description"]
    )
    assert "null when neither" in city["has_formal_strategy"]["description"]
    assert city["states_no_team"]["readOnly"] is True
    assert "A recorded team takes precedence" in city["states_no_team"]["description"]
    assert city["states_no_strategy"]["type"] == "boolean"
