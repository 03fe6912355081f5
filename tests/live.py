"""Real servers for tests that need them: a private PostgreSQL (initdb in a temporary
directory, on a free port), a private Redis, and the site served by gunicorn as the
Dockerfile runs it, each started and stopped by the test itself.

Nothing here touches the machine's own servers (PostgreSQL at 5432, Redis at 6379): every
server listens on 127.0.0.1 at a port the system gave as free, keeps its files (and its
unix socket) in a temporary directory, and is stopped when the test leaves its `with`
block, whatever happened. Used by tests/test_outage_live.py; a load test can use
`Gunicorn` and `site_environment` the same way.
"""

from __future__ import annotations

import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


# --- Ports and waiting ------------------------------------------------------------------


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound by the system, then freed)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until(
    condition: Callable[[], Any],
    *,
    what: str,
    timeout: float = 60.0,
    interval: float = 0.1,
    alive: Callable[[], str | None] = lambda: None,
) -> Any:
    """Polls `condition()` until it returns something true, and returns that. Fails
    after `timeout` seconds (a generous limit, not a measurement), or as soon as
    `alive()` names a reason to stop waiting (the server exited)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        reason = alive()
        if reason:
            raise AssertionError(f"gave up waiting for {what}: {reason}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((HOST, port)) == 0


# --- HTTP -------------------------------------------------------------------------------


@dataclass
class Answer:
    """One request and what came back: a status and headers, or the error that came
    instead (a refused or reset connection, a timeout)."""

    method: str
    path: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def __str__(self) -> str:
        outcome = self.error or f"{self.status} {self.body[:200]!r}"
        return f"{self.method} {self.path}: {outcome}"


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request on a connection of its own; never raises for what the server did."""
    answer = Answer(method, path)
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        answer.body = response.read()
        answer.status = response.status
        answer.headers = {name.lower(): value for name, value in response.getheaders()}
    except (OSError, http.client.HTTPException) as error:
        answer.error = f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    return answer


# --- PostgreSQL -------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are (the newest installed PostgreSQL), or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: (
            int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_unavailable_reason() -> str | None:
    """Why a private PostgreSQL cannot be started here, or None if it can."""
    if postgres_bindir() is None:
        return "no PostgreSQL server binaries (initdb) are installed"
    if os.geteuid() == 0:
        # initdb refuses to run as root: the servers run as the postgres user.
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root, and runuser is missing"
    return None


class PrivatePostgres:
    """A PostgreSQL server of the test's own: a new cluster in a temporary directory,
    on a free port of 127.0.0.1, its unix socket in that directory, trust
    authentication for the `postgres` role.

    As root (initdb refuses root), its commands run as the postgres user, and the
    directory is theirs. fsync is off: a stop with `-m immediate` is a crash of the
    server, not of the machine, so every acknowledged commit is still in the files the
    system holds (synchronous_commit stays on: a commit is acknowledged only once its
    WAL is written)."""

    def __init__(self) -> None:
        bindir = postgres_bindir()
        assert bindir is not None, postgres_unavailable_reason()
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run(  # noqa: S603 -- PostgreSQL's own binaries, fixed arguments
            [*self.as_user, str(self.bindir / command[0]), *command[1:]],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def initdb(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        """Starts the server and waits until it accepts connections."""
        options = (
            f"-c listen_addresses={HOST} -p {self.port} -k {self.directory} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`immediate`: every backend killed at once, as a crash would (the next start
        recovers from the WAL); `fast`: transactions rolled back, then a clean stop."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        """An admin connection (autocommit), from this process."""
        import psycopg

        return psycopg.connect(
            host=HOST, port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def createdb(self, name: str) -> None:
        with self.connect() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

    def terminate_backends(self, database: str) -> int:
        """Kills every other connection to `database` (pg_terminate_backend), as an
        administrator or a fail-over would; how many it killed."""
        with self.connect() as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            ).fetchall()
        return sum(1 for (killed,) in rows if killed)

    def close(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private PostgreSQL, stopped and deleted on the way out."""
    server = PrivatePostgres()
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        server.close()


# --- Redis ------------------------------------------------------------------------------


def redis_unavailable_reason() -> str | None:
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    return None


class PrivateRedis:
    """A redis-server of the test's own, on a free port of 127.0.0.1, keeping nothing
    on disk. `kill()` ends it as a crash would; `start()` starts it again on the same
    port, empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="atlas-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        log = self.directory / "redis.log"
        self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                HOST,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(log),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        process = self.process
        wait_until(
            lambda: self.ping(),
            what=f"redis-server on port {self.port}",
            timeout=30,
            alive=lambda: (
                f"exited: {log.read_text()[-500:]}"
                if process.poll() is not None
                else None
            ),
        )

    def ping(self) -> bool:
        return self.command("PING") == b"+PONG"

    def command(self, *words: str) -> bytes:
        """One command in Redis's inline form; its first reply line (b"" if none)."""
        try:
            with socket.create_connection((HOST, self.port), timeout=2) as client:
                client.sendall(" ".join(words).encode() + b"\r\n")
                return client.makefile("rb").readline().rstrip(b"\r\n")
        except OSError:
            return b""

    def info(self, name: str) -> int:
        """One counter of INFO (keyspace_hits, total_connections_received, …)."""
        with socket.create_connection((HOST, self.port), timeout=2) as client:
            client.sendall(b"INFO\r\n")
            reader = client.makefile("rb")
            size = int(reader.readline()[1:])
            text = reader.read(size + 2).decode()
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key == name:
                return int(value)
        raise KeyError(name)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.close()


class Blackhole:
    """A server that accepts connections on a port and never reads or answers, as a
    stopped or wedged server looks to its clients (the kernel completes the
    handshakes), counting the connections it accepted."""

    def __init__(self, port: int) -> None:
        self.accepted = 0
        self._connections: list[socket.socket] = []
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self._socket.listen(64)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self._socket.accept()
            except OSError:
                return  # closed
            self.accepted += 1
            self._connections.append(connection)

    def close(self) -> None:
        self._socket.close()
        for connection in self._connections:
            connection.close()
        self._thread.join(timeout=5)


# --- The site ---------------------------------------------------------------------------


def site_environment(
    directory: Path, *, database_url: str, redis_url: str = "", **extra: str
) -> dict[str, str]:
    """The environment of a production-like process of the site (DEBUG off, hashed
    static files), on the given database and cache, with a search index and media of
    its own in `directory`, and the API's throttles out of the way of a test's load."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO_", "SENTRY_"))
        and name not in {"DEBUG", "REDIS_URL", "DATABASE_URL", "LOG_FORMAT"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY="live-test-" + os.urandom(16).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SEARCH_INDEX_DIR=str(directory / "search-index"),
        MEDIA_ROOT=str(directory / "media"),
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra)
    return environment


def static_files_unavailable_reason() -> str | None:
    """With DEBUG off the site serves the hashed copies that collectstatic writes."""
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        return (
            "no collected static files: run `manage.py collectstatic` (make test does)"
        )
    return None


def django_shell(environment: Mapping[str, str], code: str) -> str:
    """Runs `code` in `manage.py shell` with `environment`; its standard output."""
    done = subprocess.run(  # noqa: S603 -- this interpreter, our manage.py
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=dict(environment),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Gunicorn:
    """The site served by gunicorn as the Dockerfile runs it (config.wsgi, gthread
    workers, the access log on standard output), with fewer workers and threads, on a
    free port; its output (the site's log lines and the access log) in `log`."""

    def __init__(
        self,
        environment: Mapping[str, str],
        log: Path,
        *,
        workers: int = 2,
        threads: int = 4,
    ) -> None:
        self.port = free_port()
        self.log = log
        # Open as long as the server runs: close() closes it.
        self._output = open(log, "ab")
        self.process = subprocess.Popen(  # noqa: S603 -- our gunicorn, fixed arguments
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                f"--bind={HOST}:{self.port}",
                f"--workers={workers}",
                f"--threads={threads}",
                "--access-logfile=-",
                # Its default path is shared by every gunicorn on the machine.
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=dict(environment),
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        wait_until(
            lambda: request(self.port, "GET", "/healthz", timeout=5).status == 200,
            what=f"gunicorn on port {self.port}",
            alive=self._exited,
        )

    def _exited(self) -> str | None:
        if self.process.poll() is None:
            return None
        return f"gunicorn exited ({self.process.returncode}):\n{self.output()[-3000:]}"

    def get(self, path: str, **kwargs: Any) -> Answer:
        return request(self.port, "GET", path, **kwargs)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
