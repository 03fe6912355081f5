"""A missing page is a helpful HTML page on the site, and a problem document in the API."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_suggests_where_to_go(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "<h1>Page not found</h1>" in body
    assert 'href="/en/cases/"' in body


def test_a_missing_api_address_is_a_problem_document(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no API endpoint at this address.",
        "code": "not_found",
    }
