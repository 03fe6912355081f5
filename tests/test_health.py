"""/healthz and /readyz: what a load balancer's probes are told (config/health.py)."""

import logging
from typing import Any

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection

from innovation_cases.engine import journal

pytestmark = pytest.mark.django_db


def test_healthz_says_alive_without_asking_anything_else(
    client: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response["Cache-Control"] == "no-store"


def test_a_probe_by_the_nodes_address_over_plain_http_is_answered(
    client: Any, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["atlas.example.eu"]
    settings.SECURE_SSL_REDIRECT = True
    journal.sync()

    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.7:8000")
        assert response.status_code == 200, path
    # Any other page is still refused to that host, and redirected to HTTPS.
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/", HTTP_HOST="atlas.example.eu").status_code == 301


def test_readyz_reports_the_database_the_cache_and_the_index_lag(client: Any) -> None:
    journal.sync()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "ready",
        "checks": {
            "database": {"status": "ok"},
            "cache": {"status": "ok"},
            "search_index": {"status": "ok", "pending": 0},
        },
    }


def test_readyz_counts_the_journal_entries_the_index_has_still_to_apply(
    client: Any,
) -> None:
    journal.sync()
    journal.record([1, 2, 3])

    checks = client.get("/readyz").json()["checks"]

    # One entry a case.
    assert checks["search_index"] == {"status": "ok", "pending": 3}


def test_without_a_search_index_the_node_is_not_ready(client: Any) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["search_index"] == {
        "status": "error",
        "error": "No search index: run `manage.py search_index sync`.",
    }


def test_when_the_database_fails_the_node_is_not_ready(
    client: Any, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    journal.sync()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/readyz")

    # One warning naming what failed, not the error line of an unexpected 5xx.
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [("WARNING", "Not ready: database, search_index")]

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"status": "error", "error": "OperationalError"}
    assert checks["search_index"] == {"status": "error", "error": "OperationalError"}


def test_a_cache_that_does_not_answer_leaves_the_node_ready(
    client: Any, monkeypatch: Any
) -> None:
    journal.sync()
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["cache"] == {"status": "degraded"}


def test_only_get_and_head_are_probes(client: Any) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code != 200
