"""The client's address, one rule for the log-in lock-out (django-axes) and the API's
throttles (config/throttling.py): REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many
proxies in front of the site append to X-Forwarded-For; then the entry that many from
the right. Entries further left were written by the client and are never believed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from rest_framework.request import Request
from rest_framework.settings import api_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/account/login/"
PROXY = "10.0.0.1"  # The reverse proxy in front of the site: REMOTE_ADDR behind it.


@pytest.fixture
def officer() -> Any:
    return UserFactory(username="officer")


def log_in(password: str, remote_addr: str, forwarded_for: str | None = None) -> Any:
    """A log-in as "officer" from a fresh client (no session, no cookie)."""
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(LOGIN, {"username": "officer", "password": password}, **extra)


def fail_five_times(remote_addr: str, *forwarded_for: str) -> None:
    """Five wrong passwords, the n-th with the n-th X-Forwarded-For (cycled)."""
    for attempt in range(5):
        header = forwarded_for[attempt % len(forwarded_for)] if forwarded_for else None
        response = log_in("not the password", remote_addr, header)
        assert response.status_code in (200, 429), response.status_code


@pytest.fixture
def anon_rate_2_a_minute(api_rates: Any) -> None:
    api_rates(anon="2/minute")


def api_read(remote_addr: str, forwarded_for: str | None = None) -> int:
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().get("/api/v1/themes/", **extra).status_code


# --- No trusted proxy (the default): X-Forwarded-For is ignored ------------------------


def test_by_default_no_proxy_is_trusted():
    assert django_settings.TRUSTED_PROXY_COUNT == 0


def test_without_a_trusted_proxy_a_forwarded_address_cannot_dodge_the_lock_out(
    officer,
):
    fail_five_times("203.0.113.9", "192.0.2.1", "192.0.2.2", "192.0.2.3")

    response = log_in(PASSWORD, "203.0.113.9", "192.0.2.4")

    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


def test_without_a_trusted_proxy_a_forwarded_address_cannot_lock_anyone_out(officer):
    # The attacker names the officer's address; the failures count against their own.
    fail_five_times("203.0.113.66", "198.51.100.1")

    assert log_in(PASSWORD, "198.51.100.1").status_code == 302


def test_without_a_trusted_proxy_a_forwarded_address_cannot_dodge_the_throttle(
    anon_rate_2_a_minute,
):
    statuses = [
        api_read("203.0.113.9", forwarded_for)
        for forwarded_for in ("192.0.2.1", "192.0.2.2", "192.0.2.3")
    ]

    assert statuses == [200, 200, 429]


# --- One trusted proxy: the client is the last entry of X-Forwarded-For ----------------


@pytest.fixture
def one_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1


def test_behind_a_trusted_proxy_clients_are_locked_out_apart(officer, one_proxy):
    fail_five_times(PROXY, "198.51.100.1")

    assert log_in(PASSWORD, PROXY, "198.51.100.1").status_code == 429
    # Another client behind the same proxy, with the same user name, logs in.
    assert log_in(PASSWORD, PROXY, "198.51.100.2").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"


def test_behind_a_trusted_proxy_spoofed_entries_cannot_dodge_the_lock_out(
    officer, one_proxy
):
    # The client sends X-Forwarded-For itself; the proxy appends the real address.
    fail_five_times(PROXY, *(f"192.0.2.{n}, 198.51.100.1" for n in range(5)))

    response = log_in(PASSWORD, PROXY, "192.0.2.99, 198.51.100.1")

    assert response.status_code == 429
    assert log_in(PASSWORD, PROXY, "198.51.100.1, 198.51.100.2").status_code == 302


def test_behind_a_trusted_proxy_the_throttle_counts_each_client(
    anon_rate_2_a_minute, one_proxy
):
    first = [
        api_read(PROXY, f"192.0.2.{n}, 198.51.100.1")  # Spoofed entries to the left.
        for n in range(3)
    ]

    assert first == [200, 200, 429]
    assert api_read(PROXY, "198.51.100.2") == 200


def test_a_forwarded_entry_that_is_no_address_counts_as_the_proxy(officer, one_proxy):
    # A proxy that wrote something else (or a count set too high): the proxy's own
    # address, rather than text the database's address column would refuse.
    response = log_in("not the password", PROXY, "not-an-address")

    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == PROXY


# --- One rule for both -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "remote_addr", "forwarded_for", "client"),
    [
        (0, "203.0.113.9", None, "203.0.113.9"),
        (0, "203.0.113.9", "192.0.2.1", "203.0.113.9"),
        (1, PROXY, None, PROXY),
        (1, PROXY, "198.51.100.1", "198.51.100.1"),
        (1, PROXY, "192.0.2.1,198.51.100.1", "198.51.100.1"),
        (1, PROXY, " 192.0.2.1 , 2001:db8::1 ", "2001:db8::1"),
        (2, PROXY, "192.0.2.1, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        # Fewer entries than proxies: the request came in past the outer ones.
        (2, PROXY, "198.51.100.1", "198.51.100.1"),
        (1, PROXY, "192.0.2.1, unknown", PROXY),
    ],
)
def test_the_lock_out_and_the_throttles_see_the_same_client(
    settings, count, remote_addr, forwarded_for, client
):
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().post(LOGIN, **meta)
    throttles = [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]

    assert get_client_ip_address(request) == client
    assert {throttle.get_ident(Request(request)) for throttle in throttles} == {client}


# --- The setting ---------------------------------------------------------------------------


def settings_print(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """What `code` prints when config.settings is loaded with this environment."""
    clean = {k: v for k, v in os.environ.items() if k != "TRUSTED_PROXY_COUNT"}
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=False,
    )


def test_trusted_proxy_count_is_read_from_the_environment():
    code = (
        "import config.settings as s; "
        "print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'])"
    )

    assert settings_print(code).stdout.split() == ["0", "0"]
    assert settings_print(code, TRUSTED_PROXY_COUNT="2").stdout.split() == ["2", "2"]
    refused = settings_print(code, TRUSTED_PROXY_COUNT="-1")
    assert refused.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or more, got -1" in refused.stderr
