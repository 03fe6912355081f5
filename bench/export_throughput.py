"""The full exports' throughput and memory, in-process, on the database at hand.

    DATABASE_URL=postgres://… .venv/bin/python bench/export_throughput.py
    .venv/bin/python bench/export_throughput.py --format json --repeat 3 --profile

Fill the database first (`manage.py generate_synthetic_data --cases 5000 --seed 1`).
It streams `/cases/export.csv` (or .json) through Django's test client, as a worker
would serve it but without the network, and prints the rows, the bytes, MB/s and the
MB per second of this process's CPU time (the database's
time is not in it: on a busy machine the wall-clock figure mostly measures the other
processes), and the growth of the process's peak RSS (VmHWM, reset through /proc/self/clear_refs first, so
each run is measured on its own). `--profile` prints a cProfile of the last run (the
functions with the most cumulative time). `make bench` measures the CSV export through gunicorn at its largest size; this
script is the quick loop for working on the export itself (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/export_throughput.py
    sys.path.insert(0, str(ROOT))


def memory_kb(field: str) -> int:
    """VmRSS or VmHWM of this process, in kB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """Make VmHWM start again from the current RSS (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # then the peak may include an earlier run's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--query", default="", help="a query string, e.g. theme=x")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from innovation_cases.models import CaseStudy

    setup_test_environment()  # lets the test client's host through ALLOWED_HOSTS
    client = Client()
    path = f"/en/cases/export.{args.format}" + (f"?{args.query}" if args.query else "")
    published = CaseStudy.objects.published().count()
    print(f"{path}: {published:,} published cases")
    profiler: cProfile.Profile | None = None
    for run in range(1, args.repeat + 1):
        if args.profile and run == args.repeat:
            profiler = cProfile.Profile()
            profiler.enable()
        gc.collect()
        reset_peak()
        before = memory_kb("VmRSS")
        started = time.perf_counter()
        cpu_started = time.process_time()
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: status {response.status_code}")
        nbytes = 0
        pieces = 0
        for piece in response.streaming_content:  # type: ignore[attr-defined]  # a streamed export
            nbytes += len(piece)
            pieces += 1
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        growth_mb = (memory_kb("VmHWM") - before) / 1024
        print(
            f"run {run}: {nbytes / 1e6:.1f} MB in {seconds:.2f} s, "
            f"{nbytes / 1e6 / seconds:.1f} MB/s ({nbytes / 1e6 / cpu_seconds:.1f} MB "
            f"a second of this process's CPU), {pieces:,} pieces, "
            f"peak RSS growth {growth_mb:.1f} MB"
        )
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
