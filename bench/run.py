"""The benchmark of issues 6 and 15: the production configuration under load, at
several sizes.

    .venv/bin/python bench/run.py            # 1k, 10k and 100k cases (make bench)
    .venv/bin/python bench/run.py --quick    # 1k cases, 1 s an endpoint (make bench-quick, CI)

For each size it makes a scratch PostgreSQL database (a copy of one migrated database),
fills it with `manage.py generate_synthetic_data`, probes every endpoint in-process
(status, queries per request, body: bench/probe.py), then starts gunicorn with the
recommended workers and threads and DEBUG off (bench/settings.py: the production
settings plus the icontains baseline's URL and the ceiling files) and drives it with
wrk (bench/report.lua). Every endpoint's throughput is divided by that of a static file
of the same size served by whitenoise through the same gunicorn, measured just before.
At every size it also measures every page cached (the same URL again and again, with
REDIS_URL), a full CSV export (time, and the worker's memory growth) and, last, how
long a publish takes to reach every worker's search (bench/publish.py). Every target is
judged at every size (bench/report.py).

It writes bench/results/latest.md and latest.json and prints the table. It exits 1 if
the run is worthless or shows a regression of structure: a request failed, answered
other than 200, or a page's queries per request changed with the data's size. A target
missed is printed as MISSED, not a failure: absolute speed depends on the machine.
See docs/benchmarks.md for the method and the knobs.
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/run.py
    sys.path.insert(0, str(ROOT))

from bench import report, wrk  # noqa: E402
from bench.endpoints import ENDPOINTS, EXPORT_PATH  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PGHOST = "127.0.0.1"
# An endpoint whose single request takes this long in the probe would keep 16
# connections waiting past wrk's timeout: it is measured at one connection per core.
SLOW_LATENCY_S = 10.0
WRK_TIMEOUT_S = 30
BULK_FILE_MB = 32
# gunicorn's default access log line, and the worker's pid (`<1234>`) at its end.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(p)s'


def env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchFailure(RuntimeError):
    """The run is worthless: stop, clean up, exit 1."""


# --- configuration ------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the production configuration (issue 6).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Every option also reads an environment variable, named in its help.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        default=env("BENCH_QUICK", "") in {"1", "true", "yes"},
        help="1k cases, 1 s an endpoint, query counts also at 100 cases (BENCH_QUICK)",
    )
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES"),
        help="cases at each size, comma-separated (BENCH_SIZES; 1000,10000,100000)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=os.environ.get("BENCH_SECONDS"),
        help="seconds of load an endpoint (BENCH_SECONDS; 10, quick 1)",
    )
    parser.add_argument(
        "--cached-seconds",
        type=float,
        default=os.environ.get("BENCH_CACHED_SECONDS"),
        help="seconds of load an endpoint, cached (BENCH_CACHED_SECONDS; half of "
        "--seconds, at least 1)",
    )
    parser.add_argument(
        "--publish-trials",
        type=int,
        default=int(env("BENCH_PUBLISH_TRIALS", "5")),
        help="publishes timed to visible at each size (BENCH_PUBLISH_TRIALS; 5)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=int(env("BENCH_CONNECTIONS", "16")),
        help="wrk connections (BENCH_CONNECTIONS; 16)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(env("BENCH_THREADS", "2")),
        help="wrk threads (BENCH_THREADS; 2)",
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
        "--word",
        default=env("BENCH_WORD", "digital"),
        help="the common word searched for (BENCH_WORD; digital)",
    )
    parser.add_argument("--theme", default=env("BENCH_THEME", "mobility"))
    parser.add_argument(
        "--itype", default=env("BENCH_INNOVATION_TYPE", "mission-oriented")
    )
    parser.add_argument(
        "--redis-url",
        default=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        help="the server's REDIS_URL; its database is flushed (BENCH_REDIS_URL)",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        default=env("BENCH_KEEP_DB", "") in {"1", "true", "yes"},
        help="keep the scratch databases, and print their names (BENCH_KEEP_DB)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(env("BENCH_OUT", str(ROOT / "bench" / "results"))),
        help="where latest.md and latest.json go (BENCH_OUT; bench/results)",
    )
    args = parser.parse_args(argv)
    if args.sizes:
        args.load_sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        args.count_sizes = []
    elif args.quick:
        args.load_sizes = [1000]
        args.count_sizes = [100]  # so that CI still compares query counts
    else:
        args.load_sizes = [1000, 10000, 100000]
        args.count_sizes = []
    if args.seconds is None:
        args.seconds = 1.0 if args.quick else 10.0
    if args.cached_seconds is None:
        # A hit is cheap and steady: half the time measures it as well, and lets every
        # size be measured cached without lengthening the run much.
        args.cached_seconds = max(1.0, args.seconds / 2)
    return args


# --- processes and databases ------------------------------------------------------------


class Scratch:
    """What the run makes and must undo at exit: databases, a server, a directory."""

    def __init__(self, keep_db: bool) -> None:
        self.keep_db = keep_db
        self.databases: list[str] = []
        self.server: subprocess.Popen[bytes] | None = None
        self.dir = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
        atexit.register(self.cleanup)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    def createdb(self, name: str, template: str | None = None) -> str:
        command = ["createdb", "-h", PGHOST, "-U", "postgres", name]
        if template:
            command[1:1] = ["-T", template]
        subprocess.run(command, check=True)
        self.databases.append(name)
        return name

    def dropdb(self, name: str) -> None:
        if self.keep_db:
            return
        subprocess.run(
            ["dropdb", "-h", PGHOST, "-U", "postgres", "--if-exists", name], check=False
        )
        if name in self.databases:
            self.databases.remove(name)

    def stop_server(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None

    def cleanup(self) -> None:
        self.stop_server()
        if self.keep_db and self.databases:
            log(f"kept databases: {', '.join(self.databases)}")
        for name in list(self.databases):
            self.dropdb(name)
        shutil.rmtree(self.dir, ignore_errors=True)


def database_url(name: str) -> str:
    return f"postgres://postgres@{PGHOST}:5432/{name}"


def django_env(db: str, args: argparse.Namespace, static_root: Path) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url(db),
        DEBUG="false",
        SECRET_KEY="bench-" + secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        REDIS_URL=args.redis_url,
        # The load comes from one address; the Lua script gives each request its own
        # X-Forwarded-For, which the throttles believe as if wrk were one trusted
        # proxy, and the limit is raised so that no client of the benchmark is ever
        # refused (a 429 would fail the run).
        TRUSTED_PROXY_COUNT="1",
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        EXPORT_THROTTLE="1000000/minute",
        BENCH_STATIC_ROOT=str(static_root),
        # An index of this size's own, never the checkout's var/search-index/.
        SEARCH_INDEX_DIR=str(static_root.parent / f"index-{db}"),
        PYTHONPATH=str(ROOT),
    )
    return environ


def manage(environ: dict[str, str], *command: str) -> None:
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=environ, check=True)


def redis_answers(url: str) -> bool:
    if shutil.which("redis-cli") is None:
        return False
    done = subprocess.run(
        ["redis-cli", "-u", url, "PING"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() == "PONG"


def flush_redis(url: str) -> None:
    if url:
        subprocess.run(
            ["redis-cli", "-u", url, "FLUSHDB"], capture_output=True, check=True
        )


def ensure_tools() -> None:
    if shutil.which("wrk") is None:
        log("wrk is missing: apt-get install -y wrk")
        installed = subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=False
        )
        if installed.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    ready = subprocess.run(
        ["pg_isready", "-h", PGHOST, "-p", "5432", "-q"], check=False
    )
    if ready.returncode != 0:
        raise BenchFailure(f"PostgreSQL is not answering on {PGHOST}:5432")


def ensure_static_files() -> None:
    """Collect the static files (hashed, compressed) unless they are up to date.

    Into bench/.staticfiles (bench/settings.py), as production's collectstatic would;
    it takes most of a minute, so it is skipped when nothing under static/ is newer,
    and copied from staticfiles/ when that is up to date.
    """
    manifest = ROOT / "bench" / ".staticfiles" / "staticfiles.json"
    newest = max(p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    # The same files, collected by `make test` (or CI's schemathesis run) into
    # staticfiles/ with the same storage: a copy is seconds, a collection most of a
    # minute (every file hashed and compressed twice).
    collected = ROOT / "staticfiles" / "staticfiles.json"
    if collected.exists() and collected.stat().st_mtime >= newest:
        log(
            "copying the static files collected in staticfiles/ into bench/.staticfiles"
        )
        shutil.copytree(collected.parent, manifest.parent, dirs_exist_ok=True)
        return
    log("collecting static files into bench/.staticfiles")
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
    }
    manage(environ, "collectstatic", "--noinput", "-v0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((PGHOST, 0))
        return int(sock.getsockname()[1])


def start_server(
    scratch: Scratch,
    environ: dict[str, str],
    args: argparse.Namespace,
    ready_path: str = "/robots.txt",
) -> str:
    """gunicorn as the Dockerfile runs it, on a free port: its URL once `ready_path`
    answers 200 (the load test waits for /readyz)."""
    port = free_port()
    # Not a with block: the log file lives as long as the server it is handed to.
    logfile = open(scratch.dir / "server.log", "ab")
    # As the Dockerfile runs it (workers and threads from its environment, access log
    # on); no control socket, whose default path every gunicorn on the machine shares.
    # Each access log line ends with the worker's pid (<1234>): bench/publish.py counts
    # the workers that answered its searches.
    scratch.server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            f"--threads={args.worker_threads}",
            "--access-logfile=" + str(scratch.dir / "access.log"),
            "--access-logformat=" + ACCESS_LOG_FORMAT,
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=environ,
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        if scratch.server.poll() is not None:
            raise BenchFailure("gunicorn exited:\n" + server_log(scratch))
        try:
            status, _ = get(port, ready_path)
            if status == 200:
                return f"http://127.0.0.1:{port}"
        except OSError:
            pass
        time.sleep(0.5)
    raise BenchFailure(
        "gunicorn did not answer within a minute:\n" + server_log(scratch)
    )


def server_log(scratch: Scratch, lines: int = 60) -> str:
    path = scratch.dir / "server.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def get(port: int, path: str, timeout: float = 600) -> tuple[int, int]:
    """GET without following redirects: (status, body length)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The fields after the command name, which is in parentheses: state, ppid, ...
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry.name))
    return sorted(pids)


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise BenchFailure(f"no {field} for process {pid}")


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def active_queries(db: str) -> int:
    """Queries running in `db` (the name goes in as a psql variable, quoted by psql)."""
    done = subprocess.run(
        [
            "psql",
            "-h",
            PGHOST,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-tA",
            "-v",
            f"db={db}",
        ],
        input="select count(*) from pg_stat_activity "
        "where state = 'active' and datname = :'db';\n",
        capture_output=True,
        text=True,
        check=False,
    )
    return int(done.stdout.strip() or 0)


def wait_idle(scratch: Scratch, db: str, timeout: float = 300) -> None:
    """Wait until the server has finished what the last run left in flight.

    wrk stops timing at the end of its run, but the requests its connections had sent
    are still being served, and would slow the next run down: wait until the workers
    use no CPU and the database runs no query.
    """
    if scratch.server is None:
        return
    pids = worker_pids(scratch.server.pid)
    deadline = time.monotonic() + timeout
    before = cpu_ticks(pids)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        after = cpu_ticks(pids)
        if after - before <= 1 and active_queries(db) == 0:
            return
        before = after
    raise BenchFailure(f"the server was still busy {timeout:.0f} s after a run")


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# --- measuring ----------------------------------------------------------------------------


def run_wrk(
    base_url: str, path: str, args: argparse.Namespace, *, unique: bool, seconds: float
) -> wrk.Measurement:
    command = wrk.command(
        base_url,
        path,
        threads=args.threads,
        connections=args.connections,
        seconds=seconds,
        unique=unique,
        timeout_s=WRK_TIMEOUT_S,
    )
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchFailure(f"wrk failed on {path}:\n{done.stdout}\n{done.stderr}")
    try:
        return wrk.parse(done.stdout, connections=args.connections)
    except wrk.WrkError as error:
        raise BenchFailure(f"{path}: {error}") from error


def closed_loop(
    port: int,
    path: str,
    *,
    connections: int,
    seconds: float,
    min_requests: int,
    unique: bool = True,
) -> wrk.Measurement:
    """Requests back to back on `connections` connections, each URL unique, for at
    least `seconds` and `min_requests`: for pages too slow for wrk's 16 connections."""
    latencies: list[float] = []
    errors: list[str] = []
    nbytes = [0]
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    finished = [started]

    def client(number: int) -> None:
        separator = "&" if "?" in path else "?"
        n = 0
        while True:
            with lock:
                if errors or (
                    time.perf_counter() >= deadline and len(latencies) >= min_requests
                ):
                    return
            n += 1
            t0 = time.perf_counter()
            try:
                url = f"{path}{separator}_nocache=slow-{number}-{n}" if unique else path
                status, size = get(port, url)
            except OSError as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                return
            t1 = time.perf_counter()
            with lock:
                if status != 200:
                    errors.append(f"status {status}")
                    return
                latencies.append(t1 - t0)
                nbytes[0] += size
                finished[0] = max(finished[0], t1)

    workers = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise BenchFailure(f"{path}: {errors[0]}")
    return wrk.from_latencies(
        latencies,
        seconds=finished[0] - started,
        nbytes=nbytes[0],
        connections=connections,
    )


def measure_export(scratch: Scratch, port: int, rows: int) -> dict[str, Any]:
    """Stream the full CSV export: its time and the serving worker's memory growth.

    Each worker's peak RSS (VmHWM) is reset first through /proc/<pid>/clear_refs, and
    RSS is also sampled every 50 ms; the growth is the largest, over the workers, of
    peak minus RSS before.
    """
    if scratch.server is None:
        raise BenchFailure("no server to export from")
    pids = worker_pids(scratch.server.pid)
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            pass  # the sampling below still sees the peak, if less exactly
    before = {pid: memory_kb(pid, "VmRSS") for pid in pids}
    peak = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            for pid in pids:
                try:
                    peak[pid] = max(peak[pid], memory_kb(pid, "VmRSS"))
                except (OSError, BenchFailure):
                    pass

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        status, nbytes = get(port, EXPORT_PATH)
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if status != 200:
        raise BenchFailure(f"{EXPORT_PATH}: status {status}")
    for pid in pids:
        peak[pid] = max(peak[pid], memory_kb(pid, "VmHWM"))
    growth_kb = max(peak[pid] - before[pid] for pid in pids)
    # The ceiling: a big static file through the same server, for its bytes a second.
    t0 = time.perf_counter()
    static_status, static_bytes = get(port, "/bench-ceiling-bulk.bin")
    static_seconds = time.perf_counter() - t0
    if static_status != 200:
        raise BenchFailure(f"/bench-ceiling-bulk.bin: status {static_status}")
    mb_per_s = nbytes / 1e6 / seconds
    ceiling = static_bytes / 1e6 / static_seconds
    return {
        "rows": rows,
        "bytes": nbytes,
        "seconds": round(seconds, 3),
        "mb_per_s": round(mb_per_s, 2),
        "ceiling_mb_per_s": round(ceiling, 1),
        "ratio": round(mb_per_s / ceiling, 4),
        "memory_before_mb": round(max(before.values()) / 1024, 1),
        "memory_growth_mb": round(growth_kb / 1024, 1),
    }


def measure_publish(
    scratch: Scratch, environ: dict[str, str], base_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Publish to visible across the workers (bench/publish.py), in a process of its
    own on the size's database, index and Redis; it deletes what it made."""
    out = scratch.dir / f"publish-{secrets.token_hex(4)}.json"
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.publish",
            f"--base-url={base_url}",
            f"--access-log={scratch.dir / 'access.log'}",
            f"--trials={args.publish_trials}",
            # Twice as many requests at once as workers, so that each round is spread
            # over several of them.
            f"--concurrency={2 * args.workers}",
            f"--out={out}",
        ],
        cwd=ROOT,
        env=environ,
        check=False,
    )
    if done.returncode != 0:
        raise BenchFailure(
            f"publish to visible failed (see above)\n{server_log(scratch)}"
        )
    return dict(json.loads(out.read_text()))


def measure_size(
    scratch: Scratch,
    args: argparse.Namespace,
    template: str,
    cases: int,
    *,
    load: bool,
) -> dict[str, Any]:
    db = scratch.createdb(
        f"{template.removesuffix('_base')}_{cases}", template=template
    )
    static_root = scratch.dir / f"ceiling-{cases}"
    static_root.mkdir()
    environ = django_env(db, args, static_root)
    log(f"{cases:,} cases: generating into {db}")
    t0 = time.perf_counter()
    manage(
        environ,
        "generate_synthetic_data",
        f"--cases={cases}",
        "--seed=1",
        "--no-progress",
        "-v0",
    )
    generated_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    manage(environ, "search_index", "rebuild", "--no-progress", "-v0")
    rebuild_s = time.perf_counter() - t0
    log(f"{cases:,} cases: generated in {generated_s:.0f} s; probing every endpoint")
    probe_out = scratch.dir / f"probe-{cases}.json"
    probed = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.probe",
            f"--word={args.word}",
            f"--theme={args.theme}",
            f"--itype={args.itype}",
            f"--static-dir={static_root}",
            f"--out={probe_out}",
        ],
        cwd=ROOT,
        env={**environ, "REDIS_URL": ""},
        check=False,
    )
    if probed.returncode != 0:
        raise BenchFailure(f"the probe failed at {cases:,} cases (see above)")
    probe = json.loads(probe_out.read_text())
    size: dict[str, Any] = {
        "cases": cases,
        "dataset": {
            **probe["dataset"],
            "generated_s": round(generated_s, 1),
            "rebuild_s": round(rebuild_s, 1),
        },
        "cold_ms": probe["cold_ms"],
        "endpoints": {
            key: {k: row[k] for k in ("path", "bytes", "queries")}
            | {"probe_s": row["seconds"]}
            for key, row in probe["endpoints"].items()
        },
        "load": load,
        "export": None,
        "publish": None,
        "loadavg": [loadavg()],
    }
    if not load:
        scratch.dropdb(db)
        return size
    # The export's ceiling: a big file, whose bytes a second stand for any size.
    (static_root / "bench-ceiling-bulk.bin").write_bytes(
        (b"0123456789abcdef" * 64 * 1024) * BULK_FILE_MB
    )
    flush_redis(args.redis_url)
    base_url = start_server(scratch, environ, args)
    port = int(base_url.rsplit(":", 1)[1])
    chosen = [e for e in ENDPOINTS if e.load]
    # Every URL answers 200 (not a redirect) before anything is timed.
    for endpoint in chosen:
        row = probe["endpoints"][endpoint.key]
        for path in (row["path"], row["ceiling_path"]):
            status, _ = get(port, path)
            if status != 200:
                raise BenchFailure(f"{path}: status {status}\n{server_log(scratch)}")
    # Warm every worker up (imports, templates, connections) on every page.
    for endpoint in chosen:
        row = probe["endpoints"][endpoint.key]
        if expected_latency(row, args) <= SLOW_LATENCY_S:
            closed_loop(
                port,
                row["path"],
                connections=args.workers,
                seconds=0,
                min_requests=2 * args.workers,
            )

    def measure(
        path: str, latency_s: float, *, unique: bool, seconds: float
    ) -> wrk.Measurement:
        """wrk at the configured connections, or one connection per core when a
        request would take too long for that (see SLOW_LATENCY_S)."""
        wait_idle(scratch, db)
        cores = os.cpu_count() or 1
        expected = latency_s * max(1, args.connections / cores)
        if expected > SLOW_LATENCY_S:
            return closed_loop(
                port,
                path,
                connections=min(cores, args.connections),
                seconds=seconds,
                min_requests=2 * cores,
                unique=unique,
            )
        # Long enough for each connection to finish about three requests, so that a
        # slow page is not judged on its first few.
        return run_wrk(
            base_url, path, args, unique=unique, seconds=max(seconds, 3 * expected)
        )

    for endpoint in chosen:
        row = probe["endpoints"][endpoint.key]
        out = size["endpoints"][endpoint.key]
        out["ceiling"] = measure(
            row["ceiling_path"], 0, unique=False, seconds=args.seconds
        ).as_dict()
        # What a request with a new URL costs (the page cache cannot answer it): it
        # decides whether 16 connections can be kept busy (see measure()).
        latency_s = row["seconds"]
        if endpoint.cached:
            separator = "&" if "?" in row["path"] else "?"
            for n in range(2):
                t0 = time.perf_counter()
                get(port, f"{row['path']}{separator}_nocache=warm-{n}")
                latency_s = time.perf_counter() - t0
        m = measure(row["path"], latency_s, unique=True, seconds=args.seconds)
        out["not_cached"] = m.as_dict()
        log(
            f"{cases:,} {endpoint.key}: {m.rps:,.2f} req/s, p50 {m.p50_ms:,.1f} ms "
            f"(ceiling {out['ceiling']['rps']:,.0f} req/s, ratio "
            f"{report.ratio(out['not_cached'], out['ceiling'])})"
        )
    for endpoint in chosen:
        if not endpoint.cached:
            continue
        path = probe["endpoints"][endpoint.key]["path"]
        # The first request fills the cache; the second shows what a hit costs.
        wait_idle(scratch, db)
        get(port, path)
        t0 = time.perf_counter()
        get(port, path)
        m = measure(
            path,
            time.perf_counter() - t0,
            unique=False,
            seconds=args.cached_seconds,
        )
        size["endpoints"][endpoint.key]["cached"] = m.as_dict()
        log(
            f"{cases:,} {endpoint.key} cached: {m.rps:,.2f} req/s, "
            f"p50 {m.p50_ms:,.1f} ms"
        )
    wait_idle(scratch, db)
    size["export"] = measure_export(scratch, port, probe["dataset"]["published"])
    log(f"{cases:,} export: {size['export']}")
    # Last: it adds cases (and deletes them again), which the figures above must not see.
    wait_idle(scratch, db)
    size["publish"] = measure_publish(scratch, environ, base_url, args)
    log(f"{cases:,} publish to visible: {size['publish']}")
    size["loadavg"].append(loadavg())
    scratch.stop_server()
    flush_redis(args.redis_url)
    scratch.dropdb(db)
    return size


def expected_latency(row: dict[str, Any], args: argparse.Namespace) -> float:
    """A request's time under load: the probe's time, times the requests per core."""
    cores = os.cpu_count() or 1
    return float(row["seconds"]) * max(1, args.connections / cores)


# --- the run ------------------------------------------------------------------------------


def git(*command: str) -> str:
    done = subprocess.run(
        ["git", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    """When, on what commit and on what machine a run is made (its report's first line;
    the load test's too)."""
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_kb_total = int(meminfo[meminfo.index("MemTotal:") + 1])
    postgres = subprocess.run(
        ["psql", "-h", PGHOST, "-U", "postgres", "-tAc", "show server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short=12", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb_total / 1024 / 1024, 1),
        "postgres": postgres.split()[0] if postgres else "?",
    }


def machine_meta(args: argparse.Namespace) -> dict[str, Any]:
    return {
        **machine(),
        "gunicorn": f"{args.workers} workers x {args.worker_threads} threads (gthread)",
        "cache": f"Redis {args.redis_url}" if args.redis_url else "none (no Redis)",
        "connections": args.connections,
        "threads": args.threads,
        "seconds": args.seconds,
        "cached_seconds": args.cached_seconds,
        "word": args.word,
        "quick": args.quick,
        "loadavg_start": loadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_tools()
    if args.redis_url and not redis_answers(args.redis_url):
        # The page cache is on only with Redis (settings.PAGE_CACHE): without it the
        # "cached" figures measure the uncached pages; the table says so.
        log(f"Redis does not answer at {args.redis_url}: running without REDIS_URL")
        args.redis_url = ""
    ensure_static_files()
    scratch = Scratch(args.keep_db)
    results: dict[str, Any] = {"meta": machine_meta(args), "sizes": [], "failures": []}
    started = time.perf_counter()
    try:
        base = scratch.createdb(f"atlas_bench_{os.getpid()}_base")
        log(f"migrating {base}")
        manage(django_env(base, args, scratch.dir), "migrate", "--noinput", "-v0")
        plan = sorted(
            [(n, False) for n in args.count_sizes]
            + [(n, True) for n in args.load_sizes]
        )
        for cases, load in plan:
            results["sizes"].append(measure_size(scratch, args, base, cases, load=load))
    except (BenchFailure, subprocess.CalledProcessError) as error:
        results["failures"].append(str(error))
    # Sizes measured only for their query counts stay in the comparison, not the table.
    results["failures"] += report.query_count_failures(results)
    results["meta"]["loadavg_end"] = loadavg()
    results["meta"]["elapsed_s"] = round(time.perf_counter() - started)
    write_results(results, args)
    if results["failures"]:
        print("\nBENCHMARK FAILED:", *results["failures"], sep="\n- ", file=sys.stderr)
        return 1
    return 0


def write_results(results: dict[str, Any], args: argparse.Namespace) -> None:
    # The sizes probed only for their query counts are in that table, not the others.
    load_sizes = [s for s in results["sizes"] if s.get("load")]
    shown = {**results, "sizes": load_sizes, "query_counts": query_counts(results)}
    checks = report.evaluate(shown)
    shown["checks"] = [c.as_dict() for c in checks]
    markdown = report.render_markdown(shown, checks)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "latest.md").write_text(markdown)
    (args.out_dir / "latest.json").write_text(json.dumps(shown, indent=2) + "\n")
    print(markdown)
    missed = [c for c in checks if c.met is False]
    if missed:
        print(
            f"MISSED {len(missed)} of {len(checks)} targets (over every size):",
            *(f"{c.name}, at {c.cases:,}" for c in missed),
            sep="\n  ",
        )
    print(f"written: {args.out_dir / 'latest.md'}, {args.out_dir / 'latest.json'}")


def query_counts(results: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Queries per request of each endpoint at each size, the count-only sizes too."""
    return {
        str(size["cases"]): {
            key: row["queries"] for key, row in size["endpoints"].items()
        }
        for size in results["sizes"]
    }


if __name__ == "__main__":
    sys.exit(main())
