import pytest

from cities.models import City, Strategy
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases.engine import journal
from innovation_cases.engine.aggregate import published_counts
from innovation_cases.models import CaseStudy
from innovation_cases.stats import Share, site_statistics
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    StrategyFactory,
    populate,
)

pytestmark = pytest.mark.django_db

BREAKDOWNS = [
    "by_innovation_type",
    "by_driver",
    "by_approach",
    "by_theme",
    "by_lifecycle_stage",
    "by_country",
    "by_year",
]


def _breakdown(stats, name: str):
    """stats.by_vocabulary[...] for a vocabulary's breakdown, stats.by_... otherwise."""
    key = name.removeprefix("by_")
    return (
        stats.by_vocabulary[key] if key in stats.by_vocabulary else getattr(stats, name)
    )


def _counts(breakdown) -> dict[str, int]:
    return {row.slug: row.count for row in breakdown}


def _classified_case(**fields) -> CaseStudy:
    """A case carrying one term of every vocabulary, and a start year."""
    fields.setdefault("year_started", 2021)
    case = CaseStudyFactory(
        lifecycle_stage=LifecycleStage.objects.get(slug="implementing"), **fields
    )
    case.innovation_types.set([InnovationType.objects.get(slug="adaptive")])
    case.drivers.set([Driver.objects.get(slug="social")])
    case.approaches.set([Approach.objects.get(slug="co-production")])
    case.themes.set([Theme.objects.get(slug="mobility")])
    return case


def test_demo_content_gives_exact_headline_figures(demo):
    stats = site_statistics()
    assert stats.city_count == 3
    assert stats.case_count == 2
    assert stats.team_count == 2
    assert stats.lab_count == 6
    assert stats.strategy_count == 0
    assert stats.funding_programme_count == 1
    # Bratislava has no team on record and states nothing: in neither the team
    # share's part nor its whole. No city has an adopted strategy on record or states
    # it has none, so no city answers the strategy question: there is no share.
    assert stats.team_share == Share(part=2, whole=2, not_recorded=1)
    assert stats.team_share.percent == 100
    assert stats.team_share.cities == 3
    assert stats.strategy_share == Share(part=0, whole=0, not_recorded=3)
    assert stats.strategy_share.percent is None


def test_counts_include_every_team_lab_strategy_and_funding_programme():
    team = InnovationTeamFactory()
    LabFactory.create_batch(3, team=team)
    StrategyFactory(city=team.city, status=Strategy.Status.ADOPTED)
    StrategyFactory(city=team.city, status=Strategy.Status.DRAFT)
    FundingProgrammeFactory(city=team.city)
    stats = site_statistics()
    assert (
        stats.city_count,
        stats.team_count,
        stats.lab_count,
        stats.strategy_count,
        stats.funding_programme_count,
    ) == (1, 1, 3, 2, 1)


def test_a_draft_case_with_a_theme_is_counted_nowhere():
    draft = _classified_case(status=CaseStudy.Status.DRAFT)
    CaseStudyFactory(city=draft.city, status=CaseStudy.Status.SUBMITTED)
    stats = site_statistics()
    assert stats.case_count == 0
    for name in BREAKDOWNS:
        assert all(row.count == 0 for row in _breakdown(stats, name)), name
    assert _counts(stats.by_vocabulary["theme"])["mobility"] == 0
    assert stats.by_year.rows == []
    assert stats.by_year.undated == 0


def test_a_published_case_is_counted_in_every_breakdown_it_carries():
    _classified_case(published=True, city=CityFactory(country="AT"))
    stats = site_statistics()
    assert stats.case_count == 1
    assert _counts(stats.by_vocabulary["innovation_type"])["adaptive"] == 1
    assert _counts(stats.by_vocabulary["driver"])["social"] == 1
    assert _counts(stats.by_vocabulary["approach"])["co-production"] == 1
    assert _counts(stats.by_vocabulary["theme"])["mobility"] == 1
    assert _counts(stats.by_vocabulary["lifecycle_stage"])["implementing"] == 1
    assert _counts(stats.by_country) == {"AT": 1}
    assert _counts(stats.by_year) == {"2021": 1}


def test_taxonomy_breakdowns_list_every_term_in_the_vocabularys_order_with_zero_rows():
    stats = site_statistics()
    for name, model in [
        ("by_innovation_type", InnovationType),
        ("by_driver", Driver),
        ("by_approach", Approach),
        ("by_theme", Theme),
        ("by_lifecycle_stage", LifecycleStage),
    ]:
        rows = _breakdown(stats, name).rows
        assert [row.slug for row in rows] == list(
            model.objects.values_list("slug", flat=True)
        ), name
        assert {row.count for row in rows} == {0}, name
    assert [row.name for row in stats.by_vocabulary["innovation_type"]] == [
        "Enhancement-oriented",
        "Mission-oriented",
        "Adaptive",
        "Anticipatory",
    ]


def test_driver_rows_carry_their_internal_or_external_group():
    groups = {
        row.slug: (row.group, row.group_name)
        for row in site_statistics().by_vocabulary["driver"]
    }
    assert groups["management"] == ("internal", "Internal")
    assert groups["organisational-climate"] == ("internal", "Internal")
    assert groups["political"] == ("external", "External")
    assert len(groups) == 8


def test_countries_are_every_country_with_a_city_sorted_by_name():
    for country, published in [("NL", 2), ("AT", 1), ("IT", 0)]:
        city = CityFactory(country=country)
        CaseStudyFactory.create_batch(published, city=city, published=True)
        CaseStudyFactory(city=city)  # a draft, never counted
    rows = site_statistics().by_country.rows
    assert [(row.slug, row.name, row.count) for row in rows] == [
        ("AT", "Austria", 1),
        ("IT", "Italy", 0),
        ("NL", "Netherlands", 2),
    ]
    assert rows[0].query == "country=AT"


def test_years_are_sorted_and_cases_without_a_year_are_counted_apart():
    for year in [2019, 2017, 2019, None]:
        CaseStudyFactory(published=True, year_started=year)
    CaseStudyFactory(year_started=2005)  # a draft
    by_year = site_statistics().by_year
    assert [(row.name, row.count) for row in by_year] == [("2017", 1), ("2019", 2)]
    assert by_year.undated == 1
    assert by_year.rows[0].query == "year_min=2017&year_max=2017"
    assert by_year.max_count == 2


def test_rows_link_to_the_case_list_filter_of_their_vocabulary():
    stats = site_statistics()
    first = {name: _breakdown(stats, name).rows[0].query for name in BREAKDOWNS[:5]}
    assert first == {
        "by_innovation_type": "innovation_type=enhancement-oriented",
        "by_driver": "driver=political",
        "by_approach": "approach=digital-smart-mobility",
        "by_theme": "theme=mobility",
        "by_lifecycle_stage": "lifecycle_stage=identifying-problems",
    }


def test_shares_follow_the_capacity_rule_of_the_city_queryset():
    InnovationTeamFactory()  # a city with a team
    CityFactory(states_no_team=True)  # a city that states it has none
    StrategyFactory(status=Strategy.Status.ADOPTED)  # a city with a formal strategy
    # A draft is not formal: "no" only because the city states it has none.
    StrategyFactory(status=Strategy.Status.DRAFT, city__states_no_strategy=True)
    # A superseded strategy is not formal either, and nothing is stated: not recorded.
    StrategyFactory(status=Strategy.Status.SUPERSEDED)
    CityFactory()  # nothing recorded: not a city without a team, nor with one
    stats = site_statistics()
    assert stats.city_count == 6
    assert stats.team_share == Share(1, 2, not_recorded=4)
    assert stats.team_share.fraction == 0.5
    assert stats.team_share.percent == 50
    assert stats.strategy_share == Share(1, 2, not_recorded=4)
    assert stats.strategy_share.cities == 6


def test_shares_are_none_when_there_is_no_city():
    stats = site_statistics()
    assert stats.city_count == 0
    assert stats.team_share.fraction is None
    assert stats.team_share.percent is None
    assert stats.strategy_share.percent is None


@pytest.mark.parametrize(
    ("part", "whole", "percent"),
    [(1, 8, 13), (3, 8, 38), (1, 3, 33), (2, 3, 67), (0, 5, 0), (5, 5, 100)],
)
def test_percentages_are_whole_numbers_rounded_half_up(part, whole, percent):
    assert Share(part, whole).percent == percent


def test_as_dict_gives_every_figure_as_plain_data(demo):
    data = site_statistics().as_dict()
    assert data["team_share"] == {
        "part": 2,
        "whole": 2,
        "not_recorded": 1,
        "fraction": 1.0,
        "percent": 100,
    }
    assert data["strategy_share"] == {
        "part": 0,
        "whole": 0,
        "not_recorded": 3,
        "fraction": None,
        "percent": None,
    }
    assert data["cases_by"]["country"] == [
        {
            "slug": "AT",
            "name": "Austria",
            "count": 1,
            "query": "country=AT",
            "group": "",
            "group_name": "",
        },
        {
            "slug": "IT",
            "name": "Italy",
            "count": 1,
            "query": "country=IT",
            "group": "",
            "group_name": "",
        },
        {
            "slug": "SK",
            "name": "Slovakia",
            "count": 0,
            "query": "country=SK",
            "group": "",
            "group_name": "",
        },
    ]
    assert data["cases_by"]["year"] == []
    assert data["cases_without_year"] == 2
    assert set(data["cases_by"]) == {
        "innovation_type",
        "driver",
        "approach",
        "theme",
        "lifecycle_stage",
        "evidence",
        "country",
        "year",
    }
    # The demo's two cases: their sources report no evaluation.
    assert [(row["slug"], row["count"]) for row in data["cases_by"]["evidence"]] == [
        ("unknown", 2),
        ("reported", 0),
        ("measured", 0),
        ("evaluated", 0),
    ]


def test_every_figure_costs_a_fixed_number_of_queries(django_assert_num_queries):
    # One aggregate for the cities, four counts, five vocabularies, the countries, and
    # the journal's one look for changes (the cases' counts come from the index).
    populate(2)
    journal.fresh_searcher()  # the index built (a one-off) and brought up to date
    with django_assert_num_queries(12):
        site_statistics().as_dict()
    populate(8)
    journal.fresh_searcher()
    with django_assert_num_queries(12):
        site_statistics().as_dict()


def test_figures_are_computed_once_per_object(django_assert_num_queries):
    stats = site_statistics()
    with django_assert_num_queries(1):
        assert stats.city_count == 0
        assert stats.team_share.whole == 0
        assert stats.strategy_share.whole == 0


def test_the_index_is_asked_once_for_every_case_figure_and_only_if_one_is_read(
    monkeypatch,
):
    asked = []

    def counting():
        asked.append(1)
        return published_counts()

    monkeypatch.setattr("innovation_cases.stats.published_counts", counting)
    stats = site_statistics()
    assert (stats.city_count, stats.team_count, stats.lab_count) == (0, 0, 0)
    assert asked == []
    stats.as_dict()
    assert asked == [1]


# --- The index's counts are the database's ------------------------------------------


def _database_figures() -> dict:
    """The same figures counted in the database, one query each: what the index's
    aggregations must equal."""
    published = CaseStudy.objects.published()
    figures = {"case_count": published.count()}
    for name, model, lookup in [
        ("by_innovation_type", InnovationType, "innovation_types"),
        ("by_driver", Driver, "drivers"),
        ("by_approach", Approach, "approaches"),
        ("by_theme", Theme, "themes"),
        ("by_lifecycle_stage", LifecycleStage, "lifecycle_stage"),
    ]:
        figures[name] = {
            term.slug: published.filter(**{lookup: term}).count()
            for term in model.objects.all()
        }
    figures["by_country"] = {
        code: published.filter(city__country=code).count()
        for code in set(City.objects.values_list("country", flat=True))
    }
    years = set(published.exclude(year_started=None).values_list("year_started"))
    figures["by_year"] = {
        str(year): published.filter(year_started=year).count() for (year,) in years
    }
    figures["undated"] = published.filter(year_started=None).count()
    return figures


def _engine_figures() -> dict:
    stats = site_statistics()
    figures = {"case_count": stats.case_count, "undated": stats.by_year.undated}
    for name in BREAKDOWNS:
        figures[name] = _counts(_breakdown(stats, name))
    return figures


@pytest.fixture
def mixed_corpus() -> dict[str, CaseStudy]:
    """Cases in four countries (one with no published case), every status, some
    without a year or a stage, carrying overlapping terms."""
    cities = [CityFactory(country=code) for code in ["NL", "NL", "AT", "PT", "IT"]]
    types = list(InnovationType.objects.all())
    drivers = list(Driver.objects.all())
    approaches = list(Approach.objects.all())
    themes = list(Theme.objects.all())
    stages = [None, *LifecycleStage.objects.all()]
    statuses = [
        CaseStudy.Status.PUBLISHED,
        CaseStudy.Status.PUBLISHED,
        CaseStudy.Status.DRAFT,
        CaseStudy.Status.PUBLISHED,
        CaseStudy.Status.SUBMITTED,
        CaseStudy.Status.ARCHIVED,
        CaseStudy.Status.CHANGES_REQUESTED,
    ]
    made = {}
    for i in range(30):
        status = statuses[i % len(statuses)]
        case = CaseStudyFactory(
            title=f"Mixed case {i}",
            city=cities[i % 4]
            if status == CaseStudy.Status.PUBLISHED
            else cities[i % 5],
            status=status,
            published=status == CaseStudy.Status.PUBLISHED,
            year_started=None if i % 5 == 0 else 2010 + i % 7,
            lifecycle_stage=stages[i % len(stages)],
        )
        case.innovation_types.set(types[i % 3 : i % 3 + 2])
        case.drivers.set(drivers[i % 8 : i % 8 + 1 + i % 3])
        case.approaches.set(approaches[: i % 4])
        case.themes.set(themes[i % 5 : i % 5 + 2])
        made[case.title] = case
    return made


def test_the_indexs_counts_equal_the_databases_with_drafts_never_counted(
    mixed_corpus,
):
    expected = _database_figures()
    assert expected["case_count"] == 14  # the corpus is what it claims to be
    assert expected["undated"] > 0
    assert expected["by_country"]["IT"] == 0
    assert sum(expected["by_lifecycle_stage"].values()) < expected["case_count"]
    assert _engine_figures() == expected


def test_the_counts_follow_a_publish_an_archive_and_an_edit(mixed_corpus):
    site_statistics().as_dict()  # the index is built now, with these cases
    draft = mixed_corpus["Mixed case 2"]
    draft.status = CaseStudy.Status.PUBLISHED
    draft.published_at = draft.created_at
    draft.save()
    archived = mixed_corpus["Mixed case 0"]
    archived.status = CaseStudy.Status.ARCHIVED
    archived.save()
    edited = mixed_corpus["Mixed case 1"]
    edited.themes.set(Theme.objects.filter(slug="mobility"))
    edited.year_started = None
    edited.save()
    expected = _database_figures()
    assert _engine_figures() == expected
    assert expected["by_theme"]["mobility"] > 0
