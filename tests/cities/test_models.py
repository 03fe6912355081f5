from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cities.models import City, Strategy
from tests.factories import (
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db


def _violates(factory, **fields) -> None:
    """Assert that the database itself refuses the record (not only form validation)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


def test_city_with_nothing_recorded_has_neither_answer_recorded():
    city = CityFactory()
    assert city.has_dedicated_team is None
    assert city.has_formal_strategy is None


def test_other_records_never_make_a_missing_team_or_strategy_a_no():
    # A funding programme and a draft strategy are recorded, but nobody stated that
    # the city has no team or no adopted strategy: both stay "not recorded".
    programme = FundingProgrammeFactory()
    StrategyFactory(city=programme.city, status=Strategy.Status.DRAFT)
    city = City.objects.get(pk=programme.city_id)
    assert city.has_dedicated_team is None
    assert city.has_formal_strategy is None


def test_a_city_that_states_it_has_none_has_none():
    city = CityFactory(states_no_team=True, states_no_strategy=True)
    assert City.objects.get(pk=city.pk).has_dedicated_team is False
    assert City.objects.get(pk=city.pk).has_formal_strategy is False


def test_city_with_a_team_has_a_dedicated_team():
    team = InnovationTeamFactory()
    assert City.objects.get(pk=team.city_id).has_dedicated_team is True


def test_a_recorded_team_or_adopted_strategy_overrides_a_stale_statement_of_none():
    city = CityFactory(states_no_team=True, states_no_strategy=True)
    InnovationTeamFactory(city=city)
    StrategyFactory(city=city, status=Strategy.Status.ADOPTED)
    city = City.objects.get(pk=city.pk)
    assert (city.has_dedicated_team, city.has_formal_strategy) == (True, True)


@pytest.mark.parametrize(
    ("status", "states_none", "expected"),
    [
        (Strategy.Status.ADOPTED, False, True),
        (Strategy.Status.DRAFT, False, None),
        (Strategy.Status.SUPERSEDED, False, None),
        (Strategy.Status.DRAFT, True, False),
        (Strategy.Status.SUPERSEDED, True, False),
    ],
)
def test_only_an_adopted_strategy_counts_as_formal(status, states_none, expected):
    strategy = StrategyFactory(status=status, city__states_no_strategy=states_none)
    assert City.objects.get(pk=strategy.city_id).has_formal_strategy is expected


def test_a_city_cannot_state_none_beside_a_record_that_says_otherwise():
    city = StrategyFactory(status=Strategy.Status.ADOPTED).city
    InnovationTeamFactory(city=city)
    city.states_no_team = city.states_no_strategy = True
    with pytest.raises(ValidationError) as refused:
        city.full_clean()
    assert set(refused.value.message_dict) == {"states_no_team", "states_no_strategy"}
    assert "An innovation team of this city is recorded" in str(
        refused.value.message_dict["states_no_team"]
    )
    # A draft strategy is no formal strategy: stating none beside it is true.
    draft = StrategyFactory(status=Strategy.Status.DRAFT).city
    draft.states_no_team = draft.states_no_strategy = True
    draft.full_clean()


def test_a_city_cannot_take_a_slug_that_names_another_page():
    """/cities/compare/ is the comparison: a city slugged "compare" could not be
    reached."""
    city = CityFactory.build(slug="compare", name="Compare")
    with pytest.raises(ValidationError) as refused:
        city.full_clean()
    assert "names another page of the site" in str(refused.value.message_dict["slug"])
    CityFactory.build(slug="compare-on-sea", name="Compare-on-Sea").full_clean()


def test_capacity_flags_come_from_one_annotated_query(django_assert_num_queries):
    for _ in range(3):
        InnovationTeamFactory()
    CityFactory()
    CityFactory(states_no_team=True)
    with django_assert_num_queries(1):
        flags = [city.has_dedicated_team for city in City.objects.with_capacity()]
    assert flags.count(True) == 3
    assert flags.count(False) == 1
    assert flags.count(None) == 1


def test_capacity_filters_select_the_right_cities():
    with_team = InnovationTeamFactory().city
    with_strategy = StrategyFactory().city
    CityFactory()
    assert list(City.objects.with_dedicated_team()) == [with_team]
    assert list(City.objects.with_formal_strategy()) == [with_strategy]


def test_city_slug_is_unique():
    CityFactory(slug="bologna")
    _violates(CityFactory, slug="bologna")


def test_city_coordinates_must_be_in_range():
    _violates(CityFactory, latitude=Decimal("91"), longitude=Decimal("0"))
    _violates(CityFactory, latitude=Decimal("0"), longitude=Decimal("-181"))


def test_city_needs_both_coordinates_or_neither():
    _violates(CityFactory, latitude=Decimal("44.5"), longitude=None)


def test_district_slug_is_unique_within_a_city_but_not_across_cities():
    district = DistrictFactory(slug="centre")
    DistrictFactory(slug="centre")  # another city: allowed
    _violates(DistrictFactory, city=district.city, slug="centre")


def test_lab_staff_range_cannot_be_inverted():
    _violates(LabFactory, municipal_staff_min=3, municipal_staff_max=2)
    _violates(LabFactory, partner_staff_min=3, partner_staff_max=1)


def test_lab_staff_range_is_shown_as_a_range():
    lab = LabFactory(municipal_staff_min=2, municipal_staff_max=3, partner_staff_min=4)
    assert lab.municipal_staff == "2–3"
    assert lab.partner_staff == "4"


def test_lab_district_must_be_in_the_teams_city():
    lab = LabFactory.build(team=InnovationTeamFactory(), district=DistrictFactory())
    with pytest.raises(ValidationError) as error:
        lab.full_clean()
    assert "district" in error.value.message_dict


def test_strategy_period_cannot_end_before_it_starts():
    _violates(StrategyFactory, period_start=2024, period_end=2020)
    strategy = StrategyFactory.build(
        city=CityFactory(), period_start=2024, period_end=2020
    )
    with pytest.raises(ValidationError) as error:
        strategy.full_clean()
    assert "period_end" in error.value.message_dict


def test_funding_amount_cannot_be_negative():
    _violates(FundingProgrammeFactory, amount=Decimal("-1"))


def test_funding_currency_must_be_an_iso_code():
    _violates(FundingProgrammeFactory, currency="eu")
    fund = FundingProgrammeFactory.build(city=CityFactory(), currency="eur")
    fund.full_clean()
    assert fund.currency == "EUR"


def test_team_cannot_have_a_parent_in_another_city():
    team = InnovationTeamFactory.build(
        city=CityFactory(), parent=InnovationTeamFactory()
    )
    with pytest.raises(ValidationError) as error:
        team.full_clean()
    assert "parent" in error.value.message_dict


def test_team_slug_is_unique():
    InnovationTeamFactory(slug="imco")
    _violates(InnovationTeamFactory, slug="imco")
