from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from cities.models import City, District, FundingProgramme, InnovationTeam, Lab
from core.models import Source
from innovation_cases.models import CaseStudy, Finding, Organisation

pytestmark = pytest.mark.django_db

DEMO_MODELS = [
    City,
    District,
    InnovationTeam,
    Lab,
    FundingProgramme,
    Organisation,
    Finding,
    CaseStudy,
    Source,
]


def _snapshot() -> dict:
    """Every demo row with every field value, to compare two runs exactly."""
    return {
        model.__name__: sorted(map(str, model.objects.values_list()))
        for model in DEMO_MODELS
    }


def test_second_run_creates_and_changes_nothing(demo):
    assert demo.changed
    before = _snapshot()
    second = call_command("load_demo_content")
    assert second is None  # the command writes its report to stdout, tested below
    assert _snapshot() == before


def test_command_reports_that_a_second_run_changed_nothing(demo, capsys):
    call_command("load_demo_content")
    assert "nothing created or changed" in capsys.readouterr().out


def test_loader_repairs_an_edited_fact(demo):
    FundingProgramme.objects.filter(slug="imco-innovation-project-funds").update(
        amount=1
    )
    call_command("load_demo_content")
    assert FundingProgramme.objects.get(
        slug="imco-innovation-project-funds"
    ).amount == Decimal("1500000.00")


def test_bologna_has_six_districts_each_with_an_iu_lab(demo):
    bologna = City.objects.get(slug="bologna")
    assert sorted(bologna.districts.values_list("name", flat=True)) == [
        "Borgo Panigale-Reno",
        "Navile",
        "Porto-Saragozza",
        "San Donato-San Vitale",
        "Santo Stefano",
        "Savena",
    ]
    labs = Lab.objects.filter(team__slug="fondazione-iu-rusconi-ghigi")
    assert labs.count() == 6
    assert {lab.district.city_id for lab in labs} == {bologna.pk}
    assert len({lab.district_id for lab in labs}) == 6
    assert {(lab.municipal_staff, lab.partner_staff) for lab in labs} == {
        ("2–3", "2–3")
    }
    assert bologna.has_dedicated_team


def test_vienna_has_imco_and_its_pitch_fund(demo):
    fund = FundingProgramme.objects.get(city__slug="vienna")
    assert fund.team.name == "Innovation Management Coordination Office (IMCO)"
    assert (fund.amount, fund.currency) == (Decimal("1500000.00"), "EUR")
    assert fund.allocation == FundingProgramme.Allocation.PITCH_COMPETITION
    assert fund.training_offered is True


def test_demo_has_the_three_cities_and_two_published_cases(demo):
    assert set(City.objects.values_list("name", "country")) == {
        ("Bologna", "IT"),
        ("Vienna", "AT"),
        ("Bratislava", "SK"),
    }
    assert set(CaseStudy.objects.published().values_list("slug", flat=True)) == {
        "bologna-neighbourhood-labs",
        "vienna-innovation-pitch-fund",
    }


def test_demo_cases_evidence_is_not_yet_known_as_their_sources_report_none(demo):
    # Both sources say they report no evaluation of the results (DOMAIN.md).
    levels = set(CaseStudy.objects.values_list("evidence", flat=True))
    assert levels == {"unknown"}


def test_demo_invents_no_population_or_coordinates(demo):
    assert not City.objects.filter(population__isnull=False).exists()
    assert not City.objects.filter(latitude__isnull=False).exists()


def test_every_demo_record_has_a_source(demo):
    for model in DEMO_MODELS[:-1]:
        content_type = ContentType.objects.get_for_model(model)
        cited = set(
            Source.objects.filter(content_type=content_type).values_list(
                "object_id", flat=True
            )
        )
        if model is District:
            # Districts are cited through their city: the article gives the six of them.
            assert City.objects.filter(slug="bologna").values_list("pk", flat=True)[
                0
            ] in set(
                Source.objects.filter(
                    content_type=ContentType.objects.get_for_model(City)
                ).values_list("object_id", flat=True)
            )
            continue
        uncited = model.objects.exclude(pk__in=cited)
        assert not uncited.exists(), (
            f"{model.__name__} without a source: {list(uncited)}"
        )


def test_the_disagreeing_team_figures_are_each_cited_to_their_own_source(demo):
    article = Finding.objects.get(slug="dedicated-teams-61-of-65")
    eurocities = Finding.objects.get(
        slug="dedicated-teams-more-than-a-third-eurocities"
    )
    assert "61 of the 65" in article.statement
    assert "More than a third" in eurocities.statement
    assert [s.title for s in article.sources.all()] == [
        "How cities are redefining the future of public innovation"
    ]
    assert [s.publisher for s in eurocities.sources.all()] == ["Eurocities"]
