"""Writes that race: real concurrent requests against a live server on PostgreSQL.

Each trial sends the same write from several threads at once: every thread opens its
connection and reads what it needs first, then all wait at a barrier and send
together, so that the requests really overlap in the server. Every read-check-write
must then let exactly one through:

* API updates sent with the same If-Match: one 200, the others 412 (issue 14: two
  to four 200s a trial, and acknowledged edits silently lost);
* the case editor and the city-record editor saving from the same opened version:
  one saved, the others 409 with what they typed;
* two reviewers publishing, two approving a revision: one decision applies;
* a restore racing a publish: the restore never puts the case back in review;
* creates of one name: one record, clear 400s for the others, never a 500; writes
  around one team and its city: no deadlock.

Only on PostgreSQL: pytest-django's SQLite test database lives in memory, and the
live server's threads share its one connection, so nothing would run concurrently.
(On SQLite the same code is serialised by IMMEDIATE transactions; the sequential
tests in tests/innovation_cases/test_editor.py and the API's write tests, such as
tests/api/test_cases.py and tests/api/test_conditional_requests.py, run there.)
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from accounts.models import ApiToken
from cities.models import InnovationTeam, Membership
from innovation_cases.models import CaseRevision, CaseStudy, Review
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    StrategyFactory,
    UserFactory,
    verified_session,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the SQLite test database is one in-memory "
        "connection that the live server's threads share (see the docstring)",
    ),
]

WRITERS = 8  # Concurrent requests a trial.
TRIALS = 6
CSRF = "c" * 32  # A CSRF secret of our own, sent as cookie and form field.

S = CaseStudy.Status


def race(
    send: Callable[[int], int], prepare: Callable[[int], Any] | None = None
) -> Counter[int]:
    """The statuses of `send(i)` for WRITERS threads released together at a barrier,
    after each has run `prepare(i)` (its own reads) first."""
    barrier = threading.Barrier(WRITERS)

    def one(i: int) -> int:
        if prepare is not None:
            prepare(i)
        barrier.wait(timeout=30)
        return send(i)

    cache.clear()  # The throttles count requests in the (shared, local) cache.
    with ThreadPoolExecutor(WRITERS) as pool:
        return Counter(pool.map(one, range(WRITERS)))


@pytest.fixture
def city(transactional_db: None) -> Any:
    return CityFactory(name="Raceville", slug="raceville")


@pytest.fixture
def officer(city: Any) -> Any:
    user = UserFactory(username="racing-officer")
    MembershipFactory(user=user, city=city, role=Membership.Role.OFFICER)
    return user


@pytest.fixture
def reviewers(city: Any) -> list[Any]:
    users = [UserFactory(username=f"reviewer-{i}") for i in range(WRITERS)]
    for user in users:
        MembershipFactory(user=user, city=city, role=Membership.Role.REVIEWER)
    return users


@pytest.fixture
def token(officer: Any) -> str:
    return ApiToken.issue(user=officer, name="race")[1]


def browser(live_server: Any, user: Any) -> requests.Session:
    """A session logged in as `user`, with a CSRF cookie it can echo."""
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.update(verified_session(user))  # Reviewers publish from a verified session.
    store.create()
    session = requests.Session()
    session.cookies.set("sessionid", store.session_key)
    session.cookies.set("csrftoken", CSRF)
    session.headers["Referer"] = live_server.url + "/"
    return session


def post(session: requests.Session, url: str, data: dict[str, Any]) -> int:
    response = session.post(
        url, data={"csrfmiddlewaretoken": CSRF, **data}, allow_redirects=False
    )
    return response.status_code


# --- The API: If-Match ----------------------------------------------------------------


RECORDS = {
    "cases": (
        lambda city, team: CaseStudyFactory(city=city, status=S.DRAFT),
        "summary",
    ),
    "teams": (lambda city, team: team, "mandate"),
    "labs": (lambda city, team: LabFactory(team=team), "description"),
    "strategies": (
        lambda city, team: StrategyFactory(city=city, team=team),
        "summary",
    ),
    "funding-programmes": (
        lambda city, team: FundingProgrammeFactory(city=city, team=team),
        "description",
    ),
}


@pytest.mark.parametrize("endpoint", list(RECORDS))
def test_concurrent_updates_with_one_etag_let_exactly_one_through(
    live_server: Any, city: Any, token: str, endpoint: str
) -> None:
    make, field = RECORDS[endpoint]
    record = make(city, InnovationTeamFactory(city=city))
    url = f"{live_server.url}/api/v1/{endpoint}/{record.slug}/"
    auth = {"Authorization": f"Bearer {token}"}
    for trial in range(TRIALS):
        etag = requests.get(url, headers=auth, timeout=30).headers["ETag"]
        sessions = [requests.Session() for _ in range(WRITERS)]

        def prepare(i: int) -> None:
            sessions[i].get(url, headers=auth, timeout=30)  # Connected and warm.

        def send(i: int) -> int:
            response = sessions[i].patch(
                url,
                json={field: f"Edit {i} of trial {trial}."},
                headers={**auth, "If-Match": etag},
                timeout=60,
            )
            if response.status_code == 200:
                winners.append((i, response.headers["ETag"]))
            return response.status_code

        winners: list[tuple[int, str]] = []
        statuses = race(send, prepare)
        assert statuses == Counter({200: 1, 412: WRITERS - 1}), (trial, statuses)
        # The one acknowledged edit is the one kept, and its ETag is current.
        [(winner, new_etag)] = winners
        now = requests.get(url, headers=auth, timeout=30)
        assert now.json()[field] == f"Edit {winner} of trial {trial}."
        assert now.headers["ETag"] == new_etag


def test_updates_and_creates_around_one_team_all_succeed(
    live_server: Any, city: Any, token: str
) -> None:
    """Writes that touch one team and its city must not deadlock. The update's lock
    was once FOR UPDATE, taken through the default ordering's join, so it locked the
    city's row too; a create pointing at the team and the city (a strategy) holds
    KEY SHARE on both, taken one after the other, and the two waited for each other
    (a 500, found by schemathesis)."""
    team = InnovationTeamFactory(city=city)
    team_url = f"{live_server.url}/api/v1/teams/{team.slug}/"
    auth = {"Authorization": f"Bearer {token}"}
    for trial in range(TRIALS):
        sessions = [requests.Session() for _ in range(WRITERS)]

        def prepare(i: int) -> None:
            sessions[i].get(team_url, headers=auth, timeout=30)

        def send(i: int) -> int:
            if i % 2:
                body = {"mandate": f"Edit {i} of trial {trial}."}
                return sessions[i].patch(team_url, json=body, headers=auth).status_code
            body = {
                "title": f"Strategy {i} of trial {trial}",
                "city": city.slug,
                "team": team.slug,
            }
            url = f"{live_server.url}/api/v1/strategies/"
            return sessions[i].post(url, json=body, headers=auth).status_code

        statuses = race(send, prepare)
        assert statuses == Counter({200: WRITERS // 2, 201: WRITERS // 2}), trial


def test_concurrent_creates_of_one_name_are_one_record_and_clear_refusals(
    live_server: Any, city: Any, token: str
) -> None:
    """Creates with one team name at once: validation passes for all of them before
    any is saved, so the database's unique constraints decide. The first is created;
    every other gets a 400 naming the taken value, never an IntegrityError's 500."""
    url = f"{live_server.url}/api/v1/teams/"
    auth = {"Authorization": f"Bearer {token}"}
    for trial in range(TRIALS):
        sessions = [requests.Session() for _ in range(WRITERS)]
        answers: list[Any] = []

        def prepare(i: int) -> None:
            sessions[i].get(url, headers=auth, timeout=30)

        def send(i: int) -> int:
            body = {"name": f"Twin team {trial}", "city": city.slug, "kind": "other"}
            response = sessions[i].post(url, json=body, headers=auth, timeout=60)
            answers.append(response)
            return response.status_code

        assert race(send, prepare) == Counter({201: 1, 400: WRITERS - 1}), trial
        for response in answers:
            if response.status_code == 400:
                assert response.json()["errors"], response.text


# --- The editors ----------------------------------------------------------------------


def editor_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200
    found = re.search(r'name="edit_token" value="([^"]+)"', page.text)
    assert found, "the editor carries the version it was opened on"
    return found.group(1)


def race_editor_saves(
    live_server: Any,
    user: Any,
    url: str,
    form: Callable[[int, int], dict[str, Any]],
    saved: Callable[[int], str],
) -> None:
    """Each trial, WRITERS editors opened on one version save `form(i, trial)` at
    once: one is saved (`saved()` then reads that trial's text back), every other is
    told of the conflict (409)."""
    for trial in range(TRIALS):
        sessions = [browser(live_server, user) for _ in range(WRITERS)]
        tokens: dict[int, str] = {}

        def prepare(i: int) -> None:
            tokens[i] = editor_token(sessions[i], url)

        def send(i: int) -> int:
            return post(sessions[i], url, {"edit_token": tokens[i], **form(i, trial)})

        statuses = race(send, prepare)
        assert statuses == Counter({302: 1, 409: WRITERS - 1}), (trial, statuses)
        assert saved(trial).endswith(f"trial {trial}.")


def test_concurrent_saves_in_the_case_editor_from_one_version_save_once(
    live_server: Any, city: Any, officer: Any
) -> None:
    case = CaseStudyFactory(city=city, status=S.DRAFT, title="Racing draft")
    url = live_server.url + reverse("workspace:case_edit", args=[case.slug])
    race_editor_saves(
        live_server,
        officer,
        url,
        lambda i, trial: {
            "title": "Racing draft",
            "city": city.pk,
            "summary": f"Saved by writer {i} in trial {trial}.",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
        lambda trial: CaseStudy.objects.get(pk=case.pk).summary,
    )


def test_concurrent_saves_of_a_city_record_from_one_version_save_once(
    live_server: Any, city: Any, officer: Any
) -> None:
    team = InnovationTeamFactory(city=city, name="Racing team")
    url = live_server.url + reverse(
        "workspace:city_record_edit", args=[city.slug, "teams", team.slug]
    )
    race_editor_saves(
        live_server,
        officer,
        url,
        lambda i, trial: {
            "name": "Racing team",
            "kind": team.kind,
            "mandate": f"Mandate {i} of trial {trial}.",
        },
        lambda trial: InnovationTeam.objects.get(pk=team.pk).mandate,
    )


# --- The review workflow --------------------------------------------------------------


def test_reviewers_publishing_at_once_publish_once(
    live_server: Any, city: Any, reviewers: list[Any]
) -> None:
    for trial in range(TRIALS):
        case = CaseStudyFactory(city=city, status=S.SUBMITTED, title=f"Case {trial}")
        url = live_server.url + reverse(
            "workspace:case_step", args=[case.slug, "publish"]
        )
        sessions = [browser(live_server, user) for user in reviewers]

        def prepare(i: int) -> None:
            sessions[i].get(live_server.url + "/workspace/", timeout=30)

        race(lambda i: post(sessions[i], url, {"comment": f"By {i}"}), prepare)
        case.refresh_from_db()
        assert case.status == S.PUBLISHED
        decisions = Review.objects.filter(case=case, decision=Review.Decision.PUBLISHED)
        assert decisions.count() == 1, trial
        assert case.history.filter(status=S.PUBLISHED).count() == 1


def test_reviewers_approving_a_revision_at_once_apply_it_once(
    live_server: Any, city: Any, officer: Any, reviewers: list[Any]
) -> None:
    for trial in range(TRIALS):
        case = CaseStudyFactory(city=city, published=True, title=f"Case {trial}")
        values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
        values["summary"] = "The revised summary."
        revision = CaseRevision.propose(case=case, by=officer, values=values)
        url = live_server.url + reverse(
            "workspace:revision_decide", args=[revision.pk, "approve"]
        )
        sessions = [browser(live_server, user) for user in reviewers]

        def prepare(i: int) -> None:
            sessions[i].get(live_server.url + "/workspace/review/", timeout=30)

        race(lambda i: post(sessions[i], url, {"comment": ""}), prepare)
        revision.refresh_from_db()
        case.refresh_from_db()
        assert revision.status == CaseRevision.Status.APPROVED
        assert case.summary == "The revised summary."
        approvals = Review.objects.filter(
            revision=revision, decision=Review.Decision.REVISION_APPROVED
        )
        assert approvals.count() == 1, trial
        # One new version of the case: the approval, applied once.
        assert case.history.filter(summary="The revised summary.").count() == 1


def test_a_restore_racing_a_publish_never_puts_the_case_back_in_review(
    live_server: Any, city: Any, reviewers: list[Any]
) -> None:
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    for trial in range(TRIALS):
        case = CaseStudyFactory(
            city=city, status=S.SUBMITTED, title=f"Case {trial}", summary="First."
        )
        first = case.history.first()
        case.summary = "Second."
        case.save()
        restore = live_server.url + reverse(
            "workspace:case_restore", args=[case.slug, first.history_id]
        )
        publish = live_server.url + reverse(
            "workspace:case_step", args=[case.slug, "publish"]
        )
        sessions = [browser(live_server, staff), browser(live_server, reviewers[0])]
        urls = [restore, publish]
        for session in sessions:
            session.get(live_server.url + "/workspace/", timeout=30)
        barrier = threading.Barrier(2)

        def send(i: int) -> int:
            barrier.wait(timeout=30)
            return post(sessions[i], urls[i], {"comment": ""})

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(send, range(2))) == [302, 302]
        case.refresh_from_db()
        assert case.status == S.PUBLISHED, trial
        assert case.published_at is not None
        assert case.summary == "First."
