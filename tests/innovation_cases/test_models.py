import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases.models import CaseStudy
from tests.factories import CaseStudyFactory, CityFactory, DistrictFactory

pytestmark = pytest.mark.django_db


def test_taxonomies_are_loaded_by_migration():
    assert list(InnovationType.objects.values_list("slug", flat=True)) == [
        "enhancement-oriented",
        "mission-oriented",
        "adaptive",
        "anticipatory",
    ]
    assert list(LifecycleStage.objects.values_list("name", flat=True)) == [
        "Identifying problems",
        "Generating ideas",
        "Developing proposals",
        "Implementing",
        "Evaluating",
        "Diffusing lessons",
    ]
    assert Approach.objects.count() == 4
    assert Theme.objects.filter(slug="mobility").exists()


def test_drivers_keep_their_internal_and_external_grouping():
    groups = dict(Driver.objects.values_list("slug", "group"))
    assert groups == {
        "management": "internal",
        "organisational-climate": "internal",
        "political": "external",
        "economic": "external",
        "social": "external",
        "technological": "external",
        "ecological": "external",
        "legal": "external",
    }


def test_every_term_has_a_definition():
    for model in (InnovationType, Driver, Approach, Theme, LifecycleStage):
        assert not model.objects.filter(definition="").exists(), model


def test_published_returns_only_published_cases():
    published = CaseStudyFactory(published=True)
    for status in (
        CaseStudy.Status.DRAFT,
        CaseStudy.Status.SUBMITTED,
        CaseStudy.Status.ARCHIVED,
    ):
        CaseStudyFactory(status=status)
    assert list(CaseStudy.objects.published()) == [published]


def test_for_city_returns_only_that_citys_cases():
    case = CaseStudyFactory()
    CaseStudyFactory()
    assert list(CaseStudy.objects.for_city(case.city)) == [case]


def test_with_facets_loads_a_page_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    mobility = Theme.objects.get(slug="mobility")
    for _ in range(5):
        CaseStudyFactory(published=True).themes.add(mobility)
    with django_assert_num_queries(5):  # cases with city/stage, then one per taxonomy
        names = [
            (case.city.name, [t.slug for t in case.themes.all()])
            for case in CaseStudy.objects.published().with_facets()
        ]
    assert len(names) == 5
    assert all(themes == ["mobility"] for _, themes in names)


def test_case_cannot_end_before_it_started():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudyFactory(year_started=2020, year_ended=2019)


def test_case_years_must_be_plausible():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudyFactory(year_started=20)


def test_published_case_needs_a_publication_date_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudyFactory(status=CaseStudy.Status.PUBLISHED, published_at=None)


def test_validation_dates_a_case_that_is_being_published():
    case = CaseStudyFactory.build(city=CityFactory(), status=CaseStudy.Status.PUBLISHED)
    case.full_clean()
    assert case.published_at is not None


def test_case_slug_is_unique():
    CaseStudyFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudyFactory(slug="same")


def test_case_district_must_be_in_the_cases_city():
    case = CaseStudyFactory.build(city=CityFactory(), district=DistrictFactory())
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert "district" in error.value.message_dict


def test_term_links_to_its_page_or_to_the_filtered_list():
    assert (
        InnovationType.objects.get(slug="adaptive").get_absolute_url()
        == "/en/types/adaptive/"
    )
    assert Approach.objects.get(slug="co-production").get_absolute_url() == (
        "/en/cases/?approach=co-production"
    )
    assert LifecycleStage.objects.get(slug="evaluating").get_absolute_url() == (
        "/en/cases/?lifecycle_stage=evaluating"
    )
