"""Test data. Every factory makes a valid record with the fewest fields set."""

import datetime

import factory
from django.contrib.auth import get_user_model

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
