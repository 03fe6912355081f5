import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from cities.models import City
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases.engine import journal
from innovation_cases.models import CaseStudy, Finding
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    SourceFactory,
    populate,
)

pytestmark = pytest.mark.django_db

INSIGHTS = reverse("innovation_cases:insights")
ABOUT = reverse("innovation_cases:about")
HOME = reverse("innovation_cases:home")

ARTICLE_TITLE = "How cities are redefining the future of public innovation"
EUROCITIES_TITLE = (
    "Eurocities&#x27; summary of the LSE Cities survey of European mayors and "
    "innovation officers"
)


def _computed(html: str) -> str:
    """The part of the insights page that shows the figures computed by the Atlas."""
    return html[html.index('id="live-heading"') : html.index('id="findings-heading"')]


def _findings(html: str) -> dict[str, str]:
    """Each finding's statement, mapped to the HTML of its list item."""
    return dict(
        re.findall(r'<li>\s*<p class="statement">(.*?)</p>(.*?)</li>', html, flags=re.S)
    )


# --- Insights ---------------------------------------------------------------------------


def test_insights_shows_the_capacity_shares_in_a_table(client, demo):
    # Bratislava has no team on record and states nothing: "not recorded", never "no",
    # and left out of the shares, which say what they are computed of. No city answers
    # the strategy question (none is recorded, none stated): no share.
    response = client.get(INSIGHTS)
    assertContains(
        response,
        '<tr><th scope="row">Dedicated innovation team</th><td class="num">2</td>'
        '<td class="num">0</td><td class="num">1</td>'
        '<td class="num">100% (2 of 2)</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr><th scope="row">Formal innovation strategy</th><td class="num">0</td>'
        '<td class="num">0</td><td class="num">3</td>'
        '<td class="num">–</td></tr>',
        html=True,
    )


def test_insights_counts_unrecorded_cities_apart(client):
    InnovationTeamFactory()  # a city with a team
    CityFactory(states_no_team=True)  # one that states it has none
    # Three about whose team nothing is recorded: other records say nothing of one.
    FundingProgrammeFactory()
    CityFactory.create_batch(2)
    response = client.get(INSIGHTS)
    assertContains(
        response,
        '<tr><th scope="row">Dedicated innovation team</th><td class="num">1</td>'
        '<td class="num">1</td><td class="num">3</td>'
        '<td class="num">50% (1 of 2)</td></tr>',
        html=True,
    )
    # The chart's bar says the same.
    assertContains(
        response,
        '<span class="bar-label">Dedicated innovation team '
        '<span class="bar-value">50% (1 of 2)</span></span>',
        html=True,
    )


def test_insights_tables_give_each_terms_count_and_link_to_its_filtered_cases(
    client, demo
):
    response = client.get(INSIGHTS)
    for query, name, count in [
        ("innovation_type=adaptive", "Adaptive", 1),
        ("innovation_type=mission-oriented", "Mission-oriented", 0),
        ("theme=neighbourhoods", "Neighbourhoods and new towns", 1),
        ("theme=mobility", "Mobility", 0),
        ("country=IT", "Italy", 1),
        ("country=SK", "Slovakia", 0),
    ]:
        assertContains(
            response,
            f'<tr><th scope="row"><a href="/en/cases/?{query}">{name}</a></th>'
            f'<td class="num">{count}</td></tr>',
            html=True,
        )
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/cases/?driver=management">Management</a></th>'
        '<td>Internal</td><td class="num">1</td></tr>',
        html=True,
    )


def test_insights_years_link_to_a_one_year_range(client):
    CaseStudyFactory(published=True, year_started=2019)
    response = client.get(INSIGHTS)
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/cases/?year_min=2019&amp;year_max=2019">2019'
        '</a></th><td class="num">1</td></tr>',
        html=True,
    )


def test_insights_says_when_no_case_has_a_start_year(client, demo):
    response = client.get(INSIGHTS)
    assertContains(response, "No published case has a start year on record yet.")
    assertContains(
        response,
        "2 published cases have no start year on record, so they are not counted by "
        "year.",
    )


def test_every_insights_chart_is_hidden_from_assistive_technology_beside_its_table(
    client, demo
):
    html = client.get(INSIGHTS).content.decode()
    charts = re.findall(r'<div class="bar-chart"[^>]*>', html)
    assert len(charts) == 7  # capacity, type, driver, approach, theme, stage, country
    assert all('aria-hidden="true"' in chart for chart in charts)
    assert html.count("<caption id=") == 7
    # Bar links are for the pointer only: the table's links are the keyboard's.
    bar_links = re.findall(r'<a href="/en/cases/\?[^"]*" tabindex="-1">', html)
    assert len(bar_links) == 4 + 8 + 4 + 14 + 6 + 3


def test_a_long_label_on_an_insights_chart_is_shown_whole_to_wrap(client, demo):
    # The label was SVG text cut at 36 characters; now it is HTML, which wraps.
    long_theme = Theme.objects.create(
        slug="long-theme", name="Participatory neighbourhood regeneration programmes"
    )
    case = CaseStudy.objects.published().first()
    case.themes.add(long_theme)
    journal.fresh_searcher()

    html = client.get(INSIGHTS).content.decode()

    labels = re.findall(r'<span class="bar-label">(.*?) <span class="bar-value">', html)
    assert "Participatory neighbourhood regeneration programmes" in labels
    assert not [label for label in labels if label.endswith("…")]


def test_a_draft_case_changes_no_figure_on_insights(client, demo):
    before = _computed(client.get(INSIGHTS).content.decode())
    draft = CaseStudyFactory(
        city=City.objects.get(slug="bratislava"),
        year_started=2020,
        lifecycle_stage=LifecycleStage.objects.get(slug="evaluating"),
    )
    draft.themes.set([Theme.objects.get(slug="mobility")])
    draft.innovation_types.set([InnovationType.objects.get(slug="anticipatory")])
    draft.drivers.set([Driver.objects.get(slug="legal")])
    response = client.get(INSIGHTS)
    assert _computed(response.content.decode()) == before
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/cases/?theme=mobility">Mobility</a></th>'
        '<td class="num">0</td></tr>',
        html=True,
    )
    assertNotContains(response, "year_min=2020")


def test_insights_shows_both_team_findings_each_with_its_own_citation(client, demo):
    html = client.get(INSIGHTS).content.decode()
    findings = _findings(html[html.index('id="findings-heading"') :])
    article = findings[
        "61 of the 65 cities surveyed reported having dedicated innovation teams."
    ]
    eurocities = findings["More than a third of cities have specific innovation teams."]
    assert ARTICLE_TITLE in article
    assert EUROCITIES_TITLE not in article
    assert EUROCITIES_TITLE in eurocities
    assert ARTICLE_TITLE not in eurocities


def test_insights_shows_every_finding_apart_from_the_computed_figures(client, demo):
    html = client.get(INSIGHTS).content.decode()
    computed = _computed(html)
    reported = html[html.index('id="findings-heading"') :]
    assert "Reported by the study" in reported
    assert "not computed by the Atlas" in reported
    for finding in Finding.objects.all():
        assert escape(finding.statement) in reported
        assert escape(finding.statement) not in computed
    assert len(_findings(reported)) == Finding.objects.count() == 7


def test_insights_costs_a_fixed_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    # The search index's build and its sync after each change are one-offs, not the
    # page's cost.
    populate(2)
    journal.fresh_searcher()
    with django_assert_max_num_queries(16):
        client.get(INSIGHTS)
    populate(10)
    journal.fresh_searcher()
    for finding in Finding.objects.all():
        SourceFactory(content_object=finding)
    with django_assert_max_num_queries(16):
        response = client.get(INSIGHTS)
    assertContains(response, "<dt>Published cases</dt><dd>14</dd>", html=True)


# --- About ------------------------------------------------------------------------------


def test_about_shows_every_terms_definition_from_all_five_vocabularies(client):
    response = client.get(ABOUT)
    terms = [
        *InnovationType.objects.all(),
        *Driver.objects.all(),
        *Approach.objects.all(),
        *Theme.objects.all(),
        *LifecycleStage.objects.all(),
    ]
    assert len(terms) == 4 + 8 + 4 + 14 + 6
    for term in terms:
        assertContains(
            response,
            f'<div><dt><a href="{term.get_absolute_url()}">{escape(term.name)}</a></dt>'
            f"<dd>{escape(term.definition)}</dd></div>",
            html=True,
        )


def test_about_groups_drivers_internal_then_external(client):
    html = client.get(ABOUT).content.decode()
    internal = html.index("Internal drivers")
    external = html.index("External drivers")
    assert internal < html.index(">Management<") < external
    assert internal < html.index(">Internal organisational climate<") < external
    for name in ["Political", "Economic", "Social", "Technological", "Legal"]:
        assert external < html.index(f">{name}<")


def test_about_defines_public_sector_innovation_and_its_licence(client):
    response = client.get(ABOUT)
    assertContains(
        response,
        "Public sector innovation focuses on improving services, communication, "
        "methods, and processes in the public sector.",
    )
    assertContains(response, "European Public Sector Innovation Scoreboard, 2020")
    assertContains(response, "very low tolerance of government failure")
    assertContains(response, 'href="https://creativecommons.org/licenses/by/4.0/"')
    assertContains(response, "(CC BY 4.0)")


def test_about_explains_how_a_city_contributes_without_open_sign_up(client):
    response = client.get(ABOUT)
    assertContains(response, "There is no open sign-up")
    assertContains(response, "A city officer gets an account from the Atlas team.")
    assertContains(response, "Reviewers check each submission and publish it.")


def test_about_lists_the_sources_of_the_demo_content(client):
    response = client.get(ABOUT)
    assertContains(response, f"<cite>{ARTICLE_TITLE}</cite>", html=True)
    assertContains(response, "17 November 2025")
    assertContains(
        response,
        "<cite>Public Innovation: building capacity in Europe&#x27;s city governments"
        "</cite>",
        html=True,
    )
    assertContains(response, EUROCITIES_TITLE)
    assertContains(response, "TU Delft OpenCourseWare")


def test_about_costs_one_query_per_vocabulary(client, django_assert_num_queries):
    with django_assert_num_queries(5):
        client.get(ABOUT)


# --- Navigation and home ------------------------------------------------------------------


@pytest.mark.parametrize(("url", "label"), [(INSIGHTS, "Insights"), (ABOUT, "About")])
def test_main_navigation_links_to_the_page_and_marks_it_current(client, url, label):
    response = client.get(url)
    assertContains(
        response, f'<a href="{url}" aria-current="page">{label}</a>', html=True
    )
    other, other_label = (ABOUT, "About") if url == INSIGHTS else (INSIGHTS, "Insights")
    assertContains(response, f'<a href="{other}">{other_label}</a>', html=True)


def test_home_takes_its_figures_from_the_live_statistics(client, demo):
    response = client.get(HOME)
    assertContains(response, "<div><dt>Cities</dt><dd>3</dd></div>", html=True)
    assertContains(response, "<div><dt>Published cases</dt><dd>2</dd></div>", html=True)
    assertContains(
        response,
        "<div><dt>Cities with a dedicated innovation team</dt><dd>100% "
        '<span class="share-basis">2 of 2 cities with a recorded answer; not recorded'
        " for 1 city</span></dd></div>",
        html=True,
    )
    assertContains(
        response,
        "<div><dt>Cities with a formal innovation strategy</dt><dd>– "
        '<span class="share-basis">no city with a recorded answer; not recorded'
        " for 3 cities</span></dd></div>",
        html=True,
    )
    assertContains(
        response,
        '<li><a href="/en/types/adaptive/">Adaptive</a> <span class="count">(1)</span></li>',
        html=True,
    )
    html = response.content.decode()
    section = html[html.index('id="types-heading"') : html.index('id="themes-heading"')]
    types = ["Enhancement-oriented", "Mission-oriented", "Adaptive", "Anticipatory"]
    positions = [section.index(f">{name}</a>") for name in types]
    assert positions == sorted(positions)


def test_home_has_an_entry_point_for_each_country(client, demo):
    response = client.get(HOME)
    for code, name, count in [
        ("AT", "Austria", 1),
        ("IT", "Italy", 1),
        ("SK", "Slovakia", 0),
    ]:
        assertContains(
            response,
            f'<li><a href="/en/cases/?country={code}">{name}</a>'
            f' <span class="count">({count})</span></li>',
            html=True,
        )


def test_home_without_cities_shows_a_dash_for_the_shares(client):
    response = client.get(HOME)
    assertContains(
        response,
        "<div><dt>Cities with a dedicated innovation team</dt><dd>–</dd></div>",
        html=True,
    )


def test_home_never_counts_a_city_with_nothing_recorded_as_one_without(client):
    InnovationTeamFactory()
    CityFactory.create_batch(3)  # nothing recorded: before, "25%" (1 of 4)
    response = client.get(HOME)
    assertContains(
        response,
        "<div><dt>Cities with a dedicated innovation team</dt><dd>100% "
        '<span class="share-basis">1 of 1 city with a recorded answer; not recorded'
        " for 3 cities</span></dd></div>",
        html=True,
    )
    assertContains(
        response,
        "<div><dt>Cities with a formal innovation strategy</dt><dd>– "
        '<span class="share-basis">no city with a recorded answer; not recorded'
        " for 4 cities</span></dd></div>",
        html=True,
    )


def test_home_computes_a_share_of_the_cities_that_answer(client):
    # One city with a team, one that states it has none, one with nothing recorded.
    InnovationTeamFactory()
    CityFactory(states_no_team=True, states_no_strategy=True)
    CityFactory()
    response = client.get(HOME)
    assertContains(
        response,
        "<div><dt>Cities with a dedicated innovation team</dt><dd>50% "
        '<span class="share-basis">1 of 2 cities with a recorded answer; not recorded'
        " for 1 city</span></dd></div>",
        html=True,
    )
    assertContains(
        response,
        "<div><dt>Cities with a formal innovation strategy</dt><dd>0% "
        '<span class="share-basis">0 of 1 city with a recorded answer; not recorded'
        " for 2 cities</span></dd></div>",
        html=True,
    )


def test_home_with_only_unrecorded_cities_has_no_share_to_give(client):
    CityFactory.create_batch(2)
    response = client.get(HOME)
    assertContains(
        response,
        "<div><dt>Cities with a dedicated innovation team</dt><dd>– "
        '<span class="share-basis">no city with a recorded answer; not recorded'
        " for 2 cities</span></dd></div>",
        html=True,
    )


def test_home_costs_a_fixed_number_of_queries(
    client, demo, django_assert_max_num_queries
):
    # The search index's build and its sync after each change are one-offs, not the
    # page's cost. Each of the page's two questions to the engine (the statistics,
    # the newest cases) checks the journal once.
    populate(2)
    journal.fresh_searcher()
    with django_assert_max_num_queries(11):
        client.get(HOME)
    populate(10)
    journal.fresh_searcher()
    with django_assert_max_num_queries(11):
        response = client.get(HOME)
    assert response.context["stats"].case_count == 14
    assert CaseStudy.objects.published().count() == 14
