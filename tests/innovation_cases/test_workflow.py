"""The review workflow: every allowed and forbidden step, for each role."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cities.models import Membership
from core.models import Theme
from innovation_cases.models import CaseRevision, CaseStudy, InvalidTransition, Review
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = CaseStudy.Status


@pytest.fixture
def people():
    city, other = CityFactory(slug="ghent"), CityFactory(slug="lyon")
    return {
        "officer": MembershipFactory(
            city=city, user=UserFactory(email="o@ghent.be")
        ).user,
        "reviewer": MembershipFactory(city=city, role=Membership.Role.REVIEWER).user,
        "other_officer": MembershipFactory(city=other).user,
        "other_reviewer": MembershipFactory(
            city=other, role=Membership.Role.REVIEWER
        ).user,
        "site_staff": UserFactory(is_staff=True),
        "nobody": UserFactory(),
        "city": city,
    }


@pytest.fixture
def case(people):
    return CaseStudyFactory(city=people["city"], created_by=people["officer"])


# (step, the status it starts from, who may take it, the status it leads to)
STEPS = [
    ("submit", S.DRAFT, {"officer"}, S.SUBMITTED),
    ("submit", S.CHANGES_REQUESTED, {"officer"}, S.SUBMITTED),
    ("withdraw", S.SUBMITTED, {"officer"}, S.DRAFT),
    ("publish", S.SUBMITTED, {"reviewer", "site_staff"}, S.PUBLISHED),
    ("request_changes", S.SUBMITTED, {"reviewer", "site_staff"}, S.CHANGES_REQUESTED),
    ("archive", S.PUBLISHED, {"reviewer", "site_staff"}, S.ARCHIVED),
]
ROLES = [
    "officer",
    "reviewer",
    "other_officer",
    "other_reviewer",
    "site_staff",
    "nobody",
]


def set_status(case, status):
    case.status = status
    if status in (S.PUBLISHED, S.ARCHIVED):
        case.published_at = timezone.now()
    case.save()


def take(case, step, user):
    kwargs = {"comment": "Please cite the council decision."}
    if step in ("submit", "withdraw"):
        kwargs = {}
    getattr(case, step)(by=user, **kwargs)


@pytest.mark.parametrize(("step", "start", "allowed", "end"), STEPS)
@pytest.mark.parametrize("role", ROLES)
def test_each_step_is_taken_only_by_those_allowed(
    people, case, step, start, allowed, end, role
):
    set_status(case, start)
    if role in allowed:
        take(case, step, people[role])
        case.refresh_from_db()
        assert case.status == end
        assert case.history.first().history_user == people[role]
    else:
        with pytest.raises(PermissionDenied):
            take(case, step, people[role])
        case.refresh_from_db()
        assert case.status == start


@pytest.mark.parametrize(
    "step", ["submit", "withdraw", "publish", "request_changes", "archive"]
)
@pytest.mark.parametrize("start", list(S))
def test_a_step_from_the_wrong_state_is_refused(people, case, step, start):
    if any(s == step and st == start for s, st, *_ in STEPS):
        return  # an allowed step: covered above
    set_status(case, start)
    user = people["officer" if step in ("submit", "withdraw") else "reviewer"]
    with pytest.raises(InvalidTransition):
        take(case, step, user)
    case.refresh_from_db()
    assert case.status == start


def test_publishing_dates_the_case_and_mails_its_officer(
    people, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case.submit(by=people["officer"])
        case.publish(by=people["reviewer"])
    case.refresh_from_db()
    assert case.published_at is not None
    assert CaseStudy.objects.published().get() == case
    assert [m.to for m in mail.outbox] == [["o@ghent.be"]]
    assert case.title in mail.outbox[0].subject


def test_changes_are_requested_with_a_comment_the_officer_receives(
    people, case, django_capture_on_commit_callbacks
):
    case.submit(by=people["officer"])
    with pytest.raises(ValidationError):
        case.request_changes(by=people["reviewer"], comment="  ")
    with django_capture_on_commit_callbacks(execute=True):
        case.request_changes(by=people["reviewer"], comment="Add the results.")
    assert "Add the results." in mail.outbox[0].body
    assert case.reviews.first().decision == Review.Decision.CHANGES_REQUESTED
    case.submit(by=people["officer"])
    assert case.status == S.SUBMITTED


@pytest.fixture
def published(people, case):
    case.submit(by=people["officer"])
    case.publish(by=people["reviewer"])
    mail.outbox.clear()
    return case


def values_of(case, **changes):
    values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
    values.update({"teams": [], "partners": [], "innovation_types": [], "drivers": []})
    values.update({"approaches": [], "themes": list(case.themes.all())})
    values.update(changes)
    return values


def test_an_edit_of_a_published_case_waits_for_approval(
    people, published, django_capture_on_commit_callbacks
):
    old_title = published.title
    revision = CaseRevision.propose(
        case=published,
        by=people["officer"],
        values=values_of(
            published, title="Better title", themes=[Theme.objects.first()]
        ),
    )
    published.refresh_from_db()
    assert published.title == old_title  # the public still sees the published text
    assert [c["name"] for c in revision.diff()] == ["title", "themes"]

    with django_capture_on_commit_callbacks(execute=True):
        revision.approve(by=people["reviewer"])
    published.refresh_from_db()
    assert published.title == "Better title"
    assert list(published.themes.all()) == [Theme.objects.first()]
    # The version credits the officer who wrote the change and the reviewer who
    # approved it.
    version = published.history.first()
    assert version.history_user == people["officer"]
    assert version.approved_by == people["reviewer"]
    assert mail.outbox[0].to == ["o@ghent.be"]


def test_a_revision_is_updated_not_doubled_and_can_be_rejected(people, published):
    first = CaseRevision.propose(
        case=published, by=people["officer"], values=values_of(published, title="A")
    )
    second = CaseRevision.propose(
        case=published, by=people["officer"], values=values_of(published, title="B")
    )
    assert first.pk == second.pk and CaseRevision.objects.count() == 1
    with pytest.raises(PermissionDenied):
        second.reject(by=people["other_reviewer"], comment="No.")
    second.reject(by=people["reviewer"], comment="Not supported by a source.")
    published.refresh_from_db()
    assert published.title != "B"
    with pytest.raises(InvalidTransition):
        second.approve(by=people["reviewer"])


def test_only_the_citys_officers_propose_revisions_of_published_cases(
    people, published, case
):
    with pytest.raises(PermissionDenied):
        CaseRevision.propose(
            case=published, by=people["other_officer"], values=values_of(published)
        )
    with pytest.raises(PermissionDenied):
        CaseRevision.propose(
            case=published, by=people["reviewer"], values=values_of(published)
        )
    draft = CaseStudyFactory(city=people["city"])
    with pytest.raises(InvalidTransition):
        CaseRevision.propose(case=draft, by=people["officer"], values=values_of(draft))


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("role", ROLES)
def test_a_user_is_offered_exactly_the_steps_they_may_take(people, case, start, role):
    """What the workspace, the admin and the API offer (steps_for) is what the
    methods allow: the table above, asked of the model."""
    set_status(case, start)
    expected = [s for s, st, allowed, _ in STEPS if st == start and role in allowed]

    assert sorted(case.steps_for(people[role])) == sorted(expected)


def test_a_step_taken_by_name_goes_through_its_method(people, case):
    set_status(case, S.SUBMITTED)

    with pytest.raises(ValidationError):
        case.take_step("request_changes", by=people["reviewer"], comment=" ")
    case.take_step("request_changes", by=people["reviewer"], comment="Cite it.")

    case.refresh_from_db()
    assert case.status == S.CHANGES_REQUESTED
    assert case.reviews.get().comment == "Cite it."


def test_every_step_has_its_workspace_route_and_message():
    from django.urls import reverse

    from workspace import cases

    assert set(cases.CASE_STEPS) == set(CaseStudy.STEPS)
    for step in CaseStudy.STEPS:
        assert reverse("workspace:case_step", args=["a-case", step]).endswith(
            f"/{step}/"
        )
