"""Shared data for the API tests: two cities, their records, and a user of each role.

City A ("aville") and city B ("beeburg") each have a published case, a team, a lab,
a strategy and a funding programme. City A also has a draft and a submitted case,
whose titles carry words found nowhere else ("zeppelin", "quokka"), so that a search
for them proves whether the case leaks.

Every role has a user, a personal API token and an `APIClient` that sends the token
in the Authorization header (`officer_a_client`, …); `anon_client` sends nothing.
For session authentication, `session_client(user)` logs a user in with CSRF checks
on, and `csrf_headers(client)` gives the header a write then needs. Every client
checks CSRF as a browser's session would, so a token write proves it needs none.

Other tests start from the demo content (`demo`, Bologna's, Vienna's and Bratislava's
records): `read_cases` adds published cases and a draft over four countries and every
vocabulary, `read_capacity` teams, labs, strategies and a funding programme beside the
demo's; `write_officer` is an officer of Bologna with a token (an `Officer` of
helpers.py), and `write_draft` a draft of Bologna's that they write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import ApiToken
from cities.models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Membership,
    Strategy,
)
from core.models import Theme
from innovation_cases.models import CaseStudy, Organisation
from tests import demo_rows
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    OrganisationFactory,
    StrategyFactory,
    UserFactory,
    verified_login,
)
from tests.worlds import made_once

from .helpers import Officer, demo_city, make_case, make_officer, published_on

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_and_fresh(settings: Any) -> Iterator[None]:
    """The throttles count in the cache, which outlives a test: start every test with
    none used, and leave none used behind. Hash passwords cheaply, as many tests make
    several users. And let WhiteNoise find static files on request rather than list all
    of them whenever a new test client loads the middleware (a tenth of a second per
    client)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()
    yield
    cache.clear()


# --- Cities and their records -------------------------------------------------------------


@pytest.fixture
def city_a(db: None) -> City:
    return CityFactory(name="Aville", slug="aville", country="NL")


@pytest.fixture
def city_b(db: None) -> City:
    return CityFactory(name="Beeburg", slug="beeburg", country="BE")


@pytest.fixture
def district_a(city_a: City) -> District:
    return DistrictFactory(city=city_a, name="Old Town", slug="old-town")


@pytest.fixture
def team_a(city_a: City) -> InnovationTeam:
    return InnovationTeamFactory(city=city_a, name="Aville Lab", slug="aville-lab")


@pytest.fixture
def team_b(city_b: City) -> InnovationTeam:
    return InnovationTeamFactory(city=city_b, name="Beeburg Lab", slug="beeburg-lab")


@pytest.fixture
def lab_a(team_a: InnovationTeam, district_a: District) -> Lab:
    return LabFactory(
        team=team_a, district=district_a, name="Old Town Lab", slug="old-town-lab"
    )


@pytest.fixture
def lab_b(team_b: InnovationTeam) -> Lab:
    return LabFactory(team=team_b, name="Harbour Lab", slug="harbour-lab")


@pytest.fixture
def strategy_a(city_a: City, team_a: InnovationTeam) -> Strategy:
    return StrategyFactory(
        city=city_a, team=team_a, title="Aville Forward", slug="aville-forward"
    )


@pytest.fixture
def strategy_b(city_b: City) -> Strategy:
    return StrategyFactory(city=city_b, title="Beeburg 2030", slug="beeburg-2030")


@pytest.fixture
def funding_programme_a(city_a: City, team_a: InnovationTeam) -> FundingProgramme:
    return FundingProgrammeFactory(
        city=city_a, team=team_a, name="Aville Ideas Fund", slug="aville-ideas-fund"
    )


@pytest.fixture
def funding_programme_b(city_b: City) -> FundingProgramme:
    return FundingProgrammeFactory(
        city=city_b, name="Beeburg Seed Fund", slug="beeburg-seed-fund"
    )


@pytest.fixture
def organisation(city_a: City) -> Organisation:
    return OrganisationFactory(
        city=city_a, name="Aville University", slug="aville-university"
    )


@pytest.fixture
def published_case_a(city_a: City) -> CaseStudy:
    return CaseStudyFactory(
        city=city_a,
        published=True,
        title="Open benches",
        slug="open-benches",
        year_started=2020,
        published_at=datetime(2024, 3, 1, tzinfo=UTC),
    )


@pytest.fixture
def published_case_b(city_b: City) -> CaseStudy:
    return CaseStudyFactory(
        city=city_b,
        published=True,
        title="Harbour buses",
        slug="harbour-buses",
        year_started=2021,
        published_at=datetime(2024, 5, 1, tzinfo=UTC),
    )


@pytest.fixture
def draft_case_a(city_a: City) -> CaseStudy:
    """A draft of city A, classified so that it would show in every breakdown."""
    case = CaseStudyFactory(
        city=city_a,
        status=CaseStudy.Status.DRAFT,
        title="Zeppelin deliveries",
        slug="zeppelin-deliveries",
        summary="Parcels by airship: an unreviewed draft.",
        year_started=1999,
    )
    case.themes.set([Theme.objects.get(slug="mobility")])
    return case


@pytest.fixture
def submitted_case_a(city_a: City) -> CaseStudy:
    """A case of city A submitted for review: as private as a draft."""
    case = CaseStudyFactory(
        city=city_a,
        status=CaseStudy.Status.SUBMITTED,
        title="Quokka census",
        slug="quokka-census",
        summary="Counting the city's quokkas: awaiting review.",
        year_started=1998,
    )
    case.themes.set([Theme.objects.get(slug="mobility")])
    return case


@pytest.fixture
def world(
    city_a: City,
    city_b: City,
    district_a: District,
    team_a: InnovationTeam,
    team_b: InnovationTeam,
    lab_a: Lab,
    lab_b: Lab,
    strategy_a: Strategy,
    strategy_b: Strategy,
    funding_programme_a: FundingProgramme,
    funding_programme_b: FundingProgramme,
    organisation: Organisation,
    published_case_a: CaseStudy,
    published_case_b: CaseStudy,
    draft_case_a: CaseStudy,
    submitted_case_a: CaseStudy,
) -> dict[str, Any]:
    """Every record above, by fixture name."""
    return dict(locals())


# --- Users of each role ---------------------------------------------------------------


@pytest.fixture
def officer_a(city_a: City) -> Any:
    return MembershipFactory(
        user=UserFactory(username="officer-a"),
        city=city_a,
        role=Membership.Role.OFFICER,
    ).user


@pytest.fixture
def officer_b(city_b: City) -> Any:
    return MembershipFactory(
        user=UserFactory(username="officer-b"),
        city=city_b,
        role=Membership.Role.OFFICER,
    ).user


@pytest.fixture
def reviewer_a(city_a: City) -> Any:
    return MembershipFactory(
        user=UserFactory(username="reviewer-a"),
        city=city_a,
        role=Membership.Role.REVIEWER,
    ).user


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_user(db: None) -> Any:
    """Site staff without superuser rights: they read every draft, write nothing."""
    return UserFactory(username="staff", is_staff=True)


def _token(user: Any) -> str:
    return ApiToken.issue(user=user, name="Test script")[1]


@pytest.fixture
def officer_a_token(officer_a: Any) -> str:
    return _token(officer_a)


@pytest.fixture
def officer_b_token(officer_b: Any) -> str:
    return _token(officer_b)


@pytest.fixture
def reviewer_a_token(reviewer_a: Any) -> str:
    return _token(reviewer_a)


@pytest.fixture
def superuser_token(superuser: Any) -> str:
    return _token(superuser)


@pytest.fixture
def staff_user_token(staff_user: Any) -> str:
    return _token(staff_user)


def bearer_client(token: str) -> APIClient:
    """An APIClient that sends `Authorization: Bearer <token>` on every request."""
    # CSRF checks on, as for a browser: a token write must not need a CSRF token.
    return APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def officer_a_client(officer_a_token: str) -> APIClient:
    return bearer_client(officer_a_token)


@pytest.fixture
def officer_b_client(officer_b_token: str) -> APIClient:
    return bearer_client(officer_b_token)


@pytest.fixture
def reviewer_a_client(reviewer_a_token: str) -> APIClient:
    return bearer_client(reviewer_a_token)


@pytest.fixture
def superuser_client(superuser_token: str) -> APIClient:
    return bearer_client(superuser_token)


@pytest.fixture
def staff_user_client(staff_user_token: str) -> APIClient:
    return bearer_client(staff_user_token)


@pytest.fixture
def client_for(request: pytest.FixtureRequest) -> Callable[[str], APIClient]:
    """The token client of a role by name: client_for("officer_b")."""

    def get(role: str) -> APIClient:
        return request.getfixturevalue(
            "anon_client" if role == "anonymous" else f"{role}_client"
        )

    return get


@pytest.fixture
def session_client(db: None) -> Callable[[Any], APIClient]:
    """An APIClient logged in with a session, that checks CSRF as a browser's would."""

    def login(user: Any) -> APIClient:
        return verified_login(APIClient(enforce_csrf_checks=True), user)

    return login


@pytest.fixture
def csrf_headers() -> Callable[[APIClient], dict[str, str]]:
    """The X-CSRFToken header a session write needs, from the cookie a page sets."""

    def headers(client: APIClient) -> dict[str, str]:
        client.get("/account/tokens/")  # A page with a form: it sets the CSRF cookie.
        return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}

    return headers


@pytest.fixture
def demo(demo: Any) -> Any:
    """The demo content, its two cases published a minute apart, Vienna's last (as
    loaded). Loaded together, they are published within a second or two, and the
    search engine orders cases published within the same second by their titles: the
    order of the two would depend on the clock."""
    vienna = CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    bologna = CaseStudy.objects.get(slug="bologna-neighbourhood-labs")
    bologna.published_at = vienna.published_at - timedelta(minutes=1)
    bologna.save(update_fields=["published_at", "updated_at"])
    return demo


# --- The demo content, and records beside it ------------------------------------------


@pytest.fixture
def read_cases(demo: Any) -> dict[str, CaseStudy]:
    """The demo's two cases, four more published ones and a draft, spread over four
    countries, every vocabulary and several years.

    Newest first: vienna-innovation-pitch-fund, bologna-neighbourhood-labs (the demo's,
    published when loaded), vienna-cool-streets, ghent-bus-lanes,
    bratislava-e-services, bologna-participatory-budget.
    """
    return make_read_cases()


@pytest.fixture(scope="module")
def read_cases_once(django_db_setup: None, django_db_blocker: Any) -> Any:
    """The demo content and `read_cases`, made once a module (tests/worlds.py), for a
    module whose tests only read them: it overrides `read_cases` with a fresh copy."""
    with made_once(django_db_blocker):
        demo_rows.load()
        yield make_read_cases()


def make_read_cases() -> dict[str, CaseStudy]:
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    bologna = demo_city("bologna")
    vienna = demo_city("vienna")
    bratislava = demo_city("bratislava")
    made = {
        case.slug: case
        for case in [
            make_case(
                "ghent-bus-lanes",
                "Bus lanes for Ghent",
                ghent,
                published_at=published_on(2024, 1, 10),
                year=2019,
                types=("adaptive",),
                drivers=("political",),
                approaches=("digital-smart-mobility",),
                themes=("mobility",),
                stage="implementing",
            ),
            make_case(
                "vienna-cool-streets",
                "Cool streets for Vienna",
                vienna,
                published_at=published_on(2024, 3, 1),
                year=2021,
                types=("mission-oriented", "adaptive"),
                drivers=("ecological",),
                approaches=("co-design-public-spaces",),
                themes=("climate", "public-spaces"),
                stage="evaluating",
            ),
            make_case(
                "bratislava-e-services",
                "Digital services for Bratislava",
                bratislava,
                published_at=published_on(2023, 6, 1),
                year=2015,
                types=("enhancement-oriented",),
                drivers=("technological",),
                approaches=("partnerships",),
                themes=("digital-services",),
                stage="diffusing-lessons",
            ),
            make_case(
                "bologna-participatory-budget",
                "A participatory budget for Bologna",
                bologna,
                published_at=published_on(2022, 9, 1),
                year=2017,
                types=("anticipatory",),
                drivers=("social", "political"),
                approaches=("co-production",),
                themes=("civic-participation",),
                stage="developing-proposals",
                district=District.objects.get(city=bologna, slug="navile"),
            ),
            make_case(
                "vienna-secret-draft",
                "Secret draft about lanes in Vienna",
                vienna,
                published_at=None,
                year=2020,
                types=("adaptive",),
                drivers=("political",),
                approaches=("co-production",),
                themes=("mobility", "homelessness"),
                stage="implementing",
            ),
        ]
    }
    return made


@pytest.fixture
def read_capacity(demo: Any) -> None:
    """Beside the demo's records: a Ghent team, a lab of IMCO's in a Vienna district,
    three strategies and a grant call in Bologna."""
    make_read_capacity()


@pytest.fixture(scope="module")
def read_capacity_once(django_db_setup: None, django_db_blocker: Any) -> Any:
    """The demo content and `read_capacity`, made once a module (tests/worlds.py), for
    a module whose tests only read them: it overrides `read_capacity`."""
    with made_once(django_db_blocker):
        demo_rows.load()
        make_read_capacity()
        yield


def make_read_capacity() -> None:
    vienna = demo_city("vienna")
    bologna = demo_city("bologna")
    ghent = CityFactory(name="Ghent", slug="ghent", country="BE")
    InnovationTeamFactory(
        city=ghent,
        slug="ghent-digital",
        name="Digital Ghent",
        kind=InnovationTeam.Kind.IN_HOUSE_UNIT,
    )
    leopoldstadt = DistrictFactory(
        city=vienna, slug="leopoldstadt", name="Leopoldstadt"
    )
    LabFactory(
        team=InnovationTeam.objects.get(slug="imco-vienna"),
        district=leopoldstadt,
        slug="imco-lab-leopoldstadt",
        name="IMCO lab, Leopoldstadt",
    )
    StrategyFactory(
        city=vienna,
        slug="vienna-innovation-strategy",
        title="Vienna innovation strategy",
        status=Strategy.Status.ADOPTED,
    )
    StrategyFactory(
        city=vienna,
        slug="vienna-old-strategy",
        title="Vienna old strategy",
        status=Strategy.Status.SUPERSEDED,
    )
    StrategyFactory(
        city=bologna,
        slug="bologna-draft-strategy",
        title="Bologna draft strategy",
        status=Strategy.Status.DRAFT,
    )
    FundingProgrammeFactory(
        city=bologna,
        slug="bologna-civic-grants",
        name="Civic grants",
        allocation=FundingProgramme.Allocation.GRANT_CALL,
    )


@pytest.fixture
def write_officer(demo: Any) -> Officer:
    """An officer of Bologna (whose demo records are a team, six districts with a lab
    each, a foundation and a published case), with a token. Vienna gets a district of
    its own, so that a district slug can belong to the wrong city."""
    DistrictFactory(
        city=City.objects.get(slug="vienna"), slug="leopoldstadt", name="Leopoldstadt"
    )
    return make_officer("bologna-officer", City.objects.get(slug="bologna"))


@pytest.fixture
def write_draft(write_officer: Officer) -> CaseStudy:
    """A draft case of Bologna's, with a team and a district."""
    case = CaseStudyFactory(
        slug="navile-benches",
        title="Benches for Navile",
        city=City.objects.get(slug="bologna"),
        district=City.objects.get(slug="bologna").districts.get(slug="navile"),
        summary="Residents chose where the benches go.",
        year_started=2023,
    )
    case.teams.set(InnovationTeam.objects.filter(slug="fondazione-iu-rusconi-ghigi"))
    return case
