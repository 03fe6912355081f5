import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db.models.signals import post_migrate
from django.utils import translation

from core.vocabularies import load_translations
from demo import content as demo_content
from tests import demo_rows

# The vocabularies come from a data migration.
vocabularies = importlib.import_module(
    "innovation_cases.migrations.0002_load_taxonomies"
)


def _reload_vocabularies(sender: Any, **kwargs: Any) -> None:
    """After a transactional test, Django flushes every table and then sends
    post_migrate: put back the rows the data migrations made (the terms, and their
    translations), so that no later test finds the vocabularies empty. (Serialized
    rollback would do it, but under Playwright's sync API the test sees a connection
    without the serialized copy.)"""
    if sender.name == "core":
        vocabularies.load(_TodaysVocabularies, None)
        load_translations(_TodaysVocabularies)


class _TodaysVocabularies:
    """The data migration's `apps`, as it asks for them (innovation_cases' models, as
    they were then), answered with today's: the vocabularies are core's now."""

    @staticmethod
    def get_model(app_label: str, model_name: str) -> Any:
        return apps.get_model("core", model_name)


post_migrate.connect(_reload_vocabularies, dispatch_uid="tests.reload_vocabularies")


# The fixtures through which a test reaches the suite's database (live_server and the
# other database fixtures of pytest-django ask for one of these).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `no_database` every test that cannot reach the suite's database (it asks
    for none, and pytest-django refuses its queries): no database can change its
    outcome, so CI's PostgreSQL pass leaves these out, having run them on SQLite."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if not (fixtures & DATABASE_FIXTURES or item.get_closest_marker("django_db")):
            item.add_marker(pytest.mark.no_database)


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder_and_no_page_cache(
    settings: Any, tmp_path: Any
) -> None:
    """Case images written by a test go to a folder of its own, never to media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # The page cache is on only with REDIS_URL; a developer's REDIS_URL must not turn
    # it on for tests that change data and read a page again (tests/test_page_cache.py
    # turns it on where it is the subject).
    settings.PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _a_search_index_of_its_own(settings: Any, tmp_path: Any) -> Any:
    """Each test searches an index of its own, built from its own database on first
    use (and kept fresh by the journal), never the developer's var/search-index/."""
    from innovation_cases.engine import index as engine_index

    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    engine_index.reset_reader()
    yield settings.SEARCH_INDEX_DIR
    engine_index.reset_reader()


@pytest.fixture(autouse=True)
def _fast_passwords_and_a_fresh_cache(settings: Any) -> None:
    """Hash test passwords cheaply (factories make many users), let WhiteNoise look
    static files up on request rather than list all 1,500 of them each time a test
    client starts, and start each test with an empty cache, where the API's throttles
    count requests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _each_test_starts_in_english() -> Iterator[None]:
    """A request activates its language in the thread that served it, and it stays
    active there after the response (Django activates each request's own, so the site
    never sees it). A test that calls a validator or renders a message directly would
    otherwise read the language of the previous test's last request."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def api_rates(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sets the API's throttle rates for one test: `api_rates(anon="3/minute")`.

    DRF copies DEFAULT_THROTTLE_RATES onto SimpleRateThrottle.THROTTLE_RATES when
    rest_framework.throttling is imported, so override_settings would not reach the
    throttles: the class attribute is what each throttle reads when it is made (once a
    request), so that is what is patched, and monkeypatch puts it back.

    The throttles' clock stands still halfway through a minute: they count per
    calendar minute (config/throttling.py), and requests that crossed a minute's end
    would be counted in two windows, the one over the rate let through (it was, once,
    in CI)."""
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates: str) -> None:
        monkeypatch.setattr(
            SimpleRateThrottle,
            "THROTTLE_RATES",
            {**SimpleRateThrottle.THROTTLE_RATES, **rates},
        )
        monkeypatch.setattr(
            SimpleRateThrottle, "timer", staticmethod(lambda: 1_800_000_030.0)
        )

    return set_rates


@pytest.fixture
def page_cache_on(settings: Any) -> None:
    """The page cache, on local memory (for the tests
    whose subject they are: mark the module with usefixtures)."""
    settings.PAGE_CACHE = True
    settings.CACHE_SECONDS = 600


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Any:
    """Runs, on leaving the block, what the block's commit would run (the cache's
    bumps): `with commits(): ...`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def demo(db: None) -> demo_content.Report:
    """The demo content, as `manage.py load_demo_content` leaves it (its loader runs
    once a process; later tests get the rows it wrote: tests/demo_rows.py)."""
    return demo_rows.load()
