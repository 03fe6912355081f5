"""The load test of issue 17: 50 concurrent clients for 60 s against gunicorn as the
Dockerfile runs it, on PostgreSQL with Redis, then a check in the database that no
acknowledged write was lost or doubled.

    .venv/bin/python bench/loadtest/run.py                  # make loadtest
    .venv/bin/python bench/loadtest/run.py --duration 10s   # CI (make loadtest LOADTEST_DURATION=10s)
    .venv/bin/python bench/loadtest/run.py --write-docs     # and put the table in docs/reliability.md

It makes a scratch PostgreSQL database (atlas_load_<pid>), migrates it, loads the demo
content and `generate_synthetic_data`'s cases, adds officers with API tokens and the
drafts they share (setup.py), and builds a search index of its own. Then gunicorn, with
the Dockerfile's command line (workers and threads from GUNICORN_WORKERS and
GUNICORN_THREADS, 4 and 4 by default), DEBUG off and the page cache on in Redis (its
keys under a prefix of the run's own, deleted at the end), on a free port of 127.0.0.1;
once /readyz answers, locust runs the clients of locustfile.py headless. Afterwards
verify.py checks every write against the database (ledger.py), and the figures are
reported per request group (report.py).

It writes bench/results/loadtest-latest.md (or --out) and prints it. It exits 1 on any
5xx, any request without an answer, any unexpected status, and any write lost, doubled,
or stored although refused; never on a timing (docs/reliability.md). Everything it made
is removed at exit, unless --keep.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/loadtest/run.py
    sys.path.insert(0, str(ROOT))

from bench.loadtest import report  # noqa: E402
from bench.run import (  # noqa: E402
    PGHOST,
    PYTHON,
    BenchFailure,
    Scratch,
    closed_loop,
    database_url,
    ensure_static_files,
    free_port,
    loadavg,
    machine,
    manage,
    redis_answers,
    server_log,
    start_server,
)

LOCUST = str(ROOT / ".venv" / "bin" / "locust")
DOCS = ROOT / "docs" / "reliability.md"
# Locust waits this long for the clients' last tasks once the time is up, so that no
# write is cut off between its request and its answer (which would leave it unknown).
STOP_TIMEOUT_S = 60


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def log(message: str) -> None:
    print(f"[loadtest {time.strftime('%H:%M:%S')}] {message}", flush=True)


def seconds(value: str) -> float:
    """A duration as locust writes it: 60, 60s, 2m, 1m30s."""
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?", value.strip())
    if not value.strip() or match is None:
        raise argparse.ArgumentTypeError(f"not a duration: {value!r} (e.g. 60s, 2m)")
    total = int(match.group(1) or 0) * 60 + float(match.group(2) or 0)
    if total <= 0:
        raise argparse.ArgumentTypeError("the duration must be more than 0")
    return total


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load test with a lost-write check (issue 17).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Every option also reads an environment variable, named in its help.",
    )
    parser.add_argument(
        "--duration",
        type=seconds,
        default=seconds(env("LOADTEST_DURATION", "60s")),
        help="how long the clients run (LOADTEST_DURATION; 60s)",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=int(env("LOADTEST_CLIENTS", "50")),
        help="concurrent clients, one in ten an officer (LOADTEST_CLIENTS; 50)",
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=int(env("LOADTEST_CASES", "3000")),
        help="synthetic cases besides the demo's (LOADTEST_CASES; 3000)",
    )
    parser.add_argument(
        "--shared-cases",
        type=int,
        default=int(env("LOADTEST_SHARED_CASES", "6")),
        help="drafts that every officer edits (LOADTEST_SHARED_CASES; 6)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(env("GUNICORN_WORKERS", "4")),
        help="gunicorn workers, as the Dockerfile (GUNICORN_WORKERS; 4)",
    )
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=int(env("GUNICORN_THREADS", "4")),
        help="gunicorn threads a worker, as the Dockerfile (GUNICORN_THREADS; 4)",
    )
    parser.add_argument(
        "--redis-url",
        default=env("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/6"),
        help="the server's REDIS_URL; only keys under the run's own prefix are "
        "written and deleted (LOADTEST_REDIS_URL)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        default=env("LOADTEST_KEEP", "") in {"1", "true", "yes"},
        help="keep the database, and print its name (LOADTEST_KEEP)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(env("LOADTEST_OUT", str(ROOT / "bench" / "results"))),
        help="where loadtest-latest.md and .json go (LOADTEST_OUT; bench/results)",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        default=env("LOADTEST_WRITE_DOCS", "") in {"1", "true", "yes"},
        help="also put the results in docs/reliability.md (LOADTEST_WRITE_DOCS)",
    )
    args = parser.parse_args(argv)
    if args.clients < 2:
        parser.error("--clients must be at least 2 (readers and an officer)")
    if args.shared_cases < 1:
        parser.error("--shared-cases must be at least 1")
    # One client in ten is an officer, and at least one.
    args.officer_clients = max(1, round(args.clients / 10))
    return args


def server_env(db: str, args: argparse.Namespace, scratch: Scratch) -> dict[str, str]:
    """The production settings as the Dockerfile's container gets them, on this run's
    database, Redis prefix and search index."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="bench.loadtest.settings",
        DATABASE_URL=database_url(db),
        DEBUG="false",
        SECRET_KEY="loadtest-" + secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=args.redis_url,
        LOADTEST_CACHE_KEY_PREFIX=args.key_prefix,
        # Every client comes from 127.0.0.1, which the API's per-address throttles
        # would soon answer with 429s: the 50 clients stand for many visitors, so the
        # limits are raised, as in the benchmark (tests/test_throttling.py covers them).
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        EXPORT_THROTTLE="1000000/minute",
        SEARCH_INDEX_DIR=str(scratch.dir / "search-index"),
        PYTHONPATH=str(ROOT),
    )
    return environ


def delete_redis_keys(url: str, prefix: str) -> None:
    """Delete the keys the run made (its prefix's), and no other."""
    if not prefix or shutil.which("redis-cli") is None:
        return
    found = subprocess.run(
        ["redis-cli", "-u", url, "--scan", "--pattern", f"{prefix}:*"],
        capture_output=True,
        text=True,
        check=False,
    )
    keys = found.stdout.split()
    for start in range(0, len(keys), 500):
        subprocess.run(
            ["redis-cli", "-u", url, "DEL", *keys[start : start + 500]],
            capture_output=True,
            check=False,
        )


def start_redis(scratch: Scratch) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on a free port, in memory only: the process and its URL.
    (The machine's shared server, if there is one, is never stopped.)"""
    if shutil.which("redis-server") is None:
        raise SystemExit("neither Redis nor redis-server: apt-get install redis-server")
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(scratch.dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        if redis_answers(url):
            return process, url
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the private redis-server did not answer at {url}")


def read_etag(port: int, path: str, token: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise BenchFailure(f"{path}: status {response.status}")
        return response.getheader("ETag") or ""
    finally:
        connection.close()


def warm_up(port: int, args: argparse.Namespace, plan: dict[str, Any]) -> None:
    """A few requests of each kind of page through every worker, so that the run
    measures a server that has been up for a while, not each worker's first imports,
    templates and search index reads (as the benchmark does)."""
    for path in (
        "/en/",
        "/en/cases/",
        f"/en/cases/?q={plan['words'][0]}",
        f"/en/cases/{plan['cases'][0]}/",
        f"/en/cities/{plan['cities'][0]}/",
        "/en/insights/",
        "/api/v1/cases/",
        f"/api/v1/cases/{plan['cases'][0]}/",
    ):
        closed_loop(
            port, path, connections=args.workers, seconds=0, min_requests=args.workers
        )


def machine_meta(args: argparse.Namespace) -> dict[str, Any]:
    return {
        **machine(),
        "gunicorn": f"{args.workers} workers x {args.worker_threads} threads",
        "clients": args.clients,
        "officer_clients": args.officer_clients,
        "seconds": args.duration,
        "cases": args.cases,
        "loadavg_start": loadavg(),
    }


def prepare(scratch: Scratch, args: argparse.Namespace) -> tuple[dict[str, str], Path]:
    """The scratch database, filled, and the plan setup.py made for the clients."""
    db = scratch.createdb(f"atlas_load_{os.getpid()}")
    environ = server_env(db, args, scratch)
    log(f"migrating {db}")
    manage(environ, "migrate", "--noinput", "-v0")
    manage(environ, "load_demo_content", "-v0")
    log(f"generating {args.cases:,} synthetic cases")
    manage(
        environ,
        "generate_synthetic_data",
        f"--cases={args.cases}",
        "--seed=1",
        "--no-progress",
        "-v0",
    )
    plan = scratch.dir / "plan.json"
    subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.loadtest.setup",
            f"--officers={args.officer_clients}",
            f"--shared-cases={args.shared_cases}",
            f"--out={plan}",
        ],
        cwd=ROOT,
        env=environ,
        check=True,
    )
    log("building the search index")
    manage(environ, "search_index", "rebuild", "--no-progress", "-v0")
    return environ, plan


def run_clients(
    scratch: Scratch, args: argparse.Namespace, base_url: str, plan: Path
) -> dict[str, Any]:
    """locust, headless, for the run's length; the records its clients wrote."""
    records = scratch.dir / "records.json"
    with open(scratch.dir / "locust.log", "wb") as output:
        done = subprocess.run(
            [
                LOCUST,
                "--locustfile",
                str(ROOT / "bench" / "loadtest" / "locustfile.py"),
                "--headless",
                "--host",
                base_url,
                "--users",
                str(args.clients),
                "--spawn-rate",
                str(args.clients),
                "--run-time",
                f"{args.duration:g}s",
                "--stop-timeout",
                str(STOP_TIMEOUT_S),
                # The run is judged by report.py and verify.py, not by locust's view
                # of a 412 as a failure.
                "--exit-code-on-error",
                "0",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOADTEST_PLAN": str(plan),
                "LOADTEST_RECORDS": str(records),
                "LOADTEST_OFFICER_CLIENTS": str(args.officer_clients),
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0 or not records.exists():
        tail = (scratch.dir / "locust.log").read_text(errors="replace")[-3000:]
        raise BenchFailure(f"locust failed (exit {done.returncode}):\n{tail}")
    return dict(json.loads(records.read_text()))


def verify(
    scratch: Scratch, environ: dict[str, str], plan: Path, records: dict[str, Any]
) -> dict[str, Any]:
    """verify.py's findings, read from the database once the server has stopped."""
    path = scratch.dir / "writes.json"
    path.write_text(json.dumps({"writes": records["writes"]}))
    out = scratch.dir / "findings.json"
    subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.loadtest.verify",
            f"--plan={plan}",
            f"--records={path}",
            f"--out={out}",
        ],
        cwd=ROOT,
        env=environ,
        check=True,
    )
    return dict(json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.key_prefix = f"atlas-loadtest-{os.getpid()}-{secrets.token_hex(4)}"
    ready = subprocess.run(
        ["pg_isready", "-h", PGHOST, "-p", "5432", "-q"], check=False
    )
    if ready.returncode != 0:
        log(f"PostgreSQL is not answering on {PGHOST}:5432")
        return 1
    ensure_static_files()
    scratch = Scratch(args.keep)
    redis: subprocess.Popen[bytes] | None = None
    if not redis_answers(args.redis_url):
        # The production configuration has the page cache in Redis: without it the
        # test would measure another site. CI may have no Redis running.
        log(f"Redis does not answer at {args.redis_url}: starting a private one")
        redis, args.redis_url = start_redis(scratch)
    meta = machine_meta(args)
    failures: list[str] = []
    findings: dict[str, Any] = {}
    records: dict[str, Any] = {"requests": [], "writes": []}
    started = time.perf_counter()
    try:
        environ, plan = prepare(scratch, args)
        log(f"set up in {time.perf_counter() - started:.0f} s; starting gunicorn")
        base_url = start_server(scratch, environ, args, ready_path="/readyz")
        port = int(base_url.rsplit(":", 1)[1])
        log("gunicorn is ready; warming its workers up")
        warm_up(port, args, json.loads(plan.read_text()))
        # The version each shared draft starts from: the first link of its chain.
        content = json.loads(plan.read_text())
        token = content["officers"][0]["token"]
        for case in content["shared"]:
            case["etag"] = read_etag(port, f"/api/v1/cases/{case['slug']}/", token)
        plan.write_text(json.dumps(content))
        log(
            f"{args.clients} clients ({args.officer_clients} officers) for "
            f"{args.duration:g} s against {base_url}"
        )
        records = run_clients(scratch, args, base_url, plan)
        scratch.stop_server()
        log("checking every write against the database")
        findings = verify(scratch, environ, plan, records)
        failures += findings["problems"]
    except (BenchFailure, subprocess.CalledProcessError) as error:
        failures.append(str(error))
        if scratch.server is not None:
            failures.append("server log:\n" + server_log(scratch))
    finally:
        scratch.stop_server()
        if redis is None:
            delete_redis_keys(args.redis_url, args.key_prefix)
        else:
            redis.terminate()
            redis.wait(timeout=20)
    shown = report.figures(records, args.duration)
    if not records["writes"] and not failures:
        failures.append("no write was made: the run proves nothing")
    failures = [f"5xx or no answer: {e}" for e in shown["errors"]] + failures
    failures += [f"unexpected status: {e}" for e in shown["unexpected"]]
    shown["failures"] = failures
    meta["loadavg_end"] = loadavg()
    meta["elapsed_s"] = round(time.perf_counter() - started)
    markdown = report.render_markdown(meta, shown, findings)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "loadtest-latest.md").write_text(markdown)
    (args.out / "loadtest-latest.json").write_text(
        json.dumps({"meta": meta, "figures": shown, "writes": findings}, indent=1)
        + "\n"
    )
    print(markdown)
    print(f"written: {args.out / 'loadtest-latest.md'} ({meta['elapsed_s']} s in all)")
    if args.write_docs and not failures:
        report.write_docs(DOCS, markdown)
        print(f"written: {DOCS}")
    elif args.write_docs:
        print(f"not written, as the run failed: {DOCS}")
    if failures:
        print(f"\nLOAD TEST FAILED: {len(failures)} problems", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
