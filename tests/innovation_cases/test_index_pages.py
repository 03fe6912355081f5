"""The index pages of innovation_cases: /types/, /themes/, /drivers/ (every term, its
definition and its published cases, counted as /cases/ counts its facets) and
/organisations/ (the partners, with their published cases) and each organisation's
page. Only published cases are ever counted or listed."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from core.models import Driver, InnovationType, Theme
from tests.factories import CaseStudyFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

CASES = reverse("innovation_cases:case_list")
ORGANISATIONS = reverse("innovation_cases:organisation_list")
LISTS = {
    "innovation_type": ("innovation_cases:type_list", InnovationType),
    "theme": ("innovation_cases:theme_list", Theme),
    "driver": ("innovation_cases:driver_list", Driver),
}


def _case(*, published: bool, themes=(), drivers=(), types=(), partners=()):
    case = CaseStudyFactory(published=published)
    case.themes.set(Theme.objects.filter(slug__in=themes))
    case.drivers.set(Driver.objects.filter(slug__in=drivers))
    case.innovation_types.set(InnovationType.objects.filter(slug__in=types))
    case.partners.set(partners)
    # Saved again so that the index reads its relations (as the editor saves).
    case.save()
    return case


@pytest.fixture
def classified() -> None:
    _case(published=True, themes=["mobility"], drivers=["social"], types=["adaptive"])
    _case(published=True, themes=["mobility", "climate"], types=["adaptive"])
    # A draft carries every term: never counted.
    _case(
        published=False,
        themes=["mobility", "climate", "migration"],
        drivers=["social", "political"],
        types=["adaptive", "anticipatory"],
    )


def _counts(response) -> dict[str, int]:
    return {
        row.term.slug: row.count
        for _group, rows in response.context["groups"]
        for row in rows
    }


# --- /types/, /themes/, /drivers/ ------------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
def test_a_vocabulary_page_lists_every_term_with_its_definition(client, name):
    url_name, model = LISTS[name]
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    # In the vocabulary's order (the drivers within their groups: a test below).
    assert sorted(_counts(response)) == sorted(
        model.objects.values_list("slug", flat=True)
    )
    for term in model.objects.all():
        assertContains(
            response,
            f'<th scope="row"><a href="{term.get_absolute_url()}">{term.name}</a></th>',
            html=True,
        )
        assertContains(response, f"<td>{term.definition}</td>", html=True)


@pytest.mark.parametrize("name", LISTS)
def test_a_vocabulary_pages_counts_agree_with_the_case_lists_facets(
    client, classified, name
):
    url_name, _model = LISTS[name]
    counts = _counts(client.get(reverse(url_name)))
    facets = {
        value.value: value.count for value in client.get(CASES).context["facets"][name]
    }
    assert {slug: n for slug, n in counts.items() if n} == {
        slug: n for slug, n in facets.items() if n
    }
    assert all(counts[slug] == facets.get(slug, 0) for slug in counts)


def test_the_counts_leave_drafts_out_and_link_to_the_filtered_case_list(
    client, classified
):
    response = client.get(reverse("innovation_cases:theme_list"))
    counts = _counts(response)
    assert (counts["mobility"], counts["climate"], counts["migration"]) == (2, 1, 0)
    assertContains(
        response,
        '<a href="/en/cases/?theme=mobility" aria-label="2 published cases of '
        'Mobility">2</a>',
        html=True,
    )
    drivers = _counts(client.get(reverse("innovation_cases:driver_list")))
    assert (drivers["social"], drivers["political"]) == (1, 0)
    types = _counts(client.get(reverse("innovation_cases:type_list")))
    assert (types["adaptive"], types["anticipatory"]) == (2, 0)


def test_the_drivers_are_grouped_internal_and_external(client):
    response = client.get(reverse("innovation_cases:driver_list"))
    groups = {str(name): rows for name, rows in response.context["groups"]}
    assert list(groups) == [str(label) for _value, label in Driver.Group.choices]
    for value, label in Driver.Group.choices:
        assert {row.term.slug for row in groups[str(label)]} == set(
            Driver.objects.filter(group=value).values_list("slug", flat=True)
        )
        assertContains(response, f"<h2>{label}</h2>", html=True)


@pytest.mark.parametrize(
    "path", ["/en/types/unknown/", "/en/themes/unknown/", "/en/drivers/unknown/"]
)
def test_an_unknown_terms_page_is_a_404(client, path):
    assert client.get(path).status_code == 404


# --- /organisations/ -------------------------------------------------------------------


@pytest.fixture
def partners():
    lse = OrganisationFactory(
        name="LSE Cities", slug="lse-cities", description="A research centre."
    )
    eurocities = OrganisationFactory(
        name="Eurocities", slug="eurocities", kind="network"
    )
    quiet = OrganisationFactory(name="Quiet Foundation", kind="foundation")
    _case(
        published=True,
        partners=[lse, eurocities],
        themes=["mobility"],
        types=["adaptive"],
    )
    _case(published=True, partners=[lse])
    _case(published=False, partners=[lse, quiet])  # a draft: never counted
    return lse, eurocities, quiet


def _rows(response) -> dict[str, int]:
    return {o.name: o.published_case_count for o in response.context["organisations"]}


def test_the_organisations_page_counts_each_ones_published_cases(client, partners):
    response = client.get(ORGANISATIONS)
    assert _rows(response) == {
        "Eurocities": 1,
        "LSE Cities": 2,
        "Quiet Foundation": 0,
    }
    assertContains(
        response,
        '<tr><th scope="row"><a href="/en/organisations/lse-cities/">LSE Cities</a>'
        "</th><td>University or research centre</td><td>Not recorded</td>"
        '<td class="num">2</td></tr>',
        html=True,
    )
    assertContains(response, "3 organisations")


def test_the_organisations_are_filtered_by_kind_and_a_search(client, partners):
    assert list(_rows(client.get(ORGANISATIONS, {"kind": "network"}))) == ["Eurocities"]
    assert list(_rows(client.get(ORGANISATIONS, {"search": "research"}))) == [
        "LSE Cities"
    ]
    response = client.get(ORGANISATIONS, {"search": "nothing like it"})
    assertContains(response, "No organisation matches.")


def test_an_unknown_kind_is_a_400_that_names_it(client, partners):
    response = client.get(ORGANISATIONS, {"kind": "bogus"})
    assert response.status_code == 400
    assertContains(
        response, '<a href="#id_kind"><strong>Kind</strong></a>', status_code=400
    )


def test_the_organisations_are_paged_by_fifty(client):
    for i in range(55):
        OrganisationFactory(name=f"Org {i:03}")
    first = client.get(ORGANISATIONS)
    assert len(first.context["organisations"]) == 50
    assertContains(first, "1–50 of 55 organisations")
    assertContains(first, '<a href="?page=2" rel="next">Next page</a>', html=True)
    assert list(_rows(client.get(ORGANISATIONS, {"page": 2}))) == [
        f"Org {i:03}" for i in range(50, 55)
    ]
    assert client.get(ORGANISATIONS, {"page": 3}).status_code == 404


def test_an_organisations_page_lists_its_published_cases_only(client, partners):
    lse, _eurocities, quiet = partners
    response = client.get(lse.get_absolute_url())
    assertContains(response, "<h1>LSE Cities</h1>", html=True)
    assertContains(response, "2 published cases as a partner")
    shown = {case.slug for case in response.context["cases"]}
    assert shown == set(
        lse.cases.filter(status="published").values_list("slug", flat=True)
    )
    draft = lse.cases.get(status="draft")
    assertNotContains(response, draft.title)
    response = client.get(quiet.get_absolute_url())
    assertContains(
        response, "No published case names this organisation as a partner yet."
    )


def test_an_unknown_organisation_is_a_404(client):
    assert client.get("/en/organisations/nobody/").status_code == 404


def test_a_cases_partners_link_to_their_pages_and_its_headings_to_the_indexes(
    client, partners
):
    case = partners[1].cases.get()  # Eurocities' one, with LSE Cities
    response = client.get(case.get_absolute_url())
    assertContains(
        response, '<a href="/en/organisations/lse-cities/">LSE Cities</a>', html=True
    )
    for url, label in [
        ("/en/organisations/", "Partners"),
        ("/en/themes/", "Themes"),
        ("/en/types/", "Innovation type"),
    ]:
        assertContains(response, f'<dt><a href="{url}">{label}</a></dt>', html=True)


def test_the_home_page_and_every_pages_footer_link_to_the_indexes(client):
    response = client.get(reverse("innovation_cases:home"))
    for url in (
        "/en/teams/",
        "/en/strategies/",
        "/en/organisations/",
        "/en/types/",
        "/en/themes/",
        "/en/drivers/",
    ):
        assertContains(response, f'href="{url}"')
    footer = response.content.decode().split('<footer class="site-footer">')[1]
    assert 'href="/en/organisations/"' in footer and 'href="/en/teams/"' in footer


def test_the_sitemap_lists_the_index_pages_and_organisations(client, partners):
    body = client.get("/sitemap.xml").content.decode()
    for path in (
        "teams/",
        "strategies/",
        "organisations/",
        "types/",
        "themes/",
        "drivers/",
        "organisations/lse-cities/",
    ):
        assert f"<loc>http://testserver/en/{path}</loc>" in body, path
