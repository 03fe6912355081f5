"""The labs endpoint, /api/v1/labs/: an officer of Bologna, with a personal token,
creating Bologna's labs and moving them between districts, never to another city; a lab's
city is its team's, read-only, whatever a POST says (issue 14).
"""

from __future__ import annotations

import pytest

from cities.models import Lab

from .helpers import (
    API,
    BOLOGNA,
    FORBIDDEN,
    HOSTILE_VALUES,
    IU_TEAM,
    NAVILE,
    VALID_BODIES,
    assert_problem,
    invalid,
    iso,
    send,
)

pytestmark = pytest.mark.django_db


def test_an_officer_creates_a_lab_in_a_district_of_the_teams_city(
    client, write_officer
):
    body = {
        "name": "Navile makerspace",
        "team": "fondazione-iu-rusconi-ghigi",
        "district": "navile",
        "description": "Tools for residents.",
        "municipal_staff_min": 1,
        "municipal_staff_max": 2,
        "partner_staff_min": 3,
        "partner_staff_max": 3,
    }

    response = send(client, "post", "/api/v1/labs/", body, write_officer)

    assert response.status_code == 201, response.content
    lab = Lab.objects.get(slug="navile-makerspace")
    assert response["Location"] == f"{API}/labs/navile-makerspace/"
    assert response.json() == {
        "url": f"{API}/labs/navile-makerspace/",
        "slug": "navile-makerspace",
        "name": "Navile makerspace",
        "team": IU_TEAM,
        "city": BOLOGNA,
        "district": NAVILE,
        "description": "Tools for residents.",
        "municipal_staff_min": 1,
        "municipal_staff_max": 2,
        "partner_staff_min": 3,
        "partner_staff_max": 3,
        "municipal_staff": "1–2",
        "partner_staff": "3",
        "updated_at": iso(lab.updated_at),
    }
    assert lab.district.city.slug == "bologna"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"district": "leopoldstadt"},
            {"district": ["Bologna has no district with the slug “leopoldstadt”."]},
        ),
        (
            {"district": "nowhere"},
            {"district": ["Bologna has no district with the slug “nowhere”."]},
        ),
        ({"team": "no-team"}, {"team": ["No record has the slug “no-team”."]}),
        (
            {"municipal_staff_min": 3, "municipal_staff_max": 2},
            {"municipal_staff_max": ["The most cannot be below the least."]},
        ),
    ],
)
def test_an_invalid_lab_is_a_400(client, write_officer, change, errors):
    before = Lab.objects.count()
    body = {"name": "New lab", "team": "fondazione-iu-rusconi-ghigi", **change}

    response = send(client, "post", "/api/v1/labs/", body, write_officer)

    assert_problem(response, invalid(errors))
    assert Lab.objects.count() == before


def test_an_officer_moves_a_lab_to_another_district_by_slug(client, write_officer):
    url = "/api/v1/labs/iu-lab-navile/"

    response = send(client, "patch", url, {"district": "savena"}, write_officer)

    assert response.status_code == 200, response.content
    assert response.json()["district"] == {
        "url": f"{API}/districts/bologna/savena/",
        "slug": "savena",
        "name": "Savena",
    }
    assert Lab.objects.get(slug="iu-lab-navile").district.slug == "savena"


def test_a_lab_cannot_move_to_a_team_of_another_city(client, write_officer):
    url = "/api/v1/labs/iu-lab-navile/"

    response = send(
        client, "patch", url, {"team": "imco-vienna", "district": None}, write_officer
    )

    assert_problem(response, FORBIDDEN)
    assert Lab.objects.get(slug="iu-lab-navile").team.slug == (
        "fondazione-iu-rusconi-ghigi"
    )


# --- A lab's city, in a POST ----------------------------------------------------------


# (Issue 14: a lab's read-only `city` in a POST raised SkipField, a 500.)


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_labs_city_in_a_post_is_ignored_not_a_500(client, write_officer, value):
    """The reproduction from issue 14: any value for a lab's read-only city."""
    body = {**VALID_BODIES["labs"], "city": value}

    response = send(client, "post", "/api/v1/labs/", body, write_officer)

    assert response.status_code == 201, response.content
    assert response.json()["city"] == BOLOGNA
    assert Lab.objects.get(name="Hostile bodies").team.city.slug == "bologna"


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_labs_city_in_an_invalid_post_is_a_400_not_a_500(
    client, write_officer, value
):
    """The reproduction from issue 14: the body is checked for the city's officers
    before its details, and the read-only city raised SkipField there."""
    response = send(client, "post", "/api/v1/labs/", {"city": value}, write_officer)

    assert_problem(
        response,
        invalid(
            {"name": ["This field is required."], "team": ["This field is required."]}
        ),
    )
