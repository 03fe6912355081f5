"""Browser tests: Debian's Chromium driven through Playwright, against `live_server`.

Playwright cannot download its own browsers on our machines, so the launch fixture
points at /usr/bin/chromium. Every test here is marked `e2e`; without Chromium they are
all skipped, with the reason (and `make test` says so before it runs pytest).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer

from demo import content as demo_content

CHROMIUM = Path("/usr/bin/chromium")

# The live server runs in a thread while Playwright's sync API keeps an event loop
# running in this one, so Django would otherwise refuse ORM calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM}: install it with apt-get install "
        "chromium to run the browser tests"
    )
    for item in items:
        if here not in item.path.parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if not CHROMIUM.exists():
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, serving /static/ the way production does.

    pytest-django puts Django's StaticFilesHandler in front of the site. It looks files
    up with the finders, so it answers 404 for the hashed names the manifest storage
    puts in the pages, and every page would be tested unstyled. Without it, whitenoise
    (in MIDDLEWARE) serves the collected files from STATIC_ROOT, as in production.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _let_whitenoise_serve_static_files
    server.start()
    yield server
    server.stop()


def _let_whitenoise_serve_static_files(handler: Any) -> Any:
    return handler


@pytest.fixture
def demo(transactional_db: None) -> demo_content.Report:
    """The demo content, committed, so that the live server's thread can read it.

    (The vocabularies survive the flush after each test: see tests/conftest.py.)
    """
    return demo_content.load()


@pytest.fixture
def site(live_server: LiveServer, demo: demo_content.Report) -> Iterator[str]:
    """The live server's root URL, with the demo content in its database."""
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        pytest.fail(
            "No collected static files: run `manage.py collectstatic --noinput` first "
            "(make test does)"
        )
    yield live_server.url


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: the tests build theirs from `site`.

    This replaces pytest-playwright's fallback fixture, which is written as a method of
    a plugin class and so triggers pytest's PytestRemovedIn10Warning on every run.
    """
    return None
