"""Errors of the API as a whole: an unknown API address is a JSON 404 problem (while
the website's stays an HTML page), and a NUL byte in a query parameter is a 400 problem
on every endpoint. Every request here is anonymous.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from .helpers import NUL_MESSAGE, assert_problem, get, invalid

pytestmark = pytest.mark.django_db


# --- NUL bytes in a query --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cities/?search=%00",
        "/api/v1/districts/?city=%00",
        "/api/v1/teams/?kind=%00",
        "/api/v1/labs/?team=%00",
        "/api/v1/strategies/?status=%00",
        "/api/v1/funding-programmes/?allocation=%00",
        "/api/v1/organisations/?page=%00",
        "/api/v1/themes/?x=%00",
        "/api/v1/stats/?x=%00",
    ],
)
def test_a_nul_byte_is_refused_by_every_endpoint(client, demo, url):
    response = get(client, url)

    param = url.split("?")[1].split("=")[0]
    assert_problem(response, invalid({param: [NUL_MESSAGE]}))


# --- Not found ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here/", "/api/v2/cases/", "/api/v1/cases/a/b/c/"]
)
def test_an_unknown_api_address_is_a_json_404_problem(client, db, url):
    assert settings.DEBUG is False

    response = get(client, url)

    assert_problem(
        response,
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "There is no API endpoint at this address.",
            "code": "not_found",
        },
    )


def test_an_unknown_page_of_the_website_is_still_html(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
