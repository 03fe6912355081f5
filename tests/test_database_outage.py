"""A database that fails (core/outage.py), in this process: every page a 503 page, the
API a 503 problem, both with Retry-After, logged as one warning; a failed write stored
not at all; a bug still a 500.

The connection is made to fail as a database that is down makes it fail: every attempt
to use it raises Django's OperationalError, as psycopg's "connection refused" becomes
(no SQLSTATE). tests/test_outage_live.py stops a real PostgreSQL under a real server.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connection,
    connections,
)
from django.http import HttpRequest, HttpResponse
from django.test import Client

from accounts.models import ApiToken
from core.outage import is_database_unavailable
from innovation_cases.engine import journal
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, CityFactory, MembershipFactory

PASSWORD = "correct horse battery staple"
REFUSED = (
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
    "Connection refused\n\tIs the server running on that host and accepting TCP/IP "
    "connections?"
)


def wrapped(driver_error: BaseException, django_class: type = OperationalError) -> Any:
    """Django's error for a driver's, as Django raises it (the driver's as its cause)."""
    error = django_class(*driver_error.args)
    error.__cause__ = driver_error
    return error


def sqlite_error(locked: bool) -> sqlite3.OperationalError:
    """A real SQLite error: "database is locked" (another writer holds it), or "no such
    table" (a bug)."""
    first = sqlite3.connect(
        ":memory:" if not locked else "file:lock?mode=memory&cache=shared", uri=True
    )
    try:
        if locked:
            first.execute("CREATE TABLE t (x)")
            first.execute("BEGIN EXCLUSIVE")
            second = sqlite3.connect(
                "file:lock?mode=memory&cache=shared", uri=True, timeout=0
            )
            try:
                second.execute("SELECT * FROM t")
            finally:
                second.close()
        else:
            first.execute("SELECT * FROM missing")
    except sqlite3.OperationalError as error:
        return error
    finally:
        first.close()
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (wrapped(psycopg.OperationalError(REFUSED)), True),
        (wrapped(psycopg.errors.AdminShutdown("terminating connection")), True),
        (wrapped(psycopg.errors.CannotConnectNow("starting up")), True),
        (wrapped(psycopg.errors.TooManyConnections("too many clients")), True),
        (wrapped(psycopg.errors.DeadlockDetected("deadlock detected")), True),
        (wrapped(psycopg.errors.LockNotAvailable("lock timeout")), True),
        (wrapped(psycopg.errors.QueryCanceled("statement timeout")), True),
        (InterfaceError("connection already closed"), True),
        (wrapped(psycopg.errors.ProgramLimitExceeded("too many columns")), False),
        (
            wrapped(psycopg.errors.UndefinedTable("no such table"), ProgrammingError),
            False,
        ),
        (wrapped(psycopg.errors.UniqueViolation("duplicate"), IntegrityError), False),
        (ValueError("not the database"), False),
    ],
    ids=lambda value: type(getattr(value, "__cause__", None) or value).__name__,
)
def test_which_errors_say_the_database_is_unavailable(error, unavailable):
    assert is_database_unavailable(error) is unavailable


def test_sqlite_busy_is_unavailable_and_a_missing_table_is_a_bug():
    assert is_database_unavailable(wrapped(sqlite_error(locked=True))) is True
    assert is_database_unavailable(wrapped(sqlite_error(locked=False))) is False


# --- A database that is down --------------------------------------------------------


@pytest.fixture
def site(db: None) -> dict[str, Any]:
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    officer = MembershipFactory(city=city).user
    officer.set_password(PASSWORD)
    officer.save()
    CaseStudyFactory(
        city=city, title="Participatory budget", slug="budget", published=True
    )
    journal.sync()  # The search index, built while the database answers.
    return {
        "officer": officer,
        "token": ApiToken.issue(user=officer, name="Import script")[1],
    }


class Down:
    """Makes this thread's connection fail as a database that is down does, and
    counts how often the site tried to use it."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, error: Exception | None = None
    ) -> None:
        self.attempts = 0
        self.error = error or wrapped(psycopg.OperationalError(REFUSED))
        monkeypatch.setattr(connection, "ensure_connection", self.refuse)

    def refuse(self) -> None:
        self.attempts += 1
        raise self.error


@pytest.fixture
def database_down(db: None) -> Iterator[Callable[..., Down]]:
    """Call it to take the database down (after the test's set-up has used it). Its
    own patch, undone before the test database's rollback needs the connection."""
    patch = pytest.MonkeyPatch()
    yield lambda error=None: Down(patch, error)
    patch.undo()


def assert_unavailable_page(response: HttpResponse) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Request-ID"]
    html = response.content.decode()
    assert "<h1>Service temporarily unavailable</h1>" in html
    assert "reload this page in a moment" in html
    # The site's own page: its header, navigation and style sheet.
    assert 'class="site-header"' in html
    assert "/static/css/site" in html


def assert_unavailable_problem(response: HttpResponse) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The service is temporarily unavailable: try again in 5 seconds.",
        "code": "unavailable",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/en/cases/",
        "/en/cases/?q=budget",
        "/en/cases/budget/",
        "/en/cities/",
        "/en/insights/",
    ],
)
def test_every_page_is_a_503_page_while_the_database_is_down(site, database_down, url):
    database_down()

    assert_unavailable_page(Client().get(url))


@pytest.mark.parametrize(
    "url", ["/api/v1/cases/", "/api/v1/cases/budget/", "/api/v1/cities/ghent/"]
)
def test_the_api_answers_a_503_problem_while_the_database_is_down(
    site, database_down, url
):
    database_down()

    assert_unavailable_problem(Client().get(url))


def test_an_api_write_with_a_token_is_a_503_problem_while_the_database_is_down(
    site, database_down
):
    client = Client(headers={"Authorization": f"Bearer {site['token']}"})
    database_down()

    # The token is looked up first, in DRF's authentication: the API's handler.
    response = client.post(
        "/api/v1/cases/",
        {"city": "ghent", "title": "Benches", "summary": "Where they go."},
        content_type="application/json",
    )

    assert_unavailable_problem(response)


def test_a_signed_in_officers_pages_are_a_503_page_while_the_database_is_down(
    site, database_down
):
    client = Client()
    client.force_login(site["officer"])
    down = database_down()

    # The session and the user are read from the database when the view asks.
    for url in ("/workspace/", "/account/tokens/", "/en/cases/budget/"):
        assert_unavailable_page(client.get(url))
    assert down.attempts == 3  # once a request: the 503 page asked nothing


def test_the_503_page_asks_the_database_nothing(site, database_down):
    client = Client()
    client.force_login(site["officer"])
    down = database_down()

    response = client.get("/en/")

    assert_unavailable_page(response)
    # The view's first query failed; the page, its context processors (the user,
    # the messages) and the middleware on the way out asked nothing more.
    assert down.attempts == 1


def test_the_503_page_keeps_the_header_case_search(site, database_down):
    # Only a form: it reads nothing from the database.
    down = database_down()

    html = Client().get("/en/cases/budget/").content.decode()

    assert '<form class="site-search" method="get" action="/en/cases/"' in html
    assert down.attempts == 1


class ReadsTheUser:
    """A middleware that looks the user up before the view, as some do (a two-factor
    check, say): a database failure there is outside any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.officer = request.user.is_authenticated  # type: ignore[attr-defined]
        return self.get_response(request)


def test_a_database_failure_in_a_middleware_is_a_503_too(site, database_down, settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "tests.test_database_outage.ReadsTheUser",
    ]
    # A real server answers whatever the handler gives; the test client would raise.
    client = Client(raise_request_exception=False)
    client.force_login(site["officer"])
    database_down()

    assert_unavailable_page(client.get("/en/cases/"))
    assert_unavailable_problem(client.get("/api/v1/cases/"))


def test_an_outage_is_one_warning_a_request_without_a_traceback(
    site, database_down, caplog
):
    database_down()

    with caplog.at_level(logging.INFO):
        response = Client().get("/en/cases/?q=budget")

    assert response.status_code == 503
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    (record,) = logged
    assert record.name == "core.outage"
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == (
        "Service Unavailable: GET /en/cases/: the database is unavailable "
        '(OperationalError: connection failed: connection to server at "127.0.0.1", '
        "port 5432 failed: Connection refused)"
    )
    assert "\n" not in record.getMessage()


def test_a_bug_is_still_a_500(site, database_down):
    database_down(wrapped(sqlite_error(locked=False)))

    response = Client(raise_request_exception=False).get("/en/cases/budget/")

    assert response.status_code == 500


# --- Writes -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_write_whose_commit_fails_is_a_503_and_stores_nothing(monkeypatch):
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    officer = MembershipFactory(city=city).user
    token = ApiToken.issue(user=officer, name="Import script")[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = {"city": "ghent", "title": "Benches", "summary": "Where they go."}

    def connection_lost() -> None:
        raise wrapped(psycopg.OperationalError("server closed the connection"))

    with monkeypatch.context() as patch:
        patch.setattr(connections["default"], "_commit", connection_lost)
        response = client.post("/api/v1/cases/", body, content_type="application/json")

    assert_unavailable_problem(response)
    assert not CaseStudy.objects.filter(title="Benches").exists()
    assert not CaseStudy.history.filter(title="Benches").exists()

    # The database is back: the same request is stored, once.
    response = client.post("/api/v1/cases/", body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert CaseStudy.objects.filter(title="Benches").count() == 1
    assert CaseStudy.history.filter(title="Benches").count() == 1
