"""Logs an operator can follow: a request id on every line and on the response, JSON
lines with LOG_FORMAT=json, errors to Sentry with SENTRY_DSN (config/request_log.py)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from config.request_log import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


class _Lines(logging.Handler):
    """The records a test's requests log, through the site's own filter."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def lines() -> Any:
    handler = _Lines()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_every_response_names_its_request(client: Any) -> None:
    first = client.get("/en/about/")["X-Request-ID"]
    second = client.get("/api/v1/")["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client: Any) -> None:
    given = "edge-7f3a9c01"
    assert client.get("/en/about/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given

    forged = "x\nlevel=CRITICAL forged line"
    answered = client.get("/en/about/", HTTP_X_REQUEST_ID=forged)["X-Request-ID"]
    assert answered != forged and len(answered) == 32


def test_a_line_logged_while_answering_carries_the_requests_id(
    client: Any, lines: Any
) -> None:
    response = client.get("/en/cases/no-such-case/")

    assert response.status_code == 404
    (record,) = [r for r in lines.records if r.status_code == 404]
    assert record.request_id == response["X-Request-ID"]


def test_json_lines_hold_the_message_the_level_and_the_request_id() -> None:
    record = logging.LogRecord(
        "atlas", logging.ERROR, __file__, 1, "Lost %s", ("nothing",), None
    )
    RequestIdFilter().filter(record)
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()

    entry = json.loads(JsonFormatter().format(record))

    assert entry["level"] == "ERROR"
    assert entry["logger"] == "atlas"
    assert entry["message"] == "Lost nothing"
    assert entry["request_id"] == "-"  # logged outside a request
    assert entry["time"].endswith("Z")
    assert "ValueError: boom" in entry["exception"]


def _settings_of(env: dict[str, str], expression: str) -> str:
    """`expression`, evaluated in a fresh process whose environment adds `env`."""
    return subprocess.run(  # noqa: S603 -- this interpreter, our settings module
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            f"print({expression})",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_log_format_json_gives_the_console_the_json_formatter() -> None:
    assert django_settings.LOGGING["handlers"]["console"]["formatter"] == "text"
    assert (
        _settings_of(
            {"LOG_FORMAT": "json"},
            "settings.LOGGING['handlers']['console']['formatter']",
        )
        == "json"
    )


def test_an_unknown_log_format_is_refused_at_start() -> None:
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _settings_of({"LOG_FORMAT": "xml"}, "1")
    assert "LOG_FORMAT must be text or json" in refused.value.stderr


def test_sentry_is_on_only_with_a_dsn() -> None:
    active = "__import__('sentry_sdk').get_client().is_active()"
    assert _settings_of({"SENTRY_DSN": ""}, active) == "False"
    assert (
        _settings_of({"SENTRY_DSN": "https://public@sentry.example.invalid/1"}, active)
        == "True"
    )
