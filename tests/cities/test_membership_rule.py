"""The one rule of who may write and who may see a city's unpublished records."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from cities.models import City, InnovationTeam, Lab, Membership
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities():
    return CityFactory(slug="ghent"), CityFactory(slug="lyon")


def test_an_officer_writes_only_their_own_citys_records(cities):
    ghent, lyon = cities
    officer = MembershipFactory(city=ghent).user
    assert list(City.objects.editable_by(officer)) == [ghent]
    ghent_lab = LabFactory(team=InnovationTeamFactory(city=ghent))
    LabFactory(team=InnovationTeamFactory(city=lyon))
    assert list(Lab.objects.editable_by(officer)) == [ghent_lab]
    assert list(InnovationTeam.objects.editable_by(officer)) == [ghent_lab.team]


def test_a_reviewer_sees_drafts_but_writes_nothing(cities):
    ghent, _ = cities
    reviewer = MembershipFactory(city=ghent, role=Membership.Role.REVIEWER).user
    draft = CaseStudyFactory(city=ghent)
    assert not City.objects.editable_by(reviewer).exists()
    assert list(City.objects.with_member(reviewer)) == [ghent]
    assert list(CaseStudy.objects.visible_to(reviewer)) == [draft]
    assert not CaseStudy.objects.editable_by(reviewer).exists()


def test_anonymous_and_inactive_users_see_published_cases_only(cities):
    ghent, lyon = cities
    published = CaseStudyFactory(city=ghent, published=True)
    CaseStudyFactory(city=ghent)  # a draft
    officer = MembershipFactory(city=ghent).user
    officer.is_active = False
    officer.save()
    for user in (AnonymousUser(), officer, UserFactory()):
        assert list(CaseStudy.objects.visible_to(user)) == [published]
        assert not City.objects.editable_by(user).exists()


def test_an_officer_sees_their_citys_drafts_not_another_citys(cities):
    ghent, lyon = cities
    officer = MembershipFactory(city=ghent).user
    own = CaseStudyFactory(city=ghent, status=CaseStudy.Status.SUBMITTED)
    CaseStudyFactory(city=lyon)
    assert list(CaseStudy.objects.visible_to(officer)) == [own]
    assert list(CaseStudy.objects.editable_by(officer)) == [own]


def test_staff_see_every_draft_and_superusers_write_everywhere(cities):
    ghent, lyon = cities
    drafts = {CaseStudyFactory(city=ghent), CaseStudyFactory(city=lyon)}
    staff = UserFactory(is_staff=True)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert set(CaseStudy.objects.visible_to(staff)) == drafts
    assert not City.objects.editable_by(staff).exists()
    assert set(City.objects.editable_by(superuser)) == {ghent, lyon}


def test_a_user_holds_one_role_per_city(cities):
    ghent, _ = cities
    membership = MembershipFactory(city=ghent)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=membership.user, city=ghent, role=Membership.Role.REVIEWER
        )


def test_an_officer_with_admin_access_stays_within_their_cities(cities):
    ghent, lyon = cities
    officer = MembershipFactory(city=ghent, user=UserFactory(is_staff=True)).user
    CaseStudyFactory(city=lyon)
    own = CaseStudyFactory(city=ghent)
    assert list(CaseStudy.objects.visible_to(officer)) == [own]
    assert list(City.objects.editable_by(officer)) == [ghent]
    assert not City.objects.reviewed_by(officer).exists()


def test_reviewers_review_their_own_cities_and_site_staff_every_city(cities):
    ghent, lyon = cities
    reviewer = MembershipFactory(city=ghent, role=Membership.Role.REVIEWER).user
    assert list(City.objects.reviewed_by(reviewer)) == [ghent]
    assert set(City.objects.reviewed_by(UserFactory(is_staff=True))) == {ghent, lyon}
    assert not City.objects.reviewed_by(AnonymousUser()).exists()
