"""Test data. Every factory makes a valid record with the fewest fields set."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import needs_second_factor
from cities.models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Membership,
    Strategy,
)
from core.history import save_with_relations
from core.models import Approach, Driver, InnovationType, LifecycleStage, Source, Theme
from innovation_cases.models import CaseStudy, Organisation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    name = factory.Sequence(lambda n: f"Testville {n}")
    slug = factory.Sequence(lambda n: f"testville-{n}")
    country = "NL"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.Sequence(lambda n: f"district-{n}")


class InnovationTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InnovationTeam

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Innovation team {n}")
    slug = factory.Sequence(lambda n: f"innovation-team-{n}")
    kind = InnovationTeam.Kind.IN_HOUSE_UNIT


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    team = factory.SubFactory(InnovationTeamFactory)
    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy

    city = factory.SubFactory(CityFactory)
    title = factory.Sequence(lambda n: f"Innovation strategy {n}")
    slug = factory.Sequence(lambda n: f"innovation-strategy-{n}")
    status = Strategy.Status.ADOPTED


class FundingProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingProgramme

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Innovation fund {n}")
    slug = factory.Sequence(lambda n: f"innovation-fund-{n}")
    allocation = FundingProgramme.Allocation.GRANT_CALL


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = Organisation.Kind.RESEARCH


class CaseStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseStudy
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Test case {n}")
    slug = factory.Sequence(lambda n: f"test-case-{n}")
    city = factory.SubFactory(CityFactory)
    summary = "A test case, made by the test suite."
    status = CaseStudy.Status.DRAFT

    class Params:
        published = factory.Trait(
            status=CaseStudy.Status.PUBLISHED,
            published_at=factory.Faker("date_time_this_decade", tzinfo=datetime.UTC),
        )


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    content_object = factory.SubFactory(CaseStudyFactory)
    title = factory.Sequence(lambda n: f"Source {n}")


def populate(n: int) -> list[CaseStudy]:
    """n more cities, each with every kind of record and one published, classified case.

    For the tests that pin a page's query count: they render the page, call this, and
    render it again within the same limit. Each city has coordinates, a district with
    two labs, a team, a strategy, a funding programme and a cited case that carries
    several terms of every vocabulary.
    """
    from decimal import Decimal

    countries = ["FR", "DE", "ES", "PL"]
    stage = LifecycleStage.objects.first()
    terms = {
        "innovation_types": list(InnovationType.objects.all()[:2]),
        "drivers": list(Driver.objects.all()[:3]),
        "approaches": list(Approach.objects.all()[:1]),
        "themes": list(Theme.objects.all()[:2]),
    }
    cases = []
    for i in range(n):
        city = CityFactory(
            country=countries[i % len(countries)],
            latitude=Decimal(f"{40 + i % 30}.5"),
            longitude=Decimal(f"{i % 30}.25"),
        )
        team = InnovationTeamFactory(city=city)
        LabFactory.create_batch(2, team=team, district=DistrictFactory(city=city))
        StrategyFactory(city=city, team=team)
        FundingProgrammeFactory(city=city, team=team)
        SourceFactory(content_object=city)
        case = CaseStudyFactory.build(
            city=city,
            published=True,
            year_started=2000 + i,
            lifecycle_stage=stage,
        )
        # Saved as the site saves a case: one version, its relations included.
        save_with_relations(case, {**terms, "teams": [team]})
        SourceFactory(content_object=case)
        cases.append(case)
    return cases


class MembershipFactory(factory.django.DjangoModelFactory):
    """A user's role in a city: an officer unless `role` says otherwise."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    city = factory.SubFactory(CityFactory)
    role = Membership.Role.OFFICER


# --- Two-factor log-in ---------------------------------------------------------------


def authenticator(user):
    """The user's confirmed authenticator app (a TOTP device), made if need be."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code the device's app shows now (or `steps_ahead` periods of 30 s later),
    computed by django-otp's own TOTP from the device's key."""
    code = totp(
        device.bin_key,
        device.step,
        device.t0,
        device.digits,
        device.drift + steps_ahead,
    )
    return f"{code:0{device.digits}d}"


def unused_totp_code(device) -> str:
    """A code the device has not accepted yet: the current one, or else the next
    period's, which the site also accepts (its tolerance is one period). A test that
    logs in three times within 30 s must reset `last_t` itself."""
    device.refresh_from_db()
    current = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    ahead = max(0, device.last_t + 1 - current.t())
    assert ahead <= device.tolerance, "both codes of this period were used already"
    return totp_code(device, steps_ahead=ahead)


def verified_session(user) -> dict[str, str]:
    """What the log-in's code step adds to a session: the authenticator app that
    verified it (made if need be). Nothing for a user who needs no second factor (an
    officer who has not turned it on)."""
    if not needs_second_factor(user):
        return {}
    return {DEVICE_ID_SESSION_KEY: authenticator(user).persistent_id}


def verified_login(client, user):
    """Logs `user` in on a test client (Client, APIClient) the way the log-in's code
    step leaves a session: verified with their authenticator app, as reviewers and
    staff need for publishing, invitations and the admin."""
    client.force_login(user)
    if data := verified_session(user):
        session = client.session
        session.update(data)
        session.save()
    return client
