"""The per-city rule in the admin: officers see and change their own cities' records
only, reviewers read them, site staff read everything and restore earlier versions.

Two cities, Ghent (A) and Lyon (B), each with a district, a team, a lab, a strategy, a
funding programme, a draft case and a published case. Every admin user has
`is_staff` and gets Django's model permissions from a group, as a deployment grants
them: officers and reviewers get view, add and change on a city's records (so that it
is the per-city rule, not a missing permission, that stops them); site staff get every
permission of both apps. An officer or reviewer given `is_staff` is not site staff.
"""

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from cities.admin_scoping import is_site_staff, view_on_site
from cities.models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Membership,
    Strategy,
)
from core.models import Source
from innovation_cases.models import CaseStudy
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    StrategyFactory,
    UserFactory,
    verified_login,
)

pytestmark = pytest.mark.django_db

CITY_RECORDS = [
    "cities.city",
    "cities.district",
    "cities.innovationteam",
    "cities.lab",
    "cities.strategy",
    "cities.fundingprogramme",
    "innovation_cases.casestudy",
    "core.source",
]


def permissions(actions: list[str], models: list[str]) -> list[Permission]:
    wanted = Q(pk__in=[])
    for model in models:
        app_label, model_name = model.split(".")
        for action in actions:
            wanted |= Q(
                content_type__app_label=app_label, codename=f"{action}_{model_name}"
            )
    return list(Permission.objects.filter(wanted))


def grant(user: Any, actions: list[str], models: list[str]) -> None:
    user.user_permissions.add(*permissions(actions, models))


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    """Several users a test: hash their passwords cheaply. And let WhiteNoise find
    static files on request, rather than list them all for every new client."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    officers = Group.objects.create(name="City officers and reviewers")
    officers.permissions.set(
        permissions(["view", "add", "change"], CITY_RECORDS)
        + permissions(["view"], ["innovation_cases.organisation"])
    )
    staff = Group.objects.create(name="Site staff")
    staff.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["core", "cities", "innovation_cases"]
        )
    )
    w = SimpleNamespace()
    for key, name in (("a", "Ghent"), ("b", "Lyon")):
        city = CityFactory(name=name, slug=name.lower())
        team = InnovationTeamFactory(city=city, name=f"{name} team")
        district = DistrictFactory(city=city, name=f"{name} centre")
        records = SimpleNamespace(
            city=city,
            team=team,
            district=district,
            lab=LabFactory(team=team, district=district),
            strategy=StrategyFactory(city=city, team=team),
            programme=FundingProgrammeFactory(city=city, team=team),
            draft=CaseStudyFactory(city=city, title=f"{name} draft"),
            published=CaseStudyFactory(
                city=city, title=f"{name} published", published=True
            ),
        )
        setattr(w, key, records)
    for name, city, role in (
        ("officer_a", w.a.city, Membership.Role.OFFICER),
        ("officer_b", w.b.city, Membership.Role.OFFICER),
        ("reviewer_a", w.a.city, Membership.Role.REVIEWER),
    ):
        user = UserFactory(username=name, is_staff=True)
        user.groups.add(officers)
        MembershipFactory(user=user, city=city, role=role)
        setattr(w, name, user)
    w.site_staff = UserFactory(username="site_staff", is_staff=True)
    w.site_staff.groups.add(staff)
    w.superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    return w


@pytest.fixture
def client_for(world: SimpleNamespace) -> Any:
    def login(role: str) -> Client:
        return verified_login(Client(), getattr(world, role))

    return login


def url(model: type, view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def form_data(response: Any, **changes: Any) -> dict[str, Any]:
    """What the browser would post back from an admin form page, with `changes`."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return {**data, **changes}


def city_ids(response: Any) -> set[int]:
    """The cities of the records a change list shows."""
    model_admin = response.context["cl"].model_admin
    return {model_admin.city_id_of(obj) for obj in response.context["cl"].result_list}


# --- Who is site staff ---------------------------------------------------------------


def test_site_staff_are_superusers_and_staff_without_a_city(world):
    inactive = UserFactory(is_staff=True, is_active=False)
    assert is_site_staff(world.superuser)
    assert is_site_staff(world.site_staff)
    assert not is_site_staff(world.officer_a)  # is_staff, but an officer of Ghent
    assert not is_site_staff(world.reviewer_a)
    assert not is_site_staff(UserFactory())
    assert not is_site_staff(inactive)
    assert not is_site_staff(AnonymousUser())


# --- Change lists ----------------------------------------------------------------------

SCOPED_MODELS = [City, District, InnovationTeam, Lab, Strategy, FundingProgramme]


@pytest.mark.parametrize(
    ("role", "cities"),
    [
        ("officer_a", {"a"}),
        ("officer_b", {"b"}),
        ("reviewer_a", {"a"}),
        ("site_staff", {"a", "b"}),
        ("superuser", {"a", "b"}),
    ],
)
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.model_name)
def test_change_lists_show_the_records_of_the_users_cities(
    world, client_for, role, cities, model
):
    response = client_for(role).get(url(model, "changelist"))

    assert response.status_code == 200
    assert city_ids(response) == {getattr(world, key).city.pk for key in cities}


@pytest.mark.parametrize(
    ("role", "titles"),
    [
        ("officer_a", ["Ghent draft", "Ghent published"]),
        ("officer_b", ["Lyon draft", "Lyon published"]),
        ("reviewer_a", ["Ghent draft", "Ghent published"]),
        (
            "site_staff",
            ["Ghent draft", "Ghent published", "Lyon draft", "Lyon published"],
        ),
    ],
)
def test_officers_see_their_own_citys_cases_drafts_included_and_no_other(
    world, client_for, role, titles
):
    response = client_for(role).get(url(CaseStudy, "changelist"))

    listed = sorted(case.title for case in response.context["cl"].result_list)
    assert listed == titles


def test_an_officer_finds_no_other_citys_case_by_searching(world, client_for):
    response = client_for("officer_a").get(url(CaseStudy, "changelist"), {"q": "Lyon"})

    assert list(response.context["cl"].result_list) == []


# --- Change pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "record"),
    [
        (CaseStudy, "draft"),
        (CaseStudy, "published"),
        (InnovationTeam, "team"),
        (Lab, "lab"),
        (Strategy, "strategy"),
        (FundingProgramme, "programme"),
        (District, "district"),
        (City, "city"),
    ],
)
def test_another_citys_record_does_not_exist_for_an_officer(
    world, client_for, model, record
):
    obj = getattr(world.b, record)
    client = client_for("officer_a")

    page = client.get(url(model, "change", obj.pk))
    post = client.post(url(model, "change", obj.pk), {"name": "Taken over"})

    # As for a record that does not exist: back to the admin's index, with a warning.
    assert page.status_code == post.status_code == 302
    assert page.url == post.url == reverse("admin:index")
    obj.refresh_from_db()
    assert str(obj) != "Taken over"


def test_an_officer_changes_their_own_citys_draft(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(CaseStudy, "change", world.a.draft.pk))

    response = client.post(page.request["PATH_INFO"], form_data(page, title="Renamed"))

    assert response.status_code == 302
    world.a.draft.refresh_from_db()
    assert world.a.draft.title == "Renamed"
    assert world.a.draft.updated_by == world.officer_a


def test_an_officer_who_reviews_another_city_reads_it_but_writes_only_their_own(
    world, client_for
):
    MembershipFactory(
        user=world.officer_a, city=world.b.city, role=Membership.Role.REVIEWER
    )
    client = client_for("officer_a")

    listed = client.get(url(InnovationTeam, "changelist"))
    other = client.get(url(InnovationTeam, "change", world.b.team.pk))
    choices = client.get(url(Strategy, "add")).context["adminform"].form.fields
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cities", "model_name": "lab", "field_name": "team"},
    )

    assert city_ids(listed) == {world.a.city.pk, world.b.city.pk}
    assert other.context["has_change_permission"] is False
    assert list(choices["city"].queryset) == [world.a.city]
    assert [r["text"] for r in autocomplete.json()["results"]] == [str(world.a.team)]


def test_a_reviewer_reads_their_citys_records_but_changes_nothing(world, client_for):
    client = client_for("reviewer_a")
    change = url(CaseStudy, "change", world.a.draft.pk)

    page = client.get(change)
    post = client.post(change, form_data(page, title="Reviewed"))
    add = client.get(url(InnovationTeam, "add"))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert add.status_code == 403
    world.a.draft.refresh_from_db()
    assert world.a.draft.title == "Ghent draft"


def test_an_officers_published_case_changes_only_through_the_review_workflow(
    world, client_for
):
    client = client_for("officer_a")
    change = url(CaseStudy, "change", world.a.published.pk)

    page = client.get(change)
    post = client.post(change, form_data(page, title="Quietly changed"))

    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    world.a.published.refresh_from_db()
    assert world.a.published.title == "Ghent published"


@pytest.mark.parametrize("role", ["officer_a", "superuser"])
def test_no_one_sets_a_status_in_the_admin(world, client_for, role):
    """Not an officer, not even a superuser (site staff only read a case's page):
    the status changes through the workflow's actions."""
    client = client_for(role)
    page = client.get(url(CaseStudy, "change", world.a.draft.pk))

    response = client.post(
        page.request["PATH_INFO"],
        form_data(page, status="published", published_at_0="2024-01-01"),
    )

    assert "status" not in page.context["adminform"].form.fields
    assert "published_at" not in page.context["adminform"].form.fields
    assert response.status_code == 302
    world.a.draft.refresh_from_db()
    assert (world.a.draft.status, world.a.draft.published_at) == ("draft", None)
    assert not world.a.draft.reviews.exists()


def test_site_staff_read_every_city_but_write_no_citys_records(world, client_for):
    client = client_for("site_staff")
    change = url(InnovationTeam, "change", world.b.team.pk)

    page = client.get(change)
    post = client.post(change, form_data(page, name="Curated"))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert client.get(url(InnovationTeam, "add")).status_code == 403


# --- Forged posts ----------------------------------------------------------------------


def test_an_officer_cannot_move_their_case_to_another_city(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(CaseStudy, "change", world.a.draft.pk))

    response = client.post(
        page.request["PATH_INFO"], form_data(page, city=world.b.city.pk)
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["city"]
    world.a.draft.refresh_from_db()
    assert world.a.draft.city == world.a.city


def test_an_officer_cannot_add_a_team_to_another_city(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(InnovationTeam, "add"))

    response = client.post(
        url(InnovationTeam, "add"),
        form_data(
            page, name="Embassy", slug="embassy", kind="other", city=world.b.city.pk
        ),
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["city"]
    assert not InnovationTeam.objects.filter(slug="embassy").exists()


def test_an_officer_cannot_attach_another_citys_team_or_district(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(CaseStudy, "change", world.a.draft.pk))

    response = client.post(
        page.request["PATH_INFO"],
        form_data(page, teams=[world.b.team.pk], district=world.b.district.pk),
    )

    assert response.status_code == 200
    assert sorted(response.context["adminform"].form.errors) == ["district", "teams"]
    assert not world.a.draft.teams.exists()
    strategy = client.get(url(Strategy, "change", world.a.strategy.pk))
    response = client.post(
        strategy.request["PATH_INFO"], form_data(strategy, team=world.b.team.pk)
    )
    assert list(response.context["adminform"].form.errors) == ["team"]
    world.a.strategy.refresh_from_db()
    assert world.a.strategy.team == world.a.team


def test_an_officer_cannot_add_a_lab_in_another_citys_district(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(InnovationTeam, "change", world.a.team.pk))
    data = form_data(
        page,
        **{
            "labs-TOTAL_FORMS": "2",
            "labs-1-name": "Outpost",
            "labs-1-slug": "outpost",
            "labs-1-district": world.b.district.pk,
        },
    )

    response = client.post(page.request["PATH_INFO"], data)

    assert response.status_code == 200
    labs = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Lab
    )
    assert list(labs.errors[1]) == ["district"]
    assert not Lab.objects.filter(slug="outpost").exists()


def test_an_officer_adds_a_funding_programme_on_their_teams_page(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(InnovationTeam, "change", world.a.team.pk))
    data = form_data(
        page,
        **{
            "funding_programmes-TOTAL_FORMS": "2",
            "funding_programmes-1-name": "Seed fund",
            "funding_programmes-1-slug": "seed-fund",
            "funding_programmes-1-currency": "EUR",
            "funding_programmes-1-allocation": "grant_call",
        },
    )

    response = client.post(page.request["PATH_INFO"], data)

    assert response.status_code == 302
    programme = FundingProgramme.objects.get(slug="seed-fund")
    assert (programme.city, programme.team) == (world.a.city, world.a.team)
    assert programme.history.get().history_user == world.officer_a


def test_save_model_refuses_a_record_in_another_city(world):
    request = RequestFactory().post("/")
    request.user = world.officer_a
    model_admin = admin.site.get_model_admin(CaseStudy)
    case = world.a.draft
    case.city = world.b.city

    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, case, form=None, change=True)
    lab_admin = admin.site.get_model_admin(Lab)
    with pytest.raises(PermissionDenied):
        lab_admin.save_model(request, Lab(team=world.b.team, name="X"), None, False)
    case.refresh_from_db()
    assert case.city == world.a.city


# --- Choices and autocomplete ----------------------------------------------------------


def test_the_add_forms_offer_only_the_officers_own_citys_records(world, client_for):
    client = client_for("officer_a")

    case = client.get(url(CaseStudy, "add")).context["adminform"].form.fields
    lab = client.get(url(Lab, "add")).context["adminform"].form.fields
    team = client.get(url(InnovationTeam, "add")).context["adminform"].form.fields
    programme = client.get(url(FundingProgramme, "add")).context["adminform"].form

    assert list(case["city"].queryset) == [world.a.city]
    assert list(case["district"].queryset) == [world.a.district]
    assert list(case["teams"].queryset) == [world.a.team]
    assert list(lab["team"].queryset) == [world.a.team]
    assert list(lab["district"].queryset) == [world.a.district]
    assert list(team["parent"].queryset) == [world.a.team]
    assert list(programme.fields["team"].queryset) == [world.a.team]


@pytest.mark.parametrize(
    ("role", "teams"),
    [
        ("officer_a", ["Ghent team"]),
        ("officer_b", ["Lyon team"]),
        ("reviewer_a", []),  # A reviewer writes nothing, so picks nothing.
        ("site_staff", ["Ghent team", "Lyon team"]),
        ("superuser", ["Ghent team", "Lyon team"]),
    ],
)
def test_the_team_autocomplete_offers_the_teams_the_user_may_attach(
    world, client_for, role, teams
):
    response = client_for(role).get(
        reverse("admin:autocomplete"),
        {
            "app_label": "innovation_cases",
            "model_name": "casestudy",
            "field_name": "teams",
            "term": "team",
        },
    )

    assert response.status_code == 200
    assert sorted(r["text"] for r in response.json()["results"]) == [
        f"{name} ({name.split()[0]})" for name in teams
    ]


@pytest.mark.parametrize(
    ("model_name", "field_name", "expected"),
    [
        ("casestudy", "city", lambda w: [str(w.a.city)]),
        ("casestudy", "district", lambda w: [str(w.a.district)]),
        ("lab", "team", lambda w: [str(w.a.team)]),
        ("innovationteam", "parent", lambda w: [str(w.a.team)]),
    ],
)
def test_every_autocomplete_is_scoped_to_the_officers_cities(
    world, client_for, model_name, field_name, expected
):
    app_label = "innovation_cases" if model_name == "casestudy" else "cities"
    response = client_for("officer_a").get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name},
    )

    assert [r["text"] for r in response.json()["results"]] == expected(world)


# --- Deleting, cities, memberships and sources -----------------------------------------


def test_officers_never_delete_even_with_the_delete_permission(world, client_for):
    grant(world.officer_a, ["delete"], CITY_RECORDS)
    client = client_for("officer_a")
    delete = url(InnovationTeam, "delete", world.a.team.pk)

    page = client.get(delete)
    post = client.post(delete, {"post": "yes"})
    changelist = client.get(url(InnovationTeam, "changelist"))

    assert (page.status_code, post.status_code) == (403, 403)
    assert InnovationTeam.objects.filter(pk=world.a.team.pk).exists()
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(
        changelist.wsgi_request
    )


def test_a_superuser_deletes(world, client_for):
    client = client_for("superuser")

    response = client.post(url(Lab, "delete", world.b.lab.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Lab.objects.filter(pk=world.b.lab.pk).exists()


def test_an_officer_edits_their_city_but_adds_none_and_manages_no_memberships(
    world, client_for
):
    client = client_for("officer_a")
    page = client.get(url(City, "change", world.a.city.pk))

    response = client.post(
        page.request["PATH_INFO"], form_data(page, summary="A port city.")
    )

    inlines = {inline.formset.model for inline in page.context["inline_admin_formsets"]}
    assert Membership not in inlines
    assert response.status_code == 302
    world.a.city.refresh_from_db()
    assert world.a.city.summary == "A port city."
    assert client.get(url(City, "add")).status_code == 403


def test_only_site_staff_manage_memberships(world, client_for):
    grant(world.officer_a, ["view", "add", "change"], ["cities.membership"])
    officer = client_for("officer_a")
    staff = client_for("site_staff")

    assert officer.get(url(Membership, "changelist")).status_code == 403
    assert officer.get(url(Membership, "add")).status_code == 403
    index = officer.get(reverse("admin:index"))
    models = {
        m["object_name"] for app in index.context["app_list"] for m in app["models"]
    }
    assert "Membership" not in models
    assert "Source" not in models
    assert staff.get(url(Membership, "changelist")).status_code == 200
    created = staff.post(
        url(Membership, "add"),
        {"user": world.officer_b.pk, "city": world.a.city.pk, "role": "reviewer"},
    )
    assert created.status_code == 302
    assert Membership.objects.filter(user=world.officer_b, city=world.a.city).exists()


def test_the_source_list_is_for_site_staff_to_read_and_superusers_to_write(
    world, client_for
):
    sources, add = url(Source, "changelist"), url(Source, "add")

    assert client_for("officer_a").get(sources).status_code == 403
    assert client_for("site_staff").get(sources).status_code == 200
    assert client_for("site_staff").get(add).status_code == 403
    assert client_for("superuser").get(add).status_code == 200


def test_an_officer_cites_a_source_on_their_own_case(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(CaseStudy, "change", world.a.draft.pk))
    prefix = "core-source-content_type-object_id"

    response = client.post(
        page.request["PATH_INFO"],
        form_data(
            page,
            **{f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-0-title": "Annual report"},
        ),
    )

    assert response.status_code == 302
    assert [s.title for s in world.a.draft.sources.all()] == ["Annual report"]


def test_view_on_site_does_not_reveal_another_citys_draft(world):
    request = RequestFactory().get("/")
    request.user = world.officer_a
    cases = str(ContentType.objects.get_for_model(CaseStudy).pk)

    own = view_on_site(request, cases, str(world.a.draft.pk))

    assert own.status_code == 302
    assert own.url.endswith(world.a.draft.get_absolute_url())
    for object_id in (str(world.b.draft.pk), "not-a-number"):
        with pytest.raises(Http404):
            view_on_site(request, cases, object_id)


# --- History ---------------------------------------------------------------------------


def test_an_officer_sees_the_history_of_their_own_citys_case_only(world, client_for):
    client = client_for("officer_a")
    own, other = world.a.draft, world.b.draft

    assert client.get(url(CaseStudy, "history", own.pk)).status_code == 200
    assert client.get(url(CaseStudy, "history", other.pk)).status_code == 403
    version = other.history.first().history_id
    assert (
        client.get(url(CaseStudy, "simple_history", other.pk, version)).status_code
        == 403
    )


def test_an_admin_save_with_relations_is_one_version(world, client_for):
    client = client_for("officer_a")
    case = world.a.draft
    before = case.history.count()
    page = client.get(url(CaseStudy, "change", case.pk))

    client.post(
        page.request["PATH_INFO"],
        form_data(page, title="With its team", teams=[world.a.team.pk]),
    )

    assert case.history.count() == before + 1
    latest = case.history.first()
    assert (latest.title, latest.history_user) == ("With its team", world.officer_a)
    assert [row.innovationteam for row in latest.teams.all()] == [world.a.team]


def test_an_admin_add_is_recorded_as_a_creation(world, client_for):
    client = client_for("officer_a")
    page = client.get(url(CaseStudy, "add"))

    client.post(
        url(CaseStudy, "add"),
        form_data(
            page,
            title="New",
            slug="new",
            city=world.a.city.pk,
            summary="S.",
            teams=[world.a.team.pk],
        ),
    )

    history = CaseStudy.objects.get(slug="new").history.all()
    assert [(v.history_type, v.history_user) for v in history] == [
        ("+", world.officer_a)
    ]


@pytest.fixture
def edited_case(world, client_for):
    """Ghent's draft, with its team, then renamed and stripped of it by its officer."""
    case = world.a.draft
    case.teams.set([world.a.team])
    original = case.history.first()
    client = client_for("officer_a")
    page = client.get(url(CaseStudy, "change", case.pk))
    client.post(
        page.request["PATH_INFO"],
        form_data(page, title="Vandalised", slug="vandalised", teams=[]),
    )
    case.refresh_from_db()
    assert (case.title, list(case.teams.all())) == ("Vandalised", [])
    return SimpleNamespace(case=case, original=original)


def test_site_staff_restore_an_earlier_version_as_a_new_version(
    world, client_for, edited_case
):
    case, original = edited_case.case, edited_case.original
    before = list(case.history.values_list("history_id", flat=True))
    version = url(CaseStudy, "simple_history", case.pk, original.history_id)
    client = client_for("site_staff")

    page = client.get(version)
    response = client.post(version, {"_save": "Revert"})

    # The version's page shows it as it was, its team included.
    assert page.context["revert_disabled"] is False
    assert page.context["adminform"].form["teams"].value() == [world.a.team.pk]
    assert response.status_code == 302
    assert response.url == url(CaseStudy, "history", case.pk)
    case.refresh_from_db()
    # As in the workspace (CaseStudy.restore_version): the text and relations come
    # back; the slug, like the review state, stays, so that links keep working.
    assert (case.title, case.slug) == ("Ghent draft", "vandalised")
    assert list(case.teams.all()) == [world.a.team]
    assert case.updated_by == world.site_staff
    # Nothing is lost: every earlier version is kept, and the restore is one more.
    history = list(case.history.all())
    assert [v.history_id for v in history[1:]] == before
    restored = history[0]
    assert (restored.history_type, restored.history_user) == ("~", world.site_staff)
    assert [row.innovationteam for row in restored.teams.all()] == [world.a.team]
    assert history[1].title == "Vandalised"


def test_an_officer_cannot_restore_even_their_own_citys_case(
    world, client_for, edited_case
):
    case, original = edited_case.case, edited_case.original
    version = url(CaseStudy, "simple_history", case.pk, original.history_id)
    client = client_for("officer_a")
    count = case.history.count()

    page = client.get(version)
    response = client.post(version, {"_save": "Revert"})

    assert page.status_code == 200
    assert page.context["revert_disabled"] is True
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.title == "Vandalised"
    assert case.history.count() == count


def test_a_restore_in_the_admin_leaves_the_review_state_alone(
    world, client_for, edited_case
):
    case, original = edited_case.case, edited_case.original
    case.submit(by=world.officer_a)
    version = url(CaseStudy, "simple_history", case.pk, original.history_id)

    client_for("site_staff").post(version, {"_save": "Revert"})

    case.refresh_from_db()
    assert case.title == "Ghent draft"
    assert case.status == CaseStudy.Status.SUBMITTED


def test_a_version_that_no_longer_fits_is_not_restored(world, client_for):
    team = world.b.team
    original = team.history.first()
    team.slug = "renamed-team"
    team.save()
    InnovationTeamFactory(city=world.b.city, slug=original.slug)  # Taken now.
    count = team.history.count()

    response = client_for("site_staff").post(
        url(InnovationTeam, "simple_history", team.pk, original.history_id),
        {"_save": "Revert"},
        follow=True,
    )

    assert "already exists" in response.content.decode()
    team.refresh_from_db()
    assert team.slug == "renamed-team"
    assert team.history.count() == count


def test_site_staff_restore_a_citys_other_records(world, client_for):
    team = world.b.team
    original = team.history.first()
    team.name = "Renamed team"
    team.save()

    response = client_for("site_staff").post(
        url(InnovationTeam, "simple_history", team.pk, original.history_id),
        {"_save": "Revert"},
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Lyon team"
    assert team.history.first().history_user == world.site_staff
    assert team.history.count() == 3


# --- The workflow in the admin ----------------------------------------------------------


def changelist_action(client: Client, action: str, *cases: CaseStudy, **data: Any):
    return client.post(
        url(CaseStudy, "changelist"),
        {"action": action, "_selected_action": [c.pk for c in cases], **data},
        follow=True,
    )


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_admin_offers_the_steps_a_user_may_take(world, client_for):
    def actions(role: str) -> set[str]:
        page = client_for(role).get(url(CaseStudy, "changelist"))
        return {
            name for name, _ in page.context["action_form"].fields["action"].choices
        }

    officer_steps = {"submit_selected", "withdraw_selected"}
    reviewer_steps = {
        "publish_selected",
        "request_changes_selected",
        "archive_selected",
    }
    assert officer_steps <= actions("officer_a")
    assert not reviewer_steps & actions("officer_a")
    assert officer_steps | reviewer_steps <= actions("reviewer_a")
    assert officer_steps | reviewer_steps <= actions("site_staff")


def test_an_admin_publish_goes_through_the_workflow(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    world.officer_a.email = "officer@ghent.example"
    world.officer_a.save()
    submitted = CaseStudyFactory(
        city=world.a.city, title="Ghent submitted", status="submitted"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = changelist_action(
            client_for("reviewer_a"), "publish_selected", submitted, world.a.draft
        )

    submitted.refresh_from_db()
    world.a.draft.refresh_from_db()
    assert submitted.status == "published" and submitted.published_at is not None
    review = submitted.reviews.get()
    assert (review.decision, review.reviewer) == ("published", world.reviewer_a)
    assert [m.to for m in mailoutbox] == [["officer@ghent.example"]]
    # The draft was never submitted: it stays a draft, and the reviewer is told why.
    assert world.a.draft.status == "draft"
    assert messages_of(response) == [
        "Publish the selected cases: 1 case.",
        "Not done: “Ghent draft”: A case that is “Draft” cannot do that.",
    ]


def test_the_admin_refuses_a_step_to_those_the_workflow_refuses(world, client_for):
    submitted = CaseStudyFactory(
        city=world.b.city, title="Lyon submitted", status="submitted"
    )

    # Site staff may see Lyon's case, and review every city: the step is taken.
    # A reviewer of Ghent only may not, and an officer of Lyon may not publish.
    for role in ("reviewer_a", "officer_b"):
        changelist_action(client_for(role), "publish_selected", submitted)
        submitted.refresh_from_db()
        assert submitted.status == "submitted", role
    response = changelist_action(
        client_for("officer_b"), "withdraw_selected", submitted
    )

    submitted.refresh_from_db()
    assert submitted.status == "draft"
    assert messages_of(response) == [
        "Withdraw the selected cases (back to draft): 1 case."
    ]


def test_an_admin_request_for_changes_asks_what_should_change(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    world.officer_a.email = "officer@ghent.example"
    world.officer_a.save()
    submitted = CaseStudyFactory(
        city=world.a.city, title="Ghent submitted", status="submitted"
    )
    client = client_for("reviewer_a")

    asked = changelist_action(client, "request_changes_selected", submitted)
    empty = changelist_action(
        client, "request_changes_selected", submitted, confirm="yes", comment="  "
    )
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert b"What should change" in asked.content
    assert "Ghent submitted" in asked.content.decode()
    assert empty.context["form"].errors == {"comment": ["This field is required."]}

    with django_capture_on_commit_callbacks(execute=True):
        done = changelist_action(
            client,
            "request_changes_selected",
            submitted,
            confirm="yes",
            comment="Add the budget.",
        )

    submitted.refresh_from_db()
    assert submitted.status == "changes_requested"
    review = submitted.reviews.get()
    assert (review.decision, review.comment) == ("changes_requested", "Add the budget.")
    assert len(mailoutbox) == 1 and "Add the budget." in mailoutbox[0].body
    assert messages_of(done) == ["Request changes to the selected cases: 1 case."]


def test_a_case_page_offers_the_steps_too(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    submitted = CaseStudyFactory(
        city=world.a.city, title="Ghent submitted", status="submitted"
    )
    client = client_for("reviewer_a")
    change = url(CaseStudy, "change", submitted.pk)
    page = client.get(change)
    choices = dict(page.context["action_form"].fields["action"].choices)
    assert "request_changes_selected" in choices

    post = {
        "CHANGE_FORM-action": "request_changes_selected",
        "_selected_action": [submitted.pk],
    }
    asked = client.post(change, post)
    assert asked.status_code == 200
    assert 'name="CHANGE_FORM-action"' in asked.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            change,
            {**post, "confirm": "yes", "comment": "Name the partners."},
            follow=True,
        )

    submitted.refresh_from_db()
    assert submitted.status == "changes_requested"
    assert submitted.reviews.get().comment == "Name the partners."
    assert messages_of(done) == ["Request changes to the selected cases: 1 case."]
