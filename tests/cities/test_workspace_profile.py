"""The city profile in the workspace: officers add and change their own city's teams,
labs, strategies and funding programmes, each change recorded; nobody else does."""

import pytest
from django.urls import reverse

from cities.models import FundingProgramme, InnovationTeam, Lab, Membership, Strategy
from core.models import InnovationType
from tests.factories import (
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    StrategyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def profile(city):
    return reverse("workspace:city_profile", args=[city.slug])


def new(city, kind):
    return reverse("workspace:city_record_create", args=[city.slug, kind])


def edit(city, kind, record):
    return reverse("workspace:city_record_edit", args=[city.slug, kind, record.slug])


def test_the_profile_lists_the_citys_records_with_links(client, officer, ghent):
    team = InnovationTeamFactory(city=ghent, name="Ghent Lab Team")
    LabFactory(team=team, name="North lab")
    FundingProgrammeFactory(city=ghent, name="Ghent fund")
    StrategyFactory(city=ghent, title="Ghent strategy")
    InnovationTeamFactory(name="Someone else's team")
    body = client.get(profile(ghent)).content.decode()
    for name in ("Ghent Lab Team", "North lab", "Ghent fund", "Ghent strategy"):
        assert name in body
    assert "Someone else" not in body
    assert edit(ghent, "teams", team) in body


def test_an_officer_adds_a_team_recorded_in_its_history(client, officer, ghent):
    response = client.post(
        new(ghent, "teams"), {"name": "Ghent Design Office", "kind": "other"}
    )
    assert response.status_code == 302 and response.url == profile(ghent)
    team = InnovationTeam.objects.get(name="Ghent Design Office")
    assert team.city == ghent and team.slug == "ghent-design-office"
    version = team.history.get()
    assert version.history_type == "+" and version.history_user == officer


def test_a_strategy_with_its_types_is_one_version(client, officer, ghent):
    strategy = StrategyFactory(city=ghent, title="Old title")
    types = list(InnovationType.objects.all()[:2])
    response = client.post(
        edit(ghent, "strategies", strategy),
        {
            "title": "New title",
            "status": "adopted",
            "innovation_types": [t.pk for t in types],
        },
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.title == "New title"
    assert set(strategy.innovation_types.all()) == set(types)
    assert strategy.history.count() == 2  # The factory's, then this one write.
    latest = strategy.history.first()
    assert latest.history_user == officer
    assert {t.innovationtype_id for t in latest.innovation_types.all()} == {
        t.pk for t in types
    }
    history = client.get(
        reverse(
            "workspace:city_record_history",
            args=[ghent.slug, "strategies", strategy.slug],
        )
    )
    assert history.status_code == 200
    rows = history.context["entries"][0]["rows"]
    assert ("title", "Old title", "New title") in {
        (str(r["label"]), r["old"], r["new"]) for r in rows
    }


def test_a_duplicate_name_is_a_form_error_not_a_crash(client, officer, ghent):
    FundingProgrammeFactory(city=ghent, name="Ghent fund")
    response = client.post(
        new(ghent, "funds"),
        {"name": "Ghent fund", "allocation": "grant_call", "currency": "EUR"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    assert FundingProgramme.objects.filter(city=ghent).count() == 1


def test_a_lab_takes_only_the_citys_teams_and_districts(client, officer, ghent):
    other_team = InnovationTeamFactory()
    other_district = DistrictFactory()
    response = client.post(
        new(ghent, "labs"),
        {"name": "Lab", "team": other_team.pk, "district": other_district.pk},
    )
    assert response.status_code == 400
    assert {"team", "district"} <= set(response.context["form"].errors)
    assert not Lab.objects.exists()


def test_another_citys_profile_and_records_are_404(client, officer):
    lyon = CityFactory(name="Lyon")
    team = InnovationTeamFactory(city=lyon, name="Lyon team")
    assert client.get(profile(lyon)).status_code == 404
    assert client.post(new(lyon, "teams"), {"name": "x"}).status_code == 404
    response = client.post(edit(lyon, "teams", team), {"name": "Taken over"})
    assert response.status_code == 404
    team.refresh_from_db()
    assert team.name == "Lyon team"


def test_a_record_of_another_city_is_404_under_ones_own(client, officer, ghent):
    team = InnovationTeamFactory(name="Lyon team")
    assert client.get(edit(ghent, "teams", team)).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "outsider", "anonymous"])
def test_only_officers_reach_the_profile(client, ghent, role):
    if role == "reviewer":
        user = MembershipFactory(city=ghent, role=Membership.Role.REVIEWER).user
        client.force_login(user)
    elif role == "outsider":
        client.force_login(UserFactory())
    response = client.get(profile(ghent))
    assert response.status_code == (302 if role == "anonymous" else 404)
    assert not Strategy.objects.exists()


def test_a_save_crossing_a_colleagues_is_refused_with_the_text_kept(
    client, officer, ghent
):
    team = InnovationTeamFactory(city=ghent, name="Ghent lab team")
    url = edit(ghent, "teams", team)
    token = client.get(url).context["edit_token"]
    team.mandate = "Written by a colleague meanwhile."
    team.save()
    data = {"name": team.name, "kind": team.kind, "mandate": "My mandate."}
    response = client.post(url, data | {"edit_token": token})
    assert response.status_code == 409
    assert "Someone else saved this record" in response.content.decode()
    assert "My mandate." in response.content.decode()
    team.refresh_from_db()
    assert team.mandate == "Written by a colleague meanwhile."
    again = client.post(url, data | {"edit_token": response.context["edit_token"]})
    assert again.status_code == 302
    team.refresh_from_db()
    assert team.mandate == "My mandate."
