"""CORS: any origin may read the API, no preflight for a write is approved, and the
website itself sends no CORS headers.
"""

from __future__ import annotations

import pytest

from .helpers import CASE, get

pytestmark = pytest.mark.django_db


def test_any_origin_may_read_the_api(client, demo):
    response = get(client, CASE, Origin="https://example.org")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = [h.strip() for h in response["Access-Control-Expose-Headers"].split(",")]
    assert "ETag" in exposed
    assert "Last-Modified" in exposed
    assert "Retry-After" in exposed


def test_a_preflight_for_a_write_gets_no_approval(client, demo):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.options(
            "/api/v1/cases/",
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        allowed = [
            m.strip()
            for m in response.get("Access-Control-Allow-Methods", "").split(",")
        ]
        assert method not in allowed
        assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_for_a_read_is_approved(client, demo):
    response = client.options(
        CASE,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
        },
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_the_website_itself_sends_no_cors_headers(client, demo):
    response = client.get("/en/cases/", headers={"Origin": "https://example.org"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
