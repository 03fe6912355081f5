"""What the workspace's tests share: two cities, their people, and a logged-in client."""

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from cities.models import Membership
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    MembershipFactory,
    UserFactory,
    verified_login,
)

S = CaseStudy.Status


@pytest.fixture
def people():
    city_a, city_b = CityFactory(name="Ghent"), CityFactory(name="Lyon")
    return {
        "city_a": city_a,
        "city_b": city_b,
        "officer_a": MembershipFactory(city=city_a).user,
        "officer_b": MembershipFactory(city=city_b).user,
        "reviewer_a": MembershipFactory(
            city=city_a, role=Membership.Role.REVIEWER
        ).user,
        "staff": UserFactory(is_staff=True),
    }


@pytest.fixture
def as_(client):
    def log_in(user):
        return verified_login(client, user)

    return log_in


def case_in(city, status=S.DRAFT, **kwargs):
    if status in (S.PUBLISHED, S.ARCHIVED):
        kwargs.setdefault("published_at", timezone.now())
    return CaseStudyFactory(city=city, status=status, **kwargs)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]
