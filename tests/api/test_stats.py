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
    InnovationTeamFactory()  # a team: yes, no formal strategy
    StrategyFactory(status=Strategy.Status.ADOPTED)  # a formal strategy, no team
    FundingProgrammeFactory()  # on record with neither
    CityFactory.create_batch(2)  # nothing recorded

    data = get(client, "/api/v1/stats/").json()

    assert data["city_count"] == 5
    assert data["team_share"] == {
        "part": 1,
        "whole": 3,
        "not_recorded": 2,
        "fraction": pytest.approx(1 / 3),
        "percent": 33,
    }
    assert data["strategy_share"] == {
        "part": 1,
        "whole": 3,
        "not_recorded": 2,
        "fraction": pytest.approx(1 / 3),
        "percent": 33,
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
    data = get(client, "/api/v1/cities/bologna/").json()
    assert (data["has_dedicated_team"], data["has_formal_strategy"]) == (True, False)
