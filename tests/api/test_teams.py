"""The teams endpoint, /api/v1/teams/: a filtered list, read whole (anonymously), and
an officer of Bologna, with a personal token, creating and updating Bologna's teams.
"""

from __future__ import annotations

import re

import pytest

from cities.models import InnovationTeam

from .helpers import (
    API,
    BOLOGNA,
    FORBIDDEN,
    IU_TEAM,
    assert_problem,
    city_ref,
    get,
    invalid,
    iso,
    read,
    send,
)

pytestmark = pytest.mark.django_db


# --- Reading --------------------------------------------------------------------------


def test_a_filtered_team_list_is_the_whole_payload(client, read_capacity):
    imco = InnovationTeam.objects.get(slug="imco-vienna")

    response = get(client, "/api/v1/teams/?city=vienna&kind=coordination_office")

    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "url": f"{API}/teams/imco-vienna/",
                "slug": "imco-vienna",
                "name": "Innovation Management Coordination Office (IMCO)",
                "city": city_ref("vienna", "Vienna", "AT"),
                "kind": "coordination_office",
                "year_established": None,
                "mandate": imco.mandate,
                "staff_size": None,
                "website": "",
                "parent": None,
                "labs": [
                    {
                        "url": f"{API}/labs/imco-lab-leopoldstadt/",
                        "slug": "imco-lab-leopoldstadt",
                        "name": "IMCO lab, Leopoldstadt",
                    }
                ],
                "web_url": "http://testserver/teams/imco-vienna/",
                "updated_at": iso(imco.updated_at),
            }
        ],
    }


# --- Writing --------------------------------------------------------------------------


def test_an_officer_creates_a_team(client, write_officer):
    body = {
        "name": "Bologna Digital Office",
        "city": "bologna",
        "kind": "in_house_unit",
        "year_established": 2019,
        "mandate": "Digital services for the city.",
        "staff_size": 12,
        "website": "https://example.org/digital",
        "parent": "fondazione-iu-rusconi-ghigi",
    }

    response = send(client, "post", "/api/v1/teams/", body, write_officer)

    assert response.status_code == 201, response.content
    team = InnovationTeam.objects.get(slug="bologna-digital-office")
    assert response["Location"] == f"{API}/teams/bologna-digital-office/"
    assert response.json() == {
        "url": f"{API}/teams/bologna-digital-office/",
        "slug": "bologna-digital-office",
        "name": "Bologna Digital Office",
        "city": BOLOGNA,
        "kind": "in_house_unit",
        "year_established": 2019,
        "mandate": "Digital services for the city.",
        "staff_size": 12,
        "website": "https://example.org/digital",
        "parent": IU_TEAM,
        "labs": [],
        "web_url": "http://testserver/teams/bologna-digital-office/",
        "updated_at": iso(team.updated_at),
    }
    assert team.parent.slug == "fondazione-iu-rusconi-ghigi"


def test_an_officer_updates_a_team(client, write_officer):
    url = "/api/v1/teams/fondazione-iu-rusconi-ghigi/"
    etag = read(client, url)["ETag"]

    response = send(
        client, "patch", url, {"staff_size": 30}, write_officer, If_Match=etag
    )

    assert response.status_code == 200, response.content
    assert response.json()["staff_size"] == 30
    assert (
        InnovationTeam.objects.get(slug="fondazione-iu-rusconi-ghigi").staff_size == 30
    )
    stale = send(client, "patch", url, {"staff_size": 1}, write_officer, If_Match=etag)
    assert stale.status_code == 412
    assert (
        InnovationTeam.objects.get(slug="fondazione-iu-rusconi-ghigi").staff_size == 30
    )


def test_an_empty_slug_for_a_relation_that_may_be_empty_is_none_as_the_schema_says(
    client, write_officer
):
    url = "/api/v1/teams/fondazione-iu-rusconi-ghigi/"
    schema = client.get("/api/schema/", {"format": "json"}).json()
    parent = schema["components"]["schemas"]["PatchedInnovationTeamRequest"][
        "properties"
    ]["parent"]
    assert parent["nullable"]
    assert re.fullmatch(parent["pattern"].strip("^$"), "")
    assert not re.fullmatch(parent["pattern"].strip("^$"), "not a slug")

    response = send(client, "patch", url, {"parent": ""}, write_officer)

    assert response.status_code == 200, response.content
    assert response.json()["parent"] is None


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"parent": "imco-vienna"},
            {"parent": ["The parent team must belong to the same city."]},
        ),
        (
            {"kind": "garage"},
            {"kind": ['"garage" is not a valid choice.']},
        ),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"city": "atlantis"}, {"city": ["No record has the slug “atlantis”."]}),
    ],
)
def test_an_invalid_team_is_a_400(client, write_officer, change, errors):
    before = InnovationTeam.objects.count()
    body = {"name": "New team", "city": "bologna", "kind": "in_house_unit", **change}

    response = send(client, "post", "/api/v1/teams/", body, write_officer)

    assert_problem(response, invalid(errors))
    assert InnovationTeam.objects.count() == before


def test_a_team_cannot_be_moved_to_another_city(client, write_officer):
    url = "/api/v1/teams/fondazione-iu-rusconi-ghigi/"

    response = send(client, "patch", url, {"city": "vienna"}, write_officer)

    assert_problem(response, FORBIDDEN)
    assert (
        InnovationTeam.objects.get(slug="fondazione-iu-rusconi-ghigi").city.slug
        == "bologna"
    )
