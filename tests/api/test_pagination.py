"""Paging a list (on the case list): count, next and previous links, 20 records a page
unless asked, at most 100, and a problem for a malformed page or page size (400) or a
page past the end (404). Every request here is anonymous.

Paging across a member's unpublished cases and the published ones is test_case_list.py.
"""

from __future__ import annotations

import pytest

from tests.factories import CaseStudyFactory

from .helpers import API, assert_problem, get, invalid

pytestmark = pytest.mark.django_db


def test_the_list_pages_with_count_next_and_previous(client, demo):
    vienna = get(client, "/api/v1/cases/vienna-innovation-pitch-fund/").json()
    bologna = get(client, "/api/v1/cases/bologna-neighbourhood-labs/").json()

    first = get(client, "/api/v1/cases/?page_size=1")
    second = get(client, first.json()["next"])
    last = get(client, "/api/v1/cases/?page=last&page_size=1")

    assert first.json() == {
        "count": 2,
        "next": f"{API}/cases/?page=2&page_size=1",
        "previous": None,
        "results": [vienna],
    }
    assert second.json() == {
        "count": 2,
        "next": None,
        "previous": f"{API}/cases/?page_size=1",
        "results": [bologna],
    }
    assert last.json() == second.json()


def test_the_default_page_is_twenty_records(client, demo):
    CaseStudyFactory.create_batch(25, published=True)

    response = get(client, "/api/v1/cases/")

    payload = response.json()
    assert payload["count"] == 27
    assert len(payload["results"]) == 20
    assert payload["next"] == f"{API}/cases/?page=2"
    assert payload["previous"] is None


def test_a_page_size_over_100_gives_100_records_a_page(client, demo):
    CaseStudyFactory.create_batch(105, published=True)

    first = get(client, "/api/v1/cases/?page_size=500")
    second = get(client, "/api/v1/cases/?page=2&page_size=500")

    assert first.status_code == 200
    assert first.json()["count"] == 107
    assert len(first.json()["results"]) == 100
    assert first.json()["next"] == f"{API}/cases/?page=2&page_size=500"
    assert len(second.json()["results"]) == 7
    assert second.json()["next"] is None
    assert not {r["slug"] for r in first.json()["results"]} & {
        r["slug"] for r in second.json()["results"]
    }


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("page=0", "page", "Give a page number from 1."),
        ("page=-1", "page", "Give a page number from 1."),
        ("page=abc", "page", "Give a page number from 1."),
        ("page=1.5", "page", "Give a page number from 1."),
        ("page=%D9%A1", "page", "Give a page number from 1."),  # an Arabic-Indic 1
        ("page_size=0", "page_size", "Give a whole number from 1 to 100."),
        ("page_size=-5", "page_size", "Give a whole number from 1 to 100."),
        ("page_size=ten", "page_size", "Give a whole number from 1 to 100."),
        ("page_size=1e3", "page_size", "Give a whole number from 1 to 100."),
    ],
)
def test_a_malformed_page_or_page_size_is_a_400_naming_the_parameter(
    client, demo, query, param, message
):
    response = get(client, f"/api/v1/cases/?{query}")

    assert_problem(response, invalid({param: [message]}))


def test_a_page_past_the_end_is_a_404_problem(client, demo):
    response = get(client, "/api/v1/cases/?page=3&page_size=1")

    assert_problem(
        response,
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "Invalid page.",
            "code": "not_found",
        },
    )
