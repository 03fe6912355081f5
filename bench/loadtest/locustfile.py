"""The load test's clients, for locust (run headless by bench/loadtest/run.py, which
passes the plan made by setup.py and where to write the records).

Nine clients in ten are anonymous readers, going from page to page with no pause: the
home page, the case list with filters, facets, sorting and pages, searches of varied
words (most of them new to the page cache), case and city pages, the insights, the CSV
and JSON exports, the feed, and the API's lists, filters, details and statistics.

One in ten is an officer, writing through the API as a script would, every write with
`If-Match`: edits (read the case for its ETag, PATCH the summary; a 412 means another
officer wrote first, so read again and retry with the new ETag), submissions for review
and withdrawals (the same, with the status), and creates. Every officer writes to the
same few shared drafts, so that concurrent edits of one case are common. Each write
carries a token of its own in the summary (and a create's title), recorded with its
If-Match, its answer and the ETag the answer gave: verify.py then finds each in the
database (ledger.py).

Every request's group, time and status is recorded too (locust's own statistics round
its percentiles); both lists are written to LOADTEST_RECORDS when locust quits.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, events, task
from locust.env import Environment

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text())
RECORDS = Path(os.environ["LOADTEST_RECORDS"])
# A 412 is retried (with the ETag read again) at most this many times.
RETRIES = 5
ORDERINGS = ["newest", "oldest", "title", "-title", "year", "-year"]

# group, milliseconds, status (0: no answer), URL, end (seconds since the start)
requests: list[tuple[str, float, int, str, float]] = []
writes: list[dict[str, Any]] = []
started = [time.time()]
officer_numbers = count()
write_numbers = count(1)


def on_test_start(environment: Environment, **kwargs: Any) -> None:
    started[0] = time.time()


def on_request(
    name: str,
    response_time: float,
    response: Any,
    url: str | None = None,
    **kwargs: Any,
) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    requests.append((name, response_time, status, url or "", time.time() - started[0]))


def on_quitting(environment: Environment, **kwargs: Any) -> None:
    RECORDS.write_text(json.dumps({"requests": requests, "writes": writes}))


# Not as decorators: locust's add_listener is untyped, and would untype them.
events.test_start.add_listener(on_test_start)
events.request.add_listener(on_request)
events.quitting.add_listener(on_quitting)


def pick(values: list[str]) -> str:
    return random.choice(values)  # noqa: S311 -- load, not secrets  # nosec B311


def chance(p: float) -> bool:
    return random.random() < p  # noqa: S311 -- as above  # nosec B311


def facet_params(most: int = 2) -> dict[str, str]:
    """One or two facets (a vocabulary's term, a country), now and then a sort."""
    facets = PLAN["facets"]
    names = random.sample(sorted(facets), k=random.randint(1, most))  # noqa: S311  # nosec B311
    params = {name: pick(facets[name]) for name in names}
    if chance(0.3):
        params["ordering"] = pick(ORDERINGS)
    return params


def words() -> str:
    """One word of the published cases, or two (a new question for the cache)."""
    if chance(0.4):
        return f"{pick(PLAN['words'])} {pick(PLAN['words'])}"
    return pick(PLAN["words"])


def query(params: dict[str, str]) -> str:
    return "?" + urlencode(params) if params else ""


class Reader(FastHttpUser):
    """An anonymous visitor or open-data user (nine clients in ten)."""

    weight = 9

    def read(self, group: str, url: str) -> None:
        self.client.get(url, name=group)

    @task(5)
    def home(self) -> None:
        self.read("page: home", "/en/")

    @task(4)
    def case_list(self) -> None:
        page = random.randint(1, 5)  # noqa: S311  # nosec B311
        self.read("page: case list", f"/en/cases/{query({'page': str(page)})}")

    @task(10)
    def case_list_facets(self) -> None:
        self.read("page: case list, facets", f"/en/cases/{query(facet_params())}")

    @task(12)
    def search(self) -> None:
        params = {"q": words()}
        if chance(0.3):
            params.update(facet_params(1))
        self.read("page: search", f"/en/cases/{query(params)}")

    @task(14)
    def case(self) -> None:
        self.read("page: case", f"/en/cases/{pick(PLAN['cases'])}/")

    @task(6)
    def city(self) -> None:
        self.read("page: city", f"/en/cities/{pick(PLAN['cities'])}/")

    @task(3)
    def insights(self) -> None:
        self.read("page: insights", "/en/insights/")

    @task(3)
    def export(self) -> None:
        params = facet_params(1)
        if chance(0.5):
            params["q"] = words()
        extension = pick(["csv", "json"])
        self.read(
            f"export: {extension}, filtered",
            f"/en/cases/export.{extension}{query(params)}",
        )

    @task(1)
    def export_all(self) -> None:
        self.read("export: csv, everything", "/en/cases/export.csv")

    @task(3)
    def feed(self) -> None:
        params = facet_params(1) if chance(0.5) else {}
        self.read("feed", f"/en/cases/feed.atom{query(params)}")

    @task(5)
    def api_list(self) -> None:
        page = random.randint(1, 5)  # noqa: S311  # nosec B311
        self.read("api: case list", f"/api/v1/cases/{query({'page': str(page)})}")

    @task(8)
    def api_filter(self) -> None:
        params = facet_params()
        if chance(0.5):
            params["search"] = words()
        self.read("api: case list, filtered", f"/api/v1/cases/{query(params)}")

    @task(8)
    def api_detail(self) -> None:
        self.read("api: case", f"/api/v1/cases/{pick(PLAN['cases'])}/")

    @task(3)
    def api_stats(self) -> None:
        self.read("api: stats", "/api/v1/stats/")


class Officer(FastHttpUser):
    """A city officer's script, writing through the API with If-Match (one client in
    ten, and at least one: run.py sets fixed_count through LOADTEST_OFFICER_CLIENTS)."""

    weight = 1
    fixed_count = int(os.environ.get("LOADTEST_OFFICER_CLIENTS", "0"))

    def on_start(self) -> None:
        self.number = next(officer_numbers)
        officer = PLAN["officers"][self.number % len(PLAN["officers"])]
        self.auth = {"Authorization": f"Bearer {officer['token']}"}

    def new_token(self, kind: str) -> str:
        """A write's token: its kind, the client, a number and a random part."""
        return (
            f"lt-{kind[0]}-{self.number}-{next(write_numbers)}-{secrets.token_hex(3)}"
        )

    def read_case(self, slug: str) -> tuple[str, str]:
        """The shared case's ETag and status, as this officer reads them now."""
        response = self.client.get(
            f"/api/v1/cases/{slug}/", headers=self.auth, name="officer: read for ETag"
        )
        if response.status_code != 200 or response.headers is None:
            return "", ""
        return str(response.headers.get("ETag", "")), str(response.json()["status"])

    def record(
        self, kind: str, token: str, response: Any, **details: Any
    ) -> dict[str, Any]:
        write = {
            "kind": kind,
            "token": token,
            "status": int(getattr(response, "status_code", 0) or 0),
            "etag": response.headers.get("ETag") if response.headers else None,
            **details,
        }
        writes.append(write)
        return write

    def update(self, slug: str, *, step: bool) -> None:
        """An edit of the summary (`step`: with the submit or withdrawal the case's
        status calls for), from the version just read, retried on a 412."""
        etag, status = self.read_case(slug)
        for _ in range(RETRIES + 1):
            if not etag:
                return  # the read failed: recorded as such, nothing sent
            kind = "edit"
            if step:
                kind = "withdraw" if status == "submitted" else "submit"
            token = self.new_token(kind)
            body: dict[str, Any] = {"summary": f"Load test write {token}."}
            if kind != "edit":
                body["status"] = "draft" if kind == "withdraw" else "submitted"
            response = self.client.patch(
                f"/api/v1/cases/{slug}/",
                json=body,
                headers={**self.auth, "If-Match": etag},
                name=f"write: {kind}",
            )
            self.record(kind, token, response, case=slug, if_match=etag)
            if response.status_code != 412:
                return
            etag, status = self.read_case(slug)

    @task(6)
    def edit(self) -> None:
        self.update(pick([case["slug"] for case in PLAN["shared"]]), step=False)

    @task(2)
    def submit(self) -> None:
        self.update(pick([case["slug"] for case in PLAN["shared"]]), step=True)

    @task(2)
    def create(self) -> None:
        token = self.new_token("create")
        wanted = pick(["draft", "submitted"])
        response = self.client.post(
            "/api/v1/cases/",
            json={
                "title": f"Load test case {token}",
                "city": pick(PLAN["write_cities"]),
                "summary": f"Load test write {token}.",
                "status": wanted,
            },
            headers=self.auth,
            name="write: create",
        )
        slug = ""
        if response.status_code == 201:
            slug = response.json()["slug"]
        self.record("create", token, response, wanted=wanted, slug=slug)

    @task(1)
    def own_cases(self) -> None:
        """The officer's own list: drafts included, never from the page cache."""
        city = pick(PLAN["write_cities"])
        self.client.get(
            f"/api/v1/cases/?city={city}", headers=self.auth, name="officer: case list"
        )
