"""Logs that an operator can follow a request through: a request id on every line
logged while the request is answered, and on the response (`X-Request-ID`), and with
`LOG_FORMAT=json` one JSON object a line, for a log collector.

The id is the one a proxy in front of the site sent in `X-Request-ID`, when it is a
plain token (so that a client cannot write arbitrary text into the logs through it),
or a new random one. Lines logged outside a request carry `-`.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_GIVEN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_for(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _GIVEN.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Names each request, for its log lines and its response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Kept until the response is closed (`_forget`), not just until it leaves the
        # middleware: Django logs a 4xx or 5xx ("Not Found: ...") after that.
        REQUEST_ID.set(request_id_for(request))
        response = self.get_response(request)
        response[HEADER] = REQUEST_ID.get()
        return response


def _forget(**kwargs: object) -> None:
    REQUEST_ID.set("-")


request_finished.connect(_forget, dispatch_uid="config.request_log.forget")


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request
    id, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
