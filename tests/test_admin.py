"""Every model is in the admin, and its pages work for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import ApiToken
from cities.models import City, InnovationTeam
from innovation_cases.models import CaseStudy
from tests.factories import (
    MembershipFactory,
    StrategyFactory,
    UserFactory,
    verified_login,
)

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"accounts", "cities", "core", "innovation_cases"}
)


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "admin", "admin@example.org", "pw"
    )
    return verified_login(client, user)


def test_every_model_of_the_apps_is_registered():
    assert REGISTERED == [
        ("accounts", "apitoken"),
        ("cities", "city"),
        ("cities", "district"),
        ("cities", "fundingprogramme"),
        ("cities", "innovationteam"),
        ("cities", "lab"),
        ("cities", "membership"),
        ("cities", "strategy"),
        ("core", "approach"),
        ("core", "driver"),
        ("core", "innovationtype"),
        ("core", "lifecyclestage"),
        ("core", "source"),
        ("core", "theme"),
        ("innovation_cases", "casestudy"),
        ("innovation_cases", "finding"),
        ("innovation_cases", "organisation"),
    ]


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_changelist_add_and_change_pages_load(
    superuser_client, demo, app_label, model_name
):
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = superuser_client.get(changelist)
    assert response.status_code == 200
    add = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    # A token is made by its owner, who alone sees its value: staff cannot add one.
    assert add.status_code == (403 if model_name == "apitoken" else 200)
    model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
    # The demo has no strategy, membership or token, so the test makes its own.
    examples = {
        "strategy": lambda: StrategyFactory(city=City.objects.get(slug="vienna")),
        "membership": lambda: MembershipFactory(city=City.objects.get(slug="vienna")),
        "apitoken": lambda: ApiToken.issue(user=UserFactory(), name="Script")[0],
    }
    obj = model.objects.first() or examples[model_name]()
    change = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    assert superuser_client.get(change).status_code == 200
    # The records with a history have its pages: the list, and each version.
    if hasattr(model, "history"):
        history = reverse(f"admin:{app_label}_{model_name}_history", args=[obj.pk])
        assert superuser_client.get(history).status_code == 200
        version = reverse(
            f"admin:{app_label}_{model_name}_simple_history",
            args=[obj.pk, obj.history.first().history_id],
        )
        assert superuser_client.get(version).status_code == 200


def test_changelist_search_works(superuser_client, demo):
    response = superuser_client.get(
        reverse("admin:innovation_cases_casestudy_changelist"), {"q": "pitch"}
    )
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        CaseStudy.objects.get(slug="vienna-innovation-pitch-fund")
    ]


def test_city_changelist_shows_the_derived_capacity_flags(superuser_client, demo):
    response = superuser_client.get(reverse("admin:cities_city_changelist"))
    flags = {
        c.name: (c.has_dedicated_team, c.has_formal_strategy)
        for c in response.context["cl"].result_list
    }
    # Teams are recorded for Bologna and Vienna; nothing else, and nothing stated.
    assert flags == {
        "Bologna": (True, None),
        "Vienna": (True, None),
        "Bratislava": (None, None),
    }


def test_the_city_form_in_the_admin_offers_the_statements(superuser_client, demo):
    vienna = City.objects.get(slug="vienna")
    url = reverse("admin:cities_city_change", args=[vienna.pk])
    form = superuser_client.get(url).context["adminform"].form
    assert {"states_no_team", "states_no_strategy"} <= set(form.fields)


def test_case_page_links_to_the_public_page(superuser_client, demo):
    case = CaseStudy.objects.get(slug="bologna-neighbourhood-labs")
    response = superuser_client.get(
        reverse("admin:innovation_cases_casestudy_change", args=[case.pk])
    )
    assert response.context["has_absolute_url"] is True
    team = InnovationTeam.objects.get(slug="imco-vienna")
    response = superuser_client.get(
        reverse("admin:cities_innovationteam_change", args=[team.pk])
    )
    assert response.context["has_absolute_url"] is True


def test_admin_records_who_created_and_updated_a_case(superuser_client, demo):
    city = City.objects.get(slug="vienna")
    response = superuser_client.post(
        reverse("admin:innovation_cases_casestudy_add"),
        {
            "title": "A new case",
            "slug": "a-new-case",
            "city": city.pk,
            "original_language": "en",
            "summary": "Written in the admin.",
            "evidence": "reported",
            "status": "draft",
            "innovation_types": [],
            "core-source-content_type-object_id-TOTAL_FORMS": "0",
            "core-source-content_type-object_id-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    case = CaseStudy.objects.get(slug="a-new-case")
    assert case.get_evidence_display() == "Reported by the city"
    assert case.created_by.username == "admin"
    assert case.updated_by.username == "admin"
