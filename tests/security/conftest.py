"""A small city with one record of every kind, and a user of each role, for the
hostile-input corpus. Deliberately smaller than the demo content: the corpus runs a
few thousand requests, each on a fresh copy of this world.

The city is "bologna" and its team "fondazione-iu-rusconi-ghigi", as in
tests/api/helpers.py, so that its VALID_BODIES are valid here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group

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
from core.models import Source, Theme
from innovation_cases.models import CaseStudy, Finding, Organisation
from tests.api.conftest import PASSWORD
from tests.api.helpers import Officer
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
    UserFactory,
)
from tests.worlds import made_once


@dataclass
class World:
    city: City
    district: District
    team: InnovationTeam
    lab: Lab
    strategy: Strategy
    funding_programme: FundingProgramme
    organisation: Organisation
    case: CaseStudy  # a draft, which its officers may change
    source: Source
    finding: Finding
    officer: Officer
    reviewer: Officer
    superuser: Any
    group: Group
    failed_log_in: list[Any]

    def record(self, kind: str) -> Any:
        """The record an update of an API endpoint (its path's last part) targets."""
        return {
            "cases": self.case,
            "teams": self.team,
            "labs": self.lab,
            "strategies": self.strategy,
            "funding-programmes": self.funding_programme,
        }[kind]

    def profile_record(self, key: str) -> Any:
        """The record the city profile's form of a kind (workspace.profiles.KINDS)
        changes."""
        return {
            "teams": self.team,
            "labs": self.lab,
            "strategies": self.strategy,
            "funds": self.funding_programme,
        }[key]


def _user(username: str, **kwargs: Any) -> Any:
    """A user whose password (tests/factories.py's) is hashed with the cheap hasher
    that each test's settings list (the world is made before they apply)."""
    user = UserFactory(username=username, **kwargs)
    user.password = MD5PasswordHasher().encode(PASSWORD, "corpus")
    user.save(update_fields=["password"])
    return user


def _with_token(user: Any) -> Officer:
    return Officer(user, ApiToken.issue(user=user, name="Hostile corpus")[1])


@pytest.fixture(scope="module")
def _module_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world, made once a module (tests/worlds.py)."""
    with made_once(django_db_blocker):
        yield _make_world()


@pytest.fixture
def world(_module_world: World, db: None) -> World:
    """The world, as each test starts it (a test's writes are rolled back)."""
    return _module_world


def _make_world() -> World:
    city = CityFactory(name="Bologna", slug="bologna", country="IT")
    district = DistrictFactory(city=city, name="Navile", slug="navile")
    team = InnovationTeamFactory(
        city=city, name="Fondazione IU", slug="fondazione-iu-rusconi-ghigi"
    )
    case = CaseStudyFactory(
        city=city,
        district=district,
        title="Benches for Navile",
        slug="navile-benches",
        year_started=2023,
    )
    case.themes.set(Theme.objects.filter(slug="mobility"))
    case.teams.set([team])
    officer = MembershipFactory(city=city, user=_user("officer")).user
    reviewer = MembershipFactory(
        city=city, user=_user("reviewer"), role=Membership.Role.REVIEWER
    ).user
    return World(
        city=city,
        district=district,
        team=team,
        lab=LabFactory(team=team, district=district, name="Navile lab", slug="lab"),
        strategy=StrategyFactory(city=city, team=team, slug="bologna-strategy"),
        funding_programme=FundingProgrammeFactory(
            city=city, team=team, slug="bologna-fund"
        ),
        organisation=OrganisationFactory(slug="lse-cities"),
        case=case,
        source=SourceFactory(content_object=case, title="A report"),
        finding=Finding.objects.create(
            slug="teams", topic=Finding.Topic.OTHER, statement="Most cities have one."
        ),
        officer=_with_token(officer),
        reviewer=_with_token(reviewer),
        superuser=_user("admin", is_staff=True, is_superuser=True),
        group=Group.objects.create(name="Editors"),
        # What the log-in lock-out keeps, for its admin pages.
        failed_log_in=[
            AccessAttempt.objects.create(
                username="x", ip_address="10.0.0.1", failures_since_start=1
            ),
            AccessLog.objects.create(username="x", ip_address="10.0.0.1"),
            AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1"),
        ],
    )
