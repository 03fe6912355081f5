"""A Redis outage (config/redis_cache.py): every page and API call is served without
the cache, the outage is logged once per interval rather than per request, and after a
failure Redis is not asked again until a short back-off ends, so no request waits for
it. Throttling fails open: while its store is down, nobody is throttled.

Each test points the cache at a port where nothing listens (or at a server that
accepts but never answers), with the page cache on, as in production with REDIS_URL.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from accounts.models import ApiToken
from config import redis_cache
from tests.factories import CaseStudyFactory, CityFactory, MembershipFactory

PASSWORD = "correct horse battery staple"


class Clock:
    """Stands in for time.monotonic in config.redis_cache: the tests move it on."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound by the system, then freed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_redis_at(settings: Any, location: str) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "config.redis_cache.RedisCache", "LOCATION": location}
    }
    # On with REDIS_URL in production; the suite's conftest turns it off.
    settings.PAGE_CACHE = True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(redis_cache, "monotonic", clock, raising=False)
    return clock


@pytest.fixture
def fresh_outage_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """No back-off or warning carried over from another test on the same port."""
    monkeypatch.setattr(redis_cache, "_health", {}, raising=False)


@pytest.fixture
def redis_down(settings: Any, clock: Clock, fresh_outage_state: None) -> None:
    use_redis_at(settings, f"redis://127.0.0.1:{closed_port()}/0")


@pytest.fixture
def redis_hung(settings: Any, clock: Clock, fresh_outage_state: None) -> Iterator[None]:
    """A server that accepts connections (the kernel completes them) but never reads
    or answers: what a stalled Redis looks like to the client."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        use_redis_at(settings, f"redis://127.0.0.1:{server.getsockname()[1]}/0")
        yield


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the client's attempts to open a connection to Redis."""
    attempts: list[int] = []
    original: Callable[..., Any] = redis.connection.Connection._connect

    def counted(self: Any) -> Any:
        attempts.append(1)
        return original(self)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counted)
    return attempts


@pytest.fixture
def site(db: None) -> dict[str, Any]:
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    officer = MembershipFactory(city=city).user
    return {
        "city": city,
        "officer": officer,
        "token": ApiToken.issue(user=officer, name="Import script")[1],
        "published": CaseStudyFactory(
            city=city, title="Participatory budget", slug="budget", published=True
        ),
        "draft": CaseStudyFactory(city=city, title="Benches", slug="benches"),
    }


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == "config.redis_cache" and record.levelno == logging.WARNING
    ]


# --- Everything answers -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/v1/cases/", "/api/v1/cases/budget/", "/api/v1/stats/", "/api/schema/"],
)
def test_the_api_answers_while_redis_is_down(redis_down, site, url):
    response = Client().get(url)

    assert response.status_code == 200, response.content[:500]


def test_an_api_call_with_a_token_answers_while_redis_is_down(redis_down, site):
    client = Client(headers={"Authorization": f"Bearer {site['token']}"})

    listed = client.get("/api/v1/cases/")
    patched = client.patch(
        "/api/v1/cases/benches/",
        {"results": "Forty benches."},
        content_type="application/json",
    )

    assert listed.status_code == 200, listed.content[:500]
    # The officer's own draft too: the request was authenticated.
    assert sorted(case["slug"] for case in listed.json()["results"]) == [
        "benches",
        "budget",
    ]
    assert patched.status_code == 200, patched.content[:500]
    assert patched.json()["results"] == "Forty benches."


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/en/", "Participatory budget"),
        ("/en/cases/", "Participatory budget"),
        ("/en/cases/budget/", "Participatory budget"),
        ("/en/cities/", "Ghent"),
        ("/en/cities/ghent/", "Participatory budget"),
    ],
)
def test_the_pages_answer_while_redis_is_down(redis_down, site, url, text):
    response = Client().get(url)

    assert response.status_code == 200
    assert text in response.text


def test_logging_in_works_while_redis_is_down(redis_down, site):
    officer = site["officer"]
    officer.set_password(PASSWORD)
    officer.save()
    client = Client()

    response = client.post(
        "/account/login/", {"username": officer.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/account/tokens/").status_code == 200


def test_a_redis_that_never_answers_is_treated_as_down(redis_hung, site, caplog):
    with caplog.at_level(logging.WARNING, logger="config.redis_cache"):
        response = Client().get("/api/v1/cases/")

    assert response.status_code == 200, response.content[:500]
    assert len(warnings_of(caplog)) == 1


def test_the_redis_client_gives_up_within_a_second(redis_down):
    # Redis's own default is 5 s to connect and 5 s per reply: a black-holed server
    # would hold a request for that long on every cache call.
    options = cache._cache.get_client().connection_pool.connection_kwargs

    assert 0 < options["socket_connect_timeout"] <= 1
    assert 0 < options["socket_timeout"] <= 1


# --- Throttling fails open ----------------------------------------------------------


def test_nobody_is_throttled_while_redis_is_down(redis_down, site, api_rates):
    api_rates(anon="2/minute")
    client = Client()

    statuses = [client.get("/api/v1/cases/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


# --- No request waits for a Redis that is down, and the log is not flooded ----------


def test_after_a_failure_redis_is_not_asked_again_until_the_back_off_ends(
    redis_down, site, clock, connects
):
    client = Client()

    assert client.get("/api/v1/cases/").status_code == 200
    assert len(connects) == 1  # The first cache call fails; the others skip Redis.
    for url in ("/api/v1/cases/", "/en/cases/", "/api/v1/stats/"):
        assert client.get(url).status_code == 200
    assert len(connects) == 1

    clock.advance(redis_cache.RETRY_SECONDS)
    assert client.get("/api/v1/cases/").status_code == 200

    assert len(connects) == 2  # One try after the back-off, which fails again.


def test_the_outage_is_logged_once_per_interval_not_per_request(
    redis_down, site, clock, caplog
):
    client = Client()

    with caplog.at_level(logging.INFO, logger="config.redis_cache"):
        for _ in range(3):
            assert client.get("/api/v1/cases/").status_code == 200
        # Past the back-off, Redis is tried and fails again: still the same warning.
        clock.advance(redis_cache.RETRY_SECONDS)
        assert client.get("/api/v1/cases/").status_code == 200
        assert len(warnings_of(caplog)) == 1

        clock.advance(redis_cache.WARNING_SECONDS)
        assert client.get("/api/v1/cases/").status_code == 200

    logged = warnings_of(caplog)
    assert len(logged) == 2
    assert "Connection refused" in logged[0].getMessage()
    assert "serving without the cache" in logged[0].getMessage()


# --- Back to normal -----------------------------------------------------------------


def test_the_cache_is_used_again_once_redis_answers(
    settings, clock, fresh_outage_state, monkeypatch, caplog
):
    use_redis_at(settings, "redis://127.0.0.1:6379/9")
    try:
        cache.set("atlas-test-outage", "kept", 30)
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    original = redis.connection.Connection._connect

    def refused(self: Any) -> Any:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(redis.connection.Connection, "_connect", refused)
    cache._cache.get_client().connection_pool.disconnect()
    with caplog.at_level(logging.INFO, logger="config.redis_cache"):
        assert cache.get("atlas-test-outage", "missing") == "missing"
        monkeypatch.setattr(redis.connection.Connection, "_connect", original)
        assert cache.get("atlas-test-outage", "missing") == "missing"  # Backing off.

        clock.advance(redis_cache.RETRY_SECONDS)

        assert cache.get("atlas-test-outage", "missing") == "kept"
    logged = [r for r in caplog.records if r.name == "config.redis_cache"]
    assert [record.levelno for record in logged] == [logging.WARNING, logging.INFO]
    assert "answers again" in logged[1].getMessage()
    cache.delete("atlas-test-outage")
