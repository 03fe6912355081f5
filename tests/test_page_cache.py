"""The page cache (core/page_cache.py): anonymous reads come from the cache, and every
change the public can see drops it once it commits (innovation_cases/cache_signals.py).

The suite runs on local memory, where the page cache is off by default (it needs a
cache shared by every process): these tests turn it on. Most run in a test transaction,
which never commits: `django_capture_on_commit_callbacks(execute=True)` runs what a
commit would; the tests marked transactional commit and roll back for real.
"""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle

from accounts.models import ApiToken
from cities.models import Membership
from core.models import InnovationType, Theme
from core.page_cache import (
    GENERATION_KEY,
    PageCacheMiddleware,
    bump,
    current_generation,
    page_key,
)
from innovation_cases.engine import journal
from innovation_cases.models import CaseRevision, CaseStudy, Finding
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    OrganisationFactory,
    SourceFactory,
    StrategyFactory,
)

S = CaseStudy.Status
ORIGIN = "https://example.org"


pytestmark = pytest.mark.usefixtures("page_cache_on")


@pytest.fixture
def people(db):
    city = CityFactory(name="Ghent", slug="ghent", country="BE")
    return {
        "city": city,
        "officer": MembershipFactory(city=city).user,
        "reviewer": MembershipFactory(city=city, role=Membership.Role.REVIEWER).user,
    }


@pytest.fixture
def published(people):
    case = CaseStudyFactory(
        city=people["city"], title="Participatory budget", slug="budget", published=True
    )
    case.themes.set([Theme.objects.get(slug="mobility")])
    return case


@pytest.fixture
def draft(people):
    return CaseStudyFactory(
        city=people["city"], title="Secret draft", slug="secret-draft"
    )


def queries_of(client, url, **headers):
    """How many queries the database answered for a GET of `url`."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return len(queries)


def served_from_cache(client, url, django_assert_num_queries, **headers):
    """The response to a GET that must not touch the database."""
    with django_assert_num_queries(0):
        return client.get(url, headers=headers)


def titles(client):
    """The /cases/ page, and the case titles in the API's list."""
    page = client.get("/en/cases/").content.decode()
    api = client.get("/api/v1/cases/").json()
    return page, [case["title"] for case in api["results"]]


# --- What is served from the cache ----------------------------------------------------------

PUBLIC_URLS = [
    "/en/",
    "/en/cases/",
    "/en/cases/budget/",
    "/en/cases/?theme=mobility",
    "/en/cities/",
    "/en/cities/ghent/",
    "/en/themes/mobility/",
    "/en/insights/",
    "/en/about/",
    "/en/cases/feed.atom",
    "/sitemap.xml",
    "/robots.txt",
    "/api/v1/cases/",
    "/api/v1/cases/budget/",
    "/api/v1/cities/",
    "/api/v1/themes/",
    "/api/v1/stats/",
    "/api/schema/",
    "/api/docs/",
]


def headers_but_the_request_id(response) -> dict[str, str]:
    """A response's headers, but X-Request-ID, which names each request."""
    return {k: v for k, v in response.items() if k != "X-Request-ID"}


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_second_anonymous_read_is_served_from_the_cache_with_the_same_headers(
    client, published, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200

    second = served_from_cache(client, url, django_assert_num_queries)

    assert second.status_code == 200
    assert second.content == first.content
    assert headers_but_the_request_id(second) == headers_but_the_request_id(first)
    # Each answer names its own request: the cache never replays another's id.
    assert second["X-Request-ID"] != first["X-Request-ID"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_head_request_is_answered_from_the_cached_get(
    client, published, django_assert_num_queries
):
    first = client.get("/en/cases/")

    with django_assert_num_queries(0):
        head = client.head("/en/cases/")

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == first["Content-Type"]


def test_the_api_docs_keep_their_own_content_security_policy_from_the_cache(
    client, db, django_assert_num_queries
):
    client.get("/api/docs/")

    docs = served_from_cache(client, "/api/docs/", django_assert_num_queries)

    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/en/cases/")["Content-Security-Policy"]


def test_json_and_the_browsable_api_are_cached_apart(client, published):
    assert client.get("/api/v1/cases/")["Content-Type"] == "application/json"
    html = client.get("/api/v1/cases/", headers={"Accept": "text/html"})

    assert html["Content-Type"].startswith("text/html")
    # The browsable API uses the CSRF token (it sets a cookie), so it is never stored.
    assert client.get("/api/v1/cases/")["Content-Type"] == "application/json"


def test_a_page_that_sets_a_cookie_is_not_stored(client, published):
    client.get("/api/v1/cases/", headers={"Accept": "text/html"})
    assert queries_of(client, "/api/v1/cases/", Accept="text/html") > 0


def test_streamed_exports_are_not_cached(client, published):
    client.get("/en/cases/export.csv")
    published.title = "Renamed without a bump"
    CaseStudy.objects.filter(pk=published.pk).update(title=published.title)
    # The search index learns of the change (an export reads its stored documents);
    # nothing drops the page cache.
    journal.record([published.pk])

    export = client.get("/en/cases/export.csv")

    assert b"Renamed without a bump" in b"".join(export.streaming_content)


def test_errors_are_not_cached(client, published, draft):
    assert client.get("/en/cases/secret-draft/").status_code == 404
    assert client.get("/en/cases/?year_min=x").status_code == 400
    assert client.get("/api/v1/cases/secret-draft/").status_code == 404
    CaseStudy.objects.filter(pk=draft.pk).update(
        status=S.PUBLISHED, published_at=timezone.now()
    )

    assert client.get("/en/cases/secret-draft/").status_code == 200
    assert client.get("/api/v1/cases/secret-draft/").status_code == 200


# --- Who is served from the cache -----------------------------------------------------------


def test_a_logged_in_officer_is_neither_served_nor_stored(
    client, people, published, draft
):
    anonymous = Client()
    anonymous.get("/en/cases/")
    anonymous.get("/api/v1/cases/")  # stored: the published case only
    client.force_login(people["officer"])

    officer_view = client.get("/api/v1/cases/").json()
    assert {c["title"] for c in officer_view["results"]} == {
        "Participatory budget",
        "Secret draft",
    }
    assert queries_of(client, "/en/cases/") > 0  # rendered, not read from the cache
    # Nor did the officer's responses replace the anonymous ones.
    assert [c["title"] for c in anonymous.get("/api/v1/cases/").json()["results"]] == [
        "Participatory budget"
    ]


def test_a_token_holder_is_neither_served_nor_stored(people, published, draft):
    token = ApiToken.issue(user=people["officer"], name="script")[1]
    anonymous = Client()
    with_token = Client(headers={"Authorization": f"Bearer {token}"})

    assert len(anonymous.get("/api/v1/cases/").json()["results"]) == 1
    assert len(with_token.get("/api/v1/cases/").json()["results"]) == 2
    assert len(anonymous.get("/api/v1/cases/").json()["results"]) == 1


@pytest.mark.parametrize("url", ["/account/login/", "/workspace/", "/admin/login/"])
def test_private_paths_are_never_cached(client, rf, db, url):
    client.get(url)

    assert cache.get(page_key(rf.get(url))) is None
    assert cache.get(page_key(rf.get("/en/about/"))) is None
    client.get("/en/about/")
    assert cache.get(page_key(rf.get("/en/about/"))) is not None


# --- Invalidation: exactly when published content changes ------------------------------------


def test_publishing_a_case_shows_it_on_the_next_request(
    client, people, published, draft, commits
):
    assert "Secret draft" not in titles(client)[0]
    draft.submit(by=people["officer"])

    with commits():
        draft.publish(by=people["reviewer"])

    page, api = titles(client)
    assert "Secret draft" in page
    assert api == ["Secret draft", "Participatory budget"]
    assert client.get("/api/v1/cases/secret-draft/").status_code == 200


def test_an_approved_revision_shows_the_new_title_at_once(
    client, people, published, commits
):
    client.get("/en/cases/budget/")
    client.get("/api/v1/cases/budget/")
    assert titles(client)[1] == ["Participatory budget"]
    values = {name: getattr(published, name) for name in CaseRevision.FIELDS}
    values.update(title="Citizens' budget", themes=list(published.themes.all()))

    with commits():
        revision = CaseRevision.propose(
            case=published, by=people["officer"], values=values
        )
    assert titles(client)[1] == ["Participatory budget"]  # not public until approved

    with commits():
        revision.approve(by=people["reviewer"])

    page, api = titles(client)
    assert "Citizens&#x27; budget" in page and "Participatory budget" not in page
    assert api == ["Citizens' budget"]
    assert b"Citizens&#x27; budget" in client.get("/en/cases/budget/").content
    assert client.get("/api/v1/cases/budget/").json()["title"] == "Citizens' budget"


def test_archiving_a_case_removes_it_at_once(client, people, published, commits):
    assert titles(client)[1] == ["Participatory budget"]

    with commits():
        published.archive(by=people["reviewer"])

    page, api = titles(client)
    assert "Participatory budget" not in page
    assert api == []
    assert client.get("/en/cases/budget/").status_code == 404


def test_a_published_cases_theme_change_shows_at_once(client, published, commits):
    assert list(client.get("/en/cases/?theme=climate").context["cases"]) == []

    with commits():
        published.themes.add(Theme.objects.get(slug="climate"))

    shown = client.get("/en/cases/?theme=climate").context["cases"]
    assert [card.pk for card in shown] == [published.pk]


def test_work_on_drafts_and_revisions_bumps_nothing(
    client, people, published, draft, commits, django_assert_num_queries
):
    client.get("/en/cases/")
    generation = current_generation()

    with commits():
        draft.title = "Still a draft"
        draft.save()
        draft.themes.add(Theme.objects.get(slug="climate"))
        draft.teams.add(InnovationTeamFactory(city=people["city"]))
        SourceFactory(content_object=draft)
        draft.submit(by=people["officer"])
        draft.request_changes(by=people["reviewer"], comment="Cite the decision.")
        CaseRevision.propose(
            case=published,
            by=people["officer"],
            values={
                **{name: getattr(published, name) for name in CaseRevision.FIELDS},
                "title": "Proposed",
            },
        )
        MembershipFactory(city=people["city"])

    # The team is public: it alone bumped. Everything else left the generation alone.
    assert current_generation() != generation
    generation = current_generation()
    client.get("/en/cases/")
    with commits():
        draft.summary = "Typing..."
        draft.save()
        draft.themes.remove(Theme.objects.get(slug="climate"))
        draft.sources.first().delete()
    assert current_generation() == generation
    served_from_cache(client, "/en/cases/", django_assert_num_queries)


def _make(kind, people):
    city = people["city"]
    return {
        "city": lambda: CityFactory(),
        "district": lambda: DistrictFactory(city=city),
        "team": lambda: InnovationTeamFactory(city=city),
        "lab": lambda: LabFactory(team__city=city),
        "strategy": lambda: StrategyFactory(city=city),
        "funding programme": lambda: FundingProgrammeFactory(city=city),
        "organisation": lambda: OrganisationFactory(),
        "finding": lambda: Finding.objects.create(
            slug="f", topic=Finding.Topic.OTHER, statement="Most cities do."
        ),
        "theme": lambda: Theme.objects.create(
            name="Test theme", slug="test-theme", definition="A theme of the tests."
        ),
        "source of a city": lambda: SourceFactory(content_object=city),
        "source of a published case": lambda: SourceFactory(
            content_object=CaseStudyFactory(city=city, published=True)
        ),
    }[kind]()


@pytest.mark.parametrize(
    "kind",
    [
        "city",
        "district",
        "team",
        "lab",
        "strategy",
        "funding programme",
        "organisation",
        "finding",
        "theme",
        "source of a city",
        "source of a published case",
    ],
)
def test_a_public_record_bumps_when_saved_and_when_deleted(people, kind, commits):
    record = _make(kind, people)
    generation = current_generation()

    with commits():
        record.save()
    assert current_generation() != generation

    generation = current_generation()
    with commits():
        record.delete()
    assert current_generation() != generation


def test_a_strategys_innovation_types_bump(people, commits):
    strategy = StrategyFactory(city=people["city"])
    generation = current_generation()

    with commits():
        strategy.innovation_types.add(InnovationType.objects.first())

    assert current_generation() != generation


def test_a_source_moved_off_a_published_case_bumps(people, published, draft, commits):
    source = SourceFactory(content_object=published)
    generation = current_generation()

    with commits():
        source.content_object = draft
        source.save()

    assert current_generation() != generation


def test_a_draft_saved_over_a_published_case_bumps(people, published, commits):
    stale = CaseStudy.objects.get(pk=published.pk)
    stale.status = S.DRAFT  # as a stale copy, loaded before it was published, would
    generation = current_generation()

    with commits():
        stale.save()

    assert current_generation() != generation


def test_a_change_in_a_rolled_back_savepoint_is_not_taken_for_one_that_stays(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                CityFactory()
                raise RuntimeError
        except RuntimeError:
            pass
        InnovationTeamFactory(city=people["city"])

    assert callbacks == [bump]


@pytest.mark.django_db(transaction=True)
def test_a_committed_publish_drops_the_cache_and_a_rolled_back_one_does_not(
    django_assert_num_queries,
):
    city = CityFactory(slug="ghent")
    reviewer = MembershipFactory(city=city, role=Membership.Role.REVIEWER).user
    first = CaseStudyFactory(city=city, title="First", status=S.SUBMITTED)
    second = CaseStudyFactory(city=city, title="Second", status=S.SUBMITTED)
    client = Client()
    assert client.get("/api/v1/cases/").json()["results"] == []
    generation = current_generation()

    with pytest.raises(RuntimeError), transaction.atomic():
        first.publish(by=reviewer)
        raise RuntimeError("rolled back")

    assert current_generation() == generation
    assert (
        served_from_cache(client, "/api/v1/cases/", django_assert_num_queries).json()[
            "results"
        ]
        == []
    )

    second.publish(by=reviewer)  # commits: its own transaction

    assert current_generation() != generation
    results = client.get("/api/v1/cases/").json()["results"]
    assert [case["title"] for case in results] == ["Second"]


def test_a_response_rendered_before_a_bump_is_not_served_after_it(
    rf: RequestFactory, db
):
    """The race: a request reads the database, a publish commits and bumps, and then
    the request stores what it read. That page is stored under the generation the
    request started with, which is gone."""

    def render_then_publish(request):
        response = _page("old")
        bump()  # a publish commits while this page was being made
        return response

    PageCacheMiddleware(render_then_publish)(rf.get("/en/cases/"))
    response = PageCacheMiddleware(lambda request: _page("new"))(rf.get("/en/cases/"))

    assert response.content == b"new"


def _page(text):
    from django.http import HttpResponse

    return HttpResponse(text)


def test_a_lost_generation_never_brings_old_pages_back(rf: RequestFactory, db):
    PageCacheMiddleware(lambda request: _page("old"))(rf.get("/en/cases/"))
    cache.delete(GENERATION_KEY)  # evicted, or the cache restarted

    response = PageCacheMiddleware(lambda request: _page("new"))(rf.get("/en/cases/"))

    assert response.content == b"new"


# --- HTTP semantics of cached API reads ------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/cases/budget/"])
def test_a_conditional_get_answers_304_from_the_cache_as_the_view_does(
    client, published, url, settings, django_assert_num_queries
):
    etag = client.get(url)["ETag"]
    settings.PAGE_CACHE = False
    fresh = client.get(url, headers={"If-None-Match": etag, "Origin": ORIGIN})
    settings.PAGE_CACHE = True

    cached = served_from_cache(
        client, url, django_assert_num_queries, If_None_Match=etag, Origin=ORIGIN
    )

    assert fresh.status_code == cached.status_code == 304
    assert headers_but_the_request_id(cached) == headers_but_the_request_id(fresh)
    other = served_from_cache(
        client, url, django_assert_num_queries, If_None_Match='"other"'
    )
    assert other.status_code == 200


def test_if_modified_since_answers_304_from_the_cache(
    client, published, django_assert_num_queries
):
    last_modified = client.get("/api/v1/cases/budget/")["Last-Modified"]

    response = served_from_cache(
        client,
        "/api/v1/cases/budget/",
        django_assert_num_queries,
        If_Modified_Since=last_modified,
    )

    assert response.status_code == 304


def test_pages_without_an_etag_never_answer_304(
    client, published, django_assert_num_queries
):
    last_modified = client.get("/en/cases/feed.atom")["Last-Modified"]

    response = served_from_cache(
        client,
        "/en/cases/feed.atom",
        django_assert_num_queries,
        If_Modified_Since=last_modified,
    )

    assert response.status_code == 200


def test_cors_headers_follow_the_request_not_the_cached_response(
    client, published, django_assert_num_queries
):
    stored_without = client.get("/api/v1/cases/")
    assert "Access-Control-Allow-Origin" not in stored_without

    with_origin = served_from_cache(
        client, "/api/v1/cases/", django_assert_num_queries, Origin=ORIGIN
    )
    assert with_origin["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in with_origin["Access-Control-Expose-Headers"]

    cache.clear()
    client.get("/api/v1/cities/", headers={"Origin": ORIGIN})
    without = served_from_cache(client, "/api/v1/cities/", django_assert_num_queries)
    assert "Access-Control-Allow-Origin" not in without
    # The website sends none, cached or not.
    client.get("/en/cases/")
    page = served_from_cache(
        client, "/en/cases/", django_assert_num_queries, Origin=ORIGIN
    )
    assert "Access-Control-Allow-Origin" not in page


def test_cached_api_reads_still_count_against_the_rate_limit(
    client, published, monkeypatch
):
    monkeypatch.setattr(
        AnonRateThrottle,
        "THROTTLE_RATES",
        {**AnonRateThrottle.THROTTLE_RATES, "anon": "3/minute"},
    )
    for _ in range(3):
        assert client.get("/api/v1/cases/").status_code == 200

    response = client.get("/api/v1/cases/")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert "Retry-After" in response
    # The website has no rate limit.
    for _ in range(5):
        assert client.get("/en/cases/").status_code == 200


def test_the_page_cache_is_off_without_a_shared_cache(client, published, settings):
    settings.PAGE_CACHE = False
    client.get("/en/cases/")

    assert queries_of(client, "/en/cases/") > 0


def test_the_host_is_part_of_the_key(client, published, settings):
    settings.ALLOWED_HOSTS = ["atlas.example.eu", "testserver"]
    client.get("/en/cases/budget/")

    other = client.get("/en/cases/budget/", headers={"Host": "atlas.example.eu"})

    assert b'href="http://atlas.example.eu/cases/budget/"' in other.content
