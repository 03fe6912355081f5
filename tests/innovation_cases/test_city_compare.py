"""/cities/compare/: two to four cities side by side, from the records each city keeps
and the published cases the search engine counts (innovation_cases/compare.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cities.models import FundingProgramme, InnovationTeam, Strategy
from core.models import InnovationType, LifecycleStage, Theme
from innovation_cases.engine import search as engine
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

COMPARE = reverse("innovation_cases:city_compare")
# The journal's check, the cities and their records (five), the three vocabularies'
# terms and the list of cities for the form: whatever the number of cases.
QUERIES = 10


def case(city, status=CaseStudy.Status.PUBLISHED, themes=(), **fields):
    made = CaseStudyFactory(
        city=city, published=status == CaseStudy.Status.PUBLISHED, **fields
    )
    if status != CaseStudy.Status.PUBLISHED:
        CaseStudy.objects.filter(pk=made.pk).update(status=status)
    made.themes.set(Theme.objects.filter(slug__in=themes))
    return made


@pytest.fixture
def world(db):
    """Aville records a little of everything, with funds in two currencies (and one
    without an amount); Beeburg a team of unknown year and a fund in pounds; Ceeton
    and Deeham nothing at all. Aville has two published cases on mobility, a draft
    and a submission on it too; Beeburg one published case."""
    aville = CityFactory(name="Aville", slug="aville", country="NL")
    beeburg = CityFactory(name="Beeburg", slug="beeburg", country="BE")
    ceeton = CityFactory(name="Ceeton", slug="ceeton", country="FR")
    deeham = CityFactory(name="Deeham", slug="deeham", country="DE")
    team = InnovationTeamFactory(
        city=aville,
        name="Aville Lab",
        slug="aville-lab",
        kind=InnovationTeam.Kind.IN_HOUSE_UNIT,
        year_established=2015,
    )
    LabFactory(
        team=team,
        name="Harbour lab",
        municipal_staff_min=2,
        municipal_staff_max=3,
    )
    StrategyFactory(
        city=aville,
        title="Aville innovates",
        slug="aville-innovates",
        status=Strategy.Status.DRAFT,
        period_start=2024,
        period_end=2028,
    )
    for name, amount, currency in [
        ("Pitch fund", Decimal("1000"), "EUR"),
        ("Small grants", Decimal("500"), "EUR"),
        ("Challenge prize", None, "EUR"),
        ("Swiss partnership", Decimal("2000"), "CHF"),
    ]:
        FundingProgrammeFactory(
            city=aville, name=name, amount=amount, currency=currency
        )
    InnovationTeamFactory(
        city=beeburg,
        name="Beeburg Office",
        kind=InnovationTeam.Kind.COORDINATION_OFFICE,
    )
    FundingProgrammeFactory(
        city=beeburg,
        name="Beeburg fund",
        amount=Decimal("300"),
        currency="GBP",
        allocation=FundingProgramme.Allocation.PITCH_COMPETITION,
    )
    itype = InnovationType.objects.get(slug="adaptive")
    stage = LifecycleStage.objects.first()
    for _ in range(2):
        published = case(aville, themes=["mobility"], lifecycle_stage=stage)
        published.innovation_types.set([itype])
    case(aville, CaseStudy.Status.DRAFT, themes=["mobility", "homelessness"])
    case(aville, CaseStudy.Status.SUBMITTED, themes=["mobility"])
    case(beeburg, themes=["mobility"])
    return SimpleNamespace(
        aville=aville, beeburg=beeburg, ceeton=ceeton, deeham=deeham, stage=stage
    )


def columns(response) -> list[str]:
    """The cities heading the first table's columns, in order."""
    html = response.content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    return re.findall(r'<th scope="col"><a href="/en/cities/[^/]+/">([^<]+)</a>', table)


def row(response, heading: str) -> str:
    """The HTML of the first table row headed `heading`."""
    html = response.content.decode()
    start = html.index(f'<th scope="row">{heading}</th>')
    return html[start : html.index("</tr>", start)]


def cells(row_html: str) -> list[str]:
    """The text of each cell of a row, tags removed, spaces collapsed."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", row_html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in found]


@pytest.mark.parametrize(
    "slugs",
    [
        "aville,beeburg",
        "ceeton,aville,beeburg",
        "deeham,ceeton,beeburg,aville",
    ],
)
def test_two_three_or_four_cities_each_get_a_column_in_the_order_asked(
    client, world, slugs
):
    response = client.get(COMPARE, {"cities": slugs})

    assert response.status_code == 200
    names = [slug.capitalize() for slug in slugs.split(",")]
    assert columns(response) == names
    # The form shows the same cities again: the address is the comparison.
    for number, slug in enumerate(slugs.split(","), start=1):
        select = re.search(
            rf'<select id="id_cities_{number}" name="cities">(.*?)</select>',
            response.content.decode(),
            flags=re.S,
        )
        assert select and f'<option value="{slug}" selected>' in select.group(1)


def test_the_cities_are_also_taken_as_repeated_parameters_as_the_form_sends_them(
    client, world
):
    response = client.get(COMPARE + "?cities=beeburg&cities=aville&cities=&cities=")

    assert response.status_code == 200
    assert columns(response) == ["Beeburg", "Aville"]


def test_teams_labs_strategies_and_funds_show_what_each_city_records(client, world):
    response = client.get(COMPARE, {"cities": "aville,beeburg,ceeton"})

    assert cells(row(response, "Innovation teams")) == [
        "1 team Aville Lab : In-house unit, established 2015",
        "1 team Beeburg Office : Coordination office, year not recorded",
        "Not recorded",
    ]
    assert cells(row(response, "Labs and their staffing")) == [
        "1 lab Harbour lab: municipal staff 2–3; partner staff not recorded",
        "Not recorded",
        "Not recorded",
    ]
    assert cells(row(response, "Strategies")) == [
        "1 strategy Aville innovates : Draft, 2024–2028",
        "Not recorded",
        "Not recorded",
    ]
    assertContains(
        response,
        f'<a href="{world.aville.get_absolute_url()}#teams-heading">1 team</a>',
    )
    assertContains(response, '<a href="/en/teams/aville-lab/">Aville Lab</a>')
    assertContains(response, '<a href="/en/strategies/aville-innovates/">')


def test_a_city_that_states_it_has_none_is_none_not_unrecorded(client, world):
    world.ceeton.states_no_team = world.ceeton.states_no_strategy = True
    world.ceeton.save()
    response = client.get(COMPARE, {"cities": "ceeton,deeham"})

    for heading in ["Innovation teams", "Strategies"]:
        assert cells(row(response, heading)) == [
            "None, as the city states",
            "Not recorded",
        ]
    # Nothing is stated about labs or funding: still not recorded.
    assert cells(row(response, "Funding programmes")) == ["Not recorded"] * 2


def test_a_city_with_nothing_recorded_is_not_recorded_never_zero(client, world):
    response = client.get(COMPARE, {"cities": "ceeton,deeham"})

    assert response.status_code == 200
    for heading in [
        "Innovation teams",
        "Labs and their staffing",
        "Strategies",
        "Funding programmes",
    ]:
        assert cells(row(response, heading)) == ["Not recorded", "Not recorded"]
    assert cells(row(response, "Published cases")) == ["None published"] * 2
    text = response.content.decode()
    assert not re.search(r">\s*0\s*(teams?|labs?|strateg|programmes?|cases?)\b", text)
    assertContains(response, "None of these cities has a funding programme recorded.")


def test_funds_are_totalled_per_currency_and_never_across_currencies(client, world):
    response = client.get(COMPARE, {"cities": "aville,beeburg,ceeton"})

    assert cells(row(response, "Funding programmes"))[0] == (
        "4 programmes Challenge prize: amount not recorded (Grant call) "
        "Pitch fund: €1,000 (Grant call) Small grants: €500 (Grant call) "
        "Swiss partnership: CHF2,000 (Grant call)"
    )
    assert cells(row(response, "CHF")) == [
        "CHF2,000 (1 programme)",
        "none",
        "Not recorded",
    ]
    assert cells(row(response, "EUR")) == [
        "€1,500 (2 programmes) of 3; the other amounts are not recorded",
        "none",
        "Not recorded",
    ]
    assert cells(row(response, "GBP")) == ["none", "£300 (1 programme)", "Not recorded"]
    # 1,000 + 500 + 2,000, or with the pounds: nowhere.
    for summed in ("3,500", "3,800", "1,800", "2,300"):
        assertNotContains(response, summed)
    assertContains(response, "Funding in CHF")


def test_published_cases_only_are_counted_and_link_to_their_filtered_list(
    client, world
):
    response = client.get(COMPARE, {"cities": "aville,beeburg"})

    assert cells(row(response, "Published cases")) == ["2 cases", "1 case"]
    assertContains(response, '<a href="/en/cases/?city=aville">2 cases</a>', html=True)
    # Aville's draft and submission are on mobility too, and the draft on homelessness.
    assert cells(row(response, "Mobility")) == ["2", "1"]
    assert cells(row(response, "Homelessness")) == ["none", "none"]
    assert cells(row(response, "Adaptive")) == ["2", "none"]
    assert cells(row(response, world.stage.name)) == ["2", "none"]
    assertContains(
        response,
        '<td class="num"><a href="/en/cases/?city=aville&amp;theme=mobility">2</a></td>',
        html=True,
    )
    assertContains(
        response,
        '<a href="/en/cases/?city=beeburg&amp;innovation_type=adaptive">',
        count=0,
    )


def test_each_count_is_what_its_link_lists(client, world):
    response = client.get(COMPARE, {"cities": "aville,beeburg"})

    links = re.findall(
        r'<a href="/en/cases/\?([^"]+)">(\d+)(?: cases?)?</a>',
        response.content.decode(),
    )
    assert len(links) >= 6
    for query, count in links:
        listed = client.get("/en/cases/?" + query.replace("&amp;", "&"))
        assert listed.status_code == 200
        assert listed.context["paginator"].count == int(count), query


def test_the_counts_come_from_the_engine_not_a_count_per_term(
    client, world, django_assert_max_num_queries
):
    client.get("/en/cases/")  # builds the search index: its work, not the page's
    with django_assert_max_num_queries(QUERIES):
        client.get(COMPARE, {"cities": "aville,beeburg,ceeton,deeham"})
    for _ in range(20):
        case(world.aville, themes=["mobility", "climate"])
    client.get("/en/cases/")  # the index catches up with the journal
    with django_assert_max_num_queries(QUERIES):
        response = client.get(COMPARE, {"cities": "aville,beeburg,ceeton,deeham"})
    assert cells(row(response, "Mobility")) == ["22", "1", "none", "none"]
    assert (
        engine.search(filters=engine.Filters(city=("aville",))).facets["theme"][
            "mobility"
        ]
        == 22
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("cities=aville", "Choose at least 2 cities to compare."),
        ("cities=", "Choose at least 2 cities to compare."),
        (
            "cities=aville,beeburg,ceeton,deeham,aville",
            "Choose at most 4 cities to compare.",
        ),
        ("cities=aville,atlantis", "“atlantis” is not a known city."),
        (
            "cities=aville,beeburg,aville",
            "“aville” is chosen more than once: choose each city once.",
        ),
        ("cities=aville,%00bad", "“\\0bad” is not a known city."),
    ],
)
def test_a_question_that_cannot_be_answered_is_a_400_with_the_form_kept(
    client, world, query, message
):
    response = client.get(f"{COMPARE}?{query}")

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assertContains(response, 'role="alert"', status_code=400)
    assertNotContains(response, "capacity-heading", status_code=400)
    if "aville" in query:
        assertContains(response, '<option value="aville" selected>', status_code=400)


def test_without_cities_the_page_is_the_form(client, world):
    response = client.get(COMPARE)

    assert response.status_code == 200
    assertNotContains(response, 'role="alert"')
    for number in range(1, 5):
        assertContains(
            response, f'<label for="id_cities_{number}">City {number}</label>'
        )
    assertContains(response, '<option value="ceeton">Ceeton (France)</option>', count=4)


def test_every_city_page_offers_to_compare_it_with_another(client, world):
    response = client.get(world.aville.get_absolute_url())

    assertContains(response, f'<form method="get" action="{COMPARE}"')
    assertContains(response, '<input type="hidden" name="cities" value="aville">')
    assertContains(
        response, '<label for="id_compare_with">Compare Aville with…</label>'
    )
    assertContains(response, '<option value="beeburg">Beeburg (Belgium)</option>')
    assertNotContains(response, '<option value="aville">')
