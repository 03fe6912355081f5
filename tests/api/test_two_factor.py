"""The API's side of two-factor log-in: a write with the website's session cookie needs
a session verified with the second factor, for those who use one; a token stands for
a verified session; reads are anyone's."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cities.models import InnovationTeam
from tests.factories import authenticator

pytestmark = pytest.mark.django_db

URL = "/api/v1/teams/aville-lab/"
BODY = {"mandate": "Test new services with residents."}


def unverified_session(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_session_write_by_a_superuser_needs_the_second_factor(
    world, superuser, csrf_headers
):
    client = unverified_session(superuser)

    response = client.patch(URL, BODY, format="json", **csrf_headers(client))

    assert response.status_code == 403
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": (
            "Your session has not been verified with your second factor. Log in "
            "again with the code from your authenticator app, or use a personal API "
            "token."
        ),
        "code": "permission_denied",
    }
    assert InnovationTeam.objects.get(slug="aville-lab").mandate != BODY["mandate"]
    assert client.get(URL).status_code == 200  # Reading needs nothing.


def test_an_officer_who_turned_it_on_writes_only_from_a_verified_session(
    world, officer_a, session_client, csrf_headers
):
    authenticator(officer_a)
    unverified = unverified_session(officer_a)
    refused = unverified.patch(URL, BODY, format="json", **csrf_headers(unverified))
    assert refused.status_code == 403

    verified = session_client(officer_a)
    response = verified.patch(URL, BODY, format="json", **csrf_headers(verified))

    assert response.status_code == 200
    assert response.json()["mandate"] == BODY["mandate"]


def test_a_token_stands_for_a_verified_session(world, officer_a, officer_a_token):
    authenticator(officer_a)
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {officer_a_token}")

    response = client.patch(URL, BODY, format="json")

    assert response.status_code == 200
