"""/en/teams/ and /en/strategies/: every team and strategy, filtered by the API's
FilterSets (InnovationTeamFilter, StrategyFilter), paged by fifty."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from cities.models import Strategy
from tests.factories import (
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

TEAMS = reverse("cities:team_list")
STRATEGIES = reverse("cities:strategy_list")


@pytest.fixture
def teams() -> None:
    graz = CityFactory(name="Graz", slug="graz", country="AT")
    basel = CityFactory(name="Basel", slug="basel", country="CH")
    lab_team = InnovationTeamFactory(
        city=graz, name="Graz Lab Network", kind="lab_network", year_established=2016
    )
    LabFactory.create_batch(3, team=lab_team)
    FundingProgrammeFactory(city=graz, team=lab_team)
    InnovationTeamFactory(city=graz, name="Graz Office", kind="coordination_office")
    InnovationTeamFactory(city=basel, name="Basel Unit", mandate="Digital services")


def _teams(response) -> list[str]:
    return [team.name for team in response.context["teams"]]


def test_the_teams_page_lists_each_team_with_its_city_kind_year_and_counts(
    client, teams
):
    response = client.get(TEAMS)
    assert _teams(response) == ["Basel Unit", "Graz Lab Network", "Graz Office"]
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/teams/innovation-team-'
        f'{response.context["teams"][1].slug.rsplit("-", 1)[1]}/">Graz Lab Network'
        '</a></th><td><a href="/en/cities/graz/">Graz</a></td><td>Austria</td>'
        '<td>Lab network</td><td class="num">2016</td><td class="num">3</td>'
        '<td class="num">1</td></tr>',
        html=True,
    )
    assertContains(response, '<td class="num">Not recorded</td>', count=2)
    assertContains(response, "3 teams")


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"country": "CH"}, ["Basel Unit"]),
        ({"city": "graz"}, ["Graz Lab Network", "Graz Office"]),
        ({"kind": "coordination_office"}, ["Graz Office"]),
        ({"search": "network"}, ["Graz Lab Network"]),
        ({"search": "digital"}, ["Basel Unit"]),  # the API's rule: name or mandate
        ({"city": "graz", "kind": "lab_network"}, ["Graz Lab Network"]),
    ],
)
def test_the_teams_are_filtered_as_the_api_filters_them(client, teams, params, names):
    response = client.get(TEAMS, params)
    assert _teams(response) == names
    api = client.get("/api/v1/teams/", params).json()
    assert sorted(row["name"] for row in api["results"]) == sorted(names)


def test_the_filters_offer_the_cities_and_countries_with_teams(client, teams):
    CityFactory(name="Teamless", slug="teamless", country="PT")
    response = client.get(TEAMS)
    assert response.context["city_options"] == [("basel", "Basel"), ("graz", "Graz")]
    assert [code for code, _n in response.context["country_options"]] == ["AT", "CH"]


def test_an_unknown_filter_value_is_a_400_naming_it(client, teams):
    response = client.get(TEAMS, {"city": "atlantis"})
    assert response.status_code == 400
    assertContains(
        response, '<a href="#id_city"><strong>City</strong></a>', status_code=400
    )
    assertContains(response, "No team is shown", status_code=400)


def test_no_match_says_so_with_a_way_back(client, teams):
    response = client.get(TEAMS, {"search": "nothing like it"})
    assertContains(response, "No team matches.")
    assertContains(response, '<a href="/en/teams/">See every team</a>', html=True)


def test_the_teams_are_paged_by_fifty_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    city = CityFactory(name="Big city")
    for i in range(60):
        LabFactory(team=InnovationTeamFactory(city=city, name=f"Team {i:03}"))
    with django_assert_max_num_queries(8):
        first = client.get(TEAMS)
    assert _teams(first) == [f"Team {i:03}" for i in range(50)]
    assertContains(first, "1–50 of 60 teams")
    assertContains(first, '<nav class="pagination" aria-label="Pages of teams">')
    assert _teams(client.get(TEAMS, {"page": 2})) == [
        f"Team {i:03}" for i in range(50, 60)
    ]
    assert client.get(TEAMS, {"page": 3}).status_code == 404


def test_an_unknown_team_or_strategy_is_a_404(client):
    assert client.get("/en/teams/nobody/").status_code == 404
    assert client.get("/en/strategies/nothing/").status_code == 404


# --- /strategies/ -----------------------------------------------------------------------


@pytest.fixture
def strategies() -> None:
    graz = CityFactory(name="Graz", slug="graz", country="AT")
    basel = CityFactory(name="Basel", slug="basel", country="CH")
    StrategyFactory(city=graz, title="Graz 2030", period_start=2024, period_end=2030)
    StrategyFactory(
        city=graz,
        title="Graz 2020",
        status=Strategy.Status.SUPERSEDED,
        period_start=2015,
        period_end=2020,
    )
    StrategyFactory(city=basel, title="Basel draft", status=Strategy.Status.DRAFT)


def _strategies(response) -> list[str]:
    return [strategy.title for strategy in response.context["strategies"]]


def test_the_strategies_page_lists_each_with_its_city_status_and_years(
    client, strategies
):
    response = client.get(STRATEGIES)
    # By city, the newest period first.
    assert _strategies(response) == ["Basel draft", "Graz 2030", "Graz 2020"]
    assertContains(
        response,
        '<td><a href="/en/cities/graz/">Graz</a></td><td>Austria</td>'
        "<td>Superseded</td><td>2015–2020</td>",
        html=True,
    )
    assertContains(response, "<td>Draft</td><td>Not recorded</td>", html=True)


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"country": "AT"}, ["Graz 2030", "Graz 2020"]),
        ({"city": "basel"}, ["Basel draft"]),
        ({"status": "adopted"}, ["Graz 2030"]),
        ({"status": "draft,superseded"}, ["Basel draft", "Graz 2020"]),
    ],
)
def test_the_strategies_are_filtered_by_country_city_and_status(
    client, strategies, params, titles
):
    assert _strategies(client.get(STRATEGIES, params)) == titles


def test_an_unknown_status_is_a_400_naming_it(client, strategies):
    response = client.get(STRATEGIES, {"status": "imagined"})
    assert response.status_code == 400
    assertContains(
        response, '<a href="#id_status"><strong>Status</strong></a>', status_code=400
    )


def test_the_city_page_links_to_the_team_and_strategy_lists(client, demo):
    response = client.get(reverse("cities:city_detail", args=["bologna"]))
    assertContains(
        response, f'<a href="{TEAMS}">Every city\'s innovation teams</a>', html=True
    )
    assertContains(
        response, f'<a href="{STRATEGIES}">Every city\'s strategies</a>', html=True
    )
