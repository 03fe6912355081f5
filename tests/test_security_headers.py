"""The headers every public page carries."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_forbid_inline_scripts_and_allow_only_the_map_tiles_from_elsewhere(
    client,
):
    policy = client.get("/en/").headers["Content-Security-Policy"]
    directives = {
        name: values for name, *values in (part.split() for part in policy.split("; "))
    }
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == [
        "'self'",
        "data:",
        "https://tile.openstreetmap.org",
    ]
    assert directives["frame-ancestors"] == ["'none'"]


def test_pages_are_not_framed_and_not_sniffed(client):
    response = client.get("/en/cases/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
