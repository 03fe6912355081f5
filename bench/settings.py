"""The production settings, plus what only the benchmark needs (bench/run.py uses it).

The differences from config.settings, none on the path of a measured page:
an extra URL for the icontains baseline (bench/urls.py); WHITENOISE_ROOT, a directory
of static files of the same sizes as the measured pages (the ceiling), served at the
site's root by the same whitenoise middleware as the real static files; and the
collected static files in a directory of the benchmark's own (git-ignored), so that a
run never races `make test` collecting into staticfiles/.
"""

import os

from config.settings import *  # noqa: F403 -- the production settings, unchanged

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = BASE_DIR / "bench" / ".staticfiles"  # noqa: F405
WHITENOISE_ROOT = os.environ.get("BENCH_STATIC_ROOT") or None
