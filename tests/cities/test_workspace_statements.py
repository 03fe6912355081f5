"""The city's statements in the workspace's city profile: an officer states that the
city has no dedicated innovation team or no formal strategy (the only ground for a
"no", CityQuerySet.with_capacity), beside the records that would contradict it; each
change is a version in the city's history."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from cities.models import City, Membership, Strategy
from tests.factories import (
    InnovationTeamFactory,
    MembershipFactory,
    StrategyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def statement(city, kind):
    return reverse("workspace:city_statement", args=[city.slug, kind])


def profile(city):
    return reverse("workspace:city_profile", args=[city.slug])


def test_the_profile_offers_each_statement_in_its_section_with_its_hint(
    client, officer, ghent
):
    html = client.get(profile(ghent)).content.decode()
    teams = html[html.index('id="kind-teams"') : html.index('id="kind-labs"')]
    assert f'action="{statement(ghent, "teams")}"' in teams
    assert "The city states it has no dedicated innovation team" in teams
    assert "Left unticked, the Atlas shows “Not recorded”, never “No”." in teams
    strategies = html[
        html.index('id="kind-strategies"') : html.index('id="kind-funds"')
    ]
    assert f'action="{statement(ghent, "strategies")}"' in strategies
    assert "The city states it has no formal innovation strategy" in strategies
    assert "states_no_team" not in strategies


def test_an_officer_states_none_and_the_public_sees_it(client, officer, ghent):
    response = client.post(
        statement(ghent, "teams"), {"statement-teams-states_no_team": "on"}
    )
    assert response.status_code == 302
    assert response.url == profile(ghent) + "#kind-teams"
    ghent = City.objects.get(pk=ghent.pk)
    assert ghent.states_no_team is True and ghent.states_no_strategy is False
    assert (ghent.has_dedicated_team, ghent.has_formal_strategy) == (False, None)
    page = client.get(ghent.get_absolute_url())
    assertContains(
        page,
        "<div><dt>Dedicated innovation team</dt>"
        "<dd>None, as the city states</dd></div>",
        html=True,
    )
    # Unticked again: not recorded, never "no".
    client.post(statement(ghent, "teams"), {})
    assert City.objects.get(pk=ghent.pk).has_dedicated_team is None


def test_the_statement_is_a_version_in_the_citys_history(client, officer, ghent):
    client.post(
        statement(ghent, "strategies"),
        {"statement-strategies-states_no_strategy": "on"},
    )
    version = ghent.history.latest()
    assert version.states_no_strategy is True
    assert version.history_user == officer
    assert version.prev_record.states_no_strategy is False
    # The workspace shows the change on the city's history page.
    page = client.get(reverse("workspace:city_history", args=[ghent.slug]))
    assert page.status_code == 200
    assertContains(page, "The city states it has no formal innovation strategy")


def test_stating_no_team_beside_a_recorded_team_is_refused(client, officer, ghent):
    InnovationTeamFactory(city=ghent, name="Ghent Lab Team")
    response = client.post(
        statement(ghent, "teams"), {"statement-teams-states_no_team": "on"}
    )
    assert response.status_code == 400
    assertContains(
        response,
        "An innovation team of this city is recorded, so it cannot be stated",
        status_code=400,
    )
    assert City.objects.get(pk=ghent.pk).states_no_team is False


def test_stating_no_strategy_beside_an_adopted_one_is_refused_not_a_draft(
    client, officer, ghent
):
    strategy = StrategyFactory(city=ghent, status=Strategy.Status.ADOPTED)
    data = {"statement-strategies-states_no_strategy": "on"}
    assert client.post(statement(ghent, "strategies"), data).status_code == 400
    Strategy.objects.filter(pk=strategy.pk).update(status=Strategy.Status.DRAFT)
    assert client.post(statement(ghent, "strategies"), data).status_code == 302
    assert City.objects.get(pk=ghent.pk).has_formal_strategy is False


def test_a_stale_statement_elsewhere_is_the_forms_error_not_a_crash(
    client, officer, ghent
):
    # Stated before a team was recorded: the team's form says what to mend.
    City.objects.filter(pk=ghent.pk).update(states_no_team=True)
    InnovationTeamFactory(city=ghent)
    response = client.post(
        statement(ghent, "strategies"),
        {"statement-strategies-states_no_strategy": "on"},
    )
    assert response.status_code == 400
    assertContains(
        response, "An innovation team of this city is recorded", status_code=400
    )


@pytest.mark.parametrize("role", ["reviewer", "outsider", "anonymous"])
def test_only_the_citys_officers_state_anything(client, ghent, role):
    if role == "reviewer":
        user = MembershipFactory(city=ghent, role=Membership.Role.REVIEWER).user
        client.force_login(user)
    elif role == "outsider":
        client.force_login(UserFactory())
    response = client.post(
        statement(ghent, "teams"), {"statement-teams-states_no_team": "on"}
    )
    # Anyone signed out signs in first, and a reviewer gives their second factor first,
    # as for every write in the workspace; an outsider finds no such city.
    assert response.status_code == (404 if role == "outsider" else 302)
    assert City.objects.get(pk=ghent.pk).states_no_team is False
