"""The search index across real processes: what one process publishes, another finds on
its very next search, on the same machine (one index directory) and on another (an index
of its own, fed by the same journal); a writer killed half-way leaves a consistent
index; a corrupted index is rebuilt while questions keep being answered.

Each process is tests/search_worker.py, the application's own code in a process of its
own. Only on PostgreSQL: pytest-django's SQLite test database lives in the memory of
this process, where no other process can reach it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, CityFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the SQLite test database is in this process's memory",
    ),
]

S = CaseStudy.Status
ROOT = Path(__file__).resolve().parent.parent


class Worker:
    """One process of the Atlas, answering tests/search_worker.py's commands."""

    def __init__(self, index_dir: Path) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "SEARCH_INDEX_DIR": str(index_dir),
            "SECRET_KEY": settings.SECRET_KEY,
            "REDIS_URL": "",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.search_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the worker ended (status {self.process.poll()})"
        return json.loads(line)

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.read()

    def search(self, text: str) -> list[int]:
        return self.ask(search=text)["ids"]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Any]:
    started: list[Worker] = []

    def start(machine: str) -> Worker:
        worker = Worker(tmp_path / machine)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def reviewer(transactional_db: None) -> Any:
    return UserFactory(username="process-reviewer", is_staff=True, is_superuser=True)


@pytest.fixture
def city(transactional_db: None) -> Any:
    return CityFactory(name="Procville", slug="procville")


def test_a_publish_in_one_process_is_found_by_the_next_search_in_the_others(
    workers: Any, reviewer: Any, city: Any
) -> None:
    CaseStudyFactory(city=city, published=True, title="Quokka census")
    case = CaseStudyFactory(city=city, status=S.SUBMITTED, title="Wombat crossings")
    writer, same_machine, other_machine = (
        workers("a"),
        workers("a"),
        workers("b"),
    )
    for worker in (writer, same_machine, other_machine):
        assert worker.search("wombat") == []  # each index is built and read
        assert len(worker.search("quokka")) == 1

    assert writer.ask(publish=case.pk, by=reviewer.pk) == {"ok": True}
    published = time.monotonic()
    assert same_machine.search("wombat") == [case.pk]
    assert other_machine.search("wombat") == [case.pk]
    assert writer.search("wombat") == [case.pk]
    # Not a timing assertion: a report of how long the round trip took.
    print(f"publish to visible in two other processes: {time.monotonic() - published}")

    # A machine that was down catches up when it comes back.
    CaseStudy.objects.filter(pk=case.pk).update(status=S.SUBMITTED)
    case.refresh_from_db()
    other_machine.stop()
    writer.ask(publish=case.pk, by=reviewer.pk)
    assert workers("b").search("wombat") == [case.pk]


@pytest.mark.parametrize("where", ["apply", "state"])
def test_a_writer_killed_half_way_leaves_a_consistent_index(
    workers: Any, city: Any, where: str
) -> None:
    cases = [
        CaseStudyFactory(city=city, published=True, title=f"Heron count {i}")
        for i in range(3)
    ]
    doomed, survivor = workers("a"), workers("a")
    assert len(survivor.search("heron")) == 3
    # Changes that the index has not applied yet: one edited, one archived.
    cases[0].title = "Egret count"
    cases[0].save()
    cases[1].status = S.ARCHIVED
    cases[1].save()
    # Killed inside the sync: before tantivy's commit, or after it and before the
    # journal state says what was applied.
    assert doomed.ask(sync_and_hang=where) == {"hanging": where}
    doomed.kill()

    assert survivor.search("heron") == [cases[2].pk]
    assert survivor.search("egret") == [cases[0].pk]
    assert survivor.ask(documents=True)["documents"] == 2  # nothing twice


def test_a_corrupted_index_is_rebuilt_while_questions_keep_being_answered(
    workers: Any, city: Any, tmp_path: Path
) -> None:
    case = CaseStudyFactory(city=city, published=True, title="Otter holts")
    reader = workers("a")
    assert reader.search("otter") == [case.pk]
    generation = reader.ask(documents=True)["generation"]
    # Every file of the live index replaced by garbage of its size, as a restore from
    # a bad backup might. Replaced, not written over: the running process maps the
    # old files, and rewriting a mapped file under it can kill it (SIGBUS), which no
    # code can answer. The journal's state is left as it was.
    for path in (tmp_path / "a" / generation).iterdir():
        if path.is_file() and path.name != "journal.json":
            garbage = path.with_name(path.name + ".garbage")
            garbage.write_bytes(os.urandom(path.stat().st_size))
            os.replace(garbage, path)

    assert reader.search("otter") == [case.pk]
    assert workers("a").search("otter") == [case.pk]
    assert reader.ask(documents=True)["generation"] != generation
