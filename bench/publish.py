"""Publish to visible in search, across the running server's workers (issue 15: <= 1 s).

    python -m bench.publish --base-url http://127.0.0.1:PORT --access-log PATH \\
        --out publish.json [--trials 5] [--concurrency 8] [--rounds 3]

Run by bench/run.py at each size, last (after everything else is timed), in a process
of its own with the size's environment: the server's database, index directory and
Redis. The server's workers each keep a reader of the one index directory; the journal
(innovation_cases/engine/journal.py) is what must carry a publish to all of them. Each
trial:

1. makes a case submitted for review, in the first city, whose title holds a word no
   other case has; its search is asked once through the server, so that the page cache
   holds the page without it, as a visitor's search just before the publish would;
2. publishes it through the review workflow (`case.publish()`), as a reviewer, the
   moment of the commit taken by `transaction.on_commit`;
3. asks the server that search in rounds of `concurrency` requests at once, each on a
   connection of its own: the first the plain URL (through the page cache, which the
   publish must have emptied), the others each with a `_nocache` of its own (answered
   by the engine of whichever worker takes it), until `rounds` rounds in a row have all
   found the case (its link on the page).

A trial's figure is the time from the commit to the end of the first of those rounds;
the figure of the size is the slowest trial's. The workers that answered those rounds
are read from the server's access log, whose lines end with the worker's pid (run.py
sets the format). Afterwards every case and the reviewer it made are deleted (journalled
as any deletion is), so that the database holds what it held before. A case not visible
after `--timeout` seconds, or an answer other than 200, fails the run (exit 1).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import string
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# `_nocache=publish-<run>-<trial>-<round>-<request>` in an access log line, and the
# serving worker's pid at its end (gunicorn's `%(p)s`: `<1234>`).
TAG = re.compile(r"_nocache=(publish-[a-z0-9]+-\d+-\d+-\d+)[ &\"]")
PID = re.compile(r"<(\d+)>\s*$")


class NotVisible(RuntimeError):
    """The case did not show up, or the server answered other than 200."""


def first_of_streak(rounds: Iterable[tuple[float, bool]], needed: int) -> int | None:
    """The index of the first of `needed` rounds in a row that all found the case,
    from (time, all found) a round; None if there is no such run."""
    streak = 0
    for i, (_when, found) in enumerate(rounds):
        streak = streak + 1 if found else 0
        if streak == needed:
            return i - needed + 1
    return None


def serving_workers(log_lines: Iterable[str], tags: set[str]) -> set[int]:
    """The pids of the workers that answered the requests tagged `tags`."""
    pids = set()
    for line in log_lines:
        tag, pid = TAG.search(line), PID.search(line)
        if tag and pid and tag.group(1) in tags:
            pids.add(int(pid.group(1)))
    return pids


def get(host: str, port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Trial:
    """One case published, and the server polled until every worker finds it."""

    def __init__(
        self, args: argparse.Namespace, run: str, number: int, pool: ThreadPoolExecutor
    ) -> None:
        split = urlsplit(args.base_url)
        self.host, self.port = split.hostname or "127.0.0.1", split.port or 80
        self.args, self.run, self.number, self.pool = args, run, number, pool
        self.word = "pubvis" + "".join(
            secrets.choice(string.ascii_lowercase) for _ in range(10)
        )
        self.path = f"/en/cases/?q={self.word}"

    def ask(self, path: str, slug: str) -> bool:
        status, body = get(self.host, self.port, path)
        if status != 200:
            raise NotVisible(f"{path}: status {status}")
        return f"/en/cases/{slug}/" in body

    def poll(self, slug: str, committed: float) -> tuple[float, set[str]]:
        """Rounds until `rounds` in a row find the case: the seconds from the commit
        to the end of the first of them, and the tags of their requests."""
        rounds: list[tuple[float, bool]] = []
        tags: list[list[str]] = []
        while True:
            n = len(rounds)
            tagged = [
                f"publish-{self.run}-{self.number}-{n}-{i}"
                for i in range(1, self.args.concurrency)
            ]
            paths = [self.path] + [f"{self.path}&_nocache={tag}" for tag in tagged]
            found = all(self.pool.map(lambda p: self.ask(p, slug), paths))
            rounds.append((time.perf_counter() - committed, found))
            tags.append(tagged)
            first = first_of_streak(rounds, self.args.rounds)
            if first is not None:
                streak = {t for batch in tags[first:] for t in batch}
                return rounds[first][0], streak
            if rounds[-1][0] > self.args.timeout:
                raise NotVisible(
                    f"case {slug} not found by every worker {self.args.timeout:g} s "
                    "after its publish"
                )


def publish(case: Any, reviewer: Any) -> float:
    """Publish `case` through the workflow; the moment its transaction committed
    (perf_counter), taken before anything else that runs on the commit."""
    from django.db import transaction

    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))
        case.publish(by=reviewer)
    return committed[0]


def publish_and_poll(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from cities.models import City
    from innovation_cases.models import CaseStudy

    city = City.objects.order_by("pk").first()
    if city is None:
        raise NotVisible("the database holds no city")
    run = secrets.token_hex(4)
    reviewer = get_user_model().objects.create_user(
        username=f"bench-publisher-{run}", is_staff=True, is_superuser=True
    )
    made: list[Any] = []
    seconds: list[float] = []
    streak_tags: list[set[str]] = []
    try:
        with ThreadPoolExecutor(args.concurrency) as pool:
            for number in range(1, args.trials + 1):
                trial = Trial(args, run, number, pool)
                case = CaseStudy.objects.create(
                    title=f"Publish to visible {trial.word}",
                    slug=f"bench-publish-{trial.word}",
                    city=city,
                    summary="Made by bench/publish.py, and deleted after its run.",
                    status=CaseStudy.Status.SUBMITTED,
                    is_synthetic=True,
                )
                made.append(case)
                if trial.ask(trial.path, case.slug):
                    raise NotVisible(f"case {case.slug} found before its publish")
                took, tags = trial.poll(case.slug, publish(case, reviewer))
                seconds.append(round(took, 3))
                streak_tags.append(tags)
    finally:
        for case in made:
            case.delete()
        reviewer.delete()
    time.sleep(0.5)  # a worker writes its access log line after the response
    lines = Path(args.access_log).read_text(errors="replace").splitlines()
    workers = [len(serving_workers(lines, tags)) for tags in streak_tags]
    return {
        "trials": seconds,
        "seconds": max(seconds),
        "streak": args.rounds * args.concurrency,
        "workers": min(workers),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--access-log", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    try:
        result = publish_and_poll(args)
    except NotVisible as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
