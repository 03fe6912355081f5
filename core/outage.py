"""A database that is down, or a connection to it that breaks mid-request, is a 503
with `Retry-After`, never a 500: the page templates/503.html, or under /api/ a problem
document like the API's others. Each is logged as one warning line (with the request
id), not as an error with its traceback: an outage of a minute under load would
otherwise write thousands of tracebacks that say the same thing.

One function, `unavailable()`, answers it, wherever the failure is met:
- in a view, or in the template of its response: `DatabaseUnavailableMiddleware`'s
  process_exception (Django offers a view's exception to every middleware);
- in an API view, its authentication (a token looked up) included: the API's exception
  handler (core/rest.py), so that the problem goes out as DRF's other answers do;
- in a middleware (the session saved, a user looked up): Django turns the exception
  into its 500 response right there, which only `handler500` can change, so
  `server_error` (config/urls.py) answers a database failure with the 503 instead.

The site recovers by itself when the database is back: Django closes a connection that
failed (`close_old_connections` at the end of each request, with CONN_HEALTH_CHECKS
before a kept connection is reused), so the next request opens a new one. A write that
fails rolls back whole: its transaction never commits (the one exception, the database
committing just before the connection is lost, leaves it stored whole).

What counts as unavailable is a failure of the server or the connection, not of the
request: a bug (a missing table, bad SQL) must still be a 500 with its traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.views import defaults

from core.rest import problem_response

logger = logging.getLogger(__name__)

# How long a client is asked to wait before it tries again (as /readyz asks a load
# balancer, config/health.py): a restart or a fail-over takes seconds.
RETRY_AFTER_SECONDS = 5

# PostgreSQL's SQLSTATE classes of a failure that is the server's or the connection's:
# 08 connection exception, 40 transaction rollback (a serialization failure or a
# deadlock: the transaction may simply be tried again), 53 insufficient resources (too
# many connections, a full disk), 57 operator intervention (shut down, starting up, the
# backend terminated, the statement cancelled) and 58 system error; and 55P03, a lock
# not obtained in time.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
TRANSIENT_SQLSTATES = frozenset({"55P03"})
# SQLite's primary result codes of the same kind: BUSY and LOCKED (another writer held
# the database for longer than the timeout), IOERR and CANTOPEN (the file cannot be
# read or opened).
TRANSIENT_SQLITE_CODES = frozenset({5, 6, 10, 14})

# Served when even the page cannot be rendered: it must not fail.
PLAIN_PAGE = (
    "<!doctype html><title>Service temporarily unavailable</title>"
    "<h1>Service temporarily unavailable</h1>"
    "<p>Please try again in a few seconds.</p>"
)


def is_database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached or used just now, rather
    than that the request or the code is wrong."""
    if isinstance(error, InterfaceError):
        return True  # The connection is closed or broken.
    if not isinstance(error, OperationalError):
        return False
    # Django raises its own class from the driver's error, kept as the cause.
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return (
            sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES
            or sqlstate in TRANSIENT_SQLSTATES
        )
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in TRANSIENT_SQLITE_CODES
    # psycopg's own failures carry no SQLSTATE: a refused or lost connection, one
    # already closed, a server that did not answer within connect_timeout.
    return True


def unavailable(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 for a request that met a database failure, logged as one warning.

    It asks nothing of the database: the page reads no user, session or record (the
    context processors' user is lazy, and templates/503.html never reads it)."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = problem_response(
            503,
            _(
                "The service is temporarily unavailable: try again in "
                "%(seconds)d seconds."
            )
            % {"seconds": RETRY_AFTER_SECONDS},
            "unavailable",
        )
    else:
        response = HttpResponse(_page(request), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Django's own line for this response would be an error; this one replaces it.
    log_response(
        "Service Unavailable: %s %s: the database is unavailable (%s: %s)",
        request.method,
        request.path,
        type(error.__cause__ or error).__name__,
        str(error).strip().split("\n", 1)[0][:200],
        response=response,
        request=request,
        logger=logger,
        level="warning",
    )
    return response


def _page(request: HttpRequest) -> str:
    try:
        return render_to_string("503.html", request=request)
    except Exception:
        # A page that fails to render must not turn the 503 into a 500.
        logger.warning("The 503 page could not be rendered", exc_info=True)
        return PLAIN_PAGE


class DatabaseUnavailableMiddleware:
    """Answers a view that met a database failure with the 503 (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database failure met outside a view (in a middleware) is the 503
    too; anything else is Django's 500."""
    error = sys.exc_info()[1]
    if error is not None and is_database_unavailable(error):
        return unavailable(request, error)
    return defaults.server_error(request)
