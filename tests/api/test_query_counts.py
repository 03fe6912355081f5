"""Query counts: every list costs as many queries for thirty records as for one."""

from __future__ import annotations

import pytest

from innovation_cases.engine import search as engine_search
from tests.factories import OrganisationFactory, populate

from .helpers import assert_no_internal_ids, get

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_many(db: None) -> None:
    """Thirty cities with every kind of record, and thirty organisations; the search
    index built and brought up to date, as it is before the site serves."""
    cases = populate(30)
    for n, case in enumerate(cases):
        OrganisationFactory(city=case.city, slug=f"read-organisation-{n}")
    engine_search.search()


@pytest.mark.parametrize(
    ("endpoint", "max_queries"),
    [
        # The search index's journal, Last-Modified, the page, then one query per
        # prefetched relation (the engine counts).
        ("cases", 10),
        ("cities", 7),
        ("districts", 2),  # no Last-Modified: a district has no updated_at
        ("teams", 4),
        ("labs", 3),
        ("strategies", 4),
        ("funding-programmes", 3),
        ("organisations", 2),
    ],
)
def test_a_list_costs_as_many_queries_for_thirty_records_as_for_one(
    client, read_many, django_assert_max_num_queries, endpoint, max_queries
):
    with django_assert_max_num_queries(max_queries):
        one = get(client, f"/api/v1/{endpoint}/?page_size=1")
    with django_assert_max_num_queries(max_queries):
        thirty = get(client, f"/api/v1/{endpoint}/?page_size=30")

    assert len(one.json()["results"]) == 1
    assert len(thirty.json()["results"]) == 30
    assert_no_internal_ids(thirty.json())
