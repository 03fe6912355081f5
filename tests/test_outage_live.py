"""Outages under a real server: the site served by gunicorn as the Dockerfile runs it,
on a private PostgreSQL and a private Redis that the tests stop, kill and start again
while concurrent clients read pages, search, read the API and write through it.

- PostgreSQL stopped (`pg_ctl stop -m immediate`, a crash) under load, and its
  connections killed (`pg_terminate_backend`): every answer is a success or a proper
  503 (the page, or a problem under /api/, with Retry-After), never a 500 or a cut
  connection; while it is down /healthz says alive and /readyz 503; when it is back,
  the same processes answer again by themselves; every acknowledged write is stored
  exactly once, and none is stored half-way.
- Redis killed, then answering nothing, under load: everything answers, uncached,
  with a warning logged; Redis is asked again only once a back-off ends (counted by a
  server that accepts and never answers), so no request waits more than once for it;
  started again, the page cache is used again.

The servers are the tests' own (tests/live.py): nothing touches the machine's
PostgreSQL or Redis. Marked `live`: CI runs them in its SQLite pass only (they never
use the suite's database, so the PostgreSQL pass would only repeat them). core/outage.py
and config/redis_cache.py explain the behaviour; tests/test_database_outage.py and
tests/test_cache_outage.py check it in this process.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from config import redis_cache
from tests import live
from tests.live import Answer, Gunicorn

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        bool(live.postgres_unavailable_reason()),
        reason=f"a private PostgreSQL cannot run here: {live.postgres_unavailable_reason()}",
    ),
    pytest.mark.skipif(
        bool(live.static_files_unavailable_reason()),
        reason=str(live.static_files_unavailable_reason()),
    ),
]

DATABASE = "atlas"

# A migrated database with a little content, an officer of Ghent with an API token,
# and the search index built (as the Dockerfile's start does).
SEED = """
import json
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0, skip_checks=True)
from accounts.models import ApiToken
from tests.factories import CaseStudyFactory, CityFactory, MembershipFactory
city = CityFactory(name="Ghent", slug="ghent", country="BE")
for slug, title in [("budget", "Participatory budget"), ("benches", "Street benches"),
                    ("portal", "Open data portal")]:
    CaseStudyFactory(city=city, slug=slug, title=title, published=True)
officer = MembershipFactory(city=city).user
call_command("search_index", "sync", verbosity=0)
print(json.dumps({"token": ApiToken.issue(user=officer, name="live test")[1]}))
"""

PAGES = [
    "/en/",
    "/en/cases/",
    "/en/cases/?q=budget",
    "/en/cases/budget/",
    "/en/cities/ghent/",
]
API_READS = ["/api/v1/cases/", "/api/v1/cases/?search=benches", "/api/v1/cases/portal/"]
WRITE = "write"
# What each client asks, in turn (each client starts at its own place).
MIX = [*PAGES, *API_READS, WRITE]
CLIENTS = 6
WORKERS = 2  # gunicorn's, each with 4 threads


@dataclass
class Site:
    """The module's private PostgreSQL, holding the migrated database with a little
    content, and its officer's token; each test serves the site on it anew."""

    postgres: live.PrivatePostgres
    directory: Path
    token: str

    def environment(self, **extra: str) -> dict[str, str]:
        return live.site_environment(
            self.directory, database_url=self.postgres.url(DATABASE), **extra
        )

    def serve(self, log: Path, **extra: str) -> Gunicorn:
        if not self.postgres.running:
            self.postgres.start()
        return Gunicorn(self.environment(**extra), log, workers=WORKERS, threads=4)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    directory = Path(tempfile.mkdtemp(prefix="atlas-live-"))
    try:
        with live.private_postgres() as postgres:
            postgres.createdb(DATABASE)
            site = Site(postgres, directory, token="")
            printed = live.django_shell(site.environment(), SEED)
            site.token = json.loads(printed.strip().splitlines()[-1])["token"]
            yield site
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class Load:
    """CLIENTS threads asking MIX of the server, each request on a connection of its
    own, until the block ends; every answer kept, each write by its case's title."""

    def __init__(self, server: Gunicorn, site: Site) -> None:
        self.server = server
        self.token = site.token
        # The titles of this load's writes start with it.
        self.prefix = f"Outage write {uuid.uuid4().hex[:8]}"
        self.answers: list[Answer] = []
        self.writes: dict[str, Answer] = {}
        self._lock = threading.Lock()
        self._more = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(number,), daemon=True)
            for number in range(CLIENTS)
        ]

    def _client(self, number: int) -> None:
        step = number
        while not self._stop.is_set():
            path = MIX[step % len(MIX)]
            step += 1
            if path == WRITE:
                title = f"{self.prefix} {number}-{step}"
                answer = live.request(
                    self.server.port,
                    "POST",
                    "/api/v1/cases/",
                    body=json.dumps(
                        {"city": "ghent", "title": title, "summary": "Written live."}
                    ).encode(),
                    headers={
                        "Authorization": f"Bearer {self.token}",
                        "Content-Type": "application/json",
                    },
                )
            else:
                answer = self.server.get(path)
            with self._lock:
                if path == WRITE:
                    self.writes[title] = answer
                self.answers.append(answer)
                self._more.notify_all()

    def wait_for(self, count: int) -> None:
        """Until `count` more answers have come (requests that were in flight, or
        sent, since the call)."""
        with self._lock:
            target = len(self.answers) + count
            assert self._more.wait_for(lambda: len(self.answers) >= target, 60), (
                f"the clients got no more than {len(self.answers)} answers"
            )

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def wrong(answers: list[Answer], *, allow_503: bool) -> list[str]:
    """The answers that are neither a success nor (if allowed) a proper 503."""
    return [
        str(answer)
        for answer in answers
        if not (
            answer.status in (200, 201)
            or (allow_503 and answer.status == 503 and is_proper_503(answer))
        )
    ]


def is_proper_503(answer: Answer) -> bool:
    if answer.header("Retry-After") != "5":
        return False
    if answer.path.startswith("/api/"):
        return (
            answer.header("Content-Type") == "application/problem+json"
            and json.loads(answer.body)["code"] == "unavailable"
        )
    return (
        answer.header("Content-Type").startswith("text/html")
        and b"<h1>Service temporarily unavailable</h1>" in answer.body
    )


def everything_answers(server: Gunicorn) -> bool:
    return all(server.get(path).status == 200 for path in [*PAGES, *API_READS])


def stored_writes(site: Site, prefix: str) -> dict[str, tuple[int, int]]:
    """Each title that starts with `prefix` in the database: (its cases, its history
    rows)."""
    with site.postgres.connect(DATABASE) as connection:
        cases = dict(
            connection.execute(
                "SELECT title, count(*) FROM innovation_cases_casestudy "
                "WHERE title LIKE %s GROUP BY title",
                [prefix + " %"],
            ).fetchall()
        )
        history = dict(
            connection.execute(
                "SELECT title, count(*) FROM innovation_cases_historicalcasestudy "
                "WHERE title LIKE %s GROUP BY title",
                [prefix + " %"],
            ).fetchall()
        )
    return {
        title: (cases.get(title, 0), history.get(title, 0))
        for title in cases.keys() | history.keys()
    }


def log_lines(server: Gunicorn, pattern: str) -> list[str]:
    """The lines of the server's output that match `pattern`."""
    return [line for line in server.output().splitlines() if re.search(pattern, line)]


# --- PostgreSQL -----------------------------------------------------------------------


def test_a_database_outage_is_survived_without_a_restart_or_a_lost_write(
    site: Site, tmp_path: Path
) -> None:
    with site.serve(tmp_path / "server.log") as server, Load(server, site) as load:
        load.wait_for(20)
        # A crash of the database, with requests in flight.
        site.postgres.stop("immediate")
        stopped = len(load.answers)
        load.wait_for(20)

        # While it is down (the clients still asking).
        for path in PAGES + API_READS:
            answer = server.get(path)
            assert is_proper_503(answer), answer
        assert server.get("/healthz").status == 200
        ready = server.get("/readyz")
        assert ready.status == 503
        assert json.loads(ready.body)["checks"]["database"]["status"] == "error"

        # Back: the same processes answer again by themselves.
        site.postgres.start()
        live.wait_until(
            lambda: everything_answers(server),
            what="every page and API read answering 200 again",
        )
        assert server.get("/readyz").status == 200

        # Connections killed mid-request, again and again.
        for _ in range(4):
            load.wait_for(10)
            assert site.postgres.terminate_backends(DATABASE) > 0
        live.wait_until(
            lambda: everything_answers(server), what="every page answering again"
        )
        # Once the database answers, nothing is refused any more (but the requests
        # that were in flight when it did, at most one a client).
        recovered = len(load.answers) + CLIENTS
        load.wait_for(20 + CLIENTS)

        assert server.process.poll() is None
    answers, writes, log = load.answers, load.writes, server.output()

    assert wrong(answers, allow_503=True) == []
    assert any(answer.status == 503 for answer in answers[stopped:recovered])
    assert wrong(answers[recovered:], allow_503=False) == []

    # Every acknowledged write is stored once, with its one history row, and nothing
    # else is. A refused write was not stored, or stored whole (its commit reached the
    # database just before the connection was lost): never a case without its history.
    acknowledged = {title for title, answer in writes.items() if answer.status == 201}
    refused = {title for title, answer in writes.items() if answer.status == 503}
    assert acknowledged and refused
    stored = stored_writes(site, load.prefix)
    assert stored.keys() <= writes.keys()
    for title in acknowledged:
        assert stored.get(title) == (1, 1), title
    for title in refused:
        assert stored.get(title, (0, 0)) in ((0, 0), (1, 1)), title

    # Each 503 was one warning line, with its request's id; nothing was logged as an
    # error (but /readyz's 503s) and there was no traceback; no worker was restarted.
    for answer in answers:
        if answer.status == 503:
            request_id = answer.header("X-Request-ID")
            assert log.count(f"WARNING core.outage [{request_id}]") == 1, answer
    assert "Traceback" not in log
    assert [
        line
        for line in log.splitlines()
        if re.search(r"\bERROR\b", line) and "/readyz" not in line
    ] == []
    assert log.count("Booting worker") == WORKERS


# --- Redis ----------------------------------------------------------------------------


def served_from_the_cache(site: Site, server: Gunicorn, path: str) -> bool:
    """Whether `path`, read once, is then answered while the database is down: only
    the page cache can answer it then."""
    assert server.get(path).status == 200
    site.postgres.stop()
    try:
        return server.get(path).status == 200
    finally:
        site.postgres.start()


@pytest.mark.skipif(
    bool(live.redis_unavailable_reason()), reason=str(live.redis_unavailable_reason())
)
def test_a_redis_outage_costs_the_cache_not_the_answers(
    site: Site, tmp_path: Path
) -> None:
    with live.private_redis() as redis:
        environment = {"REDIS_URL": redis.url, "CACHE_SECONDS": "600"}
        with site.serve(tmp_path / "server.log", **environment) as server:
            assert served_from_the_cache(site, server, "/en/cases/")

            with Load(server, site) as load:
                load.wait_for(12)
                outage_began = time.monotonic()
                redis.kill()  # Nothing listens on its port now.
                load.wait_for(24)
                # Then a Redis that accepts connections and never answers: once each
                # worker has tried it (its back-off over), 40 more requests.
                blackhole = live.Blackhole(redis.port)
                try:
                    live.wait_until(
                        lambda: blackhole.accepted >= WORKERS,
                        what="each worker trying Redis again",
                    )
                    tries, since = blackhole.accepted, time.monotonic()
                    load.wait_for(40)
                    tried_again = blackhole.accepted - tries
                    back_offs = (time.monotonic() - since) / redis_cache.RETRY_SECONDS
                finally:
                    blackhole.close()
                outage = time.monotonic() - outage_began
            assert wrong(load.answers, allow_503=False) == []
            # A worker that found Redis silent waited its one-second socket timeout
            # once, then left it alone until its back-off ended: over those 40
            # requests, each making several cache calls, Redis was asked once a
            # worker a back-off period, not once a call. (Not a timing assertion: the
            # bound is the back-off's, however long the requests took.)
            assert tried_again <= WORKERS * (int(back_offs) + 1)
            # Logged once a process when each of the two failures began (Redis gone,
            # then a server that accepts and never answers, which a process may meet
            # as a new outage) and again only after WARNING_SECONDS, not once a
            # request (the load made hundreds of cache calls meanwhile).
            warnings = log_lines(server, r"WARNING config\.redis_cache .*unavailable")
            limit = 2 * WORKERS * (int(outage / redis_cache.WARNING_SECONDS) + 1)
            assert 1 <= len(warnings) <= limit

            # Back (empty, on the same port): each worker uses it again once its
            # back-off ends, and says so.
            redis.start()
            live.wait_until(
                lambda: (
                    server.get("/en/cases/").status == 200
                    and server.output().count("The Redis cache answers again")
                    == WORKERS
                ),
                what="every worker using the cache again",
                interval=0.5,
            )
            # And its pages are stored and served from it again. Within a back-off or
            # two, not necessarily at the first request: a thread of a worker may
            # still meet one failure of the outage's (a connection it left in its
            # pool, or a try that began before Redis was back) and leave Redis alone
            # for one more RETRY_SECONDS, answering uncached meanwhile, as designed.
            live.wait_until(
                lambda: served_from_the_cache(site, server, "/en/cases/?q=budget"),
                what="a page served from the cache again",
                interval=1.0,
            )
            log = server.output()
    assert "Traceback" not in log
    assert not re.search(r"\bERROR\b", log)
