"""The production settings, as the load test's gunicorn runs them (bench/loadtest/run.py).

Two differences from config.settings, neither on the path of a request's work: the
collected static files come from the benchmark's own directory (bench/.staticfiles,
collected by bench/run.py's ensure_static_files), so that a run never races `make test`
collecting into staticfiles/; and every cache key starts with the run's own prefix, so
that a run shares the machine's Redis with anyone else without reading or clearing their
keys (the run deletes its own at the end).
"""

import os

from config.settings import *  # noqa: F403 -- the production settings, unchanged

STATIC_ROOT = BASE_DIR / "bench" / ".staticfiles"  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = os.environ.get("LOADTEST_CACHE_KEY_PREFIX", "")  # noqa: F405
