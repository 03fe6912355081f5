"""Throttling: an anonymous reader over the rate gets a 429 problem, the requests
counted across every endpoint. (How the throttles count: tests/test_throttling.py.)
"""

from __future__ import annotations

import re

import pytest

from .helpers import CASE, PROBLEM, get

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_anon_rate_3_a_minute(api_rates) -> None:
    """Anonymous readers may make 3 requests a minute."""
    api_rates(anon="3/minute")


def test_an_anonymous_reader_over_the_rate_gets_a_429_problem(
    client, demo, read_anon_rate_3_a_minute
):
    for _ in range(3):
        assert get(client, CASE).status_code == 200

    response = get(client, CASE)

    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert 0 < int(response["Retry-After"]) <= 60
    problem = response.json()
    assert re.fullmatch(
        r"Request was throttled\. Expected available in \d+ seconds?\.",
        problem.pop("detail"),
    )
    assert problem == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "code": "throttled",
    }


def test_the_rate_is_counted_across_endpoints(client, demo, read_anon_rate_3_a_minute):
    for url in ("/api/v1/cases/", "/api/v1/cities/", "/api/v1/stats/"):
        assert get(client, url).status_code == 200

    assert get(client, "/api/v1/themes/").status_code == 429
